"""GPU suite: smoke check, tests/cuda on the device, benchmarks beside ceilings.

One command for a machine with an NVIDIA GPU, run from the checkout (installs
nothing)::

    PYTHONPATH=. python benchmarks/gpu_suite.py --out DIR

1. **Preflight**: refuses (exit 2, reason in ``DIR/env.json``) without a real
   GPU, under ``NUMBA_ENABLE_CUDASIM=1``, or if ``backend="auto"`` would not
   pick the GPU; records device, driver and package versions.
2. **Smoke** (about a minute): one small run of every kernel of the package
   on the device (LIF and HH populations, the LTI synapse, a network that
   reaches every network kernel, the ceiling kernels); fails if a registered
   kernel did not run on the device.
3. **tests/cuda on the device** (no simulator): the CPU-vs-CUDA parity tests
   with the device tolerance (``NEUROSIM_DEVICE_ULPS``); log in
   ``DIR/tests_cuda.log``.
4. **Benchmarks**, each beside the CPU backend on the same workload (the CPU
   over a short biological time, normalised per step), and the ceilings of the
   same run: a device-to-device copy, an atomic-scatter microbenchmark of the
   network's size, and float32/float64 FMA peaks. Workloads: uncoupled LIF
   (10^6 and 10^7 neurons), HH (10^6), CUBA scaled up (10^5 neurons, fan-in
   1,000: 10^8 synapses), COBAHH scaled up (10^5 Traub-Miles neurons with
   conductance ports, fan-in 80).
5. **Crossover** of ``backend="auto"``: CUBA (fan-in 80) at 1,000, 4,000,
   16,000 and 64,000 neurons on both backends, warm; prints the size from
   which the GPU is faster, the value to give ``NEUROSIM_GPU_MIN_NEURONS``
   (the default is a placeholder until this has run on a GPU).

Every case prints one JSON line (``DIR/results.jsonl``) and the suite ends
with a table (``DIR/table.md``): neuron-steps/s, wall seconds per biological
second, synaptic events/s, fraction of the ceiling, GPU/CPU ratio, peak device
memory (NVML, when available). A GPU case whose backend is not ``"cuda"``,
or whose kernels did not run on the device, fails the suite (exit 1), as does
running past ``--budget-s`` (default 300 s).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Hand count of the common (non-refractory) LIF update ``v + (J - v) * full``:
#: one subtraction and one fused multiply-add, 3 flops.
LIF_FLOPS_PER_STEP = 3
DT_LIF, DT_HH = 1e-4, 1e-5


class SuiteFailure(RuntimeError):
    """Something ran on the CPU, did not run, or gave a wrong result."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    p.add_argument("--out", type=Path,
                   default=ROOT / "benchmarks" / "output" / f"gpu_suite-{stamp}",
                   help="folder of results.jsonl, table.md, env.json")  # fmt: skip
    p.add_argument("--quick", action="store_true",
                   help="sizes 100x smaller (checks the suite, seconds)")  # fmt: skip
    p.add_argument("--skip-tests", action="store_true", help="skip tests/cuda")
    p.add_argument("--cpu-threads", type=int, default=2,
                   help="numba threads of the CPU backend compared")  # fmt: skip
    p.add_argument("--budget-s", type=float, default=300.0,
                   help="fail when the suite runs longer (default 300)")  # fmt: skip
    args = p.parse_args(argv)
    if args.cpu_threads < 1:
        p.error(f"--cpu-threads: must be >= 1 (got {args.cpu_threads})")
    if args.budget_s <= 0:
        p.error(f"--budget-s: must be > 0 (got {args.budget_s})")
    return args


# --------------------------------------------------------------------------
# preflight


