"""Network features the NEF layer runs on: min_voltage, ZOH synapses and readouts,
encoded inputs, rate groups."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.kernels.lif import lif_step

DT = 1e-3


def _reference_lif(J, v0, dt, tau_rc, tau_ref, vmin):
    """Plain loop over lif_step with the voltage clip (Nengo's LIF order)."""
    n_steps, n = J.shape
    v, ref = v0.copy(), np.zeros(n)
    vs, spikes = np.zeros((n_steps, n)), np.zeros((n_steps, n), bool)
    full = -math.expm1(-dt / tau_rc)
    for k in range(n_steps):
        for i in range(n):
            v[i], ref[i], ts = lif_step(
                v[i], ref[i], J[k, i], dt, tau_rc, tau_ref, full
            )
            v[i] = max(v[i], vmin)
            spikes[k, i] = ts >= 0
        vs[k] = v
    return vs, spikes


@pytest.mark.parametrize("vmin", [None, 0.0, -0.3])
def test_min_voltage_clips_like_reference(vmin):
    rng = np.random.default_rng(0)
    n, n_steps = 12, 300
    # inputs swing well below 0 and above threshold, so neurons spike, leave
    # refractoriness mid-step and get driven negative
    J = 2.5 * np.sin(
        2 * np.pi * 5 * np.arange(n_steps)[:, None] * DT + rng.uniform(0, 6, n)
    )
    v0 = rng.uniform(0, 1, n)
    net = ns.Network()
    g = net.add(ns.NeuronGroup(n, ns.LIF(min_voltage=vmin), v0=v0))
    net.add_input(g, J)
    spk = net.monitor_spikes(g)
    vm = net.monitor_state(g, "v", record=True)
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(n_steps * DT)
    ref_v, ref_s = _reference_lif(
        J, v0, DT, 0.02, 0.002, -np.inf if vmin is None else vmin
    )
    got = np.zeros_like(ref_s)
    got[spk.steps, spk.indices] = True
    np.testing.assert_array_equal(got, ref_s)
    assert ref_s.sum() > 50
    # same operations except the refractory clock (kept as an end time in the
    # network): a few ulps of the O(1) voltage
    np.testing.assert_allclose(vm.v, ref_v, rtol=0, atol=1e-12)
    if vmin is None:
        assert vm.v.min() < -0.5  # unbounded by default (existing results)
    else:
        assert vm.v.min() == vmin


def test_min_voltage_validation():
    with pytest.raises(ValueError, match="LIF.min_voltage"):
        ns.LIF(min_voltage=1.0)
    assert ns.LIF().min_voltage is None
    with pytest.raises(ValueError, match="min_voltage is applied by networks"):
        ns.simulate_neurons(ns.LIF(min_voltage=0.0), 1.5, dt=1e-3, t_end=0.01)


def _regular_source(period_steps, n_steps):
    times = np.arange(period_steps, n_steps + 1, period_steps) * DT
    return ns.SpikeSource([times])


@pytest.mark.parametrize("tau", [0.01, 0.004])
def test_readout_dc_gain(tau):
    """A regular train of rate r: ZOH readout averages to exactly r, the
    exact (impulse-sampled) readout to r dt / (tau (1 - exp(-dt/tau)))."""
    period, n_steps = 4, 2000
    net = ns.Network()
    src = net.add(ns.NeuronGroup(1, _regular_source(period, n_steps)))
    D = np.array([[0.7]])
    zoh = net.monitor_readout(src, D, ns.Lowpass(tau), discretization="zoh")
    exact = net.monitor_readout(src, D, ns.Lowpass(tau))
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(n_steps * DT)
    r = 1.0 / (period * DT)
    late = slice(n_steps - 40 * period, n_steps)  # whole periods, steady state
    # periodic steady state of a linear filter: the mean is DC gain x mean input
    # (rounding only)
    assert zoh.data[late].mean() == pytest.approx(0.7 * r, rel=1e-12)
    gain = DT / tau / -math.expm1(-DT / tau)
    assert exact.data[late].mean() == pytest.approx(0.7 * r * gain, rel=1e-12)
    assert gain > 1.04 if tau == 0.01 else gain > 1.1


def test_zoh_connection_follows_discrete_recurrence():
    """Input of a ZOH connection = Nengo's recurrence on 1/dt spikes, held."""
    n_steps = 200
    times = np.array([3, 4, 10, 50, 51, 52, 120]) * DT
    syn = ns.Alpha(0.005)
    net = ns.Network()
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([times])))
    post = net.add(ns.NeuronGroup(2, ns.LIF()))
    w = np.array([[0.3, -0.2]])
    net.connect(src, post, w, synapse=syn, discretization="zoh")
    jm = net.monitor_state(post, "J", record=True)
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(n_steps * DT)
    A, B, C, _ = syn.discretize(DT, "zoh")
    s = np.zeros(n_steps)
    s[np.round(times / DT).astype(int) - 1] = 1.0 / DT  # spike in step k: 1/dt
    X = np.zeros(A.shape[0])
    expect = np.zeros(n_steps)
    for k in range(n_steps):
        expect[k] = C @ X  # held over step k: the state before its input
        X = A @ X + B * s[k]
    np.testing.assert_allclose(jm.values, np.outer(expect, w[0]), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="discretization"):
        net.connect(src, post, w, synapse=syn, discretization="foh")
    with pytest.raises(ValueError, match="discretization"):
        net.monitor_readout(src, np.ones((1, 1)), syn, discretization="impulse")


