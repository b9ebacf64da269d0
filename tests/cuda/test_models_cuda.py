"""User-described models (ns.NeuronModel) on CUDA equal the CPU.

The CPU kernel and the CUDA kernel are generated from one template and the
model's functions are the same source compiled twice; under
NUMBA_ENABLE_CUDASIM=1 the results are bit-identical.
"""

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda")
if not cuda.is_available():
    pytest.skip("no CUDA device (or simulator)", allow_module_level=True)

import neurosim as ns  # noqa: E402
from neurosim import _config  # noqa: E402
from neurosim.kernels import models  # noqa: E402

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def small_grid(monkeypatch):
    # 2 threads per block, at most 2 blocks: 5 neurons need the grid-stride loop.
    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 2)
    monkeypatch.setattr(models, "MAX_BLOCKS", 2)


@pytest.mark.parametrize(
    ("model", "current", "method"),
    [
        (ns.Izhikevich(a=np.array([0.02, 0.02, 0.02, 0.1, 0.1])), 10.0, None),
        (ns.AdaptiveLIF(inc_n=0.05), np.linspace(1.5, 3.0, 5), None),
        (ns.AdaptiveLIF(inc_n=0.05), np.linspace(1.5, 3.0, 5), "exact"),
        (ns.AdEx(b=np.linspace(0.0, 80.5, 5)), 800.0, "rk2"),
    ],
)
def test_models_on_cuda_equal_cpu(model, current, method):
    kw = {"dt": 1e-4, "t_end": 0.05, "method": method, "record": True}
    a = ns.simulate_neurons(model, current, backend="cpu", **kw)
    b = ns.simulate_neurons(model, current, backend="cuda", **kw)
    assert b.backend == "cuda" and a.spike_counts.sum() > 5
    for name in a.state:
        np.testing.assert_allclose(b.state[name], a.state[name], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(b.spike_counts, a.spike_counts)
    np.testing.assert_allclose(b.spike_times_flat, a.spike_times_flat, atol=1e-12)


def test_network_with_model_groups_on_cuda_equals_cpu(monkeypatch):
    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 4)
    out = {}
    for backend in ("cpu", "cuda"):
        net = ns.Network(seed=4)
        drive = net.add(ns.NeuronGroup(6, ns.PoissonSource(rate=400.0)))
        P = net.add(ns.NeuronGroup(7, ns.Izhikevich.from_set("RS")))
        Q = net.add(ns.NeuronGroup(5, ns.AdaptiveLIF(inc_n=0.1), bias=0.9))
        net.connect(drive, P, ns.Random(0.6, 0.2), synapse=ns.Lowpass(0.003))
        net.connect(P, Q, ns.Random(0.5, 0.02), synapse=ns.Lowpass(0.005))
        net.connect(Q, P, ns.Random(0.5, -0.1), synapse=ns.Lowpass(0.005))
        mons = (net.monitor_spikes(P), net.monitor_spikes(Q))
        states = (net.monitor_state(P, "u", record=[0, 6]),
                  net.monitor_state(Q, "n", record=True, every=2))  # fmt: skip
        ns.Simulator(net, dt=1e-4, backend=backend, progress=False).run(0.03)
        out[backend] = mons, states
    (sc, stc), (sg, stg) = out["cpu"], out["cuda"]
    assert sum(m.indices.size for m in sc) > 5
    for a, b in zip(sc, sg, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    for a, b in zip(stc, stg, strict=True):
        np.testing.assert_allclose(b.values, a.values, rtol=0, atol=1e-12)


def test_network_with_conductance_ports_on_cuda_equals_cpu(monkeypatch):
    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 4)
    out = {}
    for backend in ("cpu", "cuda"):
        net = ns.Network(seed=5)
        exc = net.add(ns.NeuronGroup(6, ns.PoissonSource(rate=400.0)))
        inh = net.add(ns.NeuronGroup(3, ns.PoissonSource(rate=200.0)))
        # conductance ports ge, gi (nS) with E_i per neuron; I in pA
        P = net.add(ns.NeuronGroup(7, ns.TraubMiles(E_i=np.linspace(-85, -70, 7))))
        net.connect(exc, P, ns.Random(0.6, 30 * 5e-3), synapse=ns.Lowpass(0.005),
                    port="ge")  # fmt: skip
        net.connect(inh, P, ns.Random(0.6, 20 * 1e-2), synapse=ns.Lowpass(0.01),
                    port="gi")  # fmt: skip
        net.add_input(P, 5.0, port="gi")
        net.add_input(P, lambda t: 50.0 + 0.0 * t)
        mons = (net.monitor_spikes(P),)
        states = (net.monitor_state(P, "v", record=True),)
        ns.Simulator(net, dt=1e-4, backend=backend, progress=False).run(0.03)
        out[backend] = mons, states
    (sc, stc), (sg, stg) = out["cpu"], out["cuda"]
    assert sum(m.indices.size for m in sc) > 5
    for a, b in zip(sc, sg, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    for a, b in zip(stc, stg, strict=True):
        np.testing.assert_allclose(b.values, a.values, rtol=0, atol=1e-12)
