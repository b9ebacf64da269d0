"""Shared helpers of the artificial-network benchmarks (mlp_digits, lstm,
attention, transformer): timing, JSON output and the PyTorch peer at 2 threads.

Both sides run in float32 on the CPU with the same number of threads: PyTorch
through ``torch.set_num_threads``; neurosim through ``OPENBLAS_NUM_THREADS``
(numpy's BLAS; ``--threads`` sets it before numpy is imported) and
``ann.set_num_threads`` (the attention core's batch split).
The repeats of the two sides alternate, so that load from other processes on a
shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

THREADS = 2


def parse_args(doc: str) -> argparse.Namespace:
    """``--quick`` and ``--threads``; sets the BLAS threads before numpy loads."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats instead of 10")
    ap.add_argument("--threads", type=int, default=THREADS, help="threads per side")
    ap.add_argument(
        "--backend", choices=("cpu", "cuda"), default="cpu", help="cpu only"
    )
    args = ap.parse_args()
    if "numpy" in sys.modules:
        raise RuntimeError("parse_args must run before numpy is imported")
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    args.repeats = 3 if args.quick else 10
    return args


def timed_pair(
    fns: list[Callable[[], Any] | None], repeats: int
) -> list[tuple[Any, float, float] | None]:
    """For each fn: ``(first result, first-call seconds, median of repeats)``.

    The repeats alternate between the functions (None entries are skipped).
    """
    import numpy as np

    firsts, outs = [], []
    for fn in fns:
        t0 = time.perf_counter()
        outs.append(None if fn is None else fn())
        firsts.append(time.perf_counter() - t0)
    runs: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            if fn is not None:
                t0 = time.perf_counter()
                fn()
                runs[k].append(time.perf_counter() - t0)
    return [
        None if fn is None else (outs[k], firsts[k], float(np.median(runs[k])))
        for k, fn in enumerate(fns)
    ]


def emit(
    bench: str,
    impl: str,
    params: dict,
    first: float,
    run: float,
    throughput: float,
    unit: str,
    check: dict,
) -> None:
    """Print one benchmark JSON line (BENCHMARKS.md)."""
    print(
        json.dumps(
            {
                "bench": bench,
                "impl": impl,
                "params": params,
                "compile_s": round(max(first - run, 0.0), 5),
                "run_s": round(run, 5),
                "throughput": float(f"{throughput:.4g}"),
                "unit": unit,
                "check": check,
            }
        ),
        flush=True,
    )


def skipped(bench: str, impl: str, why: str = "not installed") -> None:
    print(json.dumps({"bench": bench, "impl": impl, "skipped": why}))


def load_torch(threads: int):
    """PyTorch with ``threads`` threads, or None when not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch
