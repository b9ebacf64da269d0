"""The CPU ceiling microbenchmark of benchmarks/scale.py computes what it claims."""

from __future__ import annotations

import numpy as np

from neurosim.kernels.ceilings import scatter_add


def test_scatter_add_cycles_the_pool_and_equals_numpy_add_at(rng):
    idx = rng.integers(0, 7, size=20)  # repeated targets
    w = rng.integers(-3, 4, size=20).astype(float)  # integers: exact sums
    out = np.zeros(7)
    scatter_add(idx, w, out, 45)  # the pool twice, then its first 5 events
    ref = np.zeros(7)
    for _ in range(2):
        np.add.at(ref, idx, w)
    np.add.at(ref, idx[:5], w[:5])
    np.testing.assert_array_equal(out, ref)
    scatter_add(idx, w, out, 0)  # no events: unchanged
    np.testing.assert_array_equal(out, ref)
