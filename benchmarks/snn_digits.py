"""Spiking networks on digits: surrogate-gradient BPTT, e-prop, converted ANN.

Digits 1437 / 360 (``ann.load_digits_split``, random_state 0, z-scored pixels),
seeds 0, 1, 2; Adam, batch 32. Every spiking network sees a digit as a
constant input current (direct encoding) at every time step.

* ``snn-bptt``: 64-128-10, LIF hidden layer (beta 0.9, threshold 1, arctan
  surrogate, delayed detached reset), output integrated over 20 steps,
  trained by BPTT (``ann.SpikingMLP``). Target >= 95 %.
* ``eprop``: 64 inputs, recurrent LIF layer of ``n_rec`` neurons (beta 0.9),
  leaky readout (kappa 0.9), 20 steps, online e-prop with symmetric feedback
  (``learning.EProp``); ``eprop-readout`` is the same network with only its
  readout trained (the control); ``eprop-random`` uses random feedback.
  Targets: >= 90 %, >= 5 points above the control. The cosine between the
  e-prop update and BPTT's gradient is measured after training on 64 test digits.
* ``ann2snn``: a 64-128-10 ReLU MLP trained by backprop, converted
  (``ann.convert_mlp``, percentile 99.9, IF with reset by subtraction, 1 ms
  steps) and run for 100 ms per digit; paired with its own ANN on the same
  test digits. Target: mean over seeds within 1 point of the ANN.

One JSON line per rule (and ``n_rec``): ``run_s`` is the median training time
of one seed (numba compiled beforehand, evaluation included), ``check`` holds
the accuracies per seed, mean and sd, spikes per test digit and the targets.

    python benchmarks/snn_digits.py [--quick] [--smoke]

``--quick``: one seed, fewer epochs; ``--smoke``: a few hundred training
digits and one epoch (seconds; what CI runs).
"""

from __future__ import annotations

import os

# one BLAS thread: small matrices, and on a shared machine extra threads contend
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, parser  # noqa: E402

from neurosim import ann  # noqa: E402
from neurosim.learning import EProp  # noqa: E402
from neurosim.learning.compare import _warm_up  # noqa: E402


def _snn_bptt(data, seed, epochs, n_steps):
    X_tr, X_te, y_tr, y_te = data
    net = ann.SpikingMLP([64, 128, 10], beta=0.9, n_steps=n_steps, seed=seed)
    t0 = time.perf_counter()
    ann.fit(
        net,
        X_tr,
        y_tr,
        optimizer=ann.Adam(net.parameters(), lr=1e-3),
        epochs=epochs,
        seed=seed,
    )
    run_s = time.perf_counter() - t0
    acc = ann.accuracy(ann.predict(net, X_te, batch_size=len(X_te)), y_te)
    return run_s, acc, sum(net.spike_counts_), {}


def _eprop(data, seed, epochs, n_steps, n_rec, train, feedback="symmetric"):
    X_tr, X_te, y_tr, y_te = data
    model = EProp((64, n_rec, 10), n_steps, train=train, feedback=feedback, seed=seed)
    t0 = time.perf_counter()
    model.fit(
        X_tr,
        y_tr,
        optimizer=ann.Adam(model.parameters(), lr=2e-3),
        epochs=epochs,
        seed=seed,
    )
    run_s = time.perf_counter() - t0
    acc = float(np.mean(model.predict(X_te) == y_te))
    extra = {}
    if train == "all":
        x = model.encode(X_te[:64])
        extra = {"cosine_to_bptt": model.bptt_cosine(x, y_te[:64])}
    return run_s, acc, model.spikes_per_sample_, extra


