"""Mutation testing of the numeric modules: plant one plausible bug at a time.

Each mutant replaces one exact snippet of a source file (it must occur exactly
once) and runs the tests that should notice; a mutant is *killed* when they
fail (pytest exit status 1, or a hang). Any other status (a collection error,
no test selected) says nothing about the mutant: it is reported as an error and
left out of the kill rate. The tree is copied once (``git archive HEAD``) and
each mutant is applied to the copy and undone afterwards, so the working tree
is never touched; the copy has its own ``NUMBA_CACHE_DIR``. Not part of CI
(minutes per mutant).

Usage: ``python tools/mutation.py [--only SUBSTRING] [--jobs N]``; prints one
JSON line per mutant and a summary line with the kill rate.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, file, original snippet, mutated snippet, pytest arguments)
MUTANTS = [
    (
        "impulse-direct-term",
        "neurosim/synapses.py",
        "D = Dc + float(Cc @ Bc) * dt",
        "D = float(Cc @ Bc) * dt",
        ["tests/test_synapses.py"],
    ),
    (
        "lowpass-zoh-gain",
        "neurosim/synapses.py",
        "B, D = -math.expm1(-dt / self.tau), 0.0",
        "B, D = dt / self.tau, 0.0",
        ["tests/test_synapses.py"],
    ),
    (
        "lif-period-without-refractory",
        "neurosim/kernels/lif.py",
        "period = tau_ref + tau_rc * math.log1p(1.0 / (J - 1.0))",
        "period = tau_rc * math.log1p(1.0 / (J - 1.0))",
        ["tests/test_neurons_lif.py", "tests/test_lif_semantics.py"],
    ),
    (
        "lif-no-spike-at-threshold",
        "neurosim/kernels/lif.py",
        "    if v >= 1.0:  # free at or above threshold",
        "    if v > 1e9:  # free at or above threshold",
        ["tests/test_lif_semantics.py"],
    ),
    (
        "lif-rate-formula",
        "neurosim/neurons/lif.py",
        "self.tau_ref + self.tau_rc * np.log1p(1.0 / (J[above] - 1.0))",
        "self.tau_rc * np.log1p(1.0 / (J[above] - 1.0))",
        ["tests/test_neurons_lif.py"],
    ),
    (
        "z-il-unit-rate",
        "neurosim/learning/predictive_coding.py",
        "xk - self.v_[j] * self._dF_dx(j, x, eps)",
        "xk - self._dF_dx(j, x, eps)",
        ["tests/test_references.py", "-k", "z_il"],
    ),
    (
        "rbm-cd-1-only",
        "neurosim/energy/rbm.py",
        "        for _ in range(k):\n            pv = self.visible_probs(h)",
        "        for _ in range(1):\n            pv = self.visible_probs(h)",
        ["tests/test_references.py", "-k", "rbm", "tests/test_rbm.py"],
    ),
    (
        "exponential-rate-for-scale",
        "neurosim/nef/dists.py",
        "rng.exponential(self.scale,",
        "rng.exponential(1.0 / self.scale,",
        ["tests/test_references.py", "-k", "exponential", "tests/test_dists.py"],
    ),
    (
        "raster-time-unit",
        "neurosim/plotting.py",
        '("s", "ms")) == "ms" else 1.0',
        '("s", "ms")) == "s" else 1.0',
        ["tests/test_references.py", "-k", "raster", "tests/test_plotting.py"],
    ),
    (
        "delay-one-step-late",
        "neurosim/sim/backends.py",
        'steps = check_steps("delay", delay, dt)',
        'steps = check_steps("delay", delay, dt) + 1',
        ["tests/test_references.py", "-k", "delay"],
    ),
    (
        "bce-gradient-sign",
        "neurosim/ann/functions.py",
        "gp = g * (p - t) / np.maximum(p * (1.0 - p), 1e-12)",
        "gp = g * (t - p) / np.maximum(p * (1.0 - p), 1e-12)",
        ["tests/ann/test_functions.py", "tests/ann/test_torch_parity.py"],
    ),
    (
        "lstsql2-regularisation",
        "neurosim/nef/solvers.py",
        "G[np.diag_indices_from(G)] += m * sigma**2",
        "G[np.diag_indices_from(G)] += sigma**2",
        ["tests/test_solvers.py"],
    ),
    (
        "count-rate-window",
        "neurosim/spikes.py",
        'if method == "count":\n            r[i] = s.size / (t_stop - t_start)',
        'if method == "count":\n            r[i] = s.size / t_stop',
        ["tests/test_spikes.py"],
    ),
    (
        "oja-upper-triangle",
        "neurosim/learning/hebbian.py",
        "C = np.tril(C)",
        "C = np.triu(C)",
        ["tests/learning/test_hebbian.py"],
    ),
    (
        "batchnorm-buffers-not-saved",
        "neurosim/ann/nn.py",
        '    buffer_names = ("running_mean", "running_var", "num_batches_tracked")',
        "    buffer_names = ()",
        ["tests/test_io.py", "-k", "batchnorm"],
    ),
    (
        "network-one-spike-per-step",
        "neurosim/kernels/network.py",
        "    for _ in range(ns):\n        ring[slot, cnt] = i",
        "    for _ in range(1):\n        ring[slot, cnt] = i",
        ["tests/test_network_lif_semantics.py"],
    ),
    (
        "hopfield-energy-bias-sign",
        "neurosim/energy/hopfield.py",
        'E = -0.5 * np.einsum("ij,ij->i", X @ self.weights_, X) - X @ self.bias_',
        'E = -0.5 * np.einsum("ij,ij->i", X @ self.weights_, X) + X @ self.bias_',
        ["tests/test_hopfield.py"],
    ),
]


def run_mutant(copy: Path, mutant: tuple, timeout: float) -> dict:
    name, rel, old, new, tests = mutant
    path = copy / rel
    src = path.read_text()
    if src.count(old) != 1:
        return {"mutant": name, "status": "invalid", "why": "snippet not unique/found"}
    env = dict(
        os.environ,
        PYTHONPATH=str(copy),
        NUMBA_CACHE_DIR=str(copy / ".nbcache"),
        MPLBACKEND="Agg",
    )
    path.write_text(src.replace(old, new))
    t0 = time.monotonic()
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                *tests,
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        rc = out.returncode
        # 1: a test failed. Anything else (2 interrupted, 3 internal error, 4
        # usage, 5 no test selected) says nothing about the mutant: an error,
        # left out of the kill rate rather than counted as a kill
        status = {0: "survived", 1: "killed"}.get(rc, "error")
    except subprocess.TimeoutExpired:
        rc, status = None, "killed"  # a hang is noticed too
    finally:
        path.write_text(src)
    return {
        "mutant": name,
        "file": rel,
        "status": status,
        "returncode": rc,
        "seconds": round(time.monotonic() - t0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", default="", help="run mutants whose name contains this")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900.0)
    args = ap.parse_args()
    chosen = [m for m in MUTANTS if args.only in m[0]]
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for j in range(args.jobs):
            copy = Path(tmp) / f"tree{j}"
            copy.mkdir()
            archive = subprocess.run(
                ["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(copy)], input=archive, check=True)
            copies.append(copy)
        free: queue.Queue = queue.Queue()
        for copy in copies:
            free.put(copy)

        def work(mutant: tuple) -> dict:
            copy = free.get()  # one mutant at a time per copy
            try:
                result = run_mutant(copy, mutant, args.timeout)
            finally:
                free.put(copy)
            print(json.dumps(result), flush=True)  # as each one finishes
            return result

        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(work, chosen))
    valid = [r for r in results if r["status"] in ("killed", "survived")]
    killed = sum(r["status"] == "killed" for r in valid)
    rate = killed / len(valid) if valid else 0.0
    errors = sum(r["status"] == "error" for r in results)
    print(
        json.dumps(
            {
                "mutants": len(valid),
                "killed": killed,
                "kill_rate": rate,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main()
