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
import time
from typing import Any

import numpy as np
from _common import brian2_build, brian2_run_binary, emit, log

N, N_E = 4000, 3200
P_CONN = 0.02
TAUM, TAUE, TAUI = 0.020, 0.005, 0.010
VT, VR, TREF = -0.050, -0.060, 0.005
DT = 1e-4
MODELS = {
    "cuba": {"El": -0.049, "we": 1.62e-3, "wi": -9e-3},
    "coba": {"El": -0.060, "we": 0.6, "wi": 6.7, "Ee": 0.0, "Ei": -0.080, "I": 0.020},
}


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


def _brian2_build(model: str) -> Any:
    """``build(b2)`` for :func:`_common.brian2_build`: the objects and checks."""

    def build(b2: Any) -> tuple[list, dict]:
        b2.defaultclock.dt = DT * b2.second
        b2.seed(1)
        objects, mon, syns = _brian2_objects(b2, model)
        return objects, {
            "spikes": lambda: int(mon.num_spikes),
            "n_synapses": lambda: int(len(syns[0]) + len(syns[1])),
        }

    return build


def bench(model: str, duration: float, repeats: int, backend: str,
          build: dict[str, Any] | None) -> None:  # fmt: skip
    """neurosim (fresh simulators, same seed), alternating with the Brian2 binary.

    Each round runs ``sim.run(duration)`` and then, when ``build`` is given,
    the Brian2 cpp_standalone binary (one thread), so that both share the
    machine's load. neurosim's ``run_s`` is wall time and ``cpu_s`` process
    CPU time (the loop runs on one thread); Brian2's loop timer is
    ``std::clock()``, process CPU time, so its line has ``cpu_s`` and
    ``ratio``, Brian2's CPU time over neurosim's (above 1: neurosim is
    faster), the figure that holds on a loaded machine.
    """
    runs, cpus, rates, builds, peer = [], [], [], [], []
    first = None
    for r in range(max(3, repeats) + 1):  # round 0: compile (or cache load)
        sim, spikes, n_syn = neurosim_network(model, 1, backend)
        builds.append(sim.build_s)
        c0, t0 = time.process_time(), time.perf_counter()
        sim.run(duration)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if r == 0:
            first = elapsed
            continue
        runs.append(elapsed)
        cpus.append(cpu)
        rates.append(spikes.indices.size / (N * duration))
        if build is not None:
            peer.append(brian2_run_binary(build["directory"]))
    run_s, cpu_s = statistics.median(runs), statistics.median(cpus)
    params = {"n": N, "p": P_CONN, "dt": DT, "duration_s": duration, "threads": 1}
    emit({
        "bench": model, "impl": f"neurosim-{backend}", "params": params,
        "compile_s": max(first - run_s, 0.0), "build_s": statistics.median(builds),
        "run_s": run_s, "cpu_s": cpu_s, "throughput": duration / run_s,
        "unit": "simulated s per wall s",
        "check": {"mean_rate_hz": statistics.mean(rates), "n_synapses": n_syn},
    })  # fmt: skip
    if build is None:
        return
    peer_s = statistics.median(peer)
    checks = build["checks"]
    emit({
        "bench": model, "impl": "brian2-cpp_standalone", "params": params,
        "compile_s": build["compile_s"], "run_s": peer_s, "cpu_s": peer_s,
        "throughput": duration / peer_s, "unit": "simulated s per CPU s",
        "check": {"mean_rate_hz": checks["spikes"] / (N * duration),
                  "n_synapses": checks["n_synapses"]},
        "ratio": peer_s / cpu_s,
    })  # fmt: skip


def main(model: str, doc: str) -> None:
    """Command line of ``cuba.py`` / ``coba.py``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.2 s runs only")
    ap.add_argument("--backend", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--brian2-build", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.brian2_build is not None:
        brian2_build(_brian2_build(model), args.brian2_build, 0)
        return
    durations = [0.2] if args.quick else [1.0, 10.0]
    try:
        import brian2  # noqa: F401

        has_brian2 = True
    except ImportError:
        has_brian2 = False
    from neurosim.exceptions import BackendUnavailable

    for duration in durations:
        build = None
        if has_brian2:
            log(f"{model}: building Brian2 cpp_standalone, {duration:g} s")
            # the standalone device is process-global: built in a process of its own
            res = subprocess.run(
                [sys.executable, sys.argv[0], "--brian2-build", str(duration)],
                stdout=subprocess.PIPE, text=True, check=True,
            )  # fmt: skip
            build = json.loads(res.stdout.strip().splitlines()[-1])
        else:
            emit({"bench": model, "impl": "brian2-cpp_standalone",
                  "skipped": "not installed"})  # fmt: skip
        log(f"{model}: neurosim-{args.backend} and Brian2 interleaved, {duration:g} s")
        try:
            bench(model, duration, args.repeats, args.backend, build)
        except BackendUnavailable as e:
            emit({"bench": model, "impl": f"neurosim-{args.backend}",
                  "skipped": str(e).split(";")[0]})  # fmt: skip
