"""Helpers shared by the benchmark scripts (not a benchmark itself)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def parser(doc: str) -> argparse.ArgumentParser:
    """The common command line: ``--quick``, ``--backend``, ``--repeats``."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, seconds")
    p.add_argument("--backend", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats (>= 3)")
    p.add_argument(
        "--brian2-standalone-threads", type=int, default=None, metavar="T",
        help="internal: run only the Brian2 cpp_standalone case with T OpenMP "
        "threads (0 = no OpenMP) in this process",
    )  # fmt: skip
    return p


def run_brian2_standalone_cases(script: str, argv: list[str]) -> None:
    """Run the Brian2 standalone case of ``script``, each in a fresh process.

    Brian2's standalone device is process-global, so every configuration gets
    its own process: without OpenMP (``threads = 0``) and with as many threads
    as numba uses. Their JSON lines are passed through to stdout.
    """
    import subprocess

    import numba

    for threads in sorted({0, numba.get_num_threads()}):
        res = subprocess.run(
            [sys.executable, script, *argv, "--brian2-standalone-threads",
             str(threads)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        sys.stdout.write(res.stdout)
        sys.stdout.flush()


def emit(record: dict[str, Any]) -> None:
    """Print one JSON line on stdout (the benchmark contract)."""
    print(json.dumps(record), flush=True)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls of ``fn`` and its last result."""
    times = []
    out = None
    for _ in range(max(3, repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def log(msg: str) -> None:
    """Progress to stderr (stdout carries only JSON lines)."""
    print(msg, file=sys.stderr, flush=True)


def brian2_standalone(
    build: Callable[[Any], dict[str, Any]],
    duration_s: float,
    threads: int,
    repeats: int,
) -> dict[str, Any]:
    """Build and time a Brian2 ``cpp_standalone`` run.

    ``build(b2)`` creates the objects (after the device is set) and returns
    ``(objects, checks)``: the objects to simulate and a dict of callables that
    read the check values after the run. The binary is compiled and run once
    (``compile_s`` is the build time less the simulation time it reports), then
    re-run
    ``repeats`` times; ``run_s`` is the median of the simulation times the
    binary itself measures (its network loop only, without start-up and file
    output). Leaves the standalone device set: call it last in a process.
    """
    import tempfile

    import brian2 as b2

    directory = tempfile.mkdtemp(prefix="neurosim-bench-brian2-")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    b2.prefs.logging.console_log_level = "ERROR"
    objects, checks = build(b2)
    net = b2.Network(*objects)
    net.run(duration_s * b2.second)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=True)
    first = time.perf_counter() - t0
    compile_s = first - b2.device._last_run_time
    runs = []
    for _ in range(max(3, repeats)):
        b2.device.run(directory=directory, with_output=False, run_args=[])
        runs.append(b2.device._last_run_time)
    out = {"compile_s": compile_s, "run_s": statistics.median(runs)}
    out.update({k: f() for k, f in checks.items()})
    return out
