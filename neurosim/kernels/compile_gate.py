"""Compile gate: every ``numba.cuda`` kernel built for real GPUs, without a GPU.

The CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) runs kernels as Python, so it
cannot tell whether a kernel compiles for a device, nor how many registers it
needs. This module compiles every kernel of the package with the real
compilers that ``numba-cuda[cu12]`` installs as pip packages (NVVM, ``ptxas``,
nvJitLink), for each target compute capability (default sm_80 and sm_90):

1. ``numba.cuda.compile_ptx(kernel.py_func, argtypes, cc=cc)`` gives PTX, once
   per argument-type signature the drivers pass;
2. ``ptxas -arch=sm_XY -v`` turns the PTX into SASS and reports registers,
   stack frame (local memory) and spill stores/loads per function. PTX that
   calls into the device runtime (grid synchronisation) is compiled
   relocatable (``ptxas -c``) and then linked against ``libcudadevrt`` with
   nvJitLink, so a missing symbol fails the gate too.

The gate fails on a compile error, on any spill, and on a kernel it cannot
type: one without a declared or recorded signature.

How kernels are found
---------------------
Every kernel is compiled through :func:`neurosim._jit.cuda_kernel`, which
registers it in :data:`neurosim._jit.CUDA_KERNELS` under a type-level key
(``"module:qualname"`` by default). :func:`discover` imports every module of
the package, so hand-written kernels register themselves; a
``numba.cuda`` kernel made any other way is an error (it would escape the gate).

Signatures come from two places:

* declared next to the kernel: ``cuda_kernel(fn, signatures=[...])``;
* recorded in ``tests/gpu_compile/cuda_signatures.json`` from the simulator
  runs of ``tests/cuda``: ``tests/cuda/conftest.py`` types every launch's
  arguments as the real dispatcher would (``numba.typeof``). Regenerate the
  file with one command, ``python tests/gpu_compile/record_signatures.py``.
  Every simulator run of ``tests/cuda`` also checks that each launched
  signature is in the file, so it cannot go stale silently.

Generated kernels (the open engine) register themselves the same way:
``cuda_kernel(fn, key=..., recipe=("module:function", kwargs))``. ``key`` is
the type-level key (two generations of the same kernel share it, so they are
one entry and one set of signatures); ``recipe`` is a JSON-able call that
generates the kernel again. The recorder stores the recipe beside the
signatures, and the gate calls it in its own process before compiling.

Device functions are typed for "the current device's" compute capability,
which needs a GPU; :func:`target_cc` supplies the target's instead. Each
target is compiled in its own process (device functions are compiled once per
process), by ``python -m neurosim.kernels.compile_gate``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import json
import pkgutil
import re
import subprocess
import sys
import tempfile
import time
import types as pytypes
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba.core import types
from numba.core.typing.typeof import Purpose

from .. import _jit

#: Default target compute capabilities (A100 and H100/H200).
DEFAULT_CCS: tuple[tuple[int, int], ...] = ((8, 0), (9, 0))
#: The ``numba.cuda.jit`` options the gate knows how to reproduce.
_PTX_OPTIONS = ("debug", "lineinfo", "fastmath", "opt")


# --------------------------------------------------------------------------
# argument types <-> JSON


def encode_type(ty: types.Type) -> Any:
    """JSON form of a kernel argument type.

    Scalars are their dtype name (``"float64"``, ``"bool"``); arrays are
    ``"array(float64, 2, C)"`` (``", readonly"`` appended when read-only);
    tuples are ``["tuple", elem, ...]`` and named tuples
    ``["namedtuple", name, [field, elem], ...]``.
    """
    if isinstance(ty, types.Array):
        dt = numba.np.numpy_support.as_dtype(ty.dtype)
        ro = "" if ty.mutable else ", readonly"
        return f"array({dt}, {ty.ndim}, {ty.layout}{ro})"
    if isinstance(ty, types.BaseNamedTuple):
        fields = [[f, encode_type(t)] for f, t in zip(ty.fields, ty.types, strict=True)]
        return ["namedtuple", ty.instance_class.__name__, *fields]
    if isinstance(ty, types.BaseTuple):
        return ["tuple", *(encode_type(t) for t in ty.types)]
    if isinstance(ty, types.Number | types.Boolean):
        return str(numba.np.numpy_support.as_dtype(ty))
    raise TypeError(
        f"compile gate: cannot record argument type {ty!r}; declare the kernel's "
        "signature with cuda_kernel(fn, signatures=[...])"
    )


_ARRAY = re.compile(r"array\((\w+), (\d+), ([CFA])(, readonly)?\)")


def decode_type(obj: Any) -> types.Type:
    """Inverse of :func:`encode_type`."""
    if isinstance(obj, str):
        m = _ARRAY.fullmatch(obj)
        if m:
            dtype = numba.from_dtype(np.dtype(m.group(1)))
            return types.Array(dtype, int(m.group(2)), m.group(3), readonly=bool(m[4]))
        return numba.from_dtype(np.dtype(obj))
    if obj[0] == "tuple":
        return types.BaseTuple.from_types([decode_type(t) for t in obj[1:]])
    if obj[0] == "namedtuple":
        fields = [f for f, _ in obj[2:]]
        cls = collections.namedtuple(obj[1], fields)
        return types.BaseTuple.from_types([decode_type(t) for _, t in obj[2:]], cls)
    raise ValueError(f"compile gate: unknown encoded type {obj!r}")


def arg_type(value: Any) -> types.Type:
    """The ``numba`` type the CUDA dispatcher gives a launch argument.

    Simulator device arrays (which wrap a NumPy array as ``_ary``) are typed
    as the NumPy array they hold, as a real device array would be.
    """
    value = getattr(value, "_ary", value)
    return numba.typeof(value, Purpose.argument)


def signature_types(sig: Any) -> tuple[types.Type, ...]:
    """Argument types of a declared signature (string or tuple of types)."""
    from numba.core import sigutils

    args, _ret = sigutils.normalize_signature(sig)
    return tuple(args)


def load_signatures(path: Path) -> dict[str, dict[str, Any]]:
    """``{key: {"signatures": [[encoded arg, ...], ...], "recipe": ...}}``."""
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def save_signatures(path: Path, table: dict[str, dict[str, Any]]) -> None:
    """Write the table sorted (keys and signatures), one stable diff per change."""
    lines = []
    for key in sorted(table):
        entry = table[key]
        sigs = sorted({json.dumps(s) for s in entry["signatures"]})
        body = ['  "signatures": [\n   ' + ",\n   ".join(sigs) + "\n  ]"]
        if entry.get("recipe"):
            body.append(f'  "recipe": {json.dumps(entry["recipe"])}')
        lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(body) + "\n }")
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


# --------------------------------------------------------------------------
# discovery


def discover(package: str = "neurosim") -> dict[str, _jit.CudaKernelEntry]:
    """Import every module of ``package``; return the registered kernels.

    Raises
    ------
    RuntimeError
        If a module holds a ``numba.cuda`` kernel that was not compiled through
        :func:`neurosim._jit.cuda_kernel` (it would escape the gate).
    """
    from numba.cuda.dispatcher import CUDADispatcher

    pkg = importlib.import_module(package)
    modules = [pkg]
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        modules.append(importlib.import_module(info.name))
    registered = {id(e.kernel) for e in _jit.CUDA_KERNELS.values()}
    stray = []
    for mod in modules:
        for name, obj in vars(mod).items():
            if (
                isinstance(obj, CUDADispatcher)
                and not obj.targetoptions.get("device")
                and id(obj) not in registered
            ):
                stray.append(f"{mod.__name__}.{name}")
    if stray:
        raise RuntimeError(
            "compile gate: numba.cuda kernels not compiled through "
            f"neurosim._jit.cuda_kernel: {', '.join(sorted(stray))}"
        )
    return dict(_jit.CUDA_KERNELS)


def run_recipes(table: dict[str, dict[str, Any]]) -> None:
    """Generate the recorded generated kernels that are not registered yet."""
    for key, entry in table.items():
        recipe = entry.get("recipe")
        if key in _jit.CUDA_KERNELS or not recipe:
            continue
        where, kwargs = recipe
        mod, func = where.split(":")
        getattr(importlib.import_module(mod), func)(**kwargs)


def plan(
    kernels: dict[str, _jit.CudaKernelEntry], table: dict[str, dict[str, Any]]
) -> tuple[dict[str, list[tuple[types.Type, ...]]], list[str]]:
    """Signatures to compile per kernel, and the problems found.

    A problem is a kernel with no declared or recorded signature, or a
    recorded key that no longer names a kernel (a stale file).
    """
    todo: dict[str, list[tuple[types.Type, ...]]] = {}
    problems = []
    for key, entry in sorted(kernels.items()):
        sigs = [signature_types(s) for s in entry.signatures]
        for enc in table.get(key, {}).get("signatures", []):
            sig = tuple(decode_type(t) for t in enc)
            if sig not in sigs:
                sigs.append(sig)
        if not sigs:
            problems.append(
                f"{key}: no declared or recorded signature (declare one with "
                "cuda_kernel(fn, signatures=[...]) or launch it in tests/cuda and "
                "run `python tests/gpu_compile/record_signatures.py`)"
            )
        todo[key] = sigs
    for key in sorted(set(table) - set(kernels)):
        problems.append(
            f"{key}: recorded in the signature file but no such kernel (stale: "
            "run `python tests/gpu_compile/record_signatures.py`)"
        )
    return todo, problems


# --------------------------------------------------------------------------
# compiling


@contextlib.contextmanager
def target_cc(cc: tuple[int, int]) -> Iterator[None]:
    """Type device functions for ``cc`` instead of the (absent) current device.

    ``numba.cuda`` compiles a device function for the compute capability of
    ``get_current_device()`` when a kernel that calls it is typed; without a
    GPU that call fails. Inside this context it answers ``cc``.
    """
    from numba.cuda import dispatcher

    fake = pytypes.SimpleNamespace(compute_capability=cc)
    saved = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: fake
    try:
        yield
    finally:
        dispatcher.get_current_device = saved


def _probe():  # pragma: no cover - compiled by find_tools only
    pass


def find_tools() -> tuple[str | None, str]:
    """Path of ``ptxas`` (None if missing) and why, checking NVVM as well."""
    try:
        from numba.cuda.cudadrv import nvvm

        nvvm.NVVM()
    except Exception as exc:  # no libNVVM: nothing can be compiled
        return None, f"NVVM not available ({exc}); pip install 'neurosim[gpu-compile]'"
    try:  # NVVM alone is not enough (a system CUDA may lack NVRTC): compile one
        from numba import cuda

        cuda.compile_ptx(_probe, (), cc=(8, 0))
    except Exception as exc:
        return None, f"compile_ptx fails ({exc}); pip install 'neurosim[gpu-compile]'"
    try:
        from cuda.pathfinder import find_nvidia_binary_utility

        ptxas = find_nvidia_binary_utility("ptxas")
    except Exception:  # older cuda-pathfinder: look in site-packages
        ptxas = None
    if ptxas is None:
        import shutil

        ptxas = shutil.which("ptxas")
    if ptxas is None:
        return None, "ptxas not found; pip install 'neurosim[gpu-compile]'"
    return ptxas, "ok"


_FUNC = re.compile(r"Function properties for '?([^':]+)'?")
_FRAME = re.compile(
    r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads"
)
_REGS = re.compile(r"Used (\d+) registers")


def parse_ptxas(log: str) -> dict[str, dict[str, int]]:
    """Per function: registers, stack frame (local memory) and spill bytes."""
    out: dict[str, dict[str, int]] = {}
    cur = None
    for line in log.splitlines():
        m = _FUNC.search(line)
        if m:
            cur = out.setdefault(m.group(1).strip(), {})
            continue
        if cur is None:
            continue
        m = _FRAME.search(line)
        if m:
            cur["stack_bytes"] = int(m.group(1))
            cur["spill_stores"] = int(m.group(2))
            cur["spill_loads"] = int(m.group(3))
        m = _REGS.search(line)
        if m:
            cur["registers"] = int(m.group(1))
    return out


def _devrt_link(ptx: str, arch: str) -> None:
    """Link relocatable PTX against ``libcudadevrt`` (nvJitLink); raise on error."""
    from cuda.core import Linker, LinkerOptions, ObjectCode
    from cuda.pathfinder import locate_static_lib

    lib = Path(locate_static_lib("cudadevrt").abs_path).read_bytes()
    objs = [
        ObjectCode.from_ptx(ptx.encode(), name="kernel.ptx"),
        ObjectCode.from_library(lib, name="cudadevrt"),
    ]
    Linker(*objs, options=LinkerOptions(arch=arch)).link("cubin")


def compile_one(
    entry: _jit.CudaKernelEntry,
    argtypes: tuple[types.Type, ...],
    cc: tuple[int, int],
    ptxas: str,
    workdir: Path,
) -> dict[str, Any]:
    """Compile one kernel signature for ``cc``; the report row (``error`` if any)."""
    from numba import cuda

    arch = f"sm_{cc[0]}{cc[1]}"
    row: dict[str, Any] = {
        "kernel": entry.key,
        "arch": arch,
        "signature": [encode_type(t) for t in argtypes],
    }
    unknown = set(entry.options) - set(_PTX_OPTIONS) - {"max_registers", "cache"}
    if unknown:
        row["error"] = f"jit options the gate cannot reproduce: {sorted(unknown)}"
        return row
    opts = {k: v for k, v in entry.options.items() if k in _PTX_OPTIONS}
    t0 = time.perf_counter()
    try:
        with target_cc(cc):
            ptx, _res = cuda.compile_ptx(entry.py_func, argtypes, cc=cc, **opts)
    except Exception as exc:  # any typing/lowering/NVVM failure fails the gate
        row["error"] = f"compile_ptx: {type(exc).__name__}: {exc}"
        return row
    devrt = ".extern .func" in ptx  # calls into the device runtime (grid sync)
    src = workdir / f"{abs(hash((entry.key, argtypes, cc)))}.ptx"
    src.write_text(ptx)
    cmd = [ptxas, f"-arch={arch}", "-v", str(src), "-o", str(src.with_suffix(".o"))]
    if devrt:
        cmd.insert(1, "-c")
    if entry.options.get("max_registers"):
        cmd.insert(1, f"--maxrregcount={entry.options['max_registers']}")
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        row["error"] = f"ptxas: {res.stderr.strip()}"
        return row
    if devrt:
        try:
            _devrt_link(ptx, arch)
        except Exception as exc:  # unresolved device-runtime symbols
            row["error"] = f"link with cudadevrt: {exc}"
            return row
    funcs = parse_ptxas(res.stderr)
    entries = [f for f in funcs if "registers" in funcs[f]]
    if len(entries) != 1:
        row["error"] = f"expected one entry function in ptxas output:\n{res.stderr}"
        return row
    main = funcs[entries[0]]
    row.update(
        registers=main["registers"],
        local_bytes=main.get("stack_bytes", 0),
        spill_stores=sum(f.get("spill_stores", 0) for f in funcs.values()),
        spill_loads=sum(f.get("spill_loads", 0) for f in funcs.values()),
        devrt=devrt,
        seconds=round(time.perf_counter() - t0, 2),
    )
    if row["spill_stores"] or row["spill_loads"]:
        row["error"] = (
            f"register spills: {row['spill_stores']} bytes stored, "
            f"{row['spill_loads']} bytes loaded"
        )
    return row


def compile_target(
    cc: tuple[int, int], signatures: Path, package: str = "neurosim"
) -> dict[str, Any]:
    """Compile every kernel signature for one target; problems and rows."""
    ptxas, why = find_tools()
    if ptxas is None:
        return {"problems": [why], "rows": []}
    table = load_signatures(signatures)
    kernels = discover(package)
    run_recipes(table)
    kernels = dict(_jit.CUDA_KERNELS)
    todo, problems = plan(kernels, table)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key, sigs in todo.items():
            for i, sig in enumerate(sigs):
                row = compile_one(kernels[key], sig, cc, ptxas, Path(tmp))
                row["variant"] = i if len(sigs) > 1 else None
                rows.append(row)
    return {"problems": problems, "rows": rows}


def format_table(rows: list[dict[str, Any]]) -> str:
    """Plain-text table: kernel, arch, registers, local memory, spills, status.

    A kernel compiled for several signatures is listed as ``kernel[i]``, ``i``
    the signature's place in ``report.json``.
    """
    head = f"{'kernel':58} {'arch':6} {'regs':>4} {'lmem B':>6} {'spill B':>7}  status"
    lines = [head, "-" * len(head)]
    for r in sorted(
        rows, key=lambda r: (r["kernel"], r.get("variant") or 0, r["arch"])
    ):
        spill = r.get("spill_stores", 0) + r.get("spill_loads", 0)
        status = "ok" if "error" not in r else r["error"].splitlines()[0][:60]
        name = (
            r["kernel"]
            if r.get("variant") is None
            else f"{r['kernel']}[{r['variant']}]"
        )
        lines.append(
            f"{name[-58:]:58} {r['arch']:6} {r.get('registers', '-'):>4} "
            f"{r.get('local_bytes', '-'):>6} {spill:>7}  {status}"
        )
    return "\n".join(lines)


def run_gate(
    ccs: Sequence[tuple[int, int]],
    signatures: Path,
    out_dir: Path,
    package: str = "neurosim",
) -> tuple[list[str], list[dict[str, Any]]]:
    """Compile for every target, one process each (run side by side).

    Writes ``report.json`` (one row per kernel, signature and target) and
    ``report.txt`` (the table) to ``out_dir``. Returns the failures (problems
    and failed rows as messages) and the rows.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    for cc in ccs:
        part = out_dir / f"sm_{cc[0]}{cc[1]}.json"
        cmd = [sys.executable, "-m", "neurosim.kernels.compile_gate",
               "--worker", f"{cc[0]}{cc[1]}", "--signatures", str(signatures),
               "--out", str(part), "--package", package]  # fmt: skip
        procs.append((cc, part, subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT,
                                                 text=True)))  # fmt: skip
    failures: list[str] = []
    rows: list[dict[str, Any]] = []
    for cc, part, proc in procs:
        log, _ = proc.communicate()
        if proc.returncode != 0 or not part.exists():
            failures.append(f"sm_{cc[0]}{cc[1]} worker failed:\n{log}")
            continue
        res = json.loads(part.read_text())
        part.unlink()
        failures.extend(p for p in res["problems"] if p not in failures)
        rows.extend(res["rows"])
    failures.extend(
        f"{r['kernel']} [{r['arch']}] {r['signature']}: {r['error']}"
        for r in rows
        if "error" in r
    )
    (out_dir / "report.json").write_text(json.dumps(rows, indent=1) + "\n")
    (out_dir / "report.txt").write_text(format_table(rows) + "\n")
    return failures, rows


def _parse_cc(text: str) -> tuple[int, int]:
    if not re.fullmatch(r"\d{2,3}", text):
        raise argparse.ArgumentTypeError(f"--cc: expected e.g. 80 or 90 (got {text!r})")
    return int(text[:-1]), int(text[-1])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m neurosim.kernels.compile_gate [--cc 80 90] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cc", nargs="+", type=_parse_cc, default=list(DEFAULT_CCS))
    parser.add_argument("--signatures", type=Path, default=Path(
        "tests/gpu_compile/cuda_signatures.json"))  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("gpu_compile_report"))
    parser.add_argument("--package", default="neurosim")
    parser.add_argument("--worker", type=_parse_cc, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        res = compile_target(args.worker, args.signatures, args.package)
        args.out.write_text(json.dumps(res))
        return 0
    t0 = time.perf_counter()
    failures, rows = run_gate(args.cc, args.signatures, args.out, args.package)
    print(format_table(rows))
    print(f"{len(rows)} compilations in {time.perf_counter() - t0:.1f} s; "
          f"report in {args.out}")  # fmt: skip
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
