"""User-described neuron models (ns.NeuronModel) and the model zoo.

References: Brian2 running the same equations with the same integrator,
published firing patterns (Izhikevich 2003), closed forms (LIF rate), and
convergence orders as dt shrinks.
"""

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError


class RegularSpiking(ns.NeuronModel):
    """Izhikevich RS written as a user would (a dict reset, no initial_state)."""

    time_unit = 1e-3
    state = {"v": -65.0, "u": -13.0}
    params = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
    inputs = ("I",)
    threshold = ("v", 30.0)
    method = "euler"

    @staticmethod
    def derivatives(v, u, I, a, b):
        return 0.04 * v * v + 5.0 * v + 140.0 - u + I, a * (b * v - u)

    @staticmethod
    def reset(v, u, c, d):
        return c, u + d


# --- Brian2 as the reference -------------------------------------------------


@pytest.fixture(scope="module")
def b2():
    brian2 = pytest.importorskip("brian2")
    brian2.prefs.codegen.target = "numpy"
    return brian2


def brian2_run(b2, eqs, params, init, threshold, reset, method, dt_ms, t_ms,
               refractory=False, unless=False):  # fmt: skip
    """Spike times (s, Brian2's step-start convention) and the v trace."""
    b2.start_scope()
    b2.defaultclock.dt = dt_ms * b2.ms
    kw = {"refractory": refractory * b2.ms} if refractory else {}
    G = b2.NeuronGroup(1, eqs, threshold=threshold, reset=reset, method=method, **kw)
    for k, val in {**params, **init}.items():
        setattr(G, k, val)
    M = b2.SpikeMonitor(G)
    S = b2.StateMonitor(G, "v", record=True)
    b2.run(t_ms * b2.ms)
    return np.asarray(M.t / b2.second), np.asarray(S.v[0])


def test_izhikevich_matches_brian2_euler(b2):
    eqs = """dv/dt = (0.04*v**2 + 5*v + 140 - u + I)/ms : 1
    du/dt = a*(b*v - u)/ms : 1
    I : 1
    a : 1
    b : 1
    c : 1
    d : 1"""
    for name in ("RS", "CH"):
        p = ns.Izhikevich.PARAMETER_SETS[name]
        t_b2, v_b2 = brian2_run(
            b2, eqs, {**p, "I": 10.0}, {"v": -65.0, "u": -13.0}, "v > 30",
            "v = c; u = u + d", "euler", 0.1, 200,
        )  # fmt: skip
        rec = ns.simulate_neurons(ns.Izhikevich(**p), 10.0, dt=1e-4, t_end=0.2)
        # Brian2 labels a spike with its step's start, neurosim with its end.
        assert rec.spike_counts[0] == t_b2.size >= 5
        np.testing.assert_allclose(rec.spike_times[0], t_b2 + 1e-4, rtol=0, atol=1e-9)
        # Brian2 records v at each step start, i.e. after the previous step.
        # Same scheme, operations in another order: rounding only (1e-9 mV).
        np.testing.assert_allclose(rec.v[:-1, 0], v_b2[1:], rtol=0, atol=1e-9)


def test_adaptive_lif_matches_brian2_exponential_euler(b2):
    eqs = """dv/dt = (J - n - v)/tau_rc : 1 (unless refractory)
    dn/dt = -n/tau_n : 1
    J : 1
    tau_rc : second
    tau_n : second
    inc_n : 1"""
    model = ns.AdaptiveLIF(tau_n=0.1, inc_n=0.05)
    # Brian2 counts refractoriness from its step-start spike label, one dt
    # before neurosim's spike time: the same clamp needs tau_ref + dt there.
    t_b2, v_b2 = brian2_run(
        b2, eqs,
        {"J": 2.5, "tau_rc": 20 * b2.ms, "tau_n": 100 * b2.ms, "inc_n": 0.05},
        {"v": 0.0, "n": 0.0}, "v > 1", "v = 0; n += inc_n", "exponential_euler",
        0.1, 300, refractory=2.1,
    )  # fmt: skip
    rec = ns.simulate_neurons(model, 2.5, dt=1e-4, t_end=0.3)
    assert rec.method == "exponential_euler"
    assert rec.spike_counts[0] == t_b2.size > 10
    np.testing.assert_allclose(rec.spike_times[0], t_b2 + 1e-4, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rec.v[:-1, 0], v_b2[1:], rtol=0, atol=1e-9)


