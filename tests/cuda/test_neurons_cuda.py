"""CPU and CUDA population kernels agree (real GPU or NUMBA_ENABLE_CUDASIM=1).

Run under the simulator by tests/test_cuda_sim.py in a subprocess, since the
variable must be set before numba is imported.
"""

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda")
if not cuda.is_available():
    pytest.skip("no CUDA device (or simulator)", allow_module_level=True)

import neurosim as ns  # noqa: E402
from neurosim import _config  # noqa: E402
from neurosim.kernels import hh_cuda, lif_cuda  # noqa: E402

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def small_grid(monkeypatch):
    # 4 threads per block and at most 2 blocks: 11 neurons span several blocks,
    # leave idle threads in the tail, and need the grid-stride loop.
    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 4)
    monkeypatch.setattr(lif_cuda, "MAX_BLOCKS", 2)
    monkeypatch.setattr(hh_cuda, "MAX_BLOCKS", 2)


def _agree(a, b):
    assert b.backend == "cuda" and a.backend == "cpu"
    # Same source compiled twice; float64 results agree to 1e-12 (the issue's
    # bound; under the simulator they are bit-identical).
    np.testing.assert_allclose(b.v, a.v, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(b.spike_counts, a.spike_counts)
    for x, y in zip(a.spike_times, b.spike_times, strict=True):
        np.testing.assert_allclose(y, x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("varying", [False, True])
def test_lif_cpu_equals_cuda(varying):
    n_steps = 150
    J = np.linspace(0.5, 6.0, 11)
    if varying:
        J = J * (1.0 + 0.5 * np.sin(np.arange(n_steps) * 0.1))[:, None]
    kw = dict(dt=1e-3, t_end=n_steps * 1e-3)
    a = ns.simulate_neurons(ns.LIF(), J, backend="cpu", **kw)
    b = ns.simulate_neurons(ns.LIF(), J, backend="cuda", **kw)
    assert a.spike_counts.sum() > 20
    _agree(a, b)


@pytest.mark.parametrize("method", ["exponential_euler", "rk4"])
def test_hh_cpu_equals_cuda(method):
    n_steps = 300  # 6 ms at 0.02 ms: the first spike of every driven neuron
    I = np.linspace(0.0, 30.0, 11)
    I = I * (1.0 + 0.1 * np.cos(np.arange(n_steps) * 0.05))[:, None]
    kw = dict(dt=2e-5, t_end=n_steps * 2e-5, method=method)
    a = ns.simulate_neurons(ns.HodgkinHuxley(), I, backend="cpu", **kw)
    b = ns.simulate_neurons(ns.HodgkinHuxley(), I, backend="cuda", **kw)
    assert a.spike_counts.sum() >= 8
    _agree(a, b)


def test_hh_cuda_reports_instability():
    with pytest.raises(ns.UnstableStepError):
        ns.simulate_neurons(
            ns.HodgkinHuxley(), 20.0, dt=1e-4, t_end=0.01, method="rk4",
            backend="cuda",
        )  # fmt: skip
