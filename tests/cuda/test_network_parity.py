"""Every branch of the CUDA network kernels against the CPU loop.

One network per target neuron model (LIF, LIFNeuron current- and
conductance-based, fused CUBA-like LIFNeuron, Hodgkin-Huxley, LIFRate) in which
the target receives every connection kind (dense, ``Random`` and scipy CSR,
``OneToOne``, ``Factored``, delayed, unfiltered, multi-state synapses, ZOH,
rates from a LIFRate group, recurrent from itself), plain and encoded
external input, and carries every monitor kind (spikes, ``v``, ``J``, readouts
filtered and unfiltered, on the group and on a view). Both backends must give
identical spikes; states and readouts agree bit for bit under the CUDA
simulator and to the ``device_tol`` bound on a real GPU (``parity`` fixture).
The CUDA backend's refusals are tested at the end.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.kernels import network as K
from neurosim.sim.monitors import StateMonitor

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    # the simulator runs poisson_step on numpy uint64 scalars, whose intended
    # modulo-2**64 wraparound numpy reports as overflow
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 1e-4
N_POST = 6

# target model -> (model, input scale: about the input that reaches threshold,
# initial voltages between reset and threshold so that spikes come early)
TARGETS = {
    "lif": (ns.LIF(tau_rc=0.02, tau_ref=0.002), 1.0, (0.0, 0.9)),
    "lif_neuron": (ns.LIFNeuron(), 0.015, (-0.065, -0.051)),
    "lif_neuron_cond": (ns.LIFNeuron(), 0.015, (-0.065, -0.051)),
    "lif_neuron_fused": (ns.LIFNeuron(), 0.015, (-0.065, -0.051)),
    "hh": (ns.HodgkinHuxley(), 10.0, None),
    "lif_rate": (ns.LIFRate(tau_rc=0.02, tau_ref=0.002), 1.0, None),
}
SEG = {
    "lif": K.SEG_LIF,
    "lif_neuron": K.SEG_LIF,
    "lif_neuron_cond": K.SEG_LIF_COND,
    "lif_neuron_fused": K.SEG_LIF_FUSED,
    "hh": K.SEG_HH,
    "lif_rate": K.SEG_LIF_RATE,
}


def _network(target: str, seed: int = 7):
    """The target group ``T`` with every connection kind into it and every monitor."""
    model, s, v_range = TARGETS[target]
    rng = np.random.default_rng(seed)
    v0 = None if v_range is None else rng.uniform(*v_range, N_POST)
    net = ns.Network(seed=seed)
    drive = net.add(ns.NeuronGroup(N_POST + 2, ns.PoissonSource(rate=300.0)))
    # each connection's mean input is about 0.15 s (the Poisson drive delivers
    # 2400 spikes/s in all; a weight is a spike's charge)
    w = 0.15 * s / 2400.0
    lp = ns.Lowpass(0.004)
    if target == "lif_neuron_fused":
        # uniform gain and bias, one-state current channels only, J unmonitored
        T = net.add(ns.NeuronGroup(N_POST, model, v0=v0, bias=2.5 * s))
        net.connect(drive, T, ns.Random(0.5, 12 * w), synapse=lp)
        net.connect(drive, T, ns.Random(0.5, -w), synapse=ns.Lowpass(0.002))
        mons = (net.monitor_spikes(T), net.monitor_spikes(drive))
        states = (net.monitor_state(T, "v", record=True, every=2),)
        readouts = (net.monitor_readout(T, rng.normal(size=(N_POST, 2)), lp),)
        return net, mons, states, readouts
    gain = np.linspace(0.8, 1.2, N_POST)
    T = net.add(ns.NeuronGroup(N_POST, model, v0=v0, gain=gain, bias=1.0 * s))
    rate_pre = net.add(ns.NeuronGroup(3, ns.LIFRate(), bias=np.array([1.5, 2.0, 3.0])))
    cond = {"reversal": 0.0} if target == "lif_neuron_cond" else {}
    net.connect(drive, T, rng.uniform(0, 2 * w, (N_POST + 2, N_POST)), synapse=lp,
                **cond)  # fmt: skip
    net.connect(drive, T, ns.Random(0.5, 2 * w), synapse=ns.Lowpass(0.008))
    csr = scipy.sparse.random(N_POST + 2, N_POST, density=0.4, random_state=seed)
    net.connect(drive, T, (csr * 2 * w / 0.4 * (N_POST + 2) / N_POST).tocsr(),
                synapse=ns.Alpha(0.003))  # fmt: skip
    net.connect(drive[:N_POST], T, ns.OneToOne(4 * w), synapse=None)
    F = ns.Factored(
        rng.uniform(0, 1, (N_POST + 2, 2)), rng.uniform(0, 2 * w, (2, N_POST))
    )
    net.connect(drive, T, F, synapse=lp)
    net.connect(drive, T[2:], rng.uniform(0, 2 * w, (N_POST + 2, N_POST - 2)),
                synapse=ns.DoubleExp(0.001, 0.005), delay=3 * DT)  # fmt: skip
    net.connect(drive, T, ns.Random(0.5, 2 * w), synapse=lp, discretization="zoh")
    net.connect(rate_pre, T, rng.uniform(0, 0.05 * s, (3, N_POST)), synapse=lp)
    if target == "lif_neuron_cond":  # inhibitory conductance, delayed
        net.connect(drive, T, ns.Random(0.5, 0.5 * w / s), synapse=lp, reversal=-0.08,
                    delay=2 * DT)  # fmt: skip
    if model.spiking:  # recurrent: the target as presynaptic group
        net.connect(T, T, rng.normal(0, 2 * w, (N_POST, N_POST)), synapse=lp,
                    delay=DT)  # fmt: skip
    net.add_input(T, lambda t: 0.2 * s * np.sin(2 * np.pi * 50 * t))
    net.add_input(T[1:4], lambda t: 0.1 * s * np.cos(2 * np.pi * 30 * t)[:, None]
                  * np.ones(3))  # fmt: skip
    enc = rng.normal(size=(2, N_POST)) * 0.2 * s
    net.add_input(T, lambda t: np.stack([np.sin(80 * t), np.cos(60 * t)], 1), enc)
    mons = (
        net.monitor_spikes(T),
        net.monitor_spikes(drive),
        net.monitor_spikes(T[1:4]),
    )
    states = (
        net.monitor_state(T, "v", record=True, every=2),
        net.monitor_state(T, "J", record=[0, 3, 5]),
        net.monitor_state(T[2:], "J", record=[1], every=3),
    )
    D = rng.normal(size=(N_POST, 2))
    readouts = (
        net.monitor_readout(T, D, lp),
        net.monitor_readout(T, D, None, every=3),
        net.monitor_readout(T[1:], D[1:], ns.Alpha(0.005), discretization="zoh"),
    )
    return net, mons, states, readouts


@pytest.fixture
def small_blocks(monkeypatch):
    # several blocks and the tail guard exercised on tiny arrays; spike flags
    # exchanged with the host every 200 // 17 = 11 steps (a run of 60 steps
    # ends with a partial chunk)
    from neurosim import _config
    from neurosim.kernels import network_cuda

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(network_cuda, "SPIKE_CHUNK_BYTES", 200)


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_connection_and_monitor_into(target, small_blocks, parity):
    out = {}
    for backend in ("cpu", "cuda"):
        net, mons, states, readouts = _network(target)
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        seg = sim._built.arrays["seg_i"]
        assert SEG[target] in seg[:, 0]
        sim.run(0.006)
        sim.run(0.004)  # a continuation: state carried over on both backends
        out[backend] = (mons, states, readouts)
    (mc, sc, rc), (mg, sg, rg) = out["cpu"], out["cuda"]
    if TARGETS[target][0].spiking:
        assert mc[0].indices.size >= N_POST  # the target is active
    for a, b in zip(mc, mg, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    for a, b in zip(sc + rc, sg + rg, strict=True):
        values_a, values_b = _values(a), _values(b)
        assert np.ptp(values_a) > 0  # the recorded quantity moves
        parity(values_a, values_b)


def _values(mon):
    return mon.values if isinstance(mon, StateMonitor) else mon.data


def _dense_net(n):
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(n, ns.PoissonSource(rate=100.0)))
    post = net.add(ns.NeuronGroup(n, ns.LIF(), bias=0.5))
    net.connect(src, post, np.full((n, n), 1e-3), synapse=ns.Lowpass(0.005))
    net.monitor_spikes(post)
    return net


def test_run_larger_than_free_device_memory_is_refused_before_it_starts(monkeypatch):
    from neurosim.kernels import cuda_memory

    monkeypatch.setattr(cuda_memory, "free_device_bytes", lambda: 2.0**20)
    sim = ns.Simulator(_dense_net(400), dt=DT, backend="cuda", progress=False)
    v0 = sim._built.arrays["v"].copy()
    # the dense weights alone are 400 * 400 * 8 bytes = 1.22 MiB
    with pytest.raises(
        ns.BackendUnavailable,
        match=r"network run of 10 steps of 800 neurons needs 1\.[2-9] MiB of device "
        r"memory but 1\.0 MiB are free",
    ):
        sim.run(10 * DT)
    assert sim.n_steps == 0
    np.testing.assert_array_equal(sim._built.arrays["v"], v0)


def test_device_memory_of_a_run_does_not_grow_with_its_length(monkeypatch):
    from neurosim.kernels import network_cuda

    class Measured(Exception):
        pass

    def measure(nbytes, what):
        seen[what.split()[3]] = nbytes
        raise Measured

    seen = {}
    monkeypatch.setattr(network_cuda, "check_device_memory", measure)
    monkeypatch.setattr(network_cuda, "SPIKE_CHUNK_BYTES", 1000)  # 12 steps
    for n_steps in (100, 10_000):  # steps of one compiled call (only measured)
        sim = ns.Simulator(_dense_net(40), dt=DT, backend="cuda", progress=False)
        with pytest.raises(Measured):
            sim._advance(n_steps)
    assert seen["100"] == seen["10000"] > 40 * 40 * 8


def _refused(net, match):
    sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
    with pytest.raises(ns.BackendUnavailable, match=match):
        sim.run(0.001)


def test_cuda_refuses_spike_sources():
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(2, ns.SpikeSource([[0.001], [0.002]])))
    post = net.add(ns.NeuronGroup(2, ns.LIF()))
    net.connect(src, post, ns.OneToOne(1.0), synapse=ns.Lowpass(0.005))
    _refused(net, "SpikeSource groups run on the CPU backend only")


def test_cuda_refuses_per_synapse_delays():
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(2, ns.PoissonSource(rate=100.0)))
    post = net.add(ns.NeuronGroup(2, ns.LIF()))
    net.connect(src, post, 1e-3, synapse=ns.Lowpass(0.005),
                delay=np.array([[1e-3, 2e-3], [0.0, 5e-4]]))  # fmt: skip
    _refused(net, "per-synapse delays run on the CPU backend only")


def test_cuda_refuses_synapses_with_too_many_states():
    from neurosim.kernels.network_cuda import MAX_STATES

    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(2, ns.PoissonSource(rate=100.0)))
    post = net.add(ns.NeuronGroup(2, ns.LIF()))
    # PSC(n, tau) has n + 1 states
    net.connect(src, post, 1.0, synapse=ns.PSC(MAX_STATES, 0.001))
    _refused(net, f"synapses with more than {MAX_STATES} states")


def test_cuda_refuses_plasticity_with_several_spikes_per_step():
    net = ns.Network(seed=0)
    pre = net.add(ns.NeuronGroup(3, ns.LIF(tau_ref=0.0)))
    post = net.add(ns.NeuronGroup(2, ns.LIF()))
    net.connect(pre, post, 0.1, ns.Lowpass(0.005), plasticity=ns.learning.STDP())
    _refused(net, "spike more than once per step")
