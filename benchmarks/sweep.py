"""Sweep benchmark: 20 CUBA points, plain loop vs local workers vs Dask LocalCluster.

Each point is the CUBA network of Brette et al. (2007) (``benchmarks/_brette.py``)
with its own excitatory weight near the published 1.62 mV, simulated for
``--duration`` seconds of network time (default 30 s: about 2.2 s of work per
point on one core; 2 s of network time take only 0.2 s). Prints one JSON line
per implementation:

* ``plain-loop``: the points one after another in this process (one numba
  thread, like each worker).
* ``neurosim-local``: ``ns.sweep`` on ``LocalWorkers(2)``.
* ``neurosim-dask``: ``ns.sweep`` on a ``dask.distributed.LocalCluster`` of 2
  single-threaded process workers (skipped when dask is not installed).
* ``cpu-ceiling``: a pure-CPU task (a Python loop) as long as one CUBA point,
  20 times in a loop and on 2 spawned processes: the machine's own parallel
  efficiency, measured in the same run.

``startup_s`` (starting the workers or cluster) and ``compile_s`` (first point
on each worker: numba cache load or compilation) are reported apart from
``run_s`` (the 20 points). ``efficiency`` is ``loop time / (2 x run_s)``;
``vs_ceiling`` divides it by the ceiling's; ``busy`` is the share of the two
workers' wall time spent inside the function (the sweep machinery's own idle
time and overhead, whatever the machine's load). ``overhead_ms`` is the cost of one
empty task (200 of them through the warm workers, x 2 workers / 200). The check
is the points' mean firing rate, equal to rounding in every implementation.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # the loop gets one thread too
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np

N_WORKERS = 2


def cuba_point(we_mV: float, seed: int, n: int = 4000, duration: float = 2.0) -> float:
    """Mean firing rate (Hz) of one CUBA network with excitatory jump ``we_mV``."""
    from _brette import DT, N_E, P_CONN, TAUE, TAUI, TAUM, TREF, VR, VT

    import neurosim as ns

    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    cell = ns.LIFNeuron(tau_m=TAUM, v_rest=-0.049, v_th=VT, v_reset=VR, tau_ref=TREF)
    P = net.add(ns.NeuronGroup(n, cell, v0=VR + rng.random(n) * (VT - VR)))
    n_e = n * N_E // 4000
    p = P_CONN * 4000 / n
    net.connect(P[:n_e], P, ns.Random(p, we_mV * 1e-3 * TAUE), ns.Lowpass(TAUE))
    net.connect(P[n_e:], P, ns.Random(p, -9e-3 * TAUI), ns.Lowpass(TAUI))
    spikes = net.monitor_spikes(P)
    ns.Simulator(net, dt=DT, backend="cpu", progress=False).run(duration)
    return spikes.indices.size / (n * duration)


def cpu_task(n_iter: int) -> float:
    """Pure CPU work (no memory traffic): the ceiling's unit of work."""
    acc = 0.0
    for i in range(n_iter):
        acc += (i % 7) * 0.5
    return acc


def noop(x: int) -> int:
    """An empty task, for the per-task overhead."""
    return x


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed_sweep(fn, points, client):
    import neurosim as ns

    t0 = time.perf_counter()
    table = ns.sweep(fn, points, client=client, progress=False)
    elapsed = time.perf_counter() - t0
    if not table.ok.all():
        raise RuntimeError(f"failed points: {table.failed}")
    return elapsed, table


