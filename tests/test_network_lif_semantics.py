"""The Network engine's LIF at threshold and with tau_ref < dt (issue 15, for issue 12).

``simulate_neurons`` got these semantics from ``kernels.lif.lif_advance``; the
Network engine still runs ``lif_step`` and is being rewritten (issue 12), so
its variants are strict xfails until the engine adopts them. References are
closed forms, as in ``tests/test_lif_semantics.py``.
"""

import numpy as np
import pytest

import neurosim as ns

ENGINE = pytest.mark.xfail(
    strict=True,
    reason="issue 12/15: the Network engine's LIF does not yet use "
    "kernels.lif.lif_advance (spike at/above threshold, tau_ref < dt)",
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


@ENGINE
def test_network_lif_starting_above_threshold_spikes_at_once():
    J = np.array([1.5, 3.0])
    trains = _run(np.array([1.2, 1.5]), J, 0.002, 1e-4, 0.05)
    for s, Ji in zip(trains, J, strict=True):
        T = 0.002 + 0.02 * np.log1p(1.0 / (Ji - 1.0))
        assert s[0] <= 1e-4  # in the first step
        np.testing.assert_allclose(np.diff(s), T, rtol=0, atol=1e-4)


@ENGINE
def test_network_lif_tau_ref_zero_rate_is_analytic():
    J = np.array([5.0, 50.0])  # 224 Hz, and ~2.5 kHz (above 1/dt)
    trains = _run(np.zeros(2), J, 0.0, 1e-3, 1.0)
    rate = 1.0 / (0.02 * np.log1p(1.0 / (J - 1.0)))
    counts = np.array([len(s) for s in trains])
    assert np.all(np.abs(counts - rate) <= 1.0)
