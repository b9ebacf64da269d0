"""Device ceilings measured beside the GPU benchmarks (``benchmarks/gpu_suite.py``).

Two microbenchmark kernels, so that a benchmark's figure can be read as a
fraction of what the same device does in the same run:

* :func:`scatter_add`: ``out[idx[e]] += w[e]`` with atomics, one thread per
  event; the ceiling of spike propagation that scatters synaptic events.
* :func:`fma_chains`: eight independent fused multiply-add chains per thread
  held in registers; the arithmetic peak (2 flops per FMA) in float32 or
  float64.

Their signatures are declared next to them, so the compile gate builds them
without a simulator recording. Imported lazily (it imports ``numba.cuda``).
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from .._jit import cuda_kernel

#: FMA chains per thread in :func:`fma_chains` (independent, to fill the pipes).
N_CHAINS = 8


@cuda_kernel(
    signatures=[
        "void(int64[::1], float32[::1], float32[::1])",
        "void(int64[::1], float64[::1], float64[::1])",
    ]
)
def _scatter_add_kernel(idx, w, out):
    """``out[idx[e]] += w[e]`` for every event ``e`` (atomic; grid-stride).

    Reads ``idx``, ``w``; modifies ``out`` in place.
    """
    start = cuda.grid(1)
    for e in range(start, idx.shape[0], cuda.gridsize(1)):
        cuda.atomic.add(out, idx[e], w[e])


@cuda_kernel(
    signatures=[
        "void(int64, float32, float32, float32[::1])",
        "void(int64, float64, float64, float64[::1])",
    ]
)
def _fma_kernel(n_iter, b, c, out):
    """Eight chains ``a <- a * b + c``, ``n_iter`` times; ``out[i]`` = their sum.

    Reads and overwrites ``out`` (its values seed the chains, so the dtype of
    ``out``, ``b`` and ``c`` is the precision measured).
    """
    i = cuda.grid(1)
    if i < out.shape[0]:
        a0 = out[i]
        a1 = a0 + c
        a2 = a1 + c
        a3 = a2 + c
        a4 = a3 + c
        a5 = a4 + c
        a6 = a5 + c
        a7 = a6 + c
        for _ in range(n_iter):
            a0 = a0 * b + c
            a1 = a1 * b + c
            a2 = a2 * b + c
            a3 = a3 * b + c
            a4 = a4 * b + c
            a5 = a5 * b + c
            a6 = a6 * b + c
            a7 = a7 * b + c
        out[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7


def scatter_add(idx, w, out, blocks: int, threads: int) -> None:
    """Launch :func:`_scatter_add_kernel` on device arrays (no synchronisation)."""
    _scatter_add_kernel[blocks, threads](idx, w, out)


def fma_chains(n_iter: int, out, blocks: int, threads: int) -> int:
    """Launch :func:`_fma_kernel` on the device array ``out``; returns its flops.

    ``b`` slightly below 1 keeps the chains finite for any ``n_iter``.
    """
    dtype = np.dtype(out.dtype).type
    _fma_kernel[blocks, threads](n_iter, dtype(0.9999999), dtype(1e-7), out)
    return 2 * N_CHAINS * int(n_iter) * int(out.shape[0])
