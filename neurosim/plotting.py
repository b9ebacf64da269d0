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

from ._validation import as_float_array, check_alloc, check_choice, check_number
from .exceptions import ShapeError, ValidationError


def _series(name: str, x: Any, ndim: Any = (1, 2), length: int | None = None):
    """``x`` as a non-empty float array of ``ndim`` with ``length`` rows."""
    arr = as_float_array(name, x, ndim=ndim)
    if arr.size == 0:
        raise ShapeError(f"{name}: nothing to plot (shape {arr.shape})")
    if length is not None and arr.shape[0] != length:
        raise ShapeError(f"{name}: expected {length} rows (got shape {arr.shape})")
    return arr


def _time_scale(time_unit: str) -> float:
    return 1e3 if check_choice("time_unit", time_unit, ("s", "ms")) == "ms" else 1.0


def use_headless() -> None:
    """Draw off screen (matplotlib's Agg backend), for scripts that only write files."""
    import matplotlib

    matplotlib.use("Agg")


def show() -> None:
    """Show the open figures on screen (``matplotlib.pyplot.show``).

    Off screen (the Agg backend, as under ``neurosim demo``) it does nothing.
    """
    import matplotlib.pyplot as plt

    plt.show()


def close_all() -> None:
    """Close every open figure and free its memory."""
    import matplotlib.pyplot as plt

    plt.close("all")