def preflight() -> tuple[dict[str, Any], str | None]:
    """Device and versions, and why the suite cannot run here (None if it can)."""
    import numba

    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return env, "NUMBA_ENABLE_CUDASIM is set: the simulator is not a GPU"
    try:
        from importlib.metadata import version

        from numba import cuda

        env["numba_cuda"] = version("numba-cuda")
    except Exception as exc:  # numba-cuda missing
        return env, f"numba-cuda is not importable ({exc})"
    try:
        available = cuda.is_available()
    except Exception as exc:  # a broken driver
        return env, f"no usable CUDA driver ({exc})"
    if not available:
        return env, "no CUDA GPU (numba.cuda.is_available() is False)"
    dev = cuda.get_current_device()
    free, total = cuda.current_context().get_memory_info()
    env.update(
        device=dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name),
        compute_capability=list(dev.compute_capability),
        driver=".".join(map(str, cuda.cudadrv.driver.driver.get_version())),
        runtime=".".join(map(str, cuda.runtime.get_version())),
        memory_total_mib=total / 2**20,
        memory_free_mib=free / 2**20,
        sms=dev.MULTIPROCESSOR_COUNT,
    )
    from neurosim._jit import resolve_backend

    if resolve_backend("auto") != "cuda":
        return env, 'backend="auto" does not pick the GPU'
    return env, None


# --------------------------------------------------------------------------
# helpers


class Recorder:
    """JSON lines to stdout and ``results.jsonl``; rows for the table."""

    def __init__(self, out: Path) -> None:
        self.path = out / "results.jsonl"
        self.records: list[dict[str, Any]] = []

    def emit(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        line = json.dumps(record)
        print(line, flush=True)
        with self.path.open("a") as f:
            f.write(line + "\n")


def log(msg: str) -> None:
    """Progress on stderr (stdout carries the JSON lines)."""
    print(msg, file=sys.stderr, flush=True)


@contextlib.contextmanager
def peak_device_memory() -> Iterator[dict[str, float]]:
    """Sample the device's used memory (NVML) every 5 ms; ``peak_mib`` at exit."""
    box = {"peak_mib": float("nan")}
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    except Exception:  # no NVML: peak memory is reported as NaN
        yield box
        return
    stop = threading.Event()
    peak = [0.0]

    def sample() -> None:
        while not stop.is_set():
            used = pynvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20
            peak[0] = max(peak[0], used)
            stop.wait(0.005)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        yield box
    finally:
        stop.set()
        th.join()
        box["peak_mib"] = peak[0]


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls (after none: callers warm up)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def cuda_timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median device time of ``fn`` (CUDA events around it), in seconds."""
    from numba import cuda

    times = []
    for _ in range(repeats):
        t0, t1 = cuda.event(), cuda.event()
        t0.record()
        fn()
        t1.record()
        t1.synchronize()
        times.append(t0.elapsed_time(t1) / 1e3)  # ms
    return statistics.median(times)


def ran_on_device(keys: list[str]) -> list[str]:
    """The kernels among ``keys`` with no compiled device code (did not run)."""
    from neurosim import _jit

    return [k for k in keys if not _jit.CUDA_KERNELS[k].kernel.overloads]


def kernels_of(module: str) -> list[str]:
    """Registered kernel keys of ``module`` (imported first)."""
    import importlib

    from neurosim import _jit

    importlib.import_module(module)
    return [k for k in _jit.CUDA_KERNELS if k.startswith(module + ":")]


# --------------------------------------------------------------------------
# 2. smoke


def smoke(rec: Recorder) -> None:
    """One small device run per kernel; every registered kernel must have run."""
    import neurosim as ns
    from neurosim import _jit
    from neurosim.kernels import ceilings_cuda as C
    from neurosim.kernels.compile_gate import discover

    t0 = time.perf_counter()
    discover()  # every kernel module imported, so every kernel is listed
    r = ns.simulate_neurons(ns.LIF(), np.linspace(0.5, 3, 1000), t_end=0.05,
                            backend="cuda")  # fmt: skip
    if r.backend != "cuda":
        raise SuiteFailure(f"LIF smoke ran on {r.backend}")
    r = ns.simulate_neurons(ns.HodgkinHuxley(), np.linspace(0, 20, 1000), dt=DT_HH,
                            t_end=0.005, backend="cuda")  # fmt: skip
    if r.backend != "cuda":
        raise SuiteFailure(f"HH smoke ran on {r.backend}")
    from neurosim.kernels.synapses_cuda import lti_run_cuda

    A, B, Cm, D = ns.Alpha(0.005).discretize(1e-3, method="impulse")
    u = np.random.default_rng(0).normal(size=(100, 1000))
    lti_run_cuda(A, B, Cm, D, u, np.zeros((A.shape[0], 1000)))
    sys.path.insert(0, str(ROOT / "tests" / "cuda"))
    from test_model_groups_parity import _network as _model_groups
    from test_network_parity import _network  # every network kernel and branch
    from test_plasticity_cuda import _network as _plastic

    # every network kernel and branch; the zoo's NeuronModel group kernels;
    # the plasticity kernels of every rule kind
    nets = [_network(target)[0] for target in ("lif_neuron_cond", "hh",
                                                "lif_neuron_fused")]  # fmt: skip
    nets += [_model_groups()[0], _plastic()[0]]
    for net in nets:
        sim = ns.Simulator(net, dt=1e-4, backend="cuda", progress=False)
        if sim.backend != "cuda":
            raise SuiteFailure(f"network smoke ran on {sim.backend}")
        sim.run(0.01)
    from numba import cuda

    for dtype in (np.float32, np.float64):
        out = cuda.to_device(np.ones(1024, dtype))
        C.fma_chains(10, out, 8, 128)
        idx = cuda.to_device(np.arange(1024) % 7)
        C.scatter_add(idx, out, cuda.to_device(np.zeros(7, dtype)), 8, 128)
    cuda.synchronize()
    missing = ran_on_device(list(_jit.CUDA_KERNELS))
    if missing:
        raise SuiteFailure(f"kernels that did not run on the device: {missing}")
    rec.emit({"bench": "smoke", "impl": "neurosim-cuda",
              "kernels": sorted(_jit.CUDA_KERNELS),
              "run_s": time.perf_counter() - t0})  # fmt: skip


# --------------------------------------------------------------------------
# 3. tests/cuda on the device


def device_tests(out: Path, timeout: float) -> None:
    """``pytest tests/cuda`` without the simulator; fails on any failure or skip."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))  # fmt: skip
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           str(ROOT / "tests" / "cuda")]  # fmt: skip
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=timeout)  # fmt: skip
    (out / "tests_cuda.log").write_text(res.stdout + res.stderr)
    tail = (res.stdout + res.stderr).strip().splitlines()[-1:]
    log(f"tests/cuda on the device: {tail} ({time.perf_counter() - t0:.0f} s)")
    if res.returncode != 0 or "skipped" in res.stdout:
        raise SuiteFailure(f"tests/cuda on the device: {tail} (see tests_cuda.log)")


