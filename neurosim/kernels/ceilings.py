"""CPU ceilings measured beside the CPU benchmarks (``benchmarks/scale.py``).

:func:`scatter_add` is ``out[idx[e]] += w[e]`` over a stream of events: the
ceiling of spike propagation, which reads each synapse's target index and
weight in order and adds into the target array at random places. Its cost per
event against the size of ``out`` shows what random access costs once the
target array leaves the caches. The CUDA sibling is
:mod:`neurosim.kernels.ceilings_cuda`.
"""

from __future__ import annotations

from .._jit import njit


@njit
def scatter_add(idx, w, out, n_events):
    """``out[idx[e % m]] += w[e % m]`` for ``e < n_events`` (``m = idx.size``).

    The events cycle through ``idx`` and ``w`` (equal lengths), so a pool of
    random indices longer than the caches stands for a longer stream.
    Reads ``idx``, ``w``; modifies ``out`` in place.
    """
    m = idx.shape[0]
    done = 0
    while done < n_events:
        k = min(m, n_events - done)
        for j in range(k):
            out[idx[j]] += w[j]
        done += k
