"""User-written plasticity rules: triplet STDP and Tsodyks-Markram synapses.

Every reference here is written independently of the engine: the triplet
rule's weight change as sums over spike times (no traces), the Tsodyks-Markram
efficacies from their recursion and closed-form steady state. All rules of
the file share one network, so the generated loop compiles once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError

DT = 5e-4
N_PRE, N_POST = 8, 5
N_STEPS = 1000
DELAY = 3  # steps, the dense triplet connection
TM_DELAY = 2
PERIOD = 50  # steps between the Tsodyks-Markram source's spikes
N_TM = 18
TM_FIRST = 20  # the emission step of its first spike


class Triplet(ns.learning.PlasticityRule):
    """Pfister & Gerstner (2006), all-to-all, additive, no bounds."""

    pre = {"r1": "tau_plus", "r2": "tau_x"}
    post = {"o1": "tau_minus", "o2": "tau_y"}
    params = {"a2p": 4e-4, "a3p": 6e-4, "a2m": 5e-4, "a3m": 2e-4,
              "tau_plus": 0.0168, "tau_minus": 0.0337, "tau_x": 0.101,
              "tau_y": 0.125}  # fmt: skip

    @staticmethod
    def on_pre(w, o1, r2, a2m, a3m):
        return w - o1 * (a2m + a3m * r2)

    @staticmethod
    def on_post(w, r1, o2, a2p, a3p):
        return w + r1 * (a2p + a3p * o2)


class TripletNearest(Triplet):
    """The same with nearest-spike traces (each spike resets its trace to 1)."""

    pre = {"r1": ("tau_plus", "nearest"), "r2": ("tau_x", "nearest")}
    post = {"o1": ("tau_minus", "nearest"), "o2": ("tau_y", "nearest")}


TM = ns.learning.TsodyksMarkram(U=0.2, tau_f=0.15, tau_d=0.3)
A_TM = 0.02
W0 = np.random.default_rng(1).uniform(0.2, 0.8, (N_PRE, N_POST))


def _network(a2p=4e-4, triplet=Triplet):
    net = ns.Network(seed=5)
    pre = net.add(ns.NeuronGroup(N_PRE, ns.PoissonSource(rate=50.0)))
    post = net.add(ns.NeuronGroup(N_POST, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.add_input(post, np.linspace(1.2, 2.4, N_POST))
    c_all = net.connect(pre, post, W0, synapse=ns.Lowpass(0.005),
                        delay=DELAY * DT, plasticity=triplet(a2p=a2p))  # fmt: skip
    c_near = net.connect(pre, post, ns.Random(0.5, 0.3), synapse=ns.Lowpass(0.005),
                         plasticity=TripletNearest())  # fmt: skip
    times = (TM_FIRST + 1 + PERIOD * np.arange(N_TM)) * DT
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([times])))
    one = net.add(ns.NeuronGroup(1, ns.SpikeSource([[5 * DT]])))
    tgt = net.add(ns.NeuronGroup(2, ns.LIF(tau_rc=0.02)))
    c_tm = net.connect(src, tgt[0:1], [[A_TM]], synapse=ns.Lowpass(0.01),
                       delay=TM_DELAY * DT, plasticity=TM)  # fmt: skip
    net.connect(one, tgt[1:2], [[1.0]], synapse=ns.Lowpass(0.01), delay=TM_DELAY * DT)
    mons = {
        "pre": net.monitor_spikes(pre),
        "post": net.monitor_spikes(post),
        "J": net.monitor_state(tgt, "J", record=[0, 1]),
        "w_tm": net.monitor_weights(c_tm, record=[0]),
    }
    return net, {"all": c_all, "near": c_near, "tm": c_tm}, mons


@pytest.fixture(scope="module")
def run():
    net, conns, mons = _network()
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(N_STEPS * DT)
    return sim, conns, mons


def _steps(mon, n):
    return [mon.steps[mon.indices == i].astype(np.int64) for i in range(n)]


def _triplet_reference(rule, pre_steps, post_steps, nearest):
    """Total change of one synapse, from spike steps (arrivals for pre)."""

    def trace(events, s, tau):
        past = events[events < s]
        if past.size == 0:
            return 0.0
        if nearest:
            past = past[-1:]
        return float(np.exp(-(s - past) * DT / tau).sum())

    p = rule.param_values()
    dw = 0.0
    for s in pre_steps:  # depression at each arrival
        o1 = trace(post_steps, s, p["tau_minus"])
        dw -= o1 * (p["a2m"] + p["a3m"] * trace(pre_steps, s, p["tau_x"]))
    for s in post_steps:  # potentiation at each postsynaptic spike
        r1 = trace(pre_steps, s, p["tau_plus"])
        dw += r1 * (p["a2p"] + p["a3p"] * trace(post_steps, s, p["tau_y"]))
    return dw


def test_triplet_all_to_all_equals_spike_sum_reference(run):
    sim, conns, mons = run
    pre = _steps(mons["pre"], N_PRE)
    post = _steps(mons["post"], N_POST)
    assert min(map(len, pre)) > 20 and min(map(len, post)) > 20
    ref = W0.copy()
    for j in range(N_PRE):
        for q in range(N_POST):
            arrivals = pre[j][pre[j] + DELAY < N_STEPS] + DELAY
            ref[j, q] += _triplet_reference(Triplet(), arrivals, post[q], False)
    w = sim.weights(conns["all"])
    assert np.abs(w - W0).max() > 0.05  # the weights moved
    # the engine's traces decay by products of exp(-dt/tau): ~1e-16 per step
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-12)


def test_triplet_nearest_sparse_equals_reference(run):
    sim, conns, mons = run
    pre = _steps(mons["pre"], N_PRE)
    post = _steps(mons["post"], N_POST)
    coo = sim.weights(conns["near"]).tocoo()
    assert 5 < coo.nnz < N_PRE * N_POST
    ref = [
        0.3 + _triplet_reference(TripletNearest(), pre[j], post[q], True)
        for j, q in zip(coo.row, coo.col, strict=True)
    ]
    assert np.abs(coo.data - 0.3).max() > 0.02
    np.testing.assert_allclose(coo.data, ref, rtol=0, atol=1e-12)
    # all-to-all and nearest differ on the same trains (the modes are used)
    allp = 0.3 + _triplet_reference(Triplet(), pre[coo.row[0]], post[coo.col[0]], False)
    assert abs(allp - coo.data[0]) > 1e-4


def _tm_recursion(n, period_s, U, tau_f, tau_d):
    """Tsodyks, Pawelzik & Markram (1998): u_n and R_n of a regular train."""
    u = np.empty(n)
    r = np.empty(n)
    u[0], r[0] = U, 1.0
    ef, ed = math.exp(-period_s / tau_f), math.exp(-period_s / tau_d)
    for k in range(1, n):
        u[k] = u[k - 1] * ef + U * (1 - u[k - 1] * ef)
        r[k] = r[k - 1] * (1 - u[k - 1]) * ed + 1 - ed
    return u, r


def test_tsodyks_markram_efficacies_follow_the_recursion(run):
    sim, conns, mons = run
    u, r = _tm_recursion(N_TM, PERIOD * DT, TM.U, TM.tau_f, TM.tau_d)
    arrivals = TM_FIRST + TM_DELAY + PERIOD * np.arange(N_TM)
    w = mons["w_tm"].values[:, 0]
    assert w.shape == (N_STEPS,)
    # before the first arrival the weight is A; at each arrival A u_n R_n
    np.testing.assert_array_equal(w[: arrivals[0]], A_TM)
    np.testing.assert_allclose(w[arrivals], A_TM * u * r, rtol=1e-12, atol=0)
    # constant between arrivals (updated only at events)
    np.testing.assert_array_equal(w[arrivals[-1] :], w[arrivals[-1]])
    # facilitation first, then depression wins (U = 0.2, tau_f < tau_d)
    assert w[arrivals[1]] > w[arrivals[0]] and w[arrivals[-1]] < w[arrivals[1]]


def test_tsodyks_markram_steady_state_closed_form():
    # the closed form of the fixed point, reached by the engine's own rule
    # function iterated in Python over a long regular train
    U, tau_f, tau_d, T = 0.1, 0.5, 0.2, 0.025
    u_ss = U / (1 - (1 - U) * math.exp(-T / tau_f))
    r_ss = (1 - math.exp(-T / tau_d)) / (1 - (1 - u_ss) * math.exp(-T / tau_d))
    u, r = _tm_recursion(2000, T, U, tau_f, tau_d)
    assert abs(u[-1] - u_ss) < 1e-12 and abs(r[-1] - r_ss) < 1e-12
    state = (1.0, 0.0, 1.0, -math.inf)
    for n in range(2000):
        w, *state = ns.learning.TsodyksMarkram.on_pre(*state, (n + 1) * T, U, tau_f,
                                                      tau_d)  # fmt: skip
    np.testing.assert_allclose(w, u_ss * r_ss, rtol=1e-12)


def test_tsodyks_markram_spikes_carry_the_updated_efficacy(run):
    # linear synapse: the TM target's input is the superposition of the unit
    # response (a static weight-1 connection, one spike) scaled by A u_n R_n
    sim, conns, mons = run
    J = mons["J"].values
    h0 = 5 - 1 + TM_DELAY  # arrival step of the single unit spike
    h = J[h0:, 1]
    u, r = _tm_recursion(N_TM, PERIOD * DT, TM.U, TM.tau_f, TM.tau_d)
    want = np.zeros(N_STEPS)
    for n in range(N_TM):
        a = TM_FIRST + TM_DELAY + PERIOD * n
        want[a:] += A_TM * u[n] * r[n] * h[: N_STEPS - a]
    assert np.abs(J[:, 0]).max() > 0
    np.testing.assert_allclose(J[:, 0], want, rtol=1e-10, atol=1e-15)


def test_parameter_sweep_reuses_the_compiled_loop(run):
    sim, conns, _mons = run
    net, conns2, _m = _network(a2p=8e-4)
    sim2 = ns.Simulator(net, dt=DT, backend="cpu")
    assert sim2._built.loop is sim._built.loop  # same generated module
    sim2.run(N_STEPS * DT)
    assert len(sim._built.loop.network_run.signatures) == 1  # no recompilation
    assert not np.allclose(sim2.weights(conns2["all"]), sim.weights(conns["all"]))


def test_changed_rule_source_gives_new_code(run):
    sim, _conns, _mons = run

    class Triplet(ns.learning.PlasticityRule):  # same name, other source
        pre = {"r1": "tau_plus", "r2": "tau_x"}
        post = {"o1": "tau_minus", "o2": "tau_y"}
        params = dict(TripletNearest.params)

        @staticmethod
        def on_pre(w, o1, r2, a2m, a3m):
            return w - 0.5 * o1 * (a2m + a3m * r2)

        @staticmethod
        def on_post(w, r1, o2, a2p, a3p):
            return w + r1 * (a2p + a3p * o2)

    net, _conns, _m = _network(triplet=Triplet)
    other = ns.Simulator(net, dt=DT, backend="cpu")  # generated, not compiled
    assert other._built.loop.__name__ != sim._built.loop.__name__


def test_bad_rules_are_named():
    with pytest.raises(ValidationError, match=r"Bad\.on_pre: argument 'o3'.*w, o1"):

        class Bad(ns.learning.PlasticityRule):
            post = {"o1": 0.02}

            @staticmethod
            def on_pre(w, o3):
                return w - o3

    with pytest.raises(ValidationError, match=r"Bad2\.pre\['x'\].*'tau_pls'"):

        class Bad2(ns.learning.PlasticityRule):
            pre = {"x": "tau_pls"}
            params = {"tau_plus": 0.02}

            @staticmethod
            def on_post(w, x):
                return w + x

    with pytest.raises(ValidationError, match="Bad3: define on_pre"):

        class Bad3(ns.learning.PlasticityRule):
            pre = {"x": 0.02}

    with pytest.raises(ValidationError, match="Triplet: unknown parameter 'a2'"):
        Triplet(a2=1.0)


class Arity(ns.learning.PlasticityRule):
    synapse = {"e": 0.0}

    @staticmethod
    def on_pre(w, e):
        return w


def test_rule_errors_at_build():
    net = ns.Network()
    a = net.add(ns.NeuronGroup(2, ns.PoissonSource(rate=10.0)))
    rate = net.add(ns.NeuronGroup(2, ns.LIFRate()))
    with pytest.raises(ValidationError, match=r"Triplet uses postsynaptic spikes.*"
                       r"on_post.*'o1'.*LIFRate"):  # fmt: skip
        net.connect(a, rate, 0.1, plasticity=Triplet())
    b = net.add(ns.NeuronGroup(2, ns.LIF()))
    net.connect(a, b, 0.1, synapse=ns.Lowpass(0.005), plasticity=Arity())
    with pytest.raises(ValidationError, match=r"Arity\.on_pre: returned .*w, e"):
        ns.Simulator(net, dt=DT, backend="cpu")


def test_tsodyks_markram_equals_brian2(run):
    b2 = pytest.importorskip("brian2")
    sim, _conns, mons = run
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.second
    # emission steps on Brian2's grid (step s at s dt; only differences matter)
    steps = TM_FIRST + PERIOD * np.arange(N_TM)
    src = b2.SpikeGeneratorGroup(1, np.zeros(N_TM, int), steps * DT * b2.second)
    tgt = b2.NeuronGroup(1, "v : 1")
    S = b2.Synapses(
        src, tgt,
        """A : 1
        w : 1
        u : 1
        R : 1
        tlast : second""",
        on_pre="""u = u * exp(-(t - tlast) / tauf)
        u = u + U * (1 - u)
        R = 1 - (1 - R) * exp(-(t - tlast) / taud)
        w = A * u * R
        R = R - u * R
        tlast = t
        v_post += w""",
        delay=TM_DELAY * DT * b2.second,
        namespace={"U": TM.U, "tauf": TM.tau_f * b2.second,
                   "taud": TM.tau_d * b2.second},
    )  # fmt: skip
    S.connect()
    S.A = A_TM
    S.w = A_TM
    S.u = 0.0
    S.R = 1.0
    S.tlast = -1e9 * b2.second
    rec = b2.StateMonitor(S, "w", record=[0], when="end")
    b2.run(N_STEPS * DT * b2.second)
    w = mons["w_tm"].values[:, 0]
    assert np.unique(w).size == N_TM + 1  # A, then one value per spike
    np.testing.assert_allclose(w, rec.w[0], rtol=1e-12, atol=0)


def test_checkpoint_continues_rule_state(run, tmp_path):
    # a run split by a checkpoint, continued by a second simulator, equals the
    # one-piece run: traces, TM's u, R and t_last travel in the run state
    sim, conns, mons = run
    net, c2, m2 = _network()
    first = ns.Simulator(net, dt=DT, backend="cpu")
    first.run(0.21)  # mid-train: the TM synapse has state, traces are nonzero
    first.save_checkpoint(tmp_path / "ck.npz")
    net, c3, m3 = _network()
    second = ns.Simulator(net, dt=DT, backend="cpu")
    second.load_checkpoint(tmp_path / "ck.npz")
    second.run(N_STEPS * DT - 0.21)
    assert second.n_steps == N_STEPS
    for key in ("all", "near", "tm"):
        w1, w2 = sim.weights(conns[key]), second.weights(c3[key])
        if hasattr(w1, "toarray"):
            w1, w2 = w1.toarray(), w2.toarray()
        np.testing.assert_array_equal(w2, w1)
    np.testing.assert_array_equal(m3["w_tm"].values, mons["w_tm"].values)
