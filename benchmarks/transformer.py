"""2-layer transformer encoder forward + backward: neurosim against PyTorch (CPU).

Workload (BENCHMARKS.md): d_model 64, 4 heads, feed-forward 128, sequence 64,
batch 32, float32, post-norm, ReLU, dropout 0 (so both sides compute the same
function); forward and the backward pass of ``sum(out * R)``, identical weights,
2 threads each. PyTorch runs ``nn.TransformerEncoder`` in training mode (no fast
path). ``check`` holds relative differences of outputs and input gradients.

    python benchmarks/transformer.py [--quick] [--threads 2]
"""

from __future__ import annotations

from _ann_common import emit, load_torch, parse_args, skipped, timed_pair

args = parse_args(__doc__)

import numpy as np

from neurosim import ann

ann.set_num_threads(args.threads)

BENCH = "transformer"


def main() -> None:
    if args.backend != "cpu":
        skipped(BENCH, f"neurosim-{args.backend}", "no GPU implementation")
        return
    d, heads, ff, L, N, layers = 64, 4, 128, 64, 32, 2
    params = {
        "d_model": d,
        "heads": heads,
        "dim_ff": ff,
        "seq": L,
        "batch": N,
        "layers": layers,
        "dtype": "float32",
        "threads": args.threads,
    }
    rng = np.random.default_rng(0)
    x = rng.standard_normal((L, N, d)).astype(np.float32)
    R = rng.standard_normal((L, N, d)).astype(np.float32)
    enc = ann.TransformerEncoder(
        layers, d, heads, ff, dropout=0.0, seed=0, dtype=np.float32
    )
    xt = ann.Tensor(x, requires_grad=True)

    def ours():
        enc.zero_grad()
        xt.grad = None
        out = enc(xt)
        (out * R).sum().backward()
        return out.data, xt.grad

    torch = load_torch(args.threads)
    theirs = None
    if torch is not None:
        layer = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0)
        te = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        te.load_state_dict(
            {k: torch.from_numpy(v) for k, v in enc.state_dict().items()}
        )
        te.train()
        tx, tR = torch.from_numpy(x).requires_grad_(), torch.from_numpy(R)

        def theirs():
            te.zero_grad()
            tx.grad = None
            tout = te(tx)
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
