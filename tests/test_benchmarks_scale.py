"""benchmarks/scale.py's smoke version runs and reports every size."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"


@pytest.mark.slow
def test_scale_smoke_reports_memory_and_cost_per_size():
    res = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"],
        capture_output=True,
        text=True,
        check=True,
    )
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["impl"], r["params"]["n"]) for r in recs] == [
        ("neurosim-cpu", 2000),
        ("numba-scatter", 2000),
        ("neurosim-cpu", 4000),
        ("numba-scatter", 4000),
    ]
    for r in recs[::2]:
        n_syn = r["check"]["n_synapses"]
        # fan-in 80: Binomial(n^2, 80 / n) synapses, within 5 sd of 80 n
        assert abs(n_syn - 80 * r["params"]["n"]) < 5 * (80 * r["params"]["n"]) ** 0.5
        # a stored synapse takes at least its int32 index (a Random
        # connection's one weight is stored once, not per synapse)
        assert r["bytes_per_synapse"] >= 4
        assert r["build_s"] > 0 and r["cpu_s"] > 0
    for r in recs[1::2]:
        assert r["check"]["events"] > 0 and r["run_s"] > 0
    assert recs[0]["relative_cost"] == recs[1]["relative_cost"] == 1.0
