"""Online STDP inside the network loop, against the offline rule and Brian2."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim.exceptions import ValidationError

DT = 5e-4
N_PRE, N_POST = 8, 5


def _net(weights, delay_steps, rule, seed=3):
    """Poisson pre group -> LIF post group (regular firing) through a plastic link."""
    net = ns.Network(seed=seed)
    pre = net.add(ns.NeuronGroup(N_PRE, ns.PoissonSource(rate=60.0)))
    post = net.add(ns.NeuronGroup(N_POST, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.add_input(post, np.linspace(1.3, 2.5, N_POST))
    conn = net.connect(pre, post, weights, synapse=ns.Lowpass(0.005),
                       delay=delay_steps * DT, plasticity=rule)  # fmt: skip
    return net, conn, net.monitor_spikes(pre), net.monitor_spikes(post)


def _raster(mon, n, n_steps, shift=0):
    r = np.zeros((n_steps, n), dtype=bool)
    s = mon.steps.astype(np.int64) + shift
    keep = s < n_steps
    r[s[keep], mon.indices[keep]] = True
    return r


def _offline(rule, mpre, mpost, n_steps, delay_steps, w0):
    """The offline rule on the recorded trains, the pre spikes at their arrival."""
    pre = _raster(mpre, N_PRE, n_steps, delay_steps)
    post = _raster(mpost, N_POST, n_steps)
    return rule.run(pre, post, DT, np.asarray(w0).T).T


W0 = np.random.default_rng(0).uniform(0.2, 0.8, (N_PRE, N_POST))
RULE = ns.learning.STDP(a_plus=0.02, a_minus=0.021, tau_plus=0.015, tau_minus=0.025)


@pytest.mark.parametrize("delay_steps", [0, 7])
def test_dense_equals_offline_stdp(delay_steps):
    net, conn, mpre, mpost = _net(W0, delay_steps, RULE)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.5)
    assert mpre.indices.size > 100 and mpost.indices.size > 50
    ref = _offline(RULE, mpre, mpost, sim.n_steps, delay_steps, W0)
    w = sim.weights(conn)
    assert np.abs(w - W0).max() > 0.05  # the weights moved
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-12)


def test_sparse_random_equals_offline_stdp():
    rule = ns.learning.STDP(0.03, 0.03, 0.02, 0.02, w_min=0.0, w_max=0.5)
    net, conn, mpre, mpost = _net(ns.Random(0.5, 0.3), 3, rule)
    mon = net.monitor_weights(conn, record=[0, 2, 5], every=10)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.5)
    w = sim.weights(conn)
    assert scipy.sparse.issparse(w) and 0 < w.nnz < N_PRE * N_POST
    w0 = np.zeros((N_PRE, N_POST))
    w0[w.nonzero()] = 0.3  # Random(p, 0.3): every drawn weight starts at 0.3
    ref = _offline(rule, mpre, mpost, sim.n_steps, 3, w0)
    dense = np.zeros((N_PRE, N_POST))
    coo = w.tocoo()
    dense[coo.row, coo.col] = coo.data
    present = np.zeros((N_PRE, N_POST), dtype=bool)
    present[coo.row, coo.col] = True
    np.testing.assert_allclose(dense[present], ref[present], rtol=0, atol=1e-12)
    assert np.abs(dense[present] - 0.3).max() > 0.05
    # the monitor: samples at the end of steps 0, 10, ...; the last is the
    # weight after step n - 10, the final weight differs by the last 9 steps
    assert mon.values.shape == (sim.n_steps // 10, 3)
    np.testing.assert_allclose(mon.t, (np.arange(0, sim.n_steps, 10) + 1) * DT)
    r2 = _offline(rule, mpre, mpost, sim.n_steps - 9, 3, w0)
    last = r2[present][[0, 2, 5]]
    np.testing.assert_allclose(mon.values[-1], last, rtol=0, atol=1e-12)


def test_bounds_hold_and_are_reached():
    rule = ns.learning.STDP(0.2, 0.25, 0.02, 0.02, w_min=0.1, w_max=0.9)
    net, conn, mpre, mpost = _net(W0, 2, rule)
    mon = net.monitor_weights(conn, record=True)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.5)
    v = mon.values
    assert v.shape == (sim.n_steps, N_PRE * N_POST)
    assert v.min() >= 0.1 and v.max() <= 0.9
    assert np.isclose(v.min(), 0.1, rtol=0, atol=1e-15)
    assert np.isclose(v.max(), 0.9, rtol=0, atol=1e-15)
    ref = _offline(rule, mpre, mpost, sim.n_steps, 2, W0)
    np.testing.assert_allclose(sim.weights(conn), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v[-1], ref.ravel(), rtol=0, atol=1e-12)


def _final(durations, sparse=False):
    w = ns.Random(0.6, 0.5) if sparse else W0
    net, conn, _mpre, mpost = _net(w, 4, RULE)
    mon = net.monitor_weights(conn, record=[1, 3, 4], every=3)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    for d in durations:
        sim.run(d)
    w = sim.weights(conn)
    return (w.toarray() if sparse else w), mon.values, mpost.steps


@pytest.mark.parametrize("sparse", [False, True])
def test_split_runs_equal_one_run(sparse):
    wa, ma, sa = _final([0.1, 0.15], sparse)
    wb, mb, sb = _final([0.25], sparse)
    assert np.array_equal(wa, wb) and np.array_equal(ma, mb)
    assert np.array_equal(sa, sb)


def test_snapshot_restores_plastic_weights_and_traces():
    net, conn, _mpre, _mpost = _net(W0, 4, RULE)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.1)
    snap = sim.snapshot()
    w_snap = sim.weights(conn)
    sim.run(0.15)
    w_end = sim.weights(conn)
    assert not np.array_equal(w_end, w_snap)
    sim.restore(snap)
    np.testing.assert_array_equal(sim.weights(conn), w_snap)
    sim.run(0.15)
    np.testing.assert_array_equal(sim.weights(conn), w_end)


def test_coincident_pre_arrival_and_post_spike_do_not_interact():
    # one pre spike arriving (delay 2 steps) in the step of the post spike:
    # W(0) = 0, so the weight must not change
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[0.01]])))
    post = net.add(ns.NeuronGroup(1, ns.LIF()))
    conn = net.connect(src, post, [[0.001]], synapse=ns.Lowpass(0.005),
                       delay=2 * DT, plasticity=RULE)  # fmt: skip
    sp = net.monitor_spikes(post)
    # drive the post neuron so that it fires exactly once, in the arrival step
    arrival = round(0.01 / DT) - 1 + 2
    drive = np.zeros((200, 1))
    drive[arrival] = 1e3
    net.add_input(post, drive)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(200 * DT)
    assert sp.steps.tolist() == [arrival]
    assert sim.weights(conn)[0, 0] == 0.001


def test_brian2_event_driven_stdp():
    b2 = pytest.importorskip("brian2")
    delay_steps = 3
    net, conn, mpre, mpost = _net(W0, delay_steps, RULE)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.3)
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.second
    # times on the grid: step s -> s dt (both trains; only differences matter)
    pre = b2.SpikeGeneratorGroup(N_PRE, mpre.indices, mpre.steps * DT * b2.second)
    post = b2.SpikeGeneratorGroup(N_POST, mpost.indices, mpost.steps * DT * b2.second)
    r = RULE
    S = b2.Synapses(
        pre, post,
        """w : 1
        tpre : second
        dapre/dt = -apre / taupre : 1 (event-driven)
        dapost/dt = -apost / taupost : 1 (event-driven)""",
        # W(0) = 0: a post spike in the step of a pre arrival ignores it
        on_pre="""w = clip(w + apost, wmin, wmax)
        apre += Apre
        tpre = t""",
        on_post="""w = clip(w + apre - Apre * int(tpre == t), wmin, wmax)
        apost -= Aminus""",
        delay=delay_steps * DT * b2.second,
        namespace={"taupre": r.tau_plus * b2.second, "taupost": r.tau_minus * b2.second,
                   "Apre": r.a_plus, "Aminus": r.a_minus, "wmin": r.w_min,
                   "wmax": r.w_max},
    )  # fmt: skip
    S.connect()
    S.tpre = -1 * b2.second
    S.w = W0[S.i[:], S.j[:]]
    b2.run(sim.n_steps * DT * b2.second)
    ref = np.zeros((N_PRE, N_POST))
    ref[S.i[:], S.j[:]] = S.w[:]
    w = sim.weights(conn)
    assert np.abs(w - W0).max() > 0.05
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-12)


def test_bad_plasticity_arguments():
    net = ns.Network()
    a = net.add(ns.NeuronGroup(2, ns.PoissonSource(rate=10.0)))
    b = net.add(ns.NeuronGroup(2, ns.LIF()))
    with pytest.raises(TypeError, match="plasticity"):
        net.connect(a, b, 0.1, plasticity="stdp")
    with pytest.raises(ValidationError, match="plasticity"):
        net.connect(a, b, ns.OneToOne(0.1), plasticity=RULE)
    plain = net.connect(a, b, 0.1)
    with pytest.raises(ValidationError, match="conn"):
        net.monitor_weights(plain, record=True)
    conn = net.connect(a, b, 0.1, plasticity=RULE)
    with pytest.raises(ValidationError, match="record"):
        net.monitor_weights(conn, record=[4])
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    with pytest.raises(ValidationError, match="conn"):
        sim.weights(plain)
