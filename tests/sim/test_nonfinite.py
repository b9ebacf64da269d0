"""Runs that go non-finite or diverge stop at the exact step, keeping the records."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import SimulationError


class Doubling(ns.NeuronModel):
    """``x <- r x`` each step: ``x_k = r**k`` exactly (powers of two)."""

    state = {"x": 1.0}
    params = {"r": 2.0}

    @staticmethod
    def update(x, r):
        return x * r


def test_overflow_is_found_at_its_step_and_the_last_finite_state_kept():
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(3, Doubling(), name="grow"))
    mon = net.monitor_state(g, "x", record=[0, 2])
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.set_param(g[1:2], "r", 0.5)  # neuron 1 decays instead
    # 2**1024 overflows: the step that would give it is step 1023
    with pytest.raises(SimulationError) as info:
        sim.run(5.0)
    msg = str(info.value)
    assert "step 1023 " in msg and "x" in msg and "'grow' neuron 0" in msg
    assert f"t = {1023e-3:g} s" in msg
    assert sim.n_steps == 1023
    np.testing.assert_array_equal(
        sim.get_state(g, "x"), [2.0**1023, 2.0**-1023, 2.0**1023]
    )
    # everything recorded before the step is kept: x after step k is 2**(k+1)
    assert mon.x.shape == (1023, 2)
    np.testing.assert_array_equal(mon.x[:, 0], 2.0 ** np.arange(1, 1024))
    np.testing.assert_array_equal(mon.t, np.arange(1, 1024) * 1e-3)
    # it stays stopped there: the next run fails at once at the same step
    with pytest.raises(SimulationError, match="step 1023 "):
        sim.run(1e-3)
    assert sim.n_steps == 1023 and mon.x.shape == (1023, 2)


def test_network_hh_diverges_with_an_error_like_simulate_neurons():
    # I = 1e7 uA/cm^2 from step 40: dV/dt = I/C = 1e7 mV/ms takes V past the
    # 1e4 mV bound within that step (dt = 0.01 ms: +1e5 mV); before it the
    # neuron is at rest and stays bounded.
    dt = 1e-5
    net = ns.Network(seed=0)
    hh = net.add(ns.NeuronGroup(2, ns.HodgkinHuxley(), name="hh"))
    net.add_input(hh, lambda t: np.where(t >= 40 * dt - dt / 2, 1e7, 0.0))
    mon = net.monitor_state(hh, "v", record=True)
    sim = ns.Simulator(net, dt=dt, backend="cpu", progress=False)
    with pytest.raises(SimulationError, match="Hodgkin-Huxley") as info:
        sim.run(0.01)
    assert "step 40 " in str(info.value) and "'hh' neuron 0" in str(info.value)
    assert sim.n_steps == 40
    assert mon.v.shape == (40, 2) and np.all(np.abs(mon.v) < 100.0)
    # the same drive from the start: simulate_neurons refuses it too
    with pytest.raises(ns.exceptions.UnstableStepError):
        ns.simulate_neurons(
            ns.HodgkinHuxley(), 1e7, dt=dt, t_end=1e-3, backend="cpu", n_neurons=2
        )


def test_finite_runs_are_untouched_by_the_check():
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(3, Doubling()))
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    sim.run(0.5)
    assert sim.n_steps == 500
    np.testing.assert_array_equal(sim.get_state(g, "x"), 2.0**500)
    assert math.isfinite(sim.t)
