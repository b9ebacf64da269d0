"""compile_cuba: CUBA's first run from a cold and a warm cache vs Brian2's compile.

The network of ``cuba.py`` (Brette et al. 2007 CUBA, 4000 LIF, dt 0.1 ms;
1 s runs, 0.1 s with ``--quick``), each case in a fresh Python process:

* ``neurosim-cpu-cold``: empty caches (a new ``NUMBA_CACHE_DIR`` and a new
  ``NEUROSIM_CODEGEN_DIR`` for the generated modules), so everything the
  first run needs is compiled;
* ``neurosim-cpu-warm``: the same caches again, now filled, as a user's
  second session finds them.

In each process: ``import_s`` (``import neurosim``), then the first network
(``Simulator`` built and run) and a second, identical one; ``compile_s`` is
the first's build plus run time less the second's, ``build_s``/``run_s`` are
the second's. ``brian2-cpp_standalone``: code generation and compilation of
the same network into a fresh project folder (Brian2 builds a new project
from scratch every time: it has no warm case), single thread; ``compile_s``
is the wall time from ``Network.run`` (where code generation starts) to the
end of ``device.build`` (which compiles with ``make`` and runs the binary),
less the binary's own simulation time. ``compile_cpu_s``: the same in CPU
time (neurosim: the process's; Brian2: the process's and its children's,
the compilers). Brian2's ``make`` may compile files in parallel, so on a
shared machine ``compile_cpu_s`` is the steadier comparison; the Brian2 line
has both ratios (``ratio``: wall, ``ratio_cpu``: CPU).

Issue goals (reported, not asserted): cold ``compile_s`` no slower than
Brian2's (the Brian2 line's ``ratio``: Brian2's ``compile_s`` over
neurosim's cold one, above 1 meets it) and warm ``compile_s`` <= 0.5 s.
``throughput`` is ``1 / compile_s`` (unit ``compiles/s``), so ``run_all``'s
ratio column reads as compile speed against Brian2.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from _brette import DT, _brian2_objects
from _common import emit, log, parser


def child(duration: float) -> None:
    """Time import, a first and a second CUBA network; print one JSON line."""
    t0 = time.perf_counter()
    import neurosim  # noqa: F401

    import_s = time.perf_counter() - t0
    from _brette import neurosim_network

    out = {"import_s": import_s}
    for name in ("first", "second"):
        c0, t0 = time.process_time(), time.perf_counter()
        sim, spikes, _ = neurosim_network("cuba", 1, "cpu")
        t1 = time.perf_counter()
        sim.run(duration)
        out[f"{name}_build_s"] = t1 - t0
        out[f"{name}_run_s"] = time.perf_counter() - t1
        out[f"{name}_cpu_s"] = time.process_time() - c0
        out["spikes"] = int(spikes.indices.size)
    print(json.dumps(out))


def _brian2_compile(duration: float) -> None:
    """Generate, compile and run the Brian2 project once; print the times.

    Code generation starts in ``Network.run`` (the standalone device records
    the run and creates the code objects) and ends in ``device.build``, which
    also compiles (``make``, in child processes) and runs the binary; the
    binary's own simulation time is taken off. CPU time counts this process
    and its children (the compilers).
    """
    import brian2 as b2

    directory = tempfile.mkdtemp(prefix="neurosim-bench-brian2-")
    b2.prefs.logging.console_log_level = "ERROR"
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    objects, checks = _brian2_cuba(b2)
    net = b2.Network(*objects)
    c0, ch0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
    net.run(duration * b2.second)
    b2.device.build(directory=directory, compile=True, run=True)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0 + _children_cpu() - ch0
    run = b2.device._last_run_time
    spikes = checks["spikes"]()
    shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps({"compile_s": wall - run, "compile_cpu_s": cpu - run,
                      "spikes": spikes}))  # fmt: skip


def _children_cpu() -> float:
    """User + system CPU time of this process's finished children (s)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _brian2_cuba(b2):
    b2.defaultclock.dt = DT * b2.second
    b2.seed(1)
    objects, mon, _ = _brian2_objects(b2, "cuba")
    return objects, {"spikes": lambda: int(mon.num_spikes)}


def _neurosim_case(env: dict[str, str], duration: float) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--child", "--duration", str(duration)],
        stdout=subprocess.PIPE, text=True, check=True, env=env,
    )  # fmt: skip
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--duration", type=float, default=None, help="s per run")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    duration = args.duration or (0.1 if args.quick else 1.0)
    if args.child:
        child(duration)
        return
    if args.brian2_build is not None:
        _brian2_compile(duration)
        return
    if args.backend != "cpu":
        emit({"bench": "compile_cuba", "impl": f"neurosim-{args.backend}",
              "skipped": "compile_cuba.py measures the CPU backend"})  # fmt: skip
        return
    params = {"n": 4000, "dt": DT, "duration_s": duration, "threads": 1}
    caches = tempfile.mkdtemp(prefix="neurosim-bench-compile-")
    env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(caches, "numba"),
               NEUROSIM_CODEGEN_DIR=os.path.join(caches, "codegen"))  # fmt: skip
    cold = None
    try:
        for case in ("cold", "warm"):
            log(f"compile_cuba: neurosim, {case} cache")
            r = _neurosim_case(env, duration)
            compile_s = max(
                r["first_build_s"] + r["first_run_s"]
                - r["second_build_s"] - r["second_run_s"], 0.0,
            )  # fmt: skip
            compile_cpu_s = max(r["first_cpu_s"] - r["second_cpu_s"], 0.0)
            if case == "cold":
                cold = (compile_s, compile_cpu_s)
            emit({
                "bench": "compile_cuba", "impl": f"neurosim-cpu-{case}",
                "params": params, "compile_s": compile_s,
                "compile_cpu_s": compile_cpu_s,
                "import_s": r["import_s"], "build_s": r["second_build_s"],
                "run_s": r["second_run_s"], "throughput": 1 / max(compile_s, 1e-9),
                "unit": "compiles/s",
                "check": {"mean_rate_hz": r["spikes"] / (4000 * duration)},
            })  # fmt: skip
    finally:
        shutil.rmtree(caches, ignore_errors=True)
    try:
        import brian2  # noqa: F401
    except ImportError:
        emit({"bench": "compile_cuba", "impl": "brian2-cpp_standalone",
              "skipped": "not installed"})  # fmt: skip
        return
    log("compile_cuba: brian2 code generation and compile")
    res = subprocess.run(
        [sys.executable, __file__, "--brian2-build", "0", "--duration", str(duration)],
        stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    build = json.loads(res.stdout.strip().splitlines()[-1])
    emit({
        "bench": "compile_cuba", "impl": "brian2-cpp_standalone", "params": params,
        "compile_s": build["compile_s"], "compile_cpu_s": build["compile_cpu_s"],
        "throughput": 1 / build["compile_s"], "unit": "compiles/s",
        "check": {"mean_rate_hz": build["spikes"] / (4000 * duration)},
        "ratio": build["compile_s"] / max(cold[0], 1e-9),
        "ratio_cpu": build["compile_cpu_s"] / max(cold[1], 1e-9),
    })  # fmt: skip


if __name__ == "__main__":
    main()
