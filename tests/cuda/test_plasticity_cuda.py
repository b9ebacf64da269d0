"""Plastic connections on the CUDA backend against the CPU loop.

The CPU loop's plasticity is itself checked against offline STDP, Brian2's
event-driven STDP and closed forms (``tests/sim/test_plasticity*.py``); here
the same networks run on both backends and must agree bit for bit under the
CUDA simulator (spikes, recorded and final weights, traces, per-synapse
variables), within the ``parity`` bound on a real GPU. Every rule kind is
compiled from its one source for the GPU: pair STDP, a user-written triplet
rule (the example's) and Tsodyks-Markram (per-synapse state, transmitted
after its update), on dense, scipy CSR and ``Random`` weights with delays,
onto LIF, Hodgkin-Huxley and LIFNeuron (current-based, conductance-based and
fused) targets, with LIF, HH and Poisson groups on the presynaptic side.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.sim import backends

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    # the simulator runs poisson_step on numpy uint64 scalars, whose intended
    # modulo-2**64 wraparound numpy reports as overflow
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 1e-4
N_PRE, N_POST = 7, 5
# a user-written rule: the example's triplet STDP (importable by the compile gate)
Triplet = importlib.import_module("neurosim.examples.16_plasticity_rules").Triplet


@pytest.fixture
def small_blocks(monkeypatch):
    # several blocks and the tail guard on tiny arrays; spike flags exchanged
    # with the host every 100 // 12 = 8 steps
    from neurosim import _config
    from neurosim.kernels import network_cuda

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(network_cuda, "SPIKE_CHUNK_BYTES", 100)


def _network():
    """Every rule on every weight kind, with delays, into fast-firing LIF neurons."""
    rng = np.random.default_rng(3)
    net = ns.Network(seed=11)
    pre = net.add(ns.NeuronGroup(N_PRE, ns.PoissonSource(rate=400.0)))
    post = net.add(ns.NeuronGroup(N_POST, ns.LIF(tau_rc=0.005, tau_ref=0.001),
                                  v0=rng.uniform(0.0, 0.9, N_POST),
                                  bias=np.linspace(2.0, 3.0, N_POST)))  # fmt: skip
    lp = ns.Lowpass(0.002)
    w_dense = rng.uniform(0.1, 0.5, (N_PRE, N_POST))
    stdp = ns.learning.STDP(a_plus=0.02, a_minus=0.021)
    conns = {
        "stdp_dense": net.connect(
            pre, post, w_dense, synapse=lp, delay=3 * DT, plasticity=stdp
        ),  # fmt: skip
        "stdp_random": net.connect(
            pre, post, ns.Random(0.6, 0.2), synapse=lp, delay=2 * DT, plasticity=stdp
        ),  # fmt: skip
    }
    csr = scipy.sparse.random(N_PRE, N_POST, density=0.5, random_state=4, format="csr")
    csr.data = 0.5 * csr.data + 0.1
    triplet = Triplet(a2p=5e-3, a3p=6e-3, a2m=7e-3, a3m=2e-3, w_max=1.0)
    # a two-state synapse: the weights go through the impulse buffer U
    conns["triplet_csr"] = net.connect(pre, post, csr, synapse=ns.Alpha(0.002),
                                       delay=DT, plasticity=triplet)  # fmt: skip
    conns["triplet_dense"] = net.connect(post, post, rng.uniform(0, 0.3, (5, 5)),
                                         synapse=lp, plasticity=triplet)  # fmt: skip
    tm = ns.learning.TsodyksMarkram(U=0.3, tau_f=0.05, tau_d=0.02)
    conns["tm_random"] = net.connect(pre, post, ns.Random(0.5, 0.3), synapse=lp,
                                     delay=2 * DT, plasticity=tm)  # fmt: skip
    conns["tm_dense"] = net.connect(pre, post[:2], rng.uniform(0.2, 0.6, (N_PRE, 2)),
                                    synapse=lp, plasticity=tm)  # fmt: skip
    mons = {
        "post": net.monitor_spikes(post),
        "pre": net.monitor_spikes(pre),
        "J": net.monitor_state(post, "J", record=[0, 4]),
    }
    for name, c in conns.items():
        record = True if not isinstance(c.weights, ns.Random) else list(range(10))
        mons["w_" + name] = net.monitor_weights(c, record=record, every=3)
    return net, conns, mons


def _dense(w):
    return w.toarray() if scipy.sparse.issparse(w) else np.asarray(w)


def _run(backend, steps=(24, 14)):
    net, conns, mons = _network()
    sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    w0 = {k: _dense(sim.weights(c)) for k, c in conns.items()}
    for n in steps:  # a continuation carries the plastic state over
        sim.run(n * DT)
    a = backends.host_arrays(sim._built, ("trace", "syn"))
    return {
        "w0": w0,
        "w": {k: _dense(sim.weights(c)) for k, c in conns.items()},
        "trace": a["trace"].copy(),
        "syn": a["syn"].copy(),
        "mons": {k: sim.data[m] for k, m in mons.items()},
    }


def test_every_rule_and_weight_kind_matches_the_cpu(small_blocks, parity):
    cpu, gpu = _run("cpu"), _run("cuda")
    assert cpu["mons"]["post"].indices.size >= 2 * N_POST  # posts fire
    for key in ("post", "pre"):
        got, want = gpu["mons"][key], cpu["mons"][key]
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_array_equal(got.steps, want.steps)
    for name in cpu["w"]:
        # plasticity really ran: every connection's weights moved
        assert not np.array_equal(cpu["w"][name], cpu["w0"][name]), name
        np.testing.assert_array_equal(gpu["w0"][name], cpu["w0"][name])
        parity(cpu["w"][name], gpu["w"][name])
        wc, wg = cpu["mons"]["w_" + name], gpu["mons"]["w_" + name]
        assert np.ptp(wc.values) > 0, name
        parity(wc.values, wg.values)
    assert np.ptp(cpu["trace"]) > 0 and np.ptp(cpu["syn"]) > 0
    parity(cpu["trace"], gpu["trace"])
    parity(cpu["syn"], gpu["syn"])
    parity(cpu["mons"]["J"].values, gpu["mons"]["J"].values)


def _stdp_net():
    net = ns.Network(seed=2)
    pre = net.add(ns.NeuronGroup(6, ns.PoissonSource(rate=500.0)))
    post = net.add(ns.NeuronGroup(3, ns.LIF(tau_rc=0.005, tau_ref=0.001), bias=2.5))
    csr = scipy.sparse.random(6, 3, density=0.6, random_state=1, format="csr")
    csr.data = 0.2 + 0.3 * csr.data
    stdp = ns.learning.STDP(a_plus=0.02, a_minus=0.021)
    conn = net.connect(pre, post, csr, synapse=ns.Lowpass(0.002), delay=DT,
                       plasticity=stdp)  # fmt: skip
    return net, conn


def _checkpointed(backend, path):
    """30 steps as 12, a checkpoint into a new simulator, and 18; then new weights."""
    net, conn = _stdp_net()
    first = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    w_init = first.weights(conn).toarray()
    first.run(12 * DT)
    first.save_checkpoint(path)
    net, conn = _stdp_net()
    second = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    second.load_checkpoint(path)
    second.run(18 * DT)
    w_30 = second.weights(conn).toarray()
    half = second.weights(conn)
    half.data *= 0.5
    second.set_weights(conn, half)  # from the host: the next run starts from it
    second.run(5 * DT)
    return w_init, w_30, second.weights(conn).toarray()


def test_checkpoint_and_set_weights_carry_plastic_state(tmp_path, small_blocks):
    net, conn = _stdp_net()
    whole = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    whole.run(30 * DT)
    w_whole = whole.weights(conn).toarray()
    cpu = _checkpointed("cpu", tmp_path / "cpu.npz")
    gpu = _checkpointed("cuda", tmp_path / "gpu.npz")
    assert not np.array_equal(cpu[1], cpu[0])  # STDP changed the weights
    np.testing.assert_array_equal(gpu[1], w_whole)  # the checkpoint lost nothing
    np.testing.assert_array_equal(gpu[1], cpu[1])
    assert not np.array_equal(cpu[2], cpu[1])
    np.testing.assert_array_equal(gpu[2], cpu[2])  # set_weights reached the device


# target -> (model, input scale: about the input that reaches threshold,
# initial voltages near threshold, so that every neuron fires in 50 steps)
TARGETS = {
    "hh": (ns.HodgkinHuxley(), 10.0, None),
    "lif_neuron": (ns.LIFNeuron(), 0.015, (-0.056, -0.0505)),
    "lif_neuron_cond": (ns.LIFNeuron(), 0.015, (-0.056, -0.0505)),
    "lif_neuron_fused": (ns.LIFNeuron(), 0.015, (-0.056, -0.0505)),
}
SEG = {"hh": "SEG_HH", "lif_neuron": "SEG_LIF", "lif_neuron_cond": "SEG_LIF_COND",
       "lif_neuron_fused": "SEG_LIF_FUSED"}  # fmt: skip


def _rules(w):
    """Pair STDP, the triplet rule and Tsodyks-Markram for weights about ``w``."""
    stdp = ns.learning.STDP(a_plus=0.1 * w, a_minus=0.105 * w, w_max=10 * w)
    triplet = Triplet(a2p=0.05 * w, a3p=0.06 * w, a2m=0.07 * w, a3m=0.02 * w,
                      w_max=10 * w)  # fmt: skip
    tm = ns.learning.TsodyksMarkram(U=0.3, tau_f=0.05, tau_d=0.02)
    return stdp, triplet, tm


def _target_network():
    """Every rule into Hodgkin-Huxley and LIFNeuron; STDP into the LIFNeuron kinds.

    Pair STDP, the triplet rule and Tsodyks-Markram onto HH and current-based
    LIFNeuron targets (the LIFNeuron's STDP fed by the HH group's spikes:
    HH as the presynaptic side), pair STDP onto a conductance-based LIFNeuron
    and onto a fused one (uniform gain and bias, one one-state current
    channel, J unmonitored: the LIF pass reads the channel).
    """
    rng = np.random.default_rng(5)
    net = ns.Network(seed=13)
    pre = net.add(ns.NeuronGroup(N_PRE, ns.PoissonSource(rate=400.0)))
    lp = ns.Lowpass(0.002)
    groups, conns = {}, {}
    for name, (model, s, v_range) in TARGETS.items():
        v0 = None if v_range is None else rng.uniform(*v_range, N_POST)
        w = 0.3 * s / (N_PRE * 400.0)  # a connection adds about 0.3 s
        stdp, triplet, tm = _rules(w)
        if name == "lif_neuron_fused":
            T = groups[name] = net.add(
                ns.NeuronGroup(N_POST, model, v0=v0, bias=3.0 * s)
            )
            conns[name + "_stdp"] = net.connect(
                pre, T, ns.Random(0.6, 2 * w), synapse=lp, plasticity=stdp
            )
            continue
        # about 100 Hz
        gain = np.linspace(0.8, 1.2, N_POST)
        T = groups[name] = net.add(
            ns.NeuronGroup(N_POST, model, v0=v0, gain=gain, bias=3.0 * s)
        )
        if name == "lif_neuron_cond":
            # with a reversal of 0 V the weight is a conductance (per volt)
            wc = w / 0.06
            conns[name + "_stdp"] = net.connect(
                pre, T, rng.uniform(0, 2 * wc, (N_PRE, N_POST)), synapse=lp,
                delay=2 * DT, plasticity=_rules(wc)[0], reversal=0.0,
            )  # fmt: skip
            continue
        if name == "hh":
            conns[name + "_stdp"] = net.connect(
                pre, T, rng.uniform(0, 2 * w, (N_PRE, N_POST)), synapse=lp,
                delay=2 * DT, plasticity=stdp,
            )  # fmt: skip
        else:  # HH spikes as the presynaptic events
            wh = 0.3 * s / (N_POST * 100.0)
            conns[name + "_stdp"] = net.connect(
                groups["hh"], T, rng.uniform(0, 2 * wh, (N_POST, N_POST)),
                synapse=lp, delay=DT, plasticity=_rules(wh)[0],
            )  # fmt: skip
        csr = scipy.sparse.random(N_PRE, N_POST, density=0.6, random_state=6,
                                  format="csr")  # fmt: skip
        csr.data = (0.5 + csr.data) * 2 * w
        conns[name + "_triplet"] = net.connect(
            pre, T, csr, synapse=ns.Alpha(0.002), delay=DT, plasticity=triplet
        )
        conns[name + "_tm"] = net.connect(
            pre, T, ns.Random(0.5, 2 * w), synapse=lp, delay=DT, plasticity=tm
        )
    mons = {name: net.monitor_spikes(T) for name, T in groups.items()}
    for name in ("hh", "lif_neuron", "lif_neuron_cond"):
        mons["v_" + name] = net.monitor_state(groups[name], "v", record=True)
    for name in ("hh", "lif_neuron"):  # (the conductance group's J is its bias)
        mons["J_" + name] = net.monitor_state(groups[name], "J", record=[0, 3])
    for name, c in conns.items():
        record = True if not isinstance(c.weights, ns.Random) else list(range(8))
        mons["w_" + name] = net.monitor_weights(c, record=record, every=4)
    return net, conns, mons


def test_every_rule_onto_hh_and_lif_neuron_targets_matches_the_cpu(
    small_blocks, parity
):
    from neurosim.kernels import network as K

    out = {}
    for backend in ("cpu", "cuda"):
        net, conns, mons = _target_network()
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        seg = set(sim._built.arrays["seg_i"][:, 0])
        assert {getattr(K, SEG[t]) for t in TARGETS} <= seg
        w0 = {k: _dense(sim.weights(c)) for k, c in conns.items()}
        sim.run(30 * DT)
        sim.run(20 * DT)  # a continuation
        a = backends.host_arrays(sim._built, ("trace", "syn"))
        out[backend] = {
            "w0": w0,
            "w": {k: _dense(sim.weights(c)) for k, c in conns.items()},
            "trace": a["trace"].copy(),
            "syn": a["syn"].copy(),
            "mons": {k: sim.data[m] for k, m in mons.items()},
        }
    cpu, gpu = out["cpu"], out["cuda"]
    for name in TARGETS:
        assert cpu["mons"][name].indices.size >= N_POST, name  # each target fires
        got, want = gpu["mons"][name], cpu["mons"][name]
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_array_equal(got.steps, want.steps)
    for name in cpu["w"]:
        assert not np.array_equal(cpu["w"][name], cpu["w0"][name]), name
        np.testing.assert_array_equal(gpu["w0"][name], cpu["w0"][name])
        parity(cpu["w"][name], gpu["w"][name])
        wc, wg = cpu["mons"]["w_" + name], gpu["mons"]["w_" + name]
        assert np.ptp(wc.values) > 0, name
        parity(wc.values, wg.values)
    for key in cpu["mons"]:
        if key.startswith(("v_", "J_")):
            assert np.ptp(cpu["mons"][key].values) > 0, key
            parity(cpu["mons"][key].values, gpu["mons"][key].values)
    parity(cpu["trace"], gpu["trace"])
    parity(cpu["syn"], gpu["syn"])
