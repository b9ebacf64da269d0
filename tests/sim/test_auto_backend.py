"""``backend="auto"`` picks the CPU for networks below the configured size.

A GPU is faked as usable (``neurosim._jit.has_cuda``): building a simulator
runs no CUDA code, so these tests need no device.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import neurosim as ns
from neurosim import _config, _jit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_gpu(monkeypatch):
    monkeypatch.setattr(_jit, "has_cuda", lambda: True)
    _jit._log_small_network.cache_clear()


def _net(*sizes: int) -> ns.Network:
    net = ns.Network(seed=0)
    for n in sizes:
        net.add(ns.NeuronGroup(n, ns.LIF(), bias=0.5))
    return net


def test_auto_counts_every_group_against_the_threshold(fake_gpu, monkeypatch):
    monkeypatch.setattr(_config, "GPU_MIN_NEURONS", 100)
    assert ns.Simulator(_net(60, 39), backend="auto").backend == "cpu"
    assert ns.Simulator(_net(60, 40), backend="auto").backend == "cuda"
    assert ns.Simulator(_net(60, 41), backend="auto").backend == "cuda"


def test_small_network_on_the_cpu_is_logged_once(fake_gpu, monkeypatch, caplog):
    monkeypatch.setattr(_config, "GPU_MIN_NEURONS", 1000)
    with caplog.at_level(logging.INFO, logger="neurosim"):
        for _ in range(2):
            assert ns.Simulator(_net(10), backend="auto").backend == "cpu"
    lines = [r.getMessage() for r in caplog.records if "fewer than" in r.getMessage()]
    assert lines == [
        "backend='auto': a network of fewer than 1000 neurons runs on the CPU "
        "(launch-bound on the GPU; set NEUROSIM_GPU_MIN_NEURONS or "
        "backend='cuda' to change this)"
    ]


def test_explicit_backends_ignore_the_threshold(fake_gpu, monkeypatch):
    monkeypatch.setattr(_config, "GPU_MIN_NEURONS", 10**9)
    assert ns.Simulator(_net(5), backend="cuda").backend == "cuda"
    monkeypatch.setattr(_config, "GPU_MIN_NEURONS", 0)
    assert ns.Simulator(_net(5), backend="cpu").backend == "cpu"


def test_without_a_gpu_auto_is_the_cpu_at_any_size(monkeypatch):
    monkeypatch.setattr(_jit, "has_cuda", lambda: False)
    monkeypatch.setattr(_config, "GPU_MIN_NEURONS", 0)
    assert ns.Simulator(_net(5), backend="auto").backend == "cpu"


def _config_in_subprocess(value: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEUROSIM_GPU_MIN_NEURONS=value, PYTHONPATH=str(ROOT))
    code = "from neurosim import _config; print(_config.GPU_MIN_NEURONS)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip


def test_threshold_from_the_environment():
    res = _config_in_subprocess("1234")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "1234"
    res = _config_in_subprocess("many")
    assert res.returncode != 0
    assert "NEUROSIM_GPU_MIN_NEURONS: expected a whole number >= 0 (got 'many')" in (
        res.stderr
    )
