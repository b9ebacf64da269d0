"""MLP 64-128-10 on scikit-learn's digits: neurosim.ann against PyTorch (CPU).

Workload (BENCHMARKS.md): digits split 1437/360 (random_state 0, pixels
z-scored with training statistics, ``ann.load_digits_split``), ReLU MLP
64-128-10, cross entropy, SGD lr 0.1, batch 32, 30 epochs, shuffled each epoch,
float32, 2 threads each. neurosim trains through ``ann.fit``; PyTorch runs the
usual loop with identical initial weights and the same batch order. ``check``:
final training loss and test accuracy of each side, and (without ``--quick``)
the test accuracy for seeds 0-4.

    python benchmarks/mlp_digits.py [--quick] [--threads 2]
"""

from __future__ import annotations

from _ann_common import emit, load_torch, parse_args, skipped, timed_pair

args = parse_args(__doc__)

import numpy as np

from neurosim import ann

ann.set_num_threads(args.threads)

BENCH = "mlp_digits"
EPOCHS, BATCH, LR = 30, 32, 0.1


def main() -> None:
    if args.backend != "cpu":
        skipped(BENCH, f"neurosim-{args.backend}", "no GPU implementation")
        return
    params = {
        "sizes": [64, 128, 10],
        "optimizer": "SGD",
        "lr": LR,
        "batch": BATCH,
        "epochs": EPOCHS,
        "split": "1437/360",
        "dtype": "float32",
        "threads": args.threads,
    }
    Xtr, Xte, ytr, yte = ann.load_digits_split(dtype=np.float32)
    torch = load_torch(args.threads)

    def ours(seed=0):
        net = ann.MLP([64, 128, 10], seed=seed, dtype=np.float32)
        opt = ann.SGD(net.parameters(), lr=LR)
        hist = ann.fit(
            net, Xtr, ytr, optimizer=opt, epochs=EPOCHS, batch_size=BATCH, seed=seed
        )
        return hist["loss"][-1], ann.accuracy(ann.predict(net, Xte), yte)

    theirs = None
    if torch is not None:
        tXtr, tytr = torch.from_numpy(Xtr), torch.from_numpy(ytr)
        tXte = torch.from_numpy(Xte)

        def theirs(seed=0):
            init = ann.MLP([64, 128, 10], seed=seed, dtype=np.float32).state_dict()
            net = torch.nn.Sequential(
                torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
            )
            net.load_state_dict(
                {
                    k.replace("layers.0", "0").replace(
                        "layers.1", "2"
                    ): torch.from_numpy(v)
                    for k, v in init.items()
                }
            )
            opt = torch.optim.SGD(net.parameters(), lr=LR)
            rng = np.random.default_rng(seed)  # the same batch order as ann.fit
            n = len(Xtr)
            for _ in range(EPOCHS):
                order = torch.from_numpy(rng.permutation(n))
                total = 0.0
                for start in range(0, n, BATCH):
                    idx = order[start : start + BATCH]
                    loss = torch.nn.functional.cross_entropy(net(tXtr[idx]), tytr[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
            with torch.no_grad():
                acc = float((net(tXte).argmax(1).numpy() == yte).mean())
            return total / n, acc

    res, tres = timed_pair([ours, theirs], args.repeats)
    (loss, acc), first, run = res
    check = {"final_loss": round(loss, 5), "test_accuracy": round(acc, 4)}
    tcheck = {}
    if tres is not None:
        (tloss, tacc), tfirst, trun = tres
        check["ratio_vs_torch"] = round(run / trun, 3)
        tcheck = {"final_loss": round(tloss, 5), "test_accuracy": round(tacc, 4)}
    if not args.quick:  # accuracy over seeds (initial weights and batch order)
        seeds = range(5)
        check["test_accuracy_seeds"] = [round(ours(s)[1], 4) for s in seeds]
        if tres is not None:
            tcheck["test_accuracy_seeds"] = [round(theirs(s)[1], 4) for s in seeds]
    n_samples = EPOCHS * len(Xtr)
    emit(BENCH, "neurosim-cpu", params, first, run, n_samples / run, "samples/s", check)
    if tres is None:
        skipped(BENCH, "torch-cpu")
    else:
        emit(
            BENCH,
            "torch-cpu",
            params,
            tfirst,
            trun,
            n_samples / trun,
            "samples/s",
            tcheck,
        )


if __name__ == "__main__":
    main()
