"""Fused per-step kernels of the LSTM (compiled by :mod:`neurosim._jit`).

The transcendental functions stay in numpy (SIMD ``tanh`` over whole arrays);
these loops fuse the cheap arithmetic around them, which would otherwise cost
one numpy call (and one temporary array) per operation and per time step.
Gate order inside the kernels is (o, i, f, g), see ``recurrent._lstm_perm``.
"""

from __future__ import annotations

from .._jit import njit


@njit
def lstm_cell_forward(a, c_prev, c):  # pragma: no cover - compiled
    """``a`` holds tanh(a_o/2), tanh(a_i/2), tanh(a_f/2), tanh(a_g) per row.

    Turns the first three blocks into sigmoids, sigma = (1 + tanh(a/2)) / 2, in
    place, and writes the new cell state c = f c_prev + i g.
    """
    N, H = c.shape
    for n in range(N):
        for j in range(H):
            o = 0.5 * a[n, j] + 0.5
            i = 0.5 * a[n, H + j] + 0.5
            f = 0.5 * a[n, 2 * H + j] + 0.5
            a[n, j] = o
            a[n, H + j] = i
            a[n, 2 * H + j] = f
            c[n, j] = f * c_prev[n, j] + i * a[n, 3 * H + j]


@njit
def lstm_cell_backward(g, dh_rec, gates, tc, c_prev, dc, da):  # pragma: no cover
    """One step of LSTM backpropagation through time.

    ``g``: d loss / d h_t from the output; ``dh_rec``: from step t+1 through
    W_hh; ``gates``: (o, i, f, g) values; ``tc`` = tanh(c_t); ``dc``: d loss /
    d c_t from step t+1, replaced by d loss / d c_{t-1}; ``da``: written with
    d loss / d (pre-activations) of step t.
    """
    N, H = tc.shape
    for n in range(N):
        for j in range(H):
            dh = g[n, j] + dh_rec[n, j]
            o = gates[n, j]
            i = gates[n, H + j]
            f = gates[n, 2 * H + j]
            gg = gates[n, 3 * H + j]
            t = tc[n, j]
            dcv = dc[n, j] + dh * o * (1.0 - t * t)
            da[n, j] = dh * t * o * (1.0 - o)
            da[n, H + j] = dcv * gg * i * (1.0 - i)
            da[n, 2 * H + j] = dcv * c_prev[n, j] * f * (1.0 - f)
            da[n, 3 * H + j] = dcv * i * (1.0 - gg * gg)
            dc[n, j] = dcv * f