def test_adex_matches_brian2_rk4(b2):
    eqs = """dv/dt = (-g_l*(v-e_l) + g_l*delta_t*exp((v-v_t)/delta_t) - w + I)/C : volt
    dw/dt = (a*(v - e_l) - w)/tau_w : amp
    I : amp
    C : farad
    g_l : siemens
    e_l : volt
    v_t : volt
    delta_t : volt
    tau_w : second
    a : siemens
    b : amp
    v_reset : volt"""
    u = b2
    model = ns.AdEx()
    params = {"C": 281 * u.pF, "g_l": 30 * u.nS, "e_l": -70.6 * u.mV,
              "v_t": -50.4 * u.mV, "delta_t": 2 * u.mV, "tau_w": 144 * u.ms,
              "a": 4 * u.nS, "b": 80.5 * u.pA, "v_reset": -70.6 * u.mV,
              "I": 1000 * u.pA}  # fmt: skip
    t_b2, v_b2 = brian2_run(
        b2, eqs, params, {"v": -70.6 * u.mV, "w": 0 * u.pA}, "v > -40.4*mV",
        "v = v_reset; w += b", "rk4", 0.05, 200,
    )  # fmt: skip
    rec = ns.simulate_neurons(model, 1000.0, dt=5e-5, t_end=0.2, method="rk4")
    assert rec.spike_counts[0] == t_b2.size > 5
    np.testing.assert_allclose(rec.spike_times[0], t_b2 + 5e-5, rtol=0, atol=1e-9)
    # SI volts there, mV here; the same RK4 in another unit: 1e-9 mV.
    np.testing.assert_allclose(rec.v[:-1, 0], v_b2[1:] * 1e3, rtol=0, atol=1e-7)


# --- published firing patterns and closed forms ------------------------------


def _isis_ms(name, current=10.0, t_end=0.5):
    rec = ns.simulate_neurons(
        ns.Izhikevich.from_set(name), current, dt=1e-4, t_end=t_end, method="rk4"
    )
    return np.diff(rec.spike_times[0]) * 1e3


def test_izhikevich_parameter_sets_give_the_published_patterns():
    # Izhikevich (2003), Fig. 2, input I = 10.
    rs = _isis_ms("RS")  # regular spiking: tonic, adapting, no bursts
    assert rs.min() > 15 and rs[-1] > 1.5 * rs[0]
    ib = _isis_ms("IB")  # intrinsically bursting: a burst, then tonic spikes
    assert ib[0] < 10 and np.all(ib[3:] > 20)
    ch = _isis_ms("CH")  # chattering: repeated bursts of close spikes
    short, long_ = ch < 10, ch > 20
    assert short.sum() >= 6 and long_.sum() >= 4 and (short | long_).all()
    fs = _isis_ms("FS")  # fast spiking: > 100 Hz, a steady train after 3 spikes
    # (intervals on the 0.1 ms grid, so they jitter by a step or two)
    assert 1e3 / np.median(fs) > 100 and np.ptp(fs[3:]) < 0.5


def test_adaptive_lif_without_adaptation_fires_at_the_lif_rate():
    J = np.array([1.5, 2.0, 4.0])
    rec = ns.simulate_neurons(ns.AdaptiveLIF(inc_n=0.0), J, dt=1e-5, t_end=2.0)
    # Grid spike times add at most one step per interval: rate within
    # r^2 dt (relative r dt, below 1e-3 here) of the closed form.
    np.testing.assert_allclose(rec.rates(), ns.LIF().rates(J), rtol=2e-3, atol=0.5)


