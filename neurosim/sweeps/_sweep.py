"""``sweep``: run a function over points and seeds, locally or on Dask."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_number
from ..exceptions import NeurosimError, ValidationError
from . import _store
from ._local import LocalWorkers
from ._points import check_signature, make_points, point_key, point_seed
from ._table import Table
from ._worker import Task, dumps_function

logger = logging.getLogger(__name__)


def sweep(
    fn: Callable[..., Any],
    points: Any,
    *,
    n_seeds: int = 1,
    seed: int = 0,
    out: str | Path | None = None,
    client: Any = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    timeout: float | None = None,
    rerun_failed: bool = False,
    max_crashes: int = 3,
    progress: bool = True,
) -> Table:
    """Run ``fn(**point, seed=s)`` for every point and ``n_seeds`` seeds, in parallel.

    Parameters
    ----------
    fn : callable
        A function of keyword parameters returning a number, a numeric array,
        or a dict ``{name: number or numeric array}`` (each name a column;
        one shape per column across points). When it takes a ``seed``
        argument it receives the point's seed (an int, for
        ``numpy.random.default_rng(seed)`` or any neurosim ``seed=``).
        Functions from an importable module always work; functions from
        ``__main__``, a notebook, lambdas and closures travel by value when
        cloudpickle is installed (it comes with ``neurosim[sweep]``).
    points : dict or list of dict
        A grid ``{name: values}`` (the Cartesian product, last name fastest),
        or a list of points ``{name: value}`` (e.g. from
        :func:`neurosim.sweeps.random_points`). Values are int, float, bool,
        str or None; bind other objects into ``fn`` (defaults or
        ``functools.partial``).
    n_seeds : int
        Repeats per point, each with its own seed.
    seed : int
        Base seed of the sweep (>= 0). The seed of repeat ``r`` of a point is
        the first uint64 of ``numpy.random.SeedSequence([seed, *h, r])``,
        ``h`` the first four 32-bit words of the SHA-256 of the point's
        canonical JSON: it depends on the point only, so results are the
        same with any number of workers, locally or on Dask, in any order.
    out : str or Path, optional
        Folder to write one file per point and repeat as results arrive
        (created if needed). Run the same sweep again with the same folder to
        compute only the missing points; a folder of a different sweep
        (another function, parameter names or ``seed``) is refused.
    client : distributed.Client, str or LocalWorkers, optional
        Run on this Dask cluster (or the scheduler at this address; needs
        ``pip install 'neurosim[sweep]'``), or on these
        :class:`~neurosim.sweeps.LocalWorkers`, which several sweeps can
        share. Default: local workers started for this call.
    n_workers : int, optional
        Local worker processes started for this call (default: the cores
        this process may use).
    threads_per_worker : int
        Numba/BLAS/OpenMP threads per local worker (default 1: one process
        per core is the efficient split for independent points).
    timeout : float, optional
        Per-point time limit in seconds, counted from the point's start on a
        worker. Past it the point is recorded as failed (``TimeoutError``);
        a local worker is killed and replaced, a Dask future is cancelled.
    rerun_failed : bool
        Run the failed points found in ``out`` again (default: keep them).
    max_crashes : int
        Local workers: a point whose worker died this many times is recorded
        as failed (``WorkerDied``) instead of run again. Dask uses its own
        ``distributed.scheduler.allowed-failures``.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Table
        One row per point and repeat, in the order given.

    Raises
    ------
    ValidationError, TypeError
        Before any work starts: an empty grid, a parameter ``fn`` does not
        take, a required parameter no point gives, a function that cannot
        reach the workers, an output folder of another sweep. A result that
        is not numbers, or whose shape differs from earlier points', stops
        the sweep when it arrives (finished points stay in ``out``).
    KeyboardInterrupt
        Ctrl-C cancels the pending points; finished ones stay in ``out``.

    Notes
    -----
    Local workers are started with ``spawn`` (never ``fork``: a forked child
    of a process that ran a numba parallel kernel hangs under GNU OpenMP),
    and the function is unpickled once per worker, so numba compiles at most
    once per worker (the ``compiles`` column counts it per point). numba's
    disk cache makes that a cache load on one machine.

    Examples
    --------
    >>> import neurosim as ns
    >>> def rate(tau_rc, tau_ref):
    ...     return float(ns.LIF(tau_rc=tau_rc, tau_ref=tau_ref).rates(2.0))
    >>> t = ns.sweep(rate, {"tau_rc": [0.02, 0.05], "tau_ref": [0.002]},
    ...              n_workers=1, progress=False)  # doctest: +SKIP
    >>> t["result"]  # doctest: +SKIP
    array([63.0..., 27.2...])
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a callable (got {type(fn).__name__})")
    pts = make_points(points)
    names = list(pts[0])
    n_seeds = check_number("n_seeds", n_seeds, low=1, integer=True)
    base_seed = check_number("seed", seed, low=0, integer=True)
    if timeout is not None:
        timeout = check_number("timeout", timeout, low=0.0, low_open=True)
    threads_per_worker = check_number(
        "threads_per_worker", threads_per_worker, low=1, integer=True
    )
    max_crashes = check_number("max_crashes", max_crashes, low=1, integer=True)
    if client is not None and n_workers is not None:
        raise ValidationError(
            "n_workers: applies to the workers sweep starts itself; size the "
            "cluster or LocalWorkers given as client instead"
        )
    if n_workers is not None:
        n_workers = check_number("n_workers", n_workers, low=1, integer=True)
    pass_seed = check_signature(fn, names, n_seeds)
    payload = dumps_function(fn)
    tasks = [
        Task(f"{point_key(p)}-r{r}", p, r, point_seed(p, r, base_seed), pass_seed)
        for p in pts
        for r in range(n_seeds)
    ]
    folder = None if out is None else Path(out)
    rows: dict[str, dict[str, Any]] = {}
    schema: dict[str, tuple[np.dtype, tuple[int, ...]]] | None = None
    if folder is not None:
        _store.open_folder(folder, _store.manifest(fn, names, base_seed))
        stored = _store.read_rows(folder)
        wanted = {t.key for t in tasks}
        for key, row in stored.items():
            if row["error"] == "" and row["results"]:
                schema = _merge_schema(schema, row)
            if key in wanted and (row["error"] == "" or not rerun_failed):
                rows[key] = row
        if rows:
            logger.info(
                "%s: %d of %d rows already stored", folder, len(rows), len(tasks)
            )
    todo = [t for t in tasks if t.key not in rows]
    by_key = {t.key: t for t in todo}
    owned = False
    if todo and isinstance(client, LocalWorkers):
        records = client.run(payload, todo, timeout=timeout, max_crashes=max_crashes)
    elif todo and client is not None:
        from ._dask import client_for, run_dask

        client, owned = client_for(client)
        records = run_dask(client, payload, todo, timeout=timeout)
    elif todo:
        client, owned = LocalWorkers(n_workers, threads_per_worker), True
        records = client.run(payload, todo, timeout=timeout, max_crashes=max_crashes)
    else:
        records = (r for r in ())
    bar = _Progress(len(tasks), len(rows), progress)
    try:
        for rec in records:
            task = by_key[rec["key"]]
            if rec["status"] in ("bad", "load"):
                what = (
                    "returned a result that is not numbers or numeric arrays"
                    if rec["status"] == "bad"
                    else "cannot be loaded in a worker process"
                )
                raise (TypeError if rec["status"] == "bad" else NeurosimError)(
                    f"fn: {what} (point {task.params}): {rec['error']}"
                )
            row = {
                **rec,
                "params": task.params,
                "repeat": task.repeat,
                "seed": task.seed,
            }
            if rec["status"] == "ok":
                schema = _merge_schema(schema, row)
            if folder is not None:
                _store.write_row(folder, row)
            rows[task.key] = row
            bar.update(rec["status"] != "ok")
    except KeyboardInterrupt:
        where = f"; they are in {folder}, run again to resume" if folder else ""
        logger.warning(
            "sweep interrupted: %d of %d rows finished%s", len(rows), len(tasks), where
        )
        raise
    finally:
        records.close()  # stops the workers or cancels the futures left
        bar.close()
        if owned:
            client.close()
    return Table.from_rows([rows[t.key] for t in tasks], names, schema or {})


