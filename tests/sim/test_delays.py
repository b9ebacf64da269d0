"""Per-synapse transmission delays: closed forms, equivalences and Brian2."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns

DT = 5e-4
N_PRE, N_POST = 8, 5
RULE = ns.learning.STDP(a_plus=0.02, a_minus=0.021, tau_plus=0.015, tau_minus=0.025)
W0 = np.random.default_rng(0).uniform(0.2, 0.8, (N_PRE, N_POST))
#: per-synapse delays in steps, 0 to 12 (several per pre neuron)
STEPS = np.random.default_rng(1).integers(0, 13, (N_PRE, N_POST))


def _impulse_net(delay, n_post=4, spike_step=3):
    """One spike at ``spike_step`` into ``n_post`` slow LIFs (no spikes); J recorded."""
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[spike_step * DT]])))
    post = net.add(ns.NeuronGroup(n_post, ns.LIF(tau_rc=0.05)))
    net.connect(src, post, np.full((1, n_post), 0.01), synapse=ns.Lowpass(0.004),
                delay=delay)  # fmt: skip
    return net, net.monitor_state(post, "J", record=True)


def test_single_spike_arrives_after_its_own_delay():
    """Each synapse's PSC is the undelayed PSC shifted by its delay (in steps)."""
    n_steps = 80
    net, ref = _impulse_net(0.0)
    ns.Simulator(net, dt=DT).run(n_steps * DT)
    steps = np.array([0, 1, 5, 12])
    net, mon = _impulse_net(np.array([steps * DT]))
    ns.Simulator(net, dt=DT).run(n_steps * DT)
    J0 = ref.J[:, 0]
    first = np.flatnonzero(J0)[0]  # the undelayed spike's first input step
    for i, d in enumerate(steps):
        J = mon.J[:, i]
        assert np.all(J[: first + d] == 0.0)  # nothing before its arrival
        # the same samples d steps later (the channel's running scale rounds
        # differently at other times: a few ulps)
        np.testing.assert_allclose(J[first + d :], J0[first : n_steps - d],
                                   rtol=1e-13, atol=0)  # fmt: skip


def test_delays_round_to_the_nearest_step():
    n_steps = 40
    net, ref = _impulse_net(0.0, n_post=1)
    ns.Simulator(net, dt=DT).run(n_steps * DT)
    first = np.flatnonzero(ref.J[:, 0])[0]
    given = np.array([0.4, 1.4, 1.6, 6.7]) * DT  # -> 0, 1, 2, 7 steps
    net, mon = _impulse_net(given[None, :])
    ns.Simulator(net, dt=DT).run(n_steps * DT)
    arrivals = [np.flatnonzero(mon.J[:, i])[0] - first for i in range(4)]
    assert arrivals == [0, 1, 2, 7]


