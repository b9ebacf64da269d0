"""Multi-head self-attention forward + backward: neurosim against PyTorch (CPU).

Workload (BENCHMARKS.md): embed 64, 4 heads, sequence 128, batch 32, float32,
layout (seq, batch, embed); forward of ``MultiHeadAttention(x, x, x)`` and the
backward pass of ``sum(out * R)``, identical weights on both sides, 2 threads
each. ``check`` holds relative differences of the outputs and input gradients.

    python benchmarks/attention.py [--quick] [--threads 2]
"""

from __future__ import annotations

from _ann_common import emit, load_torch, parse_args, skipped, timed_pair

args = parse_args(__doc__)

import numpy as np

from neurosim import ann

ann.set_num_threads(args.threads)

BENCH = "attention"


def main() -> None:
    if args.backend != "cpu":
        skipped(BENCH, f"neurosim-{args.backend}", "no GPU implementation")
        return
    E, heads, L, N = 64, 4, 128, 32
    params = {
        "embed": E,
        "heads": heads,
        "seq": L,
        "batch": N,
        "dtype": "float32",
        "threads": args.threads,
    }
    rng = np.random.default_rng(0)
    x = rng.standard_normal((L, N, E)).astype(np.float32)
    R = rng.standard_normal((L, N, E)).astype(np.float32)
    mha = ann.MultiHeadAttention(E, heads, seed=0, dtype=np.float32)
    xt = ann.Tensor(x, requires_grad=True)

    def ours():
        mha.zero_grad()
        xt.grad = None
        out = mha(xt)
        (out * R).sum().backward()
        return out.data, xt.grad

    torch = load_torch(args.threads)
    theirs = None
    if torch is not None:
        tm = torch.nn.MultiheadAttention(E, heads)
        tm.load_state_dict(
            {k: torch.from_numpy(v) for k, v in mha.state_dict().items()}
        )
        tx, tR = torch.from_numpy(x).requires_grad_(), torch.from_numpy(R)

        def theirs():
            tm.zero_grad()
            tx.grad = None
            tout, _ = tm(tx, tx, tx, need_weights=False)
            (tout * tR).sum().backward()
            return tout.detach().numpy(), tx.grad.numpy()

    res, tres = timed_pair([ours, theirs], args.repeats)
    (out, gx), first, run = res
    check = {"out_sum": float(out.sum())}
    if tres is not None:
        (tout, tgx), tfirst, trun = tres
        check["max_rel_diff_out"] = float(np.abs(out - tout).max() / np.abs(tout).max())
        check["max_rel_diff_grad_x"] = float(np.abs(gx - tgx).max() / np.abs(tgx).max())
        check["ratio_vs_torch"] = round(run / trun, 3)
    emit(BENCH, "neurosim-cpu", params, first, run, N / run, "sequences/s", check)
    if tres is None:
        skipped(BENCH, "torch-cpu")
    else:
        emit(
            BENCH,
            "torch-cpu",
            params,
            tfirst,
            trun,
            N / trun,
            "sequences/s",
            {"out_sum": float(tout.sum())},
        )


if __name__ == "__main__":
    main()
