"""simulate_neurons / firing_rates / Recording: input forms, buffers, bad input."""

import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.sim import neurons as sim_neurons

LIF = ns.LIF(tau_rc=0.02, tau_ref=0.002)
DT, T = 1e-3, 0.2
N_STEPS = 200


def _same(a, b):
    np.testing.assert_array_equal(a.v, b.v)
    np.testing.assert_array_equal(a.spike_counts, b.spike_counts)
    for x, y in zip(a.spike_times, b.spike_times, strict=True):
        np.testing.assert_array_equal(x, y)


def test_current_forms_agree():
    J = np.array([1.5, 3.0, 1.5])
    by_array = ns.simulate_neurons(LIF, J, dt=DT, t_end=T)
    by_rows = ns.simulate_neurons(LIF, np.tile(J, (N_STEPS, 1)), dt=DT, t_end=T)
    by_func = ns.simulate_neurons(LIF, lambda t: J, dt=DT, t_end=T)
    by_scalar = ns.simulate_neurons(LIF, 1.5, dt=DT, t_end=T, n_neurons=3)
    _same(by_array, by_rows)
    _same(by_array, by_func)
    np.testing.assert_array_equal(by_scalar.v[:, 0], by_array.v[:, 0])
    assert by_array.v.shape == (N_STEPS, 3)
    np.testing.assert_allclose(by_array.t, (np.arange(N_STEPS) + 1) * DT)
    assert by_array.t_end == pytest.approx(T)


def test_time_varying_current_switches_on():
    # Row k is held over [k dt, (k+1) dt); the callable is sampled at k dt.
    t_on, J = 0.05, 2.0
    rec = ns.simulate_neurons(LIF, lambda t: [J * (t >= t_on)], dt=DT, t_end=T)
    s = rec.spike_times[0]
    # First spike at t_on + tau_rc log(J/(J-1)) exactly; later ones one
    # analytic period apart (rounding only: 1e-12 s).
    assert s[0] == pytest.approx(t_on + 0.02 * np.log(J / (J - 1)), abs=1e-12)
    np.testing.assert_allclose(np.diff(s), 1 / LIF.rates(J), atol=1e-12)
    assert np.all(rec.v[: int(round(t_on / DT))] == 0.0)


def test_record_v_false_and_rates_window():
    rec = ns.simulate_neurons(LIF, [2.0, 0.5], dt=DT, t_end=1.0, record_v=False)
    assert rec.v is None and rec.n_neurons == 2
    np.testing.assert_allclose(rec.rates(), rec.spike_counts / 1.0)
    late = rec.rates(t_start=0.5)
    assert late[1] == 0.0
    # 0.5 s windows count the analytic rate to within one spike: 2 Hz.
    assert abs(late[0] - LIF.rates(2.0)) <= 2.0
    with pytest.raises(ValueError, match="t_start"):
        rec.rates(t_start=2.0)


def test_firing_rates_lif_matches_analytic():
    J = np.linspace(1.1, 10, 7)
    r = ns.firing_rates(LIF, J, dt=1e-4, t_end=1.2, settle=0.2)
    # One spike over the 1 s window: 1 Hz.
    assert np.all(np.abs(r - LIF.rates(J)) <= 1.0)
    with pytest.raises(ValueError, match="settle"):
        ns.firing_rates(LIF, J, t_end=0.1, settle=0.1)


