"""``.. benchmark-results::``: the performance page's table, from a committed file.

Reads ``docs/performance_results.json`` (written by
``docs/_tools/record_benchmarks.py``: date, machine, commit, command and the
benchmarks' JSON lines) and renders one row per implementation; a peer's row
shows the throughput of the fastest neurosim implementation of the same case
(same workload and sizes) over its own, measured in the same run. The build
never
runs a benchmark.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

RESULTS = Path(__file__).resolve().parents[1] / "performance_results.json"


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:.3g}"
    return str(value)


def _case(record: dict) -> tuple:
    """A record's workload and sizes, without who ran it or on how many threads."""
    params = {k: v for k, v in record.get("params", {}).items() if k != "threads"}
    return record["bench"], json.dumps(params, sort_keys=True)


def _lines(data: dict) -> list[str]:
    records = data["records"]
    # the fastest neurosim implementation of each case (same workload and sizes)
    best: dict[tuple, float] = {}
    for r in records:
        if r.get("impl", "").startswith("neurosim") and r.get("throughput"):
            best[_case(r)] = max(best.get(_case(r), 0.0), r["throughput"])
    out = [
        f"Recorded {data['date']} on {data['machine']}, commit ``{data['commit']}``,",
        f"Python {data['python']}, with ``{data['command'].strip()}``.",
        "Workloads in this file: "
        + ", ".join(f"``{b}``" for b in sorted({r["bench"] for r in records}))
        + ".",
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - workload",
        "     - implementation",
        "     - parameters",
        "     - throughput",
        "     - run (s)",
        "     - compile (s)",
        "     - neurosim / this",
    ]
    for r in records:
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        if "skipped" in r:
            row = [params, f"skipped: {r['skipped']}", "", "", ""]
        else:
            ratio = ""
            peer = not r["impl"].startswith("neurosim")
            if peer and r.get("throughput") and _case(r) in best:
                ratio = f"{best[_case(r)] / r['throughput']:.2f}x"
            row = [
                params,
                f"{_fmt(r.get('throughput'))} {r.get('unit', '')}".strip(),
                _fmt(r.get("run_s")),
                _fmt(r.get("compile_s")),
                ratio,
            ]
        out.append(f"   * - ``{r['bench']}``")
        out += [f"     - {c}" if c else "     -" for c in [r["impl"], *row]]
    return out


class BenchmarkResults(SphinxDirective):
    """Render the committed benchmark results as a table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(RESULTS))
        data = json.loads(RESULTS.read_text())
        container = nodes.container()
        self.state.nested_parse(
            StringList(_lines(data)), self.content_offset, container
        )
        return container.children


def setup(app: Sphinx) -> dict:
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
