"""A public way to describe a synaptic rule: :class:`PlasticityRule`.

A rule is plain data plus one or two small plain-Python functions for *one*
synapse, compiled into the network loop (:mod:`neurosim.kernels.rules`) from
their source, like a :class:`~neurosim.NeuronModel`: the engine knows no rule
by name, and pair STDP (:class:`~neurosim.learning.STDP`) is written through
this same mechanism. A triplet rule (Pfister & Gerstner 2006), all-to-all::

    class Triplet(ns.learning.PlasticityRule):
        pre = {"r1": "tau_plus", "r2": "tau_x"}     # presynaptic traces
        post = {"o1": "tau_minus", "o2": "tau_y"}   # postsynaptic traces
        params = {"a2p": 5e-3, "a3p": 6e-3, "a2m": 7e-3, "a3m": 2e-4,
                  "tau_plus": 0.0168, "tau_minus": 0.0337,
                  "tau_x": 0.101, "tau_y": 0.125}

        @staticmethod
        def on_pre(w, o1, r2, a2m, a3m):
            return w - o1 * (a2m + a3m * r2)

        @staticmethod
        def on_post(w, r1, o2, a2p, a3p):
            return w + r1 * (a2p + a3p * o2)

Conventions (the same for every rule)
-------------------------------------
* **Per-synapse state**: the weight ``w`` (in the connection's units, what a
  spike transmits) and the variables of ``synapse`` (name -> initial value:
  a number, a parameter name, or ``"w"`` for the synapse's initial weight).
* **Traces**: ``pre`` and ``post`` map trace names to their time constant in
  seconds (a number or a parameter name), or to ``(tau, "nearest")``. Every
  step each trace decays exactly, ``x <- x exp(-dt/tau)``; after the step's
  updates, a spike adds 1 to its neuron's traces (all-to-all pairing) or
  sets a ``"nearest"`` trace to 1 (nearest-spike pairing). So a function sees
  the traces *before* the increment of its own spike, and a presynaptic
  arrival and a postsynaptic spike in the same step do not see each other.
* **Events**: ``on_pre`` runs for every synapse of a presynaptic spike when
  it *arrives* (``delay`` after it was emitted; the pre traces count
  arrivals), ``on_post`` for every synapse onto a neuron that spiked this
  step; within a step all ``on_pre`` calls come first. Each function takes
  the names it needs: synapse variables (``w`` included), traces (the pre
  traces of the synapse's presynaptic neuron, the post traces of its
  postsynaptic neuron), parameters, ``t`` (the step's end, where its spikes
  are stamped, in seconds) and ``dt`` (seconds). It returns the new values of
  ``w`` and then of every ``synapse`` variable, in order (a bare value when
  ``w`` is the only one).
* **Transmission**: with ``transmit = "before"`` (the default, as Brian2's
  ``on_pre = "v += w; ..."``) a spike carries the weight from before its own
  update: the rule runs after the step's spikes have propagated. With
  ``"after"`` the rule's whole step runs before propagation, so the spike
  carries the weight its ``on_pre`` just computed (short-term plasticity,
  :class:`~neurosim.learning.TsodyksMarkram`).

Parameters are one scalar per connection, fixed when the network is built;
they are passed to the compiled code as values, so two connections (or two
runs) with different values share one compiled rule. A function's body may use
``math``, ``min``/``max``/``abs`` and module-level numeric constants, as a
model function (:mod:`neurosim.neurons.model`).

This module only describes; it imports neither numba nor the simulator.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

from .._validation import check_number
from ..exceptions import ValidationError
from ..neurons.model import (
    RESERVED,
    _suggest,
    check_param_names,
    function_args,
    keyword_signature,
    raw_function,
)

#: The event functions of a rule.
EVENTS = ("on_pre", "on_post")
#: How a spike changes its neuron's traces.
TRACE_MODES = ("all", "nearest")
TRANSMIT = ("before", "after")
#: Arguments every rule function may take besides its rule's names.
SPECIAL = ("t", "dt")


class PlasticityRule:
    """Base class of user-describable synaptic rules (see the module docstring).

    Subclasses set class attributes and define ``on_pre`` and/or ``on_post``;
    instances hold the parameter values (scalars).

    Parameters
    ----------
    **params : float
        Values of the class's ``params`` by name (the others keep their
        defaults).

    Attributes
    ----------
    synapse : dict[str, float or str]
        Per-synapse variables besides the weight ``w``, with their initial
        values (a number, a parameter name or ``"w"``).
    pre, post : dict[str, float or str or tuple]
        Pre- and postsynaptic traces: name -> time constant in seconds (number
        or parameter name), or ``(tau, "nearest")``.
    params : dict[str, float]
        Parameters and their defaults.
    transmit : {"before", "after"}
        Whether a spike carries the weight from before or after its
        ``on_pre`` update.
    units : dict[str, str]
        Documented units (not checked).
    """

    synapse: ClassVar[dict[str, float | str]] = {}
    pre: ClassVar[dict[str, Any]] = {}
    post: ClassVar[dict[str, Any]] = {}
    params: ClassVar[dict[str, float]] = {}
    transmit: ClassVar[str] = "before"
    units: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_rule(cls)
        if "__init__" not in cls.__dict__:
            cls.__signature__ = keyword_signature(cls.params)  # type: ignore[attr-defined]

    def __init__(self, **params: Any) -> None:
        """Store parameter values (scalars).

        Parameters
        ----------
        **params : float
            Values of the class's ``params`` (the others keep their defaults).
        """
        cls = type(self)
        check_param_names(cls.__name__, params, cls.params)
        for key, default in cls.params.items():
            value = params.get(key, default)
            value = check_number(f"{cls.__name__}.{key}", value, allow_inf=True)
            setattr(self, key, value)

    def param_values(self) -> dict[str, float]:
        """The parameter values.

        Returns
        -------
        dict of str to float
            ``{name: value}`` in the order of ``params``.
        """
        return {k: float(getattr(self, k)) for k in type(self).params}

    def trace_taus(self) -> list[float]:
        """Time constants of the pre traces, then of the post traces.

        Returns
        -------
        list of float
            One time constant per trace, in seconds (parameter names resolved).
        """
        cls = type(self)
        out = []
        for name, spec in [*cls.pre.items(), *cls.post.items()]:
            tau = trace_spec(spec)[0]
            tau = getattr(self, tau) if isinstance(tau, str) else tau
            if not (tau > 0):
                raise ValidationError(
                    f"{cls.__name__}: trace {name!r} needs a time constant > 0 "
                    f"(got {tau!r})"
                )
            out.append(float(tau))
        return out

    @property
    def uses_post_spikes(self) -> bool:
        """Whether the rule needs postsynaptic spikes (``on_post`` or post traces)."""
        cls = type(self)
        return bool(cls.post) or raw_function(cls, "on_post") is not None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.param_values().items())
        return f"{type(self).__name__}({args})"


def trace_spec(spec: Any) -> tuple[Any, str]:
    """``(tau, mode)`` of a trace declaration (a tau, or ``(tau, mode)``)."""
    if isinstance(spec, tuple) and len(spec) == 2:
        return spec[0], spec[1]
    return spec, "all"


def rule_functions(cls: type) -> dict[str, Any]:
    """The event functions a rule class defines, ``{name: function}``."""
    out = {}
    for name in EVENTS:
        fn = raw_function(cls, name)
        if fn is not None:
            out[name] = fn
    return out


def _names(cls: type, what: str, names: Any) -> list[str]:
    out = []
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(
                f"{cls.__name__}.{what}: names must be identifiers (got {name!r})"
            )
        if name in RESERVED or name in SPECIAL or name.startswith("_"):
            raise ValidationError(
                f"{cls.__name__}.{what}: {name!r} is reserved (names starting "
                f"with '_', {', '.join(sorted(RESERVED | set(SPECIAL)))})"
            )
        out.append(name)
    return out


def check_rule(cls: type) -> None:
    """Validate a :class:`PlasticityRule` subclass (at class creation).

    Raises :class:`~neurosim.exceptions.ValidationError` naming the rule and
    the attribute or function argument at fault.
    """
    name = cls.__name__
    for what in ("synapse", "pre", "post", "params"):
        if not isinstance(getattr(cls, what), dict):
            raise ValidationError(f"{name}.{what}: expected a dict")
    if "w" in cls.synapse:
        raise ValidationError(
            f"{name}.synapse: 'w' (the weight) is always there; list only the "
            "other per-synapse variables"
        )
    synapse = _names(cls, "synapse", cls.synapse)
    pre = _names(cls, "pre", cls.pre)
    post = _names(cls, "post", cls.post)
    params = _names(cls, "params", cls.params)
    everything = ["w", *synapse, *pre, *post, *params]
    dup = sorted({n for n in everything if everything.count(n) > 1})
    if dup:
        raise ValidationError(
            f"{name}: names used twice among w, synapse, pre, post and params: {dup}"
        )
    for key, value in cls.params.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValidationError(
                f"{name}.params[{key!r}]: expected a number (got {value!r})"
            )
    for key, value in cls.synapse.items():
        if isinstance(value, str):
            if value != "w" and value not in params:
                raise ValidationError(
                    f"{name}.synapse[{key!r}]: initial value {value!r} is not a "
                    f"parameter or 'w'{_suggest(value, [*params, 'w'])}"
                )
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValidationError(
                f"{name}.synapse[{key!r}]: expected a number, a parameter name or "
                f"'w' (got {value!r})"
            )
    for what, traces in (("pre", cls.pre), ("post", cls.post)):
        for key, spec in traces.items():
            tau, mode = trace_spec(spec)
            if mode not in TRACE_MODES:
                raise ValidationError(
                    f"{name}.{what}[{key!r}]: mode must be one of {TRACE_MODES} "
                    f"(got {mode!r})"
                )
            if isinstance(tau, str):
                if tau not in params:
                    raise ValidationError(
                        f"{name}.{what}[{key!r}]: time constant {tau!r} is not a "
                        f"parameter{_suggest(tau, params)}"
                    )
            elif isinstance(tau, bool) or not (
                isinstance(tau, numbers.Real) and tau > 0
            ):
                raise ValidationError(
                    f"{name}.{what}[{key!r}]: expected a time constant > 0 in "
                    f"seconds or a parameter name (got {tau!r})"
                )
    if cls.transmit not in TRANSMIT:
        raise ValidationError(
            f"{name}.transmit: expected one of {TRANSMIT} (got {cls.transmit!r})"
        )
    fns = rule_functions(cls)
    if not fns:
        raise ValidationError(f"{name}: define on_pre(...) and/or on_post(...)")
    allowed = [*everything, *SPECIAL]
    for fname, fn in fns.items():
        for arg in function_args(cls, fname, fn):
            if arg not in allowed:
                raise ValidationError(
                    f"{name}.{fname}: argument {arg!r} is not a synapse variable, "
                    f"trace, parameter, t or dt{_suggest(arg, allowed)}; known: "
                    f"{', '.join(allowed)}"
                )


def python_check(rule: PlasticityRule) -> None:
    """Call the rule's functions once in Python, before compiling anything.

    Checks that each returns one number per synapse variable (``w`` first),
    with errors naming the rule and the function.
    """
    cls = type(rule)
    values: dict[str, float] = {"w": 0.5, "t": 0.0, "dt": 1e-4}
    values.update(rule.param_values())
    for key, init in cls.synapse.items():
        values[key] = values[init] if isinstance(init, str) else float(init)
    values.update(dict.fromkeys([*cls.pre, *cls.post], 0.0))
    n = 1 + len(cls.synapse)
    for fname, fn in rule_functions(cls).items():
        try:
            out = fn(*(values[a] for a in function_args(cls, fname, fn)))
        except Exception as e:
            raise ValidationError(
                f"{cls.__name__}.{fname}: raised {type(e).__name__}: {e} when called "
                "with w = 0.5, the initial synapse variables, zero traces and the "
                "parameters"
            ) from e
        items = out if isinstance(out, tuple | list) else (out,)
        if (n == 1 and isinstance(out, tuple | list)) or len(items) != n:
            raise ValidationError(
                f"{cls.__name__}.{fname}: returned {out!r}; expected "
                + (
                    "a single number (the new w)"
                    if n == 1
                    else f"a tuple of {n} numbers: {', '.join(['w', *cls.synapse])}"
                )
            )
        for x in items:
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise ValidationError(
                    f"{cls.__name__}.{fname}: must return numbers (got {x!r})"
                )