def bench_executor(impl, client, startup, fn, points, params, loop_s, loop_rate):
    """Warm-up (compile), 20 timed points, 200 empty tasks; one JSON line."""
    # one 10 ms network per worker: numba cache loads (or compiles), imports
    warm_fn = functools.partial(fn.func, **{**fn.keywords, "duration": 0.01})
    warm = [{"we_mV": 1.0 + 0.01 * k} for k in range(N_WORKERS)]
    compile_s, _ = timed_sweep(warm_fn, warm, client)
    run_s, table = timed_sweep(fn, points, client)
    n_noop = 200
    noop_s, _ = timed_sweep(noop, {"x": list(range(n_noop))}, client)
    efficiency = loop_s / (N_WORKERS * run_s)
    record = {
        "bench": "sweep", "impl": impl, "params": params,
        "startup_s": startup, "compile_s": compile_s, "run_s": run_s,
        "throughput": len(points) / run_s, "unit": "points/s",
        "efficiency": efficiency,
        # share of the workers' wall time spent inside the function
        "busy": float(np.sum(table["elapsed_s"])) / (N_WORKERS * run_s),
        "overhead_ms": 1e3 * noop_s * N_WORKERS / n_noop,
        "check": {"mean_rate_hz": float(np.mean(table["result"])),
                  "same_as_loop": bool(np.allclose(table["result"], loop_rate,
                                                   rtol=1e-12, atol=0))},
    }  # fmt: skip
    return record


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="4 small points (seconds)")
    p.add_argument("--duration", type=float, default=None, help="network s/point")
    args = p.parse_args()
    import neurosim as ns

    n_points, n, duration = (4, 1000, 0.5) if args.quick else (20, 4000, 30.0)
    duration = args.duration or duration
    fn = functools.partial(cuba_point, n=n, duration=duration)
    points = [{"we_mV": 1.62 + 0.01 * k} for k in range(n_points)]
    params = {"points": n_points, "n": n, "duration_s": duration,
              "workers": N_WORKERS, "threads_per_worker": 1}  # fmt: skip

    # plain loop in this process (first call compiles or loads the cache)
    seeds = [ns.sweeps.point_seed(pt, 0) for pt in points]
    t0 = time.perf_counter()
    fn(**points[0], seed=seeds[0])
    compile_s = time.perf_counter() - t0
    log(f"loop: first call {compile_s:.1f} s")
    per_point, rates = [], []
    for pt, s in zip(points, seeds, strict=True):
        t0 = time.perf_counter()
        rates.append(fn(**pt, seed=s))
        per_point.append(time.perf_counter() - t0)
    loop_s = sum(per_point)
    emit({"bench": "sweep", "impl": "plain-loop", "params": params,
          "compile_s": compile_s, "run_s": loop_s,
          "throughput": n_points / loop_s, "unit": "points/s",
          "point_s": float(np.median(per_point)),
          "check": {"mean_rate_hz": float(np.mean(rates))}})  # fmt: skip

    # the machine's ceiling: pure CPU tasks of the same length
    calib = 2_000_000
    t0 = time.perf_counter()
    cpu_task(calib)
    n_iter = int(calib * np.median(per_point) / (time.perf_counter() - t0))
    import multiprocessing as mp

    t0 = time.perf_counter()
    for _ in range(n_points):
        cpu_task(n_iter)
    serial = time.perf_counter() - t0
    with mp.get_context("spawn").Pool(N_WORKERS) as pool:
        pool.map(noop, range(N_WORKERS))  # started
        t0 = time.perf_counter()
        pool.map(cpu_task, [n_iter] * n_points, chunksize=1)
        parallel = time.perf_counter() - t0
    ceiling = serial / (N_WORKERS * parallel)
    emit({"bench": "sweep", "impl": "cpu-ceiling", "params": params,
          "run_s": parallel, "serial_s": serial, "efficiency": ceiling,
          "throughput": n_points / parallel, "unit": "points/s",
          "check": {"task_s": serial / n_points}})  # fmt: skip
    log(f"ceiling: {ceiling:.3f}")

    t0 = time.perf_counter()
    with ns.sweeps.LocalWorkers(N_WORKERS) as pool:
        startup = pool.start()
        rec = bench_executor("neurosim-local", pool, startup, fn, points, params,
                             loop_s, rates)  # fmt: skip
    rec["vs_ceiling"] = rec["efficiency"] / ceiling
    emit(rec)

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        emit({"bench": "sweep", "impl": "neurosim-dask", "skipped": "not installed"})
        return
    t0 = time.perf_counter()
    with (
        LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True,
                     dashboard_address=None, env={"NUMBA_NUM_THREADS": "1"},
                     silence_logs=40) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(N_WORKERS)
        startup = time.perf_counter() - t0
        rec = bench_executor("neurosim-dask", client, startup, fn, points, params,
                             loop_s, rates)  # fmt: skip
    rec["vs_ceiling"] = rec["efficiency"] / ceiling
    emit(rec)


if __name__ == "__main__":
    main()
