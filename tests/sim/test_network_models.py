"""NeuronModel groups inside Network/Simulator (generated network loop).

References: the same model simulated alone by simulate_neurons (uncoupled, or
driven by the closed-form filtered input its synapse delivers), and the
simulator's own continuation invariant.
"""

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError

A = np.array([0.02, 0.05, 0.1])


def test_uncoupled_model_group_equals_simulate_neurons():
    net = ns.Network(seed=1)
    P = net.add(ns.NeuronGroup(3, ns.Izhikevich(a=A), bias=10.0))
    L = net.add(ns.NeuronGroup(2, ns.LIF(), bias=0.5))
    net.connect(P, L, 0.05, synapse=ns.Lowpass(0.005))  # a model group drives LIF
    spikes = net.monitor_spikes(P)
    u = net.monitor_state(P, "u", record=True)
    v = net.monitor_state(P[1:], "v", record=[1], every=3)
    lif = net.monitor_spikes(L)
    ns.Simulator(net, dt=1e-4, backend="cpu", progress=False).run(0.2)
    rec = ns.simulate_neurons(ns.Izhikevich(a=A), 10.0, dt=1e-4, t_end=0.2,
                              record=True)  # fmt: skip
    # The same generated step in both loops: bit for bit.
    np.testing.assert_array_equal(u.u, rec.state["u"])
    np.testing.assert_array_equal(v.v[:, 0], rec.state["v"][::3, 2])
    for got, want in zip(spikes.spike_trains(), rec.spike_times, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert lif.count.sum() > 0  # the model group's spikes reach the LIF group


def test_model_group_driven_through_a_synapse_sees_the_filtered_spikes():
    # A SpikeSource through Lowpass(tau) into an AdaptiveLIF group. At the
    # start of step k its input is the filter's exact output at t_k:
    # sum over spikes with t_s <= t_k of (w / tau) exp(-(t_k - t_s) / tau).
    dt, tau, w, T = 1e-4, 0.005, 0.08, 0.3
    times = np.arange(0.005, T, 0.0037)
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([times])))
    model = ns.AdaptiveLIF(inc_n=0.05, tau_n=0.05)
    P = net.add(ns.NeuronGroup(2, model, gain=np.array([1.0, 1.5]), bias=0.3))
    net.connect(src, P, np.full((1, 2), w), synapse=ns.Lowpass(tau))
    vm = net.monitor_state(P, "v", record=True)
    nm = net.monitor_state(P, "n", record=True)
    sp = net.monitor_spikes(P)
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(T)
    n_steps = round(T / dt)
    tk = np.arange(n_steps) * dt
    lag = tk[:, None] - np.round(times / dt)[None, :] * dt
    drive = np.where(lag >= -1e-12, w / tau * np.exp(-np.maximum(lag, 0) / tau), 0)
    J = drive.sum(axis=1)[:, None] * np.array([1.0, 1.5]) + 0.3
    rec = ns.simulate_neurons(model, J, dt=dt, t_end=T, record=True)
    assert rec.spike_counts.min() > 3
    np.testing.assert_array_equal(sp.count, rec.spike_counts)
    # the synapse decays by repeated multiplication, the reference by exp():
    # rounding only
    np.testing.assert_allclose(vm.v, rec.state["v"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(nm.n, rec.state["n"], rtol=0, atol=1e-9)


def test_runs_continue_exactly_with_model_groups():
    def build():
        net = ns.Network(seed=3)
        drive = net.add(ns.NeuronGroup(10, ns.PoissonSource(rate=300.0)))
        P = net.add(ns.NeuronGroup(8, ns.Izhikevich.from_set("CH")))
        net.connect(drive, P, ns.Random(0.5, 0.15), synapse=ns.Lowpass(0.003))
        net.connect(P, P, ns.Random(0.3, -0.05), synapse=ns.Lowpass(0.005),
                    delay=1e-3)  # fmt: skip
        return net, net.monitor_spikes(P), net.monitor_state(P, "u", record=[0, 5])

    net1, s1, u1 = build()
    sim = ns.Simulator(net1, dt=1e-4, backend="cpu", progress=False)
    sim.run(0.05)
    sim.run(0.07)
    net2, s2, u2 = build()
    ns.Simulator(net2, dt=1e-4, backend="cpu", progress=False).run(0.12)
    assert s1.indices.size > 10
    np.testing.assert_array_equal(s1.indices, s2.indices)
    np.testing.assert_array_equal(s1.steps, s2.steps)
    np.testing.assert_array_equal(u1.u, u2.u)


def test_unknown_state_to_monitor_is_refused():
    net = ns.Network()
    P = net.add(ns.NeuronGroup(2, ns.Izhikevich()))
    with pytest.raises(ValidationError, match=r"Izhikevich records one of 'v', 'u'"):
        net.monitor_state(P, "w", record=True)
    with pytest.raises(ValueError, match=r"per-neuron parameters of length 3"):
        ns.NeuronGroup(2, ns.Izhikevich(a=A))


def _izh_net():
    net = ns.Network(seed=5)
    drive = net.add(ns.NeuronGroup(10, ns.PoissonSource(rate=300.0)))
    P = net.add(ns.NeuronGroup(4, ns.Izhikevich(), bias=5.0))
    net.connect(drive, P, ns.Random(0.5, 0.2), synapse=ns.Lowpass(0.003),
                delay=5e-4)  # fmt: skip
    return net, P, net.monitor_spikes(P)


def test_snapshot_and_restore_roll_a_run_back_exactly():
    net, P, spikes = _izh_net()
    sim = ns.Simulator(net, dt=1e-4, backend="cpu", progress=False)
    sim.run(0.05)
    snap = sim.snapshot()
    n0 = spikes.indices.size
    sim.run(0.05)
    first = (spikes.indices[n0:].copy(), spikes.steps[n0:].copy())
    u_first = sim.get_state(P, "u")
    sim.restore(snap)
    assert sim.n_steps == 500
    sim.run(0.05)
    second = (spikes.indices[n0 + first[0].size :], spikes.steps[n0 + first[0].size :])
    assert first[0].size > 5
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(sim.get_state(P, "u"), u_first)


def test_state_and_parameters_are_set_between_runs():
    net = ns.Network()
    P = net.add(ns.NeuronGroup(3, ns.Izhikevich()))
    spikes = net.monitor_spikes(P)
    sim = ns.Simulator(net, dt=1e-4, backend="cpu", progress=False)
    sim.run(0.01)
    assert spikes.indices.size == 0  # at rest without input
    # v above the 30 mV threshold: the Euler step from v = 40 (u = -13) stays
    # above it, so neuron 1 spikes in the very next step and is reset to c.
    sim.set_param(P[1:2], "c", -50.0)
    sim.set_state(P[1:2], "v", 40.0)
    sim.run(1e-4)
    np.testing.assert_array_equal(spikes.indices, [1])
    np.testing.assert_array_equal(spikes.steps, [100])
    np.testing.assert_array_equal(sim.get_state(P, "v")[1], -50.0)
    with pytest.raises(ValidationError, match=r"Izhikevich has no param variable 'e'"):
        sim.set_param(P, "e", 1.0)


def test_per_neuron_parameters_used_by_initial_state_run_as_a_forward_euler_reference():
    # Izhikevich's initial u = b v reads b: a per-neuron b must reach both the
    # initial state and the dynamics (it once failed the build's Python check).
    b = np.array([0.2, 0.25, 0.15])
    drive = np.array([10.0, 6.0, 14.0])
    net = ns.Network(seed=0)
    P = net.add(ns.NeuronGroup(3, ns.Izhikevich(b=b), bias=drive))
    vmon = net.monitor_state(P, "v", record=True)
    ns.Simulator(net, dt=1e-4, progress=False).run(0.2)
    # The paper's equations in ms, forward Euler at 0.1 ms, reset at 30 mV.
    dt, v = 0.1, np.full(3, -65.0)
    u, trace = b * v, []
    for _ in range(2000):
        v, u = (
            v + dt * (0.04 * v**2 + 5 * v + 140 - u + drive),
            u + dt * 0.02 * (b * v - u),
        )
        fired = v >= 30.0
        v, u = np.where(fired, -65.0, v), np.where(fired, u + 8.0, u)
        trace.append(v)
    trace = np.array(trace)
    assert (trace == -65.0).sum(axis=0).min() > 2  # every neuron spiked
    np.testing.assert_allclose(vmon.values, trace, rtol=0, atol=1e-9)
