"""Checkpoints: save a run, continue it in a new process, bit for bit."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import FileFormatError, ValidationError

from .reliability_net import DT, assert_same, build

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

CHILD = """
import sys
sys.path.insert(0, {here!r})
import neurosim as ns
from reliability_net import DT, build

net, mons = build()
sim = ns.Simulator(net, dt=DT, backend="cpu", progress=False)
sim.set_rates(mons[1].target, 90.0)  # a parameter changed between runs
sim.run(310 * DT)
sim.save_checkpoint({path!r})
"""


def _sim(seed=7, dt=DT):
    net, mons = build(seed)
    return ns.Simulator(net, dt=dt, backend="cpu", progress=False), mons


def test_a_checkpoint_continues_in_a_new_process_bit_for_bit(tmp_path):
    path = tmp_path / "run.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = CHILD.format(here=str(HERE), path=str(path))
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=600)
    sim, mons = _sim()
    sim.run(20 * DT)  # whatever it did before is replaced
    sim.load_checkpoint(path)
    assert sim.n_steps == 310
    sim.run(290 * DT)
    ref, ref_mons = _sim()
    ref.set_rates(ref_mons[1].target, 90.0)
    ref.run(600 * DT)
    assert_same(sim, mons, ref, ref_mons)
    assert sim.data[mons[0]].indices.size > 100  # the run did spike
    assert not np.array_equal(sim.snapshot()["wdat"], _sim()[0].snapshot()["wdat"])
    # the file is plain arrays: it loads without pickles
    with np.load(path, allow_pickle=False) as z:
        assert "state.v" in z.files


def test_a_checkpoint_of_another_network_dt_or_a_damaged_file_is_refused(tmp_path):
    sim, _ = _sim()
    sim.run(50 * DT)
    path = tmp_path / "run.npz"
    sim.save_checkpoint(path)
    other, _ = _sim(seed=8)  # other random connectivity
    before = other.snapshot()
    with pytest.raises(ValidationError, match="differs in: .*sidx"):
        other.load_checkpoint(path)
    for k, v in other.snapshot().items():  # left untouched
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValidationError, match="dt"):
        _sim(dt=2 * DT)[0].load_checkpoint(path)
    net = ns.Network(seed=7)
    net.add(ns.NeuronGroup(3, ns.LIF()))
    with pytest.raises(ValidationError, match="differs"):
        ns.Simulator(net, dt=DT, backend="cpu").load_checkpoint(path)
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cut.npz"):
        _sim()[0].load_checkpoint(tmp_path / "cut.npz")
    ns.save(ns.LIF(), tmp_path / "model.npz")
    with pytest.raises(FileFormatError, match="not a 'simulator-checkpoint'"):
        _sim()[0].load_checkpoint(tmp_path / "model.npz")


def test_pickling_a_simulator_points_to_checkpoints():
    sim, mons = _sim()
    sim.run(10 * DT)
    with pytest.raises(TypeError, match="save_checkpoint"):
        pickle.dumps(sim)
    sim.run(10 * DT)  # unharmed
    assert sim.n_steps == 20 and sim.data[mons[2]].t.size == 7
