"""Compile a :class:`~neurosim.NeuronModel` into CPU and CUDA population kernels.

The engine knows no model by name. For a model *class* plus a *layout* (which
parameters are scalars and which per-neuron arrays, which state variables are
recorded, the integration method) it renders one small Python module
(:func:`render_module`):

* the model's own functions, their source copied in (``_m_derivatives``,
  ``_m_update``, ``_m_reset``);
* ``_step_<T>``: one step of one neuron, from the registered integrator
  (:mod:`neurosim.kernels.integrators`) or the model's ``update``;
* ``_neuron_<T>``: one neuron's whole time loop (inputs read per step,
  refractory counter, threshold, spike times, reset, recording);
* ``_run_cpu`` (a ``prange`` over neurons, ``njit(parallel=True)``) and
  ``_kernel_cuda`` (one thread per neuron, grid-stride).

In every generated function ``math.exp`` and ``math.expm1`` are replaced by
the branch-free functions of :mod:`neurosim.kernels.vecmath` (within 1 and
2 ulp of the C library), on both targets. Inside the CPU network loop a
model group steps in two passes: a flat update loop with the step and the
model's functions pasted in (:mod:`neurosim.kernels.inlining`), which LLVM
vectorises across neurons, then a scalar pass for the spike rule.

The glue is rendered once per target from the same template, so the CPU and
CUDA versions are the same text with ``_cpu`` or ``_cuda`` calls; the model's
functions are the same source compiled twice (``_jit.njit`` and
``_jit.cuda_device``); the CUDA side is decorated only when asked for
(``build_cuda``), so a CPU run never imports ``numba.cuda``. The module is
cached on disk by :mod:`neurosim.kernels.codegen`, so a warm process loads
compiled code instead of compiling.

Kernel arguments (the same for both targets)::

    n_steps      steps to run
    inp          (n_ports, rows, n) inputs; row k * stride is held over step k
    stride       0 (constant inputs) or 1
    ps           (4,) dt in the model's time unit, dt in seconds, threshold
                 and refractory period (these two used when given as numbers)
    pa           (n_params, n) parameters, one column per neuron
    state        (n_state, n) state, advanced in place
    refc         (n,) int64 refractory steps left, advanced in place
    rec          (n_rec, n_steps, n) recorded state after each step
    spk_buf      spike times (seconds); neuron i owns spk_buf[spk_off[i]:spk_off[i+1]]
    spk_off      (n + 1,) int64
    spk_n        (n,) int64 spikes counted (also those past a full buffer)

Every parameter is passed per neuron (a scalar is broadcast on the host):
parameters are read into locals once per neuron, before its time loop, so
this costs nothing per step, and scalar or per-neuron values share one
compiled kernel (a sweep over any parameter never recompiles).

The whole run state of a population is ``state`` and ``refc``: saving,
restoring or rolling back a run is copying these two arrays.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba.core.errors import NumbaError, UnsupportedBytecodeError

from .. import _config
from ..exceptions import ValidationError
from ..neurons.model import (
    Conductance,
    NeuronModel,
    function_args,
    ports,
    raw_function,
)
from . import vecmath
from .codegen import function_source, load_module
from .inlining import inline_calls, vector_math
from .integrators import INTEGRATORS, LINEAR_METHODS, IntegratorContext
from .slicing import render_shifted

#: Upper bound on the CUDA grid size (larger populations use the grid-stride loop).
MAX_BLOCKS = 65535
_ARGS = (
    "_n_steps, _inp, _stride, _ps, _pa, _state, _refc, _rec, _spk_buf, _spk_off, _spk_n"
)


#: What numba raises for code it cannot compile (typing, lowering, bytecode).
_COMPILE_ERRORS = (NumbaError, UnsupportedBytecodeError)


class ModelCompileError(ValidationError):
    """A model's functions do not compile for a target; names the model and function."""


@dataclass(frozen=True)
class Layout:
    """What changes a model's generated code besides its source.

    Attributes
    ----------
    method : str
        Integration method (or ``"update"`` for a hand-written step).
    record : tuple of str
        State variables recorded after every step.
    """

    method: str
    record: tuple[str, ...]


def _functions(cls: type) -> dict[str, Callable]:
    out = {}
    for name in ("derivatives", "update", "reset"):
        fn = raw_function(cls, name)
        if fn is not None:
            out[name] = fn
    return out


def _call(cls: type, name: str, tag: str, target: str, values: dict[str, str]) -> str:
    fn = raw_function(cls, name)
    assert fn is not None
    args = [values.get(a, a) for a in function_args(cls, name, fn)]
    return f"_m{tag}_{name}_{target}({', '.join(args)})"