def test_exp_if_rheobase():
    # Above I_rh = v_t - e_l - delta_t = 13 mV the ExpIF fires, below it rests.
    rec = ns.simulate_neurons(ns.ExpIF(), [12.5, 13.5], dt=1e-5, t_end=1.0)
    assert rec.spike_counts[0] == 0 and rec.spike_counts[1] > 5


def test_exp_if_intervals_equal_the_quadrature():
    # From v_reset the next crossing of v_peak takes
    # T = int_{v_reset}^{v_peak} tau_m dv / (E_L - v + D e^{(v - V_T)/D} + I),
    # then tau_ref: the interval is T + tau_ref, on the grid within a step.
    from scipy.integrate import quad

    m, dt = ns.ExpIF(), 1e-5
    p = m.params
    I = np.array([14.0, 20.0, 40.0])

    def interval(i):
        def rhs(v):
            return p["e_l"] - v + p["delta_t"] * np.exp((v - p["v_t"]) / p["delta_t"])

        t = quad(lambda v: p["tau_m"] / (rhs(v) + i), p["v_reset"], p["v_peak"])[0]
        return t + p["tau_ref"]

    rec = ns.simulate_neurons(m, I, dt=dt, t_end=0.3)
    for i, times in zip(I, rec.spike_times, strict=True):
        assert times.size > 3
        np.testing.assert_allclose(np.diff(times), interval(i), rtol=0, atol=dt)


def test_exp_if_just_under_the_cut_off_spikes_and_stays_finite():
    # From v a few mV under v_peak one RK4 step at 0.1 ms crosses v_peak. The
    # right-hand side is capped at v_peak: uncapped, a stage overflows exp()
    # to inf, the next one is (E_L - inf) + inf = NaN, and the neuron would be
    # NaN for good (NaN never crosses v_peak; the simulator stops on it).
    v0 = np.linspace(-36.0, -30.5, 12)
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(v0.size, ns.ExpIF(), v0=v0))
    spikes = net.monitor_spikes(g)
    v = net.monitor_state(g, "v", record=True)
    ns.Simulator(net, dt=1e-4, backend="cpu", progress=False).run(0.005)
    assert np.isfinite(v.values).all()
    np.testing.assert_array_equal(np.sort(spikes.indices[spikes.steps == 0]),
                                  np.arange(v0.size))  # fmt: skip
    # reset to v_reset, then held for tau_ref = 20 steps
    np.testing.assert_array_equal(v.values[:20], -65.0)


# --- integrators --------------------------------------------------------------


class DecayingAdaptation(ns.AdaptiveLIF):
    """AdaptiveLIF starting with n = 0.5, so that v's input changes in time."""

    state = {"v": 0.0, "n": 0.5}


@pytest.mark.parametrize(
    ("method", "order", "dts"),
    [
        ("euler", 1, (1e-4, 5e-5, 2.5e-5)),
        ("rk2", 2, (1e-4, 5e-5, 2.5e-5)),
        ("rk4", 4, (4e-4, 2e-4, 1e-4)),
        ("exponential_euler", 1, (1e-4, 5e-5, 2.5e-5)),
    ],
)
def test_integrators_converge_at_their_order(method, order, dts):
    # Smooth, spike-free trajectories against RK4 at 1 us: AdEx at 300 pA
    # (below rheobase); for exponential Euler, which needs equations linear in
    # their own variable, an AdaptiveLIF whose adaptation decays (v's input
    # held over each step gives first order).
    if method == "exponential_euler":
        model, current = DecayingAdaptation(tau_n=0.01, inc_n=0.0), 0.8
    else:
        model, current = ns.AdEx(), 300.0
    ref = ns.simulate_neurons(model, current, dt=1e-6, t_end=0.02, method="rk4")
    errs = []
    for dt in dts:
        rec = ns.simulate_neurons(model, current, dt=dt, t_end=0.02, method=method)
        errs.append(abs(rec.v[-1, 0] - ref.v[-1, 0]))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    np.testing.assert_allclose(ratios, 2.0**order, rtol=0.25)


# --- the mechanism ------------------------------------------------------------


