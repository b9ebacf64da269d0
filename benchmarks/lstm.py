"""LSTM forward + backward: neurosim.ann.LSTM against torch.nn.LSTM (CPU).

Workload (BENCHMARKS.md): input 32, hidden 128, sequence 100, batch 32, float32;
one forward pass and the backward pass of ``sum(output * R)`` (fixed random R),
with identical weights on both sides; 2 threads each. ``check`` holds the
relative differences of the outputs and of a weight gradient. One JSON line per impl.

    python benchmarks/lstm.py [--quick] [--threads 2]
"""

from __future__ import annotations

from _ann_common import emit, load_torch, parse_args, skipped, timed_pair

args = parse_args(__doc__)

import numpy as np

from neurosim import ann

ann.set_num_threads(args.threads)

BENCH = "lstm"


def main() -> None:
    if args.backend != "cpu":
        skipped(BENCH, f"neurosim-{args.backend}", "no GPU implementation")
        return
    I, H, T, N = 32, 128, 100, 32
    params = {
        "input": I,
        "hidden": H,
        "seq": T,
        "batch": N,
        "dtype": "float32",
        "threads": args.threads,
    }
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, N, I)).astype(np.float32)
    R = rng.standard_normal((T, N, H)).astype(np.float32)
    lstm = ann.LSTM(I, H, seed=0, dtype=np.float32)
    xt = ann.Tensor(x, requires_grad=True)

    def ours():
        lstm.zero_grad()
        out, _ = lstm(xt)
        (out * R).sum().backward()
        return out.data, lstm.weight_hh_l0.grad

    torch = load_torch(args.threads)
    theirs = None
    if torch is not None:
        tl = torch.nn.LSTM(I, H)
        tl.load_state_dict(
            {k: torch.from_numpy(v) for k, v in lstm.state_dict().items()}
        )
        tx, tR = torch.from_numpy(x).requires_grad_(), torch.from_numpy(R)

        def theirs():
            tl.zero_grad()
            tout, _ = tl(tx)
            (tout * tR).sum().backward()
            return tout.detach().numpy(), tl.weight_hh_l0.grad.numpy()

    res, tres = timed_pair([ours, theirs], args.repeats)
    (out, gw), first, run = res
    check = {"out_sum": float(out.sum())}
    if tres is not None:
        (tout, tgw), tfirst, trun = tres
        check["max_rel_diff_out"] = float(np.abs(out - tout).max() / np.abs(tout).max())
        check["max_rel_diff_grad_w_hh"] = float(
            np.abs(gw - tgw).max() / np.abs(tgw).max()
        )
        check["ratio_vs_torch"] = round(run / trun, 3)
    emit(BENCH, "neurosim-cpu", params, first, run, T * N / run, "seq-steps/s", check)
    if tres is None:
        skipped(BENCH, "torch-cpu")
    else:
        emit(
            BENCH,
            "torch-cpu",
            params,
            tfirst,
            trun,
            T * N / trun,
            "seq-steps/s",
            {"out_sum": float(tout.sum())},
        )


if __name__ == "__main__":
    main()
