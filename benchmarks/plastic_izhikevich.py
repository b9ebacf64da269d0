"""plastic_izhikevich: STDP network of 10,000 Izhikevich neurons vs Brian2 standalone.

The issue's plastic network (after Izhikevich 2006, "Polychronization"):
8,000 regular-spiking excitatory and 2,000 fast-spiking inhibitory
:class:`~neurosim.Izhikevich` neurons (``Izhikevich.PARAMETER_SETS``), every
pair connected with probability 0.01 (fan-in 100 on average), each synapse
with its own delay drawn uniformly from 1, 2, ..., 20 ms, forward Euler on
both sides, dt 0.1 ms, 10 s (``--duration``; 0.25 s with ``--quick``). A
synapse adds its weight to the target's ``v`` (Brian2 ``v_post += w``):
excitatory 3 mV at the start, inhibitory -5 mV (static). Every neuron is
driven by its own 5 Hz Poisson train of 20 mV kicks (a ``PoissonSource``
group one-to-one; Brian2: a ``PoissonGroup`` through one-to-one synapses),
so the network fires at about 4 Hz. Pair STDP (``ns.learning.STDP``, in the
loop) on the excitatory synapses: A+ 0.3 mV, A- 0.36 mV, tau+ = tau- = 20 ms,
weights held in [0, 6] mV; Brian2 runs the same rule with event-driven
traces (``on_pre``: ``v_post += w; w = clip(w - A- y, 0, wmax); x += 1``;
``on_post``: ``w = clip(w + A+ x, 0, wmax); y += 1``).

neurosim draws the per-synapse delays as Brian2 does, one per synapse
(``delay=ns.dists.Choice([1, ..., 20] ms)``, from the network's seed): one
connection per source population (two recurrent connections; the plastic
one keeps the presynaptic traces of the last 20 ms, so that each synapse
sees its own pre trace, as Brian2's per-synapse event-driven ``x``). A
neurosim weight is a charge (``I`` times seconds, ``I`` in mV/ms): a jump
of ``J`` mV is the weight ``J * Izhikevich.time_unit``. The neurosim line's
``check`` adds ``plastic_bytes_per_synapse``: the bytes the loop keeps for
the plastic connection (weights, column indices, delays, the postsynaptic
index, the traces and their history) over its synapse count.

Both sides draw their own random connectivity and Poisson input, so
``check`` agrees statistically, not exactly: the mean rates of both
populations, the synapse count, the final excitatory weights' mean and
standard deviation and their histogram (31 bins of 0.2 mV centred on
0, 0.2, ..., 6 mV); the Brian2 line adds ``weight_hist_tv``, the total-variation
distance between the two normalised histograms (0: identical, 1: disjoint).
One difference in conventions: neurosim applies no STDP to a pre arrival
and a post spike in the same step (Brian2's ``on_pre``-first order
potentiates them by A+).

Times (shared BENCHMARKS.md): ``build_s`` (network description and
connectivity), ``compile_s`` (the extra time of a first, short warm-up
network's build and run: the compile, or a load from the numba cache),
``run_s`` wall time of a run on a fresh simulator, ``cpu_s`` its process CPU
time; Brian2: ``compile_s`` is code generation and compilation,
``run_s``/``cpu_s`` the binary's own loop timer (``std::clock()``, CPU
time). The machine is shared: compare ``cpu_s``; the Brian2 line's
``ratio`` is Brian2's ``cpu_s`` over neurosim's (above 1: neurosim is
faster). Runs alternate between the two. A run of 10 s costs about a
minute, so the full form times one run each (``--repeats`` to change).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
from _common import brian2_run_binary, emit, log, parser

import neurosim as ns

N, N_E = 10_000, 8_000
P_CONN, N_DELAYS = 0.01, 20  # delays 1..20 ms
DT = 1e-4
W_E, W_I, W_MAX = 3.0, -5.0, 6.0  # mV
INPUT_RATE, W_IN = 5.0, 20.0  # Hz, mV
A_PLUS, A_MINUS, TAU_STDP = 0.3, 0.36, 0.020  # mV, mV, s
#: histogram edges: 31 bins of 0.2 mV centred on 0, 0.2, ..., W_MAX
EDGES = np.linspace(-0.1, W_MAX + 0.1, 32)
#: warm-up run on each fresh process (s of simulated time): the compile
WARMUP = 0.01


def _izhikevich_params() -> dict[str, Any]:
    """Per-neuron a, c, d (RS then FS); b is 0.2 in both sets, one scalar."""
    rs, fs = (ns.Izhikevich.PARAMETER_SETS[k] for k in ("RS", "FS"))
    par: dict[str, Any] = {
        k: np.r_[np.full(N_E, rs[k]), np.full(N - N_E, fs[k])] for k in "acd"
    }
    assert rs["b"] == fs["b"]
    par["b"] = rs["b"]
    return par


def weight_check(w_mv: np.ndarray) -> dict[str, Any]:
    """Summary of the final excitatory weights (mV)."""
    return {
        "w_mean_mv": float(w_mv.mean()), "w_sd_mv": float(w_mv.std()),
        "weight_hist": np.histogram(w_mv, bins=EDGES)[0].tolist(),
    }  # fmt: skip


def neurosim_sim(seed: int, backend: str) -> tuple[Any, Any, list, float]:
    """The network: ``(simulator, spike monitor, plastic connections, build s)``."""
    t0 = time.perf_counter()
    mv = ns.Izhikevich.time_unit  # a jump of J mV is the charge J * time_unit
    net = ns.Network(seed=seed)
    P = net.add(ns.NeuronGroup(N, ns.Izhikevich(**_izhikevich_params())))
    drive = net.add(ns.NeuronGroup(N, ns.PoissonSource(INPUT_RATE)))
    net.connect(drive, P, ns.OneToOne(W_IN * mv))
    rule = ns.learning.STDP(
        a_plus=A_PLUS * mv, a_minus=A_MINUS * mv, tau_plus=TAU_STDP,
        tau_minus=TAU_STDP, w_min=0.0, w_max=W_MAX * mv,
    )  # fmt: skip
    delays = ns.dists.Choice(np.arange(1, N_DELAYS + 1) * 1e-3)  # 1, ..., 20 ms
    plastic = [
        net.connect(P[:N_E], P, ns.Random(P_CONN, W_E * mv), delay=delays,
                    plasticity=rule)
    ]  # fmt: skip
    net.connect(P[N_E:], P, ns.Random(P_CONN, W_I * mv), delay=delays)
    spikes = net.monitor_spikes(P)
    sim = ns.Simulator(net, dt=DT, backend=backend, progress=False)
    return sim, spikes, plastic, time.perf_counter() - t0


def plastic_bytes(sim: Any, n_plastic: int) -> float:
    """Bytes per plastic synapse the loop keeps for the plastic connection.

    Its weights, column indices and delays (the itemsizes of the flat
    ``sdat``, ``sidx``, ``sdel`` arrays), the rule's column view (``pl_ix``:
    positions and presynaptic indices), its traces with their history
    (``trace``) and synapse variables (``syn``), which serve only the plastic
    connection.
    """
    a = sim._built.arrays  # the simulator's flat arrays (benchmark bookkeeping)
    per = sum(a[k].itemsize for k in ("sdat", "sidx", "sdel"))
    return per + sum(a[k].nbytes for k in ("pl_ix", "trace", "syn")) / n_plastic


def _brian2_objects(b2: Any) -> tuple[list, dict]:
    """The network in Brian2 (dimensionless v, u in mV; time in ms)."""
    b2.defaultclock.dt = DT * b2.second
    b2.seed(1)
    eqs = """dv/dt = (0.04*v**2 + 5*v + 140 - u) / ms : 1
             du/dt = a * (b*v - u) / ms : 1
             a : 1 (constant)
             b : 1 (constant)
             c : 1 (constant)
             d : 1 (constant)"""
    P = b2.NeuronGroup(N, eqs, threshold="v > 30", reset="v = c; u += d",
                       method="euler")  # fmt: skip
    for k, value in _izhikevich_params().items():
        setattr(P, k, value)
    P.v = -65.0
    P.u = "b * v"
    G = b2.PoissonGroup(N, INPUT_RATE * b2.Hz)
    S_in = b2.Synapses(G, P, on_pre=f"v_post += {W_IN!r}")
    S_in.connect(j="i")
    namespace = {"taus": TAU_STDP * b2.second, "Ap": A_PLUS, "Am": A_MINUS,
                 "wmax": W_MAX}  # fmt: skip
    Se = b2.Synapses(
        P[:N_E], P,
        model="""w : 1
                 dx/dt = -x / taus : 1 (event-driven)
                 dy/dt = -y / taus : 1 (event-driven)""",
        on_pre="""v_post += w
                  w = clip(w - Am * y, 0, wmax)
                  x += 1""",
        on_post="""w = clip(w + Ap * x, 0, wmax)
                   y += 1""",
        namespace=namespace,
    )  # fmt: skip
    Si = b2.Synapses(P[N_E:], P, "w : 1", on_pre="v_post += w")
    delay = f"(1 + floor({N_DELAYS} * rand())) * ms"
    for S, w in ((Se, W_E), (Si, W_I)):
        S.connect(p=P_CONN)
        S.w = w
        S.delay = delay
    mon = b2.SpikeMonitor(P)
    checks = {
        "spikes_e": lambda: int(np.sum(mon.count[:N_E])),
        "spikes_i": lambda: int(np.sum(mon.count[N_E:])),
        "n_synapses": lambda: int(len(Se) + len(Si) + len(S_in)),
        "weights": lambda: weight_check(np.asarray(Se.w[:])),
    }
    return [P, G, S_in, Se, Si, mon], checks


def _brian2_build(duration: float) -> None:
    """Build, compile and run the Brian2 project once; print its info."""
    from _common import brian2_build

    brian2_build(_brian2_objects, duration, 0)


def _rates(spike_counts: tuple[int, int], duration: float) -> dict[str, float]:
    n_e, n_i = spike_counts
    return {"rate_e_hz": n_e / (N_E * duration),
            "rate_i_hz": n_i / ((N - N_E) * duration)}  # fmt: skip


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--duration", type=float, default=None,
                   help="simulated s (default 10; 0.25 with --quick)")  # fmt: skip
    p.set_defaults(repeats=None)
    args = p.parse_args()
    duration = args.duration or (0.25 if args.quick else 10.0)
    repeats = args.repeats or (3 if duration <= 1.0 else 1)
    if args.brian2_build is not None:
        _brian2_build(duration)
        return
    log(f"plastic_izhikevich: n={N}, duration={duration} s")
    try:
        import brian2  # noqa: F401
    except ImportError:
        build = None
        emit({"bench": "plastic_izhikevich", "impl": "brian2-cpp_standalone",
              "skipped": "not installed"})  # fmt: skip
    else:  # the standalone device is process-global: built in a process of its own
        log("plastic_izhikevich: brian2 code generation, compile and first run")
        res = subprocess.run(
            [sys.executable, __file__, "--brian2-build", "0", "--duration",
             str(duration)],
            stdout=subprocess.PIPE, text=True, check=True,
        )  # fmt: skip
        build = json.loads(res.stdout.strip().splitlines()[-1])
    # run 0: a short warm-up, whose extra time is the compile (or cache load)
    sim, spikes, _, build0 = neurosim_sim(0, args.backend)
    t0 = time.perf_counter()
    sim.run(WARMUP)
    first = time.perf_counter() - t0
    ours, cpus, builds, peer = [], [], [], []
    for r in range(repeats):
        log(f"plastic_izhikevich: neurosim-{args.backend} run {r + 1}/{repeats}")
        sim, spikes, plastic, build_s = neurosim_sim(1, args.backend)
        builds.append(build_s)
        c0, t0 = time.process_time(), time.perf_counter()
        sim.run(duration)
        ours.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        if build is not None:  # interleaved: both share the machine's load
            log(f"plastic_izhikevich: brian2 run {r + 1}/{repeats}")
            peer.append(brian2_run_binary(build["directory"]))
    run_s, build_s = statistics.median(ours), statistics.median(builds)
    # the warm-up's extra time, in the simulator's build and in its first run
    compile_s = max(build0 - build_s + first - run_s * WARMUP / duration, 0.0)
    steps = round(duration / DT)
    idx = spikes.indices
    w = np.concatenate([sim.weights(c).data for c in plastic])
    w_mv = w / ns.Izhikevich.time_unit
    ours_check = {
        **_rates((int(np.sum(idx < N_E)), int(np.sum(idx >= N_E))), duration),
        "n_synapses": int(sim.n_synapses), **weight_check(w_mv),
        "plastic_bytes_per_synapse": plastic_bytes(sim, w.size),
    }  # fmt: skip
    params = {"n": N, "fan_in": N * P_CONN, "delays_ms": [1, N_DELAYS], "dt": DT,
              "duration_s": duration, "method": "euler", "threads": 1,
              "repeats": repeats}  # fmt: skip
    emit({
        "bench": "plastic_izhikevich", "impl": f"neurosim-{args.backend}",
        "params": params, "compile_s": compile_s, "build_s": build_s, "run_s": run_s,
        "cpu_s": statistics.median(cpus), "throughput": N * steps / run_s,
        "unit": "neuron-steps/s", "check": ours_check,
    })  # fmt: skip
    if build is None:
        return
    peer_s = statistics.median(peer)
    c = build["checks"]
    peer_check = {**_rates((c["spikes_e"], c["spikes_i"]), duration),
                  "n_synapses": c["n_synapses"], **c["weights"]}  # fmt: skip
    h_ours = np.asarray(ours_check["weight_hist"], float)
    h_peer = np.asarray(peer_check["weight_hist"], float)
    tv = 0.5 * np.abs(h_ours / h_ours.sum() - h_peer / h_peer.sum()).sum()
    peer_check["weight_hist_tv"] = float(tv)
    emit({
        "bench": "plastic_izhikevich", "impl": "brian2-cpp_standalone",
        "params": params, "compile_s": build["compile_s"], "run_s": peer_s,
        "cpu_s": peer_s, "throughput": N * steps / peer_s, "unit": "neuron-steps/s",
        "check": peer_check, "ratio": peer_s / statistics.median(cpus),
    })  # fmt: skip


if __name__ == "__main__":
    main()