def test_per_neuron_parameters_equal_separate_runs():
    a = np.array([0.02, 0.05, 0.1])
    both = ns.simulate_neurons(RegularSpiking(a=a), 10.0, dt=1e-4, t_end=0.1)
    for i, ai in enumerate(a):
        one = ns.simulate_neurons(RegularSpiking(a=ai), 10.0, dt=1e-4, t_end=0.1)
        np.testing.assert_array_equal(both.v[:, i], one.v[:, 0])
        np.testing.assert_array_equal(both.spike_times[i], one.spike_times[0])


def test_every_state_variable_is_recordable_and_ports_take_dicts():
    class TwoPorts(ns.NeuronModel):
        state = {"x": 0.0, "y": 0.0}
        inputs = ("p", "q")
        method = "rk4"

        @staticmethod
        def derivatives(x, y, p, q):
            return p, q - y

    rec = ns.simulate_neurons(
        TwoPorts(), {"p": 1.0, "q": 2.0}, dt=1e-3, t_end=0.5, record=True
    )
    t = rec.t
    np.testing.assert_allclose(rec.state["x"][:, 0], t, rtol=1e-12)
    np.testing.assert_allclose(rec.state["y"][:, 0], 2 * -np.expm1(-t), atol=1e-12)
    assert rec.v is None and rec.spike_counts[0] == 0


def test_hand_written_update_and_linear_spike_times():
    class Ramp(ns.NeuronModel):
        """v rises at I per second; resets at 1; spike time interpolated."""

        state = {"v": 0.0}
        threshold = ("v", 1.0)
        reset = {"v": 0.0}
        spike_time = "linear"

        @staticmethod
        def update(v, I, dt):
            return v + I * dt

    rec = ns.simulate_neurons(Ramp(), 3.0, dt=1e-3, t_end=1.0)
    # v crosses 1 at t = 1/3 exactly; the reset drops the overshoot, so later
    # crossings are one grid-aligned 1/3 s apart from each reset.
    assert rec.method == "update"
    np.testing.assert_allclose(rec.spike_times[0][0], 1 / 3, atol=1e-12)
    assert rec.spike_counts[0] == 2


def test_refractory_holds_the_variable_for_whole_steps():
    class Clamp(ns.NeuronModel):
        state = {"v": 0.0}
        params = {"t_ref": 0.003}
        threshold = ("v", 1.0)
        reset = {"v": 0.0}
        refractory = "t_ref"
        refractory_hold = ("v",)

        @staticmethod
        def update(v, I, dt):
            return v + I * dt

    rec = ns.simulate_neurons(Clamp(), 250.0, dt=1e-3, t_end=0.03)
    # 250 V/s from 0 passes 1 on the 5th step (v = 1.0 after the 4th is not
    # above 1), then 3 held steps (3 ms): a spike every 8 ms.
    np.testing.assert_allclose(np.diff(rec.spike_times[0]), 0.008, atol=1e-12)
    np.testing.assert_allclose(rec.spike_times[0][0], 0.005, atol=1e-12)


# --- clear errors at build time ----------------------------------------------


def test_misspelled_names_are_refused_when_the_class_is_defined():
    with pytest.raises(ValidationError, match=r"Bad.derivatives: argument 'vv'.*'v'"):

        class Bad(ns.NeuronModel):
            state = {"v": 0.0}

            @staticmethod
            def derivatives(vv, I):
                return -vv + I

    with pytest.raises(ValidationError, match=r"Bad2.threshold: 'V' is not a state"):

        class Bad2(ns.NeuronModel):
            state = {"v": 0.0}
            threshold = ("V", 1.0)

            @staticmethod
            def derivatives(v, I):
                return -v + I

    with pytest.raises(ValidationError, match=r"unknown parameter 'aa'.*'a'"):
        ns.Izhikevich(aa=0.1)


def test_unknown_record_and_port_are_refused():
    with pytest.raises(ValidationError, match=r"record: Izhikevich has no state .*'w'"):
        ns.simulate_neurons(ns.Izhikevich(), 10.0, t_end=0.01, record=["v", "w"])
    with pytest.raises(ValidationError, match=r"no input port 'J'"):
        ns.simulate_neurons(ns.Izhikevich(), {"J": 1.0}, t_end=0.01)


