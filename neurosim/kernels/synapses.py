"""numba kernels for linear synapses in discrete state-space form.

Every filter, whatever its order, runs as the single-input single-output
difference equation (one channel ``c``)::

    y[k]      = C @ x[c] + D * u[k]
    x[c]     <- A @ x[c] + B * u[k]

with ``(A, B, C, D)`` from :meth:`neurosim.synapses.LinearFilter.discretize`.
:func:`lti_update` does this for one channel and one step. It is written once
as a plain function and compiled by :mod:`neurosim._jit`, so the offline driver
(:func:`lti_run`, used by ``filt``) and the online one (:func:`lti_step`, used
by ``step_function``) execute the same arithmetic in the same order and agree
bit for bit. It allocates nothing (``tmp`` is scratch space), so the same
function can also be compiled as a ``numba.cuda`` device function.
"""

from __future__ import annotations

import numba
import numpy as np

from .._jit import inline, njit

# Channels handled together inside one time step of lti_run: the input array is
# time-major (n_steps, n_channels), so a block of neighbouring channels is read
# from contiguous memory, while each prange iteration still owns its channels
# for the whole time loop.
_BLOCK = 64


def _lti_update(A, B, C, D, X, c, tmp, u):
    """Advance channel ``c`` by one step and return its output.

    Reads ``A (n, n)``, ``B (n,)``, ``C (n,)``, ``D`` (scalar) and ``u``
    (scalar input); modifies ``X[c, :]`` (the channel's state) and ``tmp[:n]``
    (scratch) in place. Returns ``y = C @ X[c] + D * u`` computed *before* the
    state update, so for strictly proper filters (``D == 0``) the input reaches
    the output one step later.
    """
    n = A.shape[0]
    y = D * u
    for i in range(n):
        y += C[i] * X[c, i]
    for i in range(n):
        acc = B[i] * u
        for j in range(n):
            acc += A[i, j] * X[c, j]
        tmp[i] = acc
    for i in range(n):
        X[c, i] = tmp[i]
    return y


lti_update = inline(_lti_update)


@njit(parallel=True)
def lti_run(A, B, C, D, u, X, y):
    """Filter every channel over the whole time loop.

    Reads ``u (n_steps, n_channels)``; modifies ``X (n_channels, n)`` (state,
    left at its final value) and writes ``y (n_steps, n_channels)``.
    Parallel over blocks of channels (``prange``); the time loop is inside.
    """
    n_steps, n_ch = u.shape
    n = A.shape[0]
    n_blocks = (n_ch + _BLOCK - 1) // _BLOCK
    for b in numba.prange(n_blocks):
        tmp = np.empty(n, dtype=X.dtype)
        c0 = b * _BLOCK
        c1 = min(c0 + _BLOCK, n_ch)
        for k in range(n_steps):
            for c in range(c0, c1):
                y[k, c] = lti_update(A, B, C, D, X, c, tmp, u[k, c])


@njit
def lti_step(A, B, C, D, u, X, tmp, y):
    """One online step for every channel.

    Reads ``u (n_channels,)``; modifies ``X (n_channels, n)`` and ``tmp (n,)``
    in place and writes ``y (n_channels,)``.
    """
    for c in range(u.shape[0]):
        y[c] = lti_update(A, B, C, D, X, c, tmp, u[c])