# --------------------------------------------------------------------------
# 4. benchmarks


def _d2d_copy(nbytes: int) -> float:
    """Seconds of one device-to-device copy of ``nbytes`` (median of 10)."""
    from numba import cuda

    src = cuda.device_array(nbytes, np.uint8)
    dst = cuda.device_array(nbytes, np.uint8)
    return cuda_timed(lambda: dst.copy_to_device(src), 10)


def _scatter(n_targets: int, n_events: int, dtype: type, blocks: int) -> float:
    """Seconds of one atomic scatter of ``n_events`` unit weights (median of 5)."""
    from numba import cuda

    from neurosim.kernels import ceilings_cuda as C

    rng = np.random.default_rng(0)
    idx = cuda.to_device(rng.integers(0, n_targets, n_events))
    w = cuda.to_device(np.ones(n_events, dtype))
    tgt = cuda.to_device(np.zeros(n_targets, dtype))
    C.scatter_add(idx, w, tgt, blocks, 256)  # compile and warm up
    s = cuda_timed(lambda: C.scatter_add(idx, w, tgt, blocks, 256), 5)
    total = tgt.copy_to_host().sum()
    expect = 6.0 * n_events  # 1 warm-up + 5 timed launches of unit weights
    if abs(total - expect) > 1e-3 * expect:
        raise SuiteFailure(f"atomic scatter summed {total}, expected {expect}")
    return s


