"""Named input ports of NeuronModels: currents and conductances, alone and in networks.

References: the closed form of a conductance-driven linear membrane, and
Brian2 running the same equations (exponential Euler) in a network driven
by spike generators through exponential synapses.
"""

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError


class CondLIF(ns.NeuronModel):
    """LIF in mV and ms with a current and two conductance ports."""

    time_unit = 1e-3
    state = {"v": -60.0}
    params = {"tau": 20.0, "El": -60.0, "Ee": 0.0, "vt": -50.0, "vr": -60.0}
    inputs = {
        "I": ns.Current(),
        "ge": ns.Conductance(E="Ee"),
        "gi": ns.Conductance(E=-80.0),
    }
    threshold = ("v", "vt")
    reset = {"v": "vr"}
    method = "exponential_euler"

    @staticmethod
    def derivatives(v, I, tau, El):
        return (El - v + I) / tau


def test_ports_are_resolved_from_the_description():
    from neurosim.neurons.model import ports

    p = ports(CondLIF)
    assert list(p) == ["I", "ge", "gi"]
    assert p["ge"] == ns.Conductance(E="Ee", current="I", voltage="v")
    assert p["gi"] == ns.Conductance(E=-80.0, current="I", voltage="v")
    assert ports(ns.Izhikevich) == {"I": ns.Current()}  # inputs = ("I",)


def test_constant_conductances_follow_the_closed_form():
    # tau dv/dt = El - v + I + ge (Ee - v) + gi (Ei - v) with constant inputs
    # relaxes to v_inf with tau / (1 + ge + gi); exponential Euler is exact.
    ge, gi, I = 0.3, 0.2, 4.0
    model = CondLIF(vt=100.0)
    rec = ns.simulate_neurons(
        model, {"I": I, "ge": ge, "gi": gi}, dt=1e-4, t_end=0.05, record=True
    )
    t = np.arange(1, 501) * 1e-4
    v_inf = (-60.0 + I + ge * 0.0 + gi * -80.0) / (1 + ge + gi)
    v = v_inf + (-60.0 - v_inf) * np.exp(-t / 0.02 * (1 + ge + gi))
    np.testing.assert_allclose(rec.state["v"][:, 0], v, rtol=0, atol=1e-11)


def test_conductance_enters_every_runge_kutta_stage():
    # with rk4 the current g (E - v) is evaluated at each stage's v: the
    # error against the closed form is fourth order, not first
    class CondRK4(CondLIF):
        method = "rk4"

    errs = []
    for dt in (1e-3, 5e-4):
        rec = ns.simulate_neurons(
            CondRK4(vt=100.0), {"ge": 2.0}, dt=dt, t_end=0.02, record=True
        )
        v_inf = -60.0 / 3.0
        exact = v_inf + (-60.0 - v_inf) * np.exp(-0.02 / 0.02 * 3.0)
        errs.append(abs(rec.state["v"][-1, 0] - exact))
    assert errs[1] > 0 and 12 < errs[0] / errs[1] < 20


@pytest.fixture(scope="module")
def b2():
    brian2 = pytest.importorskip("brian2")
    brian2.prefs.codegen.target = "numpy"
    return brian2


def test_conductance_ports_in_a_network_match_brian2(b2):
    dt_ms, t_ms = 0.1, 200.0
    rng = np.random.default_rng(3)
    # Brian2 generator spikes at step starts k dt (k >= 1); neurosim's
    # SpikeSource labels a spike with its step's end: the same spike is
    # emitted one dt later in neurosim's times.
    exc = [np.unique(rng.integers(1, 2000, size=n)) * dt_ms for n in (150, 90)]
    inh = np.unique(rng.integers(1, 2000, size=60)) * dt_ms
    we, wi, tau_e_ms, tau_i_ms = 0.12, 0.1, 5.0, 10.0  # relative to the leak; ms

    b2.start_scope()
    b2.defaultclock.dt = dt_ms * b2.ms
    eqs = """dv/dt = (El - v + I + ge*(Ee - v) + gi*(Ei - v))/tau : 1
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1
    I : 1"""
    ns_ = {"El": -60.0, "Ee": 0.0, "Ei": -80.0, "tau": 20 * b2.ms,
           "taue": tau_e_ms * b2.ms, "taui": tau_i_ms * b2.ms}  # fmt: skip
    G = b2.NeuronGroup(2, eqs, threshold="v > -50", reset="v = -60",
                       method="exponential_euler", namespace=ns_)  # fmt: skip
    G.v = -60.0
    G.I = [14.0, 11.0]
    idx = np.concatenate([np.zeros(exc[0].size), np.ones(exc[1].size)])
    E = b2.SpikeGeneratorGroup(2, idx, np.concatenate(exc) * b2.ms)
    In = b2.SpikeGeneratorGroup(1, np.zeros(inh.size), inh * b2.ms)
    Se = b2.Synapses(E, G, on_pre=f"ge_post += {we}")
    Se.connect(j="i")
    Si = b2.Synapses(In, G, on_pre=f"gi_post += {wi}")
    Si.connect()
    M = b2.SpikeMonitor(G)
    S = b2.StateMonitor(G, "v", record=True)
    b2.run(t_ms * b2.ms)

    net = ns.Network(seed=0)
    dt = dt_ms * 1e-3
    src_e = net.add(ns.NeuronGroup(2, ns.SpikeSource([t * 1e-3 + dt for t in exc])))
    src_i = net.add(ns.NeuronGroup(1, ns.SpikeSource([inh * 1e-3 + dt])))
    P = net.add(ns.NeuronGroup(2, CondLIF()))
    net.add_input(P, [14.0, 11.0])
    # Brian2's ge += we through dge/dt = -ge/taue is a weight we * taue (s)
    tau_e, tau_i = tau_e_ms * 1e-3, tau_i_ms * 1e-3
    net.connect(src_e, P, ns.OneToOne(we * tau_e), ns.Lowpass(tau_e), port="ge")
    net.connect(src_i, P, wi * tau_i, synapse=ns.Lowpass(tau_i), port="gi")
    spikes = net.monitor_spikes(P)
    vmon = net.monitor_state(P, "v", record=True)
    ns.Simulator(net, dt=dt, progress=False).run(t_ms * 1e-3)

    t_b2 = [np.asarray(M.t[M.i == i] / b2.second) for i in range(2)]
    assert all(t.size >= 10 for t in t_b2)
    for i, t in enumerate(spikes.spike_trains()):
        assert t.size == t_b2[i].size
        np.testing.assert_allclose(t, t_b2[i] + dt, rtol=0, atol=1e-9)
    # neurosim records after each step, Brian2 at each step's start
    np.testing.assert_allclose(
        vmon.values[:-1].T, np.asarray(S.v)[:, 1:], rtol=0, atol=1e-9
    )


