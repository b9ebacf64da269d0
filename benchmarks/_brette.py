"""The Brette et al. (2007) CUBA and COBA networks in neurosim and in Brian2.

Shared by ``benchmarks/cuba.py`` and ``benchmarks/coba.py`` (not a benchmark
itself). Both networks: 4000 LIF neurons (3200 excitatory, 800 inhibitory),
each pair connected with probability 0.02, taum 20 ms, Vt -50 mV, Vr -60 mV,
refractory 5 ms, synaptic time constants 5 ms (exc) and 10 ms (inh), dt 0.1 ms,
initial voltages ``Vr + rand() * (Vt - Vr)``.

* CUBA: ``dv/dt = (ge + gi - (v - El)) / taum``, El -49 mV, ``ge += 1.62 mV``,
  ``gi += -9 mV`` (Brian2 ``method="exact"``).
* COBA: ``dv/dt = (ge (Ee - v) + gi (Ei - v) - (v - El) + I) / taum``, El -60 mV,
  Ee 0 mV, Ei -80 mV, I 20 mV, ``ge += 0.6``, ``gi += 6.7`` (conductances
  relative to the leak; Brian2 ``method="exponential_euler"``).

neurosim's unit-area synapses take the jump times the time constant as the
weight (``w = we * taue``); see :mod:`neurosim.sim.network`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

N, N_E = 4000, 3200
P_CONN = 0.02
TAUM, TAUE, TAUI = 0.020, 0.005, 0.010
VT, VR, TREF = -0.050, -0.060, 0.005
DT = 1e-4
MODELS = {
    "cuba": {"El": -0.049, "we": 1.62e-3, "wi": -9e-3},
    "coba": {"El": -0.060, "we": 0.6, "wi": 6.7, "Ee": 0.0, "Ei": -0.080, "I": 0.020},
}


def emit(record: dict[str, Any]) -> None:
    """One JSON line on stdout (the benchmark contract)."""
    print(json.dumps(record), flush=True)


def log(msg: str) -> None:
    """Progress to stderr (stdout carries only JSON lines)."""
    print(msg, file=sys.stderr, flush=True)


def neurosim_network(model: str, seed: int, backend: str) -> tuple[Any, Any, Any]:
    """Build the network; returns ``(simulator, spike monitor, n_synapses)``."""
    import neurosim as ns

    p = MODELS[model]
    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    cell = ns.LIFNeuron(tau_m=TAUM, v_rest=p["El"], v_th=VT, v_reset=VR, tau_ref=TREF)
    P = net.add(
        ns.NeuronGroup(N, cell, v0=VR + rng.random(N) * (VT - VR), bias=p.get("I", 0))
    )
    Pe, Pi = P[:N_E], P[N_E:]
    rev_e, rev_i = p.get("Ee"), p.get("Ei")
    # Brian2's jumps ge += we become unit-area weights we * taue
    net.connect(
        Pe, P, ns.Random(P_CONN, p["we"] * TAUE), ns.Lowpass(TAUE), reversal=rev_e
    )
    net.connect(
        Pi, P, ns.Random(P_CONN, p["wi"] * TAUI), ns.Lowpass(TAUI), reversal=rev_i
    )
    spikes = net.monitor_spikes(P)
    sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    return sim, spikes, sim.n_synapses


def bench_neurosim(model: str, duration: float, repeats: int, backend: str) -> None:
    """Time ``sim.run(duration)`` on fresh simulators (same seed)."""
    runs, cpus, rates, builds = [], [], [], []
    first = None
    for r in range(max(3, repeats) + 1):
        sim, spikes, n_syn = neurosim_network(model, 1, backend)
        builds.append(sim.build_s)
        c0 = time.process_time()
        t0 = time.perf_counter()
        sim.run(duration)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if r == 0:
            first = elapsed
            continue
        runs.append(elapsed)
        cpus.append(cpu)
        rates.append(spikes.indices.size / (N * duration))
    run_s = statistics.median(runs)
    emit(
        {
            "bench": model, "impl": f"neurosim-{backend}",
            "params": {"n": N, "p": P_CONN, "dt": DT, "duration_s": duration},
            "compile_s": max(first - run_s, 0.0), "build_s": statistics.median(builds),
            "run_s": run_s, "throughput": duration / run_s,
            "unit": "simulated s per wall s",
            # process CPU time, comparable with Brian2's own loop timer
            "cpu_s": statistics.median(cpus),
            "check": {"mean_rate_hz": statistics.mean(rates), "n_synapses": n_syn},
        }
    )  # fmt: skip


def _brian2_objects(b2: Any, model: str) -> tuple[list, Any, Any]:
    p = MODELS[model]
    ms, mV = b2.ms, b2.mV
    ns_ = {
        "taum": TAUM * 1e3 * ms, "taue": TAUE * 1e3 * ms, "taui": TAUI * 1e3 * ms,
        "Vt": VT * 1e3 * mV, "Vr": VR * 1e3 * mV, "El": p["El"] * 1e3 * mV,
    }  # fmt: skip
    if model == "cuba":
        eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : volt
                 dgi/dt = -gi / taui : volt"""
        method = "exact"
        we, wi = p["we"] * 1e3 * mV, p["wi"] * 1e3 * mV
    else:
        eqs = """dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
                 dge/dt = -ge / taue : 1
                 dgi/dt = -gi / taui : 1"""  # noqa: E501
        method = "exponential_euler"
        ns_.update(Ee=p["Ee"] * 1e3 * mV, Ei=p["Ei"] * 1e3 * mV, I=p["I"] * 1e3 * mV)
        we, wi = p["we"], p["wi"]
    ns_.update(we=we, wi=wi)
    P = b2.NeuronGroup(
        N, eqs, threshold="v > Vt", reset="v = Vr", refractory=TREF * 1e3 * ms,
        method=method, namespace=ns_,
    )  # fmt: skip
    P.v = "Vr + rand() * (Vt - Vr)"
    Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=ns_)
    Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=ns_)
    Ce.connect(f"i < {N_E}", p=P_CONN)
    Ci.connect(f"i >= {N_E}", p=P_CONN)
    mon = b2.SpikeMonitor(P)
    return [P, Ce, Ci, mon], mon, (Ce, Ci)


