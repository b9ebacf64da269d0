"""Plots people expect from a neural simulator.

This is the only module that imports matplotlib, and it does so inside the
functions, so ``import neurosim`` stays free of it. Every function takes
``ax=None`` (a new figure is made when it is None) and returns the ``Axes`` it
drew on. Analysis lives elsewhere and returns arrays; these functions only draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _axes(ax: Any = None, projection: str | None = None) -> Any:
    """Return ``ax``, or the axes of a new figure when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure()
    return fig.add_subplot(1, 1, 1, projection=projection)


def raster(
    spike_times: Sequence[np.ndarray] | None = None,
    *,
    times: np.ndarray | None = None,
    indices: np.ndarray | None = None,
    ax: Any = None,
    color: Any = "k",
    markersize: float = 2.0,
    time_unit: str = "s",
) -> Any:
    """Spike raster: one row per neuron, a dot per spike.

    Parameters
    ----------
    spike_times : list of 1-D arrays, optional
        Spike times in seconds, one array per neuron (``rec.spike_times``).
    times, indices : 1-D arrays, optional
        Alternatively, flat event lists (``monitor.times``, ``monitor.indices``).
    ax : matplotlib Axes, optional
    time_unit : {"s", "ms"}
        Unit of the x axis.
    """
    ax = _axes(ax)
    if spike_times is not None:
        indices = np.concatenate(
            [np.full(len(s), i) for i, s in enumerate(spike_times)] or [np.zeros(0)]
        )
        times = np.concatenate(
            [np.asarray(s, float) for s in spike_times] or [np.zeros(0)]
        )
    if times is None or indices is None:
        raise ValueError("raster: give spike_times, or both times and indices")
    scale = 1e3 if time_unit == "ms" else 1.0
    ax.plot(np.asarray(times) * scale, indices, "|", color=color, markersize=markersize)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("neuron")
    return ax


def voltage_trace(
    t: np.ndarray,
    v: np.ndarray,
    *,
    ax: Any = None,
    neurons: Sequence[int] | None = None,
    unit: str = "",
    time_unit: str = "s",
    threshold: float | None = None,
) -> Any:
    """Membrane potential against time for a few neurons.

    Parameters
    ----------
    t : (n_steps,) array
        Times in seconds.
    v : (n_steps, n_neurons) array
        Voltages (time-major, as recorded).
    neurons : sequence of int, optional
        Columns to draw (default: up to the first five).
    unit : str
        Voltage unit for the y label (e.g. "mV"; dimensionless when empty).
    threshold : float, optional
        Draw a dashed line at this voltage.
    """
    ax = _axes(ax)
    v = np.asarray(v)
    if v.ndim == 1:
        v = v[:, None]
    cols = range(min(5, v.shape[1])) if neurons is None else neurons
    scale = 1e3 if time_unit == "ms" else 1.0
    for i in cols:
        ax.plot(np.asarray(t) * scale, v[:, i], lw=1, label=f"neuron {i}")
    if threshold is not None:
        ax.axhline(threshold, color="gray", ls="--", lw=0.8)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel(f"v ({unit})" if unit else "v")
    if len(cols) > 1:
        ax.legend(fontsize="small")
    return ax


def fi_curve(
    currents: np.ndarray,
    rates: np.ndarray | Sequence[np.ndarray],
    *,
    ax: Any = None,
    labels: Sequence[str] | None = None,
    current_unit: str = "",
    styles: Sequence[str] | None = None,
) -> Any:
    """Firing rate (Hz) against input current, for one or several curves."""
    ax = _axes(ax)
    curves = [rates] if np.ndim(rates[0]) == 0 else list(rates)
    for k, r in enumerate(curves):
        label = labels[k] if labels is not None else None
        style = styles[k] if styles is not None else "-"
        ax.plot(currents, r, style, label=label)
    ax.set_xlabel(
        f"input current ({current_unit})" if current_unit else "input current"
    )
    ax.set_ylabel("firing rate (Hz)")
    if labels is not None:
        ax.legend(fontsize="small")
    return ax


def tuning_curves(x: Any, rates: np.ndarray | None = None, *, ax: Any = None) -> Any:
    """Tuning curves: each neuron's firing rate (Hz) against the represented value.

    Parameters
    ----------
    x : (n_points,) or (n_points, 1) array, or an object with ``rates(x)``
        Evaluation points; when it is a population-like object, its tuning
        curves over ``[-1, 1]`` are computed.
    rates : (n_points, n_neurons) array
        Firing rates at those points.
    """
    ax = _axes(ax)
    if rates is None:
        pop = x
        x = np.linspace(-1, 1, 201)[:, None]
        rates = pop.rates(x)
    x = np.asarray(x)
    ax.plot(x.reshape(len(x), -1)[:, 0], np.asarray(rates), lw=1)
    ax.set_xlabel("represented value x")
    ax.set_ylabel("firing rate (Hz)")
    return ax


def decoded(
    t: np.ndarray,
    actual: np.ndarray,
    estimate: np.ndarray,
    *,
    ax: Any = None,
    labels: Sequence[str] | None = None,
) -> Any:
    """Decoded estimate (solid) against the actual value (dashed) over time.

    Parameters
    ----------
    t : (n_steps,) array
        Times in seconds (or any x axis, e.g. represented values).
    actual, estimate : (n_steps,) or (n_steps, d) arrays
        The true signal and the population's decoded estimate.
    labels : sequence of str, optional
        One name per dimension.
    """
    ax = _axes(ax)
    actual = np.asarray(actual).reshape(len(t), -1)
    estimate = np.asarray(estimate).reshape(len(t), -1)
    for k in range(estimate.shape[1]):
        name = labels[k] if labels is not None else f"x{k}"
        (line,) = ax.plot(t, estimate[:, k], lw=1, label=f"{name} decoded")
        if k < actual.shape[1]:
            ax.plot(t, actual[:, k], "--", color=line.get_color(), lw=1.5,
                    label=f"{name} actual")  # fmt: skip
    ax.set_xlabel("time (s)")
    ax.set_ylabel("value")
    ax.legend(fontsize="small")
    return ax