def test_spike_buffers(monkeypatch):
    # LIF buffers follow the analytic bound floor(T r) + 2: never a re-run.
    J = np.linspace(1.2, 8.0, 9)
    rec = ns.simulate_neurons(LIF, J, dt=1e-4, t_end=0.5)
    assert rec.info["n_reruns"] == 0
    assert np.all(rec.spike_counts <= np.floor(0.5 * LIF.rates(J)) + 1)
    # HH: the minimum room (8 spikes per neuron) makes the neuron at 20 uA/cm^2
    # (9 spikes in 100 ms) re-run alone; its spikes are the same to the bit.
    hh = ns.HodgkinHuxley()
    monkeypatch.setattr(sim_neurons, "SPIKE_BUFFER_BYTES", 1)
    a = ns.simulate_neurons(hh, [10.0, 20.0, 0.0], dt=1e-5, t_end=0.1)
    assert a.info["spike_capacity"] == 8 and a.info["n_reruns"] == 1
    assert a.spike_counts.tolist() == [7, 9, 0]
    monkeypatch.setattr(sim_neurons, "SPIKE_BUFFER_BYTES", 2**30)
    b = ns.simulate_neurons(hh, [10.0, 20.0, 0.0], dt=1e-5, t_end=0.1)
    assert b.info["n_reruns"] == 0
    _same(a, b)


def test_auto_backend():
    rec = ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=T, backend="auto")
    assert rec.backend == ("cuda" if has_cuda() else "cpu")


@pytest.mark.skipif(has_cuda(), reason="a CUDA device is present")
def test_cuda_backend_without_gpu_is_clear():
    with pytest.raises(ns.BackendUnavailable, match="numba-cuda"):
        ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=T, backend="cuda")


BAD_NUMBERS = [0.0, -1e-3, float("nan"), float("inf")]


@pytest.mark.parametrize("dt", BAD_NUMBERS)
def test_bad_dt(dt):
    with pytest.raises(ValueError, match="^dt: "):
        ns.simulate_neurons(LIF, 2.0, dt=dt, t_end=T)


@pytest.mark.parametrize("t_end", BAD_NUMBERS)
def test_bad_t_end(t_end):
    with pytest.raises(ValueError, match="^t_end: "):
        ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=t_end)


@pytest.mark.parametrize(
    "current",
    [
        float("nan"),
        [1.0, float("inf")],
        np.full((N_STEPS, 2), np.nan),
        lambda t: [float("nan")],
    ],
)
def test_non_finite_current(current):
    with pytest.raises(ValueError, match="current.*NaN or infinite"):
        ns.simulate_neurons(LIF, current, dt=DT, t_end=T)


@pytest.mark.parametrize(
    "current, match",
    [
        (np.ones((N_STEPS + 1, 2)), r"current: a 2-D current must have shape"),
        (np.ones((2, 2, 2)), r"current: expected 0 or 1 or 2-D"),
        (np.ones(0), r"current: needs at least one neuron"),
        (lambda t: np.ones(1 + int(t > 0.1)), r"current: a callable must return"),
        ("abc", r"current: expected a numeric array"),
    ],
)
def test_wrong_current_shapes(current, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ns.simulate_neurons(LIF, current, dt=DT, t_end=T)


def test_n_neurons_mismatch():
    with pytest.raises(ValueError, match="current: has 3 columns but n_neurons = 2"):
        ns.simulate_neurons(LIF, [1.0, 2.0, 3.0], dt=DT, t_end=T, n_neurons=2)


def test_unknown_method_backend_model():
    with pytest.raises(ValueError, match="method: expected one of 'exact'"):
        ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=T, method="rk4")
    with pytest.raises(ValueError, match="method: expected one of 'exponential_euler'"):
        ns.simulate_neurons(ns.HodgkinHuxley(), 2.0, dt=1e-5, t_end=T, method="euler")
    with pytest.raises(
        ValueError, match="backend: expected one of 'auto', 'cpu', 'cuda'"
    ):
        ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=T, backend="gpu")
    with pytest.raises(TypeError, match="model: expected a neurosim.LIF"):
        ns.simulate_neurons(ns.LIFRate(), 2.0, dt=DT, t_end=T)
    with pytest.raises(TypeError, match="dt: expected a real number"):
        ns.simulate_neurons(LIF, 2.0, dt="0.001", t_end=T)
    with pytest.raises(TypeError, match="record_v: expected a bool"):
        ns.simulate_neurons(LIF, 2.0, dt=DT, t_end=T, record_v="yes")
