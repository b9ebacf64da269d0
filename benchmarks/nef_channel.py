"""NEF benchmarks against Nengo's reference simulator (same run, same configuration).

Cases (one JSON line each per implementation, see /work/shared/BENCHMARKS.md):

* ``nef_channel``: 100 LIF neurons represent ``sin(2 pi t)`` for 1 s (dt 1 ms);
  RMSE of the decoded output (10 ms lowpass) against the input through the same
  filter, mean over seeds. Each simulator draws its own neurons per seed.
* ``nef_integrator``: 200 LIF neurons, recurrent synapse tau 0.1 s, input 1 for
  0.1 < t <= 0.5 s; error of the value held at the end (mean of the last
  100 ms, target 0.4), mean over seeds.
* ``nef_scale``: a 10,000-neuron channel, build + 10 s simulation. Nengo's
  decoder cache is off, so both build their decoders from scratch. Nengo gets
  neurosim's neurons and initial voltages (same spikes) and keeps its default
  evaluation points, so the RMSEs compare the decoders alone.
* ``nef_rmse_vs_neurons``: channel RMSE for 25 to 1,600 neurons (neurosim).

``--quick`` uses fewer seeds and a 2,000-neuron, 2 s scale case.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import neurosim as ns

DT = 1e-3
TAU_INT = 0.1


def _sine(t):
    return np.sin(2 * np.pi * t)


def _step(t):
    return 1.0 if 0.1 < t <= 0.5 else 0.0


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def emit(**row):
    print(json.dumps(row), flush=True)


# ------------------------------------------------------------------ neurosim
def ns_channel(n, seed, T):
    t0 = time.perf_counter()
    m = ns.Model(seed=seed)
    u = m.input(_sine)
    a = ns.Population(n, seed=seed)
    m.connect(u, a, synapse=None)
    p = m.probe(a, synapse=ns.Lowpass(0.01))
    pu = m.probe(u, synapse=ns.Lowpass(0.01))
    build = time.perf_counter() - t0
    r = m.run(T, dt=DT)
    rmse = _rmse(r[p], r[pu])
    return rmse, build + r.build_s, r.run_s, a.eval_points_.shape[0], (m, a)


def ns_integrator(seed):
    m = ns.Model(seed=seed)
    u = m.input(_step)
    a = ns.Population(200, seed=seed)
    m.recurrent(a, TAU_INT, A=0, input=u)
    p = m.probe(a, synapse=0.01)
    t0 = time.perf_counter()
    r = m.run(1.0, dt=DT)
    return abs(float(r[p][-100:].mean()) - 0.4), time.perf_counter() - t0


# --------------------------------------------------------------------- nengo
def nengo_channel(nengo, n, seed, T, same_as=None):
    """Nengo's channel; ``same_as=(model, pop)`` copies neurosim's neurons.

    With ``same_as``, Nengo gets the same encoders, gains, biases and initial
    voltages (but keeps its own evaluation points), so both simulators produce
    the same spikes and differ only in their decoders.
    """
    t0 = time.perf_counter()
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(_sine)
        if same_as is None:
            a = nengo.Ensemble(n, 1)
        else:
            m, pop = same_as
            a = nengo.Ensemble(
                n,
                1,
                encoders=pop.encoders_,
                gain=pop.gain_,
                bias=pop.bias_,
                neuron_type=nengo.LIF(
                    initial_state={"voltage": m.initial_voltages_[pop]}
                ),
            )
        nengo.Connection(u, a, synapse=None)
        p = nengo.Probe(a, synapse=0.01)
        pu = nengo.Probe(u, synapse=0.01)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        build = time.perf_counter() - t0
        t1 = time.perf_counter()
        sim.run(T)
        run = time.perf_counter() - t1
        n_eval = sim.data[a].eval_points.shape[0]
        return _rmse(sim.data[p], sim.data[pu]), build, run, n_eval


def nengo_integrator(nengo, seed):
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(_step)
        a = nengo.Ensemble(200, 1)
        nengo.Connection(u, a, transform=TAU_INT, synapse=TAU_INT)
        nengo.Connection(a, a, synapse=TAU_INT)
        p = nengo.Probe(a, synapse=0.01)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        t0 = time.perf_counter()
        sim.run(1.0)
        return abs(float(sim.data[p][-100:].mean()) - 0.4), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--backend", default="cpu", choices=["cpu"])
    args = ap.parse_args()
    seeds = list(range(3 if args.quick else 5))
    # channel RMSE and integrator error vary a lot between seeds (the latter by
    # ~100%): more seeds for their means
    ch_seeds = list(range(5 if args.quick else 20))
    try:
        import nengo

        nengo.rc.set("decoder_cache", "enabled", "False")
    except ImportError:
        nengo = None

    def skipped(bench):
        emit(bench=bench, impl="nengo", skipped="not installed")

    # --------------------------------------------------------- channel (100)
    t0 = time.perf_counter()
    ns_channel(100, 0, 0.01)  # first call: numba compile (or cache load)
    compile_s = time.perf_counter() - t0
    res = [ns_channel(100, s, 1.0) for s in ch_seeds]
    params = {"n_neurons": 100, "T": 1.0, "dt": DT, "synapse": 0.01,
              "seeds": len(ch_seeds)}  # fmt: skip
    ours = [r[0] for r in res]
    emit(
        bench="nef_channel",
        impl="neurosim-cpu",
        params=params,
        compile_s=compile_s,
        run_s=statistics.median(r[2] for r in res),
        throughput=100 * 1000 / statistics.median(r[2] for r in res),
        unit="neuron-steps/s",
        check={"rmse_mean": float(np.mean(ours)),
               "rmse_sem": float(np.std(ours) / np.sqrt(len(ours))),
               "rmse_first5_mean": float(np.mean(ours[:5]))},
    )  # fmt: skip
    if nengo is None:
        skipped("nef_channel")
    else:
        theirs_res = [nengo_channel(nengo, 100, s, 1.0) for s in ch_seeds]
        theirs = [r[0] for r in theirs_res]
        # same neurons and initial voltages in Nengo (its own eval points)
        paired = [nengo_channel(nengo, 100, s, 1.0, same_as=r[4])[0]
                  for s, r in zip(ch_seeds[:5], res, strict=False)]  # fmt: skip
        emit(
            bench="nef_channel",
            impl="nengo",
            params=params,
            compile_s=0.0,
            run_s=statistics.median(r[2] for r in theirs_res),
            throughput=100 * 1000 / statistics.median(r[2] for r in theirs_res),
            unit="neuron-steps/s",
            check={"rmse_mean": float(np.mean(theirs)),
                   "rmse_sem": float(np.std(theirs) / np.sqrt(len(theirs))),
                   "rmse_first5_mean": float(np.mean(theirs[:5])),
                   "same_neurons_rmse_mean": float(np.mean(paired)),
                   "same_neurons_neurosim_rmse_mean": float(np.mean(ours[:5]))},
        )  # fmt: skip

    # ------------------------------------------------------------ integrator
    params = {"n_neurons": 200, "tau": TAU_INT, "T": 1.0, "target": 0.4,
              "seeds": len(ch_seeds)}  # fmt: skip
    res = [ns_integrator(s) for s in ch_seeds]
    emit(
        bench="nef_integrator",
        impl="neurosim-cpu",
        params=params,
        compile_s=0.0,
        run_s=statistics.median(r[1] for r in res),
        throughput=200 * 1000 / statistics.median(r[1] for r in res),
        unit="neuron-steps/s",
        check={"final_error_mean": float(np.mean([r[0] for r in res])),
               "final_error_sem": float(np.std([r[0] for r in res])
                                        / np.sqrt(len(res)))},
    )  # fmt: skip
    if nengo is None:
        skipped("nef_integrator")
    else:
        res = [nengo_integrator(nengo, s) for s in ch_seeds]
        emit(
            bench="nef_integrator",
            impl="nengo",
            params=params,
            compile_s=0.0,
            run_s=statistics.median(r[1] for r in res),
            throughput=200 * 1000 / statistics.median(r[1] for r in res),
            unit="neuron-steps/s",
            check={"final_error_mean": float(np.mean([r[0] for r in res])),
                   "final_error_sem": float(np.std([r[0] for r in res])
                                            / np.sqrt(len(res)))},
        )  # fmt: skip

    # ----------------------------------------------------------------- scale
    n, T = (2000, 2.0) if args.quick else (10_000, 10.0)
    params = {"n_neurons": n, "T": T, "dt": DT, "synapse": 0.01, "seed": 0}
    reps = [ns_channel(n, 0, T) for _ in range(3)]
    totals = [r[1] + r[2] for r in reps]
    k = int(np.argsort(totals)[len(totals) // 2])
    ours = reps[k]
    row = dict(
        bench="nef_scale",
        impl="neurosim-cpu",
        params=params,
        compile_s=0.0,
        run_s=totals[k],
        throughput=n * T / DT / ours[2],
        unit="neuron-steps/s (simulation only)",
        check={"rmse": ours[0], "build_s": ours[1], "sim_s": ours[2],
               "n_eval_points": ours[3]},
    )  # fmt: skip
    if nengo is None:
        emit(**row)
        skipped("nef_scale")
    else:
        theirs = nengo_channel(nengo, n, 0, T, same_as=ours[4])
        row["check"]["speedup_vs_nengo"] = (theirs[1] + theirs[2]) / totals[k]
        emit(**row)
        emit(
            bench="nef_scale",
            impl="nengo",
            params=params,
            compile_s=0.0,
            run_s=theirs[1] + theirs[2],
            throughput=n * T / DT / theirs[2],
            unit="neuron-steps/s (simulation only)",
            check={"rmse": theirs[0], "build_s": theirs[1], "sim_s": theirs[2],
                   "n_eval_points": theirs[3]},
        )  # fmt: skip

    # ------------------------------------------------------ rmse vs neurons
    sizes = [25, 100, 400, 1600]
    errs = {n: [ns_channel(n, 100 + s, 1.0)[0] for s in seeds] for n in sizes}
    emit(
        bench="nef_rmse_vs_neurons",
        impl="neurosim-cpu",
        params={"sizes": sizes, "T": 1.0, "seeds": seeds},
        compile_s=0.0,
        run_s=0.0,
        throughput=0.0,
        unit="-",
        check={"rmse_mean": {str(n): float(np.mean(e)) for n, e in errs.items()}},
    )


if __name__ == "__main__":
    main()
