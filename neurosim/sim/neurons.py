"""Simulate populations of uncoupled neurons (LIF, Hodgkin-Huxley).

One compiled call runs the whole time loop of a population: on the CPU a
``prange`` over neurons with each neuron's time loop inside, on a GPU one
``numba.cuda`` launch (one thread per neuron, grid-stride). Inputs given as a
function of time are evaluated on the time grid first, so no Python runs per
step.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._jit import announces_compiles, resolve_backend
from .._validation import (
    as_float_array,
    check_alloc,
    check_choice,
    check_dt,
    check_number,
    check_steps,
)
from ..exceptions import ShapeError, UnstableStepError, ValidationError
from ..kernels.spike_buffers import compact
from ..neurons.base import NeuronType
from ..neurons.hh import HodgkinHuxley
from ..neurons.lif import LIF
from ..neurons.lif_neuron import LIFNeuron
from ..neurons.model import NeuronModel
from ..spikes import estimate_rates

HH_METHODS = {"exponential_euler": 0, "rk4": 1}
LIF_METHODS = ("exact",)
#: Bytes allowed for the first pass's HH spike buffers (LIF buffers follow an
#: analytic bound); neurons that spike more are re-run alone with a buffer of
#: their exact size.
SPIKE_BUFFER_BYTES = 64 * 2**20
#: The RK4 step (ms) suggested when RK4 diverged for the classic HH model
#: (measured for I in 0..200 uA/cm^2 over 100 ms: 0.08 ms stays bounded,
#: 0.09 ms diverges from I = 20 up; 0.05 ms leaves a margin).
HH_RK4_DT_HINT_MS = 0.05
#: Largest step (ms) at which exponential Euler keeps the classic HH model's
#: rates within about 5 % (measured against RK4 at 0.01 ms for I = 7..50
#: uA/cm^2: 4-5 % low at 0.1 ms, 11 % at 0.2 ms, spikes lost from 0.5 ms; at
#: 1 ms a 10 uA/cm^2 input gives no spikes and an 11 mV peak). Larger steps warn.
HH_EXP_EULER_DT_WARN_MS = 0.1
RATE_ESTIMATORS = ("count", "isi")


@dataclass
class Recording:
    """What :func:`simulate_neurons` returns.

    Attributes
    ----------
    t : (n_steps,) ndarray
        Times in seconds at the end of each step, ``(k + 1) * dt``.
    v : (n_steps, n_neurons) ndarray or None
        Membrane potential after each step (time-major; the model's unit:
        dimensionless for LIF, mV for Hodgkin-Huxley), or None when
        ``record_v=False``.
    spike_counts : (n_neurons,) int ndarray
        Number of spikes of each neuron.
    spike_times_flat : (n_spikes,) ndarray
        All spike times in seconds, neuron by neuron (each neuron's in order);
        neuron ``i`` owns ``spike_times_flat[offsets[i]:offsets[i + 1]]`` with
        ``offsets = [0, *cumsum(spike_counts)]``.
    dt, t_end : float
        Step and simulated duration (``n_steps * dt``), seconds.
    model : NeuronType
        The simulated model description.
    method, backend : str
        Integration method and the backend that ran.
    info : dict
        Diagnostics: ``spike_capacity`` (largest first-pass buffer) and
        ``n_reruns`` (neurons re-run because they spiked more than that).
    state : dict of str to (n_steps, n_neurons) ndarray
        Recorded state variables of a :class:`~neurosim.NeuronModel` (after
        each step, time-major, the model's units); empty for the built-in
        LIF and Hodgkin-Huxley, whose voltage is ``v``.
    """

    t: np.ndarray
    v: np.ndarray | None
    spike_counts: np.ndarray
    spike_times_flat: np.ndarray
    dt: float
    t_end: float
    model: NeuronType
    method: str
    backend: str
    info: dict[str, Any] = field(default_factory=dict)
    state: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_neurons(self) -> int:
        """Number of simulated neurons."""
        return len(self.spike_counts)

    @functools.cached_property
    def spike_times(self) -> list[np.ndarray]:
        """Spike times of each neuron in seconds (list of 1-D arrays)."""
        return np.split(self.spike_times_flat, np.cumsum(self.spike_counts)[:-1])

    def rates(self, t_start: float = 0.0) -> np.ndarray:
        """Firing rate (Hz) of each neuron: spikes in ``[t_start, t_end]`` / s.

        Parameters
        ----------
        t_start : float
            Start of the counting window in seconds (default 0), before ``t_end``.

        Returns
        -------
        numpy.ndarray
            ``(n_neurons,)`` rates in Hz.
        """
        t_start = check_number("t_start", t_start, low=0.0, high=self.t_end)
        if t_start >= self.t_end:
            raise ValidationError(
                f"t_start: must be < t_end = {self.t_end:g} s (got {t_start!r})"
            )
        if t_start == 0.0:
            counts = self.spike_counts
        else:
            owner = np.repeat(np.arange(self.n_neurons), self.spike_counts)
            late = self.spike_times_flat >= t_start
            counts = np.bincount(owner[late], minlength=self.n_neurons)
        return counts / (self.t_end - t_start)


def _n_steps(dt: float, t_end: float) -> int:
    """Steps covering ``t_end`` (a ratio within 1e-9 of an integer is that integer)."""
    check_steps("t_end", t_end, dt)  # countable: a clear error instead of a hang
    ratio = t_end / dt
    n = math.ceil(ratio - 1e-9 * max(1.0, ratio))
    return max(n, 1)


def _current_array(
    current: Any, n_steps: int, dt: float, n_neurons: int | None
) -> tuple[np.ndarray, int]:
    """Turn ``current`` into a float64 ``(rows, n_neurons)`` array and its row stride.

    Constant inputs give one row (stride 0); time-varying ones ``n_steps`` rows
    (stride 1), row ``k`` being the input held over step ``k``, i.e. over
    ``[k dt, (k + 1) dt)``; a callable is evaluated at ``t = k dt``.
    """
    if callable(current):
        grid = np.arange(n_steps) * dt
        rows = [np.atleast_1d(np.asarray(current(t), dtype=np.float64)) for t in grid]
        if any(r.ndim != 1 or r.shape != rows[0].shape for r in rows):
            raise ShapeError(
                "current: a callable must return a scalar or a 1-D array of the "
                "same length at every time"
            )
        arr = as_float_array("current (values of the callable)", np.stack(rows))
        stride = 1
    else:
        arr = as_float_array("current", current, ndim=(0, 1, 2))
        if arr.ndim == 2:
            if arr.shape[0] != n_steps:
                raise ShapeError(
                    f"current: a 2-D current must have shape (n_steps, n_neurons) "
                    f"with n_steps = {n_steps} (got {arr.shape})"
                )
            stride = 1
        else:
            arr = np.atleast_1d(arr)[None, :]
            stride = 0
    if n_neurons is not None:
        check_alloc("n_neurons", n_neurons * arr.shape[0], what="the currents")
        if arr.shape[1] == 1:
            arr = np.repeat(arr, n_neurons, axis=1)
        elif arr.shape[1] != n_neurons:
            raise ShapeError(
                f"current: has {arr.shape[1]} columns but n_neurons = {n_neurons}"
            )
    if arr.shape[1] == 0:
        raise ShapeError("current: needs at least one neuron (got 0 columns)")
    return np.ascontiguousarray(arr), stride


def _builtin_record(record: Any) -> bool:
    """``record`` for the built-in LIF and Hodgkin-Huxley: only ``"v"`` exists."""
    if record is True or record is False:
        return record
    names = (record,) if isinstance(record, str) else tuple(record)
    if any(x != "v" for x in names):
        raise ValidationError(
            "record: the built-in LIF and HodgkinHuxley record only 'v' "
            f"(got {record!r})"
        )
    return bool(names)


def _drivers(model: NeuronType, backend: str) -> Callable:
    if isinstance(model, HodgkinHuxley):
        if backend == "cuda":
            from ..kernels.hh_cuda import hh_run_cuda

            return hh_run_cuda
        from ..kernels.hh import hh_run

        return hh_run
    if backend == "cuda":
        from ..kernels.lif_cuda import lif_run_cuda

        return lif_run_cuda
    from ..kernels.lif import lif_run

    return lif_run


def _method(model: NeuronType, method: str | None) -> str:
    if isinstance(model, HodgkinHuxley):
        return check_choice(
            "method", "exponential_euler" if method is None else method, HH_METHODS
        )
    return check_choice("method", "exact" if method is None else method, LIF_METHODS)


def _run(
    model: NeuronType,
    driver: Callable,
    I: np.ndarray,
    stride: int,
    n_steps: int,
    dt: float,
    method: str,
    capacity: np.ndarray,
    record_v: bool,
    u0: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One compiled run from the initial state (LIF: voltage ``u0``).

    ``capacity[i]`` is the room for neuron ``i``'s spike times. Returns the
    stored spike times (seconds, neuron by neuron, at most ``capacity[i]``
    each), the full spike counts, and the voltage record (or None).
    """
    n = I.shape[1]
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(capacity, out=off[1:])
    spk_buf = np.empty(off[-1])  # the kernels write the entries they count
    spk_n = np.zeros(n, dtype=np.int64)
    v_rec = np.empty((n_steps, n) if record_v else (1, 1))
    if isinstance(model, HodgkinHuxley):
        V0, m0, h0, n0 = model.initial_state()
        status = np.empty(n, dtype=np.int64)
        dt_ms = dt * 1e3
        driver(
            I, stride, np.full(n, V0), np.full(n, m0), np.full(n, h0),
            np.full(n, n0), dt_ms, HH_METHODS[method], model.kernel_params(),
            n_steps, spk_buf, off, spk_n, v_rec, record_v, status,
        )  # fmt: skip
        bad = np.flatnonzero(status >= 0)
        if bad.size:
            i = int(bad[0])
            hint = (
                f"use dt <= {HH_RK4_DT_HINT_MS * 1e-3:g} s or "
                "method='exponential_euler'"
                if method == "rk4"
                else "use a smaller dt"
            )
            raise UnstableStepError(
                f"dt: {dt:g} s ({dt_ms:g} ms) makes method={method!r} unstable for "
                f"{type(model).__name__} at its current: neuron {i} diverged at "
                f"t = {(status[i] + 1) * dt:g} s ({bad.size} neuron(s) in all); " + hint
            )
    else:
        full = -math.expm1(-dt / model.tau_rc)  # type: ignore[attr-defined]
        driver(
            I, stride, np.full(n, u0), np.zeros(n), dt, model.tau_rc, model.tau_ref,
            full, n_steps, spk_buf, off, spk_n, v_rec, record_v,
        )  # fmt: skip
    kept = np.minimum(spk_n, capacity)
    if np.array_equal(kept, capacity):
        flat = spk_buf
    else:
        flat = compact(spk_buf, off, kept)
    if isinstance(model, HodgkinHuxley):
        flat = flat * 1e-3  # ms -> s
    return flat, spk_n, (v_rec if record_v else None)


def _lif_neuron_as_lif(model: LIFNeuron, current: Any) -> tuple[LIF, Any, float]:
    """The dimensionless LIF, input and initial voltage equivalent to ``model``.

    ``u = (v - v_reset) / (v_th - v_reset)`` and ``J = (v_rest - v_reset + I) /
    (v_th - v_reset)`` (see :class:`~neurosim.LIFNeuron`); the neuron starts at
    ``v_rest``.
    """
    offset, scale = model.v_rest - model.v_reset, model.scale
    lif = LIF(tau_rc=model.tau_m, tau_ref=model.tau_ref)
    if not callable(current):
        J = (offset + as_float_array("current", current, ndim=(0, 1, 2))) / scale
        return lif, J, offset / scale

    def J_of_t(t: float) -> np.ndarray:  # noqa: N802 (J is the input)
        return (offset + np.asarray(current(t), dtype=np.float64)) / scale

    return lif, J_of_t, offset / scale


def _spike_capacity(
    model: NeuronType, I: np.ndarray, n_steps: int, dt: float
) -> np.ndarray:
    """Room for each neuron's spike times in the first pass.

    LIF: the analytic bound ``floor(T r(J_max)) + 2`` (the first spike comes
    one period less ``tau_ref`` after the start; a lower input only lengthens
    every interval). Hodgkin-Huxley: an even share of
    :data:`SPIKE_BUFFER_BYTES`; neurons that spike more are re-run.
    """
    n = I.shape[1]
    if isinstance(model, LIF):
        bound = np.floor(n_steps * dt * model.rates(I.max(axis=0))) + 2
        if model.tau_ref >= dt:  # at most one spike per step
            bound = np.minimum(bound, n_steps)
        check_alloc("current", bound.sum(), what="the spike times it drives")
        return bound.astype(np.int64)
    share = max(8, SPIKE_BUFFER_BYTES // (8 * n))
    return np.full(n, min(n_steps, share), dtype=np.int64)


def _model_inputs(
    model: NeuronModel, current: Any, n_steps: int, dt: float, n: int | None
) -> tuple[np.ndarray, int, int]:
    """``(inp (n_ports, rows, n), stride, n)`` for a :class:`NeuronModel`.

    ``current`` feeds the first input port, or is a dict ``{port: value}``;
    ports not given get 0. ``n`` comes from ``n_neurons``, the inputs'
    columns or the per-neuron parameters (which must agree).
    """
    cls = type(model)
    ports = tuple(cls.inputs)
    if isinstance(current, dict):
        for key in current:
            if key not in ports:
                raise ValidationError(
                    f"current: {cls.__name__} has no input port {key!r}; ports: "
                    f"{', '.join(ports) or 'none'}"
                )
        given = dict(current)
    elif not ports:
        if current is not None and not (np.ndim(current) == 0 and current == 0):
            raise ValidationError(f"current: {cls.__name__} has no input ports")
        given = {}
    else:
        given = {ports[0]: current}
    raw = {p: _current_array(v, n_steps, dt, None) for p, v in given.items()}
    widths = {a.shape[1] for a, _s in raw.values()} - {1}
    per_neuron = model.n_per_neuron()
    if per_neuron is not None:
        widths.add(per_neuron)
    if n is not None:
        widths.add(n)
    if len(widths) > 1:
        raise ShapeError(
            f"current: inputs, per-neuron parameters and n_neurons disagree on "
            f"the number of neurons ({sorted(widths)})"
        )
    n = widths.pop() if widths else 1
    stride = max([s for _a, s in raw.values()], default=0)
    rows = n_steps if stride else 1
    inp = np.zeros((len(ports), rows, n))
    for j, port in enumerate(ports):
        if port in raw:
            inp[j] = raw[port][0]  # broadcasts a constant row or one column
    return inp, stride, n


def _record_names(model: NeuronModel, record: Any, record_v: bool) -> tuple[str, ...]:
    cls = type(model)
    names = list(cls.state)
    if record is None:
        if not record_v:
            return ()
        return (cls.threshold[0] if cls.threshold is not None else names[0],)
    if record is True:
        return tuple(names)
    if record is False:
        return ()
    record = (record,) if isinstance(record, str) else tuple(record)
    for var in record:
        if var not in names:
            raise ValidationError(
                f"record: {cls.__name__} has no state variable {var!r}; state: "
                f"{', '.join(names)}"
            )
    return record


def _simulate_model(
    model: NeuronModel, current: Any, dt: float, n_steps: int, backend: str,
    method: str | None, record: tuple[str, ...], n_neurons: int | None,
) -> Recording:  # fmt: skip
    """:func:`simulate_neurons` for a :class:`NeuronModel` (generated kernels)."""
    from ..kernels import models as M

    cls = type(model)
    inp, stride, n = _model_inputs(model, current, n_steps, dt, n_neurons)
    has_update = "update" in M._functions(cls)
    if has_update and method is not None:
        raise ValidationError(
            f"method: {cls.__name__} has a hand-written update(); it takes no method"
        )
    layout = M.Layout("update" if has_update else method or cls.method, record)
    module = M.compile_model(model, layout)
    thr = cls.threshold[1] if cls.threshold is not None else 0.0
    extras = [
        dt / cls.time_unit,
        dt,
        thr if not isinstance(thr, str) else 0.0,
        cls.refractory if not isinstance(cls.refractory, str) else 0.0,
    ]
    ps = np.array(extras)
    pa = np.array([np.broadcast_to(v, (n,)) for v in model.param_values().values()])
    pa = pa.reshape(len(cls.params), n)
    if layout.method == "exact":  # the propagators follow the parameters
        hidden = M.propagator_rows(cls, model.param_values(), dt / cls.time_unit, n)
        pa = np.concatenate([pa, hidden])
    init = model.initial_state(n)
    state0 = np.array([np.broadcast_to(init[x], (n,)) for x in cls.state], float)
    share = max(8, SPIKE_BUFFER_BYTES // (8 * n))
    capacity = np.full(n, min(n_steps, share), dtype=np.int64)
    run = M.run_cuda if backend == "cuda" else M.run_cpu

    def once(cols: Any, cap: np.ndarray) -> tuple:
        m = cap.shape[0]
        off = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(cap, out=off[1:])
        buf = np.zeros(max(int(off[-1]), 1))
        spk_n = np.zeros(m, dtype=np.int64)
        state = np.ascontiguousarray(state0[:, cols])
        rec = np.zeros((len(record), n_steps, m))
        run(module, model, n_steps, np.ascontiguousarray(inp[:, :, cols]), stride, ps,
            np.ascontiguousarray(pa[:, cols]), state, np.zeros(m, np.int64), rec, buf,
            off, spk_n)  # fmt: skip
        return buf, off, spk_n, state, rec

    buf, off, spk_n, state, rec = once(slice(None), capacity)
    if not np.all(np.isfinite(state)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(state), axis=0))[0])
        raise UnstableStepError(
            f"dt: {dt:g} s made {cls.__name__} (method {layout.method!r}) diverge: "
            f"neuron {bad} has a non-finite state at the end; use a smaller dt or "
            "another method"
        )
    kept = np.minimum(spk_n, capacity)
    pieces = np.split(compact(buf, off, kept), np.cumsum(kept)[:-1])
    over = np.flatnonzero(spk_n > capacity)
    if over.size:  # uncoupled and deterministic: re-run those neurons alone
        sub, sub_off, sub_n, _s, _r = once(over, spk_n[over])
        for j, i in enumerate(over):
            pieces[i] = sub[sub_off[j] : sub_off[j] + sub_n[j]]
    flat = np.concatenate(pieces) if pieces else np.zeros(0)
    states = {x: rec[j] for j, x in enumerate(record)}
    v_name = cls.threshold[0] if cls.threshold is not None else None
    return Recording(
        t=(np.arange(n_steps) + 1) * dt,
        v=states.get(v_name) if v_name else None,
        spike_counts=spk_n,
        spike_times_flat=flat,
        dt=dt,
        t_end=n_steps * dt,
        model=model,
        method=layout.method,
        backend=backend,
        info={"n_reruns": int(over.size), "spike_capacity": int(capacity.max())},
        state=states,
    )


@announces_compiles
def simulate_neurons(
    model: NeuronType,
    current: Any,
    dt: float = 1e-4,
    t_end: float = 1.0,
    backend: str = "auto",
    method: str | None = None,
    record_v: bool = True,
    n_neurons: int | None = None,
    record: Any = None,
) -> Recording:
    """Simulate uncoupled neurons of one model driven by injected currents.

    Parameters
    ----------
    model : LIF, LIFNeuron, HodgkinHuxley or NeuronModel
        The neuron description. LIF currents are dimensionless (threshold 1);
        LIFNeuron inputs are in volts (current times membrane resistance,
        the neuron starts at ``v_rest`` and ``v`` is recorded in volts);
        Hodgkin-Huxley currents are current densities in uA/cm^2; a
        :class:`~neurosim.NeuronModel` takes its input ports in its own units
        and runs through code generated from its description (its
        per-neuron parameters also set the number of neurons).
    current : float, (n_neurons,), (n_steps, n_neurons) array, callable or dict
        A constant for every neuron, one constant per neuron, one row per step
        (row ``k`` held over ``[k dt, (k+1) dt)``), or ``f(t) -> (n_neurons,)``
        evaluated at ``t = k dt`` before the compiled loop starts. For a
        :class:`~neurosim.NeuronModel` this feeds its first input port; a dict
        ``{port: value}`` feeds several (ports left out get 0).
    dt : float
        Step in seconds (> 0). For LIF with ``tau_ref > 0`` it must not exceed
        ``tau_ref`` (at most one spike per step keeps the rate exact).
    t_end : float
        Duration in seconds (> 0), rounded up to whole steps.
    backend : {"auto", "cpu", "cuda"}
        Where to run; "auto" (default) picks "cuda" when a GPU is usable.
    method : str, optional
        LIF, LIFNeuron: "exact" (default). Hodgkin-Huxley:
        "exponential_euler" (default) or "rk4". NeuronModel: its class's
        ``method`` by default, or any registered integrator ("euler", "rk2",
        "rk4", "exponential_euler").
    record_v : bool
        Record the membrane potential after every step (memory
        ``8 * n_steps * n_neurons`` bytes). Default True. For a NeuronModel:
        its threshold variable (or first state variable).
    n_neurons : int, optional
        Number of neurons when ``current`` is a scalar (default 1), or to
        broadcast a one-column input.
    record : str, sequence of str or bool, optional
        State variables to record (NeuronModel; ``True`` for all), returned in
        ``Recording.state``; overrides ``record_v``. An unknown name raises.

    Returns
    -------
    Recording
        ``t``, ``v`` (time-major), ``spike_times``, ``spike_counts``, ``rates()``.

    Raises
    ------
    ValueError, TypeError
        Bad arguments (the message names the argument).
    UnstableStepError
        The step makes the chosen method diverge (Hodgkin-Huxley with RK4).

    Warns
    -----
    RuntimeWarning
        Hodgkin-Huxley with exponential Euler at ``dt`` above 0.1 ms, where
        rates fall short by more than 5 % and spikes are lost
        (:data:`HH_EXP_EULER_DT_WARN_MS`).

    Notes
    -----
    The first call for a model and backend compiles its kernels (numba then
    caches them on disk). A call that spends more than a second compiling
    says so in one line on stderr, once per process, as
    :meth:`Simulator.run` does; nothing else is printed.

    Examples
    --------
    >>> import neurosim as ns
    >>> rec = ns.simulate_neurons(ns.LIF(), [1.5, 2.0], dt=1e-4, t_end=1.0)
    >>> rec.spike_counts.tolist(), ns.LIF().rates([1.5, 2.0]).round(2).tolist()
    ([41, 63], [41.71, 63.04])
    """
    described, u0 = model, 0.0
    if isinstance(model, LIFNeuron):  # the same kernel, dimensionless
        model, current, u0 = _lif_neuron_as_lif(model, current)
    if not isinstance(model, HodgkinHuxley | LIF | NeuronModel):
        raise TypeError(
            "model: expected a neurosim.LIF, LIFNeuron, HodgkinHuxley or a "
            f"neurosim.NeuronModel (got {type(model).__name__})"
        )
    dt = check_dt(dt)
    t_end = check_number("t_end", t_end, low=0.0, low_open=True)
    if dt > t_end:
        raise ValidationError(f"dt: must be <= t_end = {t_end:g} s (got {dt:g})")
    if not isinstance(record_v, bool | np.bool_):
        raise TypeError(f"record_v: expected a bool (got {record_v!r})")
    if n_neurons is not None:
        n_neurons = int(check_number("n_neurons", n_neurons, low=1, integer=True))
    if isinstance(model, NeuronModel):
        names = _record_names(model, record, bool(record_v))
        return _simulate_model(
            model, current, dt, _n_steps(dt, t_end), resolve_backend(backend),
            method, names, n_neurons,
        )  # fmt: skip
    if record is not None:
        record_v = _builtin_record(record)
    method = _method(model, method)
    backend = resolve_backend(backend)
    _check_builtin(model, method, dt)
    n_steps = _n_steps(dt, t_end)
    I, stride = _current_array(current, n_steps, dt, n_neurons)
    if record_v:
        check_alloc("t_end", n_steps * I.shape[1], what="the recorded voltages")
    driver = _drivers(model, backend)
    capacity = _spike_capacity(model, I, n_steps, dt)

    def run(I_part: np.ndarray, cap: np.ndarray, rec: bool) -> tuple:
        return _run(model, driver, I_part, stride, n_steps, dt, method, cap, rec, u0)

    flat, spk_n, v_rec = run(I, capacity, record_v)
    over = np.flatnonzero(spk_n > capacity)
    if over.size:
        flat = _rerun_full(run, I, over, flat, spk_n, capacity)
    t = (np.arange(n_steps) + 1) * dt
    if isinstance(described, LIFNeuron) and v_rec is not None:
        v_rec = described.from_dimensionless(v_rec)
    return Recording(
        t=t,
        v=v_rec,
        spike_counts=spk_n,
        spike_times_flat=flat,
        dt=dt,
        t_end=n_steps * dt,
        model=described,
        method=method,
        backend=backend,
        info={"n_reruns": int(over.size), "spike_capacity": int(capacity.max())},
    )


def _check_builtin(model: NeuronType, method: str, dt: float) -> None:
    """Warn of a too coarse HH step; refuse a LIF ``min_voltage``."""
    if (
        isinstance(model, HodgkinHuxley)
        and method == "exponential_euler"
        and dt * 1e3 > HH_EXP_EULER_DT_WARN_MS * (1 + 1e-9)
    ):
        warnings.warn(
            f"dt: {dt:g} s is too large for exponential Euler on "
            f"{type(model).__name__}: above {HH_EXP_EULER_DT_WARN_MS:g} ms rates "
            "fall short by more than 5 % and spikes are lost; use dt <= "
            f"{HH_EXP_EULER_DT_WARN_MS * 1e-3:g} s",
            RuntimeWarning,
            stacklevel=3,
        )
    if isinstance(model, LIF) and model.min_voltage is not None:
        raise ValidationError(
            "model: LIF.min_voltage is applied by networks (ns.Network), not by "
            "simulate_neurons; use LIF(min_voltage=None) here"
        )


def _rerun_full(
    run: Callable, I: np.ndarray, over: np.ndarray, flat: np.ndarray,
    spk_n: np.ndarray, capacity: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The spike times with those of the neurons ``over`` (whose buffers
    filled) replaced by a rerun with room for all their spikes.

    Uncoupled neurons are deterministic: re-running the few that filled
    their buffer, alone, reproduces exactly the same trajectories.
    """
    sub_flat, sub_n, _ = run(np.ascontiguousarray(I[:, over]), spk_n[over], False)
    pieces = np.split(flat, np.cumsum(np.minimum(spk_n, capacity))[:-1])
    for piece_of_rerun, i in zip(
        np.split(sub_flat, np.cumsum(sub_n)[:-1]), over, strict=True
    ):
        pieces[i] = piece_of_rerun
    return np.concatenate(pieces)


def firing_rates(
    model: NeuronType,
    currents: Any,
    dt: float = 1e-4,
    t_end: float = 1.0,
    settle: float = 0.0,
    backend: str = "auto",
    method: str | None = None,
    estimator: str = "count",
) -> np.ndarray:
    """Firing rates (Hz) for constant currents, by simulation from rest (f-I curves).

    Parameters
    ----------
    model : LIF, LIFNeuron or HodgkinHuxley
        Neuron description.
    currents : (n,) array_like
        Constant input currents, one simulated neuron each (model units).
    dt, t_end : float
        Step and duration in seconds.
    settle : float
        Spikes before ``settle`` seconds (the onset transient) are not counted.
    backend, method : str
        As in :func:`simulate_neurons`.
    estimator : {"count", "isi"}
        ``"count"``: spikes in ``[settle, t_end]`` divided by ``t_end -
        settle``, a staircase in steps of ``1 / (t_end - settle)``. ``"isi"``:
        one over the mean inter-spike interval of those spikes, ``(n - 1) /
        (t_n - t_1)``, which uses the precise spike times and so gives smooth
        f-I curves; 0 Hz for a neuron with fewer than two spikes there.

    Returns
    -------
    (n,) ndarray
        The firing rate of each neuron, in Hz.
    """
    check_choice("estimator", estimator, RATE_ESTIMATORS)
    currents = as_float_array("currents", currents, ndim=(0, 1))
    if currents.size == 0:
        raise ShapeError("currents: needs at least one current (got an empty array)")
    t_end = check_number("t_end", t_end, low=0.0, low_open=True)
    settle = check_number("settle", settle, low=0.0)
    if settle >= t_end:
        raise ValidationError(f"settle: must be < t_end = {t_end:g} s (got {settle!r})")
    rec = simulate_neurons(
        model,
        np.atleast_1d(currents),
        dt=dt,
        t_end=t_end,
        backend=backend,
        method=method,
        record_v=False,
    )
    if estimator == "count":
        return rec.rates(t_start=settle)
    rates = estimate_rates(rec.spike_times, "isi", t_start=settle, t_stop=rec.t_end)
    return np.nan_to_num(np.atleast_1d(rates), nan=0.0)


def neuron_rates(model: NeuronType, currents: Any) -> np.ndarray:
    """Firing rates (Hz) for constant currents: analytic where the model has them.

    A model with a closed-form curve (``model.rates``, e.g. :class:`LIF`) is
    evaluated directly; any other (e.g. :class:`HodgkinHuxley`) is simulated
    from rest by :func:`firing_rates` with the model's ``rate_options``.

    Parameters
    ----------
    model : NeuronType
        Neuron description.
    currents : array_like
        Constant input currents in the model's units, any shape.

    Returns
    -------
    ndarray
        Rates in Hz, the shape of ``currents``.
    """
    if not isinstance(model, NeuronType):
        raise TypeError(
            f"model: expected a neurosim neuron type (got {type(model).__name__})"
        )
    currents = as_float_array("currents", currents)
    rates = getattr(model, "rates", None)
    if rates is not None:
        return np.asarray(rates(currents), dtype=float)
    flat = firing_rates(model, currents.ravel(), **model.rate_options)
    return flat.reshape(currents.shape)