def test_functions_that_cannot_compile_are_named():
    class Formats(ns.NeuronModel):
        state = {"v": 0.0}

        @staticmethod
        def derivatives(v, I):
            label = f"{v:.3f}"  # fine in Python, not in numba
            return float(len(label)) * 0.0 - v + I

    with pytest.raises(ValidationError, match=r"Formats.derivatives does not compile"):
        ns.simulate_neurons(Formats(), 1.0, dt=1e-3, t_end=0.01)

    class UsesGlobal(ns.NeuronModel):
        state = {"v": 0.0}

        @staticmethod
        def derivatives(v, I):
            return np.tanh(v) + helper(I)  # noqa: F821 (the point of the test)

    with pytest.raises(ValidationError, match=r"UsesGlobal.derivatives: name 'helper'"):
        ns.simulate_neurons(UsesGlobal(), 1.0, dt=1e-3, t_end=0.01)


def test_exponential_euler_checks_linearity():
    with pytest.raises(ValidationError, match=r"exponential_euler.*dv/dt.*not"):
        ns.simulate_neurons(
            ns.Izhikevich(), 10.0, dt=1e-4, t_end=0.01, method="exponential_euler"
        )


def test_model_without_source_is_refused_clearly():
    code = """
class NoSource(ns.NeuronModel):
    state = {"v": 0.0}
    def derivatives(v, I):
        return -v + I
"""
    scope = {"ns": ns}
    exec(code, scope)
    with pytest.raises(ValidationError, match=r"NoSource.derivatives: its source"):
        ns.simulate_neurons(scope["NoSource"](), 1.0, dt=1e-3, t_end=0.01)


def test_divergence_is_reported():
    class BlowUp(ns.NeuronModel):
        """dv/dt = v^2 from v = 1 reaches infinity at t = 1."""

        state = {"v": 1.0}
        inputs = ()

        @staticmethod
        def derivatives(v):
            return v * v

    with pytest.raises(ns.UnstableStepError, match=r"BlowUp.*diverge"):
        ns.simulate_neurons(BlowUp(), None, dt=1e-2, t_end=2.0)


def test_numerical_tuning_curve_for_a_model_without_rates():
    # neuron_rates simulates models without a closed form: AdaptiveLIF with
    # inc_n = 0 is the LIF, whose analytic curve is the reference.
    J = np.array([0.5, 1.5, 3.0])
    rates = ns.neuron_rates(ns.AdaptiveLIF(inc_n=0.0), J)
    np.testing.assert_allclose(rates, ns.LIF().rates(J), rtol=0.03, atol=1.25)


def test_adaptive_threshold_lif_spike_times_follow_the_rising_threshold():
    # With tau_theta huge, the k-th spike (k = 0, 1, ...) comes when v, started
    # from 0 after the previous reset, reaches 1 + k inc: an interval of
    # tau_ref + tau_rc ln(J / (J - 1 - k inc)) (closed form of the exact step);
    # grid spike times add at most one step to each interval.
    J, inc, dt = 3.0, 0.25, 1e-5
    model = ns.AdaptiveThresholdLIF(tau_rc=0.02, tau_ref=0.002, inc_theta=inc,
                                    tau_theta=1e12)  # fmt: skip
    rec = ns.simulate_neurons(model, [J], dt=dt, t_end=0.5)
    isi = np.diff(np.concatenate([[0.0], rec.spike_times[0]]))
    k = np.arange(isi.size)
    want = 0.02 * np.log(J / (J - 1.0 - k * inc)) + np.where(k > 0, 0.002, 0.0)
    assert isi.size == 8  # 1 + 7 * 0.25 < J: eight spikes, then silence
    assert np.all(np.abs(isi - want) <= 1.01 * dt)
    # the third state variable is v - theta
    short = ns.simulate_neurons(model, [J], dt=dt, t_end=0.05, record=True)
    np.testing.assert_allclose(
        short.state["u"], short.state["v"] - short.state["theta"], rtol=0, atol=1e-12
    )
