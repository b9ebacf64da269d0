"""Simulator.set_weights and Simulator.set_rates between runs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim.exceptions import ShapeError, ValidationError

from .test_plasticity import DT, N_POST, N_PRE, RULE, W0, _net, _offline


def test_set_weights_before_run_equals_offline_rule_from_them():
    net, conn, mpre, mpost = _net(W0, 0, RULE)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    w1 = np.random.default_rng(1).uniform(0.1, 0.9, (N_PRE, N_POST))
    sim.set_weights(conn, w1)
    # stored times the synapse's input scale, read back divided: 1 ulp
    np.testing.assert_allclose(sim.weights(conn), w1, rtol=2e-16, atol=0)
    sim.run(0.1)  # short: the additive rule has not pushed weights to the bounds
    ref = _offline(RULE, mpre, mpost, sim.n_steps, 0, w1)
    np.testing.assert_allclose(sim.weights(conn), ref, rtol=0, atol=1e-12)
    # the run started from w1, not from W0
    ref0 = _offline(RULE, mpre, mpost, sim.n_steps, 0, W0)
    assert np.abs(ref - ref0).max() > 0.05


def test_set_weights_zero_silences_the_post_group():
    # depression only, so zero weights stay zero (a potentiating rule would
    # regrow them from the post spikes the synapse's leftover drive causes)
    net, conn, _mpre, mpost = _net(W0, 0, ns.learning.STDP(a_plus=0.0, a_minus=0.01))
    net.inputs.clear()  # post driven by the plastic connection only
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.set_weights(conn, np.full((N_PRE, N_POST), 2.0))
    sim.run(0.1)
    assert mpost.indices.size > 0
    sim.set_weights(conn, np.zeros((N_PRE, N_POST)))
    sim.run(0.02)  # the 5 ms synapse empties
    n = mpost.indices.size
    sim.run(0.1)
    assert mpost.indices.size == n


def test_set_weights_sparse_keeps_structure():
    rule = ns.learning.STDP(0.03, 0.03, 0.02, 0.02, w_min=0.0, w_max=0.5)
    net, conn, _mpre, _mpost = _net(ns.Random(0.5, 0.3), 0, rule)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    w = sim.weights(conn)
    w.data[:] = np.linspace(0.0, 0.5, w.nnz)
    sim.set_weights(conn, w)
    np.testing.assert_allclose(sim.weights(conn).data, w.data, rtol=2e-16, atol=0)
    dense = np.full((N_PRE, N_POST), 0.25)
    sim.set_weights(conn, dense)
    got = sim.weights(conn)
    np.testing.assert_array_equal(got.indices, w.indices)  # no new synapses
    np.testing.assert_allclose(got.data, 0.25, rtol=2e-16, atol=0)
    other = scipy.sparse.random(
        N_PRE, N_POST, density=0.9, random_state=0, format="csr"
    )
    with pytest.raises(ShapeError, match="structure"):
        sim.set_weights(conn, other)


def test_set_weights_bad_input():
    net, conn, _mpre, _mpost = _net(W0, 0, RULE)
    plain = net.connect(net.groups[0], net.groups[1], 0.1)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    with pytest.raises(ShapeError, match="weights"):
        sim.set_weights(conn, np.zeros((N_POST, N_PRE)))
    with pytest.raises(ValidationError, match="weights"):
        sim.set_weights(conn, np.full((N_PRE, N_POST), np.nan))
    with pytest.raises(ValidationError, match="conn"):
        sim.set_weights(plain, np.zeros((N_PRE, N_POST)))


def test_set_rates_changes_the_poisson_rates():
    net = ns.Network(seed=5)
    src = net.add(ns.NeuronGroup(20, ns.PoissonSource(rate=50.0)))
    mon = net.monitor_spikes(src)
    sim = ns.Simulator(net, dt=1e-3, backend="cpu")
    sim.set_rates(src[:10], 0.0)
    sim.set_rates(src[10:], np.full(10, 400.0))
    sim.run(2.0)
    idx = mon.indices
    assert np.sum(idx < 10) == 0
    # 10 neurons x 2 s x 0.4 spikes/step (Bernoulli): mean 8000, sd ~ 44.7
    assert abs(np.sum(idx >= 10) - 8000) < 5 * np.sqrt(8000 * 0.6)
    sim.set_rates(src, 0.0)
    n = idx.size
    sim.run(0.5)
    assert mon.indices.size == n


def test_set_rates_bad_input():
    net = ns.Network(seed=5)
    src = net.add(ns.NeuronGroup(4, ns.PoissonSource(rate=50.0)))
    lif = net.add(ns.NeuronGroup(4, ns.LIF()))
    sim = ns.Simulator(net, dt=1e-3, backend="cpu")
    with pytest.raises(ValidationError, match="rate"):
        sim.set_rates(src, -1.0)
    with pytest.raises(ValidationError, match="rate"):
        sim.set_rates(src, 2000.0)  # rate * dt > 1
    with pytest.raises(ShapeError, match="rate"):
        sim.set_rates(src, np.ones(3))
    with pytest.raises(ValidationError, match="PoissonSource"):
        sim.set_rates(lif, 1.0)
    other = ns.Network().add(ns.NeuronGroup(4, ns.PoissonSource(rate=1.0)))
    with pytest.raises(ValidationError, match="group"):
        sim.set_rates(other, 1.0)
