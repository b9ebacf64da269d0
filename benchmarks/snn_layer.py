"""Spiking layer forward + backward (BPTT) on the CPU: neurosim against snnTorch.

Workloads, same weights and inputs on both sides: ``leaky`` is Linear(H, H)
then a LIF layer (``ann.Leaky`` / ``snntorch.Leaky``, beta 0.9, threshold 1,
arctan surrogate alpha 2, reset by subtraction one step late), ``rleaky`` a
recurrent LIF layer (``ann.RLeaky`` / ``snntorch.RLeaky``, all-to-all), over
100 steps, batch 32, H = 64, 128, 256 neurons, float32 and float64. The loss
is sum(spikes) + sum(membrane); one repeat is forward plus backward. snnTorch
runs its layer step by step in a Python loop, as its documentation does; the
Linear is applied to the whole sequence at once on both sides.

snnTorch's surrogates return float32 spikes whatever the input dtype, which
its recurrent Linear then refuses in float64; for ``rleaky`` in float64 the
peer uses snnTorch's own arctan backward with spikes in the input dtype
(``params.peer_surrogate``). ``check`` holds both spike counts (equal in
float64; float32 rounding may flip a spike near threshold).

Both run on one thread (``torch.set_num_threads(1)``, one BLAS thread).

    python benchmarks/snn_layer.py [--quick] [--smoke]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parser  # noqa: E402

from neurosim import ann  # noqa: E402

T, BATCH, BETA = 100, 32, 0.9


def _inputs(H, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((T, BATCH, H)) * 0.7 + 0.15).astype(dtype)
    w = (rng.standard_normal((H, H)) / np.sqrt(H)).astype(dtype)
    b = (rng.standard_normal(H) * 0.1).astype(dtype)
    w_rec = (rng.standard_normal((H, H)) * 0.3 / np.sqrt(H)).astype(dtype)
    b_rec = (rng.standard_normal(H) * 0.05).astype(dtype)
    return x, w, b, w_rec, b_rec


def _ours(layer, H, dtype):
    x, w, b, w_rec, b_rec = _inputs(H, dtype)
    if layer == "leaky":
        lin = ann.Linear(H, H, dtype=dtype, seed=0)
        lin.load_state_dict({"weight": w, "bias": b})
        lif = ann.Leaky(BETA)

        def step():
            spk, mem = lif(lin(ann.Tensor(x)))
            (spk.sum() + mem.sum()).backward()
            return float(spk.data.sum())

        return step
    rnn = ann.RLeaky(H, BETA, dtype=dtype, seed=0)
    rnn.load_state_dict({"recurrent.weight": w_rec, "recurrent.bias": b_rec})
    cur = ann.Tensor(x @ w.T + b, requires_grad=True)

    def step_rec():
        spk, mem = rnn(cur)
        (spk.sum() + mem.sum()).backward()
        return float(spk.data.sum())

    return step_rec


def _theirs(layer, H, dtype):
    import snntorch as snn
    import torch
    from snntorch import surrogate

    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    x, w, b, w_rec, b_rec = (torch.from_numpy(a) for a in _inputs(H, dtype))
    beta = torch.tensor(BETA, dtype=tdt)
    note = "atan (snntorch.surrogate.atan)"
    spike_grad = surrogate.atan(2.0)
    if layer == "rleaky" and dtype == np.float64:

        class ATan64(torch.autograd.Function):
            @staticmethod
            def forward(ctx, v, alpha):
                ctx.save_for_backward(v)
                ctx.alpha = alpha
                return (v > 0).to(v.dtype)

            backward = surrogate.ATan.backward

        def spike_grad(v):
            return ATan64.apply(v, 2.0)

        note = "atan (snnTorch's backward, spikes in the input dtype)"

    if layer == "leaky":
        lin = torch.nn.Linear(H, H).to(tdt)
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        lif = snn.Leaky(beta=beta, spike_grad=spike_grad)

        def step():
            cur = lin(x)
            mem = torch.zeros(BATCH, H, dtype=tdt)
            spks, mems = [], []
            for t in range(T):
                spk, mem = lif(cur[t], mem)
                spks.append(spk)
                mems.append(mem)
            spk, mem = torch.stack(spks), torch.stack(mems)
            (spk.sum() + mem.sum()).backward()
            return float(spk.detach().sum())

        return step, note
    rnn = snn.RLeaky(beta=beta, linear_features=H, spike_grad=spike_grad).to(tdt)
    with torch.no_grad():
        rnn.recurrent.weight.copy_(w_rec)
        rnn.recurrent.bias.copy_(b_rec)
    cur = (x @ w.T + b).requires_grad_()

    def step_rec():
        spk = torch.zeros(BATCH, H, dtype=tdt)
        mem = torch.zeros(BATCH, H, dtype=tdt)
        spks, mems = [], []
        for t in range(T):
            spk, mem = rnn(cur[t], spk, mem)
            spks.append(spk)
            mems.append(mem)
        s, m = torch.stack(spks), torch.stack(mems)
        (s.sum() + m.sum()).backward()
        return float(s.detach().sum())

    return step_rec, note


def _time(fn, repeats):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times), out


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--smoke", action="store_true", help="one tiny case, for CI")
    args = p.parse_args()
    repeats = max(3, args.repeats)
    sizes = [64] if (args.quick or args.smoke) else [64, 128, 256]
    dtypes = [np.float64] if args.smoke else [np.float32, np.float64]
    layers = ["leaky"] if args.smoke else ["leaky", "rleaky"]
    try:
        import snntorch  # noqa: F401
        import torch

        torch.set_num_threads(1)
        have_peer = True
    except ImportError:
        have_peer = False
    for layer in layers:
        for dtype in dtypes:
            for H in sizes:
                params = {
                    "layer": layer,
                    "neurons": H,
                    "batch": BATCH,
                    "steps": T,
                    "dtype": np.dtype(dtype).name,
                }
                work = T * BATCH * H
                ours = _ours(layer, H, dtype)
                compile_first, run_s, count = _time(ours, repeats)
                rec = {"bench": "snn_layer", "impl": "neurosim-cpu", "params": params}
                peer_count = None
                peer_s = None
                if have_peer:
                    theirs, note = _theirs(layer, H, dtype)
                    _, peer_s, peer_count = _time(theirs, repeats)
                rec.update(
                    {
                        "compile_s": round(max(compile_first - run_s, 0.0), 3),
                        "run_s": round(run_s, 5),
                        "throughput": round(work / run_s, 1),
                        "unit": "neuron-steps/s (forward+backward)",
                        "check": {
                            "spikes": count,
                            "peer_spikes": peer_count,
                            "x_snntorch_speed": None
                            if peer_s is None
                            else round(peer_s / run_s, 2),
                        },
                    }
                )
                print(json.dumps(rec), flush=True)
                if not have_peer:
                    print(
                        json.dumps(
                            {
                                "bench": "snn_layer",
                                "impl": "snntorch-cpu",
                                "skipped": "not installed",
                            }
                        ),
                        flush=True,
                    )
                    continue
                print(
                    json.dumps(
                        {
                            "bench": "snn_layer",
                            "impl": "snntorch-cpu",
                            "params": {**params, "peer_surrogate": note},
                            "compile_s": 0.0,
                            "run_s": round(peer_s, 5),
                            "throughput": round(work / peer_s, 1),
                            "unit": "neuron-steps/s (forward+backward)",
                            "check": {"spikes": peer_count},
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
