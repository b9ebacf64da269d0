"""A public way to describe a neuron model: :class:`NeuronModel`.

A model is plain data plus one or two small plain-Python functions for *one*
neuron: its state variables, parameters and input ports, its dynamics (either
the right-hand side of its ODEs, integrated by a method chosen by name, or a
hand-written update over one step), and its spike rule (threshold, reset,
refractory period). The engine compiles those functions for the CPU
(``numba.njit``) and as CUDA device functions from that one source, and
composes them into its loops (:mod:`neurosim.kernels.models`); nothing in the
engine lists the models, so a subclass is all a user writes::

    class Izhikevich(ns.NeuronModel):
        time_unit = 1e-3                      # the equations are in ms
        state = {"v": -65.0, "u": -13.0}      # mV
        params = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
        inputs = ("I",)
        threshold = ("v", 30.0)               # spike when v > 30 mV
        method = "euler"

        @staticmethod
        def derivatives(v, u, I, a, b):
            return 0.04 * v * v + 5.0 * v + 140.0 - u + I, a * (b * v - u)

        @staticmethod
        def reset(v, u, c, d):
            return c, u + d

Functions receive the variables they name: each argument must be a state
variable, a parameter or an input port (``update`` may also take ``dt``, the
step in the model's time unit). ``derivatives`` and ``update`` return one value
per state variable, in the order of ``state`` (a bare value for one variable);
a ``reset`` function returns the new values of every state variable. The body
may use ``math`` and ``numpy`` (as ``np``) functions and module-level numeric
constants (frozen when the model is compiled); prefer ``math.exp`` and the
like to numpy's ufuncs, which compile for the CPU but not for CUDA devices.
It may not call other functions of its module or use closures, because its
source is copied into a generated module (that is what lets numba cache it
safely; see :mod:`neurosim.kernels.codegen`).

This module only describes; it imports neither numba nor the simulator.
"""

from __future__ import annotations

import difflib
import inspect
import keyword
import numbers
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .._validation import as_float_array
from ..exceptions import ShapeError, ValidationError
from .base import NeuronType

#: Names the generated code keeps for itself (besides names starting with "_").
RESERVED = frozenset({"dt", "math", "np", "numba", "cuda", "prange"})
FUNCTIONS = ("derivatives", "update", "reset")
SPIKE_TIMES = ("grid", "linear")