def _fma(dtype: type, blocks: int, n_iter: int = 20000) -> float:
    """Flop/s of the FMA chains (median of 3)."""
    from numba import cuda

    from neurosim.kernels import ceilings_cuda as C

    out = cuda.to_device(np.ones(blocks * 256, dtype))
    C.fma_chains(10, out, blocks, 256)  # compile and warm up
    s = cuda_timed(lambda: C.fma_chains(n_iter, out, blocks, 256), 3)
    return 2 * C.N_CHAINS * n_iter * blocks * 256 / s


def bench_ceilings(rec: Recorder, n_targets: int, n_events: int) -> dict[str, float]:
    """Device-to-device copy, atomic scatter and FMA peaks (same run)."""
    from numba import cuda

    blocks = 32 * cuda.get_current_device().MULTIPROCESSOR_COUNT
    ceil: dict[str, float] = {}
    nbytes = 4 * n_events  # the size of a float32 event array
    s = _d2d_copy(nbytes)
    ceil["d2d_gbs"] = 2 * nbytes / s / 1e9
    rec.emit({"bench": "ceiling_d2d_copy", "impl": "numba-cuda",
              "params": {"bytes": nbytes}, "run_s": s,
              "throughput": ceil["d2d_gbs"],
              "unit": "GB/s (read + write)"})  # fmt: skip
    for dtype in ("float32", "float64"):
        s = _scatter(n_targets, n_events, np.dtype(dtype).type, blocks)
        ceil[f"scatter_{dtype}"] = n_events / s
        rec.emit({"bench": "ceiling_atomic_scatter", "impl": "numba-cuda",
                  "params": {"targets": n_targets, "events": n_events,
                             "dtype": dtype},
                  "run_s": s, "throughput": n_events / s,
                  "unit": "events/s"})  # fmt: skip
    for dtype in ("float32", "float64"):
        ceil[f"fma_{dtype}"] = _fma(np.dtype(dtype).type, blocks)
        rec.emit({"bench": "ceiling_fma", "impl": "numba-cuda",
                  "params": {"threads": blocks * 256, "dtype": dtype},
                  "throughput": ceil[f"fma_{dtype}"],
                  "unit": "flop/s"})  # fmt: skip
    return ceil


def _populations(
    rec, model_name, n_gpu_list, gpu_steps, cpu_steps, dt, ceil, cpu_threads
):
    """Uncoupled LIF or HH: GPU at each size, CPU at the first size (fewer steps)."""
    import numba

    import neurosim as ns

    model = ns.LIF(0.02, 0.002) if model_name == "lif" else ns.HodgkinHuxley()
    current = (lambda n: np.linspace(0.5, 3.0, n)) if model_name == "lif" else (
        lambda n: np.linspace(2.0, 20.0, n))  # fmt: skip
    keys = kernels_of(f"neurosim.kernels.{model_name}_cuda")

    def run(n, steps, backend):
        return ns.simulate_neurons(model, current(n), dt=dt, t_end=steps * dt,
                                   backend=backend, record_v=False)  # fmt: skip

    run(64, 10, "cuda")  # compile
    run(64, 10, "cpu")
    cpu_rate = None
    for n in n_gpu_list:
        with peak_device_memory() as mem:
            s, r = timed(lambda n=n: run(n, gpu_steps, "cuda"), 3)
        if r.backend != "cuda" or ran_on_device(keys):
            raise SuiteFailure(f"{model_name} {n}: did not run on the GPU")
        rate = n * gpu_steps / s
        if cpu_rate is None:
            saved = numba.get_num_threads()
            numba.set_num_threads(min(cpu_threads, numba.config.NUMBA_NUM_THREADS))
            try:
                cs, cr = timed(lambda n=n: run(n, cpu_steps, "cpu"), 1)
            finally:
                numba.set_num_threads(saved)
            cpu_rate = n * cpu_steps / cs
            rec.emit({"bench": f"{model_name}_population", "impl": "neurosim-cpu",
                      "params": {"n": n, "steps": cpu_steps, "dt": dt,
                                 "threads": cpu_threads},
                      "run_s": cs, "throughput": cpu_rate, "unit": "neuron-steps/s",
                      "wall_per_bio_s": cs / (cpu_steps * dt),
                      "check": {"spikes": int(cr.spike_counts.sum())}})  # fmt: skip
        record = {"bench": f"{model_name}_population", "impl": "neurosim-cuda",
                  "params": {"n": n, "steps": gpu_steps, "dt": dt},
                  "run_s": s, "throughput": rate, "unit": "neuron-steps/s",
                  "wall_per_bio_s": s / (gpu_steps * dt),
                  "gpu_cpu_ratio": rate / cpu_rate,
                  "peak_device_mib": mem["peak_mib"],
                  "check": {"spikes": int(r.spike_counts.sum())}}  # fmt: skip
        if model_name == "lif":
            for prec in ("float64", "float32"):
                record[f"fraction_of_fma_{prec}"] = (
                    rate * LIF_FLOPS_PER_STEP / ceil[f"fma_{prec}"]
                )
        rec.emit(record)


