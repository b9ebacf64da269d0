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


def learning_curves(
    curves: dict[str, np.ndarray],
    *,
    target: float | None = None,
    ax: Any = None,
    ylabel: str = "test accuracy",
) -> Any:
    """Learning curves of several rules on one axis: mean over seeds, ± 1 sd band.

    Parameters
    ----------
    curves : dict name -> (n_seeds, epochs) or (epochs,) array
        E.g. ``neurosim.learning.compare(...).curves``.
    target : float, optional
        Draw a dashed horizontal line at this value.
    """
    ax = _axes(ax)
    for name, c in curves.items():
        c = np.atleast_2d(np.asarray(c, dtype=float))
        epochs = np.arange(1, c.shape[1] + 1)
        mean = c.mean(axis=0)
        (line,) = ax.plot(epochs, mean, label=name)
        if len(c) > 1:
            sd = c.std(axis=0, ddof=1)
            ax.fill_between(
                epochs, mean - sd, mean + sd, color=line.get_color(), alpha=0.2
            )
    if target is not None:
        ax.axhline(target, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right")
    return ax


def relaxation_energy(
    energy: np.ndarray | Sequence[np.ndarray],
    *,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    log: bool = True,
) -> Any:
    """Free energy against inference step during predictive-coding relaxation.

    Parameters
    ----------
    energy : (n_steps + 1,) array or a list of them
        E.g. ``PredictiveCoding.energy_history_``.
    labels : list of str, optional
        One per curve.
    log : bool
        Logarithmic energy axis.
    """
    ax = _axes(ax)
    curves = [energy] if np.ndim(energy[0]) == 0 else list(energy)
    for i, e in enumerate(curves):
        label = None if labels is None else labels[i]
        ax.plot(np.arange(len(e)), e, marker=".", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("inference step")
    ax.set_ylabel("free energy F")
    if labels is not None:
        ax.legend()
    return ax


def gradient_alignment(
    alignment: dict[str, np.ndarray] | np.ndarray,
    *,
    ax: Any = None,
) -> Any:
    """Cosine between a rule's weight updates and backprop's gradient, per layer.

    Parameters
    ----------
    alignment : (epochs, n_layers) array, or dict name -> such arrays
        E.g. ``model.alignment_`` after ``fit(track_alignment=True)``.
    """
    ax = _axes(ax)
    items = alignment.items() if isinstance(alignment, dict) else [("", alignment)]
    styles = ["-", "--", ":", "-."]
    for j, (name, a) in enumerate(items):
        a = np.asarray(a, dtype=float)
        epochs = np.arange(1, len(a) + 1)
        for k in range(a.shape[1]):
            label = f"{name} layer {k + 1}".strip()
            ax.plot(epochs, a[:, k], styles[j % len(styles)], label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cos(update, backprop gradient)")
    ax.set_ylim(top=1.0)
    ax.legend()
    return ax
