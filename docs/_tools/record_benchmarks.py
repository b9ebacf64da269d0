"""Run the benchmarks once and record their JSON lines for the performance page.

``python docs/_tools/record_benchmarks.py [--quick] [NAME ...]`` runs each
``benchmarks/<name>.py`` through ``benchmarks/run_all.py``'s runner, with this
checkout's ``neurosim`` first on ``PYTHONPATH``, and writes
``docs/performance_results.json``: the date, the machine, the commit (refused
when the checkout has uncommitted changes), the command and every record,
rewritten after each script so an interrupted run keeps what finished. The
documentation build renders that committed file (``docs/_ext/performance.py``);
it never runs a benchmark itself.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from run_all import run_script  # noqa: E402

OUT = ROOT / "docs" / "performance_results.json"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} logical CPUs, {system}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short benchmark runs")
    parser.add_argument("names", nargs="*", help="benchmark names (default: all)")
    args = parser.parse_args()
    scripts = sorted(
        p
        for p in (ROOT / "benchmarks").glob("*.py")
        if not p.name.startswith("_") and p.name != "run_all.py"
    )
    if args.names:
        scripts = [p for p in scripts if p.stem in args.names]
    extra = ["--quick"] if args.quick else []
    git = functools.partial(
        subprocess.run, capture_output=True, text=True, cwd=ROOT, check=True
    )
    if git(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip():
        sys.exit("commit first: the results must name the code that produced them")
    commit = git(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "machine": _machine(),
        "commit": commit,
        "command": "python docs/_tools/record_benchmarks.py " + " ".join(sys.argv[1:]),
        "python": platform.python_version(),
        "records": [],
    }
    for path in scripts:
        print(f"running {path.name}", file=sys.stderr)
        result["records"] += run_script(path, extra)
        OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(OUT)


if __name__ == "__main__":
    main()
