"""Local worker processes on this machine, started with ``spawn``.

Workers are never forked: a process that has run a numba ``parallel=True``
kernel with the GNU OpenMP threading layer hangs in a forked child. Each
worker is started with ``NUMBA_NUM_THREADS`` (and the BLAS/OpenMP thread
counts) set to ``threads_per_worker``, so N workers use N x threads cores.

The driver hands one point at a time to an idle worker, so it always knows
which worker runs which point: a worker that dies costs only its own point,
which runs again on a fresh worker (given up after ``max_crashes`` deaths),
and a point past the time limit is stopped by killing its worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .._validation import check_number
from ._worker import Task, failed_record, load_function, run_task, worker_name

# driver poll interval while waiting for results, in seconds
_POLL_S = 0.2
# seconds a worker gets to exit after being told to stop
_JOIN_S = 2.0
_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS")  # fmt: skip


def default_workers() -> int:
    """Cores this process may use (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _worker_main(conn: Connection) -> None:
    """Worker loop: send ``ready``, then ``start`` and ``done`` for each task.

    A task message is ``(digest, payload or None, task)``: the pickled function
    comes with the first task that needs it and is kept by its digest.
    """
    # Ctrl-C in a terminal reaches the whole process group; the driver decides
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(("ready",))
        while (msg := conn.recv()) is not None:
            digest, payload, task = msg
            conn.send(("start", task.key))
            try:
                fn = load_function(payload, digest)
            except Exception as e:
                record = failed_record(task, f"{type(e).__name__}: {e}")
                record.update(status="load", worker=worker_name())
            else:
                record = run_task(fn, task)
            conn.send(("done", record))
    except (EOFError, OSError):  # the driver is gone: nobody wants the result
        return


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (spawned children copy them)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    ready: bool = False
    task: Task | None = None
    started: float | None = None  # monotonic time the task started
    functions: set[str] = field(default_factory=set)  # digests it has loaded


class LocalWorkers:
    """Worker processes on this machine that several sweeps can share.

    :func:`neurosim.sweep` makes one for each call unless given one as
    ``client=``; keeping one open saves the workers' start-up (importing
    numpy, numba and neurosim, loading compiled kernels) between sweeps.

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (default: the cores this process may use).
    threads_per_worker : int
        ``NUMBA_NUM_THREADS`` and BLAS/OpenMP threads of each worker.

    Examples
    --------
    >>> import neurosim as ns
    >>> with ns.sweeps.LocalWorkers(2) as pool:  # doctest: +SKIP
    ...     a = ns.sweep(f, {"x": [1, 2]}, client=pool)
    ...     b = ns.sweep(g, {"y": [3, 4]}, client=pool)
    """

    def __init__(self, n_workers: int | None = None, threads_per_worker: int = 1):
        n = default_workers() if n_workers is None else n_workers
        self.n_workers = check_number("n_workers", n, low=1, integer=True)
        self.threads_per_worker = check_number(
            "threads_per_worker", threads_per_worker, low=1, integer=True
        )
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def __enter__(self) -> LocalWorkers:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self, n: int | None = None) -> float:
        """Start up to ``n`` workers (default all) and wait until they are ready.

        Parameters
        ----------
        n : int, optional
            Workers to have running (at most ``n_workers``; default all).

        Returns
        -------
        float
            Seconds it took: the pool's start-up cost.
        """
        t0 = time.perf_counter()
        n = self.n_workers if n is None else min(n, self.n_workers)
        while len(self._workers) < n:
            self._workers.append(self._spawn())
        for w in self._workers:
            while not w.ready:
                self._receive(w, block=True)
        return time.perf_counter() - t0

    def close(self) -> None:
        """Stop the workers (they finish nothing: call between sweeps)."""
        for w in self._workers:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        deadline = time.monotonic() + _JOIN_S
        for w in self._workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
            w.conn.close()
        self._workers = []

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(child,), name="neurosim-sweep"
        )
        with _environ({k: str(self.threads_per_worker) for k in _THREAD_VARS}):
            proc.start()
        child.close()
        return _Worker(proc, parent)

    def _replace(self, i: int) -> None:
        w = self._workers[i]
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join()
        w.conn.close()
        self._workers[i] = self._spawn()

    def _receive(self, w: _Worker, block: bool = False) -> dict | None:
        """Read the worker's messages; return its finished record, if any.

        ``block`` waits for the first message (used to wait for ``ready``).
        """
        while True:
            try:
                if not w.conn.poll(None if block else 0):
                    return None
                block = False
                msg = w.conn.recv()
            except (EOFError, OSError):  # died; the caller sees the dead process
                w.ready = True  # nothing more will come
                return None
            if msg[0] == "ready":
                w.ready = True
                if w.task is None:
                    return None
            elif msg[0] == "start":
                w.started = time.monotonic()
            else:  # "done"
                w.task = None
                return msg[1]

    def run(
        self,
        payload: bytes,
        tasks: list[Task],
        *,
        timeout: float | None,
        max_crashes: int,
    ) -> Iterator[dict]:
        """Run ``tasks``; yield their records as they finish.

        Closing the generator (or an exception such as ``KeyboardInterrupt``
        in it) kills the workers that are still busy; finished records were
        already yielded.

        Parameters
        ----------
        payload : bytes
            The pickled function (sent to each worker once).
        tasks : list of Task
            The points and repeats to run.
        timeout : float or None
            Per-point time limit in seconds; the worker of a point past it is
            killed and replaced.
        max_crashes : int
            Deaths of its worker after which a point is recorded as failed.

        Yields
        ------
        dict
            One record per task (``key``, ``status``, ``results``, ``error``,
            ``elapsed_s``, ``worker``, ``compiles``).
        """
        digest = hashlib.sha256(payload).hexdigest()
        pending = deque(tasks)
        crashes: Counter[str] = Counter()
        while len(self._workers) < min(self.n_workers, len(tasks)):
            self._workers.append(self._spawn())
        try:
            while pending or any(w.task is not None for w in self._workers):
                for w in self._workers:
                    if w.task is None and pending:
                        w.task, w.started = pending.popleft(), None
                        first = digest not in w.functions
                        w.conn.send((digest, payload if first else None, w.task))
                        w.functions.add(digest)
                busy = [w for w in self._workers if w.task is not None]
                wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], _POLL_S)
                now = time.monotonic()
                for i, w in enumerate(self._workers):
                    if w.task is None:
                        continue
                    record = self._receive(w)
                    if record is not None:
                        yield record
                    elif not w.proc.is_alive():  # died mid-point: run it again
                        crashes[w.task.key] += 1
                        if crashes[w.task.key] >= max_crashes:
                            yield failed_record(
                                w.task,
                                f"WorkerDied: the worker running this point died "
                                f"{max_crashes} times (last exit code "
                                f"{w.proc.exitcode})",
                            )
                        else:
                            pending.appendleft(w.task)
                        self._replace(i)
                    elif timeout is not None and w.started is not None:
                        if now - w.started > timeout:
                            task = w.task
                            self._replace(i)
                            yield failed_record(
                                task,
                                f"TimeoutError: no result after {timeout:g} s "
                                "(the worker was stopped)",
                                elapsed_s=now - w.started,
                            )
        finally:  # interrupted: results of busy workers are not wanted
            for w in [w for w in self._workers if w.task is not None]:
                w.proc.kill()
                w.proc.join()
                w.conn.close()
                self._workers.remove(w)
