"""The Network engine's LIF at threshold and with tau_ref < dt (issue 15, for issue 12).

The engine's LIF steps with ``kernels.lif.lif_advance``, as ``simulate_neurons``
does; its spike list still holds a neuron at most once per step, so several
spikes in one step (``tau_ref < dt`` at high rates) are a strict xfail.
References are closed forms, as in ``tests/test_lif_semantics.py``.
"""

import numpy as np
import pytest

import neurosim as ns

ENGINE = pytest.mark.xfail(
    strict=True,
    reason="issue 12/15: the Network's spike list holds a neuron once per step "
    "(several spikes in one step need counts through delays and synapses)",
)


def _run(v0, bias, tau_ref, dt, T):
    net = ns.Network(seed=0)
    g = net.add(
        ns.NeuronGroup(
            len(bias), ns.LIF(tau_rc=0.02, tau_ref=tau_ref), v0=v0, bias=bias
        )
    )
    mon = net.monitor_spikes(g)
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(T)
    return mon.spike_trains()


def test_network_lif_starting_above_threshold_spikes_at_once():
    J = np.array([1.5, 3.0])
    trains = _run(np.array([1.2, 1.5]), J, 0.002, 1e-4, 0.05)
    for s, Ji in zip(trains, J, strict=True):
        T = 0.002 + 0.02 * np.log1p(1.0 / (Ji - 1.0))
        assert s[0] <= 1e-4  # in the first step
        np.testing.assert_allclose(np.diff(s), T, rtol=0, atol=1e-4)


def test_network_lif_above_threshold_with_a_drive_below_it_rests_tau_ref():
    # v0 = 1.2 > 1, J = 0.5 < 1: one spike at the start of step 0, then
    # v = 0 for tau_ref = 2 ms, then v = J (1 - exp(-(t - tau_ref) / tau_rc))
    # (before: a spike placed 6.6 ms late and a 8.7 ms "refractory period")
    dt, J = 1e-4, 0.5
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(1, ns.LIF(tau_rc=0.02, tau_ref=0.002), v0=1.2, bias=J))
    spikes = net.monitor_spikes(g)
    vm = net.monitor_state(g, "v", record=[0])
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(0.01)
    np.testing.assert_array_equal(spikes.steps, [0])
    t = vm.t
    want = np.where(t <= 0.002, 0.0, -J * np.expm1(-(t - 0.002) / 0.02))
    np.testing.assert_allclose(vm.v[:, 0], want, rtol=0, atol=1e-12)


@ENGINE
def test_network_lif_tau_ref_zero_rate_is_analytic():
    J = np.array([5.0, 50.0])  # 224 Hz, and ~2.5 kHz (above 1/dt)
    trains = _run(np.zeros(2), J, 0.0, 1e-3, 1.0)
    rate = 1.0 / (0.02 * np.log1p(1.0 / (J - 1.0)))
    counts = np.array([len(s) for s in trains])
    assert np.all(np.abs(counts - rate) <= 1.0)