def _stdp_net(weights, delay, rule=RULE, seed=3):
    """Poisson pre group -> LIF post group (regular firing) through a plastic link."""
    net = ns.Network(seed=seed)
    pre = net.add(ns.NeuronGroup(N_PRE, ns.PoissonSource(rate=60.0)))
    post = net.add(ns.NeuronGroup(N_POST, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.add_input(post, np.linspace(1.3, 2.5, N_POST))
    conn = net.connect(pre, post, weights, synapse=ns.Lowpass(0.005), delay=delay,
                       plasticity=rule)  # fmt: skip
    return net, conn, net.monitor_spikes(pre), net.monitor_spikes(post)


@pytest.mark.parametrize("plastic", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_equal_per_synapse_delays_are_the_connection_delay(plastic, sparse):
    """One delay given per synapse runs the same arithmetic as one delay: same bits."""
    W = scipy.sparse.csr_matrix(np.where(STEPS % 3 == 0, 0.0, W0)) if sparse else W0
    n = W.nnz if sparse else W.shape
    out = []
    for delay in (7 * DT, np.full(n, 7 * DT)):
        net, conn, _mpre, mpost = _stdp_net(W, delay, RULE if plastic else None)
        v = net.monitor_state(mpost.target, "v", record=True)
        sim = ns.Simulator(net, dt=DT)
        sim.run(0.1)
        sim.run(0.1)  # run(a); run(b): the delay ring and traces carry over
        w = sim.weights(conn) if plastic else W
        out.append((mpost.indices, mpost.steps, v.v, w.toarray() if sparse else w))
    assert out[0][0].size > 50
    for a, b in zip(*out, strict=True):
        assert np.array_equal(a, b)
    if plastic:
        assert np.abs(out[0][3] - (W.toarray() if sparse else W)).max() > 0.02


def _brian2_stdp(b2, mpre, mpost, n_steps, i, j, steps, w0):
    """Brian2's event-driven pair STDP on the recorded trains, per-synapse delays."""
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.second
    # times on the grid: step s -> s dt (only differences matter)
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
        namespace={"taupre": r.tau_plus * b2.second, "taupost": r.tau_minus * b2.second,
                   "Apre": r.a_plus, "Aminus": r.a_minus, "wmin": r.w_min,
                   "wmax": r.w_max},
    )  # fmt: skip
    S.connect(i=i, j=j)
    S.tpre = -1 * b2.second
    S.w = w0
    S.delay = steps * DT * b2.second  # Brian2's pre trace lives at the synapse
    b2.run(n_steps * DT * b2.second)
    return np.asarray(S.i[:]), np.asarray(S.j[:]), np.asarray(S.w[:])


@pytest.mark.parametrize("sparse", [False, True])
def test_brian2_event_driven_stdp_with_per_synapse_delays(sparse):
    """Brian2 runs on_pre (its pre trace ``apre`` per synapse) at each synapse's
    arrival: the same final weights as neurosim's pre traces at the synapse."""
    b2 = pytest.importorskip("brian2")
    mask = STEPS % 4 != 1 if sparse else np.ones_like(STEPS, dtype=bool)
    W = scipy.sparse.csr_matrix(np.where(mask, W0, 0.0)) if sparse else W0
    i, j = np.nonzero(mask)  # row-major: the CSR order
    d = STEPS[i, j] * DT
    net, conn, mpre, mpost = _stdp_net(W, d if sparse else STEPS * DT)
    sim = ns.Simulator(net, dt=DT, backend="cpu")
    sim.run(0.3)
    assert mpre.indices.size > 100 and mpost.indices.size > 50
    bi, bj, bw = _brian2_stdp(b2, mpre, mpost, sim.n_steps, i, j, STEPS[i, j], W0[i, j])
    w = sim.weights(conn)
    w = w.toarray() if sparse else w
    ref = np.where(mask, W0, 0.0)
    ref[bi, bj] = bw
    assert np.abs(w - np.where(mask, W0, 0.0)).max() > 0.05  # the weights moved
    # the two sides sum the same exponentials in different orders
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-12)


def test_pair_closed_form_at_the_synapse():
    """One pre spike, two synapses with their own delays onto two posts that spike
    at known steps: dw = A+ exp(-(t_post - t_arrival) / tau+) (arrival first) and
    -A- exp(-(t_arrival - t_post) / tau-) (post first)."""
    rule = ns.learning.STDP(a_plus=0.002, a_minus=0.003, tau_plus=0.015,
                            tau_minus=0.025)  # fmt: skip
    w0 = 0.005  # a jump of w0 / tau_rc = 0.25 in v: no spike of its own
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[10 * DT]])))
    drive = net.add(ns.NeuronGroup(2, ns.SpikeSource([[20 * DT], [40 * DT]])))
    post = net.add(ns.NeuronGroup(2, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.connect(drive, post, ns.OneToOne(5.0))  # a post spike soon after
    delays = np.array([3, 45])  # arrival before the first post, after the second
    conn = net.connect(src, post, np.full((1, 2), w0), delay=delays[None, :] * DT,
                       plasticity=rule)  # fmt: skip
    mpre, mpost = net.monitor_spikes(src), net.monitor_spikes(post)
    sim = ns.Simulator(net, dt=DT)
    sim.run(80 * DT)
    tp = {int(i): int(s) for i, s in zip(mpost.indices, mpost.steps, strict=True)}
    assert sorted(tp) == [0, 1] and mpost.indices.size == 2 and mpre.steps.size == 1
    arrive = int(mpre.steps[0]) + delays  # the steps the spike reaches each synapse
    assert arrive[0] < tp[0] and arrive[1] > tp[1]
    dw = sim.weights(conn)[0] - w0
    expect = [
        rule.a_plus * np.exp(-(tp[0] - arrive[0]) * DT / rule.tau_plus),
        -rule.a_minus * np.exp(-(arrive[1] - tp[1]) * DT / rule.tau_minus),
    ]
    # the loop's trace is a product of exp(-dt / tau) per step: rounding only
    np.testing.assert_allclose(dw, expect, rtol=1e-12, atol=0)


def test_delays_drawn_from_a_distribution_follow_the_seed():
    choices = np.array([2, 9, 20])

    def arrivals(seed):
        net = ns.Network(seed=seed)
        src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[3 * DT]])))
        post = net.add(ns.NeuronGroup(60, ns.LIF(tau_rc=0.05)))
        net.connect(src, post, ns.Random(1.0, 0.01), synapse=ns.Lowpass(0.004),
                    delay=ns.dists.Choice(choices * DT))  # fmt: skip
        mon = net.monitor_state(post, "J", record=True)
        ns.Simulator(net, dt=DT).run(40 * DT)
        return np.argmax(mon.J != 0, axis=0)

    a = arrivals(5)
    assert np.array_equal(a, arrivals(5))
    assert not np.array_equal(a, arrivals(6))
    # every drawn delay is one of the choices, each drawn at least once
    assert set(np.unique(a - a.min() + choices.min()).tolist()) == set(choices.tolist())