def psc_kernels(
    synapses: Sequence[Any],
    t: np.ndarray | None = None,
    *,
    ax: Any = None,
    time_unit: str = "ms",
) -> Any:
    """Impulse responses ``h(t)`` (1/s) of several synapses on one axes.

    Parameters
    ----------
    synapses : sequence of neurosim synapses
        Each must have ``impulse(t)``; its ``repr`` labels the curve.
    t : (n_times,) array, optional
        Times in seconds (default 0 to 50 ms).
    time_unit : {"ms", "s"}
        Unit of the x axis.
    """
    ax = _axes(ax)
    t = np.linspace(0.0, 0.05, 501) if t is None else np.asarray(t, float)
    scale = 1e3 if time_unit == "ms" else 1.0
    for syn in synapses:
        ax.plot(t * scale, syn.impulse(t), lw=1.5, label=repr(syn))
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("h(t) (1/s)")
    ax.legend(fontsize="small")
    return ax


def phase(x: np.ndarray, *, ax: Any = None, lw: float = 0.6, **kwargs: Any) -> Any:
    """Phase portrait of a 2-D or 3-D trajectory ``x`` of shape ``(n_steps, 2|3)``.

    A 3-D trajectory needs 3-D axes; when ``ax`` is None they are made.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] not in (2, 3):
        raise ValueError(
            f"x: expected shape (n_steps, 2) or (n_steps, 3) (got {x.shape})"
        )
    ax = _axes(ax, projection="3d" if x.shape[1] == 3 else None)
    ax.plot(*x.T, lw=lw, **kwargs)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    if x.shape[1] == 3:
        ax.set_zlabel("x2")
    return ax


def filtered_spikes(
    t: np.ndarray,
    filtered: np.ndarray,
    spike_times: Sequence[np.ndarray],
    *,
    ax: Any = None,
    rate: float | np.ndarray | None = None,
    time_unit: str = "s",
) -> Any:
    """Filtered spike trains (Hz) drawn over the raster they came from.

    Parameters
    ----------
    t : (n_times,) array
        Times in seconds.
    filtered : (n_times,) or (n_times, n_neurons) array
        Filtered spike trains in Hz (e.g. ``syn.filt(spikes, dt)``).
    spike_times : list of 1-D arrays
        The spikes, one array per neuron; drawn as ticks in a band below the
        traces (neuron 0 at the top of the band).
    rate : float or (n_times,) array, optional
        True underlying rate, drawn dashed.
    time_unit : {"s", "ms"}
        Unit of the x axis.
    """
    ax = _axes(ax)
    f = np.asarray(filtered, float)
    f = f[:, None] if f.ndim == 1 else f
    scale = 1e3 if time_unit == "ms" else 1.0
    ts = np.asarray(t, float) * scale
    ax.plot(ts, f, lw=1)
    if rate is not None:
        ax.plot(ts, np.broadcast_to(rate, ts.shape), "k--", lw=1, label="rate")
        ax.legend(fontsize="small")
    top = max(float(f.max()), 1.0) if f.size else 1.0
    n = len(spike_times)
    band = 0.25 * top  # the raster occupies a band below zero
    for i, s in enumerate(spike_times):
        y = -band * (i + 0.5) / max(n, 1)
        ax.plot(np.asarray(s) * scale, np.full(len(s), y), "|", color="k", ms=3)
    ax.set_ylim(-band, 1.05 * top)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("filtered spikes (Hz)")
    return ax


def population_rate(
    times: np.ndarray,
    n_neurons: int,
    t_end: float,
    *,
    bin_width: float = 0.005,
    t_start: float = 0.0,
    ax: Any = None,
    time_unit: str = "s",
) -> Any:
    """Population firing rate: a histogram of spike times, in Hz per neuron.

    Parameters
    ----------
    times : (n_spikes,) array
        Spike times in seconds (e.g. ``monitor.times``).
    n_neurons : int
        Size of the population the spikes come from.
    t_end : float
        End of the recorded interval, in seconds.
    bin_width : float
        Bin width in seconds (default 5 ms).
    t_start : float
        Start of the interval, in seconds.
    """
    ax = _axes(ax)
    edges = np.arange(t_start, t_end + 0.5 * bin_width, bin_width)
    counts, edges = np.histogram(np.asarray(times), bins=edges)
    rate = counts / (n_neurons * bin_width)
    scale = 1e3 if time_unit == "ms" else 1.0
    ax.stairs(rate, edges * scale, fill=True, alpha=0.6)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("population rate (Hz)")
    return ax


def monitor_traces(
    monitor: Any,
    *,
    ax: Any = None,
    scale: float = 1.0,
    unit: str = "",
    time_unit: str = "s",
    threshold: float | None = None,
) -> Any:
    """The traces of a state monitor (``net.monitor_state``), one per neuron.

    ``scale`` multiplies the values (``1e3`` with ``unit="mV"`` for volts).
    """
    values = np.asarray(monitor.values) * scale
    ax = voltage_trace(
        monitor.t,
        values,
        ax=ax,
        neurons=range(values.shape[1]),
        unit=unit,
        time_unit=time_unit,
        threshold=None if threshold is None else threshold * scale,
    )
    for line, i in zip(ax.get_lines(), monitor.record, strict=False):
        line.set_label(f"neuron {i}")
    if values.shape[1] > 1:
        ax.legend(fontsize="small")
    return ax
