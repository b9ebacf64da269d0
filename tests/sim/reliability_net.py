"""A small network with every kind of run state, for the reliability tests.

Poisson drive (random-generator counters), delays (the delay ring), one- and
two-state synapses, an STDP connection (plastic weights and traces) and every
monitor kind. Imported by the tests and by their subprocess scripts.
"""

from __future__ import annotations

import numpy as np

import neurosim as ns

DT = 2e-4


def build(seed: int = 7, plastic: bool = True):
    """The network and its monitors ``(net, monitors)``."""
    net = ns.Network(seed=seed)
    drive = net.add(ns.NeuronGroup(40, ns.PoissonSource(rate=150.0), name="drive"))
    exc = net.add(ns.NeuronGroup(120, ns.LIF(), bias=0.6, name="exc"))
    net.connect(drive, exc, ns.Random(0.3, 0.25), synapse=ns.Lowpass(0.005),
                delay=1e-3)  # fmt: skip
    net.connect(exc, exc, ns.Random(0.1, 0.04), synapse=ns.Alpha(0.004),
                delay=2e-3)  # fmt: skip
    mons = [
        net.monitor_spikes(exc),
        net.monitor_spikes(drive),
        net.monitor_state(exc, "v", record=[0, 7, 50], every=3),
        net.monitor_readout(
            exc, np.random.default_rng(1).normal(size=(120, 2)), ns.Lowpass(0.01),
            every=2,
        ),
    ]  # fmt: skip
    if plastic:
        w0 = np.random.default_rng(2).uniform(0.0, 0.2, (40, 12))
        rule = ns.learning.STDP(a_plus=0.01, a_minus=0.011, tau_plus=0.015,
                                tau_minus=0.02, w_max=0.5)  # fmt: skip
        conn = net.connect(drive, exc[:12], w0, synapse=ns.Lowpass(0.003),
                           delay=6e-4, plasticity=rule)  # fmt: skip
        mons.append(net.monitor_weights(conn, record=[0, 5, 100], every=4))
    return net, mons


def records(sim, mons) -> list[np.ndarray]:
    """Everything ``sim`` recorded, as a list of arrays."""
    out = []
    for m in mons:
        m = sim.data[m]
        if isinstance(m, ns.SpikeMonitor):
            out += [m.indices, m.steps]
        else:
            out += [m.t, m.values if hasattr(m, "values") else m.data]
    return out


def assert_same(a, mons_a, b, mons_b) -> None:
    """Bit for bit: the run state and all records of two simulators."""
    sa, sb = a.snapshot(), b.snapshot()
    assert sa.keys() == sb.keys()
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)
    ra, rb = records(a, mons_a), records(b, mons_b)
    assert len(ra) == len(rb)
    for x, y in zip(ra, rb, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