def _cuba_network(n: int, fan_in: int, backend: str):
    """Brette et al. CUBA scaled to ``n`` neurons, weights scaled by ``80 / fan_in``."""
    import neurosim as ns

    rng = np.random.default_rng(1)
    n_e = int(0.8 * n)
    p = fan_in / n
    k = 80.0 / fan_in  # the original's fan-in is 80 (4,000 x 0.02)
    net = ns.Network(seed=1)
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=-0.049, v_th=-0.050, v_reset=-0.060,
                        tau_ref=0.005)  # fmt: skip
    P = net.add(ns.NeuronGroup(n, cell, v0=-0.060 + rng.random(n) * 0.010))
    net.connect(P[:n_e], P, ns.Random(p, 1.62e-3 * 0.005 * k), ns.Lowpass(0.005))
    net.connect(P[n_e:], P, ns.Random(p, -9e-3 * 0.010 * k), ns.Lowpass(0.010))
    spikes = net.monitor_spikes(P)
    return ns.Simulator(net, dt=1e-4, backend=backend, progress=False), spikes


def bench_cuba(rec, n, fan_in, gpu_s, cpu_s, ceil, cpu_threads) -> None:
    """Scaled CUBA: synaptic events/s against the atomic-scatter ceiling."""
    import numba

    from neurosim.sim import backends

    t0 = time.perf_counter()
    sim, spikes = _cuba_network(n, fan_in, "cuda")
    build_s = time.perf_counter() - t0
    # the same built network on the CPU backend: a copy (one deepcopy keeps the
    # monitor shared with its simulator), so 10^8 synapses are built once
    cpu, cpu_spikes = copy.deepcopy((sim, spikes))
    cpu.backend, cpu._run = "cpu", backends.BACKENDS["cpu"]
    keys = kernels_of("neurosim.kernels.network_cuda")
    with peak_device_memory() as mem:
        t0 = time.perf_counter()
        sim.run(gpu_s)
        s = time.perf_counter() - t0
    if sim.backend != "cuda" or ran_on_device(keys):
        raise SuiteFailure("CUBA did not run on the GPU")
    n_spk = spikes.indices.size
    events = n_spk * fan_in
    saved = numba.get_num_threads()
    numba.set_num_threads(min(cpu_threads, numba.config.NUMBA_NUM_THREADS))
    try:
        t0 = time.perf_counter()
        cpu.run(cpu_s)
        cs = time.perf_counter() - t0
    finally:
        numba.set_num_threads(saved)
    steps_g, steps_c = round(gpu_s / 1e-4), round(cpu_s / 1e-4)
    # both backends simulate the same network: the same spikes over the CPU's
    # steps (a device's fused multiply-adds may move a rare one by a step)
    same = {"cpu_spikes": int(cpu_spikes.indices.size),
            "gpu_spikes_same_steps": int((spikes.steps < steps_c).sum())}  # fmt: skip
    rec.emit({"bench": "cuba_scaled", "impl": "neurosim-cpu",
              "params": {"n": n, "fan_in": fan_in, "steps": steps_c,
                         "threads": cpu_threads},
              "run_s": cs, "wall_per_bio_s": cs / cpu_s,
              "throughput": n * steps_c / cs, "unit": "neuron-steps/s",
              "check": same})  # fmt: skip
    rec.emit({"bench": "cuba_scaled", "impl": "neurosim-cuda",
              "params": {"n": n, "fan_in": fan_in, "steps": steps_g,
                         "synapses": sim.n_synapses},
              "build_s": build_s, "run_s": s, "wall_per_bio_s": s / gpu_s,
              "throughput": n * steps_g / s, "unit": "neuron-steps/s",
              "events_per_s": events / s,
              "fraction_of_scatter_ceiling": events / s / ceil["scatter_float64"],
              "gpu_cpu_ratio": (n * steps_g / s) / (n * steps_c / cs),
              "peak_device_mib": mem["peak_mib"],
              "check": {"spikes": n_spk, "rate_hz": n_spk / n / gpu_s}})  # fmt: skip


