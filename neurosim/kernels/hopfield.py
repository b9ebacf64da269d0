"""Hopfield networks: the loops that cannot be vectorised.

Asynchronous updates of a discrete Hopfield net are sequential by definition
(each unit sees the states its predecessors just set), so they run here in a
numba kernel, parallel over independent cues. The per-unit rule
:func:`hopfield_unit` is plain Python, inlined into the kernels through
:func:`neurosim._jit.inline`. The continuous Hopfield ODE is integrated by a
fixed-step RK4 kernel, also parallel over cues.

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
def _local_field(W, b, x, h):
    """``h = W x + b`` for one state (W symmetric, so rows or columns alike)."""
    n = x.shape[0]
    for i in range(n):
        acc = b[i]
        for j in range(n):
            acc += W[i, j] * x[j]
        h[i] = acc


@inline
def _async_sweep(W, b, tol, x, h, order, state, trace, t0):
    """One asynchronous sweep over all units in a fresh random order.

    The local field is recomputed at the start of the sweep (so rounding in
    the incremental updates never accumulates across sweeps) and updated by
    ``2 x_i W[:, i]`` after each flip, so a sweep costs ``O(N^2)`` for the
    refresh plus ``O(N)`` per flip. When ``trace`` has rows, the state after
    the k-th unit update is written to ``trace[t0 + k]``.

    Returns ``(number of flips, generator state)``.
    """
    n = x.shape[0]
    _local_field(W, b, x, h)
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
                h[j] += two_x * W[j, i]
        if record:
            for j in range(n):
                trace[t0 + k, j] = x[j]
    return flips, state


@njit(parallel=True)
def hopfield_async_run(W, b, tol, X, n_iter, seeds, sweeps, converged):
    """Asynchronous updates of many cues at once (in place).

    Parameters
    ----------
    W : (N, N) float64
        Symmetric weights with zero diagonal.
    b : (N,) float64
        Biases.
    tol : float
        Tie tolerance of :func:`hopfield_unit`.
    X : (n_cues, N) float64
        Initial +-1 states; overwritten with the final states.
    n_iter : int
        Maximum number of sweeps (each sweep visits every unit once, in a
        random order drawn anew per sweep).
    seeds : (n_cues,) uint64
        Per-cue generator seeds (reproducible and thread-independent).
    sweeps : (n_cues,) int64
        Output: sweeps performed. A cue stops after the first sweep with no
        flip, which proves a fixed point (every unit agrees with its field).
    converged : (n_cues,) bool
        Output: True when the cue reached a fixed point within ``n_iter``.
    """
    n_cues, n = X.shape
    no_trace = np.empty((0, n))
    for c in prange(n_cues):
        x = X[c]
        h = np.empty(n)
        order = np.arange(n)
        state = seeds[c]
        done = 0
        conv = False
        while done < n_iter:
            flips, state = _async_sweep(W, b, tol, x, h, order, state, no_trace, 0)
            done += 1
            if flips == 0:
                conv = True
                break
        sweeps[c] = done
        converged[c] = conv


@njit
def hopfield_async_trace(W, b, tol, x, n_iter, seed, trace):
    """Asynchronous updates of one cue, recording the state after every unit update.

    ``trace`` is ``(n_iter * N + 1, N)``; row 0 receives the initial state and
    row ``s * N + k + 1`` the state after the ``k``-th update of sweep ``s``.
    Returns ``(sweeps, converged)``; rows past the last sweep are left as
    they were (the caller trims them).
    """
    n = x.shape[0]
    for j in range(n):
        trace[0, j] = x[j]
    h = np.empty(n)
    order = np.arange(n)
    state = seed
    done = 0
    conv = False
    while done < n_iter:
        flips, state = _async_sweep(W, b, tol, x, h, order, state, trace[1:], done * n)
        done += 1
        if flips == 0:
            conv = True
            break
    return done, conv


def continuous_hopfield_rhs(x, W, b, gain, tau, v, out):
    """``out = (-x + W tanh(gain x) + b) / tau`` for one state (``v``: scratch)."""
    n = x.shape[0]
    for j in range(n):
        v[j] = math.tanh(gain * x[j])
    for i in range(n):
        acc = b[i] - x[i]
        for j in range(n):
            acc += W[i, j] * v[j]
        out[i] = acc / tau


_rhs = inline(continuous_hopfield_rhs)


@njit(parallel=True)
def continuous_hopfield_run(W, b, X, gain, tau, dt, n_steps, every, out):
    """Classical RK4 integration of ``tau dx/dt = -x + W tanh(gain x) + b``.

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
    for c in prange(n_cues):
        x = X[c].copy()
        k1 = np.empty(n)
        k2 = np.empty(n)
        k3 = np.empty(n)
        k4 = np.empty(n)
        tmp = np.empty(n)
        v = np.empty(n)
        out[0, c, :] = x
        for s in range(1, n_steps + 1):
            _rhs(x, W, b, gain, tau, v, k1)
            for i in range(n):
                tmp[i] = x[i] + 0.5 * dt * k1[i]
            _rhs(tmp, W, b, gain, tau, v, k2)
            for i in range(n):
                tmp[i] = x[i] + 0.5 * dt * k2[i]
            _rhs(tmp, W, b, gain, tau, v, k3)
            for i in range(n):
                tmp[i] = x[i] + dt * k3[i]
            _rhs(tmp, W, b, gain, tau, v, k4)
            for i in range(n):
                x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
            if s % every == 0:
                out[s // every, c, :] = x
        X[c, :] = x


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
