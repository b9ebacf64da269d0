"""Checkpoints on the CUDA backend (a real GPU or NUMBA_ENABLE_CUDASIM=1)."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.exceptions import ValidationError

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]

DT = 2e-4


def _sim(backend="cuda"):
    """Poisson drive, a 3-step delay into a two-state synapse, every monitor kind."""
    rng = np.random.default_rng(0)
    net = ns.Network(seed=4)
    drive = net.add(ns.NeuronGroup(12, ns.PoissonSource(rate=400.0)))
    P = net.add(ns.NeuronGroup(9, ns.LIF(), bias=0.7))
    net.connect(drive, P, ns.Random(0.5, 0.3), synapse=ns.Alpha(0.002), delay=6e-4)
    net.connect(P, P, rng.normal(size=(9, 9)) * 0.1, synapse=ns.Lowpass(0.004))
    mons = [
        net.monitor_spikes(P),
        net.monitor_state(P, "v", record=[0, 4], every=2),
        net.monitor_readout(P, rng.normal(size=(9, 2)), ns.Lowpass(0.01)),
    ]
    return ns.Simulator(net, dt=DT, backend=backend, progress=False), mons


def _records(sim, mons):
    s, v, r = (sim.data[m] for m in mons)
    return [s.indices, s.steps, v.t, v.v, r.t, r.data]


def test_cuda_checkpoint_continues_bit_for_bit(tmp_path):
    path = tmp_path / "gpu.npz"
    first, _ = _sim()
    first.run(25 * DT)
    first.save_checkpoint(path)
    sim, mons = _sim()
    sim.load_checkpoint(path)
    sim.run(25 * DT)
    ref, ref_mons = _sim()
    ref.run(50 * DT)
    a, b = sim.snapshot(), ref.snapshot()
    assert "ring_flags" in a and a["ring_flags"].any()  # spikes in flight
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    got, want = _records(sim, mons), _records(ref, ref_mons)
    assert got[0].size > 10
    for x, y in zip(got, want, strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValidationError, match="backend='cuda'"):
        _sim("cpu")[0].load_checkpoint(path)


def test_lif_starting_above_threshold_matches_the_cpu():
    out = {}
    for backend in ("cpu", "cuda"):
        net = ns.Network(seed=0)
        g = net.add(ns.NeuronGroup(4, ns.LIF(tau_ref=0.002), v0=[1.2, 1.0, 0.5, 3.0],
                                   bias=[0.5, 1.5, 3.0, 0.2]))  # fmt: skip
        s, v = net.monitor_spikes(g), net.monitor_state(g, "v", record=True)
        ns.Simulator(net, dt=DT, backend=backend, progress=False).run(30 * DT)
        out[backend] = (s.indices, s.steps, v.v)
    for a, b in zip(out["cpu"], out["cuda"], strict=True):
        np.testing.assert_array_equal(a, b)
    idx, steps, _ = out["cpu"]
    assert set(idx[steps == 0]) == {0, 1, 3}  # at or above threshold: at once