class Current:
    """An input port whose value reaches the model's functions as is.

    The value is the sum of what drives the port: the filtered synaptic input
    of the connections made with ``port=`` its name, and external inputs (the
    port's name in :func:`~neurosim.simulate_neurons`'s ``current`` dict, or
    ``Network.add_input(..., port=...)``). Usually a current, in the model's
    unit; a model may as well read it as a conductance it multiplies itself
    (e.g. with a voltage-dependent block). ``inputs = ("I",)`` is
    ``inputs = {"I": Current()}``.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is Current

    def __hash__(self) -> int:
        return hash(Current)

    def __repr__(self) -> str:
        return "Current()"


class Conductance:
    """An input port that is a conductance with a reversal potential.

    The port's value ``g`` (summed as for :class:`Current`) drives the current

    .. math:: I_g = g \\, (E - v)

    which the engine adds to the current port ``current`` every time the
    model's ``derivatives`` (or ``update``) are evaluated, with ``v`` the
    value of the state variable ``voltage`` at that evaluation (each stage of
    a Runge-Kutta step; ``g`` is held over the step, as every input is). The
    model's functions never write the term themselves; they may still read
    ``g`` by the port's name. Units are the model's: with ``v`` in mV and
    ``g`` in nS, ``I_g`` is in pA.

    Parameters
    ----------
    E : float or str
        Reversal potential: a number, or the name of one of the model's
        parameters (then it may differ per neuron).
    current : str, optional
        The :class:`Current` port that receives ``I_g``. Default: the model's
        first current port.
    voltage : str, optional
        The state variable ``v``. Default: the threshold variable, else
        ``"v"``.
    """

    def __init__(
        self, E: float | str, *, current: str | None = None, voltage: str | None = None
    ) -> None:
        if isinstance(E, bool) or not isinstance(E, numbers.Real | str):
            raise ValidationError(
                f"Conductance.E: expected a number or a parameter name (got {E!r})"
            )
        for what, x in (("current", current), ("voltage", voltage)):
            if x is not None and not isinstance(x, str):
                raise ValidationError(
                    f"Conductance.{what}: expected a name or None (got {x!r})"
                )
        self.E = E if isinstance(E, str) else float(E)
        self.current = current
        self.voltage = voltage

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Conductance) and (
            (self.E, self.current, self.voltage)
            == (other.E, other.current, other.voltage)
        )

    def __hash__(self) -> int:
        return hash((Conductance, self.E, self.current, self.voltage))

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v in (("current", self.current), ("voltage", self.voltage))
            if v is not None
        )
        return f"Conductance(E={self.E!r}{extra})"


Port = Current | Conductance


def ports(cls: type) -> dict[str, Port]:
    """A model class's input ports, ``{name: Current() or Conductance(...)}``.

    Conductances come back resolved: their ``current`` and ``voltage`` set
    (the description was checked when the class was created).
    """
    return dict(cls.__dict__.get("_ports") or _resolve_ports(cls))


def _resolve_ports(cls: type) -> dict[str, Port]:
    name = cls.__name__
    raw = cls.inputs
    if isinstance(raw, dict):
        out: dict[str, Port] = {}
        for key, port in raw.items():
            if not isinstance(port, Current | Conductance):
                raise ValidationError(
                    f"{name}.inputs[{key!r}]: expected ns.Current() or "
                    f"ns.Conductance(E=...) (got {port!r})"
                )
            out[key] = port
    else:
        out = {key: Current() for key in raw}
    currents = [k for k, p in out.items() if isinstance(p, Current)]
    state = list(cls.state)
    for key, port in list(out.items()):
        if not isinstance(port, Conductance):
            continue
        current = port.current or (currents[0] if currents else None)
        if current not in currents:
            raise ValidationError(
                f"{name}.inputs[{key!r}]: the conductance's current "
                f"{port.current!r} is not a Current port of the model"
                + (
                    f"; current ports: {', '.join(currents)}"
                    if currents
                    else "; add one, e.g. inputs = {'I': ns.Current(), ...}"
                )
            )
        thr = cls.threshold[0] if isinstance(cls.threshold, tuple) else None
        voltage = port.voltage or (thr if thr in state else "v")
        if voltage not in state:
            raise ValidationError(
                f"{name}.inputs[{key!r}]: voltage {voltage!r} is not a state "
                f"variable{_suggest(voltage, state)}; state: {', '.join(state)}"
            )
        if isinstance(port.E, str) and port.E not in cls.params:
            raise ValidationError(
                f"{name}.inputs[{key!r}]: E = {port.E!r} is not a parameter"
                f"{_suggest(port.E, list(cls.params))}"
            )
        out[key] = Conductance(port.E, current=current, voltage=voltage)
    return out


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def keyword_signature(params: dict[str, Any]) -> inspect.Signature:
    """A constructor signature taking each declared parameter by keyword."""
    return inspect.Signature(
        [
            inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
            for k, v in params.items()
        ]
    )


def check_param_names(owner: str, given: Any, params: dict[str, Any]) -> None:
    """Refuse a keyword of ``given`` that is not one of the declared ``params``."""
    names = list(params)
    for key in given:
        if key not in params:
            raise ValidationError(
                f"{owner}: unknown parameter {key!r}{_suggest(key, names)}; "
                f"parameters: {', '.join(names) or 'none'}"
            )


def raw_function(cls: type, name: str) -> Callable | None:
    """The plain function ``name`` of a model class (static or not), or None."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            obj = klass.__dict__[name]
            if isinstance(obj, staticmethod):
                obj = obj.__func__
            if obj is None or isinstance(obj, dict):
                return None
            if not inspect.isfunction(obj):
                raise ValidationError(
                    f"{cls.__name__}.{name}: expected a plain function (a def, "
                    f"optionally @staticmethod) (got {type(obj).__name__})"
                )
            return obj
    return None


def function_args(cls: type, name: str, fn: Callable) -> tuple[str, ...]:
    """Argument names of a model function (positional, no defaults or *args)."""
    sig = inspect.signature(fn)
    names = []
    for p in sig.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise ValidationError(
                f"{cls.__name__}.{name}: arguments must be plain names "
                f"(got {p.kind.description} {p.name!r})"
            )
        names.append(p.name)
    return tuple(names)