def bench_brian2_standalone(model: str, duration: float, repeats: int) -> None:
    """Brian2 cpp_standalone, single thread.

    ``cpu_s`` is the binary's own timer of its network loop, which Brian2
    takes with ``std::clock()``: process CPU time, blind to other processes
    on a shared machine. ``run_s`` is the wall time of the whole binary
    (start-up and result files included), an upper bound on its loop's wall
    time. Compare ``cpu_s`` with neurosim's ``cpu_s``.
    """
    import brian2 as b2

    directory = tempfile.mkdtemp(prefix="neurosim-bench-brian2-")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.prefs.logging.console_log_level = "ERROR"
    b2.defaultclock.dt = DT * b2.second
    b2.seed(1)
    objects, mon, syns = _brian2_objects(b2, model)
    net = b2.Network(*objects)
    net.run(duration * b2.second)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=True)
    compile_s = time.perf_counter() - t0 - b2.device._last_run_time
    runs, cpus = [], []
    for _ in range(max(3, repeats)):
        t0 = time.perf_counter()
        b2.device.run(directory=directory, with_output=False, run_args=[])
        runs.append(time.perf_counter() - t0)
        cpus.append(b2.device._last_run_time)
    run_s = statistics.median(runs)
    emit(
        {
            "bench": model, "impl": "brian2-cpp_standalone",
            "params": {"n": N, "p": P_CONN, "dt": DT, "duration_s": duration,
                       "threads": 1},
            "compile_s": compile_s, "run_s": run_s, "throughput": duration / run_s,
            "unit": "simulated s per wall s", "cpu_s": statistics.median(cpus),
            "check": {"mean_rate_hz": mon.num_spikes / (N * duration),
                      "n_synapses": int(len(syns[0]) + len(syns[1]))},
        }
    )  # fmt: skip


def main(model: str, doc: str) -> None:
    """Command line of ``cuba.py`` / ``coba.py``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.2 s runs only")
    ap.add_argument("--backend", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--brian2-only", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.brian2_only is not None:
        bench_brian2_standalone(model, args.brian2_only, args.repeats)
        return
    durations = [0.2] if args.quick else [1.0, 10.0]
    try:
        import brian2  # noqa: F401

        has_brian2 = True
    except ImportError:
        has_brian2 = False
    from neurosim.exceptions import BackendUnavailable

    for duration in durations:
        log(f"{model}: neurosim-{args.backend}, {duration:g} s")
        try:
            bench_neurosim(model, duration, args.repeats, args.backend)
        except BackendUnavailable as e:
            emit({"bench": model, "impl": f"neurosim-{args.backend}",
                  "skipped": str(e).split(";")[0]})  # fmt: skip
        if not has_brian2:
            emit({"bench": model, "impl": "brian2-cpp_standalone",
                  "skipped": "not installed"})  # fmt: skip
            continue
        log(f"{model}: brian2-cpp_standalone, {duration:g} s")
        # the standalone device is process-global: one fresh process per case
        res = subprocess.run(
            [sys.executable, sys.argv[0], "--brian2-only", str(duration),
             "--repeats", str(args.repeats)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        sys.stdout.write(res.stdout)
        sys.stdout.flush()