def _unpack(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _assign(names: list[str]) -> str:
    """Targets for a model function's result: a bare value for one variable."""
    return ", ".join(names)


def _port_currents(cls: type, at: dict[str, str]) -> dict[str, str]:
    """Current ports with their conductances' currents, at the state ``at``.

    ``{current port: "(I + ge * (E - (v)) + ...)"}`` for the ports that
    conductances feed (:class:`~neurosim.Conductance`), ``v`` taken from
    ``at`` (the stage's state expressions) or the start of the step.
    """
    out: dict[str, str] = {}
    for name, port in ports(cls).items():
        if isinstance(port, Conductance):
            E = port.E if isinstance(port.E, str) else repr(port.E)
            v = at.get(port.voltage, port.voltage)
            cur = out.get(port.current, port.current)
            out[port.current] = f"{cur} + {name} * ({E} - ({v}))"
    return {k: f"({x})" for k, x in out.items()}


def _indent(lines: list[str], n: int) -> list[str]:
    return [" " * n + line for line in lines]


def _shifted(cls: type, method: str, tag: str) -> tuple[str, list[list[str]]] | None:
    """``_m<tag>_shifted``: the derivatives, also at each variable's shifted point.

    For the exponential-Euler coefficients (``linear`` methods): the source
    of :func:`~neurosim.kernels.slicing.render_shifted` applied to the
    model's ``derivatives``, where shifting ``x`` to ``x + _h_x`` changes the
    argument ``x`` and the current ports that a conductance on ``x`` feeds
    (:func:`_port_currents`); and, per state variable, the names of the
    arguments it shifts. None for other methods, or a source that cannot be
    sliced.
    """
    fn = raw_function(cls, "derivatives")
    if method not in LINEAR_METHODS or fn is None:
        return None
    fargs = function_args(cls, "derivatives", fn)
    base = _port_currents(cls, {})
    shifted = []
    for x in cls.state:
        at = _shift_at(cls, x)
        shifted.append([a for a in fargs if at.get(a, a) != base.get(a, a)])
    owner = f"{cls.__name__}.derivatives"
    src, _header = function_source(fn, f"_m{tag}_shifted", owner)
    out = render_shifted(ast.parse(src).body[0], len(cls.state), shifted)
    return None if out is None else (ast.unparse(out[0]), shifted)


def _shift_at(cls: type, x: str) -> dict[str, str]:
    """Arguments of the derivatives at ``x + _h_x`` (``x`` and its port currents)."""
    at = {x: f"{x} + _h_{x}"}
    return {**at, **_port_currents(cls, at)}


def _render_step(cls: type, method: str, tag: str, target: str) -> list[str]:
    """``_step<tag>_<target>``: one step of one neuron, returning the new state."""
    state = list(cls.state)
    held = list(cls.refractory_hold) if cls.threshold is not None else []
    args = state + list(cls.inputs) + param_names(cls, method) + ["_dt", "_nr"]
    new = {x: f"_n_{x}" for x in state}
    lines = [f"def _step{tag}_{target}({', '.join(args)}):"]
    if method == "update":
        values = {"dt": "_dt", **_port_currents(cls, {})}
        call = _call(cls, "update", tag, target, values)
        body = [f"{_assign(list(new.values()))} = {call}"]
        body += [f"if _nr == 0.0:\n        {new[x]} = {x}" for x in held]
    else:

        def derivs(name: str, values: dict[str, str]) -> tuple[list[str], dict]:
            out = {x: f"{name}_{x}" for x in state}
            at = {**values, **_port_currents(cls, values)}
            call = _call(cls, "derivatives", tag, target, at)
            got = [f"{_assign(list(out.values()))} = {call}"]
            got += [f"{out[x]} = {out[x]} * _nr" for x in held]
            return got, out

        split = _shifted(cls, method, tag)

        def coefficients(name: str) -> tuple[list[str], dict, dict]:
            """``f`` and ``B = (f_x(x + h) - f_x(x)) / h`` (``h = 1 + |x|``)."""
            assert split is not None
            got = [f"_h_{x} = 1.0 + abs({x})" for x in state]
            fn = raw_function(cls, "derivatives")
            assert fn is not None
            base = _port_currents(cls, {})
            args = [base.get(a, a) for a in function_args(cls, "derivatives", fn)]
            for x, names in zip(state, split[1], strict=True):
                at = _shift_at(cls, x)
                args += [at[a] for a in names]
            f = {x: f"{name}_{x}" for x in state}
            fh = {x: f"{name}h_{x}" for x in state}
            call = f"_m{tag}_shifted_{target}({', '.join(args)})"
            got.append(f"{_assign([*f.values(), *fh.values()])} = {call}")
            got += [f"{g[x]} = {g[x]} * _nr" for x in held for g in (f, fh)]
            got += [f"_B_{x} = ({fh[x]} - {f[x]}) / _h_{x}" for x in state]
            return got, f, {x: f"_B_{x}" for x in state}

        if method == "exact":
            body = _render_exact(state, new, derivs)
        else:
            ctx = IntegratorContext(
                state, new, derivs, coefficients if split is not None else None
            )
            body = INTEGRATORS[method](ctx)
    lines += _indent(body, 4)
    lines.append(f"    return {_unpack(list(new.values()))}")
    return _vector_math("\n".join(lines), ["import math as math"]).splitlines()


def hidden_params(cls: type, method: str) -> list[str]:
    """Per-neuron values the engine computes for a method (after ``params``).

    ``"exact"``: the propagators ``_P<i>_<j>`` (free) and ``_Q<i>_<j>``
    (refractory: held variables' rows zeroed), row-major, from
    :func:`propagator_rows`.
    """
    if method != "exact":
        return []
    n = len(cls.state)
    return [f"_{k}{i}_{j}" for k in "PQ" for i in range(n) for j in range(n)]


def param_names(cls: type, method: str) -> list[str]:
    """The rows of a model's parameter array: ``params``, then the hidden ones."""
    return list(cls.params) + hidden_params(cls, method)


def _render_exact(
    state: list[str],
    new: dict[str, str],
    derivs: Callable[[str, dict[str, str]], tuple[list[str], dict]],
) -> list[str]:
    """The exact step of linear dynamics: ``x' = x + P f(x)`` (``Q`` if refractory).

    For ``dx/dt = A x + b`` with ``b`` held over the step,
    ``x(dt) = x + dt phi_1(A dt) (A x + b)``, ``phi_1(Z) = Z^-1 (e^Z - I)``:
    one evaluation of the derivatives and a matrix product with the
    propagator ``P = dt phi_1(A dt)`` computed at build time
    (:func:`propagator_rows`; Rotter & Diesmann 1999).
    """
    lines, f = derivs("_f", {})
    n = len(state)
    for i, x in enumerate(state):
        p = " + ".join(f"_P{i}_{j} * {f[state[j]]}" for j in range(n))
        q = " + ".join(f"_Q{i}_{j} * {f[state[j]]}" for j in range(n))
        lines.append(f"{new[x]} = {x} + (({p}) if _nr == 1.0 else ({q}))")
    return lines


def _render_rule(cls: type, f: str) -> list[str]:
    """Locals of the spike rule, from the float row ``f`` (dt, dt_s, thr, ref)."""
    lines = [f"_dt = {f}[0]", f"_dts = {f}[1]"]
    if cls.threshold is not None:
        thr = cls.threshold[1]
        thr = thr if isinstance(thr, str) else f"{f}[2]"
        refr = cls.refractory if isinstance(cls.refractory, str) else f"{f}[3]"
        lines += [f"_thr = {thr}", f"_nref = int(math.floor({refr} / _dt + 0.5))"]
    return lines


def _render_tick(
    cls: type, method: str, tag: str, target: str, on_spike: list[str], linear: bool
) -> list[str]:
    """One step of one neuron from its locals (state, params, inputs, ``_rc``).

    ``on_spike`` is run when the threshold is crossed (before the reset);
    with ``linear`` the crossing's fraction of the step is ``_frac``.
    """
    state = list(cls.state)
    names = state + list(cls.inputs) + param_names(cls, method) + ["_dt", "_nr"]
    args = ", ".join(names)
    lines = ["_nr = 1.0 if _rc == 0 else 0.0"]
    if cls.threshold is not None and linear:
        lines.append(f"_old = {cls.threshold[0]}")
    lines.append(f"{_unpack(state)} = _step{tag}_{target}({args})")
    lines += ["if _rc > 0:", "    _rc -= 1"]
    if cls.threshold is not None:
        var = cls.threshold[0]
        lines.append(f"elif {var} > _thr:")
        if linear:
            lines.append(
                f"    _frac = min(1.0, max(0.0, (_thr - _old) / ({var} - _old)))"
            )
        lines += _indent(on_spike, 4)
        lines.append("    _rc = _nref")
        if "reset" in _functions(cls):
            call = _call(cls, "reset", tag, target, {})
            lines.append(f"    {_assign(state)} = {call}")
        else:
            for x, value in cls.reset.items():
                value = value if isinstance(value, str) else repr(float(value))
                lines.append(f"    {x} = {value}")
    return lines


def _render_neuron(cls: type, layout: Layout, target: str) -> list[str]:
    """``_neuron_<target>``: one neuron's whole time loop (population kernels)."""
    state = list(cls.state)
    b = [f"def _neuron_{target}(_i, {_ARGS}):"]
    b += [f"    {x} = _state[{j}, _i]" for j, x in enumerate(state)]
    params = param_names(cls, layout.method)
    b += [f"    {p} = _pa[{j}, _i]" for j, p in enumerate(params)]
    b += _indent(_render_rule(cls, "_ps"), 4)
    spikes = cls.threshold is not None
    if spikes:
        b += ["    _o = _spk_off[_i]", "    _cap = _spk_off[_i + 1] - _o"]
        b.append("    _cnt = _spk_n[_i]")
    b += ["    _rc = _refc[_i]", "    for _k in range(_n_steps):"]
    b.append("        _row = _k * _stride")
    b += [f"        {p} = _inp[{j}, _row, _i]" for j, p in enumerate(cls.inputs)]
    linear = cls.spike_time == "linear"
    when = "(_k + _frac) * _dts" if linear else "(_k + 1) * _dts"
    on_spike = ["if _cnt < _cap:", f"    _spk_buf[_o + _cnt] = {when}", "_cnt += 1"]
    b += _indent(_render_tick(cls, layout.method, "", target, on_spike, linear), 8)
    b += [f"        _rec[{j}, _k, _i] = {x}" for j, x in enumerate(layout.record)]
    b += [f"    _state[{j}, _i] = {x}" for j, x in enumerate(state)]
    b.append("    _refc[_i] = _rc")
    if spikes:
        b.append("    _spk_n[_i] = _cnt")
    return b


def render_functions(
    cls: type, tag: str, method: str
) -> tuple[list[str], dict[str, str]]:
    """The model's functions renamed ``_m<tag>_<name>``, and the globals they bind.

    With a ``linear`` method also ``_m<tag>_shifted`` (:func:`_shifted`),
    which binds the globals of ``derivatives``.
    """
    bindings: dict[str, str] = {}
    sources = []
    for name, fn in _functions(cls).items():
        src, header = function_source(fn, f"_m{tag}_{name}", f"{cls.__name__}.{name}")
        src = _vector_math(src, header)
        for line in header:
            key = (
                line.split(" as ")[-1]
                if line.startswith("import")
                else line.split(" = ")[0]
            )
            if bindings.setdefault(key, line) != line:
                raise ValidationError(
                    f"{cls.__name__}.{name}: the global {key!r} means different "
                    "things in the model's functions"
                )
        sources += [src, ""]
    split = _shifted(cls, method, tag)
    if split is not None:
        fn = raw_function(cls, "derivatives")
        assert fn is not None
        _src, header = function_source(fn, "_", f"{cls.__name__}.derivatives")
        sources += [_vector_math(split[0], header), ""]
    return sources, bindings


def _vector_math(src: str, header: list[str]) -> str:
    """``src`` with ``math``/``numpy`` ``exp`` and ``expm1`` made vectorisable.

    ``header`` holds the function's global bindings (:func:`function_source`),
    from which the names of the ``math`` and ``numpy`` modules are read
    (:func:`neurosim.kernels.inlining.vector_math`).
    """
    modules = {
        line.split(" as ")[-1]
        for line in header
        if line.startswith(("import math as", "import numpy as"))
    }
    fn = ast.parse(src).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return ast.unparse(vector_math(fn, modules))


def vecmath_lines() -> list[str]:
    """The functions of :mod:`neurosim.kernels.vecmath`, defined and jitted.

    Copied into every generated module (so numba's cache sees a change of
    them); compiled with ``njit``, which both targets call (numba-cuda
    compiles an ``njit`` function called from device code for the device).
    """
    import inspect

    lines = ["import numpy as np", ""]
    for fn in vecmath.FUNCTIONS:
        lines += [inspect.getsource(fn), ""]
    lines += [f"{fn.__name__} = _jit.njit({fn.__name__})" for fn in vecmath.FUNCTIONS]
    return lines + [""]


def compiled_names(cls: type, tag: str, method: str) -> list[str]:
    """Plain functions of the model's ``tag`` that each target compiles."""
    names = [f"_m{tag}_{name}" for name in _functions(cls)]
    if _shifted(cls, method, tag) is not None:
        names.append(f"_m{tag}_shifted")
    return names + [f"_step{tag}"]


def render_module(cls: type, layout: Layout) -> str:
    """The generated module's source for a model class and layout."""
    head = [
        f'"""Generated by neurosim for {cls.__module__}.{cls.__qualname__}; '
        'do not edit."""',
        "import math",
        "",
        "import numpy as np",
        "from numba import prange",
        "",
        "from neurosim import _jit",
        "",
    ]
    sources, bindings = render_functions(cls, "", layout.method)
    body = [*head, *bindings.values(), "", *vecmath_lines(), *sources]
    for target in ("cpu", "cuda"):
        body += _render_step(cls, layout.method, "", target) + [""]
        body += _render_neuron(cls, layout, target) + [""]
    body += [
        f"def _run_cpu({_ARGS}):",
        "    for _i in prange(_state.shape[1]):",
        f"        _neuron_cpu(_i, {_ARGS})",
        "",
        f"def _kernel_cuda({_ARGS}):",
        "    for _i in range(cuda.grid(1), _state.shape[1], cuda.gridsize(1)):",
        f"        _neuron_cuda(_i, {_ARGS})",
        "",
    ]
    names = [n for n in compiled_names(cls, "", layout.method) if n.startswith("_m")]
    gate = _gate_args(cls, "population", layout.method, layout.record)
    body += [f"{n}_cpu = _jit.njit({n})" for n in names]
    body += [
        "_step_cpu = _jit.njit(_step_cpu)",
        "_neuron_cpu = _jit.njit(_neuron_cpu)",
        "run_cpu = _jit.njit(_run_cpu, parallel=True)",
        "_cuda_built = []",
        "",
        "",
        "def build_cuda():",
        '    """Decorate the CUDA side (imports numba.cuda); returns the kernel."""',
        "    global cuda, _step_cuda, _neuron_cuda, _kernel_cuda",
        "    global " + ", ".join(f"{n}_cuda" for n in names),
        "    if not _cuda_built:",
        "        from numba import cuda",
        "",
    ]
    body += [f"        {n}_cuda = _jit.cuda_device({n})" for n in names]
    body += [
        "        _step_cuda = _jit.cuda_device(_step_cuda)",
        "        _neuron_cuda = _jit.cuda_device(_neuron_cuda)",
        f"        _kernel_cuda = _jit.cuda_kernel(_kernel_cuda, {gate})",
        "        _cuda_built.append(True)",
        "    return _kernel_cuda",
        "",
    ]
    return "\n".join(body)


def python_check(model: NeuronModel, method: str) -> None:
    """Run the model's functions once in Python, before compiling anything.

    Checks that each returns one number per state variable (and, for
    exponential Euler, that each derivative is linear in its own variable),
    with errors naming the model and the function.
    """
    cls = type(model)
    name = cls.__name__
    state = dict(model.initial_state(model.n_per_neuron() or 1))
    values = {k: float(np.ravel(v)[0]) for k, v in state.items()}
    values.update({k: float(np.ravel(v)[0]) for k, v in model.param_values().items()})
    values.update(dict.fromkeys(cls.inputs, 0.0))
    values["dt"] = 0.1
    fns = _functions(cls)
    for fname, fn in fns.items():
        out = _evaluate(cls, fname, fn, values)
        one = len(cls.state) == 1
        if (one and isinstance(out, tuple)) or (
            not one and (not isinstance(out, tuple) or len(out) != len(cls.state))
        ):
            raise ValidationError(
                f"{name}.{fname}: returned {out!r}; expected "
                + (
                    "a single number (one state variable)"
                    if one
                    else f"a tuple of {len(cls.state)} numbers, one per state "
                    f"variable ({', '.join(cls.state)}), in that order"
                )
            )
    if method in LINEAR_METHODS:
        check_linear(cls, fns["derivatives"], values)
    if method == "exact":
        check_method(cls, method)
        linear_matrix(cls, values)


def _evaluate(cls: type, fname: str, fn: Callable, values: dict) -> Any:
    """Call a model function in Python; a tuple/list result comes back a tuple."""
    try:
        out = fn(*(values[a] for a in function_args(cls, fname, fn)))
    except Exception as e:
        raise ValidationError(
            f"{cls.__name__}.{fname}: raised {type(e).__name__}: {e} when called "
            "with the initial state, the first neuron's parameters and zero input"
        ) from e
    items = out if isinstance(out, tuple | list) else (out,)
    for x in items:
        if isinstance(x, bool) or not isinstance(x, int | float | np.number):
            raise ValidationError(
                f"{cls.__name__}.{fname}: must return numbers (got {x!r})"
            )
    return tuple(out) if isinstance(out, tuple | list) else out


def check_linear(cls: type, fn: Callable, values: dict) -> None:
    """Each ``dx/dt`` must be affine in ``x`` (exponential Euler's requirement).

    Tested by second differences at the initial state with steps ``h = 1`` and
    ``h = 0.1 (1 + |x|)``; a relative second difference above 1e-9 fails.
    """
    for j, x in enumerate(cls.state):
        x0 = values[x]
        for h in (1.0, 0.1 * (1.0 + abs(x0))):
            f = [
                np.ravel(_evaluate(cls, "derivatives", fn, {**values, x: x0 + q * h}))[
                    j
                ]
                for q in (0, 1, 2)
            ]
            second = abs(f[2] - 2.0 * f[1] + f[0])
            if second > 1e-9 * (abs(f[0]) + abs(f[1]) + abs(f[2]) + 1e-300):
                raise ValidationError(
                    f"{cls.__name__}: method 'exponential_euler' needs d{x}/dt "
                    f"linear in {x} (dx/dt = A + B x, A and B free of x), but "
                    f"d{x}/dt is not; use method='rk4' (or 'rk2', 'euler')"
                )


def check_method(cls: type, method: str) -> None:
    """Refuse an unknown method, and ``"exact"`` for a model not declared linear."""
    if method == "exact":
        if not cls.linear:
            raise ValidationError(
                f"method: 'exact' needs linear dynamics; {cls.__name__} does not "
                "declare linear = True"
            )
    elif method != "update" and method not in INTEGRATORS:
        raise ValidationError(
            f"method: {method!r} is not a registered integrator for "
            f"{cls.__name__}; known: exact (linear models), {', '.join(INTEGRATORS)}"
        )


def linear_matrix(cls: type, values: dict[str, float]) -> np.ndarray:
    """``A`` of ``d(state)/dt = A state + b`` at the parameters in ``values``.

    Columns from differences of the derivatives at the initial state (exact up
    to rounding for linear dynamics). Checks, with an error naming the model,
    that the derivatives are affine in the state (second differences) and
    that ``A`` does not depend on the inputs.
    """
    fn = raw_function(cls, "derivatives")
    assert fn is not None
    state = list(cls.state)
    x0 = {x: float(cls.state[x]) for x in state}

    def f(shift: dict[str, float], inp: float) -> np.ndarray:
        at = {**values, **dict.fromkeys(cls.inputs, inp)}
        at.update({x: x0[x] + shift.get(x, 0.0) for x in state})
        return np.atleast_1d(np.asarray(_evaluate(cls, "derivatives", fn, at), float))

    cols = []
    for inp in (0.0, 1.0):
        f0 = f({}, inp)
        A = np.empty((len(state), len(state)))
        for j, x in enumerate(state):
            f1, f2 = f({x: 1.0}, inp), f({x: 2.0}, inp)
            scale = np.abs(f0) + np.abs(f1) + np.abs(f2) + 1e-300
            if np.any(np.abs(f2 - 2.0 * f1 + f0) > 1e-9 * scale):
                raise ValidationError(
                    f"{cls.__name__}: linear = True, but its derivatives are not "
                    f"linear in {x!r}; use another method (e.g. 'rk4')"
                )
            A[:, j] = f1 - f0
        cols.append(A)
    if not np.allclose(cols[0], cols[1], rtol=1e-12, atol=0.0):
        raise ValidationError(
            f"{cls.__name__}: linear = True needs d(state)/dt = A state + b with "
            "A independent of the inputs (an input multiplies a state variable)"
        )
    return cols[0]


def propagator_rows(cls: type, params: dict[str, Any], dt: float, n: int) -> np.ndarray:
    """The hidden parameter rows of method ``"exact"``, ``(2 S^2, n)``.

    Per neuron: ``P = dt phi_1(A dt)`` and ``Q`` (the same with the rows of
    ``refractory_hold`` variables of ``A`` zeroed), row-major, from the
    matrix exponential of the augmented matrix ``[[A dt, I], [0, 0]]``
    (whose upper-right block is ``phi_1(A dt)``). ``dt`` is in the model's
    time unit; neurons with equal parameters share one computation.
    """
    import scipy.linalg

    S = len(cls.state)
    table = np.array([np.broadcast_to(params[k], (n,)) for k in cls.params], float)
    table = table.reshape(len(cls.params), n)
    uniq, inverse = np.unique(table.T, axis=0, return_inverse=True)
    held = [list(cls.state).index(x) for x in cls.refractory_hold]
    if cls.threshold is None:
        held = []
    out = []
    for free in (True, False):
        aug = np.zeros((uniq.shape[0], 2 * S, 2 * S))
        for u, row in enumerate(uniq):
            A = linear_matrix(cls, dict(zip(cls.params, map(float, row), strict=True)))
            if not free:
                A[held, :] = 0.0
            aug[u, :S, :S] = A * dt
            aug[u, :S, S:] = np.eye(S)
        phi = scipy.linalg.expm(aug)[:, :S, S:]
        out.append((dt * phi).reshape(uniq.shape[0], S * S).T)
    return np.concatenate(out)[:, np.ravel(inverse)]


def compile_model(model: NeuronModel, layout: Layout) -> Any:
    """The generated (and imported) module of ``model``'s class for ``layout``."""
    cls = type(model)
    check_method(cls, layout.method)
    source = render_module(cls, layout)  # refuses unreadable or impure sources
    python_check(model, layout.method)
    return load_module(f"neurosim_gen_{cls.__name__}", source)


def _diagnose(model: NeuronModel, target: str, err: Exception) -> ModelCompileError:
    """Name the model function that does not compile (each is compiled alone)."""
    from numba import float64

    from .._jit import njit

    cls = type(model)
    first = str(err).strip().splitlines()
    for fname, fn in _functions(cls).items():
        n = len(function_args(cls, fname, fn))
        try:
            if target == "cpu":
                njit(fn, cache=False).compile((float64,) * n)
            else:
                from numba import cuda

                cuda.compile_ptx(fn, (float64,) * n, device=True, cc=(8, 0))
        except Exception as e:  # numba's typing and lowering errors
            msg = " ".join(str(e).strip().splitlines()[:3])
            return ModelCompileError(
                f"{cls.__name__}.{fname} does not compile for the {target}: {msg}"
            )
    return ModelCompileError(
        f"{cls.__name__} does not compile for the {target}: " + " ".join(first[:4])
    )


def run_cpu(module: Any, model: NeuronModel, *args: Any) -> None:
    """Run ``module.run_cpu(*args)``; a numba compile error names the model."""
    try:
        module.run_cpu(*args)
    except _COMPILE_ERRORS as e:
        raise _diagnose(model, "cpu", e) from None


def run_cuda(module: Any, model: NeuronModel, *args: Any) -> None:
    """The CUDA twin of :func:`run_cpu`: copy in once, one launch, copy back once.

    ``args`` are the kernel arguments (module docstring); ``state``, ``refc``,
    ``rec``, ``spk_buf`` and ``spk_n`` are copied back into the host arrays.
    """
    from numba import cuda

    kernel = module.build_cuda()
    n_steps, inp, stride, ps, pa, state, refc, rec, spk_buf, spk_off, spk_n = args
    tpb = _config.THREADS_PER_BLOCK
    blocks = max(1, min(MAX_BLOCKS, math.ceil(state.shape[1] / tpb)))
    d = [
        cuda.to_device(a)
        for a in (inp, ps, pa, state, refc, rec, spk_buf, spk_off, spk_n)
    ]
    try:
        kernel[blocks, tpb](
            n_steps, d[0], stride, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]
        )
    except _COMPILE_ERRORS as e:
        raise _diagnose(model, "cuda", e) from None
    for dev, host in zip(
        d[3:7] + d[8:], (state, refc, rec, spk_buf, spk_n), strict=True
    ):
        dev.copy_to_host(host)


