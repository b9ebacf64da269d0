"""What runs in a worker process: load the function once, run points, pack results.

Shared by the local process pool and Dask. The function arrives pickled (with
cloudpickle when it is installed, so functions from ``__main__`` or a notebook
travel by value). It is unpickled once per worker process and kept, so a numba
kernel it carries compiles once per worker, never once per point.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import numbers
import os
import pickle
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._jit import compile_count
from ._points import META_COLUMNS

#: Functions unpickled in this process, by the SHA-256 of their payload.
_FUNCTIONS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Task:
    """One point and repeat to run: ``fn(**params, seed=seed)``."""

    key: str  # file name stem: point key and repeat
    params: dict[str, Any]
    repeat: int
    seed: int
    pass_seed: bool


class BadResult(TypeError):
    """The function returned something that is not numbers or numeric arrays."""


def dumps_function(fn: Callable) -> bytes:
    """Pickle ``fn`` for the workers (cloudpickle if installed, else pickle)."""
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    if cloudpickle is not None:
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        if module is not None and _loaded_from_file(module.__name__):
            # workers could not import it by name: send the module's code along
            cloudpickle.register_pickle_by_value(module)
            try:
                return cloudpickle.dumps(fn)
            finally:
                cloudpickle.unregister_pickle_by_value(module)
        return cloudpickle.dumps(fn)
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if module is not None and _loaded_from_file(module.__name__):
        path = getattr(module, "__file__", None)
        if path is not None and getattr(fn, "__qualname__", "").isidentifier():
            return pickle.dumps(FileFunction(module.__name__, path, fn.__qualname__))
    module = getattr(fn, "__module__", None)
    if module == "__main__":
        import __main__

        if not hasattr(__main__, "__file__"):
            raise TypeError(
                "fn: a function defined interactively (a notebook or the REPL) "
                "cannot reach worker processes without cloudpickle; "
                "pip install cloudpickle (it comes with neurosim[sweep]) or move "
                "the function into an importable module"
            )
    try:
        return pickle.dumps(fn)
    except Exception as e:
        raise TypeError(
            f"fn: cannot be sent to worker processes ({type(e).__name__}: {e}); "
            "define it at the top level of an importable module, or pip install "
            "cloudpickle to send lambdas and closures by value"
        ) from e


def _loaded_from_file(name: str) -> bool:
    """A top-level module (not ``__main__``) that is not importable by its name.

    Scripts loaded with ``importlib.util.spec_from_file_location`` under a made-up
    name (as ``neurosim demo`` loads the examples) are such modules.
    """
    if name == "__main__" or "." in name or name in sys.builtin_module_names:
        return False
    return importlib.machinery.PathFinder.find_spec(name) is None


@dataclass(frozen=True)
class FileFunction:
    """A top-level function of a script loaded by path under a made-up name.

    Without cloudpickle, workers load the script from ``path`` under the
    same ``module`` name (local workers share the file system).
    """

    module: str
    path: str
    qualname: str

    def resolve(self) -> Callable:
        """Import the script if needed; return the function."""
        mod = sys.modules.get(self.module)
        if mod is None:
            spec = importlib.util.spec_from_file_location(self.module, self.path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {self.path}")
            mod = importlib.util.module_from_spec(spec)
            sys.modules[self.module] = mod
            spec.loader.exec_module(mod)
        return getattr(mod, self.qualname)


def load_function(payload: bytes | None, digest: str | None = None) -> Callable:
    """Unpickle a function payload once per process, keeping it by its digest.

    ``payload`` may be None when this process already loaded ``digest``.
    """
    if digest is None:
        digest = hashlib.sha256(payload).hexdigest()
    fn = _FUNCTIONS.get(digest)
    if fn is None:
        if payload is None:
            raise RuntimeError(f"function {digest[:12]} was never sent to this worker")
        fn = pickle.loads(payload)  # cloudpickle output loads with plain pickle
        if isinstance(fn, FileFunction):
            fn = fn.resolve()
        _FUNCTIONS[digest] = fn
    return fn


def as_results(out: Any) -> dict[str, np.ndarray]:
    """A function's return value as ``{name: numeric ndarray}``.

    A dict maps column names to numbers or numeric arrays; a single number or
    array becomes the column ``"result"``. Anything else raises
    :class:`BadResult`.
    """
    if not isinstance(out, Mapping):
        out = {"result": out}
    results = {}
    for name, value in out.items():
        if not isinstance(name, str) or not name:
            raise BadResult(f"result names must be non-empty str (got {name!r})")
        if name in META_COLUMNS:
            raise BadResult(
                f"result {name!r} clashes with a column the sweep fills itself "
                f"({', '.join(META_COLUMNS)})"
            )
        if isinstance(value, str | bytes) or value is None:
            raise BadResult(
                f"result {name!r}: expected a number or numeric array "
                f"(got {type(value).__name__} {value!r})"
            )
        if isinstance(value, numbers.Number | np.generic):
            arr = np.asarray(value)
        else:
            try:
                arr = np.asarray(value)
            except ValueError as e:  # ragged nested lists
                raise BadResult(
                    f"result {name!r}: not a rectangular array ({e})"
                ) from e
        if arr.dtype.kind not in "biufc":
            raise BadResult(
                f"result {name!r}: expected numbers (got an array of dtype "
                f"{arr.dtype} from {type(value).__name__})"
            )
        results[name] = arr
    return results


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_task(fn: Callable, task: Task) -> dict[str, Any]:
    """Run one point; return its record (never raises for the function's errors).

    The record's ``status`` is ``"ok"``, ``"error"`` (the function raised:
    ``error`` holds ``"Type: message"``) or ``"bad"`` (the function returned
    something that is not numbers; the sweep stops).
    """
    c0 = compile_count()
    t0 = time.perf_counter()
    kwargs = dict(task.params)
    if task.pass_seed:
        kwargs["seed"] = task.seed
    results: dict[str, np.ndarray] = {}
    try:
        results = as_results(fn(**kwargs))
        status, error = "ok", ""
    except BadResult as e:
        status, error = "bad", str(e)
    except Exception as e:  # recorded in the point's row; the sweep goes on
        status, error = "error", f"{type(e).__name__}: {e}"
    return {
        "key": task.key,
        "status": status,
        "results": results,
        "error": error,
        "elapsed_s": time.perf_counter() - t0,
        "worker": worker_name(),
        "compiles": compile_count() - c0,
    }


def failed_record(task: Task, error: str, elapsed_s: float = float("nan")) -> dict:
    """The record of a point the driver gave up on (time limit, dead workers)."""
    return {
        "key": task.key,
        "status": "error",
        "results": {},
        "error": error,
        "elapsed_s": elapsed_s,
        "worker": "",
        "compiles": 0,
    }