def _axes(ax: Any = None, projection: str | None = None) -> Any:
    """Return ``ax``, or the axes of a new figure when it is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure()
    return fig.add_subplot(1, 1, 1, projection=projection)


def _legend(
    ax: Any, handles: Any = None, labels: Any = None, below: bool = False
) -> Any:
    """A legend outside the axes (right, or ``below``), so it never hides data."""
    args = () if handles is None else (handles, labels)
    if below:  # e.g. beside a twin y axis, whose labels take the right side
        return ax.legend(
            *args,
            fontsize="small",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18),
            ncols=2,
        )
    return ax.legend(
        *args,
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
    )


def _integer_ticks(axis: Any) -> None:
    """Ticks at whole numbers only (epochs, steps)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _overlap_widths(n: int) -> list[float]:
    """Line widths that shrink along a series of ``n`` curves.

    Curves that coincide (backprop and an exact variant of it) stay visible:
    each earlier, wider line shows as an outline around the later ones.
    """
    return [1.2 + 1.8 * (n - 1 - i) / max(n - 1, 1) for i in range(n)]


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
        Where to draw (default: a new figure).
    time_unit : {"s", "ms"}
        Unit of the x axis.
    color : matplotlib colour
        Colour of the ticks.
    markersize : float
        Tick size in points.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    scale = _time_scale(time_unit)
    markersize = check_number("markersize", markersize, low=0.0)
    if spike_times is not None:
        trains = [
            as_float_array(f"spike_times[{i}]", s, ndim=1)
            for i, s in enumerate(spike_times)
        ]
        indices = np.concatenate(
            [np.full(len(s), i) for i, s in enumerate(trains)] or [np.zeros(0)]
        )
        times = np.concatenate(trains or [np.zeros(0)])
    if times is None or indices is None:
        raise ValidationError(
            "times: raster needs spike_times, or both times and indices"
        )
    times = as_float_array("times", times, ndim=1)
    indices = as_float_array("indices", indices, ndim=1)
    if times.shape != indices.shape:
        raise ShapeError(
            f"times and indices: need equal lengths (got {times.shape} and "
            f"{indices.shape})"
        )
    ax = _axes(ax)
    ax.plot(times * scale, indices, "|", color=color, markersize=markersize)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    time_unit : {"s", "ms"}
        Unit of the x axis.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    scale = _time_scale(time_unit)
    t = _series("t", t, ndim=1)
    v = _series("v", v, length=len(t))
    if v.ndim == 1:
        v = v[:, None]
    cols = range(min(5, v.shape[1])) if neurons is None else neurons
    ax = _axes(ax)
    for i in cols:
        ax.plot(t * scale, v[:, i], lw=1, label=f"neuron {i}")
    if threshold is not None:
        ax.axhline(threshold, color="gray", ls="--", lw=0.8)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel(f"v ({unit})" if unit else "v (dimensionless)")
    if len(cols) > 1:
        _legend(ax)
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
    """Firing rate (Hz) against input current, for one or several curves.

    Parameters
    ----------
    currents : (n,) array
        Input currents, in ``current_unit``.
    rates : (n,) array or a list of them
        Firing rates in Hz (e.g. from :func:`neurosim.firing_rates`).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    labels : sequence of str, optional
        One legend entry per curve.
    current_unit : str
        Unit of the currents, for the x label (e.g. ``"uA/cm^2"``).
    styles : sequence of str, optional
        One matplotlib format string per curve (default solid lines).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    currents = _series("currents", currents, ndim=1)
    if rates is None or isinstance(rates, str):
        raise TypeError(f"rates: expected an array or a list of arrays (got {rates!r})")
    flat = np.ndim(rates) == 1 or (len(rates) and np.ndim(rates[0]) == 0)
    curves = [
        _series("rates", r, ndim=1, length=len(currents))
        for r in ([rates] if flat else list(rates))
    ]
    if not curves:
        raise ShapeError("rates: nothing to plot (no curves)")
    ax = _axes(ax)
    for k, r in enumerate(curves):
        label = labels[k] if labels is not None else None
        style = styles[k] if styles is not None else "-"
        ax.plot(currents, r, style, label=label)
    ax.set_xlabel(
        f"input current ({current_unit})" if current_unit else "input current"
    )
    ax.set_ylabel("firing rate (Hz)")
    if labels is not None:
        _legend(ax)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    if rates is None:
        if not hasattr(x, "rates"):
            raise TypeError(
                "rates: required unless x is a Population (got x of type "
                f"{type(x).__name__})"
            )
        pop = x
        x = np.linspace(-1, 1, 201)[:, None]
        rates = pop.rates(x)
    x = _series("x", x)
    rates = _series("rates", rates, length=len(x))
    ax = _axes(ax)
    ax.plot(x.reshape(len(x), -1)[:, 0], rates, lw=1)
    ax.set_xlabel("represented value x")
    ax.set_ylabel("firing rate (Hz)")
    return ax


def rule_curves(
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    ylabel : str
        Label of the y axis.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    widths = _overlap_widths(len(curves))
    for i, (name, c) in enumerate(curves.items()):
        c = np.atleast_2d(np.asarray(c, dtype=float))
        epochs = np.arange(1, c.shape[1] + 1)
        mean = c.mean(axis=0)
        # a one-point curve (the STDP rules: one value after training) as a dot
        marker = "o" if c.shape[1] == 1 else None
        (line,) = ax.plot(epochs, mean, lw=widths[i], marker=marker, label=name)
        if len(c) > 1:
            sd = c.std(axis=0, ddof=1)
            ax.fill_between(
                epochs, mean - sd, mean + sd, color=line.get_color(), alpha=0.2
            )
    if target is not None:
        ax.axhline(target, color="0.5", ls="--", lw=0.8)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    _integer_ticks(ax.xaxis)
    _legend(ax)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    curves = [energy] if np.ndim(energy[0]) == 0 else list(energy)
    for i, e in enumerate(curves):
        label = None if labels is None else labels[i]
        ax.plot(np.arange(len(e)), e, marker=".", label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("inference step")
    ax.set_ylabel("free energy F (batch mean)")
    _integer_ticks(ax.xaxis)
    if labels is not None:
        _legend(ax)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    if not isinstance(alignment, dict):
        alignment = {"": alignment}
    items = list(alignment.items())
    styles = ["-", "--", ":", "-."]
    series = [
        (j, k, name, np.asarray(a, dtype=float))
        for j, (name, a) in enumerate(items)
        for k in range(np.asarray(a).shape[1])
    ]
    widths = _overlap_widths(len(series))
    for i, (j, k, name, a) in enumerate(series):
        label = f"{name} layer {k + 1}".strip()
        epochs = np.arange(1, len(a) + 1)
        ax.plot(epochs, a[:, k], styles[j % len(styles)], lw=widths[i], label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cos(update, backprop gradient)")
    ax.set_ylim(top=1.05)  # a perfectly aligned rule (cos = 1) stays off the frame
    _integer_ticks(ax.xaxis)
    _legend(ax)
    return ax


def decoded(
    t: np.ndarray,
    actual: np.ndarray,
    estimate: np.ndarray,
    *,
    ax: Any = None,
    labels: Sequence[str] | None = None,
) -> Any:
    """Decoded estimate against its target over time.

    The target is drawn first, wide and light grey, so that it stays visible
    under the decoded trace (coloured, thin, on top).

    Parameters
    ----------
    t : (n_steps,) array
        Times in seconds.
    actual : (n_steps,) or (n_steps, d) array
        The target signal (represented value, dimensionless).
    estimate : (n_steps,) or (n_steps, d) array
        The population's decoded estimate of it.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    labels : sequence of str, optional
        One name per dimension (default ``x0, x1, ...``).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    actual = np.asarray(actual).reshape(len(t), -1)
    estimate = np.asarray(estimate).reshape(len(t), -1)
    d = max(actual.shape[1], estimate.shape[1])
    names = list(labels) if labels is not None else [f"x{k}" for k in range(d)]
    for k in range(actual.shape[1]):
        ax.plot(t, actual[:, k], color="0.7", lw=3.5, zorder=1,
                label=f"{names[k]} target")  # fmt: skip
    for k in range(estimate.shape[1]):
        ax.plot(t, estimate[:, k], lw=1, zorder=2, label=f"{names[k]} decoded")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("represented value")
    _legend(ax)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    time_unit : {"ms", "s"}
        Unit of the x axis.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    t = np.linspace(0.0, 0.05, 501) if t is None else np.asarray(t, float)
    scale = 1e3 if time_unit == "ms" else 1.0
    for syn in synapses:
        ax.plot(t * scale, syn.impulse(t), lw=1.5, label=repr(syn))
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("h(t) (1/s)")
    _legend(ax)
    return ax


