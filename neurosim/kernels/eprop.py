"""e-prop's online accumulation of eligibility traces and learning signals."""

from __future__ import annotations

import numpy as np

from .._jit import njit


@njit
def eprop_accumulate(psi, eps, L, kappa, grad):  # pragma: no cover - compiled
    r"""Add :math:`\sum_{b,t} L^{b}_{t,j} \bar e^{b}_{t,jk}` to ``grad`` (H, K).

    Reads the pseudo-derivatives ``psi`` (T, B, H), the presynaptic
    eligibility vectors ``eps`` (T, B, K) and the learning signals ``L``
    (T, B, H). The filtered eligibility trace
    :math:`\bar e_{t,jk} = \kappa \bar e_{t-1,jk} + \psi_{t,j} \epsilon_{t,k}`
    is carried forward in time, one (H, K) matrix per sample, as an online
    learner would. Modifies ``grad`` in place.
    """
    T, B, H = psi.shape
    K = eps.shape[2]
    ebar = np.zeros(K, dtype=grad.dtype)
    for j in range(H):
        for b in range(B):
            ebar[:] = 0
            for t in range(T):
                p = psi[t, b, j]
                lt = L[t, b, j]
                for k in range(K):
                    e = kappa * ebar[k] + p * eps[t, b, k]
                    ebar[k] = e
                    grad[j, k] += lt * e