def _ann2snn(data, seed, epochs):
    X_tr, X_te, y_tr, y_te = data
    net = ann.MLP([64, 128, 10], activation="relu", seed=seed)
    t0 = time.perf_counter()
    ann.fit(
        net,
        X_tr,
        y_tr,
        optimizer=ann.Adam(net.parameters(), lr=1e-3),
        epochs=epochs,
        seed=seed,
    )
    snn = ann.convert_mlp(net, X_tr, percentile=99.9)
    t, acc, spikes = snn.accuracy_curve(X_te, y_te, duration=0.1)
    run_s = time.perf_counter() - t0
    acc_ann = ann.accuracy(ann.predict(net, X_te), y_te)
    curve = {f"{1e3 * t[i]:.0f}ms": round(float(acc[i]), 4) for i in (9, 24, 49, 99)}
    return run_s, float(acc[-1]), spikes, {"ann_accuracy": acc_ann, "curve": curve}


def _line(bench_rule, params, runs, targets):
    accs = [r[1] for r in runs]
    sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
    check = {
        "test_accuracy": [round(a, 4) for a in accs],
        "mean": round(statistics.mean(accs), 4),
        "sd": round(sd, 4),
        "spikes_per_digit": round(statistics.mean(r[2] for r in runs), 1),
    }
    for r in runs:
        for k, v in r[3].items():
            check.setdefault(k, []).append(v)
    check.update(targets(check))
    run_s = statistics.median(r[0] for r in runs)
    emit(
        {
            "bench": "snn_digits",
            "impl": f"neurosim-{bench_rule}",
            "params": params,
            "compile_s": 0.0,
            "run_s": round(run_s, 3),
            "throughput": round(params["epochs"] * params["n_train"] / run_s, 1),
            "unit": "samples/s",
            "check": check,
        }
    )
    return check


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = p.parse_args()
    data = ann.load_digits_split()
    seeds = [0] if (args.quick or args.smoke) else [0, 1, 2]
    epochs = 1 if args.smoke else (8 if args.quick else 30)
    if args.smoke:
        data = (data[0][:300], data[1], data[2][:300], data[3])
    n_steps = 20
    n_recs = [32] if (args.quick or args.smoke) else [32, 128]
    common = {"n_train": len(data[0]), "n_test": len(data[1]), "epochs": epochs}
    common["seeds"] = seeds
    _warm_up(np.float64)

    runs = [_snn_bptt(data, s, epochs, n_steps) for s in seeds]
    _line(
        "snn-bptt",
        {**common, "sizes": [64, 128, 10], "n_steps": n_steps, "lr": 1e-3},
        runs,
        lambda c: {"target_95": c["mean"] >= 0.95},
    )
    for n_rec in n_recs:
        params = {**common, "sizes": [64, n_rec, 10], "n_steps": n_steps, "lr": 2e-3}
        runs = [_eprop(data, s, epochs, n_steps, n_rec, "readout") for s in seeds]
        control = _line("eprop-readout", params, runs, lambda c: {})
        runs = [_eprop(data, s, epochs, n_steps, n_rec, "all") for s in seeds]
        _line(
            "eprop",
            params,
            runs,
            lambda c, m=control["mean"]: {
                "target_90": c["mean"] >= 0.90,
                "points_above_control": round(100 * (c["mean"] - m), 2),
                "target_5_points": c["mean"] - m >= 0.05,
            },
        )
        runs = [_eprop(data, s, epochs, n_steps, n_rec, "all", "random") for s in seeds]
        _line("eprop-random", params, runs, lambda c: {})
    runs = [_ann2snn(data, s, epochs) for s in seeds]
    _line(
        "ann2snn",
        {**common, "sizes": [64, 128, 10], "duration_s": 0.1, "dt": 1e-3},
        runs,
        lambda c: {
            "ann_mean": round(statistics.mean(c["ann_accuracy"]), 4),
            "points_below_ann": round(
                100 * (statistics.mean(c["ann_accuracy"]) - c["mean"]), 2
            ),
            "target_within_1_point": abs(statistics.mean(c["ann_accuracy"]) - c["mean"])
            <= 0.01,
        },
    )


if __name__ == "__main__":
    main()