class NeuronModel(NeuronType):
    """Base class of user-describable neuron models (see the module docstring).

    Subclasses set class attributes; instances hold parameter values, each a
    scalar or one value per neuron (a sweep over a parameter is one
    vectorised run, and the compiled code is the same for every value).

    Attributes
    ----------
    state : dict[str, float]
        State variables and their initial values, in order (override
        :meth:`initial_state` for initial values that depend on parameters).
    params : dict[str, float]
        Parameters and their defaults.
    inputs : tuple of str or dict
        Input ports, e.g. ``("I",)`` or ``("I_exc", "I_inh")`` (currents), or
        a dict ``{name: ns.Current() or ns.Conductance(E=...)}``, e.g.
        ``{"I": ns.Current(), "ge": ns.Conductance(E="E_e"),
        "gi": ns.Conductance(E=-80.0)}``: a conductance ``g`` adds
        ``g (E - v)`` to a current port (:class:`Conductance`). An input is
        held constant over each step. In a network the first port also
        receives ``gain * I + bias`` of its group, and a connection targets
        one port (``Network.connect(..., port="ge")``).
    units : dict[str, str]
        Documented units of variables, parameters and inputs (not checked).
    time_unit : float
        The model's time unit in seconds (1.0 for SI, 1e-3 for equations in
        ms). ``dt`` is divided by it before it reaches the model's functions;
        the API (``dt``, spike times, rates) stays in seconds.
    method : str
        Integration method of ``derivatives``: ``"euler"``, ``"rk2"``
        (midpoint), ``"rk4"`` or ``"exponential_euler"`` (any name registered
        in ``neurosim.kernels.integrators.INTEGRATORS``), or ``"exact"`` for
        a ``linear`` model. Ignored when the model defines ``update``.
    linear : bool
        Declares ``d(state)/dt = A state + b`` with ``A`` depending on the
        parameters only (``b`` on parameters and inputs), e.g. LIF and
        adaptive LIF below threshold. Makes method ``"exact"`` available, and
        the default unless the class sets ``method``: each step is
        ``x' = x + P f(x)`` with the propagator ``P = dt phi_1(A dt)``,
        ``phi_1(Z) = Z^-1 (e^Z - I)``, computed per neuron from a matrix
        exponential when the simulation is built (Rotter & Diesmann 1999),
        so the subthreshold solution is exact for inputs held over each step,
        at any ``dt``. Linearity is checked when built (an error names the
        variable). Conductance ports make ``A`` depend on an input and are
        refused.
    threshold : (str, float or str) or None
        ``(variable, value)``: a spike when the variable is above the value
        (a number, or a parameter's name) after a step. None: never spikes.
    reset : dict or function
        New values after a spike: ``{variable: number or parameter name}``
        (unnamed variables keep their value), or a function returning every
        state variable.
    refractory : float or str
        Refractory period in the model's time unit (number or parameter name),
        rounded to whole steps: for that many steps after a spike the
        threshold is not tested and the variables of ``refractory_hold`` do
        not change (their derivatives are multiplied by 0).
    refractory_hold : tuple of str
        Variables clamped while refractory (typically the voltage).
    spike_time : {"grid", "linear"}
        Spike times reported at the end of the step (``"grid"``) or where the
        threshold variable crossed, linearly interpolated inside the step.
    rate_options : dict
        How :func:`neurosim.neuron_rates` simulates tuning curves (no closed
        form): ``dt``, ``t_end``, ``settle`` (seconds).

    Notes
    -----
    The attributes above are set on the subclass (class attributes). Its
    functions are plain defs (``@staticmethod`` recommended):
    ``derivatives(<names>)`` returns ``d(state)/dt`` in the model's time unit,
    one value per state variable; ``update(<names>, dt)`` is a hand-written
    step instead; ``reset(<names>)`` is an optional reset function.
    """

    state: ClassVar[dict[str, float]] = {}
    params: ClassVar[dict[str, float]] = {}
    inputs: ClassVar[tuple[str, ...] | dict[str, Port]] = ("I",)
    units: ClassVar[dict[str, str]] = {}
    time_unit: ClassVar[float] = 1.0
    method: ClassVar[str] = "euler"
    threshold: ClassVar[tuple[str, float | str] | None] = None
    reset: ClassVar[Any] = {}
    refractory: ClassVar[float | str] = 0.0
    refractory_hold: ClassVar[tuple[str, ...]] = ()
    spike_time: ClassVar[str] = "grid"
    rate_options: ClassVar[dict[str, Any]] = {"dt": 1e-4, "t_end": 1.0, "settle": 0.2}
    linear: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_description(cls)
        # the constructor takes the declared parameters by keyword
        cls.__signature__ = keyword_signature(cls.params)

    def __init__(self, **params: Any) -> None:
        """Store parameter values (each a number or one value per neuron).

        Parameters
        ----------
        **params : float or (n,) array_like
            Values of the class's ``params`` (the others keep their defaults).
        """
        cls = type(self).__name__
        check_param_names(cls, params, type(self).params)
        for key, default in type(self).params.items():
            value = params.get(key, default)
            arr = as_float_array(f"{cls}.{key}", value, ndim=(0, 1))
            setattr(self, key, float(arr) if arr.ndim == 0 else arr.copy())

    @property
    def spiking(self) -> bool:  # type: ignore[override]
        """Whether the model has a spike rule."""
        return type(self).threshold is not None

    def _params(self) -> dict[str, Any]:
        return {
            k: (v.tolist() if isinstance(v, np.ndarray) else v)
            for k, v in ((k, getattr(self, k)) for k in type(self).params)
        }

    def param_values(self) -> dict[str, float | np.ndarray]:
        """The parameter values.

        Returns
        -------
        dict of str to float or (n,) ndarray
            ``{name: value}`` in the order of ``params``.
        """
        return {k: getattr(self, k) for k in type(self).params}

    def n_per_neuron(self) -> int | None:
        """The length of the per-neuron parameters.

        Returns
        -------
        int or None
            The common length, or None when every parameter is a scalar.

        Raises
        ------
        ShapeError
            When two per-neuron parameters have different lengths.
        """
        lengths = {
            k: v.shape[0] for k, v in self.param_values().items() if np.ndim(v) == 1
        }
        if len(set(lengths.values())) > 1:
            raise ShapeError(
                f"{type(self).__name__}: per-neuron parameters have different "
                f"lengths {lengths}"
            )
        return next(iter(lengths.values()), None)

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """Initial values of the state variables.

        The default broadcasts the class's ``state`` values; override it for
        initial values that depend on parameters (e.g. Izhikevich ``u = b v``).

        Parameters
        ----------
        n : int
            Number of neurons.

        Returns
        -------
        dict of str to (n,) ndarray
            One array per state variable.
        """
        return {k: np.full(n, float(v)) for k, v in type(self).state.items()}


