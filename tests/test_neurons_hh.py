"""Hodgkin-Huxley: spike times against a tight-tolerance ODE solution, orders, f-I."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurosim as ns
from neurosim.kernels.hh import hh_rates


def _rates_naive(V):
    """The textbook rate functions, written independently of the kernel."""
    am = 0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10))
    bm = 4 * np.exp(-(V + 65) / 18)
    ah = 0.07 * np.exp(-(V + 65) / 20)
    bh = 1 / (1 + np.exp(-(V + 35) / 10))
    an = 0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10))
    bn = 0.125 * np.exp(-(V + 65) / 80)
    return am, bm, ah, bh, an, bn


def _reference_spikes(I, t_end_ms, method="DOP853"):
    """Upward -20 mV crossings (ms) of a solve_ivp solution at rtol = atol = 1e-12."""

    def rhs(t, y):
        V, m, h, n = y
        am, bm, ah, bh, an, bn = _rates_naive(V)
        dV = I - 120 * m**3 * h * (V - 50) - 36 * n**4 * (V + 77) - 0.3 * (V + 54.4)
        return [dV, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n]

    am, bm, ah, bh, an, bn = _rates_naive(-65.0)
    y0 = [-65.0, am / (am + bm), ah / (ah + bh), an / (an + bn)]

    def crossing(t, y):
        return y[0] + 20.0

    crossing.direction = 1
    sol = solve_ivp(
        rhs, (0, t_end_ms), y0, method=method, rtol=1e-12, atol=1e-12, events=crossing
    )
    assert sol.success
    return sol.t_events[0]


@pytest.fixture(scope="module")
def reference():
    return _reference_spikes(10.0, 100.0)


def test_reference_solution(reference):
    # The values (ms, rounded to 1e-4).
    assert len(reference) == 7
    np.testing.assert_allclose(reference[:3], [1.8186, 16.7202, 31.3704], atol=5e-5)
    # A second, implicit stiff solver agrees, so the reference is trustworthy
    # far below the 0.01 ms tolerance used below.
    sol = _reference_spikes(10.0, 100.0, method="LSODA")
    np.testing.assert_allclose(sol, reference, atol=1e-6)


def test_rk4_spike_times_within_0_01_ms(reference):
    rec = ns.simulate_neurons(
        ns.HodgkinHuxley(), 10.0, dt=1e-5, t_end=0.1, method="rk4", record_v=False
    )
    ours = rec.spike_times[0] * 1e3
    assert len(ours) == len(reference) == 7
    # The requirement: every spike within 0.01 ms.
    assert np.max(np.abs(ours - reference)) < 0.01
    # What RK4 with Hermite spike location actually achieves at 0.01 ms
    # (measured 1.8e-7 ms; 1e-6 leaves margin for other libms).
    assert np.max(np.abs(ours - reference)) < 1e-6


@pytest.mark.parametrize(
    "method, dts_ms, order",
    [
        ("rk4", [0.04, 0.02, 0.01], 4.0),
        ("exponential_euler", [0.01, 0.005, 0.0025], 1.0),
    ],
)
def test_convergence_order(reference, method, dts_ms, order):
    errs = []
    for dt_ms in dts_ms:
        rec = ns.simulate_neurons(
            ns.HodgkinHuxley(), 10.0, dt=dt_ms * 1e-3, t_end=0.1, method=method,
            record_v=False,
        )  # fmt: skip
        assert len(rec.spike_times[0]) == 7
        errs.append(np.max(np.abs(rec.spike_times[0] * 1e3 - reference)))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    # Measured: rk4 3.94, 3.99; exponential Euler 1.0001, 1.0002. A quarter of an
    # order either way still tells a 4th-order method from a 3rd or 5th.
    np.testing.assert_allclose(orders, order, atol=0.25)


def test_fi_curve_onset_of_repetitive_firing():
    hh = ns.HodgkinHuxley()
    I = np.array([0.0, 3.0, 6.2, 6.3, 10.0, 20.0])
    rec = ns.simulate_neurons(hh, I, dt=1e-5, t_end=0.3, method="rk4", record_v=False)
    counts = rec.spike_counts
    last = np.array([s[-1] if len(s) else 0.0 for s in rec.spike_times])
    # Below the onset: at most a few spikes, all early; none in the last 200 ms.
    assert counts[0] == 0
    assert 1 <= counts[2] <= 4 and last[2] < 0.1
    assert counts[1] <= 1
    # From 6.3 uA/cm^2 on: sustained firing to the end (ISI ~15-20 ms, so the
    # last spike falls within 30 ms of t_end) and rates that grow with I.
    for j in (3, 4, 5):
        assert counts[j] >= 12 and last[j] > 0.27
    assert counts[3] <= counts[4] <= counts[5]
    f = ns.firing_rates(hh, I, dt=1e-5, t_end=0.3, settle=0.1, method="rk4")
    assert f[2] == 0.0 and np.all(f[3:] > 40.0)


def test_rates_method_matches_reference_period(reference):
    hh = ns.HodgkinHuxley()
    r = ns.neuron_rates(hh, [0.0, 10.0])  # simulated: HH has no closed form
    assert not hasattr(hh, "rates")
    period = np.diff(reference)[-1] * 1e-3  # settled inter-spike interval (s)
    assert r[0] == 0.0
    # Counting spikes over the 0.8 s window is exact to one spike: 1/0.8 Hz.
    assert abs(r[1] - 1.0 / period) <= 1.0 / 0.8 + 1e-9


def test_rest_is_stable():
    rec = ns.simulate_neurons(ns.HodgkinHuxley(), 0.0, dt=1e-5, t_end=0.05)
    assert rec.spike_counts[0] == 0
    # -65 mV with steady-state gates is the rest point to within a few uV
    # (the net current there is 3e-4 uA/cm^2).
    assert np.max(np.abs(rec.v + 65.0)) < 0.01


def test_rate_functions_and_removable_singularities():
    V = np.array([-90.0, -65.0, -40.0 + 1e-3, -55.0 - 1e-3, -20.0, 10.0, 45.0])
    for v in V:
        # Away from the 0/0 points the naive formulas are accurate to ~1e-13.
        np.testing.assert_allclose(hh_rates(v), _rates_naive(v), rtol=1e-11)
    # Exactly at the singularities the limits are a_m = 1 and a_n = 0.1 (1/ms).
    assert hh_rates(-40.0)[0] == 1.0
    assert hh_rates(-55.0)[4] == pytest.approx(0.1, rel=1e-15)
    # Continuous through them, on both sides of the switch between the series
    # and the closed form (|x| = 1e-2, i.e. 0.1 mV): compared with
    # x / -expm1(-x), accurate to ~1 ulp for any x != 0. 1e-13 bounds the
    # closed form's cancellation error eps/|x| at the switch.
    for eps in (1e-12, -1e-8, 1e-5, -0.0999, 0.1001, 0.5, -3.0):
        x = eps / 10.0
        assert hh_rates(-40.0 + eps)[0] == pytest.approx(x / -math.expm1(-x), rel=1e-13)
        assert hh_rates(-55.0 + eps)[4] == pytest.approx(
            0.1 * x / -math.expm1(-x), rel=1e-13
        )
    # A trajectory through exactly -40 mV and -55 mV stays finite.
    rec = ns.simulate_neurons(ns.HodgkinHuxley(v_init=-40.0), 0.0, dt=1e-5, t_end=0.001)
    assert np.all(np.isfinite(rec.v))


def test_rk4_too_large_step_raises():
    with pytest.raises(ns.UnstableStepError, match="dt: .* method='rk4' unstable"):
        ns.simulate_neurons(ns.HodgkinHuxley(), 10.0, dt=1e-4, t_end=0.05, method="rk4")
    # Exponential Euler stays bounded at the same step.
    rec = ns.simulate_neurons(
        ns.HodgkinHuxley(), 10.0, dt=1e-4, t_end=0.05, method="exponential_euler"
    )
    assert np.all(np.isfinite(rec.v)) and rec.spike_counts[0] == 4


@pytest.mark.parametrize("kw", [{"C": -1.0}, {"g_na": -1.0}, {"g_l": 0.0},
                                {"e_na": float("nan")}])  # fmt: skip
def test_bad_parameters(kw):
    with pytest.raises(ValueError, match="HodgkinHuxley."):
        ns.HodgkinHuxley(**kw)


def test_exponential_euler_matches_brian2():
    b2 = pytest.importorskip("brian2")
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    dt_ms, T_ms = 0.01, 40.0
    b2.defaultclock.dt = dt_ms * b2.ms
    eqs = """
    dv/dt = (I - 120*msiemens*m**3*h*(v - 50*mV) - 36*msiemens*n**4*(v + 77*mV)
             - 0.3*msiemens*(v + 54.4*mV)) / (1*ufarad) : volt
    dm/dt = am*(1 - m) - bm*m : 1
    dh/dt = ah*(1 - h) - bh*h : 1
    dn/dt = an*(1 - n) - bn*n : 1
    am = 0.1/mV*(v + 40*mV)/(1 - exp(-(v + 40*mV)/(10*mV)))/ms : Hz
    bm = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
    ah = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
    bh = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
    an = 0.01/mV*(v + 55*mV)/(1 - exp(-(v + 55*mV)/(10*mV)))/ms : Hz
    bn = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
    I : amp
    """
    G = b2.NeuronGroup(
        2, eqs, threshold="v > -20*mV", refractory="v > -20*mV",
        method="exponential_euler",
    )  # fmt: skip
    hh = ns.HodgkinHuxley()
    V0, m0, h0, n0 = hh.initial_state()
    G.v = V0 * b2.mV
    G.m, G.h, G.n = m0, h0, n0
    I = np.array([7.0, 15.0])
    G.I = I * b2.uA  # per cm^2 of the 1 uF (= 1 cm^2) membrane
    state = b2.StateMonitor(G, "v", record=True)
    spikes = b2.SpikeMonitor(G)
    b2.run(T_ms * b2.ms)
    rec = ns.simulate_neurons(
        hh, I, dt=dt_ms * 1e-3, t_end=T_ms * 1e-3, method="exponential_euler"
    )
    vb = np.asarray(state.v / b2.mV).T  # (n_steps, 2); row k = V at k dt
    # Same scheme, same step: only rounding separates the two (measured
    # 6e-11 mV over 4000 steps; 1e-8 leaves room for other libms). Our row k is
    # V at (k+1) dt.
    np.testing.assert_allclose(rec.v[:-1], vb[1:], rtol=0, atol=1e-8)
    trains = spikes.spike_trains()
    for i in range(2):
        tb = np.asarray(trains[i] / b2.second)
        ours = rec.spike_times[i]
        assert len(tb) == len(ours) >= 2
        # Brian2 labels a spike with the start of its step; ours lies inside it.
        assert np.all((ours >= tb - 1e-12) & (ours <= tb + dt_ms * 1e-3 + 1e-12))