def _cobahh_network(n: int, backend: str):
    """Brian2's COBAHH (``benchmarks/cobahh.py``) scaled to ``n`` neurons, fan-in 80."""
    import neurosim as ns

    rng = np.random.default_rng(1)
    n_e, p = int(0.8 * n), 80.0 / n  # the original: 4,000 x 0.02
    net = ns.Network(seed=1)
    P = net.add(ns.NeuronGroup(n, ns.TraubMiles(),
                               v0=-60.0 + rng.standard_normal(n) * 5 - 5))  # fmt: skip
    net.connect(P[:n_e], P, ns.Random(p, 6.0 * 5e-3), ns.Lowpass(5e-3), port="ge")
    net.connect(P[n_e:], P, ns.Random(p, 67.0 * 10e-3), ns.Lowpass(10e-3), port="gi")
    spikes = net.monitor_spikes(P)
    sim = ns.Simulator(net, dt=1e-4, backend=backend, progress=False)
    sim.set_state(P, "ge", (rng.standard_normal(n) * 1.5 + 4) * 10.0)
    sim.set_state(P, "gi", (rng.standard_normal(n) * 12 + 20) * 10.0)
    return sim, spikes


def bench_cobahh(rec, n, gpu_s, cpu_s, cpu_threads) -> None:
    """Scaled COBAHH (Traub-Miles, conductance ports) beside the CPU backend."""
    import numba

    t0 = time.perf_counter()
    sim, spikes = _cobahh_network(n, "cuda")
    build_s = time.perf_counter() - t0
    sim.run(1e-4)  # compiles the generated kernels: not timed
    with peak_device_memory() as mem:
        t0 = time.perf_counter()
        sim.run(gpu_s)
        s = time.perf_counter() - t0
    group_keys = [k for k in _jit_keys() if "TraubMiles" in k]
    if sim.backend != "cuda" or not group_keys or ran_on_device(group_keys):
        raise SuiteFailure("COBAHH did not run on the GPU")
    cpu, _cpu_spikes = _cobahh_network(n, "cpu")
    saved = numba.get_num_threads()
    numba.set_num_threads(min(cpu_threads, numba.config.NUMBA_NUM_THREADS))
    try:
        cpu.run(1e-4)  # compiles the generated loop: not timed
        t0 = time.perf_counter()
        cpu.run(cpu_s)
        cs = time.perf_counter() - t0
    finally:
        numba.set_num_threads(saved)
    steps_g, steps_c = round(gpu_s / 1e-4), round(cpu_s / 1e-4)
    n_spk = int((spikes.steps >= 1).sum())  # the timed steps' spikes
    rec.emit({"bench": "cobahh_scaled", "impl": "neurosim-cpu",
              "params": {"n": n, "fan_in": 80, "steps": steps_c,
                         "threads": cpu_threads},
              "run_s": cs, "wall_per_bio_s": cs / cpu_s,
              "throughput": n * steps_c / cs, "unit": "neuron-steps/s"})  # fmt: skip
    rec.emit({"bench": "cobahh_scaled", "impl": "neurosim-cuda",
              "params": {"n": n, "fan_in": 80, "steps": steps_g},
              "build_s": build_s, "run_s": s, "wall_per_bio_s": s / gpu_s,
              "throughput": n * steps_g / s, "unit": "neuron-steps/s",
              "events_per_s": n_spk * 80 / s,
              "gpu_cpu_ratio": (n * steps_g / s) / (n * steps_c / cs),
              "peak_device_mib": mem["peak_mib"],
              "check": {"spikes": n_spk, "rate_hz": n_spk / n / gpu_s}})  # fmt: skip


