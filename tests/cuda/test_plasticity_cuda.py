"""Plastic connections on the CUDA backend against the CPU loop.

The CPU loop's plasticity is itself checked against offline STDP, Brian2's
event-driven STDP and closed forms (``tests/sim/test_plasticity*.py``); here
the same networks run on both backends and must agree bit for bit under the
CUDA simulator (spikes, recorded and final weights, traces, per-synapse
variables), within the ``parity`` bound on a real GPU. Every rule kind is
compiled from its one source for the GPU: pair STDP, a user-written triplet
rule (the example's) and Tsodyks-Markram (per-synapse state, transmitted
after its update), on dense, scipy CSR and ``Random`` weights with delays.
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
