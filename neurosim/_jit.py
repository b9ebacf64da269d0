"""The only module that applies numba decorators.

Per-element model math is written once as a plain Python function and compiled
twice from here: with :func:`njit` (inlined into CPU drivers) and with
:func:`cuda_device` (a ``numba.cuda`` device function for GPU kernels).
``numba.cuda`` is imported lazily, so ``import neurosim`` never touches CUDA.

Kernels take every tunable value as an argument: numba freezes module globals
at compile time, so a global would silently keep its first value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import glob
import logging
import os
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numba
import numba.core.event
from numba.core.caching import FunctionCache

from . import _config


class _CheckedCache(FunctionCache):
    """numba's on-disk cache of one function, recovering from damaged files.

    A truncated or overwritten index (``.nbi``) or data file (``.nbc``) makes
    numba's own loader raise (``UnpicklingError``, ``EOFError`` ...) on every
    later run. Here a file that cannot be read is removed with a
    ``RuntimeWarning`` and the function is compiled again (and cached anew).
    """

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)
        except Exception as e:  # any damage: the cache is only an optimisation
            self._discard(e)
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as e:  # saving reads the index first
            self._discard(e)
            try:
                super().save_overload(sig, data)
            except Exception:  # still unwritable: run uncached
                return

    def _discard(self, error: Exception) -> None:
        cache_file = self._cache_file
        index = cache_file._index_path
        warnings.warn(
            f"neurosim: the numba cache of {self._name} ({index}) is damaged "
            f"({type(error).__name__}: {error}); removing it and compiling again",
            RuntimeWarning,
            stacklevel=2,
        )
        base = os.path.splitext(index)[0]
        for path in [index, *glob.glob(glob.escape(base) + ".*.nbc")]:
            with contextlib.suppress(OSError):
                os.remove(path)


def _checked(dispatcher: Any) -> Any:
    """Give a cached dispatcher the damage-tolerant cache."""
    if getattr(dispatcher, "_cache", None) is not None and isinstance(
        dispatcher._cache, FunctionCache
    ):
        dispatcher._cache = _CheckedCache(dispatcher.py_func)
    return dispatcher


def njit(fn: Callable | None = None, **options: Any) -> Any:
    """``numba.njit`` with neurosim's defaults (``cache=True`` unless disabled).

    Usable bare (``@njit``) or with options (``@njit(parallel=True)``). Damaged
    cache files are removed and recompiled with a warning (:class:`_CheckedCache`).
    """
    options.setdefault("cache", _config.CACHE)
    options.setdefault("fastmath", _config.FASTMATH)
    if fn is None:
        return lambda f: _checked(numba.njit(**options)(f))
    return _checked(numba.njit(**options)(fn))


def inline(fn: Callable) -> Any:
    """Compile a scalar helper for inlining into CPU kernels."""
    return _checked(numba.njit(inline="always", cache=_config.CACHE)(fn))


@functools.cache
def has_cuda() -> bool:
    """True when ``numba.cuda`` is importable and finds a GPU (or the simulator)."""
    try:
        from numba import cuda
    except Exception:  # numba-cuda missing or broken driver: no GPU backend
        return False
    try:
        return bool(cuda.is_available())
    except Exception:
        return False


def cuda_device(fn: Callable) -> Any:
    """Compile a plain scalar function as a ``numba.cuda`` device function."""
    from numba import cuda

    return cuda.jit(device=True)(fn)


@dataclasses.dataclass
class CudaKernelEntry:
    """A registered ``numba.cuda`` kernel, as the compile gate sees it.

    Attributes
    ----------
    key : str
        Type-level key: ``"module:qualname"`` for a hand-written kernel; a
        generator passes its own (e.g. ``"network_step[LIF,HH]"``), so that two
        generations of the same kernel are one entry.
    kernel : numba.cuda dispatcher
        What the drivers launch (a ``FakeCUDAKernel`` under the simulator).
    py_func : callable
        The Python source function (compiled by the gate with ``compile_ptx``).
    options : dict
        The ``numba.cuda.jit`` options (the gate compiles with the same ones).
    signatures : list of str or tuple
        Argument types declared next to the kernel (``numba`` signature strings
        or tuples of ``numba.types``); the gate adds those recorded from the
        simulator runs of ``tests/cuda``.
    recipe : tuple of (str, dict) or None
        For a generated kernel: ``("module:function", kwargs)``, a call that
        generates (and so re-registers) it in a fresh process; JSON-able.
    """

    key: str
    kernel: Any
    py_func: Callable
    options: dict[str, Any]
    signatures: list[Any]
    recipe: tuple[str, dict[str, Any]] | None


#: Every kernel compiled through :func:`cuda_kernel`, by type-level key. The
#: compile gate (:mod:`neurosim.kernels.compile_gate`) compiles each for real GPUs.
CUDA_KERNELS: dict[str, CudaKernelEntry] = {}


def cuda_kernel(
    fn: Callable | None = None,
    *,
    key: str | None = None,
    signatures: list[Any] | None = None,
    recipe: tuple[str, dict[str, Any]] | None = None,
    **options: Any,
) -> Any:
    """Compile a ``numba.cuda`` kernel (lazily typed, like :func:`njit`).

    Every kernel is registered in :data:`CUDA_KERNELS` under ``key`` (default
    ``"module:qualname"``; a later registration under the same key replaces
    the earlier one). ``signatures`` declares argument types for the compile
    gate; ``recipe`` tells it how to generate the kernel again (generated
    kernels only). The launched object carries its key as
    ``neurosim_kernel_key``.
    """
    if fn is None:
        return lambda f: cuda_kernel(
            f, key=key, signatures=signatures, recipe=recipe, **options
        )
    from numba import cuda

    kernel = cuda.jit(**options)(fn)
    key = key or f"{fn.__module__}:{fn.__qualname__}"
    kernel.neurosim_kernel_key = key
    CUDA_KERNELS[key] = CudaKernelEntry(
        key, kernel, fn, dict(options), list(signatures or ()), recipe
    )
    return kernel


def require_cuda() -> None:
    """Raise :class:`~neurosim.exceptions.BackendUnavailable` without a GPU."""
    from .exceptions import BackendUnavailable

    if not has_cuda():
        raise BackendUnavailable(
            "backend='cuda' needs an NVIDIA GPU with a working driver and the "
            "'numba-cuda' package (pip install 'neurosim[cuda]'); for testing "
            "without a GPU set NUMBA_ENABLE_CUDASIM=1 before importing numba."
        )


def compile_family(functions: dict[str, Callable], target: str) -> dict[str, Any]:
    """Compile plain scalar functions that call each other, for one target.

    A plain function calls its helpers by global name, and numba resolves
    those names when it compiles. To compile the same source for two targets,
    each function is re-created over a private copy of its module's namespace
    in which every name of ``functions`` is bound to that target's compiled
    version: ``"cpu"`` (:func:`inline`) or ``"cuda"`` (:func:`cuda_device`).
    Returns ``{name: compiled function}``.
    """
    wrap = {"cpu": inline, "cuda": cuda_device}[target]
    first = next(iter(functions.values()))
    namespace = dict(first.__globals__)
    out: dict[str, Any] = {}
    for name, fn in functions.items():
        clone = types.FunctionType(
            fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__
        )
        clone.__qualname__ = fn.__qualname__
        clone.__doc__ = fn.__doc__
        out[name] = wrap(clone)
    namespace.update(out)
    return out


def resolve_backend(backend: str, n_neurons: int | None = None) -> str:
    """The one backend resolver: ``"auto"`` -> ``"cuda"`` with a GPU, else ``"cpu"``.

    With ``n_neurons`` (a network's size), ``"auto"`` also picks the CPU when
    the network has fewer than ``_config.GPU_MIN_NEURONS`` neurons (env
    ``NEUROSIM_GPU_MIN_NEURONS``): small networks are bound by kernel
    launches on a GPU. An explicit ``"cuda"`` without a usable GPU raises
    :class:`~neurosim.exceptions.BackendUnavailable`; falling back from
    ``"auto"`` is logged once at INFO level.
    """
    from . import _config
    from ._validation import check_choice

    check_choice("backend", backend, ("auto", "cpu", "cuda"))
    if backend == "auto":
        if not has_cuda():
            _log_cpu_fallback()
            return "cpu"
        if n_neurons is not None and n_neurons < _config.GPU_MIN_NEURONS:
            _log_small_network(_config.GPU_MIN_NEURONS)
            return "cpu"
        return "cuda"
    if backend == "cuda":
        require_cuda()
    return backend


@functools.cache
def _log_cpu_fallback() -> None:
    logging.getLogger("neurosim").info(
        "backend='auto': no usable CUDA device, running on the CPU"
    )


@functools.cache
def _log_small_network(threshold: int) -> None:
    logging.getLogger("neurosim").info(
        "backend='auto': a network of fewer than %d neurons runs on the CPU "
        "(launch-bound on the GPU; set NEUROSIM_GPU_MIN_NEURONS or "
        "backend='cuda' to change this)",
        threshold,
    )


#: A compile that lasts longer than this (seconds) is announced, once per process.
COMPILE_NOTICE_AFTER_S = 1.0
_compile_announced = threading.Event()


def _announce_compile() -> None:
    if _compile_announced.is_set():
        return
    _compile_announced.set()
    sys.stderr.write(
        "neurosim: compiling kernels, first run only (numba caches them on disk "
        "for later runs) ...\n"
    )
    sys.stderr.flush()


class CompileWatch(numba.core.event.Listener):
    """Counts the seconds numba spends compiling (``numba:compile`` events).

    Cache loads are not compiles and are not counted. With ``notice=True``, a
    compile still running after :data:`COMPILE_NOTICE_AFTER_S` is announced
    on stderr, once per process (the progress bar's channel).

    Attributes
    ----------
    seconds : float
        Wall time of the compiles that ended so far, in seconds.
    """

    def __init__(self, notice: bool) -> None:
        self.seconds = 0.0
        self._notice = notice
        self._depth = 0
        self._t0 = 0.0
        self._timer: threading.Timer | None = None

    def on_start(self, event: numba.core.event.Event) -> None:  # noqa: D102
        if self._depth == 0:
            self._t0 = time.perf_counter()
            if self._notice and not _compile_announced.is_set():
                self._timer = threading.Timer(COMPILE_NOTICE_AFTER_S, _announce_compile)
                self._timer.daemon = True
                self._timer.start()
        self._depth += 1

    def on_end(self, event: numba.core.event.Event) -> None:  # noqa: D102
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._t0
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


@contextlib.contextmanager
def watch_compiles(notice: bool) -> Iterator[CompileWatch]:
    """Context in which numba's compiles are timed (and announced if ``notice``).

    Parameters
    ----------
    notice : bool
        Announce a compile longer than :data:`COMPILE_NOTICE_AFTER_S` on
        stderr (once per process).

    Yields
    ------
    CompileWatch
        Its ``seconds`` grows as compiles end.
    """
    watch = CompileWatch(notice)
    with numba.core.event.install_listener("numba:compile", watch):
        yield watch


def announces_compiles(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a public entry point: its compiles are announced as in a run.

    A call that spends more than :data:`COMPILE_NOTICE_AFTER_S` compiling says
    so once per process on stderr, through :func:`watch_compiles` (the
    mechanism :meth:`Simulator.run` uses), for functions that have no progress
    bar to silence it with.

    Parameters
    ----------
    fn : callable
        The function whose calls may compile kernels.

    Returns
    -------
    callable
        ``fn`` wrapped (same signature and docstring).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with watch_compiles(notice=True):
            return fn(*args, **kwargs)

    return wrapper


class _CompileCounter(numba.core.event.Listener):
    """Counts numba compilations (disk-cache loads are not compilations)."""

    count = 0

    def on_start(self, event: Any) -> None:
        type(self).count += 1

    def on_end(self, event: Any) -> None:
        pass


@functools.cache
def _install_compile_counter() -> None:
    numba.core.event.register("numba:compile", _CompileCounter())


def compile_count() -> int:
    """Numba compilations in this process since the first call of this function.

    Every dispatcher compilation counts (a kernel and each helper it compiles);
    signatures loaded from the on-disk cache do not.
    """
    _install_compile_counter()
    return _CompileCounter.count
