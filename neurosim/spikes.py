"""Spike trains: generation, event lists <-> arrays, filtering, rate estimates.

Two representations are used throughout neurosim:

* **event lists**: one sorted 1-D array of spike times (seconds, >= 0) per
  neuron (a single 1-D array is one neuron);
* **arrays**: time-major ``(n_steps, n_neurons)`` float arrays in which a
  spike is an impulse of height ``1/dt`` (a count ``c`` in a step is
  ``c/dt``), so that ``sum(array, axis=0) * dt`` is the spike count and a
  filtered array is in Hz, like the simulators' ``spikes`` output.

Sample ``k`` stands for time ``t_k = k dt``; a spike at time ``t`` goes to
sample ``k = round(t / dt)`` (so ``array_to_spike_times`` then
``spikes_to_array`` is the identity, and grid times survive the round trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_alloc,
    check_choice,
    check_dt,
    check_nonnegative,
    check_positive,
    check_steps,
)
from .exceptions import ShapeError, ValidationError
from .synapses import LinearFilter, Lowpass

SpikeTimes = np.ndarray | Sequence[np.ndarray]

# Upper bound on elements of the (n_times, n_spikes) kernel matrix built at once
# in filtered_spike_train, to keep memory near 32 MB whatever the inputs.
_CHUNK_ELEMENTS = 4_000_000


def _as_trains(spike_times: Any, name: str = "spike_times") -> tuple[list, bool]:
    """Validate spike times; return (list of 1-D float arrays, was_single)."""
    if isinstance(spike_times, np.ndarray) and spike_times.ndim == 1:
        trains, single = [spike_times], True
    elif isinstance(spike_times, np.ndarray) and spike_times.dtype != object:
        raise ShapeError(
            f"{name}: expected a 1-D array or a list of 1-D arrays "
            f"(got an array of shape {spike_times.shape})"
        )
    else:
        try:
            trains = list(spike_times)
        except TypeError as e:
            raise TypeError(
                f"{name}: expected a 1-D array or a list of 1-D arrays "
                f"(got {type(spike_times).__name__})"
            ) from e
        if trains and np.ndim(trains[0]) == 0:  # a plain list of numbers
            trains, single = [as_float_array(name, trains)], True
        else:
            single = False
    out = []
    for i, s in enumerate(trains):
        label = name if single else f"{name}[{i}]"
        s = as_float_array(label, s, ndim=1)
        if s.size and s.min() < 0:
            raise ValidationError(
                f"{label}: spike times must be >= 0 (got {float(s.min())!r})"
            )
        if np.any(np.diff(s) < 0):
            j = int(np.argmax(np.diff(s) < 0))
            raise ValidationError(
                f"{label}: spike times must be sorted (t[{j}] = {float(s[j])!r} > "
                f"t[{j + 1}] = {float(s[j + 1])!r})"
            )
        out.append(s)
    return out, single


def _n_steps(t_end: Any, dt: float, n_cols: int = 1) -> int:
    """Steps of ``round(t_end / dt)``, checked to be countable and to fit in memory."""
    t_end = check_positive("t_end", t_end)
    if dt > t_end:
        raise ValidationError(f"dt: must be <= t_end = {t_end:g} s (got {dt:g})")
    n = check_steps("t_end", t_end, dt)
    check_alloc("t_end", n * max(n_cols, 1), what=f"{n:,} steps x {n_cols} trains")
    return n


def poisson_spikes(
    rates: Any,
    dt: float,
    t_end: float | None = None,
    seed: SeedLike = None,
) -> np.ndarray:
    """Homogeneous or inhomogeneous Poisson spike trains as ``1/dt`` impulses.

    Parameters
    ----------
    rates : float, (n_neurons,) or (n_steps, n_neurons) array_like
        Firing rates in Hz (>= 0). A 2-D array gives a rate per step and sets
        the duration; otherwise ``t_end`` is required.
    dt : float
        Time step in seconds.
    t_end : float, optional
        Duration in seconds; ``n_steps = round(t_end / dt)``.
    seed : int, Generator or None
        Random seed (same seed, same trains).

    Returns
    -------
    spikes : (n_steps, n_neurons) ndarray
        ``count / dt`` with ``count ~ Poisson(rate * dt)`` in each step, so the
        counts are those of a Poisson process with the given (piecewise
        constant) rate, not thinned to one spike per step.

    Examples
    --------
    >>> import neurosim as ns
    >>> s = ns.poisson_spikes([10.0, 50.0], dt=1e-3, t_end=2.0, seed=0)
    >>> s.shape
    (2000, 2)
    """
    dt = check_dt(dt)
    rates = as_float_array("rates", rates, ndim=(0, 1, 2))
    if np.any(rates < 0):
        raise ValidationError(f"rates: must be >= 0 Hz (min {rates.min()!r})")
    if rates.ndim == 2:
        if t_end is not None and _n_steps(t_end, dt) != rates.shape[0]:
            raise ShapeError(
                f"t_end: {t_end!r} s is {_n_steps(t_end, dt)} steps but rates has "
                f"{rates.shape[0]} rows"
            )
        lam = rates * dt
    else:
        if t_end is None:
            raise ValidationError("t_end: required unless rates is (n_steps, n)")
        lam = np.broadcast_to(
            np.atleast_1d(rates) * dt, (_n_steps(t_end, dt, rates.size), rates.size)
        )
    return as_rng(seed).poisson(lam).astype(np.float64) / dt


def regular_spikes(rates: Any, dt: float, t_end: float, phase: Any = 0.0) -> np.ndarray:
    """Perfectly regular spike trains as ``1/dt`` impulses.

    Neuron ``i`` spikes at ``t_m = (m - phase_i) / rate_i`` for ``m = 1, 2, ...``
    (``phase`` in ``[0, 1)``), each spike put at sample ``round(t_m / dt)``.

    Parameters
    ----------
    rates : float or (n_neurons,) array_like
        Rates in Hz (>= 0; 0 means no spikes).
    dt, t_end : float
        Time step and duration in seconds.
    phase : float or (n_neurons,) array_like
        Fraction of a period already elapsed at ``t = 0``.

    Returns
    -------
    spikes : (n_steps, n_neurons) ndarray
    """
    dt = check_dt(dt)
    rates = np.atleast_1d(as_float_array("rates", rates, ndim=(0, 1)))
    n_steps = _n_steps(t_end, dt, rates.size)
    if np.any(rates < 0):
        raise ValidationError(f"rates: must be >= 0 Hz (min {rates.min()!r})")
    phase = np.broadcast_to(as_float_array("phase", phase, ndim=(0, 1)), rates.shape)
    if np.any((phase < 0) | (phase >= 1)):
        raise ValidationError("phase: must lie in [0, 1)")
    t_stop = (n_steps - 0.5) * dt  # last sample's half-open bin ends here
    trains = []
    for r, p in zip(rates, phase, strict=True):
        if r == 0:
            trains.append(np.zeros(0))
            continue
        m = np.arange(1, int(np.floor(t_stop * r + p)) + 1)
        t = (m - p) / r
        trains.append(t[t < t_stop])
    return spikes_to_array(trains, dt, n_steps * dt)


def spikes_to_array(
    spike_times: SpikeTimes,
    dt: float,
    t_end: float,
    weights: Any = None,
) -> np.ndarray:
    """Event lists to a ``(n_steps, n_neurons)`` array of ``1/dt`` impulses.

    Parameters
    ----------
    spike_times : 1-D array or list of 1-D arrays
        Sorted spike times in seconds (>= 0), one array per neuron.
    dt, t_end : float
        Time step and duration; ``n_steps = round(t_end / dt)``.
    weights : float or same structure as ``spike_times``, optional
        Weight of each spike (default 1): a spike adds ``weight / dt``.

    Returns
    -------
    spikes : (n_steps, n_neurons) ndarray, or (n_steps,) for a single 1-D train
        Spike at ``t`` lands in sample ``round(t / dt)``.
    """
    dt = check_dt(dt)
    trains, single = _as_trains(spike_times)
    n_steps = _n_steps(t_end, dt, len(trains))
    wts = _weights(weights, trains, single)
    out = np.zeros((n_steps, len(trains)))
    for i, (s, w) in enumerate(zip(trains, wts, strict=True)):
        k = np.rint(s / dt).astype(np.int64)
        if k.size and k[-1] >= n_steps:
            raise ValidationError(
                f"spike_times: spike at {s[-1]!r} s is beyond t_end = {t_end!r} s "
                f"(sample {k[-1]} of {n_steps})"
            )
        np.add.at(out[:, i], k, w / dt)
    return out[:, 0] if single else out


def array_to_spike_times(spikes: Any, dt: float) -> list[np.ndarray]:
    """``1/dt`` impulse arrays back to event lists.

    Parameters
    ----------
    spikes : (n_steps, n_neurons) or (n_steps,) array_like
        Non-negative integer multiples of ``1/dt`` (several spikes may share a
        step).
    dt : float
        Time step in seconds.

    Returns
    -------
    list of 1-D arrays
        Spike times ``k * dt`` per neuron, repeated for multiple spikes.
    """
    dt = check_dt(dt)
    a = as_float_array("spikes", spikes, ndim=(1, 2))
    if a.size == 0:
        return [np.zeros(0) for _ in range(a.shape[1] if a.ndim == 2 else 1)]
    counts = a * dt
    rounded = np.rint(counts)
    # spikes written as c/dt and read back as c/dt*dt carry a few ulps of error
    bad = np.any(rounded < 0) or np.any(rounded > 2**53)
    if bad or not np.allclose(counts, rounded, rtol=0, atol=1e-6):
        raise ValidationError(
            "spikes: expected non-negative integer multiples of 1/dt "
            f"(1/dt = {1 / dt:g}); is dt right?"
        )
    rounded = rounded.astype(np.int64).reshape(a.shape[0], -1)
    t = np.arange(a.shape[0]) * dt
    return [np.repeat(t, rounded[:, i]) for i in range(rounded.shape[1])]


def _weights(weights: Any, trains: list, single: bool) -> list[np.ndarray]:
    if weights is None:
        return [np.ones(s.size) for s in trains]
    if np.ndim(weights) == 0:
        w = float(as_float_array("weights", weights))
        return [np.full(s.size, w) for s in trains]
    wl = [weights] if single else list(weights)
    if len(wl) != len(trains):
        raise ShapeError(f"weights: expected {len(trains)} arrays (got {len(wl)})")
    out = []
    for i, (w, s) in enumerate(zip(wl, trains, strict=True)):
        out.append(as_float_array(f"weights[{i}]", w, shape=(s.size,)))
    return out


def filtered_spike_train(
    spike_times: SpikeTimes,
    syn: LinearFilter,
    t: Any,
    weights: Any = None,
) -> np.ndarray:
    """Continuous filtered spike train ``s(t) = sum_p w_p h(t - t_p)``, exact.

    Evaluates the synapse's analytic kernel at every ``t - t_p`` (no time
    grid), with ``h(0) = h(0+)``: a spike at exactly ``t`` counts.

    Parameters
    ----------
    spike_times : 1-D array or list of 1-D arrays
        Sorted spike times in seconds (>= 0).
    syn : LinearFilter
        The synapse (its ``impulse`` gives ``h`` in 1/s).
    t : (n_times,) array_like
        Times at which to evaluate, in seconds.
    weights : float or same structure as ``spike_times``, optional
        Spike weights ``w_p`` (default 1).

    Returns
    -------
    s : (n_times, n_neurons) ndarray, or (n_times,) for a single 1-D train
        In Hz times the unit of the weights.
    """
    if not isinstance(syn, LinearFilter):
        raise TypeError(f"syn: expected a neurosim synapse (got {type(syn).__name__})")
    trains, single = _as_trains(spike_times)
    wts = _weights(weights, trains, single)
    t = as_float_array("t", t, ndim=1)
    out = np.zeros((t.size, len(trains)))
    chunk = max(1, _CHUNK_ELEMENTS // max(t.size, 1))
    for i, (s, w) in enumerate(zip(trains, wts, strict=True)):
        for j in range(0, s.size, chunk):
            lags = t[:, None] - s[None, j : j + chunk]
            out[:, i] += syn.impulse(lags) @ w[j : j + chunk]
    return out[:, 0] if single else out


_RATE_METHODS = ("count", "isi", "kernel")


def estimate_rates(
    spike_times: SpikeTimes,
    method: str = "count",
    *,
    t_start: float = 0.0,
    t_stop: float | None = None,
    syn: LinearFilter | None = None,
    t: Any = None,
) -> np.ndarray:
    """Firing-rate estimates from spike times.

    Parameters
    ----------
    spike_times : 1-D array or list of 1-D arrays
        Sorted spike times in seconds.
    method : {"count", "isi", "kernel"}
        ``"count"``: spikes in ``[t_start, t_stop)`` divided by
        ``t_stop - t_start`` (``t_stop`` required). ``"isi"``: one over the
        mean inter-spike interval of the spikes in that window (for a neuron
        with fewer than two spikes there, the ``"count"`` estimate). ``"kernel"``: the
        time-resolved rate ``sum_p h(t - t_p)`` at times ``t`` (required)
        with the unit-area kernel ``syn`` (default ``Lowpass(0.05)``).
    t_start, t_stop : float
        Window in seconds for ``"count"`` and ``"isi"``.
    syn : LinearFilter, optional
        Kernel for ``"kernel"``.
    t : (n_times,) array_like, optional
        Evaluation times for ``"kernel"``.

    Returns
    -------
    rates : (n_neurons,) ndarray in Hz (``"count"``, ``"isi"``), or
        (n_times, n_neurons) (``"kernel"``); the neuron axis is dropped for a
        single 1-D train.
    """
    check_choice("method", method, _RATE_METHODS)
    trains, single = _as_trains(spike_times)
    if method == "kernel":
        if t is None:
            raise ValidationError("t: required for method='kernel'")
        syn = Lowpass(0.05) if syn is None else syn
        r = filtered_spike_train(trains, syn, t)
        return r[:, 0] if single else r
    t_start = check_nonnegative("t_start", t_start)
    if t_stop is None:
        raise ValidationError(f"t_stop: required for method={method!r}")
    t_stop = check_positive("t_stop", t_stop)
    if t_stop <= t_start:
        raise ValidationError(
            f"t_stop: must be > t_start = {t_start!r} (got {t_stop!r})"
        )
    r = np.empty(len(trains))
    for i, s in enumerate(trains):
        s = s[(s >= t_start) & (s < t_stop)]
        if method == "count":
            r[i] = s.size / (t_stop - t_start)
        else:
            # fewer than two distinct spike times give no interval: count instead
            r[i] = (
                (s.size - 1) / (s[-1] - s[0])
                if s.size > 1 and s[-1] > s[0]
                else s.size / (t_stop - t_start)
            )
    return r[0] if single else r
