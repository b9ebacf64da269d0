"""Compaction of the per-neuron spike buffers the neuron drivers fill."""

from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import njit


@njit(parallel=True)
def compact_spikes(spk_buf, spk_off, kept, out_off, out):
    """Copy each neuron's stored spike times into one gap-free array.

    Parameters
    ----------
    spk_buf : (capacity_total,) ndarray
        Neuron ``i``'s spike times start at ``spk_buf[spk_off[i]]``.
    spk_off : (n_neurons + 1,) int64 ndarray
        Buffer offsets.
    kept : (n_neurons,) int64 ndarray
        How many entries of neuron ``i``'s buffer are filled.
    out_off : (n_neurons,) int64 ndarray
        Where neuron ``i``'s entries go in ``out`` (exclusive cumulative sum of
        ``kept``).
    out : (kept.sum(),) ndarray
        **Written**: ``out[out_off[i] + q] = spk_buf[spk_off[i] + q]`` for
        ``q < kept[i]``.
    """
    for i in prange(kept.shape[0]):
        src = spk_off[i]
        dst = out_off[i]
        for q in range(kept[i]):
            out[dst + q] = spk_buf[src + q]


def compact(spk_buf: np.ndarray, spk_off: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Neuron-by-neuron spike times without the unused room (a new array)."""
    out_off = np.cumsum(kept) - kept
    out = np.empty(int(kept.sum()), dtype=spk_buf.dtype)
    compact_spikes(spk_buf, spk_off, kept, out_off, out)
    return out
