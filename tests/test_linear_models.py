"""Exact propagators for NeuronModels declared linear (Rotter & Diesmann 1999).

References: the closed form of the adaptive LIF's subthreshold solution,
scipy.linalg.expm of the augmented system, and Brian2's ``method='exact'``.
"""

import numpy as np
import pytest
import scipy.linalg

import neurosim as ns
from neurosim.exceptions import ValidationError


class Started(ns.AdaptiveLIF):
    """AdaptiveLIF from a state away from rest (v 0.2, adaptation 0.3)."""

    state = {"v": 0.2, "n": 0.3}


class ExactALIF(ns.AdaptiveLIF):
    """AdaptiveLIF integrated exactly by default (a network takes no method)."""

    method = "exact"


@pytest.mark.parametrize("dt", [5e-3, 1e-3, 1e-4])
def test_exact_equals_the_closed_form_at_any_dt(dt):
    # tau dv/dt = J - n - v, tau_n dn/dt = -n, below threshold:
    # v = J + (v0 - J + c n0) e^(-t/tau) - c n0 e^(-t/tau_n), c = tau_n/(tau_n - tau)
    tau, tau_n, J, v0, n0 = 0.02, 0.1, 0.8, 0.2, 0.3
    rec = ns.simulate_neurons(
        Started(tau_n=tau_n), J, dt=dt, t_end=0.1, method="exact", record=True
    )
    assert rec.method == "exact" and rec.spike_counts[0] == 0
    t = rec.t
    c = tau_n / (tau_n - tau)
    v = J + (v0 - J + c * n0) * np.exp(-t / tau) - c * n0 * np.exp(-t / tau_n)
    np.testing.assert_allclose(rec.state["v"][:, 0], v, rtol=0, atol=2e-15)
    np.testing.assert_allclose(
        rec.state["n"][:, 0], n0 * np.exp(-t / tau_n), atol=1e-16
    )


def test_exact_equals_the_matrix_exponential_and_beats_exponential_euler():
    # x' = A x + b: the augmented [[A, b], [0, 0]] exponential gives x(t)
    tau, tau_n, J, dt = 0.01, 0.05, 0.95, 2e-3  # below threshold
    A = np.array([[-1 / tau, -1 / tau], [0.0, -1 / tau_n]])
    aug = np.zeros((3, 3))
    aug[:2, :2], aug[:2, 2] = A, [J / tau, 0.0]
    x0 = np.array([0.2, 0.3, 1.0])
    ref = np.array([(scipy.linalg.expm(aug * k * dt) @ x0)[:2] for k in range(1, 26)])
    model = Started(tau_rc=tau, tau_n=tau_n)
    kw = {"dt": dt, "t_end": 25 * dt, "record": True}
    exact = ns.simulate_neurons(model, J, method="exact", **kw)
    euler = ns.simulate_neurons(model, J, method="exponential_euler", **kw)
    got = np.stack([exact.state["v"][:, 0], exact.state["n"][:, 0]], axis=1)
    assert exact.spike_counts[0] == 0
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14)
    assert np.abs(euler.state["v"][:, 0] - ref[:, 0]).max() > 1e-4  # n held: O(dt)


@pytest.fixture(scope="module")
def b2():
    brian2 = pytest.importorskip("brian2")
    brian2.prefs.codegen.target = "numpy"
    return brian2


def test_adaptive_lif_exact_matches_brian2_exact(b2):
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * b2.ms
    eqs = """dv/dt = (J - n - v)/tau_rc : 1 (unless refractory)
    dn/dt = -n/tau_n : 1
    J : 1"""
    # Brian2 counts refractoriness from its step-start spike label, one dt
    # before neurosim's spike time: the same clamp needs tau_ref + dt there.
    taus = {"tau_rc": 20 * b2.ms, "tau_n": 100 * b2.ms}
    G = b2.NeuronGroup(2, eqs, threshold="v > 1", reset="v = 0; n += 0.05",
                       refractory=2.1 * b2.ms, method="exact",
                       namespace=taus)  # fmt: skip
    G.J = [2.5, 1.6]
    M = b2.SpikeMonitor(G)
    S = b2.StateMonitor(G, "v", record=True)
    b2.run(300 * b2.ms)
    model = ns.AdaptiveLIF(tau_n=0.1, inc_n=0.05)
    rec = ns.simulate_neurons(
        model, np.array([2.5, 1.6]), dt=1e-4, t_end=0.3, method="exact", record=True
    )
    for i in range(2):
        t_b2 = np.asarray(M.t[M.i == i] / b2.second)
        assert rec.spike_counts[i] == t_b2.size > 5
        np.testing.assert_allclose(rec.spike_times[i], t_b2 + 1e-4, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rec.v[:-1].T, np.asarray(S.v)[:, 1:], atol=1e-12)


def test_a_network_group_is_exact_and_set_param_recomputes_its_propagators():
    def run(tau_rc, later=None):
        net = ns.Network(seed=0)
        P = net.add(ns.NeuronGroup(3, ExactALIF(tau_rc=tau_rc), bias=[1.5, 2.0, 3.0]))
        vmon = net.monitor_state(P, "v", record=True)
        sim = ns.Simulator(net, dt=1e-4, progress=False)
        if later is not None:
            sim.set_param(P, "tau_rc", later)
        sim.run(0.1)
        return vmon.values

    alone = ns.simulate_neurons(
        ExactALIF(tau_rc=0.01), np.array([1.5, 2.0, 3.0]), dt=1e-4, t_end=0.1,
        record=True,
    )  # fmt: skip
    assert alone.method == "exact" and alone.spike_counts.min() > 3
    np.testing.assert_array_equal(run(0.01), alone.v)
    np.testing.assert_array_equal(run(0.03, later=0.01), alone.v)


def test_linear_declarations_are_checked():
    class Quadratic(ns.NeuronModel):
        state = {"v": 0.0}
        linear = True

        @staticmethod
        def derivatives(v, I):
            return v * v + I

    assert Quadratic.method == "exact"  # a linear class without a method
    with pytest.raises(ValidationError, match="Quadratic.*not linear in 'v'"):
        ns.simulate_neurons(Quadratic(), 0.1, dt=1e-3, t_end=0.01)

    class Gated(ns.NeuronModel):
        state = {"v": 0.0}
        linear = True

        @staticmethod
        def derivatives(v, I):
            return -v * I

    with pytest.raises(ValidationError, match="Gated.*A independent of the inputs"):
        ns.simulate_neurons(Gated(), 1.0, dt=1e-3, t_end=0.01)
    with pytest.raises(ValidationError, match="'exact' needs linear.*Izhikevich"):
        ns.simulate_neurons(ns.Izhikevich(), 10.0, dt=1e-4, t_end=0.01, method="exact")
    with pytest.raises(ValidationError, match="Cond.linear: the conductance ports"):

        class Cond(ns.NeuronModel):
            state = {"v": 0.0}
            inputs = {"I": ns.Current(), "g": ns.Conductance(E=1.0)}
            linear = True

            @staticmethod
            def derivatives(v, I):
                return -v + I
