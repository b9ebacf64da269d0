"""NEF models run on the shared network simulator (ns.Network / ns.Simulator)."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def _integrator_model(seed=1):
    m = ns.Model(seed=seed)
    u = m.input(lambda t: 1.0 if 0.1 < t <= 0.5 else 0.0)
    a = ns.Population(100, seed=seed)
    b = ns.Population(50, seed=seed + 1)
    m.recurrent(a, 0.1, A=0, input=u)
    m.connect(a, b, function=np.square, synapse=0.005)
    return m, m.probe(a, synapse=0.01), m.probe(b, synapse=0.01), m.probe_spikes(b)


def test_model_run_is_a_network_run():
    m, pa, pb, sb = _integrator_model()
    r = m.run(0.3, backend="cpu")
    net, mons, offline = m.build_network(300, 1e-3)
    assert isinstance(net, ns.Network) and not offline
    assert len(net.groups) == 2 and len(net.connections) == 2
    assert all(c.discretization == "zoh" for c in net.connections)
    assert len(net.encoded_inputs) == 1  # the integrator's input, d = 1
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.run(0.3)
    # the same network and initial voltages: identical results
    np.testing.assert_array_equal(r[pa], mons[pa].data)
    np.testing.assert_array_equal(r[pb], mons[pb].data)
    spikes = np.zeros((300, 50), dtype=np.float32)
    spikes[mons[sb].steps, mons[sb].indices] = 1
    np.testing.assert_array_equal(r[sb], spikes)
    assert spikes.sum() > 100


def test_decoded_probe_has_unit_dc_gain():
    """Rate neurons at a constant input: the probe settles on D^T r(x) exactly."""
    m = ns.Model(seed=0)
    u = m.input(0.5)
    a = ns.Population(50, neuron=ns.LIFRate(), seed=0)
    m.connect(u, a, synapse=None)
    p = m.probe(a, synapse=ns.Lowpass(0.01))
    r = m.run(0.3)
    expect = m.probes[0].connection.decoder.predict(a.rates(np.array([[0.5]])))
    # 0.3 s = 30 tau: exp(-30) ~ 1e-13 left of the transient; the rest rounding
    np.testing.assert_allclose(r[p][-1], expect[0], rtol=1e-11)


def test_backend_is_passed_through():
    m, *_ = _integrator_model()
    with pytest.raises(ValueError, match="backend"):
        m.run(0.01, backend="tpu")
