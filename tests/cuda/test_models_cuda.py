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
