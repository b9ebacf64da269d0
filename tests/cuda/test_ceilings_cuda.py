"""The ceiling microbenchmarks of benchmarks/gpu_suite.py compute what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

from numba import cuda  # noqa: E402

from neurosim.kernels import ceilings_cuda as C  # noqa: E402

pytestmark = pytest.mark.cuda


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_add_equals_numpy_add_at(dtype, rng):
    idx = rng.integers(0, 7, size=50)  # many events per target: atomics contend
    w = rng.integers(-3, 4, size=50).astype(dtype)  # integers: exact in any order
    out = cuda.to_device(np.zeros(7, dtype))
    C.scatter_add(cuda.to_device(idx), cuda.to_device(w), out, blocks=3, threads=8)
    ref = np.zeros(7, dtype)
    np.add.at(ref, idx, w)
    np.testing.assert_array_equal(out.copy_to_host(), ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_chains_compute_eight_recurrences(dtype):
    n_iter = 6
    seed = np.linspace(0.5, 2.0, 20).astype(dtype)
    out = cuda.to_device(seed)
    flops = C.fma_chains(n_iter, out, blocks=3, threads=8)
    assert flops == 2 * C.N_CHAINS * n_iter * seed.size
    b, c = dtype(0.9999999), dtype(1e-7)
    total = np.zeros_like(seed)
    a = seed.copy()
    for _ in range(C.N_CHAINS):
        x = a.copy()
        for _ in range(n_iter):
            x = x * b + c
        total = total + x
        a = a + c
    # a device fuses each multiply-add (one rounding instead of two)
    np.testing.assert_allclose(
        out.copy_to_host(), total, rtol=16 * n_iter * np.finfo(dtype).eps
    )
