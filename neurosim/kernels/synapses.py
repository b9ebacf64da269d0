"""numba kernels for linear synapses in discrete state-space form.

Every filter, whatever its order ``n``, runs as the single-input single-output
difference equation (for each channel ``c``)::

    y[k, c]  = C @ X[:, c] + D * u[k, c]
    X[:, c] <- A @ X[:, c] + B * u[k, c]

with ``(A, B, C, D)`` from :meth:`neurosim.synapses.LinearFilter.discretize`.
:func:`_lti_update` does this for one step and a range of channels
``[c0, c1)``. It is written once as a plain function and compiled through
:mod:`neurosim._jit`, so the offline driver (:func:`lti_run`, behind ``filt``)
and the online one (:func:`lti_step`, behind ``step_function``) execute the
same arithmetic in the same order for every channel and agree bit for bit.
Channels are independent and the innermost loops run over channels, so the
CPU compiler vectorises them; the function allocates nothing, so a GPU thread
can call it with ``c1 = c0 + 1``.
"""

from __future__ import annotations

import numba

from .._jit import inline, njit


def _lti_update(A, B, C, D, X, tmp, u, y, k, c0, c1):
    """Advance channels ``c0 .. c1-1`` by one step (time index ``k``).

    Reads ``A (n, n)``, ``B (n,)``, ``C (n,)``, ``D`` (scalar) and
    ``u[k, c0:c1]``; writes ``y[k, c0:c1] = C @ X + D u`` computed *before* the
    state update (so for strictly proper filters, ``D == 0``, the input reaches
    the output one step later); modifies ``X[:, c0:c1]`` (the states, one
    column per channel) and ``tmp[:, c0:c1]`` (scratch of the same shape) in
    place. Per channel the operations are, in this order:
    ``y = D u; y += C[i] X[i]`` for ``i = 0..n-1``;
    ``tmp[i] = B[i] u; tmp[i] += A[i, j] X[j]`` for ``j = 0..n-1``; ``X = tmp``.
    """
    n = A.shape[0]
    for c in range(c0, c1):
        y[k, c] = D * u[k, c]
    for i in range(n):
        ci = C[i]
        for c in range(c0, c1):
            y[k, c] += ci * X[i, c]
    for i in range(n):
        bi = B[i]
        for c in range(c0, c1):
            tmp[i, c] = bi * u[k, c]
        for j in range(n):
            aij = A[i, j]
            for c in range(c0, c1):
                tmp[i, c] += aij * X[j, c]
    for i in range(n):
        for c in range(c0, c1):
            X[i, c] = tmp[i, c]


lti_update = inline(_lti_update)


@njit(parallel=True)
def lti_run(A, B, C, D, u, X, tmp, y, block):
    """Filter every channel over the whole time loop.

    Reads ``u (n_steps, n_channels)``; modifies ``X (n, n_channels)`` (state,
    left at its final value) and ``tmp`` (scratch, same shape); writes
    ``y (n_steps, n_channels)``. Parallel (``prange``) over blocks of
    ``block`` neighbouring channels, each owning its block for the whole time
    loop, which is inside; a block's row segment of ``u`` and ``y`` is
    contiguous in the time-major layout.
    """
    n_steps, n_ch = u.shape
    n_blocks = (n_ch + block - 1) // block
    for b in numba.prange(n_blocks):
        c0 = b * block
        c1 = min(c0 + block, n_ch)
        for k in range(n_steps):
            lti_update(A, B, C, D, X, tmp, u, y, k, c0, c1)


@njit
def lti_step(A, B, C, D, u, X, tmp, y):
    """One online step for every channel.

    Reads ``u (1, n_channels)``; modifies ``X (n, n_channels)`` and ``tmp`` in
    place and writes ``y (1, n_channels)``.
    """
    lti_update(A, B, C, D, X, tmp, u, y, 0, 0, u.shape[1])
