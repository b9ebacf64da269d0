"""simulate_neurons, firing_rates: LIFNeuron, "auto", ISI rates, HH step warning."""

import inspect
import warnings

import numpy as np
import pytest

import neurosim as ns

CELL = ns.LIFNeuron(
    tau_m=0.02, v_rest=-0.060, v_th=-0.050, v_reset=-0.065, tau_ref=0.002
)


def test_default_backend_is_auto_everywhere():
    for f in (ns.simulate_neurons, ns.firing_rates, ns.Simulator, ns.Model.run):
        assert inspect.signature(f).parameters["backend"].default == "auto", f


def test_lif_neuron_rates_voltages_and_start():
    I = np.array([0.005, 0.015, 0.030])  # volts; rheobase v_th - v_rest = 10 mV
    rec = ns.simulate_neurons(CELL, I, dt=1e-4, t_end=1.0, backend="cpu")
    assert rec.model is CELL
    # exact integration: every inter-spike interval is the analytic period
    rates = CELL.rates(I)
    assert rates[0] == 0 and rec.spike_counts[0] == 0
    for i in (1, 2):
        np.testing.assert_allclose(np.diff(rec.spike_times[i]), 1 / rates[i], rtol=1e-9)
    # volts: starts from v_rest, relaxes to v_rest + I below threshold, never
    # above threshold, reset to v_reset after a spike
    v = rec.v
    t = rec.t
    ref = -0.060 + 0.005 * (1 - np.exp(-t / 0.02))
    np.testing.assert_allclose(v[:, 0], ref, atol=1e-12)
    assert v.max() <= -0.050 and v[:, 2].min() == pytest.approx(-0.065)


def test_lif_neuron_callable_input_and_firing_rates():
    I = np.array([0.012, 0.02])
    a = ns.simulate_neurons(CELL, lambda t: I, dt=1e-4, t_end=0.5, backend="cpu")
    b = ns.simulate_neurons(CELL, I, dt=1e-4, t_end=0.5, backend="cpu")
    np.testing.assert_array_equal(a.spike_times_flat, b.spike_times_flat)
    f = ns.firing_rates(CELL, I, t_end=1.0, estimator="isi", backend="cpu")
    np.testing.assert_allclose(f, CELL.rates(I), rtol=1e-9)


def test_isi_estimator_is_exact_for_lif_where_counting_is_a_staircase():
    lif = ns.LIF(tau_rc=0.02, tau_ref=0.002)
    J = np.linspace(1.5, 4.0, 26)
    truth = lif.rates(J)
    isi = ns.firing_rates(lif, J, t_end=0.3, estimator="isi", backend="cpu")
    count = ns.firing_rates(lif, J, t_end=0.3, backend="cpu")
    np.testing.assert_allclose(isi, truth, rtol=1e-9)
    # counting spikes in 0.3 s is off by up to 1 / 0.3 s
    assert np.max(np.abs(count - truth)) > 1.0
    assert np.all(np.abs(count - truth) <= 1 / 0.3 + 1e-9)
    # below threshold: no spikes -> 0 Hz, not NaN
    assert ns.firing_rates(lif, [0.5], estimator="isi", backend="cpu")[0] == 0.0


@pytest.mark.slow
def test_hh_isi_f_i_curve_is_smooth_and_monotonic():
    hh = ns.HodgkinHuxley()
    currents = np.linspace(8.0, 20.0, 25)
    kw = dict(dt=1e-5, settle=0.1, backend="cpu", method="rk4")
    isi = ns.firing_rates(hh, currents, t_end=0.3, estimator="isi", **kw)
    count = ns.firing_rates(hh, currents, t_end=0.3, **kw)
    assert np.all(np.diff(isi) > 0)  # repetitive firing speeds up with current
    assert not np.all(np.diff(count) > 0)  # the 5 Hz staircase of counting
    # truth: the period of the limit cycle, from a run 10 times as long
    long = ns.firing_rates(hh, currents, t_end=2.1, estimator="isi", **kw)
    np.testing.assert_allclose(isi, long, rtol=2e-3)


def test_hh_exponential_euler_warns_at_large_steps():
    hh = ns.HodgkinHuxley()
    with pytest.warns(RuntimeWarning, match="too large for exponential Euler"):
        rec = ns.simulate_neurons(hh, 10.0, dt=1e-3, t_end=0.1, backend="cpu")
    assert rec.v.max() < 20  # what the warning is about: the spikes are gone
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ns.simulate_neurons(hh, 10.0, dt=1e-4, t_end=0.02, backend="cpu")
        ns.simulate_neurons(hh, 10.0, dt=5e-5, t_end=0.02, method="rk4", backend="cpu")


def test_bad_estimator():
    with pytest.raises(ValueError, match="estimator"):
        ns.firing_rates(ns.LIF(), [2.0], estimator="median")
