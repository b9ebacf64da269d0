"""Leaky integrate-and-fire layers over time, for training by surrogate gradients.

The time loops of :class:`neurosim.ann.spiking.LIFSequenceFn`: a forward pass
that records what the backward pass needs, and backpropagation through time.
Arrays are time-major, ``(T, N, H)`` = (steps, batch, neurons). Both kernels
run the steps ``t0 .. t1-1`` only, so a recurrent layer can call them one step
at a time and add its recurrent matrix products (numpy/BLAS) in between; a
feed-forward layer calls each once for the whole sequence.

Model (see ``neurosim.ann.spiking`` for the equations): ``beta`` (H,) decay
per step, ``thr`` the threshold, ``zero`` 1 for reset to zero and 0 for reset
by subtraction, ``delay`` 1 when a spike resets the membrane one step later
(snnTorch's ``reset_delay=True``), ``detach`` 1 when the reset carries no
gradient. Surrogate ``kind`` 0 is arctan with ``param`` = alpha, 1 the fast
sigmoid with ``param`` = slope.
"""

from __future__ import annotations

import math

from .._jit import inline, njit


def _surrogate(x, kind, param):  # pragma: no cover - compiled
    """d spike / d membrane of the surrogate at ``x`` = membrane - threshold."""
    if kind == 0:
        # snnTorch ATan: alpha / 2 / (1 + (pi / 2 * alpha * x) ** 2)
        y = math.pi / 2 * param * x
        return param / 2 / (1 + y * y)
    d = param * abs(x) + 1
    return 1 / (d * d)


_surrogate_cpu = inline(_surrogate)


@njit
def lif_forward(
    C, u0, r0, U, S, PRE, SG, t0, t1, beta, thr, zero, delay, kind, param
):  # pragma: no cover - compiled
    """Steps ``t0 .. t1-1`` of the LIF layer.

    Reads the input currents ``C`` (T, N, H), the initial membrane ``u0`` and
    initial reset flags ``r0`` (N, H) (used at t = 0 only), and ``U``/``S`` of
    step t-1. Writes, for each step, ``U`` the membrane after any reset (the
    layer's state output), ``S`` the spikes (0/1), ``PRE`` the membrane the
    spike is read from and ``SG`` the surrogate derivative there.
    """
    _, N, H = C.shape
    for t in range(t0, t1):
        for n in range(N):
            for h in range(H):
                if t > 0:
                    u_prev = U[t - 1, n, h]
                    r = S[t - 1, n, h]
                else:
                    u_prev = u0[n, h]
                    r = r0[n, h]
                c = C[t, n, h]
                if delay:
                    # snnTorch order of operations, so that float64 results agree
                    if zero:
                        pre = beta[h] * ((1 - r) * u_prev) + c
                    else:
                        pre = (beta[h] * u_prev + c) - r * thr
                else:
                    pre = beta[h] * u_prev + c
                x = pre - thr
                s = 1.0 if x > 0 else 0.0
                PRE[t, n, h] = pre
                S[t, n, h] = s
                SG[t, n, h] = _surrogate_cpu(x, kind, param)
                if delay:
                    U[t, n, h] = pre
                elif zero:
                    U[t, n, h] = pre * (1 - s)
                else:
                    U[t, n, h] = pre - thr * s


@njit
def lif_backward(
    GS, GU, DSREC, S, PRE, SG, DPRE, t0, t1, beta, thr, zero, delay, detach
):  # pragma: no cover - compiled
    """Backpropagation through steps ``t1-1`` down to ``t0``.

    Reads the output gradients ``GS`` (d loss / d spikes) and ``GU`` (d loss /
    d membrane output), ``DSREC`` (N, H) (d loss / d spikes of step ``t1-1``
    through the recurrent weights, added at that step only), the forward
    records ``S``, ``PRE``, ``SG``, and ``DPRE`` of step ``t1`` when
    ``t1 < T``. Writes ``DPRE[t]`` = d loss / d (input current of step t).
    """
    T, N, H = GS.shape
    for t in range(t1 - 1, t0 - 1, -1):
        for n in range(N):
            for h in range(H):
                dn = DPRE[t + 1, n, h] if t + 1 < T else 0.0
                ds = GS[t, n, h]
                if t == t1 - 1:
                    ds += DSREC[n, h]
                if delay:
                    # u_{t+1} = beta (1 - zero r_{t+1}) u_t + ..., r_{t+1} = s_t
                    du = GU[t, n, h] + beta[h] * (1 - zero * S[t, n, h]) * dn
                    DPRE[t, n, h] = du + SG[t, n, h] * ds
                else:
                    du = GU[t, n, h] + beta[h] * dn
                    s = S[t, n, h]
                    if not detach:
                        ds -= du * (PRE[t, n, h] if zero else thr)
                    keep = (1 - s) if zero else 1.0
                    DPRE[t, n, h] = du * keep + SG[t, n, h] * ds
