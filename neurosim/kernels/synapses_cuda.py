"""GPU sibling of :mod:`neurosim.kernels.synapses` (numba.cuda).

The device function is the same plain ``_lti_update`` the CPU drivers inline,
compiled with :func:`neurosim._jit.cuda_device` and called by one thread per
channel with the channel range ``[c, c + 1)``. Neighbouring threads read and
write neighbouring columns of the time-major ``u`` and ``y``, so each time
step's accesses are coalesced. Import this module lazily (it imports
``numba.cuda``).
"""

from __future__ import annotations

import numpy as np
from numba import cuda

from .. import _config
from .._jit import cuda_device, cuda_kernel, require_cuda
from .cuda_memory import check_device_memory
from .synapses import _lti_update

_lti_update_dev = cuda_device(_lti_update)


@cuda_kernel
def _lti_run_kernel(A, B, C, D, u, X, tmp, y):
    """One thread per channel (grid-stride); the whole time loop inside.

    Reads ``u (n_steps, n_channels)``; modifies ``X`` and ``tmp``
    ``(n, n_channels)`` and writes ``y (n_steps, n_channels)``.
    """
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    n_steps, n_ch = u.shape
    for c in range(start, n_ch, stride):
        for k in range(n_steps):
            _lti_update_dev(A, B, C, D, X, tmp, u, y, k, c, c + 1)


def lti_run_cuda(
    A: np.ndarray,
    B: np.ndarray,
    C: np.ndarray,
    D: float,
    u: np.ndarray,
    X: np.ndarray,
    threads_per_block: int | None = None,
) -> np.ndarray:
    """Filter ``u (n_steps, n_channels)`` on the GPU; same contract as ``lti_run``.

    ``X (n, n_channels)`` is updated in place to the final state; returns
    ``y (n_steps, n_channels)``. Inputs are copied to the device once and
    the results back once.
    """
    require_cuda()
    tpb = _config.THREADS_PER_BLOCK if threads_per_block is None else threads_per_block
    n_ch = u.shape[1]
    nbytes = A.nbytes + B.nbytes + C.nbytes + 2 * X.nbytes + 16 * u.size
    check_device_memory(nbytes, f"synapse run of {u.shape[0]} steps x {n_ch} channels")
    d_u = cuda.to_device(np.ascontiguousarray(u, dtype=np.float64))
    d_X = cuda.to_device(X)
    d_tmp = cuda.device_array_like(X)
    d_y = cuda.device_array_like(d_u)
    blocks = max(1, (n_ch + tpb - 1) // tpb)
    _lti_run_kernel[blocks, tpb](
        cuda.to_device(A), cuda.to_device(B), cuda.to_device(C), D, d_u, d_X, d_tmp, d_y
    )
    d_X.copy_to_host(X)
    return d_y.copy_to_host()
