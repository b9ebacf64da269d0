"""Generated kernel modules: user sources copied in, written atomically, cached.

The engine composes per-model code (a model's one-step update, its neuron
loop, the CPU driver and the CUDA kernel) as the text of a small Python module.
This module turns such text into an imported module whose functions numba can
cache on disk, designed around the pitfalls of numba's cache:

* numba keys its cache by the defining file and function, and does not notice
  a change in a function defined elsewhere or in rebound globals. So a user's
  model functions are not *called* from generated code: their **source is
  copied into it** (:func:`function_source`), and the module's file name holds
  a hash of its whole text (:func:`load_module`). Any change of what changes
  code (a model's source, its variable layout, which parameters are arrays,
  what is recorded, dtypes, the numba and neurosim versions) gives another
  file, which numba compiles afresh; a change of sizes or values gives the
  same text, so a parameter sweep never recompiles.
* Files are written atomically (a temporary file, then ``os.replace``), so
  parallel workers racing on the same module never read half a file, and an
  existing file is never rewritten (numba checks its modification time).
* Functions whose source cannot be read (typed at an interactive prompt) and
  functions that depend on anything but ``math``, ``numpy`` and numeric
  module constants are refused with an error naming them.

The folder is ``NEUROSIM_CODEGEN_DIR`` if set, else ``~/.cache/neurosim/
codegen`` (or a per-user temporary folder when that is not writable).
"""

from __future__ import annotations

import ast
import builtins
import functools
import hashlib
import importlib.util
import inspect
import math
import numbers
import os
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np

from ..exceptions import ValidationError

#: Bump when the generated code's shape changes (part of every module's hash).
FORMAT = 1
#: Builtins a model function may call (numba supports them on both targets).
ALLOWED_BUILTINS = frozenset(
    {"abs", "min", "max", "float", "int", "bool", "round", "range", "len", "pow"}
)


@functools.cache
def cache_dir() -> Path:
    """The folder of generated modules (created on first use)."""
    env = os.environ.get("NEUROSIM_CODEGEN_DIR")
    candidates = [Path(env)] if env else []
    candidates += [
        Path.home() / ".cache" / "neurosim" / "codegen",
        Path(tempfile.gettempdir()) / f"neurosim-codegen-{os.getuid()}",
    ]
    for path in candidates:
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".probe-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
            return path
        except OSError:
            continue
    raise OSError(
        "neurosim: no writable folder for generated code; set NEUROSIM_CODEGEN_DIR"
    )


def _version() -> str:
    from .. import __version__

    return __version__


def function_source(fn: Callable, new_name: str, owner: str) -> tuple[str, list[str]]:
    """The source of ``fn`` renamed ``new_name``, and the lines its globals need.

    Decorators are dropped and the text is normalised through ``ast`` (so
    comments and formatting do not change the hash). Returns
    ``(source, header_lines)``, where the header binds the globals the body
    uses: ``math``/``numpy`` imports and numeric constants (frozen now, as
    numba would freeze them). ``owner`` (e.g. ``"Izhikevich.derivatives"``)
    names the function in errors.
    """
    if fn.__name__ == "<lambda>":
        raise ValidationError(f"{owner}: write a def, not a lambda")
    if fn.__closure__:
        raise ValidationError(
            f"{owner}: must not use variables of an enclosing function "
            f"({', '.join(fn.__code__.co_freevars)}); make them parameters"
        )
    try:
        text = inspect.getsource(fn)
    except (OSError, TypeError) as e:
        raise ValidationError(
            f"{owner}: its source code is not available ({e}); define the model "
            "in a file, a notebook cell or a script (functions typed at a bare "
            "interactive prompt or made by exec cannot be compiled)"
        ) from e
    tree = ast.parse(textwrap.dedent(text))
    node = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    )
    if isinstance(node, ast.AsyncFunctionDef):
        raise ValidationError(f"{owner}: must be a plain def")
    node.decorator_list = []
    node.name = new_name
    node.returns = None
    for arg in node.args.args:
        arg.annotation = None
    header = _global_lines(node, fn, owner)
    return ast.unparse(node), header


def _global_lines(node: ast.FunctionDef, fn: Callable, owner: str) -> list[str]:
    local = {a.arg for a in node.args.args}
    loads: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if isinstance(sub.ctx, ast.Store | ast.Del):
                local.add(sub.id)
            elif sub.id not in loads:
                loads.append(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.Lambda) and sub is not node:
            raise ValidationError(f"{owner}: nested functions are not supported")
    lines = []
    g = fn.__globals__
    for name in loads:
        if name in local:
            continue
        if name in g:
            value = g[name]
            if isinstance(value, types.ModuleType) and value in (math, np):
                lines.append(f"import {value.__name__} as {name}")
            elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                lines.append(f"{name} = {float(value)!r}")
            else:
                raise ValidationError(
                    f"{owner}: uses the global {name!r} ({type(value).__name__}); "
                    "a model function may use math, numpy (np), numeric constants "
                    "and its own arguments only (its source is copied into "
                    "generated code); pass other values as parameters"
                )
        elif name in ALLOWED_BUILTINS:
            continue
        elif hasattr(builtins, name):
            raise ValidationError(
                f"{owner}: the builtin {name!r} cannot be compiled; allowed: "
                f"{', '.join(sorted(ALLOWED_BUILTINS))}"
            )
        else:
            raise ValidationError(
                f"{owner}: name {name!r} is not defined (not an argument, a "
                "local variable or a module-level name)"
            )
    return lines


def load_module(prefix: str, source: str) -> types.ModuleType:
    """Import generated ``source`` from the cache folder (writing it first).

    The module's name is ``prefix`` plus a hash of the source and the numba
    and neurosim versions; a module already imported in this process is
    returned as is.
    """
    stamp = f"# numba {numba.__version__}, neurosim {_version()}, format {FORMAT}\n"
    text = stamp + source
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    name = f"{prefix}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    path = cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != text:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
