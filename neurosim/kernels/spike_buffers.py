"""Compaction of the per-neuron spike buffers the neuron drivers fill."""

from __future__ import annotations

import numpy as np

from .._jit import njit


@njit
def compact_spikes(spk_buf, spk_off, kept):
    """Move each neuron's stored spike times to the front of ``spk_buf``, in place.

    Parameters
    ----------
    spk_buf : (capacity_total,) ndarray
        Neuron ``i``'s spike times start at ``spk_buf[spk_off[i]]``;
        **overwritten**: on return ``spk_buf[:total]`` holds the filled entries
        of neuron 0, then neuron 1, and so on.
    spk_off : (n_neurons + 1,) int64 ndarray
        Buffer offsets.
    kept : (n_neurons,) int64 ndarray
        How many entries of neuron ``i``'s buffer are filled
        (``<= spk_off[i + 1] - spk_off[i]``).

    Returns
    -------
    total : int
        ``kept.sum()``.

    Notes
    -----
    A single forward pass: every entry moves to an index no larger than the
    one it comes from, so it is never overwritten before it is read. Working
    in place avoids allocating (and page-faulting in) a second array as large
    as all the spikes.
    """
    dst = 0
    for i in range(kept.shape[0]):
        src = spk_off[i]
        for q in range(kept[i]):
            spk_buf[dst + q] = spk_buf[src + q]
        dst += kept[i]
    return dst


def compact(spk_buf: np.ndarray, spk_off: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Neuron-by-neuron spike times without the unused room.

    Compacts ``spk_buf`` in place (see :func:`compact_spikes`) and returns the
    filled front of it (a view).
    """
    return spk_buf[: compact_spikes(spk_buf, spk_off, kept)]
