"""The PES decoder-learning loop (compiled by :mod:`neurosim._jit`)."""

from __future__ import annotations

from .._jit import njit


@njit
def pes_run(A, target, d, k, out):
    """Decode, compare with the target, correct the decoders; one row per step.

    Reads ``A`` (n_steps, n_neurons) and ``target`` (n_steps, dims); **modifies**
    ``d`` (n_neurons, dims) and ``out`` (n_steps, dims, the decoded values
    before each step's update). ``k = learning_rate * dt / n_neurons``.
    """
    n_steps, n = A.shape
    dims = d.shape[1]
    for t in range(n_steps):
        for m in range(dims):
            s = 0.0
            for i in range(n):
                s += A[t, i] * d[i, m]
            out[t, m] = s
        for m in range(dims):
            e = out[t, m] - target[t, m]
            for i in range(n):
                d[i, m] -= k * e * A[t, i]
