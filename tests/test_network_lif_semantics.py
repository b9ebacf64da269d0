"""The Network engine's LIF at threshold and with tau_ref < dt (issue 15, for issue 12).

The engine's LIF steps with ``kernels.lif.lif_advance``, as ``simulate_neurons``
does. With ``tau_ref < dt`` (``tau_ref = 0`` included) a neuron may spike several
times in one step: its spike list holds it once per spike, so monitors count and
connections deliver every one. References are closed forms, as in
``tests/test_lif_semantics.py``, and ``simulate_neurons`` (exact spike times).
"""

import numpy as np
import pytest

import neurosim as ns

TAU_RC = 0.02


def closed_form_times(J, tau_ref, t_end):
    """Spike times of a LIF from v = 0 under constant ``J > 1``.

    The first crossing is at ``T0 = tau_rc log1p(1 / (J - 1))``; each spike
    is followed by ``tau_ref`` at 0 and the same rise: ``t_m = T0 + m T``,
    ``T = tau_ref + T0``.
    """
    T0 = TAU_RC * np.log1p(1.0 / (J - 1.0))
    return T0 + np.arange(int(t_end / (tau_ref + T0)) + 2) * (tau_ref + T0)


def per_step(times, dt, n_steps):
    """Spikes per step of times in ``(k dt, (k + 1) dt]``, steps ``0..n_steps-1``."""
    k = np.ceil(np.asarray(times) / dt).astype(int) - 1
    return np.bincount(k[(k >= 0) & (k < n_steps)], minlength=n_steps)


def off_knife_edges(times, dt):
    """No reference time within 1e-9 s of a step boundary (rounding could move it)."""
    r = np.asarray(times) / dt
    return np.all(np.abs(r - np.round(r)) * dt > 1e-9)


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


def test_network_lif_tau_ref_zero_rate_is_analytic():
    J = np.array([5.0, 50.0])  # 224 Hz, and ~2.5 kHz (above 1/dt)
    trains = _run(np.zeros(2), J, 0.0, 1e-3, 1.0)
    rate = 1.0 / (0.02 * np.log1p(1.0 / (J - 1.0)))
    counts = np.array([len(s) for s in trains])
    assert np.all(np.abs(counts - rate) <= 1.0)


@pytest.mark.parametrize(
    ("tau_ref", "J"),
    [(0.0, [5.0, 23.0, 61.0]), (3e-4, [4.0, 17.0, 45.0])],
)
def test_network_lif_spikes_per_step_are_exact(tau_ref, J):
    # tau_ref < dt = 1 ms: up to 3 spikes per step; every step's count is the
    # closed form's (spike times t_m = T0 + m T binned into steps)
    dt, T = 1e-3, 0.2
    J = np.array(J)
    n = round(T / dt)
    want = [per_step(closed_form_times(j, tau_ref, T), dt, n) for j in J]
    assert all(off_knife_edges(closed_form_times(j, tau_ref, T), dt) for j in J)
    assert max(w.max() for w in want) >= 2  # the case under test occurs
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(len(J), ns.LIF(tau_rc=TAU_RC, tau_ref=tau_ref), bias=J))
    mon = net.monitor_spikes(g)
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(T)
    for i in range(len(J)):
        got = np.bincount(mon.steps[mon.indices == i], minlength=n)
        np.testing.assert_array_equal(got, want[i])
    np.testing.assert_array_equal(mon.count, [w.sum() for w in want])


def test_network_lif_matches_simulate_neurons_with_several_spikes_per_step():
    # simulate_neurons keeps exact spike times (tau_ref = 0 is allowed there);
    # the network's per-step counts are those times binned, for a drive that
    # changes every step (no closed form)
    dt, T, n = 1e-3, 0.3, 300
    rng = np.random.default_rng(3)
    I = 1.0 + 40.0 * rng.random((n, 3))
    res = ns.simulate_neurons(
        ns.LIF(tau_rc=TAU_RC, tau_ref=0.0), I, dt=dt, t_end=T, backend="cpu"
    )
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(3, ns.LIF(tau_rc=TAU_RC, tau_ref=0.0)))
    net.add_input(g, I)
    mon = net.monitor_spikes(g)
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(T)
    for i, times in enumerate(res.spike_times):
        assert off_knife_edges(times, dt)
        got = np.bincount(mon.steps[mon.indices == i], minlength=n)
        np.testing.assert_array_equal(got, per_step(times, dt, n))
    assert mon.count.sum() > n * 3  # more spikes than steps: several per step


def test_a_neuron_spiking_k_times_delivers_k_times_its_weight():
    # synapse=None: a spike of weight w is the input w / dt during the next
    # step, so the post's J in step k + 1 is w * (pre's spikes in step k) / dt
    dt, T, n, w = 1e-3, 0.1, 100, 0.25
    net = ns.Network(seed=0)
    pre = net.add(ns.NeuronGroup(1, ns.LIF(tau_rc=TAU_RC, tau_ref=0.0), bias=45.0))
    post = net.add(ns.NeuronGroup(1, ns.LIF(tau_rc=TAU_RC, tau_ref=0.002)))
    net.connect(pre, post, w)
    spikes = net.monitor_spikes(pre)
    J = net.monitor_state(post, "J", record=[0])
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(T)
    c = per_step(closed_form_times(45.0, 0.0, T), dt, n)
    assert c.max() >= 2
    np.testing.assert_array_equal(np.bincount(spikes.steps, minlength=n), c)
    np.testing.assert_allclose(J.J[1:, 0], w * c[:-1] / dt, rtol=1e-12, atol=0)


def test_more_spikes_in_a_step_than_kept_is_an_error():
    # J = 1e4: T = 2 us, 500 spikes per 1 ms step, beyond the room kept
    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(1, ns.LIF(tau_rc=TAU_RC, tau_ref=0.0), bias=1e4))
    net.monitor_spikes(g)
    sim = ns.Simulator(net, dt=1e-3, backend="cpu", progress=False)
    with pytest.raises(
        ns.SimulationError, match=r"neuron 0: more than \d+ spikes due in one step"
    ):
        sim.run(0.01)
    assert sim.n_steps == 0  # left at the start of the failing step
