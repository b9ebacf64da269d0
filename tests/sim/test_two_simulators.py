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