def test_encoded_input_equals_expanded_input():
    rng = np.random.default_rng(1)
    n, d, n_steps = 30, 2, 400
    E = rng.normal(size=(d, n)) * 3
    u = np.column_stack(
        [np.sin(np.arange(n_steps) * 0.03), np.cos(np.arange(n_steps) * 0.05)]
    )
    c = np.array([0.4, -0.1])
    L = rng.normal(size=(d, 3))
    Rf = rng.normal(size=(3, n))
    bias = rng.uniform(0.5, 1.5, n)
    runs = []
    for encoded in (False, True):
        net = ns.Network()
        g = net.add(ns.NeuronGroup(n, ns.LIF(), bias=bias))
        if encoded:
            net.add_input(g, u, weights=E)
            net.add_input(g, lambda t: np.column_stack([np.sin(7 * t), t]), weights=E)
            net.add_input(g, c, weights=E)
            net.add_input(g, u, weights=ns.Factored(L, Rf))
        else:
            t = np.arange(n_steps) * DT
            f = np.column_stack([np.sin(7 * t), t])
            net.add_input(g, u @ E + f @ E + c @ E + (u @ L) @ Rf)
        s = net.monitor_spikes(g)
        net.monitor_state(g, "J", record=[0, 5])
        sim = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
        sim.run(0.2)
        sim.run(0.2)  # continuation: the input array is read at the right rows
        runs.append((s, net.monitors[1]))
    (s0, j0), (s1, j1) = runs
    assert s0.indices.size > 100
    np.testing.assert_array_equal(s0.indices, s1.indices)
    np.testing.assert_array_equal(s0.steps, s1.steps)
    # encoding inside the loop sums in another order: rounding of O(10) inputs
    np.testing.assert_allclose(j0.values, j1.values, rtol=0, atol=1e-12)


def test_encoded_input_bad_shapes():
    net = ns.Network()
    g = net.add(ns.NeuronGroup(5, ns.LIF()))
    with pytest.raises(ns.ShapeError, match=r"weights: expected shape \(d, 5\)"):
        net.add_input(g, np.zeros((10, 2)), weights=np.ones((2, 4)))
    with pytest.raises(ns.ShapeError, match=r"value: expected shape \(2,\)"):
        net.add_input(g, np.zeros((10, 3)), weights=np.ones((2, 5)))


def test_rate_group_drives_readout_and_target():
    J = np.linspace(0.5, 3.0, 8)
    lif = ns.LIFRate()
    D = np.linspace(-1, 1, 8)[:, None] * 1e-2
    net = ns.Network()
    g = net.add(ns.NeuronGroup(8, lif, bias=J))
    post = net.add(ns.NeuronGroup(1, ns.LIF()))
    net.connect(g, post, ns.Factored(D, np.ones((1, 1))), synapse=ns.Lowpass(0.01),
                discretization="zoh")  # fmt: skip
    rd = net.monitor_readout(g, D, None)
    rates = net.monitor_state(g, "v", record=True)
    jm = net.monitor_state(post, "J", record=[0])
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(0.3)
    r = lif.rates(J)
    np.testing.assert_allclose(rates.v, np.broadcast_to(r, rates.v.shape), rtol=1e-14)
    np.testing.assert_allclose(rd.data[:, 0], r @ D[:, 0], rtol=1e-12)
    # constant drive r @ D through a unit-DC-gain lowpass: 1 - exp(-t / tau)
    t = np.arange(300) * DT
    np.testing.assert_allclose(
        jm.values[:, 0], (r @ D[:, 0]) * -np.expm1(-t / 0.01), rtol=1e-10
    )
    with pytest.raises(ValueError, match="LIFRate groups take dense or Factored"):
        net.connect(g, post, ns.Random(0.5, 1.0))