NeuronModel.__signature__ = inspect.Signature([])  # type: ignore[attr-defined]


def _check_name_list(cls: type, what: str, names: Any) -> list[str]:
    out = []
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(
                f"{cls.__name__}.{what}: names must be identifiers (got {name!r})"
            )
        if keyword.iskeyword(name) or name in RESERVED or name.startswith("_"):
            raise ValidationError(
                f"{cls.__name__}.{what}: {name!r} is reserved (keywords, names "
                f"starting with '_', and {', '.join(sorted(RESERVED))})"
            )
        out.append(name)
    return out


def _check_linear_declaration(cls: type, fns: dict[str, Any]) -> None:
    """``linear``: a bool; needs ``derivatives`` and no conductance ports.

    A linear class that does not set ``method`` (itself or through a base
    below :class:`NeuronModel`) gets ``method = "exact"``.
    """
    name = cls.__name__
    if not isinstance(cls.linear, bool):
        raise ValidationError(f"{name}.linear: expected True or False")
    if not cls.linear:
        return
    if fns["derivatives"] is None:
        raise ValidationError(
            f"{name}.linear: exact propagators need derivatives(...), not update()"
        )
    cond = [k for k, p in cls._ports.items() if isinstance(p, Conductance)]
    if cond:
        raise ValidationError(
            f"{name}.linear: the conductance ports {cond} multiply the voltage by "
            "an input, so the dynamics are not linear with input-free A"
        )
    own = [
        k for k in cls.__mro__ if k is not NeuronModel and issubclass(k, NeuronModel)
    ]
    if not any("method" in k.__dict__ for k in own):
        cls.method = "exact"


