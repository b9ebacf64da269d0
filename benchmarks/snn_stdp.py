"""STDP network on digits (Diehl & Cook 2015 style) against its no-STDP control.

Digits 1437 / 360 (``ann.load_digits_split("unit")``: pixels 0..16 divided by
16), seeds 0, 1, 2. ``learning.DiehlCook`` runs in ``ns.Simulator`` (CPU):
64 Poisson inputs at ``pixel * max_rate``, ``n_neurons`` excitatory
``AdaptiveThresholdLIF`` neurons with direct all-to-all lateral inhibition,
online pair STDP on the input weights inside ``Simulator.run``, each neuron's
input weights scaled to a fixed sum after every digit; each digit shown for
``t_present`` then ``t_rest`` of silence, shown again with stronger input if
it drives fewer than 5 spikes. Readout: each neuron labelled by the class it
answers most on the training digits (learning off, thresholds frozen), a test
digit classified by the labelled neurons' mean spike counts; no trained weights.

* ``stdp-off``: the control, the same network and passes with STDP switched
  off (random normalised weights; thresholds adapt; same labelling).
* ``stdp``: the network trained by STDP. Targets >= 85 % and >= 10 points
  above the control.

One JSON line per case: ``run_s`` is the median wall time per seed of the
training pass (simulator build and compile excluded), ``check`` holds the test
accuracy per seed, mean and sd, excitatory spikes per digit in the labelling
pass, and the targets.

    python benchmarks/snn_stdp.py [--quick] [--smoke]

``--quick``: one seed; ``--smoke``: 20 neurons, 200 training and 100 test
digits, one seed (seconds once compiled).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, parser  # noqa: E402

from neurosim import ann  # noqa: E402
from neurosim.learning import STDP, DiehlCook  # noqa: E402

#: the settings the figures are measured with (DiehlCook keywords)
SETTINGS = {
    "n_neurons": 100,
    "max_rate": 128.0,
    "t_present": 0.35,
    "t_rest": 0.15,
    "dt": 5e-4,
    "weight_sum": 0.1,
    "w_inh": 0.1,
    "inc_theta": 0.01,
}
RULE = {"a_plus": 2e-4, "a_minus": 2e-6, "tau_plus": 0.02, "tau_minus": 0.02,
        "w_min": 0.0, "w_max": 0.02}  # fmt: skip


def _run(data, seed, settings, learn, n_epochs):
    X_tr, X_te, y_tr, y_te = data
    rule = STDP(**RULE) if learn else None
    model = DiehlCook(**settings, stdp=rule, seed=seed)
    model.fit(X_tr, y_tr, n_epochs=n_epochs)
    acc = model.score(X_te, y_te)
    return model.train_s_, acc, model.spikes_per_sample_


def _line(case, params, runs, targets):
    accs = [r[1] for r in runs]
    check = {
        "test_accuracy": [round(a, 4) for a in accs],
        "mean": round(statistics.mean(accs), 4),
        "sd": round(statistics.stdev(accs) if len(accs) > 1 else 0.0, 4),
        "spikes_per_digit": round(statistics.mean(r[2] for r in runs), 1),
    }
    check.update(targets(check))
    run_s = statistics.median(r[0] for r in runs)
    n = params["n_train"] * params["epochs"]
    emit(
        {
            "bench": "snn_stdp",
            "impl": f"neurosim-{case}",
            "params": params,
            "compile_s": 0.0,
            "run_s": round(run_s, 3),
            "throughput": round(n / run_s, 1),
            "unit": "training digits/s",
            "check": check,
        }
    )
    return check


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--smoke", action="store_true", help="tiny run for CI")
    args = p.parse_args()
    data = ann.load_digits_split("unit")
    settings = dict(SETTINGS)
    seeds = [0] if (args.quick or args.smoke) else [0, 1, 2]
    if args.smoke:
        data = (data[0][:200], data[1][:100], data[2][:200], data[3][:100])
        settings["n_neurons"] = 20
    n_epochs = 1
    params = {
        **settings,
        "stdp": RULE,
        "n_train": len(data[0]),
        "n_test": len(data[1]),
        "epochs": n_epochs,
        "seeds": seeds,
        "encoding": "Poisson, rate = pixel / 16 * max_rate",
    }
    # compile both networks once, outside the timings
    DiehlCook(**{**settings, "n_neurons": 2}, seed=0).fit(data[0][:2], data[2][:2])
    runs = [_run(data, s, settings, False, n_epochs) for s in seeds]
    control = _line("stdp-off", params, runs, lambda c: {})
    runs = [_run(data, s, settings, True, n_epochs) for s in seeds]
    _line(
        "stdp",
        params,
        runs,
        lambda c, m=control["mean"]: {
            "target_85": c["mean"] >= 0.85,
            "points_above_control": round(100 * (c["mean"] - m), 2),
            "target_10_points": c["mean"] - m >= 0.10,
        },
    )


if __name__ == "__main__":
    main()