def _merge_schema(
    schema: dict[str, tuple[np.dtype, tuple[int, ...]]] | None, row: dict[str, Any]
) -> dict[str, tuple[np.dtype, tuple[int, ...]]]:
    """The column schema after ``row``; a ValidationError when it does not fit."""
    results = row["results"]
    if schema is None:
        return {k: (v.dtype, v.shape) for k, v in results.items()}
    if set(results) != set(schema):
        raise ValidationError(
            f"fn: point {row['params']} returned columns {sorted(results)}, "
            f"earlier points {sorted(schema)}; every point must return the same names"
        )
    merged = {}
    for name, (dtype, shape) in schema.items():
        value = results[name]
        if value.shape != shape:
            raise ValidationError(
                f"fn: result {name!r} of point {row['params']} has shape "
                f"{value.shape}, earlier points {shape}; every point must return "
                "one shape per column"
            )
        merged[name] = (np.result_type(dtype, value.dtype), shape)
    return merged


def load(out: str | Path) -> Table:
    """Read every row stored in a sweep folder (without running anything).

    Parameters
    ----------
    out : str or Path
        A folder written by :func:`sweep`.

    Returns
    -------
    Table
        The stored rows, ordered by parameters and repeat.
    """
    folder = Path(out)
    path = folder / _store.MANIFEST
    if not path.is_file():
        raise ValidationError(f"out: {folder} is not a sweep folder (no {path.name})")
    import json

    names = json.loads(path.read_text())["parameters"]
    rows = list(_store.read_rows(folder).values())
    schema = None
    for row in rows:
        if row["error"] == "" and row["results"]:
            schema = _merge_schema(schema, row)
    rows.sort(key=lambda r: ([_sort_key(r["params"][n]) for n in names], r["repeat"]))
    return Table.from_rows(rows, names, schema or {})


def _sort_key(v: Any) -> tuple[int, Any]:
    """Order mixed values: None, then numbers, then strings."""
    if v is None:
        return (0, 0)
    if isinstance(v, str):
        return (2, v)
    return (1, v)


class _Progress:
    """A one-line progress bar on stderr: rows done, failed, elapsed, time left."""

    def __init__(self, total: int, done: int, show: bool) -> None:
        self.total, self.done, self.start = total, done, done
        self.failed = 0
        self.show = show and total > done
        self.t0 = self.t1 = time.perf_counter()
        if self.show:
            self._draw()

    def update(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        if self.done - self.start == 1:  # time left counts from the first row
            self.t1 = time.perf_counter()
        if self.show:
            self._draw()

    def _draw(self) -> None:
        width = 30
        frac = self.done / self.total
        now = time.perf_counter()
        new = self.done - self.start
        left = (
            f"{(now - self.t1) * (self.total - self.done) / (new - 1):.1f} s left"
            if new > 1
            else "time left: after 2 rows"
        )
        failed = f", {self.failed} failed" if self.failed else ""
        sys.stderr.write(
            f"\r[{'#' * int(width * frac)}{'.' * (width - int(width * frac))}] "
            f"{self.done}/{self.total} rows{failed}, {now - self.t0:.1f} s elapsed, "
            f"{left} "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.show:
            sys.stderr.write("\n")
            sys.stderr.flush()