def test_a_port_input_in_a_network_equals_the_same_input_alone():
    # add_input(port=...) feeds only that port (gain and bias stay on "I")
    net = ns.Network(seed=0)
    P = net.add(ns.NeuronGroup(3, CondLIF(), bias=12.0))
    net.add_input(P, [0.0, 0.2, 0.5], port="ge")
    net.add_input(P, lambda t: 0.1 + 0.0 * t, port="gi")
    vmon = net.monitor_state(P, "v", record=True)
    ns.Simulator(net, dt=1e-4, progress=False).run(0.03)
    rec = ns.simulate_neurons(
        CondLIF(),
        {"I": 12.0, "ge": np.array([0.0, 0.2, 0.5]), "gi": 0.1},
        dt=1e-4,
        t_end=0.03,
        record=True,
    )
    assert rec.spike_counts.sum() > 3
    np.testing.assert_allclose(vmon.values, rec.state["v"], rtol=0, atol=1e-12)


def test_unknown_ports_are_refused_naming_model_and_port():
    net = ns.Network()
    src = net.add(ns.NeuronGroup(1, ns.PoissonSource(rate=10.0)))
    P = net.add(ns.NeuronGroup(2, CondLIF()))
    L = net.add(ns.NeuronGroup(2, ns.LIF()))
    with pytest.raises(ValidationError, match=r"CondLIF has no input port 'g_e'.*'ge'"):
        net.connect(src, P, 1.0, synapse=ns.Lowpass(0.005), port="g_e")
    with pytest.raises(ValidationError, match="LIF neurons have one input"):
        net.connect(src, L, 1.0, synapse=ns.Lowpass(0.005), port="ge")
    with pytest.raises(ValidationError, match="CondLIF has no input port 'x'"):
        net.add_input(P, 1.0, port="x")
    with pytest.raises(ValidationError, match=r"port=\.\.\."):
        net.connect(src, P, 1.0, synapse=ns.Lowpass(0.005), reversal=0.0)


def test_bad_port_descriptions_are_refused_when_the_class_is_defined():
    with pytest.raises(ValidationError, match=r"Bad1.inputs\['g'\].*E = 'E_x'"):

        class Bad1(CondLIF):
            inputs = {"I": ns.Current(), "g": ns.Conductance(E="E_x")}

    with pytest.raises(ValidationError, match=r"Bad2.inputs\['g'\].*add one"):

        class Bad2(ns.NeuronModel):
            state = {"v": 0.0}
            inputs = {"g": ns.Conductance(E=0.0)}

            @staticmethod
            def derivatives(v):
                return -v

    with pytest.raises(ValidationError, match=r"Bad3.inputs\['g'\].*'w'"):

        class Bad3(CondLIF):
            inputs = {"I": ns.Current(), "g": ns.Conductance(E=0.0, voltage="w")}

    with pytest.raises(ValidationError, match=r"Bad4.*does not take"):

        class Bad4(CondLIF):
            inputs = {"J": ns.Current(), "I": ns.Current(),
                      "g": ns.Conductance(E=0.0, current="J")}  # fmt: skip

    with pytest.raises(ValidationError, match=r"Bad5.inputs\['g'\]: expected"):

        class Bad5(CondLIF):
            inputs = {"I": ns.Current(), "g": 0.0}

    with pytest.raises(ValidationError, match="Conductance.E"):
        ns.Conductance(E=None)
