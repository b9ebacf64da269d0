"""Fast tuning curves for building NEF populations.

Spiking NEF models run on the network simulator (:mod:`neurosim.kernels.network`);
this module only evaluates rate curves, with the single-source
:func:`neurosim.kernels.lif.lif_rate`.
"""

from __future__ import annotations

import numba

from .._jit import inline, njit
from .lif import lif_rate as _lif_rate

lif_rate = inline(_lif_rate)


@njit(parallel=True)
def lif_activities(x, enc, bias, out, tau_rc, tau_ref):
    """Tuning curves ``out[p, i] = r(enc[i] @ x[p] + bias[i])`` in one pass.

    Reads ``x (n_points, d)``, ``enc (n_neurons, d)`` (scaled encoders),
    ``bias (n_neurons,)``; writes ``out (n_points, n_neurons)``. Fusing the
    encoding and the rate avoids the full-size temporaries of the numpy route,
    which dominate building a large population's decoders.
    """
    n_points, d = x.shape
    n = enc.shape[0]
    for p in numba.prange(n_points):
        for i in range(n):
            J = bias[i]
            for k in range(d):
                J += enc[i, k] * x[p, k]
            out[p, i] = lif_rate(J, tau_rc, tau_ref)
