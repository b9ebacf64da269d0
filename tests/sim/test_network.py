"""Network simulator: closed forms, equivalences, continuation, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim.kernels import network as K

DT = 1e-4
TAU_M = 0.02
V_REST = -0.070


def _psp_lowpass(t, w, tau_s, tau_m):
    # tau_m v' = -(v - v_rest) + (w / tau_s) exp(-t / tau_s)
    return w / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


def _psp_alpha(t, w, tau_s, tau_m):
    # input w t exp(-t/tau_s) / tau_s**2 convolved with exp(-t/tau_m) / tau_m
    a = 1.0 / tau_s - 1.0 / tau_m
    return (
        w
        / (tau_m * tau_s**2)
        * np.exp(-t / tau_m)
        * (1.0 - np.exp(-a * t) * (1.0 + a * t))
        / a**2
    )


def _psp_double(t, w, tr, td, tau_m):
    # h = (exp(-t/td) - exp(-t/tr)) / (td - tr): difference of two lowpass PSPs
    return (td * _psp_lowpass(t, w, td, tau_m) - tr * _psp_lowpass(t, w, tr, tau_m)) / (
        td - tr
    )


@pytest.mark.parametrize(
    ("synapse", "closed_form"),
    [
        (ns.Lowpass(0.005), lambda t, w: _psp_lowpass(t, w, 0.005, TAU_M)),
        (ns.Alpha(0.003), lambda t, w: _psp_alpha(t, w, 0.003, TAU_M)),
        (
            ns.DoubleExp(0.001, 0.008),
            lambda t, w: _psp_double(t, w, 0.001, 0.008, TAU_M),
        ),
    ],
    ids=["lowpass", "alpha", "doubleexp"],
)
def test_single_spike_gives_analytic_psp(synapse, closed_form):
    t_spike = 0.0050
    w = 20e-3 * 0.005  # 20 mV x 5 ms: a PSP of a few mV, below threshold
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[t_spike]])))
    post = net.add(
        ns.NeuronGroup(
            2,
            ns.LIFNeuron(tau_m=TAU_M, v_rest=V_REST, v_th=-0.050, v_reset=-0.075),
        )
    )
    net.connect(src, post[:1], weights=[[w]], synapse=synapse)
    mon = net.monitor_state(post, "v", record=[0, 1], every=1)
    sim = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
    sim.run(0.06)
    t = mon.t
    expected = np.where(t >= t_spike, closed_form(np.maximum(t - t_spike, 0), w), 0.0)
    psp = mon.v[:, 0] - V_REST
    assert expected.max() > 1e-3  # the PSP is a few mV
    # the membrane integrates the filtered input exactly over each step (the
    # synaptic readout G of backends.current_readout); what is left is the
    # rounding of the affine volt <-> dimensionless map: ~1e-16 x 0.07 V per
    # step accumulating over 600 steps, far below 1e-12 V
    np.testing.assert_allclose(psp, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(mon.v[:, 1], V_REST)  # unconnected neuron


def _small_net(weights, synapse=None, seed=3, n=40, delay=0.0):
    net = ns.Network(seed=seed)
    drive = net.add(ns.NeuronGroup(n, ns.PoissonSource(rate=80.0)))
    P = net.add(ns.NeuronGroup(n, ns.LIF(tau_rc=0.02, tau_ref=0.002), bias=0.9))
    net.connect(drive, P, weights=ns.OneToOne(0.02), synapse=ns.Lowpass(0.005))
    net.connect(P, P, weights=weights, synapse=synapse or ns.Lowpass(0.01), delay=delay)
    mon = net.monitor_spikes(P)
    return net, mon


def test_dense_sparse_factored_give_identical_spikes(rng):
    n, d = 40, 3
    left = rng.normal(size=(n, d)) * 0.02
    right = rng.normal(size=(d, n))
    W = left @ right
    runs = {}
    for name, weights in [
        ("dense", W),
        ("sparse", scipy.sparse.csr_matrix(W)),
        ("factored", ns.Factored(left, right)),
    ]:
        net, mon = _small_net(weights)
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(1.0)
        runs[name] = (mon.indices.copy(), mon.steps.copy())
    assert runs["dense"][0].size > 500  # the network is active (~30 Hz x 40)
    for name in ("sparse", "factored"):
        np.testing.assert_array_equal(runs[name][0], runs["dense"][0])
        np.testing.assert_array_equal(runs[name][1], runs["dense"][1])


def test_scaled_fused_channels_equal_the_plain_channels():
    """Fused LIF groups keep their one-state channels scaled (x = s y, decay in
    ``s``, rescaled below 2**-8); monitoring J turns fusion off, so the second
    run decays every state each step. Same spikes; voltages equal to rounding."""

    def run(monitor_j):
        net = ns.Network(seed=5)
        drive = net.add(ns.NeuronGroup(100, ns.PoissonSource(rate=50.0)))
        cell = ns.LIFNeuron(tau_m=0.02, v_rest=-0.049, v_th=-0.050, v_reset=-0.060,
                            tau_ref=0.002)  # fmt: skip
        P = net.add(ns.NeuronGroup(100, cell, v0=np.linspace(-0.06, -0.05, 100)))
        # tau 2 ms: s falls below 2**-8 every 12 steps, so ~400 rescales
        net.connect(drive, P, ns.Random(0.1, 2e-3 * 0.002), synapse=ns.Lowpass(0.002))
        net.connect(P, P, ns.Random(0.1, -3e-3 * 0.01), synapse=ns.Lowpass(0.01))
        spikes = net.monitor_spikes(P)
        vm = net.monitor_state(P, "v", record=[0, 1, 2, 3], every=1)
        if monitor_j:
            net.monitor_state(P, "J", record=[99])
        sim = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
        fused = (sim._built.arrays["seg_i"][:, 0] == K.SEG_LIF_FUSED).any()
        sim.run(0.5)
        return fused, spikes, vm

    f1, s1, v1 = run(False)
    f2, s2, v2 = run(True)
    assert f1 and not f2
    assert s1.indices.size > 400  # an active network (~11 Hz x 100 x 0.5 s)
    np.testing.assert_array_equal(s1.indices, s2.indices)
    np.testing.assert_array_equal(s1.steps, s2.steps)
    # only the rounding differs (a product s * y against repeated a * x):
    # ~1e-16 relative of the ~10 mV range per step; 1e-12 V is far above that
    # and far below any physical difference
    np.testing.assert_allclose(v1.v, v2.v, rtol=0, atol=1e-12)


def test_run_continuation_is_exact_and_seed_reproducible():
    def make(seed):
        net, mon = _small_net(ns.Random(p=0.2, value=0.01), seed=seed, delay=2e-3)
        vm = net.monitor_state(net.groups[1], "v", record=[0, 5], every=3)
        return net, mon, vm

    net, mon, vm = make(7)
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.run(0.5)
    sim.run(0.5)
    net2, mon2, vm2 = make(7)
    ns.Simulator(net2, dt=1e-3, backend="cpu", progress=False).run(1.0)
    assert mon.indices.size > 100
    np.testing.assert_array_equal(mon.indices, mon2.indices)
    np.testing.assert_array_equal(mon.steps, mon2.steps)
    np.testing.assert_array_equal(vm.v, vm2.v)
    np.testing.assert_array_equal(vm.t, vm2.t)
    net3, mon3, _ = make(8)
    ns.Simulator(net3, dt=1e-3, backend="cpu", progress=False).run(1.0)
    assert not np.array_equal(mon3.steps, mon.steps)


def test_mixed_models_rates_match_analytic():
    # an LIF and an LIFNeuron with the same dimensionless drive fire at the
    # analytic rate; the exact integrator makes the count independent of dt
    net = ns.Network(seed=0)
    a = net.add(ns.NeuronGroup(3, ns.LIF(0.02, 0.002), bias=[1.5, 2.0, 3.0]))
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=-0.065, v_th=-0.050, v_reset=-0.065)
    b = net.add(ns.NeuronGroup(3, cell, bias=np.array([1.5, 2.0, 3.0]) * 0.015))
    src = net.add(ns.NeuronGroup(5, ns.PoissonSource(rate=100.0)))
    ma, mb, ms = (net.monitor_spikes(g) for g in (a, b, src))
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(2.0)
    rates = ns.LIF(0.02, 0.002).rates([1.5, 2.0, 3.0])
    # counts within 1 spike of rate * T (the phase of the last interval)
    np.testing.assert_allclose(ma.count, rates * 2.0, atol=1.0)
    np.testing.assert_allclose(mb.count, rates * 2.0, atol=1.0)
    # Poisson: 5 x 200 expected spikes, 5 sigma = 5 sqrt(1000) ~ 160
    assert abs(ms.count.sum() - 1000) < 160


def test_readout_monitor_matches_filtered_spike_trains(rng):
    n, d = 30, 2
    D = rng.normal(size=(n, d))
    syn = ns.Lowpass(0.01)
    net = ns.Network(seed=2)
    P = net.add(ns.NeuronGroup(n, ns.PoissonSource(rate=50.0)))
    sp = net.monitor_spikes(P)
    rd = net.monitor_readout(P, D, syn, every=2)
    ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.3)
    expected = ns.filtered_spike_train(sp.spike_trains(), syn, rd.t) @ D
    assert rd.data.shape == (150, d)
    # the loop decays the state by exp(-dt/tau) per step: rounding only
    np.testing.assert_allclose(rd.data, expected, rtol=1e-10, atol=1e-9)


def test_random_connectivity_statistics_without_dense_matrix():
    rng = np.random.default_rng(0)
    n_pre, n_post, p = 100_000, 50_000, 1e-4
    W = ns.Random(p=p, value=0.5).sample(n_pre, n_post, rng)
    expected = p * n_pre * n_post
    # binomial count: 5 standard deviations
    assert abs(W.nnz - expected) < 5 * np.sqrt(expected)
    assert np.all(W.data == 0.5)
    assert W.has_sorted_indices
    W2 = ns.Random(p=0.5, value=1.0, allow_self=False).sample(20, 20, rng, 0)
    assert np.all(W2.diagonal() == 0)


def test_state_monitor_every_and_units():
    net = ns.Network()
    cell = ns.LIFNeuron(tau_m=0.01, v_rest=-0.06, v_th=-0.05, v_reset=-0.07)
    P = net.add(ns.NeuronGroup(2, cell, v0=[-0.07, -0.06]))
    mon = net.monitor_state(P, "v", record=[0, 1], every=5)
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.run(0.05)
    np.testing.assert_allclose(mon.t, (np.arange(0, 50, 5) + 1) * 1e-3, rtol=1e-12)
    expected = -0.06 - 0.01 * np.exp(-mon.t / 0.01)
    # exact exponential integrator, rounding only
    np.testing.assert_allclose(mon.v[:, 0], expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(mon.v[:, 1], -0.06, rtol=0, atol=1e-15)


def test_inputs_constant_array_callable_agree():
    def run(value):
        net = ns.Network()
        P = net.add(ns.NeuronGroup(2, ns.LIF()))
        net.add_input(P, value)
        mon = net.monitor_spikes(P)
        sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
        sim.run(0.2)
        sim.run(0.1)
        return mon.indices, mon.steps

    const = run(np.array([1.5, 3.0]))
    arr = run(np.tile([1.5, 3.0], (300, 1)))
    fun = run(lambda t: np.tile([1.5, 3.0], (t.size, 1)))
    assert const[0].size > 20
    for other in (arr, fun):
        np.testing.assert_array_equal(other[0], const[0])
        np.testing.assert_array_equal(other[1], const[1])


def test_bad_input_gives_clear_errors():
    net = ns.Network()
    A = net.add(ns.NeuronGroup(5, ns.LIF()))
    B = net.add(ns.NeuronGroup(3, ns.LIF()))
    with pytest.raises(ns.ShapeError, match=r"weights: expected shape .*\(5, 3\)"):
        net.connect(A, B, weights=np.ones((3, 5)))
    with pytest.raises(ns.ShapeError, match="OneToOne needs pre and post"):
        net.connect(A, B, weights=ns.OneToOne(1.0))
    with pytest.raises(ns.ShapeError, match="Factored"):
        net.connect(A, B, weights=ns.Factored(np.ones((5, 2)), np.ones((2, 4))))
    with pytest.raises(ns.ShapeError, match=r"weights: expected shape"):
        net.connect(A, B, weights=scipy.sparse.csr_matrix((5, 4)))
    with pytest.raises(ValueError, match="delay: must be >= 0"):
        net.connect(A, B, weights=0.1, synapse=ns.Lowpass(0.01), delay=-1e-3)
    with pytest.raises(TypeError, match="synapse: expected"):
        net.connect(A, B, weights=0.1, synapse=0.01)
    with pytest.raises(ns.ShapeError, match=r"value: expected .*\(3,\)"):
        net.add_input(B, np.ones(4))
    with pytest.raises(ValueError, match="record: required"):
        net.monitor_state(A, "v", record=None)
    with pytest.raises(TypeError, match="expected a NeuronType"):
        ns.NeuronGroup(3, "lif")
    with pytest.raises(ValueError, match="contiguous slice"):
        A[::2]
    net.connect(A, B, weights=0.1, synapse=ns.Lowpass(0.01), delay=0.25e-3)
    with pytest.raises(ValueError, match="delay: .* not a multiple of dt"):
        ns.Simulator(net, dt=1e-4)
    sim_net = ns.Network()
    sim_net.add(ns.NeuronGroup(2, ns.LIF()))
    sim = ns.Simulator(sim_net, dt=1e-3, progress=False)
    with pytest.raises(ValueError, match="duration: must be >= 0"):
        sim.run(-0.1)
    with pytest.raises(ValueError, match="backend: expected one of"):
        ns.Simulator(sim_net, dt=1e-3, backend="gpu")


def test_hh_in_a_mixed_network_matches_the_population_simulator():
    # a Hodgkin-Huxley group with constant current runs the same hh_step
    # (exponential Euler) as ns.simulate_neurons: identical spike counts
    currents = np.array([5.0, 10.0, 20.0])
    hh = ns.HodgkinHuxley()
    net = ns.Network(seed=0)
    H = net.add(ns.NeuronGroup(3, hh, bias=currents))
    L = net.add(ns.NeuronGroup(2, ns.LIF(), bias=2.0))  # mixed models
    net.connect(H, L, weights=np.full((3, 2), 0.0), synapse=ns.Lowpass(0.005))
    mh, ml = net.monitor_spikes(H), net.monitor_spikes(L)
    vm = net.monitor_state(H, "v", record=[2], every=10)
    ns.Simulator(net, dt=2e-5, backend="cpu", progress=False).run(0.2)
    rec = ns.simulate_neurons(
        hh, currents, dt=2e-5, t_end=0.2, method="exponential_euler"
    )
    assert mh.count.sum() > 10
    np.testing.assert_array_equal(mh.count, rec.spike_counts)
    np.testing.assert_allclose(ml.count, ns.LIF().rates(2.0) * 0.2, atol=1.0)
    assert vm.v.max() > 0.0  # action potentials overshoot 0 mV


def test_conductance_synapse_matches_ode_reference():
    # one spike through a conductance (reversal 0 V) into a LIFNeuron at rest:
    # tau_m v' = (v_rest - v) + g(t) (E - v), g = w/tau exp(-(t - ts)/tau)
    from scipy.integrate import solve_ivp

    tau_m, v_rest, E, tau, w, ts = 0.02, -0.065, 0.0, 0.005, 0.5 * 0.005, 0.002
    net = ns.Network()
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[ts]])))
    cell = ns.LIFNeuron(tau_m=tau_m, v_rest=v_rest, v_th=-0.030, v_reset=-0.070)
    post = net.add(ns.NeuronGroup(1, cell))
    net.connect(src, post, weights=[[w]], synapse=ns.Lowpass(tau), reversal=E)
    mon = net.monitor_state(post, "v", record=[0])

    def rhs(t, y):
        g = w / tau * np.exp(-(t - ts) / tau) if t >= ts else 0.0
        return [((v_rest - y[0]) + g * (E - y[0])) / tau_m]

    errs = []
    for dt in (1e-4, 5e-5):
        sim = ns.Simulator(net, dt=dt, backend="cpu", progress=False)
        sim.run(0.03)
        ref = solve_ivp(rhs, (ts, 0.031), [v_rest], t_eval=mon.t[mon.t >= ts],
                        rtol=1e-10, atol=1e-13, max_step=dt).y[0]  # fmt: skip
        errs.append(np.abs(mon.v[mon.t >= ts, 0] - ref).max())
    assert 1e-3 < (mon.v[:, 0] - v_rest).max() < 0.02  # a mV-sized PSP
    # the conductance is held over each step (as Brian2's exponential Euler
    # does): first order in dt, so halving dt halves the error (ratio 2 +- 25%)
    assert errs[0] < 1e-4
    assert 1.5 < errs[0] / errs[1] < 2.5
