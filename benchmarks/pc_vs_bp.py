"""Wall time of predictive coding per epoch, relative to backprop on the same MLP.

Same data (digits 1437/360), architecture, initial weights, batches and Adam
optimiser for every implementation; the peer is neurosim's own backprop
(``neurosim.ann.fit``), run in the same process. One JSON line per case:
``run_s`` is the median over repeats of one training run of ``epochs`` epochs,
``check`` holds the test accuracy and the time per epoch relative to backprop.

    python benchmarks/pc_vs_bp.py [--quick]

BLAS runs on one thread unless ``OPENBLAS_NUM_THREADS`` (etc.) is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

# One BLAS thread for every implementation, set before numpy loads its BLAS: the
# matrices are small (batch 32 x 128), and on a shared machine extra threads only
# contend, which hits PC's many small products far harder than backprop's few.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from neurosim import ann
from neurosim.learning import FeedbackAlignment, PredictiveCoding


def _train(impl: str, sizes, epochs: int, steps: int, data, seed: int = 0):
    X_tr, X_te, y_tr, y_te = data
    t0 = time.perf_counter()
    if impl == "neurosim-backprop":
        net = ann.MLP(sizes, activation="tanh", seed=seed)
        ann.fit(
            net,
            X_tr,
            y_tr,
            optimizer=ann.Adam(net.parameters(), lr=1e-3),
            epochs=epochs,
            batch_size=32,
            seed=seed,
        )
        run_s = time.perf_counter() - t0
        return run_s, ann.accuracy(ann.predict(net, X_te), y_te)
    if impl == "neurosim-fa":
        model = FeedbackAlignment(sizes, "tanh", seed=seed)
    else:
        variant = {"neurosim-pc": "standard", "neurosim-pc-zil": "z_il"}[impl]
        model = PredictiveCoding(
            sizes, "tanh", variant=variant, inference_steps=steps, seed=seed
        )
    with warnings.catch_warnings():
        # a clipped inference rate is part of the method, not a benchmark failure
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(
            X_tr,
            y_tr,
            optimizer=ann.Adam(model.parameters(), lr=1e-3),
            epochs=epochs,
            batch_size=32,
            seed=seed,
        )
    run_s = time.perf_counter() - t0
    return run_s, model.score(X_te, y_te)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs")
    args = parser.parse_args()
    data = ann.load_digits_split()
    epochs = 2 if args.quick else 10
    repeats = 3 if args.quick else 5
    cases = [([64, 128, 10], 20)]
    if not args.quick:
        cases += [
            ([64, 128, 10], 5),
            ([64, 128, 10], 50),
            ([64, 128, 128, 128, 10], 20),
        ]
    impls = ["neurosim-backprop", "neurosim-pc", "neurosim-pc-zil", "neurosim-fa"]
    for sizes, steps in cases:
        # round-robin repeats: load from other processes hits every impl alike
        results = {impl: [] for impl in impls}
        for _ in range(repeats):
            for impl in impls:
                results[impl].append(_train(impl, sizes, epochs, steps, data))
        base = statistics.median(r[0] for r in results["neurosim-backprop"])
        for impl in impls:
            # pure numpy: nothing is compiled, so every repeat counts
            run_s = statistics.median(r[0] for r in results[impl])
            acc = results[impl][0][1]
            params = {
                "sizes": sizes,
                "epochs": epochs,
                "batch_size": 32,
                "optimizer": "adam",
            }
            if impl.startswith("neurosim-pc"):
                params["inference_steps"] = (
                    steps if impl == "neurosim-pc" else len(sizes) - 2
                )
            print(
                json.dumps(
                    {
                        "bench": "pc_vs_bp",
                        "impl": impl,
                        "params": params,
                        "compile_s": 0.0,
                        "run_s": round(run_s, 4),
                        "throughput": round(epochs * len(data[0]) / run_s, 1),
                        "unit": "samples/s",
                        "check": {
                            "test_accuracy": round(float(acc), 4),
                            "s_per_epoch": round(run_s / epochs, 5),
                            "x_backprop": round(run_s / base, 3),
                            "literature_x_deep_(T+1)/2": (steps + 1) / 2
                            if impl == "neurosim-pc"
                            else None,
                        },
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