def _jit_keys() -> list[str]:
    from neurosim import _jit

    return list(_jit.CUDA_KERNELS)


def suggest_threshold(
    sizes: list[int], gpu_rates: list[float], cpu_rates: list[float]
) -> int:
    """The network size from which the GPU is faster (``GPU_MIN_NEURONS``).

    ``sizes`` increase; the rates are steps per second at each size. The GPU
    wins from the first size after which it stays faster; between that size
    and the one before it the crossing is interpolated on log-log axes (the
    ratio GPU/CPU grows about as a power of the size). Returns the smallest
    size if the GPU wins everywhere, and twice the largest if it never does.
    """
    ratio = np.log(np.asarray(gpu_rates) / np.asarray(cpu_rates))
    wins = ratio > 0
    if not wins[-1]:
        return 2 * sizes[-1]
    first = len(sizes) - int(np.argmin(wins[::-1])) if not wins.all() else 0
    if first == 0:
        return sizes[0]
    x0, x1 = np.log(sizes[first - 1]), np.log(sizes[first])
    r0, r1 = ratio[first - 1], ratio[first]
    return int(round(float(np.exp(x0 + (x1 - x0) * r0 / (r0 - r1)))))


def bench_crossover(rec, sizes, gpu_steps, cpu_steps, cpu_threads) -> int:
    """CUBA (fan-in 80) at several sizes, CPU against GPU: where auto switches.

    Each backend runs the same built network after a warm-up run (compiled
    kernels, state on the device); the rate is steps per wall second. Emits
    one line per size and backend and one ``auto_crossover`` line with the
    suggested ``NEUROSIM_GPU_MIN_NEURONS``; returns it.
    """
    import numba

    from neurosim import _config
    from neurosim.sim import backends

    keys = kernels_of("neurosim.kernels.network_cuda")
    gpu_rates, cpu_rates = [], []
    for n in sizes:
        sim, _spikes = _cuba_network(n, min(80, n // 2), "cuda")
        cpu, _cpu_spikes = copy.deepcopy((sim, _spikes))  # before any device state
        cpu.backend, cpu._run = "cpu", backends.BACKENDS["cpu"]
        sim.run(10 * 1e-4)  # compile, and the state onto the device
        t0 = time.perf_counter()
        sim.run(gpu_steps * 1e-4)
        s = time.perf_counter() - t0
        if sim.backend != "cuda" or ran_on_device(keys):
            raise SuiteFailure(f"CUBA {n}: did not run on the GPU")
        saved = numba.get_num_threads()
        numba.set_num_threads(min(cpu_threads, numba.config.NUMBA_NUM_THREADS))
        try:
            cpu.run(10 * 1e-4)
            t0 = time.perf_counter()
            cpu.run(cpu_steps * 1e-4)
            cs = time.perf_counter() - t0
        finally:
            numba.set_num_threads(saved)
        gpu_rates.append(gpu_steps / s)
        cpu_rates.append(cpu_steps / cs)
        for impl, steps, t in (("neurosim-cpu", cpu_steps, cs),
                               ("neurosim-cuda", gpu_steps, s)):  # fmt: skip
            rec.emit({"bench": "auto_crossover_cuba", "impl": impl,
                      "params": {"n": n, "fan_in": min(80, n // 2), "steps": steps},
                      "run_s": t, "throughput": n * steps / t,
                      "unit": "neuron-steps/s", "wall_per_bio_s": t / (steps * 1e-4),
                      "gpu_cpu_ratio": gpu_rates[-1] / cpu_rates[-1]})  # fmt: skip
    suggested = suggest_threshold(list(sizes), gpu_rates, cpu_rates)
    rec.emit({"bench": "auto_crossover", "impl": "neurosim",
              "params": {"sizes": list(sizes), "cpu_threads": cpu_threads},
              "suggested_gpu_min_neurons": suggested,
              "configured_gpu_min_neurons": _config.GPU_MIN_NEURONS})  # fmt: skip
    log(f"gpu_suite: backend='auto' crossover: the GPU is faster from about "
        f"{suggested} neurons (CUBA, fan-in 80); set NEUROSIM_GPU_MIN_NEURONS="
        f"{suggested} (now {_config.GPU_MIN_NEURONS})")  # fmt: skip
    return suggested


def table(records: list[dict[str, Any]]) -> str:
    """Markdown table of the benchmark records."""
    cols = ("bench", "impl", "params", "throughput", "unit", "wall_per_bio_s",
            "events_per_s", "fraction", "gpu_cpu_ratio", "peak_device_mib")  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    for r in records:
        frac = {k: v for k, v in r.items() if k.startswith("fraction")}
        row = []
        for c in cols:
            v = frac if c == "fraction" else r.get(c, "")
            if isinstance(v, float):
                v = f"{v:.3g}"
            elif isinstance(v, dict):
                v = ", ".join(f"{k}={x:.3g}" if isinstance(x, float) else f"{k}={x}"
                              for k, x in v.items())  # fmt: skip
            row.append(str(v))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the suite; 0 when everything ran on the GPU and passed."""
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    env, why = preflight()
    env["refused"] = why
    (args.out / "env.json").write_text(json.dumps(env, indent=1) + "\n")
    if why is not None:
        log(f"gpu_suite: refusing to run: {why}")
        return 2
    t_start = time.perf_counter()
    rec = Recorder(args.out)
    q = 100 if args.quick else 1
    failures = []
    steps = [
        ("smoke", lambda: smoke(rec)),
        (
            "tests",
            None
            if args.skip_tests
            else lambda: device_tests(args.out, max(60.0, args.budget_s / 2)),
        ),  # fmt: skip
    ]
    ceil: dict[str, float] = {}
    steps += [
        ("ceilings", lambda: ceil.update(bench_ceilings(rec, 10**5 // q, 10**8 // q))),
        (
            "lif",
            lambda: _populations(
                rec,
                "lif",
                [10**6 // q, 10**7 // q],
                2000,
                50,
                DT_LIF,
                ceil,
                args.cpu_threads,
            ),
        ),  # fmt: skip
        (
            "hh",
            lambda: _populations(
                rec, "hh", [10**6 // q], 1000, 20, DT_HH, ceil, args.cpu_threads
            ),
        ),  # fmt: skip
        (
            "cuba",
            lambda: bench_cuba(
                rec,
                10**5 // q,
                1000 // max(1, q // 10),
                0.1,
                0.005,
                ceil,
                args.cpu_threads,
            ),
        ),  # fmt: skip
        (
            "cobahh",
            lambda: bench_cobahh(rec, 10**5 // q, 0.05, 0.002, args.cpu_threads),
        ),
        (
            "crossover",
            lambda: bench_crossover(
                rec,
                [n // max(1, q // 10) for n in (1000, 4000, 16000, 64000)],
                1000,
                200,
                args.cpu_threads,
            ),
        ),  # fmt: skip
    ]
    for name, fn in steps:
        if fn is None:
            continue
        if time.perf_counter() - t_start > args.budget_s:
            failures.append(f"{name}: not run, past the {args.budget_s:.0f} s budget")
            continue
        log(f"gpu_suite: {name} ...")
        try:
            fn()
        except Exception as exc:  # a failed step fails the suite, the rest still runs
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            log(f"gpu_suite: {name} FAILED: {exc}")
    total = time.perf_counter() - t_start
    text = table([r for r in rec.records if "throughput" in r])
    text += f"\n\n{env.get('device')} (cc {env.get('compute_capability')}), driver "
    text += f"{env.get('driver')}, numba {env['numba']}, numba-cuda "
    text += f"{env.get('numba_cuda')}, numpy {env['numpy']}; {total:.0f} s in all\n"
    if total > args.budget_s:
        failures.append(f"the suite took {total:.0f} s (budget {args.budget_s:.0f} s)")
    for f in failures:
        text += f"\nFAILED: {f}"
    (args.out / "table.md").write_text(text + "\n")
    log(text)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
