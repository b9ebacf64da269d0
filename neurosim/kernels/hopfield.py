"""Hopfield networks: the loops that cannot be vectorised.

Asynchronous updates of a discrete Hopfield net are sequential by definition
(each unit sees the states its predecessors just set), so they run here in a
numba kernel, parallel over independent cues. The per-unit rules
(:func:`hopfield_unit`, :func:`continuous_hopfield_rhs`) are plain Python,
inlined into the kernels through :func:`neurosim._jit.inline`. The continuous
Hopfield ODE is integrated by a fixed-step RK4 kernel over all cues at once.

Random visiting orders come from a small counter-free generator
(SplitMix64) seeded per cue, so results do not depend on the number of
threads or on numba's global random state.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._jit import inline, njit


def hopfield_unit(h, x, tol):
    """New state of one +-1 unit with local field ``h`` and current state ``x``.

    ``sign(h)``, keeping the current state on a tie (``|h| <= tol``, a field
    within rounding of zero), so that an update never raises the energy and
    rounding cannot make a unit flip back and forth.
    """
    if h > tol:
        return 1.0
    if h < -tol:
        return -1.0
    return x


_unit = inline(hopfield_unit)


def _splitmix64(state):
    """One SplitMix64 step: returns ``(new_state, output)`` as uint64."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


_rand = inline(_splitmix64)


