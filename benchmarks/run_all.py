"""Run every benchmark script in this folder and print a markdown table.

``python benchmarks/run_all.py [--quick] [--backend cpu|cuda] [NAME ...]`` runs each
``benchmarks/<name>.py`` (not those starting with ``_``, this file, or
``gpu_suite.py``, the GPU machine's own suite) in its own
process, collects its JSON lines, and prints one table row per implementation
with the neurosim / peer throughput ratio (peer = every non-neurosim impl of the
same workload, each ratio taken against the fastest neurosim impl of that
workload with the same throughput unit run in the same script).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The GPU suite runs these benchmarks itself (on a GPU machine, one command).
SUITE = "gpu_suite.py"


def run_script(path: Path, extra: list[str]) -> list[dict]:
    """Run one benchmark script; return its JSON records (stderr passes through)."""
    res = subprocess.run(
        [sys.executable, str(path), *extra], stdout=subprocess.PIPE, text=True
    )
    records = []
    for line in res.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    if res.returncode != 0:
        records.append({"bench": path.stem, "impl": "?", "skipped": "script failed"})
    return records


def _fmt(value) -> str:
    """A table cell: numbers to 3 significant digits, missing values empty."""
    if value is None:
        return ""
    return f"{value:.3g}" if isinstance(value, int | float) else str(value)


def table(records: list[dict]) -> str:
    """Markdown table: workload, impl, throughput, run/compile time, ratio."""
    best: dict[tuple[str, str], float] = {}  # by workload and unit
    for r in records:
        if r.get("impl", "").startswith("neurosim") and r.get("throughput"):
            key = (r["bench"], r.get("unit", ""))
            best[key] = max(best.get(key, 0.0), r["throughput"])
    lines = [
        "| workload | impl | params | throughput | unit | run_s | compile_s "
        "| neurosim / this |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        if "skipped" in r:
            lines.append(f"| {r['bench']} | {r['impl']} | | skipped: {r['skipped']} "
                         "| | | | |")  # fmt: skip
            continue
        ratio = ""
        key = (r["bench"], r.get("unit", ""))
        if not r["impl"].startswith("neurosim") and key in best and r.get("throughput"):
            ratio = f"{best[key] / r['throughput']:.2f}x"
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        cells = [_fmt(r.get(k)) for k in ("throughput", "unit", "run_s", "compile_s")]
        lines.append(
            f"| {r['bench']} | {r['impl']} | {params} | " + " | ".join(cells)
            + f" | {ratio} |"
        )  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--backend", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("names", nargs="*", help="only these benchmarks (default: all)")
    args = p.parse_args()
    # Only the GPU-capable scripts take --backend; pass it only when asked for.
    extra = (["--backend", args.backend] if args.backend != "cpu" else []) + (
        ["--quick"] if args.quick else []
    )
    records: list[dict] = []
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith("_") or path.name in (Path(__file__).name, SUITE):
            continue
        if args.names and path.stem not in args.names:
            continue
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        records.extend(run_script(path, extra))
    print(table(records))


if __name__ == "__main__":
    main()
