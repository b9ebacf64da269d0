"""neurosim.kernels.spike_buffers: compaction of per-neuron spike buffers."""

from __future__ import annotations

import numpy as np

from neurosim.kernels.spike_buffers import compact


def test_compact_keeps_each_neurons_filled_entries_in_order():
    rng = np.random.default_rng(0)
    capacity = np.array([3, 0, 5, 1, 4, 2])
    kept = np.array([2, 0, 5, 0, 1, 2])  # full, empty, partly filled buffers
    off = np.concatenate([[0], np.cumsum(capacity)])
    buf = rng.uniform(size=off[-1])
    expected = np.concatenate(
        [buf[off[i] : off[i] + kept[i]] for i in range(kept.size)]
    )
    out = compact(buf, off, kept)
    assert np.array_equal(out, expected)  # entries are moved, not computed: exact
