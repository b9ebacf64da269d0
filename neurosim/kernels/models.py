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

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba.core.errors import NumbaError, UnsupportedBytecodeError

from .. import _config
from ..exceptions import ValidationError
from ..neurons.model import NeuronModel, function_args, raw_function
from .codegen import function_source, load_module
from .integrators import INTEGRATORS, LINEAR_METHODS, IntegratorContext

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


def _call(cls: type, name: str, target: str, values: dict[str, str]) -> str:
    fn = raw_function(cls, name)
    assert fn is not None
    args = [values.get(a, a) for a in function_args(cls, name, fn)]
    return f"_m_{name}_{target}({', '.join(args)})"


def _unpack(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _assign(names: list[str]) -> str:
    """Targets for a model function's result: a bare value for one variable."""
    return ", ".join(names)


def _render_step(cls: type, layout: Layout, target: str) -> list[str]:
    """``_step_<target>``: one step of one neuron, returning the new state tuple."""
    state = list(cls.state)
    held = list(cls.refractory_hold) if cls.threshold is not None else []
    params = list(cls.params)
    args = state + list(cls.inputs) + params + ["_dt", "_nr"]
    new = {x: f"_n_{x}" for x in state}
    lines = [f"def _step_{target}({', '.join(args)}):"]
    if layout.method == "update":
        call = _call(cls, "update", target, {"dt": "_dt"})
        body = [f"{_assign(list(new.values()))} = {call}"]
        body += [f"if _nr == 0.0:\n        {new[x]} = {x}" for x in held]
    else:

        def derivs(tag: str, values: dict[str, str]) -> tuple[list[str], dict]:
            out = {x: f"{tag}_{x}" for x in state}
            call = _call(cls, "derivatives", target, values)
            got = [f"{_assign(list(out.values()))} = {call}"]
            got += [f"{out[x]} = {out[x]} * _nr" for x in held]
            return got, out

        body = INTEGRATORS[layout.method](IntegratorContext(state, new, derivs))
    lines += ["    " + b for b in body]
    lines.append(f"    return {_unpack(list(new.values()))}")
    return lines


def _render_neuron(cls: type, layout: Layout, target: str) -> list[str]:
    """``_neuron_<target>``: one neuron's time loop."""
    state = list(cls.state)
    params = list(cls.params)
    b = [f"def _neuron_{target}(_i, {_ARGS}):"]
    b += [f"    {x} = _state[{j}, _i]" for j, x in enumerate(state)]
    b += [f"    {p} = _pa[{j}, _i]" for j, p in enumerate(params)]
    b += ["    _dt = _ps[0]", "    _dts = _ps[1]"]
    spikes = cls.threshold is not None
    if spikes:
        var, thr = cls.threshold
        thr = thr if isinstance(thr, str) else "_ps[2]"
        refr = cls.refractory if isinstance(cls.refractory, str) else "_ps[3]"
        b += [
            f"    _thr = {thr}",
            f"    _nref = int(math.floor({refr} / _dt + 0.5))",
            "    _o = _spk_off[_i]",
            "    _cap = _spk_off[_i + 1] - _o",
            "    _cnt = _spk_n[_i]",
        ]
    b += [
        "    _rc = _refc[_i]",
        "    for _k in range(_n_steps):",
        "        _row = _k * _stride",
    ]
    b += [f"        {p} = _inp[{j}, _row, _i]" for j, p in enumerate(cls.inputs)]
    b.append("        _nr = 1.0 if _rc == 0 else 0.0")
    linear = spikes and cls.spike_time == "linear"
    if linear:
        b.append(f"        _old = {var}")
    call_args = ", ".join(state + list(cls.inputs) + params + ["_dt", "_nr"])
    b.append(f"        {_unpack(state)} = _step_{target}({call_args})")
    b += ["        if _rc > 0:", "            _rc -= 1"]
    if spikes:
        if linear:
            when = f"(_k + min(1.0, max(0.0, (_thr - _old) / ({var} - _old)))) * _dts"
        else:
            when = "(_k + 1) * _dts"
        b += [
            f"        elif {var} > _thr:",
            "            if _cnt < _cap:",
            f"                _spk_buf[_o + _cnt] = {when}",
            "            _cnt += 1",
            "            _rc = _nref",
        ]
        if "reset" in _functions(cls):
            b.append(
                f"            {_assign(state)} = {_call(cls, 'reset', target, {})}"
            )
        else:
            for x, value in cls.reset.items():
                value = value if isinstance(value, str) else repr(float(value))
                b.append(f"            {x} = {value}")
    b += [f"        _rec[{j}, _k, _i] = {x}" for j, x in enumerate(layout.record)]
    b += [f"    _state[{j}, _i] = {x}" for j, x in enumerate(state)]
    b.append("    _refc[_i] = _rc")
    if spikes:
        b.append("    _spk_n[_i] = _cnt")
    return b


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
    bindings: dict[str, str] = {}
    sources = []
    fns = _functions(cls)
    for name, fn in fns.items():
        src, header = function_source(fn, f"_m_{name}", f"{cls.__name__}.{name}")
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
    body = [*head, *bindings.values(), "", *sources]
    for target in ("cpu", "cuda"):
        body += _render_step(cls, layout, target) + [""]
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
    body += [f"_m_{name}_cpu = _jit.njit(_m_{name})" for name in fns]
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
        "    global " + ", ".join(f"_m_{name}_cuda" for name in fns),
        "    if not _cuda_built:",
        "        from numba import cuda",
        "",
    ]
    body += [f"        _m_{name}_cuda = _jit.cuda_device(_m_{name})" for name in fns]
    body += [
        "        _step_cuda = _jit.cuda_device(_step_cuda)",
        "        _neuron_cuda = _jit.cuda_device(_neuron_cuda)",
        "        _kernel_cuda = _jit.cuda_kernel(_kernel_cuda)",
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
    state = dict(model.initial_state(1))
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


def compile_model(model: NeuronModel, layout: Layout) -> Any:
    """The generated (and imported) module of ``model``'s class for ``layout``."""
    cls = type(model)
    if layout.method != "update" and layout.method not in INTEGRATORS:
        raise ValidationError(
            f"method: {layout.method!r} is not a registered integrator for "
            f"{cls.__name__}; known: {', '.join(INTEGRATORS)}"
        )
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
