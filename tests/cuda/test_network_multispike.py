"""Several spikes of one neuron in one step on the CUDA backend, against the CPU.

LIF neurons with ``tau_ref < dt`` (0 included) may spike several times in a
step. The CPU lists such a neuron once per spike; the CUDA backend counts the
spikes in its flags. Both must give the same spikes (every one recorded), the
same deliveries (a neuron spiking k times adds its weight k times, through
dense, sparse, one-to-one and delayed connections and a conductance target),
the same delay ring across runs, and the same refusal of a neuron due more
spikes than a step keeps. Bit for bit under the simulator (``parity``).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = pytest.mark.cuda

DT = 1e-3


@pytest.fixture
def small_blocks(monkeypatch):
    # several blocks and a partial last chunk of spike flags on tiny arrays
    from neurosim import _config
    from neurosim.kernels import network_cuda

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(network_cuda, "SPIKE_CHUNK_BYTES", 70)


def _network():
    net = ns.Network(seed=1)
    # tau_ref = 0, J up to about 45: up to 3 spikes per 1 ms step (4 kept)
    J = np.array([5.0, 20.0, 30.0, 38.0, 43.0])
    A = net.add(ns.NeuronGroup(5, ns.LIF(tau_rc=0.02, tau_ref=0.0), bias=J))
    # tau_ref = 0.4 ms < dt, conductance input
    B = net.add(ns.NeuronGroup(3, ns.LIFNeuron(tau_ref=4e-4), bias=0.9))
    P = net.add(ns.NeuronGroup(4, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.add_input(A, lambda t: 2.0 * np.sin(2 * np.pi * 40 * t))
    rng = np.random.default_rng(2)
    net.connect(A, B, rng.uniform(0, 4e-4, (5, 3)), synapse=ns.Lowpass(0.002),
                reversal=0.0)  # fmt: skip
    net.connect(A, P, rng.uniform(0, 0.01, (5, 4)), synapse=ns.Lowpass(0.005))
    csr = scipy.sparse.random(5, 4, density=0.5, random_state=3) * 0.02
    net.connect(A, P, csr.tocsr(), synapse=ns.Alpha(0.003))
    net.connect(A[:4], P, ns.OneToOne(0.004), synapse=None)
    net.connect(B, P[1:], rng.uniform(0, 0.01, (3, 3)), synapse=None, delay=2 * DT)
    net.connect(A, A, rng.normal(0, 0.01, (5, 5)), synapse=ns.Lowpass(0.004),
                delay=DT)  # fmt: skip
    mons = (net.monitor_spikes(A), net.monitor_spikes(B), net.monitor_spikes(P))
    states = (
        net.monitor_state(P, "J", record=True),
        net.monitor_state(B, "v", record=True),
    )
    return net, mons, states


def test_several_spikes_per_step_match_the_cpu(small_blocks, parity):
    out = {}
    for backend in ("cpu", "cuda"):
        net, mons, states = _network()
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        sim.run(0.023)
        sim.run(0.017)  # a continuation: the ring crosses runs
        snap = sim.snapshot()
        out[backend] = (mons, states, snap)
    (mc, sc, rc), (mg, sg, rg) = out["cpu"], out["cuda"]
    for i, (a, b) in enumerate(zip(mc, mg, strict=True)):
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
        if i < 2:  # A and B: some neuron spiked several times in one step
            pairs = np.unique(
                np.stack([a.steps, a.indices]), axis=1, return_counts=True
            )
            assert pairs[1].max() >= 2
    for a, b in zip(sc, sg, strict=True):
        assert np.ptp(a.values) > 0
        parity(a.values, b.values)
    for slot in range(rc["ring"].shape[0]):
        n = rc["ring_cnt"][slot]
        assert rg["ring_cnt"][slot] == n
        np.testing.assert_array_equal(rg["ring"][slot, :n], rc["ring"][slot, :n])


def test_more_spikes_in_a_step_than_kept_is_refused_on_both(small_blocks):
    for backend in ("cpu", "cuda"):
        net = ns.Network(seed=0)
        g = net.add(ns.NeuronGroup(2, ns.LIF(tau_rc=0.02, tau_ref=0.0),
                                   bias=np.array([2.0, 1e4])))  # fmt: skip
        net.monitor_spikes(g)
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        with pytest.raises(
            ns.SimulationError, match=r"neuron 1: more than 4 spikes due in one step"
        ):
            sim.run(0.005)
        assert sim.n_steps == 0
