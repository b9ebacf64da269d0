"""Offline synaptic filtering: ``Synapse.filt`` against ``scipy.signal.lfilter``.

Workload: ``n_channels`` independent channels of white noise, ``n_steps`` time
steps, time-major float64 ``(n_steps, n_channels)``, filtered along axis 0 by a
Lowpass (order 1) and an Alpha (order 2) synapse with ZOH discretisation,
dt = 1 ms. The peer runs the same discrete filter, as the transfer function
of neurosim's own ``discretize`` output, through ``lfilter(b, a, x, axis=0)``.
neurosim runs with numba's default thread count and with one thread (lfilter
is single-threaded). Prints one JSON line per case (see BENCHMARKS.md).

    python benchmarks/synapse_filt.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np
import scipy.signal

import neurosim as ns


def _timed(fn, repeats):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return out, first, float(np.median(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="10,000 steps instead of 100,000"
    )
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    n_ch = 1000
    n_steps = 10_000 if args.quick else 100_000
    dt = 1e-3
    x = np.random.default_rng(0).normal(size=(n_steps, n_ch))
    threads = numba.get_num_threads()

    for syn in (ns.Lowpass(0.005), ns.Alpha(0.005)):
        params = {
            "synapse": repr(syn),
            "n_channels": n_ch,
            "n_steps": n_steps,
            "dt": dt,
            "dtype": "float64",
        }
        A, B, C, D = syn.discretize(dt)
        num, den = scipy.signal.ss2tf(A, B[:, None], C[None, :], np.array([[D]]))
        ref, _, ref_run = _timed(
            lambda num=num, den=den: scipy.signal.lfilter(num[0], den, x, axis=0),
            args.repeats,
        )
        for impl, n_threads in (("neurosim-cpu", threads), ("neurosim-cpu-1thread", 1)):
            numba.set_num_threads(n_threads)
            y, first, run = _timed(lambda syn=syn: syn.filt(x, dt=dt), args.repeats)
            numba.set_num_threads(threads)
            err = float(np.abs(y - ref).max())
            del y
            print(
                json.dumps(
                    {
                        "bench": "synapse_filt",
                        "impl": impl,
                        "params": {**params, "threads": n_threads},
                        "compile_s": round(max(first - run, 0.0), 4),
                        "run_s": round(run, 4),
                        "throughput": n_ch * n_steps / run,
                        "unit": "channel-steps/s",
                        "check": {
                            "max_abs_diff_vs_lfilter": err,
                            "mean_output": float(ref.mean()),
                            "speedup_vs_lfilter": round(ref_run / run, 3),
                        },
                    }
                ),
                flush=True,
            )
        print(
            json.dumps(
                {
                    "bench": "synapse_filt",
                    "impl": "scipy-lfilter",
                    "params": {**params, "threads": 1},
                    "compile_s": 0.0,
                    "run_s": round(ref_run, 4),
                    "throughput": n_ch * n_steps / ref_run,
                    "unit": "channel-steps/s",
                    "check": {"mean_output": float(ref.mean())},
                }
            ),
            flush=True,
        )
        del ref


if __name__ == "__main__":
    main()
