"""cobahh: Brian2's COBAHH example (4,000 Traub-Miles neurons) vs Brian2 standalone.

The Brette et al. (2007) benchmark 3 as Brian2's ``examples/COBAHH.py`` (the
Brian2GeNN paper's COBAHH): 3,200 excitatory and 800 inhibitory
:class:`~neurosim.TraubMiles` neurons, each pair connected with probability
0.02, conductance jumps 6 nS (exc, 5 ms) and 67 nS (inh, 10 ms), initial
``v = El + (5 randn - 5) mV``, ``ge = (1.5 randn + 4) 10 nS``,
``gi = (12 randn + 20) 10 nS``, exponential Euler, dt 0.1 ms, 1 s (0.1 s with
``--quick``). neurosim's conductances arrive through the model's ``ge``/``gi``
ports (weights ``w = jump * tau``: unit-area synapses).

Prints one JSON line per implementation (shared BENCHMARKS.md): neurosim
(the CPU network loop runs on one thread; ``--backend cuda``: the GPU one)
and Brian2 cpp_standalone without OpenMP (one thread), runs interleaved.
Both draw their own random network and initial state, so ``check`` (mean
rate, synapse count) agrees statistically, not exactly; the test
``tests/test_traub_miles.py`` checks spike-for-spike agreement on a network
both build from one matrix. Times: ``run_s`` is wall time (Brian2: the
binary's own loop timer), ``cpu_s`` process CPU time (Brian2's loop timer is
``std::clock()``, CPU time too); on a loaded shared machine only ``cpu_s``
compares. The Brian2 line's ``ratio`` is Brian2's ``cpu_s`` over neurosim's
(above 1: neurosim is faster).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import numpy as np
from _common import brian2_build, brian2_run_binary, emit, log, parser

import neurosim as ns

N, N_E, P_CONN, DT = 4000, 3200, 0.02, 1e-4
WE, WI, TAUE, TAUI = 6.0, 67.0, 5e-3, 10e-3  # nS, s

EQS = """dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) - g_na*(m*m*m)*h*(v-ENa)
         - g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
"""


def _brian2_objects(b2):
    """The example's objects (its constants, for a 20,000 um^2 membrane)."""
    b2.defaultclock.dt = DT * b2.second
    b2.seed(1)
    area = 20000 * b2.umetre**2
    namespace = {
        "Cm": 1 * b2.ufarad * b2.cm**-2 * area,
        "gl": 5e-5 * b2.siemens * b2.cm**-2 * area,
        "El": -60 * b2.mV, "EK": -90 * b2.mV, "ENa": 50 * b2.mV,
        "g_na": 100 * b2.msiemens * b2.cm**-2 * area,
        "g_kd": 30 * b2.msiemens * b2.cm**-2 * area,
        "VT": -63 * b2.mV, "taue": TAUE * b2.second, "taui": TAUI * b2.second,
        "Ee": 0 * b2.mV, "Ei": -80 * b2.mV,
        "we": WE * b2.nS, "wi": WI * b2.nS,
    }  # fmt: skip
    P = b2.NeuronGroup(N, EQS, threshold="v>-20*mV", refractory=3 * b2.ms,
                       method="exponential_euler", namespace=namespace)  # fmt: skip
    Ce = b2.Synapses(P[:N_E], P, on_pre="ge+=we", namespace=namespace)
    Ci = b2.Synapses(P[N_E:], P, on_pre="gi+=wi", namespace=namespace)
    Ce.connect(p=P_CONN)
    Ci.connect(p=P_CONN)
    P.v = "El + (randn() * 5 - 5)*mV"
    P.ge = "(randn() * 1.5 + 4) * 10.*nS"
    P.gi = "(randn() * 12 + 20) * 10.*nS"
    mon = b2.SpikeMonitor(P)
    checks = {"spikes": lambda: int(mon.num_spikes),
              "n_synapses": lambda: int(len(Ce) + len(Ci))}  # fmt: skip
    return [P, Ce, Ci, mon], checks


def neurosim_sim(seed: int, backend: str):
    """The network on a neurosim backend: ``(simulator, spike monitor)``."""
    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    P = net.add(
        ns.NeuronGroup(N, ns.TraubMiles(), v0=-60.0 + rng.standard_normal(N) * 5 - 5)
    )
    net.connect(P[:N_E], P, ns.Random(P_CONN, WE * TAUE), ns.Lowpass(TAUE), port="ge")
    net.connect(P[N_E:], P, ns.Random(P_CONN, WI * TAUI), ns.Lowpass(TAUI), port="gi")
    spikes = net.monitor_spikes(P)
    sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    sim.set_state(P, "ge", (rng.standard_normal(N) * 1.5 + 4) * 10.0)
    sim.set_state(P, "gi", (rng.standard_normal(N) * 12 + 20) * 10.0)
    return sim, spikes


def main() -> None:
    args = parser(__doc__).parse_args()
    duration = 0.1 if args.quick else 1.0
    if args.brian2_build is not None:
        brian2_build(_brian2_objects, duration, args.brian2_build)
        return
    log(f"cobahh: n={N}, duration={duration} s")
    try:
        import brian2  # noqa: F401
    except ImportError:
        build = None
        emit({"bench": "cobahh", "impl": "brian2-cpp_standalone",
              "skipped": "not installed"})  # fmt: skip
    else:  # the standalone device is process-global: built in a process of its own
        res = subprocess.run(
            [sys.executable, __file__, "--brian2-build", "0"]
            + (["--quick"] if args.quick else []),
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        build = json.loads(res.stdout.strip().splitlines()[-1])
    ours, cpus, builds, peer, rates = [], [], [], [], []
    first = None
    for r in range(max(3, args.repeats) + 1):  # run 0: compile (or cache load)
        t0 = time.perf_counter()
        sim, spikes = neurosim_sim(r, args.backend)
        builds.append(time.perf_counter() - t0)
        c0, t0 = time.process_time(), time.perf_counter()
        sim.run(duration)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        if r == 0:
            first = elapsed
            continue
        ours.append(elapsed)
        cpus.append(cpu)
        rates.append(spikes.indices.size / (N * duration))
        if build is not None:  # interleaved: both share the machine's load
            peer.append(brian2_run_binary(build["directory"]))
    run_s = statistics.median(ours)
    params = {"n": N, "p": P_CONN, "dt": DT, "duration_s": duration,
              "method": "exponential_euler", "threads": 1}  # fmt: skip
    emit({
        "bench": "cobahh", "impl": f"neurosim-{args.backend}", "params": params,
        "compile_s": max(first - run_s, 0.0), "build_s": statistics.median(builds),
        "run_s": run_s, "cpu_s": statistics.median(cpus),
        "throughput": N * round(duration / DT) / run_s, "unit": "neuron-steps/s",
        "check": {"mean_rate_hz": statistics.mean(rates),
                  "n_synapses": int(sim.n_synapses)},
    })  # fmt: skip
    if build is not None:
        peer_s = statistics.median(peer)
        checks = build["checks"]
        emit({
            "bench": "cobahh", "impl": "brian2-cpp_standalone", "params": params,
            "compile_s": build["compile_s"], "run_s": peer_s, "cpu_s": peer_s,
            "throughput": N * round(duration / DT) / peer_s, "unit": "neuron-steps/s",
            "check": {"mean_rate_hz": checks["spikes"] / (N * duration),
                      "n_synapses": checks["n_synapses"]},
            "ratio": peer_s / statistics.median(cpus),
        })  # fmt: skip


if __name__ == "__main__":
    main()
