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
        "--brian2-build", type=int, default=None, metavar="T",
        help="internal: only build the Brian2 cpp_standalone project with T "
        "OpenMP threads (0 = no OpenMP) and print where it is",
    )  # fmt: skip
    return p


def brian2_builds(script: str, quick: bool) -> dict[int, dict[str, Any]]:
    """Build the Brian2 standalone projects of ``script``, each in a fresh process.

    Brian2's standalone device is process-global, so every configuration is
    built in its own process: without OpenMP (``threads = 0``) and, unless
    ``quick``, with as many threads as numba uses. Returns
    ``{threads: build info}`` (see :func:`brian2_build`).
    """
    import subprocess

    import numba

    builds = {}
    for threads in [0] if quick else sorted({0, numba.get_num_threads()}):
        res = subprocess.run(
            [sys.executable, script, "--brian2-build", str(threads)]
            + (["--quick"] if quick else []),
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        builds[threads] = json.loads(res.stdout.strip().splitlines()[-1])
    return builds


def brian2_run_binary(directory: str) -> float:
    """Run a built Brian2 standalone binary; its own network-loop time (s)."""
    import os
    import subprocess
    from pathlib import Path

    subprocess.run(
        ["./main"], cwd=directory, stdout=subprocess.DEVNULL, check=True,
        env=dict(os.environ, LD_BIND_NOW="1"),
    )  # fmt: skip
    info = (Path(directory) / "results" / "last_run_info.txt").read_text()
    return float(info.split()[0])


def interleaved(
    ours: Callable[[], Any], builds: dict[int, dict[str, Any]], repeats: int
) -> tuple[float, float, Any, dict[int, float]]:
    """Time ``ours`` and each Brian2 binary in turn, ``repeats`` rounds.

    Alternating the two makes them share the machine's load (these machines
    are shared). Returns our median wall time, our median process CPU time
    (``time.process_time``: every thread of this process, so numba's worker
    threads count), our last result, and each binary's median self-reported
    loop time. That time is ``std::clock()`` (process CPU time) for the
    binary without OpenMP (``threads = 0``) and ``omp_get_wtime()`` (wall
    time) for the OpenMP ones, so on a loaded machine only our CPU time
    against the ``threads = 0`` binary's compares (:func:`peer_records`).
    """
    ours_t: list[float] = []
    ours_c: list[float] = []
    peers_t: dict[int, list[float]] = {t: [] for t in builds}
    out = None
    for _ in range(max(3, repeats)):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = ours()
        ours_t.append(time.perf_counter() - t0)
        ours_c.append(time.process_time() - c0)
        for t, info in builds.items():
            peers_t[t].append(brian2_run_binary(info["directory"]))
    medians = {t: statistics.median(v) for t, v in peers_t.items()}
    return statistics.median(ours_t), statistics.median(ours_c), out, medians


def peer_times(threads: int, peer_s: float, ours_cpu_s: float) -> dict[str, float]:
    """A Brian2 binary's ``run_s`` and, without OpenMP, ``cpu_s`` and ``ratio``.

    ``run_s`` is the binary's own loop timer (see :func:`interleaved`). The
    binary without OpenMP (``threads = 0``) times its loop in process CPU
    time, so it also gets ``cpu_s`` and ``ratio``: its CPU time over ours
    (above 1: neurosim is faster), the figure that holds under load.
    """
    rec = {"run_s": peer_s}
    if threads == 0:
        rec.update(cpu_s=peer_s, ratio=peer_s / max(ours_cpu_s, 1e-12))
    return rec


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


def brian2_build(
    build: Callable[[Any], tuple[list, dict]], duration_s: float, threads: int
) -> None:
    """Build and run once a Brian2 ``cpp_standalone`` project; print its info.

    ``build(b2)`` creates the objects (after the device is set) and returns
    ``(objects, checks)``: the objects to simulate and a dict of callables that
    read the check values after the run. Prints one JSON line:
    ``directory``, ``threads``, ``compile_s`` (build time less the simulation
    time the binary reports) and ``checks``. Leaves the standalone device set,
    so it runs in a process of its own.
    """
    import tempfile

    import brian2 as b2

    directory = tempfile.mkdtemp(prefix="neurosim-bench-brian2-")
    b2.prefs.logging.console_log_level = "ERROR"
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    objects, checks = build(b2)
    net = b2.Network(*objects)
    net.run(duration_s * b2.second)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=True)
    first = time.perf_counter() - t0
    print(json.dumps({
        "directory": directory, "threads": threads,
        "compile_s": first - b2.device._last_run_time,
        "checks": {k: f() for k, f in checks.items()},
    }))  # fmt: skip
