"""LIF: simulated rates and spike times against the analytic solution and Brian2."""

import numpy as np
import pytest

import neurosim as ns

# Currents spanning the range [1.05, 20], denser near threshold where
# the rate curve is steepest.
J_RANGE = np.concatenate([np.linspace(1.05, 2.0, 20), np.linspace(2.2, 20.0, 20)])


@pytest.mark.parametrize("dt", [1e-3, 1e-4])
@pytest.mark.parametrize(
    "tau_rc, tau_ref", [(0.02, 0.002), (0.05, 0.004), (0.01, 0.001)]
)
def test_simulated_rate_equals_analytic(dt, tau_rc, tau_ref):
    lif = ns.LIF(tau_rc=tau_rc, tau_ref=tau_ref)
    T = 2.0
    rec = ns.simulate_neurons(lif, J_RANGE, dt=dt, t_end=T, record_v=False)
    analytic = 1.0 / (tau_ref + tau_rc * np.log1p(1.0 / (J_RANGE - 1.0)))
    # The tolerance: max(1 Hz, 1 %).
    tol = np.maximum(1.0, 0.01 * analytic)
    assert np.all(np.abs(rec.rates() - analytic) <= tol)
    np.testing.assert_allclose(lif.rates(J_RANGE), analytic, rtol=1e-14)
    # Stronger: the exact in-step spike timing makes every inter-spike interval
    # the analytic period, independent of dt (float64 rounding accumulated over
    # up to 2e4 steps stays far below 1e-9 s).
    for J, s, r in zip(J_RANGE, rec.spike_times, analytic, strict=True):
        t1 = tau_rc * np.log(J / (J - 1.0))  # first crossing from v = 0
        assert s[0] == pytest.approx(t1, abs=1e-9)
        np.testing.assert_allclose(np.diff(s), 1.0 / r, rtol=0, atol=1e-9)


def test_no_spikes_at_or_below_threshold():
    lif = ns.LIF()
    J = np.array([-1.0, 0.0, 0.5, 0.999, 1.0])
    rec = ns.simulate_neurons(lif, J, dt=1e-3, t_end=1.0)
    assert np.all(rec.spike_counts == 0)
    assert np.all(lif.rates(J) == 0)
    # v relaxes exactly to J (exact exponential integrator): after 50 tau_rc
    # the remaining gap is J * exp(-50) ~ 2e-22.
    np.testing.assert_allclose(rec.v[-1], J, rtol=0, atol=1e-14)


def test_voltage_is_exact_exponential():
    lif = ns.LIF(tau_rc=0.02, tau_ref=0.002)
    rec = ns.simulate_neurons(lif, 0.8, dt=1e-3, t_end=0.1)
    # Exact solution of tau dv/dt = J - v from 0, sampled at the step ends.
    np.testing.assert_allclose(
        rec.v[:, 0], 0.8 * -np.expm1(-rec.t / 0.02), rtol=1e-13, atol=0
    )


def test_gain_bias_inverts_max_rates_intercepts(rng):
    lif = ns.LIF(tau_rc=0.03, tau_ref=0.003)
    max_rates = rng.uniform(50, 300, size=50)
    intercepts = rng.uniform(-0.95, 0.95, size=50)
    gain, bias = lif.gain_bias(max_rates, intercepts)
    r, x0 = lif.max_rates_intercepts(gain, bias)
    # Closed-form inverses: only float64 rounding separates them.
    np.testing.assert_allclose(r, max_rates, rtol=1e-10)
    np.testing.assert_allclose(x0, intercepts, rtol=0, atol=1e-12)
    # And the other way round.
    g2, b2 = lif.gain_bias(r, x0)
    np.testing.assert_allclose(g2, gain, rtol=1e-9)
    np.testing.assert_allclose(b2, bias, rtol=1e-9, atol=1e-9)
    # The simulated neuron fires at max_rate for x = 1 and not at the intercept.
    rec = ns.simulate_neurons(lif, gain + bias, dt=1e-4, t_end=1.0, record_v=False)
    assert np.all(np.abs(rec.rates() - max_rates) <= np.maximum(1.0, 0.01 * max_rates))


@pytest.mark.parametrize("dt", [1e-3, 3e-3, 1e-4])
@pytest.mark.parametrize("tau_ref", [0.0, 0.002])
def test_rates_exact_for_any_dt_and_tau_ref(dt, tau_ref):
    """dt > tau_ref, tau_ref = 0 included: several spikes per step where due.

    Reference: the closed form 1/(tau_ref + tau_rc log1p(1/(J - 1))); J = 5 at
    dt = 1 ms and tau_ref = 0 is 224 Hz (it used to come out 200 Hz), and
    J = 200 fires ~ 10 kHz, far above 1/dt.
    """
    J = np.array([1.05, 1.5, 2.0, 5.0, 20.0, 200.0])
    lif = ns.LIF(tau_rc=0.02, tau_ref=tau_ref)
    rec = ns.simulate_neurons(lif, J, dt=dt, t_end=1.0, record_v=False)
    period = tau_ref + 0.02 * np.log1p(1.0 / (J - 1.0))
    for s, T in zip(rec.spike_times, period, strict=True):
        # every interval is the analytic period (rounding of t = k dt + t_s)
        np.testing.assert_allclose(np.diff(s), T, rtol=0, atol=1e-9)
        assert s.size == np.floor((rec.t_end - s[0]) / T + 1e-9) + 1
    np.testing.assert_array_equal(rec.spike_counts, [len(s) for s in rec.spike_times])


@pytest.mark.parametrize("kw", [{"tau_rc": -0.02}, {"tau_rc": 0.0}, {"tau_ref": -1e-3}])
def test_negative_time_constants_are_rejected(kw):
    with pytest.raises(ValueError, match="LIF.tau_r"):
        ns.LIF(**kw)


def test_first_spikes_match_brian2():
    b2 = pytest.importorskip("brian2")
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    dt, T = 1e-4, 0.3
    J = np.array([1.2, 1.5, 2.0, 5.0])
    b2.defaultclock.dt = dt * b2.second
    G = b2.NeuronGroup(
        len(J),
        "dv/dt = (Jin - v) / (20*ms) : 1 (unless refractory)\nJin : 1",
        threshold="v > 1",
        reset="v = 0",
        refractory=2 * b2.ms,
        method="exact",
    )
    G.Jin = J
    mon = b2.SpikeMonitor(G)
    b2.run(T * b2.second)
    trains = mon.spike_trains()
    rec = ns.simulate_neurons(ns.LIF(0.02, 0.002), J, dt=dt, t_end=T, record_v=False)
    for i in range(len(J)):
        tb = np.asarray(trains[i] / b2.second)
        ours = rec.spike_times[i]
        k = min(len(tb), len(ours))
        assert abs(len(tb) - len(ours)) <= 1
        # Brian2 labels a spike with the start of the step in which v passed 1,
        # so our exact crossing lies within that step ...
        assert tb[0] - 1e-12 <= ours[0] <= tb[0] + dt + 1e-12
        # ... and each later Brian2 interval is quantised to the grid (off by at
        # most one step), so the k-th spike may drift by at most k steps.
        drift = np.abs(ours[:k] - tb[:k])
        assert np.all(drift <= (np.arange(k) + 1) * dt + 1e-12)