@inline
def _shuffle(order, state):
    """Fisher-Yates shuffle of ``order`` in place; returns the generator state."""
    for i in range(order.shape[0] - 1, 0, -1):
        state, r = _rand(state)
        j = np.int64(r % np.uint64(i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
    return state


@inline
def _async_sweep(W, tol, x, h, order, state, trace, t0):
    """One asynchronous sweep over all units in a fresh random order.

    ``h`` holds the local fields ``W x + b`` on entry and is kept up to date:
    a flip of unit ``i`` adds ``2 x_i W[i, :]`` (``W`` is symmetric, so the
    contiguous row serves as the column), so a sweep costs ``O(N)`` per visit
    plus ``O(N)`` per flip. When ``trace`` has rows, the state after the k-th
    unit update is written to ``trace[t0 + k]``.

    Returns ``(number of flips, generator state)``.
    """
    n = x.shape[0]
    state = _shuffle(order, state)
    flips = 0
    record = trace.shape[0] > 0
    for k in range(n):
        i = order[k]
        new = _unit(h[i], x[i], tol)
        if new != x[i]:
            x[i] = new
            flips += 1
            two_x = 2.0 * new
            for j in range(n):
                h[j] += two_x * W[i, j]
        if record:
            for j in range(n):
                trace[t0 + k, j] = x[j]
    return flips, state


@inline
def _confirm(W, b, tol, band, x, h):
    """After a sweep without flips: is ``x`` a fixed point by fresh fields?

    Incremental updates leave each field within ``band`` of its exact value,
    so only units with ``|h_i| <= band`` can disagree with a fresh field; those
    fields are recomputed (and stored). Returns True when all units agree.
    """
    n = x.shape[0]
    ok = True
    for i in range(n):
        if abs(h[i]) <= band:
            acc = b[i]
            for j in range(n):
                acc += W[i, j] * x[j]
            h[i] = acc
            if _unit(acc, x[i], tol) != x[i]:
                ok = False
    return ok


@inline
def _async_until_fixed(W, b, tol, eps_scale, x, h, n_iter, state, trace):
    """Sweeps until a confirmed fixed point or ``n_iter`` sweeps.

    ``eps_scale`` is ``eps * max_i (sum_j |W_ij| + |b_i|)``: one incremental
    field update moves a field's rounding error by at most ``2 eps_scale``,
    and the initial fields (one BLAS product) are off by at most ``tol``.
    Returns ``(sweeps, converged)``.
    """
    n = x.shape[0]
    order = np.arange(n)
    done = 0
    total_flips = 0
    while done < n_iter:
        flips, state = _async_sweep(W, tol, x, h, order, state, trace, done * n)
        done += 1
        total_flips += flips
        if flips == 0:
            band = 2.0 * tol + 2.0 * total_flips * eps_scale
            if _confirm(W, b, tol, band, x, h):
                return done, True
    return done, False


@njit(parallel=True)
def hopfield_async_run(W, b, tol, eps_scale, X, H, n_iter, seeds, sweeps, converged):
    """Asynchronous updates of many cues at once (in place).

    Parameters
    ----------
    W : (N, N) float64
        Symmetric weights with zero diagonal.
    b : (N,) float64
        Biases.
    tol : float
        Tie tolerance of :func:`hopfield_unit`.
    eps_scale : float
        ``eps * max_i (sum_j |W_ij| + |b_i|)``, the rounding scale of a field.
    X : (n_cues, N) float64
        Initial +-1 states; overwritten with the final states.
    H : (n_cues, N) float64
        Local fields ``X W + b`` of the initial states (one BLAS product in
        the caller); updated incrementally along with ``X``.
    n_iter : int
        Maximum number of sweeps (each sweep visits every unit once, in a
        random order drawn anew per sweep).
    seeds : (n_cues,) uint64
        Per-cue generator seeds (reproducible and thread-independent).
    sweeps : (n_cues,) int64
        Output: sweeps performed. A cue stops after a sweep with no flip once
        the fields that rounding could have moved across zero are recomputed
        and agree, which proves a fixed point.
    converged : (n_cues,) bool
        Output: True when the cue reached a fixed point within ``n_iter``.
    """
    n_cues, n = X.shape
    no_trace = np.empty((0, n))
    for c in prange(n_cues):
        sweeps[c], converged[c] = _async_until_fixed(
            W, b, tol, eps_scale, X[c], H[c], n_iter, seeds[c], no_trace
        )


@njit
def hopfield_async_trace(W, b, tol, eps_scale, x, h, n_iter, seed, trace):
    """Asynchronous updates of one cue, recording the state after every unit update.

    Arguments as in :func:`hopfield_async_run` for a single cue. ``trace`` is
    ``(n_iter * N + 1, N)``; row 0 receives the initial state and row
    ``s * N + k + 1`` the state after the ``k``-th update of sweep ``s``.
    Returns ``(sweeps, converged)``; rows past the last sweep are left as
    they were (the caller trims them).
    """
    trace[0] = x
    return _async_until_fixed(W, b, tol, eps_scale, x, h, n_iter, seed, trace[1:])


def fast_tanh(z):
    """``tanh(z)`` as ``(1 - e) / (1 + e)`` with ``e = exp(-2|z|)``.

    Absolute error below 2 ulp of 1 (relative error grows only for
    ``|z| < 1e-8``, where the absolute error still is ~1e-16); about three
    times faster than ``math.tanh`` inside numba, whose libm call does not
    vectorise.
    """
    e = math.exp(-2.0 * abs(z))
    t = (1.0 - e) / (1.0 + e)
    return t if z >= 0.0 else -t


_tanh = inline(fast_tanh)


def continuous_hopfield_rhs(x, G, b, tau):
    """``(-x + g + b) / tau`` for one unit, where ``g = (W tanh(gain x))_i``."""
    return (G - x + b) / tau


_rhs = inline(continuous_hopfield_rhs)


@inline
def _stage(x, W, b, gain, tau, V, G, k):
    """``k = f(x)`` for all cues: ``V = tanh(gain x)``, ``G = V W`` (BLAS)."""
    n_cues, n = x.shape
    for c in range(n_cues):
        for i in range(n):
            V[c, i] = _tanh(gain * x[c, i])
    np.dot(V, W, G)
    for c in range(n_cues):
        for i in range(n):
            k[c, i] = _rhs(x[c, i], G[c, i], b[i], tau)


@njit
def continuous_hopfield_run(W, b, X, gain, tau, dt, n_steps, every, out):
    """Classical RK4 integration of ``tau dx/dt = -x + W tanh(gain x) + b``.

    All cues advance together, so each RK4 stage is one matrix product
    ``tanh(gain X) W`` (BLAS; ``W`` is symmetric) and the elementwise work is
    fused in loops, with no Python overhead per step.

    Parameters
    ----------
    X : (n_cues, N) float64
        Initial states; overwritten with the states after ``n_steps``.
    every : int
        Record every ``every``-th step into ``out``.
    out : (n_records, n_cues, N) float64
        ``out[r]`` receives the state at step ``r * every`` (row 0 is the
        initial state); ``n_records = n_steps // every + 1``.
    """
    n_cues, n = X.shape
    V = np.empty_like(X)
    G = np.empty_like(X)
    k1 = np.empty_like(X)
    k2 = np.empty_like(X)
    k3 = np.empty_like(X)
    k4 = np.empty_like(X)
    tmp = np.empty_like(X)
    out[0] = X
    h2 = 0.5 * dt
    h6 = dt / 6.0
    for s in range(1, n_steps + 1):
        _stage(X, W, b, gain, tau, V, G, k1)
        for c in range(n_cues):
            for i in range(n):
                tmp[c, i] = X[c, i] + h2 * k1[c, i]
        _stage(tmp, W, b, gain, tau, V, G, k2)
        for c in range(n_cues):
            for i in range(n):
                tmp[c, i] = X[c, i] + h2 * k2[c, i]
        _stage(tmp, W, b, gain, tau, V, G, k3)
        for c in range(n_cues):
            for i in range(n):
                tmp[c, i] = X[c, i] + dt * k3[c, i]
        _stage(tmp, W, b, gain, tau, V, G, k4)
        for c in range(n_cues):
            for i in range(n):
                X[c, i] += h6 * (k1[c, i] + 2.0 * (k2[c, i] + k3[c, i]) + k4[c, i])
        if s % every == 0:
            out[s // every] = X


def draw_seeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uint64 kernel seeds drawn from ``rng``."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64)


__all__ = [
    "continuous_hopfield_rhs",
    "continuous_hopfield_run",
    "draw_seeds",
    "hopfield_async_run",
    "hopfield_async_trace",
    "hopfield_unit",
]
