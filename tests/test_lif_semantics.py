"""LIF kernel semantics at threshold (``kernels.lif.lif_run``) against closed forms.

A neuron that starts at or above threshold spikes at once, at t = 0, and rests
for ``tau_ref`` (Brian2 emits that spike in the first step too); afterwards it
integrates ``tau_rc dv/dt = J - v`` from 0, whose solution is known exactly.
"""

import numpy as np
import pytest

from neurosim.kernels.lif import lif_run

TAU_RC, TAU_REF = 0.02, 0.002


def run(v0, J, dt, n_steps, tau_ref=TAU_REF, t0_steps=0):
    n = len(v0)
    v = np.array(v0, dtype=float)
    ref = np.zeros(n)
    cap = 64
    spk_buf = np.full(n * cap, np.nan)
    spk_off = np.arange(n + 1, dtype=np.int64) * cap
    spk_n = np.zeros(n, dtype=np.int64)
    v_rec = np.empty((n_steps, n))
    full = -np.expm1(-dt / TAU_RC)
    Jm = np.asarray(J, dtype=float)[None, :]
    lif_run(
        Jm,
        0,
        v,
        ref,
        dt,
        TAU_RC,
        tau_ref,
        full,
        n_steps,
        spk_buf,
        spk_off,
        spk_n,
        v_rec,
        True,
    )
    trains = [spk_buf[spk_off[i] : spk_off[i] + min(spk_n[i], cap)] for i in range(n)]
    return trains, v_rec


@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_start_above_threshold_strong_drive(dt):
    J = np.array([1.5, 3.0, 1.5])
    trains, _ = run([1.0, 1.3, 2.0], J, dt, round(0.05 / dt))
    for s, Ji in zip(trains, J, strict=True):
        # spike at 0, then the refractory period, then the rise from 0
        T = TAU_REF + TAU_RC * np.log1p(1.0 / (Ji - 1.0))
        assert s[0] == 0.0
        np.testing.assert_allclose(np.diff(s), T, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_start_above_threshold_weak_drive(dt):
    J = 0.6
    n_steps = round(0.03 / dt)
    trains, v = run([1.4], [J], dt, n_steps)
    assert trains[0].tolist() == [0.0]  # one spike, at once
    t = (np.arange(n_steps) + 1) * dt
    # v = 0 for tau_ref (2 ms, not 7.75 ms), then J (1 - exp(-(t - tau_ref)/tau_rc))
    expect = np.where(t <= TAU_REF, 0.0, -J * np.expm1(-(t - TAU_REF) / TAU_RC))
    np.testing.assert_allclose(v[:, 0], expect, rtol=0, atol=1e-14)


def test_tau_ref_zero_several_spikes_per_step():
    dt, J = 1e-3, 500.0  # period 40 us: 25 spikes in every 1 ms step
    trains, _ = run([0.0], [J], dt, 2, tau_ref=0.0)
    T = TAU_RC * np.log1p(1.0 / (J - 1.0))
    s = trains[0]
    assert s.size == np.floor((2 * dt - s[0]) / T) + 1
    np.testing.assert_allclose(s, s[0] + T * np.arange(s.size), rtol=0, atol=1e-15)
    assert s[0] == pytest.approx(T, rel=1e-12)  # first crossing from v = 0
