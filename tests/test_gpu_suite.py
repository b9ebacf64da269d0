"""benchmarks/gpu_suite.py parses its arguments and refuses cleanly without a GPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurosim._jit import has_cuda

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "benchmarks" / "gpu_suite.py"


def _suite(*args, **env):
    full = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, str(SUITE), *args], capture_output=True,
                          text=True, env=full, cwd=ROOT, timeout=120)  # fmt: skip


def test_refuses_the_cuda_simulator(tmp_path):
    res = _suite("--out", str(tmp_path), NUMBA_ENABLE_CUDASIM="1")
    assert res.returncode == 2, res.stderr
    assert "the simulator is not a GPU" in res.stderr
    env = json.loads((tmp_path / "env.json").read_text())
    assert env["refused"].startswith("NUMBA_ENABLE_CUDASIM is set")
    assert not (tmp_path / "results.jsonl").exists()  # nothing ran
    assert res.stdout == ""


@pytest.mark.skipif(has_cuda(), reason="this machine has a GPU: the suite would run")
def test_refuses_without_a_gpu(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    res = subprocess.run([sys.executable, str(SUITE), "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(env, PYTHONPATH=str(ROOT)))  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert "refusing to run: no" in res.stderr
    refused = json.loads((tmp_path / "env.json").read_text())["refused"]
    assert "numba-cuda" in refused or "CUDA" in refused


@pytest.mark.parametrize(
    "args, message",
    [
        (["--budget-s", "0"], "--budget-s: must be > 0"),
        (["--cpu-threads", "0"], "--cpu-threads: must be >= 1"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_named(args, message, tmp_path):
    res = _suite("--out", str(tmp_path), *args)
    assert res.returncode == 2
    assert message in res.stderr
    assert not (tmp_path / "env.json").exists()  # refused before any work


def _suite_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_suite", SUITE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "gpu, cpu, expected",
    [
        # the GPU/CPU ratio 1/2 at 1,000 and 2 at 4,000: on log-log axes the
        # crossing is halfway, at sqrt(1000 * 4000) = 2000
        ([50.0, 200.0, 400.0], [100.0, 100.0, 100.0], 2000),
        ([200.0, 300.0, 400.0], [100.0, 100.0, 100.0], 1000),  # wins everywhere
        ([50.0, 60.0, 70.0], [100.0, 100.0, 100.0], 32000),  # never: 2 x largest
        # a win at 1,000 that does not last: the crossing after the last loss,
        # ratio 1/2 at 4,000 and 8 at 16,000 (a quarter of the way: 4000 * 4**0.25)
        ([200.0, 50.0, 800.0], [100.0, 100.0, 100.0], round(4000 * 4**0.25)),
    ],
)
def test_suggested_threshold(gpu, cpu, expected):
    suite = _suite_module()
    assert suite.suggest_threshold([1000, 4000, 16000], gpu, cpu) == expected
