"""Fused per-step kernels of the LSTM (compiled by :mod:`neurosim._jit`).

The transcendental functions stay in numpy (SIMD ``tanh`` over whole arrays);
these loops fuse the cheap arithmetic around them, which would otherwise cost
one numpy call (and one temporary array) per operation and per time step.
Gate order inside the kernels is (o, i, f, g), see ``recurrent._lstm_perm``.

Written for the auto-vectoriser: one short loop per gate block, and the
constants (``half``, ``one``) passed in the arrays' dtype, so float32 data is
not promoted to float64 element by element.
"""

from __future__ import annotations

from .._jit import njit


@njit
def lstm_cell_forward(a, c_prev, c, half):  # pragma: no cover - compiled
    """``a`` holds tanh(a_o/2), tanh(a_i/2), tanh(a_f/2), tanh(a_g) per row.

    Turns the first three blocks into sigmoids, sigma = (1 + tanh(a/2)) / 2, in
    place, and writes the new cell state c = f c_prev + i g.
    """
    N, H = c.shape
    for n in range(N):
        for j in range(3 * H):
            a[n, j] = half * a[n, j] + half
        for j in range(H):
            c[n, j] = a[n, 2 * H + j] * c_prev[n, j] + a[n, H + j] * a[n, 3 * H + j]


@njit
def lstm_cell_backward(g, dh_rec, gates, tc, c_prev, dc, da, one):  # pragma: no cover
    """One step of LSTM backpropagation through time.

    ``g``: d loss / d h_t from the output; ``dh_rec``: from step t+1 through
    W_hh; ``gates``: (o, i, f, g) values; ``tc`` = tanh(c_t); ``dc``: d loss /
    d c_t from step t+1, replaced by d loss / d c_{t-1}; ``da``: written with
    d loss / d (pre-activations) of step t.
    """
    N, H = tc.shape
    for n in range(N):
        for j in range(H):  # output gate; total cell gradient of step t
            o = gates[n, j]
            t = tc[n, j]
            dh = g[n, j] + dh_rec[n, j]
            dc[n, j] += dh * o * (one - t * t)
            da[n, j] = dh * t * o * (one - o)
        for j in range(H):  # input gate
            i = gates[n, H + j]
            da[n, H + j] = dc[n, j] * gates[n, 3 * H + j] * i * (one - i)
        for j in range(H):  # forget gate
            f = gates[n, 2 * H + j]
            da[n, 2 * H + j] = dc[n, j] * c_prev[n, j] * f * (one - f)
        for j in range(H):  # candidate
            gg = gates[n, 3 * H + j]
            da[n, 3 * H + j] = dc[n, j] * gates[n, H + j] * (one - gg * gg)
        for j in range(H):  # carried to c_{t-1}
            dc[n, j] *= gates[n, 2 * H + j]