def test_dense_weights_with_delays_read_write_and_monitor():
    net, conn, _mpre, _mpost = _stdp_net(W0, STEPS * DT)
    wmon = net.monitor_weights(conn, record=True)
    sim = ns.Simulator(net, dt=DT)
    sim.run(0.05)
    w = sim.weights(conn)
    assert w.shape == (N_PRE, N_POST)  # dense in, dense out
    np.testing.assert_array_equal(wmon.values[-1], w.ravel())  # j * n_post + i
    sim.set_weights(conn, W0)
    # stored times the synapse's input factor and read back: a rounding
    np.testing.assert_allclose(sim.weights(conn), W0, rtol=1e-15, atol=0)


def test_bad_delays():
    net = ns.Network()
    a = net.add(ns.NeuronGroup(3, ns.PoissonSource(rate=10.0)))
    b = net.add(ns.NeuronGroup(2, ns.LIF()))
    W = np.ones((3, 2))
    for bad, match in [
        (np.full((3, 2), -1e-3), "finite and >= 0"),
        (np.array([[1e-3, np.nan], [0, 0], [0, 0]]), "delay: contains NaN"),
        (np.zeros((2, 3)), r"shape \(3, 2\)"),
        (np.zeros(6), r"shape \(3, 2\)"),
    ]:
        with pytest.raises(ValueError, match=match):
            net.connect(a, b, W, delay=bad)
    with pytest.raises(ValueError, match=r"delay: .*shape \(6,\) \(the stored"):
        net.connect(a, b, scipy.sparse.csr_matrix(np.eye(3, 2) + 1), delay=np.zeros(5))
    with pytest.raises(ValueError, match="delay: Random weights"):
        net.connect(a, b, ns.Random(0.5, 1.0), delay=np.zeros(6))
    with pytest.raises(ValueError, match="delay: per-synapse"):
        net.connect(a, b, ns.Factored(np.ones((3, 1)), np.ones((1, 2))),
                    delay=ns.dists.Uniform(0, 1e-3))  # fmt: skip
    with pytest.raises(ValueError, match="delay"):
        net.connect(a, b, W, delay=-1e-3)
    # checked when drawn, at build
    net.connect(a, b, W, delay=ns.dists.Uniform(-2e-3, -1e-3))
    with pytest.raises(ValueError, match="delay: delays must be finite and >= 0"):
        ns.Simulator(net, dt=1e-4)
    net = ns.Network()
    a = net.add(ns.NeuronGroup(3, ns.PoissonSource(rate=10.0)))
    b = net.add(ns.NeuronGroup(2, ns.LIF()))
    net.connect(a, b, W, delay=np.full((3, 2), 10.0))
    with pytest.raises(ValueError, match="at most 65535 steps"):
        ns.Simulator(net, dt=1e-4)
