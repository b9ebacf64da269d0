"""The spiking benchmarks' smoke versions run and print their JSON lines."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _records(script):
    res = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in res.stdout.splitlines()]


@pytest.mark.slow
def test_snn_layer_smoke_matches_snntorch_spike_counts():
    pytest.importorskip("snntorch")
    recs = _records("snn_layer.py")
    ours = next(r for r in recs if r["impl"] == "neurosim-cpu")
    peer = next(r for r in recs if r["impl"] == "snntorch-cpu")
    # float64, same weights and inputs: the same spikes
    assert ours["check"]["spikes"] == peer["check"]["spikes"] > 0
    assert ours["run_s"] > 0 and peer["run_s"] > 0


@pytest.mark.slow
def test_snn_digits_smoke_reports_every_rule():
    recs = _records("snn_digits.py")
    impls = [r["impl"] for r in recs]
    assert impls == [
        "neurosim-snn-bptt",
        "neurosim-eprop-readout",
        "neurosim-eprop",
        "neurosim-eprop-random",
        "neurosim-eprop-bptt",
        "neurosim-ann2snn",
    ]
    for r in recs:
        assert 0.0 <= r["check"]["mean"] <= 1.0
        assert r["check"]["spikes_per_digit"] > 0


@pytest.mark.slow
def test_snn_stdp_smoke_reports_stdp_and_its_control():
    recs = _records("snn_stdp.py")
    assert [r["impl"] for r in recs] == ["neurosim-stdp-off", "neurosim-stdp"]
    for r in recs:
        assert 0.0 <= r["check"]["mean"] <= 1.0
        assert r["check"]["spikes_per_digit"] >= 5  # min_spikes per shown digit
    assert "points_above_control" in recs[1]["check"]