def _gate_args(cls: type, what: str, method: str, record: tuple[str, ...]) -> str:
    """``key=..., recipe=...`` for :func:`neurosim._jit.cuda_kernel` (compile gate).

    The key names the kernel's *type* (model class, method, what is recorded),
    stable across processes; the recipe regenerates it from an importable
    model class (None for a class the gate could not import, e.g. one
    defined in ``__main__`` or inside a function).
    """
    path = f"{cls.__module__}:{cls.__qualname__}"
    key = f"neurosim.kernels.models:{what}[{path}|{method}|{','.join(record)}]"
    importable = cls.__module__ != "__main__" and "<locals>" not in cls.__qualname__
    args = {"model": path, "method": method}
    if what == "population":
        args["record"] = list(record)
    recipe = (f"neurosim.kernels.models:gate_{what}", args) if importable else None
    return f"key={key!r}, recipe={recipe!r}"


def _model_class(path: str) -> type:
    import importlib

    module, qualname = path.split(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def gate_population(model: str, method: str, record: list[str]) -> None:
    """Recipe of the compile gate: generate a population kernel again."""
    cls = _model_class(model)
    compile_model(cls(), Layout(method, tuple(record))).build_cuda()


def gate_group(model: str, method: str) -> None:
    """Recipe of the compile gate: generate a network group kernel again."""
    compile_network_loop([_model_class(model)()], [method]).build_cuda()


# --- NeuronModel groups inside the network loop --------------------------------

_GROUP_ARGS = (
    "_i0, _i1, _so, _po, _ro, _pi, _f, _ms, _mp, _mr, _syn, _kg, _kb, _ring, _slot, "
    "_cnt"
)


def _render_group_cuda(cls: type, method: str, tag: str) -> list[str]:
    """``_group<tag>_cuda``: one step of a model group inside the network loop.

    A kernel, one thread per neuron, setting ``_ring[_slot, i]`` and
    ``_spk[_k, i]`` to 1 or 0 (the CPU's is :func:`_render_group_cpu`).
    The first input port reads ``gain * I + bias`` (the channels and external
    inputs of the neuron, ``I = _syn[_i]``); port ``p >= 1`` reads its own
    slot of the input array, ``_syn[_pi + (p - 1) * n + j]`` for the group's
    neuron ``j`` (``_pi`` is the group's first port slot, past the neurons).
    """
    state, params = list(cls.state), param_names(cls, method)
    head = [
        f"def _group{tag}_cuda({_GROUP_ARGS.replace('_cnt', '_spk, _k')}):",
        "    _n = _i1 - _i0",
        "    for _j in range(cuda.grid(1), _n, cuda.gridsize(1)):",
    ]
    body = ["_i = _i0 + _j"]
    body += [f"{x} = _ms[_so + {j} * _n + _j]" for j, x in enumerate(state)]
    body += [f"{p} = _mp[_po + {j} * _n + _j]" for j, p in enumerate(params)]
    body.append("_rc = _mr[_ro + _j]")
    for j, port in enumerate(cls.inputs):
        body.append(
            f"{port} = _kg[_i] * _syn[_i] + _kb[_i]"
            if j == 0
            else f"{port} = _syn[_pi + {j - 1} * _n + _j]"
        )
    body += _render_rule(cls, "_f")
    body.append("_spiked = 0")
    body += _render_tick(cls, method, tag, "cuda", ["_spiked = 1"], False)
    body += [f"_ms[_so + {j} * _n + _j] = {x}" for j, x in enumerate(state)]
    body.append("_mr[_ro + _j] = _rc")
    body += ["_ring[_slot, _i] = _spiked", "_spk[_k, _i] = _spiked"]
    return head + _indent(body, 8)


def _render_update(
    cls: type, method: str, tag: str, callees: dict[str, ast.FunctionDef]
) -> list[str]:
    """``_update<tag>_cpu``: the state update of a model group, one flat loop.

    The first of the CPU group's two passes (:func:`_render_group_cpu`): every
    neuron's step from its state, parameters, inputs and refractory flag, with
    the step and the model's functions pasted into the loop body
    (:func:`~neurosim.kernels.inlining.inline_calls`; ``callees`` maps the
    called names to their trees) and every array read through a slice that
    starts at the neuron, so the body is straight-line arithmetic that LLVM
    vectorises across neurons (compiled with ``error_model="numpy"``: a
    division by zero gives inf or NaN instead of raising, as on CUDA).
    """
    state, params = list(cls.state), param_names(cls, method)
    ports = list(cls.inputs)
    args = _GROUP_ARGS.replace(", _ring, _slot, _cnt", "")
    lines = [f"def _update{tag}_cpu({args}):", "    _n = _i1 - _i0", "    _dt = _f[0]"]
    rows = [("_ms", "_so", j, x) for j, x in enumerate(state)]
    rows += [("_mp", "_po", j, p) for j, p in enumerate(params)]
    rows += [("_syn", "_pi", j - 1, p) for j, p in enumerate(ports) if j > 0]
    for arr, off, j, name in rows:
        lines.append(f"    _a_{name} = {arr}[{off} + {j} * _n:{off} + {j + 1} * _n]")
    lines += [
        "    _a_rc = _mr[_ro:_ro + _n]",
        "    _a_kg = _kg[_i0:_i1]",
        "    _a_kb = _kb[_i0:_i1]",
        "    _a_syn = _syn[_i0:_i1]",
        "    for _j in range(_n):",
    ]
    body = [f"{name} = _a_{name}[_j]" for _arr, _off, _k, name in rows]
    if ports:
        body.append(f"{ports[0]} = _a_kg[_j] * _a_syn[_j] + _a_kb[_j]")
    call = ", ".join(state + ports + params + ["_dt", "_nr"])
    body += [
        "_nr = 1.0 if _a_rc[_j] == 0 else 0.0",
        f"{_unpack(state)} = _step{tag}_cpu({call})",
    ]
    body += [f"_a_{x}[_j] = {x}" for x in state]
    fn = ast.parse("\n".join(lines + _indent(body, 8))).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return ast.unparse(inline_calls(fn, callees)).splitlines()


def _render_group_cpu(cls: type, method: str, tag: str) -> list[str]:
    """``_group<tag>_cpu``: a model group's step on the CPU, in two passes.

    The state update (``_update<tag>_cpu``, vectorised), then one scalar pass
    for the spike rule: the refractory counter, the threshold test, the spike
    (appended to ``_ring[_slot]`` in index order, returning the count) and
    the reset, reading only what the rule needs. The same order of
    operations as the one-pass tick (:func:`_render_tick`).
    """
    state, params = list(cls.state), param_names(cls, method)
    lines = [
        f"def _group{tag}_cpu({_GROUP_ARGS}):",
        f"    _update{tag}_cpu({_GROUP_ARGS.replace(', _ring, _slot, _cnt', '')})",
        "    _n = _i1 - _i0",
    ]
    rule = _render_rule(cls, "_f")
    if cls.threshold is None:
        tick = ["if _rc > 0:", "    _rc -= 1"]
        rule = []
    else:
        var = cls.threshold[0]
        # a parameter named by the threshold or the refractory period
        named = [x for x in (cls.threshold[1], cls.refractory) if isinstance(x, str)]
        per_neuron = [f"{p} = _mp[_po + {params.index(p)} * _n + _j]" for p in named]
        test = [f"{var} = _ms[_so + {state.index(var)} * _n + _j]"]
        test += per_neuron + (rule[2:] if named else [])
        on_spike = ["_ring[_slot, _cnt] = _i", "_cnt += 1", "_rc = _nref"]
        reset = [
            f"{x} = _ms[_so + {j} * _n + _j]" for j, x in enumerate(state) if x != var
        ]
        reset += [
            f"{p} = _mp[_po + {j} * _n + _j]"
            for j, p in enumerate(params)
            if p not in named
        ]
        if "reset" in _functions(cls):
            reset.append(f"{_assign(state)} = {_call(cls, 'reset', tag, 'cpu', {})}")
        else:
            for x, value in cls.reset.items():
                value = value if isinstance(value, str) else repr(float(value))
                reset.append(f"{x} = {value}")
        reset += [f"_ms[_so + {j} * _n + _j] = {x}" for j, x in enumerate(state)]
        if "reset" not in _functions(cls) and not cls.reset:
            reset = []  # nothing changes (e.g. Traub-Miles: no reset)
        tick = ["if _rc > 0:", "    _rc -= 1", "else:"]
        tick += _indent(test + [f"if {var} > _thr:"], 4)
        tick += _indent(on_spike + reset, 8)
        if named:
            rule = rule[:2]
    lines += _indent(rule, 4)
    lines += ["    for _j in range(_n):", "        _i = _i0 + _j"]
    lines.append("        _rc = _mr[_ro + _j]")
    lines += _indent(tick, 8)
    lines += ["        _mr[_ro + _j] = _rc", "    return _cnt"]
    return lines


def _kernel_sources() -> str:
    """A hash of the kernel files the generated network loop copies or calls.

    Part of the generated text, so editing them makes a new module (numba's
    cache would not notice a change in another file).
    """
    import hashlib
    from pathlib import Path

    here = Path(__file__).parent
    text = "".join(
        (here / f).read_text()
        for f in ("network.py", "lif.py", "hh.py", "models.py", "rules.py")
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _render_model_dispatch(n_kinds: int) -> list[str]:
    """Source of ``model_segments``: a model segment's group function, by kind."""
    dispatch = [
        "def model_segments(s, seg_i, seg_f, mod_i, mstate, mpar, mref, syn_in, "
        "kgain, kbias, ring, slot, cnt):",
        "    m = seg_i[s, 4]",
        "    kind = mod_i[m, 0]",
        "    args = (seg_i[s, 1], seg_i[s, 2], mod_i[m, 1], mod_i[m, 2], mod_i[m, 3],",
        "            mod_i[m, 4])",
        "    f = seg_f[seg_i[s, 3]]",
    ]
    for k in range(n_kinds):
        dispatch += [
            f"    if kind == {k}:",
            f"        return _group{k}_cpu(*args, f, mstate, mpar, mref, syn_in, "
            "kgain, kbias, ring, slot, cnt)",
        ]
    dispatch.append("    return cnt")
    return dispatch


def render_network_module(
    kinds: list[tuple[type, str]], rules: tuple[type, ...] = ()
) -> str:
    """The network loop with the code of the given (model class, method) kinds.

    :func:`neurosim.kernels.network.network_run`'s source is copied in (so
    numba caches this module's loop under this file) and its global
    ``model_segments`` is bound to a dispatcher over the kinds' group
    functions, ``plasticity_step`` to one over the plasticity ``rules``
    (classes, :mod:`neurosim.kernels.rules`); every other helper is the one
    of :mod:`neurosim.kernels.network`.
    """
    import ast
    import inspect

    from . import network as net
    from . import rules as R

    tree = ast.parse(inspect.getsource(net.network_run.py_func))
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    fn.decorator_list = []
    names = ", ".join(
        f"{c.__module__}.{c.__qualname__}" for c in [c for c, _m in kinds] + list(rules)
    )
    head = [
        f'"""Generated by neurosim: the network loop with {names}; do not edit."""',
        f"# kernels {_kernel_sources()}",
        "import math",
        "",
        "import numpy as np",
        "",
        "from neurosim import _jit",
        "from neurosim.kernels import network as _net",
        "",
        "globals().update({k: v for k, v in vars(_net).items() if k[:2] != '__'})",
        "",
    ]
    body: list[str] = []
    all_bindings: dict[str, str] = {}
    compiled: list[str] = []
    for k, (cls, method) in enumerate(kinds):
        sources, bindings = render_functions(cls, str(k), method)
        for key, line in bindings.items():
            if all_bindings.setdefault(key, line) != line:
                raise ValidationError(
                    f"{cls.__name__}: the global {key!r} means different things in "
                    "the models of this network; rename it in one of them"
                )
        body += sources
        tag = str(k)
        for target in ("cpu", "cuda"):
            body += _render_step(cls, method, tag, target) + [""]
        step = "\n".join(_render_step(cls, method, tag, "cpu"))
        callees = {
            node.name if node.name.endswith("_cpu") else f"{node.name}_cpu": node
            for node in ast.parse("\n".join([*sources, step])).body
            if isinstance(node, ast.FunctionDef)
        }
        body += _render_update(cls, method, tag, callees) + [""]
        body += _render_group_cpu(cls, method, tag) + [""]
        body += _render_group_cuda(cls, method, tag) + [""]
        body.append(f'_update{k}_cpu = _jit.njit(_update{k}_cpu, error_model="numpy")')
        compiled += compiled_names(cls, tag, method) + [f"_group{k}"]
    for k, cls in enumerate(rules):
        sources, bindings = R.render_functions(cls, k)
        for key, line in bindings.items():
            if all_bindings.setdefault(key, line) != line:
                raise ValidationError(
                    f"{cls.__name__}: the global {key!r} means different things in "
                    "the models and rules of this network; rename it in one of them"
                )
        body += sources + R.render_rule(cls, k) + [""]
        body += R.render_rule_cuda(cls, k) + [""]
        body += (R.render_trace_cuda(cls, k) or []) + [""]
        body += [f"_r{k}_{n} = _jit.njit(_r{k}_{n})" for n in R.rule_functions(cls)]
        body += [f"_plastic{k}_cpu = _jit.njit(_plastic{k}_cpu)", ""]
    if rules:
        body += R.render_dispatch(len(rules))
        body += ["", "plasticity_step = _jit.njit(plasticity_step)", ""]
    body += _render_model_dispatch(len(kinds)) + ["", ast.unparse(fn), ""]
    body += [
        f"{n}_cpu = _jit.njit({n}_cpu)" for n in compiled if not n.startswith("_m")
    ]
    body += [f"{n}_cpu = _jit.njit({n})" for n in compiled if n.startswith("_m")]
    rule_names = [
        name
        for k, cls in enumerate(rules)
        for name in [f"_r{k}_{n}_cuda" for n in R.rule_functions(cls)]
        + [f"_plastic{k}_cuda", f"_trace{k}_cuda"]
    ]
    rule_globals = ["    global " + ", ".join(rule_names)] if rule_names else []
    body += [
        "model_segments = _jit.njit(model_segments)",
        "network_run = _jit.njit(network_run)",
        "_cuda_kernels = []",
        "_cuda_built = []",
        "# (synapse kernel, trace kernel or None) per rule kind, by build_cuda",
        "rule_kernels = []",
        "",
        "",
        "def build_cuda():",
        '    """Decorate the CUDA side; returns the group kernels, one per kind."""',
        "    global " + ", ".join(["cuda"] + [f"{n}_cuda" for n in compiled]),
        *rule_globals,
        "    if not _cuda_built:",
        "        from numba import cuda",
        "",
    ]
    for n in compiled:
        if n.startswith("_group"):
            cls, method = kinds[int(n[len("_group") :])]
            gate = _gate_args(cls, "group", method, ())
            body.append(f"        {n}_cuda = _jit.cuda_kernel({n}_cuda, {gate})")
        elif n.startswith("_m"):
            body.append(f"        {n}_cuda = _jit.cuda_device({n})")
        else:
            body.append(f"        {n}_cuda = _jit.cuda_device({n}_cuda)")
    for k, cls in enumerate(rules):
        traced = R.render_trace_cuda(cls, k) is not None
        body += [
            f"        _r{k}_{n}_cuda = _jit.cuda_device(_r{k}_{n}.py_func)"
            for n in R.rule_functions(cls)
        ]
        body.append(
            f"        _plastic{k}_cuda = _jit.cuda_kernel(_plastic{k}_cuda, "
            f"{R.gate_args(cls, 'plastic')})"
        )
        if traced:
            body.append(
                f"        _trace{k}_cuda = _jit.cuda_kernel(_trace{k}_cuda, "
                f"{R.gate_args(cls, 'trace')})"
            )
        trace = f"_trace{k}_cuda" if traced else "None"
        body.append(f"        rule_kernels.append((_plastic{k}_cuda, {trace}))")
    body += [
        "        _cuda_built.append(True)",
        "        _cuda_kernels.extend(["
        + ", ".join(f"_group{k}_cuda" for k in range(len(kinds)))
        + "])",
        "    return _cuda_kernels",
        "",
    ]
    return "\n".join(head + list(all_bindings.values()) + [""] + vecmath_lines() + body)


def compile_network_loop(
    models: list[NeuronModel], methods: list[str], rules: tuple[Any, ...] = ()
) -> Any:
    """The generated network loop for these kinds (one model instance per kind).

    ``rules`` are plasticity rule instances, one per rule class (their order
    gives the kinds of ``pl_i[:, 1]``).
    """
    from ..learning.rule import python_check as rule_check

    kinds = []
    for model, method in zip(models, methods, strict=True):
        python_check(model, method)
        kinds.append((type(model), method))
    for rule in rules:
        rule_check(rule)
    classes = tuple(type(r) for r in rules)
    return load_module("neurosim_gen_network", render_network_module(kinds, classes))
