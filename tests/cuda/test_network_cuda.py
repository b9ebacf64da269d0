"""Network simulator: CPU against CUDA (real GPU or NUMBA_ENABLE_CUDASIM=1)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse

import neurosim as ns
from neurosim._jit import has_cuda
from neurosim.kernels import network as K

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    # the simulator runs poisson_step on numpy uint64 scalars, whose intended
    # modulo-2**64 wraparound numpy reports as overflow
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]


def _net(seed):
    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    drive = net.add(ns.NeuronGroup(20, ns.PoissonSource(rate=200.0)))
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=-0.060, v_th=-0.050, v_reset=-0.065)
    P = net.add(ns.NeuronGroup(20, cell))
    Q = net.add(ns.NeuronGroup(11, ns.LIF(), bias=0.8))
    net.connect(drive, P, ns.OneToOne(3e-3 * 0.005), synapse=ns.Lowpass(0.005))
    net.connect(drive, P, ns.Random(0.3, 0.3 * 0.005), synapse=ns.Lowpass(0.005),
                reversal=0.0)  # fmt: skip
    net.connect(P, Q, rng.normal(size=(20, 11)) * 0.02, synapse=ns.Alpha(0.004),
                delay=1e-3)  # fmt: skip
    W = scipy.sparse.random(11, 20, density=0.3, random_state=1) * -2e-3 * 0.01
    net.connect(Q, P[5:], W.tocsr()[:, :15], synapse=ns.Lowpass(0.01))
    F = ns.Factored(rng.normal(size=(20, 2)) * 0.05, rng.normal(size=(2, 11)))
    net.connect(P, Q, F, synapse=ns.Lowpass(0.01))
    # a CUBA-like group: two one-state current channels, fused and scaled on
    # the CPU (the 2 ms one rescales about every 56 steps)
    C = net.add(ns.NeuronGroup(16, cell, bias=0.012))
    net.connect(drive, C, ns.Random(0.5, 2e-3 * 0.005), synapse=ns.Lowpass(0.005))
    net.connect(P, C, ns.Random(0.5, -2e-3 * 0.002), synapse=ns.Lowpass(0.002))
    mons = [net.monitor_spikes(g) for g in (drive, P, Q, C)]
    vm = net.monitor_state(P, "v", record=[0, 7], every=2)
    rd = net.monitor_readout(P, rng.normal(size=(20, 3)), ns.Lowpass(0.01), every=3)
    return net, mons, vm, rd


@pytest.fixture
def small_blocks(monkeypatch):
    # several blocks and the tail guard exercised on tiny arrays
    from neurosim import _config

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 8)


def test_cpu_and_cuda_give_the_same_network(small_blocks):
    out = {}
    for backend in ("cpu", "cuda"):
        net, mons, vm, rd = _net(4)
        sim = ns.Simulator(net, dt=2e-4, backend=backend, progress=False)
        seg = sim._built.arrays["seg_i"]
        assert (seg[:, 0] == K.SEG_LIF_FUSED).sum() == 1  # C runs fused on the CPU
        sim.run(0.02)
        sim.run(0.02)  # continuation on both backends
        out[backend] = (mons, vm, rd)
    (mc, vc, rc), (mg, vg, rg) = out["cpu"], out["cuda"]
    assert mc[1].indices.size > 20 and mc[2].indices.size > 5
    assert mc[3].indices.size > 5
    for a, b in zip(mc, mg, strict=True):
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.steps, b.steps)
    if numba.config.ENABLE_CUDASIM:
        # the same operations in the same order: bit for bit
        np.testing.assert_array_equal(vc.v, vg.v)
        np.testing.assert_array_equal(rc.data, rg.data)
    else:
        # a GPU may fuse multiply-adds: a few ulps of the signal's scale
        np.testing.assert_allclose(vc.v, vg.v, rtol=0, atol=64 * np.finfo(float).eps)
        tol = 64 * np.finfo(float).eps * np.abs(rc.data).max()
        np.testing.assert_allclose(rc.data, rg.data, rtol=0, atol=tol)
