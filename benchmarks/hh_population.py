"""hh_population: N uncoupled classic HH neurons, distinct currents, 0.01 ms, 100 ms.

Prints one JSON line per implementation (see shared BENCHMARKS.md): neurosim
(CPU or CUDA, exponential Euler and RK4) and Brian2 cpp_standalone
(exponential_euler; without OpenMP and with as many threads as numba uses).
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
)

import neurosim as ns

DT = 1e-5  # s (0.01 ms)

EQS = """
dv/dt = (I - gna*m**3*h*(v - ENa) - gk*n**4*(v - EK) - gl*(v - El)) / Cm : volt
dm/dt = am*(1 - m) - bm*m : 1
dh/dt = ah*(1 - h) - bh*h : 1
dn/dt = an*(1 - n) - bn*n : 1
am = 0.1/mV*(v + 40*mV)/(1 - exp(-(v + 40*mV)/(10*mV)))/ms : Hz
bm = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
ah = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
bh = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
an = 0.01/mV*(v + 55*mV)/(1 - exp(-(v + 55*mV)/(10*mV)))/ms : Hz
bn = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp (constant)
"""


def currents(n: int) -> np.ndarray:
    """Distinct constant current densities 0..30 uA/cm^2 (silent to ~100 Hz)."""
    return np.linspace(0.0, 30.0, n)


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _brian2_objects(b2, n):
    b2.defaultclock.dt = DT * b2.second
    hh = ns.HodgkinHuxley()
    ms, mV, ufarad = b2.msiemens, b2.mV, b2.ufarad
    G = b2.NeuronGroup(
        n, EQS, threshold="v > -20*mV", refractory="v > -20*mV",
        method="exponential_euler",
        namespace={"gna": hh.g_na * ms, "gk": hh.g_k * ms, "gl": hh.g_l * ms,
                   "ENa": hh.e_na * mV, "EK": hh.e_k * mV, "El": hh.e_l * mV,
                   "Cm": hh.C * ufarad},
    )  # fmt: skip
    V0, m0, h0, n0 = hh.initial_state()
    G.v = V0 * mV
    G.m, G.h, G.n = m0, h0, n0
    G.I = currents(n) * b2.uA  # per cm^2 of the 1 uF (= 1 cm^2) membrane
    mon = b2.SpikeMonitor(G)
    return [G, mon], {"spikes": lambda: int(mon.num_spikes)}


def main() -> None:
    args = parser(__doc__).parse_args()
    n = 10_000
    t_end = 0.02 if args.quick else 0.1
    if args.brian2_build is not None:
        brian2_build(lambda b2: _brian2_objects(b2, n), t_end, args.brian2_build)
        return
    log(f"hh_population: n={n}, t_end={t_end}")
    try:
        import brian2  # noqa: F401
    except ImportError:
        builds = {}
        emit({"bench": "hh_population", "impl": "brian2-cpp_standalone",
              "skipped": "not installed"})  # fmt: skip
    else:
        builds = brian2_builds(__file__, args.quick)
    hh = ns.HodgkinHuxley()
    I = currents(n)
    for method in ("exponential_euler", "rk4"):
        kw = dict(dt=DT, backend=args.backend, method=method, record_v=False)
        t0 = time.perf_counter()
        ns.simulate_neurons(hh, I[:8], t_end=10 * DT, **kw)
        compile_s = time.perf_counter() - t0
        # Brian2 uses exponential Euler: its binaries alternate with that case.
        run_s, cpu_s, rec, peer_s = interleaved(
            lambda kw=kw: ns.simulate_neurons(hh, I, t_end=t_end, **kw),
            builds if method == "exponential_euler" else {},
            args.repeats,
        )
        emit({
            "bench": "hh_population", "impl": f"neurosim-{args.backend}",
            "params": {"n": n, "dt": DT, "t_end": t_end, "method": method,
                       "threads": _threads()},
            "compile_s": compile_s, "run_s": run_s, "cpu_s": cpu_s,
            "throughput": n * rec.t.size / run_s, "unit": "neuron-steps/s",
            "check": {"spikes": int(rec.spike_counts.sum())},
        })  # fmt: skip
        for threads, info in builds.items() if method == "exponential_euler" else ():
            emit({
                "bench": "hh_population", "impl": "brian2-cpp_standalone",
                "params": {"n": n, "dt": DT, "t_end": t_end,
                           "method": "exponential_euler", "threads": threads},
                "compile_s": info["compile_s"],
                **peer_times(threads, peer_s[threads], cpu_s),
                "throughput": n * round(t_end / DT) / peer_s[threads],
                "unit": "neuron-steps/s", "check": info["checks"],
            })  # fmt: skip


def _threads() -> int:
    import numba

    return numba.get_num_threads()


if __name__ == "__main__":
    main()
