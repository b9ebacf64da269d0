"""Kernel launches per step of the CUDA network backend, counted.

A launch costs microseconds (more with more array arguments), which at
``dt = 0.1 ms`` dominates small networks, so the count is pinned here and
cannot grow unnoticed. Counted under the CUDA simulator, where every launch
goes through ``FakeCUDAKernel.__call__``; the per-step count is the
difference between two runs of different lengths (what a run launches once,
such as the non-finite checks, cancels).
"""

from __future__ import annotations

from collections import Counter

import numba
import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)
if not numba.config.ENABLE_CUDASIM:
    pytest.skip("launches are counted under the simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 1e-4


@pytest.fixture
def count(monkeypatch):
    """``count(net)``: the kernels launched per step, by name."""
    from numba.cuda.simulator import kernel as simkernel

    seen = Counter()
    launch = simkernel.FakeCUDAKernel.__call__

    def counting(self, *args):
        if not self._device:
            seen[self.fn.__name__] += 1
        return launch(self, *args)

    monkeypatch.setattr(simkernel.FakeCUDAKernel, "__call__", counting)

    def per_step(net):
        sim = ns.Simulator(net, dt=DT, backend="cuda", progress=False)
        sim.run(2 * DT)  # the first run's one-off work
        counts = []
        for n in (3, 7):
            seen.clear()
            sim.run(n * DT)
            counts.append(Counter(seen))
        short, long_ = counts
        names = set(short) | set(long_)
        diff = {k: long_[k] - short[k] for k in names}
        assert all(v % 4 == 0 for v in diff.values()), diff  # a whole per step
        return {k: v // 4 for k, v in diff.items() if v}

    return per_step


def _drive(net, n=4):
    return net.add(ns.NeuronGroup(n, ns.PoissonSource(rate=300.0)))


def test_a_plain_network_launches_inputs_neurons_and_synapses(count):
    net = ns.Network(seed=0)
    src = _drive(net)
    # per-neuron bias: not a fused (CUBA-like) group, so no scaled channels
    post = net.add(ns.NeuronGroup(3, ns.LIF(), bias=[0.5, 0.6, 0.7]))
    net.connect(src, post, np.full((4, 3), 0.1), synapse=ns.Lowpass(0.005))
    net.connect(src, post, ns.Random(0.5, 0.1), synapse=ns.Alpha(0.003))
    net.monitor_spikes(post)
    got = count(net)
    assert got == {"_inputs_kernel": 1, "_neurons_kernel": 1, "_propagate_kernel": 1}


def test_a_fused_network_adds_the_decay_and_the_scales(count):
    net = ns.Network(seed=0)
    src = _drive(net)
    post = net.add(ns.NeuronGroup(3, ns.LIF(), bias=0.5))
    net.connect(src, post, np.full((4, 3), 0.1), synapse=ns.Lowpass(0.005))
    net.connect(src, post, np.full((4, 3), -0.1), synapse=ns.Lowpass(0.01))
    net.monitor_spikes(post)
    got = count(net)
    assert got == {"_inputs_kernel": 1, "_decay_kernel": 1, "_scale_kernel": 1,
                   "_neurons_kernel": 1, "_propagate_kernel": 1}  # fmt: skip


def test_groups_samples_encoded_inputs_and_rules_add_their_own(count):
    net = ns.Network(seed=0)
    src = _drive(net)
    post = net.add(ns.NeuronGroup(3, ns.LIF(), bias=[0.5, 0.6, 0.7]))
    izh = net.add(ns.NeuronGroup(2, ns.Izhikevich(), bias=10.0))
    net.connect(src, izh, ns.Random(0.5, 1.0), synapse=ns.Lowpass(0.005))
    net.connect(src, post, 0.1, synapse=ns.Lowpass(0.005),
                plasticity=ns.learning.STDP())  # fmt: skip
    net.connect(src, post, 0.1, synapse=ns.Lowpass(0.005),
                plasticity=ns.learning.TsodyksMarkram())  # fmt: skip
    net.add_input(post, lambda t: np.stack([np.sin(t), np.cos(t)], 1),
                  np.ones((2, 3)))  # fmt: skip
    net.monitor_state(post, "v", record=[0])
    net.monitor_readout(post, np.ones((3, 1)), ns.Lowpass(0.01))
    got = count(net)
    rules = {k: v for k, v in got.items() if k.startswith("_plastic")}
    traces = {k: v for k, v in got.items() if k.startswith("_trace")}
    groups = {k: v for k, v in got.items() if k.startswith("_group")}
    # two rule kernels (one per connection), one trace kernel (STDP's: the
    # Tsodyks-Markram synapse keeps no traces), one group kernel
    assert sum(rules.values()) == 2 and sum(traces.values()) == 1, got
    assert sum(groups.values()) == 1, got
    rest = {k: v for k, v in got.items() if k not in rules | traces | groups}
    # the encoded input's factored channel and the readout decay; samples of
    # states after the neurons (of weights after the rules only where a
    # weight monitor is: none here)
    assert rest == {"_encoded_kernel": 1, "_inputs_kernel": 1, "_decay_kernel": 1,
                    "_neurons_kernel": 1, "_record_kernel": 1,
                    "_propagate_kernel": 1}  # fmt: skip
