"""Spiking networks on digits: surrogate-gradient BPTT, e-prop, converted ANN.

Digits 1437 / 360 (``ann.load_digits_split``, random_state 0, z-scored pixels),
seeds 0, 1, 2; Adam, batch 32. Every spiking network sees a digit as a
constant input current (direct encoding) at every time step.

* ``snn-bptt``: 64-128-10, LIF hidden layer (beta 0.9, threshold 1, arctan
  surrogate, delayed detached reset), output integrated over 20 steps,
  trained by BPTT (``ann.SpikingMLP``). Target >= 95 %.
* ``eprop``: 64 inputs, recurrent LIF layer of ``n_rec`` neurons (beta 0.9,
  threshold 1, fast-sigmoid pseudo-derivative, slope 25), leaky readout
  (kappa 0.9), 20 steps, online e-prop with symmetric feedback and
  kappa-filtered eligibility traces (``learning.EProp``); ``eprop-readout`` is
  the same network (same initial weights per seed) with only its readout
  trained (the control); ``eprop-random`` uses random feedback. Each of
  ``eprop`` and ``eprop-readout`` gets its own Adam learning rate, chosen from
  ``LR_GRID`` on a validation split of the *training* digits (1150 to train,
  287 to validate, seed 0, best mean validation accuracy over the last 5
  epochs); the test digits play no part in the choice. ``eprop-random`` uses
  ``eprop``'s rate; ``eprop-bptt`` is the same network and loss trained by
  exact BPTT (``EProp.bptt_loss``, ``eprop``'s rate): what e-prop
  approximates, so the most that learning the recurrent layer can add here.
  Ties in the choice go to the smaller rate. Targets: >= 90 %, >= 5 points
  above the control, stated for ``n_rec = 32``: a layer narrower than the 64
  pixels, so that a fixed random layer cannot simply re-expand the image for a
  linear readout. At ``n_rec = 128`` the random layer with a trained readout
  alone scores about 96 % on the test digits (as a logistic regression on the
  pixels does), so 5 more points would exceed 100 %; it is reported for
  completeness. The cosine between the e-prop update and BPTT's gradient is
  measured after training on 64 test digits.
* ``ann2snn``: a 64-128-10 ReLU MLP trained by backprop, converted
  (``ann.convert_mlp``, percentile 99.9, IF with reset by subtraction, 1 ms
  steps) and run for 100 ms per digit; paired with its own ANN on the same
  test digits. Target: mean over seeds within 1 point of the ANN.

One JSON line per rule (and ``n_rec``): ``run_s`` is the median training time
of one seed (numba compiled beforehand; ``ann2snn`` includes the conversion
and the test simulation), ``check`` holds
the accuracies per seed, mean and sd, spikes per test digit and the targets.

    python benchmarks/snn_digits.py [--quick] [--smoke] [--only eprop]

``--quick``: one seed, fewer epochs, no learning-rate search (``LR_QUICK`` for
every rule); ``--smoke``: a few hundred training digits and one epoch (seconds;
what CI runs). ``--only eprop`` runs the e-prop lines alone.
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

#: Adam learning rates tried for e-prop and its control (on validation digits)
LR_GRID = (1e-3, 2e-3, 5e-3, 1e-2, 2e-2)
#: the rate of every e-prop rule in --quick and --smoke runs
LR_QUICK = 5e-3
#: validation digits held out of the 1437 training digits for the choice
N_VALIDATION = 287


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


def _eprop(data, seed, epochs, n_steps, n_rec, train, lr, feedback="symmetric"):
    X_tr, X_te, y_tr, y_te = data
    model = EProp((64, n_rec, 10), n_steps, train=train, feedback=feedback, seed=seed)
    t0 = time.perf_counter()
    model.fit(
        X_tr,
        y_tr,
        optimizer=ann.Adam(model.parameters(), lr=lr),
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


def _eprop_bptt(data, seed, epochs, n_steps, n_rec, lr):
    """The e-prop network and loss trained by exact BPTT (``EProp.bptt_loss``)."""
    X_tr, X_te, y_tr, y_te = data
    model = EProp((64, n_rec, 10), n_steps, seed=seed)
    params = model.parameters()
    opt = ann.Adam(params, lr=lr)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(X_tr))
        for s in range(0, len(X_tr), 32):
            idx = order[s : s + 32]
            for p in params:
                p.grad = None
            model.bptt_loss(model.encode(X_tr[idx]), y_tr[idx]).backward()
            opt.step()
    run_s = time.perf_counter() - t0
    acc = float(np.mean(model.predict(X_te) == y_te))
    return run_s, acc, model.spikes_per_sample_, {}


def _select_lr(data, epochs, n_steps, n_rec, train):
    """Adam rate from ``LR_GRID`` by validation accuracy; test digits unused.

    Trains seed 0 on 1150 training digits, validates on the other 287 after
    every epoch; returns the rate with the best mean over the last 5 epochs and
    every rate's score.
    """
    X_tr, _, y_tr, _ = data
    perm = np.random.default_rng(0).permutation(len(X_tr))
    val, fit = perm[:N_VALIDATION], perm[N_VALIDATION:]
    scores = {}
    for lr in LR_GRID:
        model = EProp((64, n_rec, 10), n_steps, train=train, seed=0)
        model.fit(
            X_tr[fit],
            y_tr[fit],
            optimizer=ann.Adam(model.parameters(), lr=lr),
            epochs=epochs,
            validation_data=(X_tr[val], y_tr[val]),
            seed=0,
        )
        scores[lr] = round(float(np.mean(model.history_["val_accuracy"][-5:])), 4)
    return max(scores, key=scores.get), scores


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
    p.add_argument("--only", choices=("eprop",), help="run these lines alone")
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

    if args.only != "eprop":
        runs = [_snn_bptt(data, s, epochs, n_steps) for s in seeds]
        _line(
            "snn-bptt",
            {**common, "sizes": [64, 128, 10], "n_steps": n_steps, "lr": 1e-3},
            runs,
            lambda c: {"target_95": c["mean"] >= 0.95},
        )
    for n_rec in n_recs:
        lrs, val = {}, {}
        for train in ("readout", "all"):
            if args.quick or args.smoke:
                lrs[train], val[train] = LR_QUICK, "not searched (--quick/--smoke)"
            else:
                lrs[train], val[train] = _select_lr(data, epochs, n_steps, n_rec, train)
        params = {**common, "sizes": [64, n_rec, 10], "n_steps": n_steps}
        params["encoding"] = "constant current (z-scored pixels) at every step"
        runs = [
            _eprop(data, s, epochs, n_steps, n_rec, "readout", lrs["readout"])
            for s in seeds
        ]
        control = _line(
            "eprop-readout",
            {**params, "lr": lrs["readout"], "validation": val["readout"]},
            runs,
            lambda c: {},
        )
        runs = [
            _eprop(data, s, epochs, n_steps, n_rec, "all", lrs["all"]) for s in seeds
        ]
        _line(
            "eprop",
            {**params, "lr": lrs["all"], "validation": val["all"]},
            runs,
            lambda c, m=control["mean"]: {
                "target_90": c["mean"] >= 0.90,
                "points_above_control": round(100 * (c["mean"] - m), 2),
                "target_5_points": c["mean"] - m >= 0.05,
            },
        )
        runs = [
            _eprop(data, s, epochs, n_steps, n_rec, "all", lrs["all"], "random")
            for s in seeds
        ]
        _line("eprop-random", {**params, "lr": lrs["all"]}, runs, lambda c: {})
        runs = [_eprop_bptt(data, s, epochs, n_steps, n_rec, lrs["all"]) for s in seeds]
        _line("eprop-bptt", {**params, "lr": lrs["all"]}, runs, lambda c: {})
    if args.only == "eprop":
        return
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
