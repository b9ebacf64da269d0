"""Hopfield recall: neurosim's numba kernels against numpy references.

Two workloads, each printing one JSON line per implementation (BENCHMARKS.md):

* ``hopfield_async``: N = 1000 units, M = 100 Hebbian patterns (load 0.1),
  ``n_cues`` cues with 10 % of bits flipped, asynchronous updates until every
  cue is at a fixed point (at most 30 sweeps). neurosim runs the numba kernel
  (incremental local fields, parallel over cues). The numpy reference is the
  textbook loop vectorised over cues: for each unit of a random order,
  ``h = X @ W[i]`` for all cues at once, then ``X[:, i] = sign(h)``.
  Both do the same work (recall ``n_cues`` cues); the check compares the
  fraction recalled and the mean final overlap, not states (orders differ).
* ``hopfield_continuous``: N = 200, 200 cues, RK4 of
  ``tau dx/dt = -x + W tanh(g x)``, tau = 10 ms, dt = 0.5 ms, 2000 steps;
  the numpy reference is the same RK4 with ``X @ W`` per stage.

    python benchmarks/hopfield.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

import neurosim as ns


def _timed(fn, repeats):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return out, first, float(np.median(runs))


def numpy_async(W, cues, n_iter, rng):
    """Asynchronous recall vectorised over cues (one shared order per sweep)."""
    X = cues.copy()
    N = X.shape[1]
    for _ in range(n_iter):
        changed = False
        for i in rng.permutation(N):
            h = X @ W[i]  # W is symmetric: the contiguous row
            new = np.where(h > 0, 1.0, np.where(h < 0, -1.0, X[:, i]))
            if np.any(new != X[:, i]):
                changed = True
                X[:, i] = new
        if not changed:
            break
    return X


def numpy_continuous(W, X0, gain, tau, dt, n_steps):
    """Classical RK4, all cues at once."""

    def f(x):
        return (-x + np.tanh(gain * x) @ W) / tau

    x = X0.copy()
    for _ in range(n_steps):
        k1 = f(x)
        k2 = f(x + 0.5 * dt * k1)
        k3 = f(x + 0.5 * dt * k2)
        k4 = f(x + dt * k3)
        x = x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def _line(bench, impl, params, first, run, throughput, unit, check):
    print(
        json.dumps(
            {
                "bench": bench,
                "impl": impl,
                "params": params,
                "compile_s": round(max(first - run, 0.0), 4),
                "run_s": round(run, 4),
                "throughput": throughput,
                "unit": unit,
                "check": check,
            }
        ),
        flush=True,
    )


def bench_async(n_cues, repeats):
    rng = np.random.default_rng(0)
    N, M, n_iter = 1000, 100, 30
    X = rng.choice(np.array([-1.0, 1.0]), size=(M, N))
    idx = rng.integers(0, M, n_cues)
    cues = np.where(rng.random((n_cues, N)) < 0.1, -X[idx], X[idx])
    hop = ns.Hopfield().fit(X)
    params = {
        "n_neurons": N,
        "n_patterns": M,
        "n_cues": n_cues,
        "flip": 0.1,
        "n_iter": n_iter,
        "threads": numba.get_num_threads(),
    }

    def check(out):
        m = np.einsum("ij,ij->i", out, X[idx]) / N
        return {"recalled": float(np.mean(m >= 0.99)), "mean_overlap": float(m.mean())}

    out, first, run = _timed(lambda: hop.predict(cues, n_iter, seed=1), repeats)
    _line(
        "hopfield_async",
        "neurosim-cpu",
        params,
        first,
        run,
        n_cues / run,
        "cues/s",
        check(out),
    )
    ref_rng = np.random.default_rng(1)
    ref, first, run_ref = _timed(
        lambda: numpy_async(hop.weights_, cues, n_iter, ref_rng), repeats
    )
    c = check(ref)
    c["neurosim_speedup"] = round(run_ref / run, 2)
    _line(
        "hopfield_async",
        "numpy-vectorised",
        params,
        first,
        run_ref,
        n_cues / run_ref,
        "cues/s",
        c,
    )


def bench_continuous(n_steps, repeats):
    rng = np.random.default_rng(0)
    N, M, n_cues, gain, tau, dt = 200, 10, 200, 4.0, 0.01, 5e-4
    X = rng.choice(np.array([-1.0, 1.0]), size=(M, N))
    ch = ns.ContinuousHopfield(tau=tau, gain=gain).fit(X)
    X0 = rng.normal(size=(n_cues, N))
    params = {
        "n_neurons": N,
        "n_cues": n_cues,
        "n_steps": n_steps,
        "dt": dt,
        "method": "rk4",
        "threads": numba.get_num_threads(),
    }
    t_end = n_steps * dt
    out, first, run = _timed(
        lambda: ch.run(X0, t_end, dt=dt, every=n_steps).x[-1], repeats
    )
    ref, first_ref, run_ref = _timed(
        lambda: numpy_continuous(ch.weights_, X0, gain, tau, dt, n_steps), repeats
    )
    work = n_cues * n_steps
    _line(
        "hopfield_continuous",
        "neurosim-cpu",
        params,
        first,
        run,
        work / run,
        "cue-steps/s",
        {
            "max_abs_diff_vs_numpy": float(np.abs(out - ref).max()),
            "neurosim_speedup": round(run_ref / run, 2),
        },
    )
    _line(
        "hopfield_continuous",
        "numpy-rk4",
        params,
        first_ref,
        run_ref,
        work / run_ref,
        "cue-steps/s",
        {"mean_abs_x": float(np.abs(ref).mean())},
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer cues and steps")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    bench_async(100 if args.quick else 1000, args.repeats)
    bench_continuous(200 if args.quick else 2000, args.repeats)


if __name__ == "__main__":
    main()