def check_description(cls: type) -> None:
    """Validate a :class:`NeuronModel` subclass's description (at class creation).

    Raises :class:`~neurosim.exceptions.ValidationError` naming the model and
    the attribute or function argument at fault.
    """
    name = cls.__name__
    if not isinstance(cls.state, dict) or not cls.state:
        raise ValidationError(f"{name}.state: expected a non-empty dict name -> value")
    if not isinstance(cls.params, dict):
        raise ValidationError(f"{name}.params: expected a dict name -> default")
    if isinstance(cls.inputs, str) or not isinstance(cls.inputs, tuple | list | dict):
        raise ValidationError(
            f"{name}.inputs: expected a tuple of port names or a dict name -> "
            f"ns.Current() / ns.Conductance(E=...) (got {cls.inputs!r})"
        )
    state = _check_name_list(cls, "state", cls.state)
    params = _check_name_list(cls, "params", cls.params)
    inputs = _check_name_list(cls, "inputs", cls.inputs)
    everything = state + params + inputs
    dup = {n for n in everything if everything.count(n) > 1}
    if dup:
        raise ValidationError(
            f"{name}: names used twice among state, params and inputs: {sorted(dup)}"
        )
    for what, mapping in (("state", cls.state), ("params", cls.params)):
        for key, value in mapping.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValidationError(
                    f"{name}.{what}[{key!r}]: expected a number (got {value!r})"
                )
    if not (isinstance(cls.time_unit, numbers.Real) and cls.time_unit > 0):
        raise ValidationError(f"{name}.time_unit: expected seconds > 0")
    fns = {f: raw_function(cls, f) for f in FUNCTIONS}
    if (fns["derivatives"] is None) == (fns["update"] is None):
        raise ValidationError(
            f"{name}: define exactly one of derivatives(...) (integrated by "
            f"`method`) and update(...) (a hand-written step)"
        )
    for fname, fn in fns.items():
        if fn is None:
            continue
        allowed = everything + (["dt"] if fname == "update" else [])
        for arg in function_args(cls, fname, fn):
            if arg not in allowed:
                raise ValidationError(
                    f"{name}.{fname}: argument {arg!r} is not a state variable, "
                    f"parameter or input{_suggest(arg, allowed)}; known: "
                    f"{', '.join(allowed)}"
                )

    def value_or_param(what: str, value: Any) -> None:
        if isinstance(value, str):
            if value not in params:
                raise ValidationError(
                    f"{name}.{what}: {value!r} is not a parameter"
                    f"{_suggest(value, params)}"
                )
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValidationError(
                f"{name}.{what}: expected a number or a parameter name (got {value!r})"
            )

    def state_var(what: str, var: Any) -> None:
        if var not in state:
            raise ValidationError(
                f"{name}.{what}: {var!r} is not a state variable"
                f"{_suggest(str(var), state)}; state: {', '.join(state)}"
            )

    if cls.threshold is not None:
        if not (isinstance(cls.threshold, tuple) and len(cls.threshold) == 2):
            raise ValidationError(
                f"{name}.threshold: expected (variable, value) or None "
                f"(got {cls.threshold!r})"
            )
        state_var("threshold", cls.threshold[0])
        value_or_param("threshold", cls.threshold[1])
    if fns["reset"] is None:
        if not isinstance(cls.reset, dict):
            raise ValidationError(
                f"{name}.reset: expected a dict or a function (got {cls.reset!r})"
            )
        for var, value in cls.reset.items():
            state_var("reset", var)
            value_or_param(f"reset[{var!r}]", value)
    value_or_param("refractory", cls.refractory)
    if isinstance(cls.refractory_hold, str):
        raise ValidationError(
            f"{name}.refractory_hold: expected a tuple of names, e.g. ('v',)"
        )
    for var in cls.refractory_hold:
        state_var("refractory_hold", var)
    if cls.spike_time not in SPIKE_TIMES:
        raise ValidationError(
            f"{name}.spike_time: expected one of {SPIKE_TIMES} (got {cls.spike_time!r})"
        )
    if cls.threshold is None and (cls.reset or fns["reset"] is not None):
        raise ValidationError(f"{name}.reset: a reset needs a threshold")
    cls._ports = _resolve_ports(cls)
    _check_linear_declaration(cls, fns)
    step_fn = fns["derivatives"] or fns["update"]
    step_name = "derivatives" if fns["derivatives"] is not None else "update"
    step_args = function_args(cls, step_name, step_fn)
    for key, port in cls._ports.items():
        if isinstance(port, Conductance) and port.current not in step_args:
            raise ValidationError(
                f"{name}.inputs[{key!r}]: the conductance's current goes to "
                f"{port.current!r}, which {name}.{step_name} does not take"
            )
