"""Offline pair-based STDP over recorded spike flags (see :mod:`neurosim._jit`)."""

from __future__ import annotations

import numpy as np

from .._jit import njit


@njit
def stdp_run(pre, post, w, decay_pre, decay_post, a_plus, a_minus, w_min, w_max):
    """Online all-to-all pair STDP through exponential traces.

    Reads ``pre`` (n_steps, n_pre) and ``post`` (n_steps, n_post) spike flags;
    **modifies** ``w`` (n_post, n_pre) in place. Each step first decays the
    traces by ``decay_* = exp(-dt / tau_*)``, then applies depression at
    presynaptic spikes (``-a_minus`` times the postsynaptic trace) and
    potentiation at postsynaptic spikes (``+a_plus`` times the presynaptic
    trace), clipping to ``[w_min, w_max]``, and only then adds this step's
    spikes to the traces, so pairs within one step do not interact.
    """
    n_steps, n_pre = pre.shape
    n_post = post.shape[1]
    x = np.zeros(n_pre)
    y = np.zeros(n_post)
    for t in range(n_steps):
        for j in range(n_pre):
            x[j] *= decay_pre
        for i in range(n_post):
            y[i] *= decay_post
        for j in range(n_pre):
            if pre[t, j]:
                for i in range(n_post):
                    w[i, j] = min(max(w[i, j] - a_minus * y[i], w_min), w_max)
        for i in range(n_post):
            if post[t, i]:
                for j in range(n_pre):
                    w[i, j] = min(max(w[i, j] + a_plus * x[j], w_min), w_max)
        for j in range(n_pre):
            if pre[t, j]:
                x[j] += 1.0
        for i in range(n_post):
            if post[t, i]:
                y[i] += 1.0