def phase(x: np.ndarray, *, ax: Any = None, lw: float = 0.6, **kwargs: Any) -> Any:
    """Phase portrait of a 2-D or 3-D trajectory.

    Parameters
    ----------
    x : (n_steps, 2) or (n_steps, 3) array
        The trajectory (e.g. a decoded state, dimensionless).
    ax : matplotlib Axes, optional
        Where to draw; a 3-D trajectory needs 3-D axes, made when ``ax`` is
        None.
    lw : float
        Line width.
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
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
    spike_times: Sequence[np.ndarray] | None = None,
    *,
    ax: Any = None,
    rate: float | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    time_unit: str = "s",
) -> Any:
    """Filtered spike trains (Hz) with the raster they came from above them.

    Parameters
    ----------
    t : (n_times,) array
        Times in seconds.
    filtered : (n_times,) or (n_times, n_traces) array
        Filtered spike trains in Hz (e.g. ``syn.filt(spikes, dt)``, or a
        neuron's trace beside the population mean).
    spike_times : list of 1-D arrays, optional
        The spikes, one array per neuron, drawn as ticks in a band at the top
        of the axes (neuron 0 uppermost), in axes coordinates: the ticks have
        no rate value.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    rate : float or (n_times,) array, optional
        True underlying rate in Hz, drawn dashed.
    labels : sequence of str, optional
        One legend entry per trace.
    time_unit : {"s", "ms"}
        Unit of the x axis.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    f = np.asarray(filtered, float)
    f = f[:, None] if f.ndim == 1 else f
    scale = 1e3 if time_unit == "ms" else 1.0
    ts = np.asarray(t, float) * scale
    for k in range(f.shape[1]):
        ax.plot(ts, f[:, k], lw=1, label=None if labels is None else labels[k])
    if rate is not None:
        ax.plot(ts, np.broadcast_to(rate, ts.shape), "k--", lw=1, label="rate")
    top = max(float(f.max()), 1.0) if f.size else 1.0
    band = 0.25  # top quarter of the axes holds the raster
    n = len(spike_times) if spike_times is not None else 0
    for i, s in enumerate(spike_times or []):
        y = 1.0 - band * (i + 0.5) / n
        ax.plot(np.asarray(s) * scale, np.full(len(s), y), "|", color="k", ms=3,
                transform=ax.get_xaxis_transform())  # fmt: skip
    bottom = min(0.0, float(f.min())) if f.size else 0.0
    ax.set_ylim(bottom, 1.05 * top / (1.0 - band) if n else 1.05 * top)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("filtered spikes (Hz)")
    if labels is not None or rate is not None:
        _legend(ax)
    return ax


def learning_curves(
    history: dict[str, Sequence[float]],
    ax: Any = None,
    *,
    keys: Sequence[str] | None = None,
    logy: bool = False,
) -> Any:
    """Training curves: each metric of a training history against the epoch.

    Parameters
    ----------
    history : dict of lists
        Per-epoch metrics, e.g. the :class:`neurosim.ann.History` returned by
        ``ann.fit`` (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``).
    keys : sequence of str, optional
        Metrics to draw (default: every key except ``time``). Losses go on the
        left axis; accuracies, when present, on a second axis at the right.
    logy : bool
        Logarithmic loss axis.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    ax = _axes(ax)
    keys = [k for k in history if k != "time"] if keys is None else list(keys)
    loss_keys = [k for k in keys if "acc" not in k]
    acc_keys = [k for k in keys if "acc" in k]
    for k in loss_keys:
        values = np.asarray(history[k], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=k)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    if acc_keys:
        ax2 = ax.twinx()
        for k in acc_keys:
            values = np.asarray(history[k], dtype=float)
            ax2.plot(np.arange(1, len(values) + 1), values, "--", label=k)
        ax2.set_ylabel("accuracy")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if handles:
        _legend(ax, handles, labels, below=bool(acc_keys))
    return ax


def patterns(
    images: np.ndarray,
    shape: tuple[int, int] | None = None,
    *,
    ax: Any = None,
    ncols: int | None = None,
    cmap: str = "gray_r",
    gap: int = 1,
) -> Any:
    """A grid of small images (stored, cued and recalled patterns; RBM samples).

    Parameters
    ----------
    images : (n_images, height * width) or (n_images, height, width) array
        One image per row; +-1 and 0/1 images alike (drawn with min/max scaling).
    shape : (height, width), optional
        Image shape when ``images`` is flat (default: square).
    ncols : int, optional
        Images per row of the grid (default: up to 10).
    gap : int
        Blank pixels between images.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    cmap : str
        Matplotlib colormap name.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    imgs = _series("images", images, ndim=(1, 2, 3))
    gap = check_number("gap", gap, low=0, integer=True)
    if imgs.ndim == 1:
        imgs = imgs[None, :]
    if imgs.ndim == 2:
        if shape is None:
            side = int(round(np.sqrt(imgs.shape[1])))
            shape = (side, imgs.shape[1] // side)
        if not (isinstance(shape, tuple | list) and len(shape) == 2):
            raise TypeError(f"shape: expected (height, width) (got {shape!r})")
        h, w = (check_number("shape", k, low=1, integer=True) for k in shape)
        if h * w != imgs.shape[1]:
            raise ShapeError(
                f"shape: {shape} does not hold {imgs.shape[1]} pixels per image"
            )
        imgs = imgs.reshape(len(imgs), h, w)
    n, h, w = imgs.shape
    ncols = (
        min(n, 10)
        if ncols is None
        else check_number("ncols", ncols, low=1, integer=True)
    )
    check_alloc(
        "gap", -(-n // ncols) * (h + gap) * ncols * (w + gap), what="the canvas"
    )
    ax = _axes(ax)
    nrows = -(-n // ncols)
    canvas = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    for k, img in enumerate(imgs):
        r, c = divmod(k, ncols)
        top, left = r * (h + gap), c * (w + gap)
        canvas[top : top + h, left : left + w] = img
    import matplotlib as mpl

    cm = mpl.colormaps[cmap].with_extremes(bad="0.75")  # the gaps between images
    ax.imshow(canvas, cmap=cm, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def energy_trace(
    energies: np.ndarray,
    *,
    ax: Any = None,
    x: np.ndarray | None = None,
    xlabel: str = "update",
    label: str | None = None,
) -> Any:
    """Energy against iteration (or time, given ``x``) for one or several runs.

    Parameters
    ----------
    energies : (n_steps,) or (n_steps, n_runs) array
        Energies (dimensionless, e.g. ``Hopfield.energy`` along a run).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    x : (n_steps,) array, optional
        Values of the x axis (default: the update index).
    xlabel : str
        Label of the x axis, with its unit if it has one.
    label : str, optional
        Legend entry.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    E = _series("energies", energies)
    xs = np.arange(len(E)) if x is None else _series("x", x, ndim=1, length=len(E))
    ax = _axes(ax)
    ax.plot(xs, E, lw=1, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("energy")
    if label is not None:
        _legend(ax)
    return ax


def capacity_curve(
    loads: np.ndarray,
    recall: np.ndarray,
    *,
    ax: Any = None,
    stderr: np.ndarray | None = None,
    critical_load: float | None = 0.138,
    label: str | None = None,
) -> Any:
    """Recall fraction against load M/N, with the N -> infinity critical load marked.

    Parameters
    ----------
    loads : (n,) array
        Stored patterns per neuron, M / N.
    recall : (n,) array
        Fraction of patterns recalled at each load.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    stderr : (n,) array, optional
        Standard errors, drawn as error bars.
    critical_load : float or None
        Load marked by a dashed line (default 0.138, Amit, Gutfreund and
        Sompolinsky 1985); None for none.
    label : str, optional
        Legend entry.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    loads = _series("loads", loads, ndim=1)
    recall = _series("recall", recall, ndim=1, length=len(loads))
    ax = _axes(ax)
    ax.errorbar(loads, recall, yerr=stderr, marker="o", ms=4, capsize=2, label=label)
    if critical_load is not None:
        ax.axvline(critical_load, color="gray", ls="--", lw=0.8)
        ax.text(critical_load, 0.02, f" {critical_load:g}", color="gray")
    ax.set_xlabel("load M / N")
    ax.set_ylabel("fraction recalled")
    ax.set_ylim(-0.02, 1.02)
    if label is not None:
        _legend(ax)
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
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    time_unit : {"s", "ms"}
        Unit of the x axis.

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
    """
    scale = _time_scale(time_unit)
    times = as_float_array("times", times, ndim=1)
    n_neurons = check_number("n_neurons", n_neurons, low=1, integer=True)
    t_start = check_number("t_start", t_start, low=0.0)
    t_end = check_number("t_end", t_end, low=0.0)
    if not t_end > t_start:
        raise ValidationError(f"t_end: must be > t_start = {t_start:g} (got {t_end:g})")
    bin_width = check_number("bin_width", bin_width, low=0.0, low_open=True)
    n_bins = (t_end - t_start) / bin_width + 2
    check_alloc("t_end, t_start, bin_width", n_bins, what="the bins")
    edges = np.arange(t_start, t_end + 0.5 * bin_width, bin_width)
    counts, edges = np.histogram(times, bins=edges)
    rate = counts / (n_neurons * bin_width)
    ax = _axes(ax)
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

    Parameters
    ----------
    monitor : StateMonitor
        A monitor after a run (``t``, ``values``, ``record``).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    scale : float
        Factor applied to the values (``1e3`` with ``unit="mV"`` for volts).
    unit : str
        Unit of the scaled values, for the y label.
    time_unit : {"s", "ms"}
        Unit of the x axis.
    threshold : float, optional
        Draw a dashed line at this value (before scaling).

    Returns
    -------
    matplotlib Axes
        The axes drawn on.
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
        _legend(ax)
    return ax


def sweep_line(
    table: Any,
    result: str,
    x: str,
    *,
    by: str | None = None,
    error: str = "sem",
    ax: Any = None,
    xscale: str = "linear",
    label: str | None = None,
) -> Any:
    """A sweep's result against one parameter, mean and error bars over repeats.

    Successful rows are pooled over the repeats and every parameter other
    than ``x`` and ``by`` (:meth:`neurosim.sweeps.Table.aggregate`).

    Parameters
    ----------
    table : neurosim.sweeps.Table
        What :func:`neurosim.sweep` returned (or :func:`neurosim.sweeps.load`).
    result : str
        A scalar result column (one number per row).
    x : str
        The parameter on the horizontal axis.
    by : str, optional
        One line per value of this parameter (with a legend).
    error : {"sem", "std", "none"}
        Error bars: standard error of the mean, standard deviation, or none.
    ax : matplotlib Axes, optional
    xscale : {"linear", "log"}
        Scale of the horizontal axis.
    label : str, optional
        Legend label of the line when ``by`` is None.

    Returns
    -------
    matplotlib Axes
    """
    if error not in ("sem", "std", "none"):
        raise ValueError(f"error: expected 'sem', 'std' or 'none' (got {error!r})")
    groups = [x] if by is None else [by, x]
    levels, mean, std, count = table.aggregate(result, by=groups)
    if mean.ndim != len(groups):
        raise ValueError(
            f"result: {result!r} holds arrays of shape {mean.shape[len(groups) :]} "
            "per row; sweep_line plots one number per row"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        err = {"sem": std / np.sqrt(count), "std": std, "none": None}[error]
    ax = _axes(ax)
    if by is None:
        mean, err = mean[None], None if err is None else err[None]
    for k in range(mean.shape[0]):
        ax.errorbar(
            levels[-1],
            mean[k],
            yerr=None if err is None else np.nan_to_num(err[k]),
            marker="o",
            ms=4,
            capsize=2,
            label=label if by is None else f"{by} = {levels[0][k]:.3g}",
        )
    ax.set_xscale(xscale)
    ax.set_xlabel(x)
    ax.set_ylabel(result)
    if by is not None or label is not None:
        _legend(ax)
    return ax


def sweep_heatmap(
    table: Any,
    result: str,
    x: str,
    y: str,
    *,
    ax: Any = None,
    cmap: str = "viridis",
    colorbar: bool = True,
    fmt: str = "{:.3g}",
) -> Any:
    """A sweep's result over two parameters: the mean over repeats, one cell each.

    Cells sit at the parameters' distinct values in order (evenly spaced,
    labelled with the values), so uneven or log-spaced grids keep square
    cells. Groups without a successful row are blank.

    Parameters
    ----------
    table : neurosim.sweeps.Table
        What :func:`neurosim.sweep` returned.
    result : str
        A scalar result column.
    x, y : str
        Parameters along the horizontal and vertical axes.
    ax : matplotlib Axes, optional
    cmap : str
        Colour map.
    colorbar : bool
        Draw a colour bar labelled with ``result``.
    fmt : str
        Format of the tick labels.

    Returns
    -------
    matplotlib Axes
        The image is ``ax.images[0]``; its array is the ``(len(y levels),
        len(x levels))`` grid of means.
    """
    levels, mean, _std, _count = table.aggregate(result, by=[y, x])
    if mean.ndim != 2:
        raise ValueError(
            f"result: {result!r} holds arrays of shape {mean.shape[2:]} per row; "
            "sweep_heatmap plots one number per row"
        )
    ax = _axes(ax)
    image = ax.imshow(
        np.ma.masked_invalid(mean), origin="lower", aspect="auto", cmap=cmap
    )
    for set_ticks, set_labels, lv in (
        (ax.set_xticks, ax.set_xticklabels, levels[1]),
        (ax.set_yticks, ax.set_yticklabels, levels[0]),
    ):
        step = max(1, len(lv) // 8)  # at most about 8 labels per axis
        set_ticks(np.arange(0, len(lv), step))
        set_labels([fmt.format(v) for v in lv[::step]])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=result)
    return ax
