"""NeuronModel groups in a network: every model x connection kind x monitor kind.

``test_network_parity`` covers the built-in neuron kinds of the network
kernel; this file covers the user-describable models (``ns.NeuronModel``,
compiled from one source for the CPU loop and as CUDA group kernels) of the
package's zoo, Traub-Miles with its synapses on its conductance ports. One
network holds a group of each model (so the generated loop compiles once);
each group receives every connection kind (dense, ``Random`` and scipy CSR,
``OneToOne``, ``Factored``, delayed, multi-state, plastic STDP, recurrent)
and carries every monitor kind (spikes, every state variable,
``J``, a readout, weights). The CPU and CUDA backends must agree bit for bit
under the CUDA simulator (``parity`` bound on a real GPU).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.sim.monitors import ReadoutMonitor

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 1e-4
N = 4
# model -> (input scale: about an input that makes it fire within a few ms,
# initial v between rest and threshold, the port the connections drive and
# that port's scale). Traub-Miles takes its synapses as conductances (nS) on
# ``ge`` (recurrent ones on ``gi``), as in Brian2's COBAHH; the others on
# their first port. ExpIF starts up to its cut-off, where uncapped RK4
# stages would overflow exp() (inf on the CPU and a device, OverflowError in
# the CUDA simulator's Python math).
MODELS = {
    "izhikevich": (ns.Izhikevich.from_set("FS"), 40.0, (-60.0, -50.0), None, 40.0),
    "adex": (ns.AdEx(), 2500.0, (-55.0, -48.0), None, 2500.0),
    "adaptive_lif": (ns.AdaptiveLIF(inc_n=0.05), 3.0, (0.0, 0.9), None, 3.0),
    "adaptive_threshold": (
        ns.AdaptiveThresholdLIF(tau_rc=0.01),
        4.0,
        (0, 0.9),
        None,
        4.0,
    ),
    "exp_if": (ns.ExpIF(), 60.0, (-50.0, -30.5), None, 60.0),
    "traub_miles": (ns.TraubMiles(), 1000.0, (-65.0, -55.0), "ge", 20.0),
}


def _network(seed: int = 3):
    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    drive = net.add(ns.NeuronGroup(N + 2, ns.PoissonSource(rate=500.0)))
    spikes, states, readouts, weights = [net.monitor_spikes(drive)], [], [], []
    stdp = ns.learning.STDP(a_plus=0.05, a_minus=0.05, w_max=np.inf)
    lp = ns.Lowpass(0.002)
    for name, (model, s, v_range, port, s_port) in MODELS.items():
        T = net.add(ns.NeuronGroup(N, model, v0=rng.uniform(*v_range, N),
                                   bias=np.linspace(0.9, 1.3, N) * s))  # fmt: skip
        # a spike's charge: the drive adds about 0.2 s_port each
        w = 0.2 * s_port / 3000.0
        on = {"port": port}
        net.connect(drive, T, rng.uniform(0, 2 * w, (N + 2, N)), synapse=lp, **on)
        net.connect(drive, T, ns.Random(0.5, 2 * w), synapse=ns.Alpha(0.002),
                    delay=2 * DT, **on)  # fmt: skip
        csr = scipy.sparse.random(N + 2, N, density=0.5, random_state=seed)
        net.connect(drive, T, (csr * 4 * w).tocsr(), synapse=lp, delay=DT, **on)
        net.connect(drive[:N], T, ns.OneToOne(3 * w), synapse=None, **on)
        F = ns.Factored(rng.uniform(0, 1, (N + 2, 2)), rng.uniform(0, 2 * w, (2, N)))
        net.connect(drive, T, F, synapse=lp, **on)
        if port is None:
            net.connect(T, T, rng.normal(0, w, (N, N)), synapse=lp, delay=DT)
        else:  # inhibitory conductances: positive, on the other port
            net.connect(T, T, rng.uniform(0, w, (N, N)), synapse=lp, delay=DT,
                        port="gi")  # fmt: skip
        plastic = net.connect(drive, T, rng.uniform(0, 2 * w, (N + 2, N)),
                              synapse=lp, plasticity=stdp, **on)  # fmt: skip
        spikes.append(net.monitor_spikes(T))
        states += [net.monitor_state(T, var, record=True) for var in model.state]
        states.append(net.monitor_state(T, "J", record=[0, N - 1], every=2))
        readouts.append(net.monitor_readout(T, rng.normal(size=(N, 2)), lp))
        weights.append(net.monitor_weights(plastic, record=True, every=5))
    return net, spikes, states + readouts + weights


def _values(mon):
    return mon.data if isinstance(mon, ReadoutMonitor) else mon.values


def test_every_model_connection_and_monitor(parity, monkeypatch):
    from neurosim import _config

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 4)
    out = {}
    for backend in ("cpu", "cuda"):
        net, spikes, others = _network()
        sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
        sim.run(30 * DT)
        sim.run(20 * DT)  # a continuation
        out[backend] = spikes, others
    (sc, oc), (sg, og) = out["cpu"], out["cuda"]
    for a, b in zip(sc, sg, strict=True):
        assert a.indices.size > 0  # every group fires
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    for a, b in zip(oc, og, strict=True):
        assert np.ptp(_values(a)) > 0  # the recorded quantity moves
        parity(_values(a), _values(b))
