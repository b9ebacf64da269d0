"""lif_population: N uncoupled LIF neurons, constant distinct currents, dt 0.1 ms, 1 s.

Prints one JSON line per implementation (see shared BENCHMARKS.md): neurosim
(CPU or CUDA), Brian2 cpp_standalone (without OpenMP and with as many threads
as numba uses),
Brian2's numpy runtime (a shorter run), and a numpy triad as the memory
bandwidth ceiling of a time-outer loop.
"""

from __future__ import annotations

import time

import numpy as np
from _common import (
    brian2_build,
    brian2_builds,
    emit,
    interleaved,
    log,
    parser,
    peer_times,
    timed,
)

import neurosim as ns

TAU_RC, TAU_REF, DT = 0.02, 0.002, 1e-4


def currents(n: int) -> np.ndarray:
    """Distinct constant currents 0.5..3 (about half the neurons fire, up to 120 Hz)."""
    return np.linspace(0.5, 3.0, n)


def bench_neurosim_and_brian2(n, t_end, backend, repeats, builds):
    """neurosim, alternating with the Brian2 standalone binaries in ``builds``."""
    lif = ns.LIF(TAU_RC, TAU_REF)
    J = currents(n)
    t0 = time.perf_counter()
    ns.simulate_neurons(lif, J[:8], dt=DT, t_end=10 * DT, backend=backend,
                        record_v=False)  # fmt: skip
    compile_s = time.perf_counter() - t0

    def run():
        return ns.simulate_neurons(
            lif, J, dt=DT, t_end=t_end, backend=backend, record_v=False
        )

    run_s, cpu_s, rec, peer_s = interleaved(run, builds, repeats)
    steps = n * rec.t.size
    emit({
        "bench": "lif_population", "impl": f"neurosim-{backend}",
        "params": {"n": n, "dt": DT, "t_end": t_end, "threads": _threads()},
        "compile_s": compile_s, "run_s": run_s, "cpu_s": cpu_s,
        "throughput": steps / run_s, "unit": "neuron-steps/s",
        "check": {"spikes": int(rec.spike_counts.sum()),
                  "mean_rate_hz": float(rec.spike_counts.mean() / t_end)},
    })  # fmt: skip
    for threads, info in builds.items():
        spikes = info["checks"]["spikes"]
        emit({
            "bench": "lif_population", "impl": "brian2-cpp_standalone",
            "params": {"n": n, "dt": DT, "t_end": t_end, "threads": threads},
            "compile_s": info["compile_s"],
            **peer_times(threads, peer_s[threads], cpu_s),
            "throughput": steps / peer_s[threads], "unit": "neuron-steps/s",
            "check": {"spikes": spikes, "mean_rate_hz": spikes / n / t_end},
        })  # fmt: skip


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _brian2_model(b2, n):
    G = b2.NeuronGroup(
        n, "dv/dt = (J - v) / tau : 1 (unless refractory)\nJ : 1 (constant)",
        threshold="v > 1", reset="v = 0", refractory=TAU_REF * b2.second,
        method="exact", namespace={"tau": TAU_RC * b2.second},
    )  # fmt: skip
    G.J = currents(n)
    return G, b2.SpikeMonitor(G)


def bench_brian2_numpy(n, t_end, repeats):
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.second
    G, mon = _brian2_model(b2, n)
    net = b2.Network(G, mon)
    t0 = time.perf_counter()
    net.run(10 * DT * b2.second)
    compile_s = time.perf_counter() - t0
    run_s, _ = timed(lambda: net.run(t_end * b2.second), repeats)
    steps = n * round(t_end / DT)
    emit({
        "bench": "lif_population", "impl": "brian2-numpy",
        "params": {"n": n, "dt": DT, "t_end": t_end, "threads": 1},
        "compile_s": compile_s, "run_s": run_s, "throughput": steps / run_s,
        "unit": "neuron-steps/s",
        "check": {"spikes_total_all_repeats": int(mon.num_spikes)},
    })  # fmt: skip


def bench_triad(n, n_steps, repeats):
    """``a = b + s * c`` over n-element arrays, once per step: the memory ceiling."""
    b, c = np.ones(n), np.ones(n)
    a = np.empty(n)

    def run():
        for _ in range(n_steps):
            np.multiply(c, 0.5, out=a)
            np.add(a, b, out=a)

    run_s, _ = timed(run, repeats)
    emit({
        "bench": "lif_population", "impl": "numpy-triad",
        "params": {"n": n, "n_steps": n_steps},
        "compile_s": 0.0, "run_s": run_s, "throughput": n * n_steps / run_s,
        "unit": "neuron-steps/s", "check": {"bytes_per_step": 3 * 8 * n},
    })  # fmt: skip


def main() -> None:
    args = parser(__doc__).parse_args()
    n = 100_000
    t_end = 0.1 if args.quick else 1.0
    if args.brian2_build is not None:

        def build(b2):
            b2.defaultclock.dt = DT * b2.second
            G, mon = _brian2_model(b2, n)
            return [G, mon], {"spikes": lambda: int(mon.num_spikes)}

        brian2_build(build, t_end, args.brian2_build)
        return
    log(f"lif_population: n={n}, t_end={t_end}")
    try:
        import brian2  # noqa: F401
    except ImportError:
        builds = {}
        for impl in ("brian2-cpp_standalone", "brian2-numpy"):
            emit({"bench": "lif_population", "impl": impl, "skipped": "not installed"})
    else:
        builds = brian2_builds(__file__, args.quick)
    bench_neurosim_and_brian2(n, t_end, args.backend, args.repeats, builds)
    if builds:
        bench_brian2_numpy(n, 0.02 if args.quick else 0.1, args.repeats)
    bench_triad(n, 100 if args.quick else 1000, args.repeats)


if __name__ == "__main__":
    main()
