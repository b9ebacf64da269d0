"""The Dask executor: one ``dask.distributed`` task per point and repeat.

Dask reruns the tasks of a worker that dies (up to the scheduler's
``distributed.scheduler.allowed-failures``, default 3; past it the point
is recorded as failed with ``KilledWorker``). With a time limit, each task
logs a start event that the driver receives, so the limit counts from the
moment the point started on a worker; a point past it is recorded as failed
and its future cancelled. Dask cannot interrupt a running task, so that
worker thread stays busy until the function returns.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from ._worker import Task, failed_record, load_function, run_task, worker_name

# driver poll interval while waiting for results, in seconds
_POLL_S = 0.05


def client_for(client: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` from a client or a scheduler address.

    Returns ``(client, owned)``; ``owned`` is True when this call created it.
    """
    try:
        from distributed import Client
    except ImportError as e:
        raise ImportError(
            "client: running a sweep on Dask needs dask.distributed; "
            "pip install 'neurosim[sweep]' (or leave client=None to use local "
            "worker processes)"
        ) from e
    if isinstance(client, Client):
        return client, False
    if isinstance(client, str):
        return Client(client), True
    raise TypeError(
        "client: expected a distributed.Client, a scheduler address such as "
        f"'tcp://host:8786', or None (got {type(client).__name__})"
    )


def _dask_task(payload: bytes, task: Task, topic: str | None) -> dict:
    """Runs on a Dask worker: announce the start (to ``topic``), run the point."""
    from distributed import get_worker

    try:
        fn = load_function(payload)
    except Exception as e:
        return {
            **failed_record(task, f"{type(e).__name__}: {e}"),
            "status": "load",
            "worker": worker_name(),
        }
    if topic is not None:  # only a time limit needs the start times
        get_worker().log_event(topic, task.key)
    return run_task(fn, task)


def run_dask(
    client: Any, payload: bytes, tasks: list[Task], *, timeout: float | None
) -> Iterator[dict]:
    """Submit ``tasks`` to ``client``; yield records as they finish.

    Closing the generator (or an exception in it) cancels the pending tasks.
    """
    from distributed import as_completed

    sweep_id = uuid.uuid4().hex[:12]
    topic = f"neurosim-sweep-{sweep_id}"
    started: dict[str, float] = {}
    if timeout is not None:
        # the handler runs on the client's event loop; a dict store is atomic
        client.subscribe_topic(
            topic, lambda event: started.__setitem__(event[1], time.monotonic())
        )
    n = len(tasks)
    submitted = client.map(
        _dask_task,
        [payload] * n,
        tasks,
        [topic if timeout is not None else None] * n,
        key=[f"{topic}-{task.key}" for task in tasks],
        pure=False,
    )  # one message for all the tasks
    futures = dict(zip(submitted, tasks, strict=True))
    remaining = set(futures)
    # results come back with the completions, gathered in the background
    done = as_completed(futures, with_results=True, raise_errors=False)
    try:
        while remaining:
            batch = done.next_batch(block=False) if done.has_ready() else []
            for fut, result in batch:
                if fut not in remaining:  # already timed out
                    continue
                remaining.discard(fut)
                yield _record(fut, result, futures[fut])
                fut.release()
            if timeout is not None:
                now = time.monotonic()
                for fut in list(remaining):
                    t0 = started.get(futures[fut].key)
                    if t0 is not None and now - t0 > timeout:
                        remaining.discard(fut)
                        fut.cancel()
                        yield failed_record(
                            futures[fut],
                            f"TimeoutError: no result after {timeout:g} s "
                            "(its future was cancelled)",
                            elapsed_s=now - t0,
                        )
            if not batch:
                time.sleep(_POLL_S)
    finally:
        if remaining:
            client.cancel(list(remaining))
        if timeout is not None:
            client.unsubscribe_topic(topic)


def _record(fut: Any, result: Any, task: Task) -> dict:
    """A finished future's record (a task error such as KilledWorker included).

    ``result`` is what ``as_completed(with_results=True, raise_errors=False)``
    pairs with the future: the record, ``(type, exception, traceback)`` for an
    error, or a ``CancelledError``.
    """
    if fut.status == "finished":
        return result
    if fut.status == "error":
        exc = result[1]
        return failed_record(task, f"{type(exc).__name__}: {exc}")
    return failed_record(task, f"CancelledError: the future was {fut.status}")
