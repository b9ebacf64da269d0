"""NEF models mapped onto the shared network simulator (ns.Network/ns.Simulator)."""

from __future__ import annotations

import numpy as np

import neurosim as ns


def _run_both(m, T):
    r = m.run(T, dt=1e-3)
    net, mons = ns.nef.to_network(m, T, dt=1e-3)
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.run(T)
    return r, mons


def test_channel_on_network_matches_model():
    m = ns.Model(seed=0)
    u = m.input(lambda t: np.sin(2 * np.pi * t))
    a = ns.Population(100, seed=0)
    m.connect(u, a, synapse=None)
    p = m.probe(a, synapse=ns.Lowpass(0.01))
    pu = m.probe(u, synapse=ns.Lowpass(0.01))
    r, mons = _run_both(m, 1.0)
    y = mons[p].data
    assert y.shape == (1000, 1)
    ours = np.sqrt(np.mean((r[p] - r[pu]) ** 2))
    net = np.sqrt(np.mean((y - r[pu]) ** 2))
    # measured 0.0179 (network) vs 0.0172 (Model) for this seed: the network's
    # LIF voltages are not clipped at 0; without the readout's DC-gain
    # correction it was 0.033 (a 10 ms lowpass sampled after each step's spikes
    # reads 5% high)
    assert net < 1.15 * ours


def test_integrator_on_network_matches_model():
    m = ns.Model(seed=1)
    u = m.input(lambda t: 1.0 if 0.1 < t <= 0.5 else 0.0)
    a = ns.Population(200, seed=1)
    m.recurrent(a, 0.1, A=0, input=u)
    p = m.probe(a, synapse=0.01)
    r, mons = _run_both(m, 1.0)
    # same neurons, decoders and factored feedback: held values measured
    # 0.3942 (network) vs 0.3946 (Model)
    assert abs(mons[p].data[-100:].mean() - r[p][-100:].mean()) < 0.01
    assert abs(mons[p].data[-100:].mean() - 0.4) < 0.04
