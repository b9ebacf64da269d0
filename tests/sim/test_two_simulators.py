"""Two simulators of one Network keep separate records."""

from __future__ import annotations

import numpy as np

import neurosim as ns

from .reliability_net import DT, build, records


def _alone(n_steps):
    net, mons = build(plastic=False)
    sim = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
    sim.run(n_steps * DT)
    return records(sim, mons)


def test_two_simulators_of_one_network_keep_separate_records():
    net, mons = build(plastic=False)
    a = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
    a.run(200 * DT)
    b = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
    b.run(100 * DT)
    a.run(150 * DT)  # a keeps writing to its own records
    for got, want in zip(records(a, mons), _alone(350), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(records(b, mons), _alone(100), strict=True):
        np.testing.assert_array_equal(got, want)
    # the monitor objects show the simulator built last
    np.testing.assert_array_equal(mons[0].steps, b.data[mons[0]].steps)
    np.testing.assert_array_equal(mons[2].v, b.data[mons[2]].v)
    assert mons[0].indices.size > 0


def test_spike_steps_past_2_to_the_31_do_not_wrap():
    # constant drive: the dynamics do not depend on the step number, so a run
    # started at step 2**31 - 7 spikes at the same offsets as one from step 0
    def spikes(step0):
        net = ns.Network(seed=0)
        g = net.add(ns.NeuronGroup(3, ns.LIF(tau_ref=0.002), bias=[2.0, 5.0, 9.0]))
        mon = net.monitor_spikes(g)
        sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
        snap = sim.snapshot()
        snap["n_steps"] = step0
        sim.restore(snap)
        sim.run(0.03)
        return mon

    start = 2**31 - 7
    a, b = spikes(0), spikes(start)
    assert b.steps.dtype == np.int64 and b.steps.max() >= 2**31
    np.testing.assert_array_equal(b.steps - start, a.steps)
    np.testing.assert_array_equal(b.indices, a.indices)
    np.testing.assert_array_equal(b.times, (b.steps + 1.0) * 1e-3)
