"""NEF models on the CUDA backend: CPU against CUDA (GPU or CUDA simulator)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = pytest.mark.cuda


@pytest.fixture
def small_blocks(monkeypatch):
    # several blocks and the tail guard exercised on tiny arrays
    from neurosim import _config

    monkeypatch.setattr(_config, "THREADS_PER_BLOCK", 8)


def test_nef_model_cpu_and_cuda_agree(small_blocks):
    """Encoded input, ZOH recurrent and factored connections, min_voltage 0."""
    out = {}
    for backend in ("cpu", "cuda"):
        m = ns.Model(seed=2)
        u = m.input(lambda t: np.sin(2 * np.pi * 8 * t))
        a = ns.Population(20, seed=2)
        b = ns.Population(12, seed=3)
        m.recurrent(a, 0.05, A=-1.0, input=u)
        m.connect(a, b, function=np.square, synapse=0.005)
        probes = (m.probe(a, synapse=0.01), m.probe(b), m.probe_spikes(b))
        out[backend] = [m.run(0.06, backend=backend)[p] for p in probes]
    (ac, bc, sc), (ag, bg, sg) = out["cpu"], out["cuda"]
    assert sc.sum() > 5
    np.testing.assert_array_equal(sc, sg)
    if numba.config.ENABLE_CUDASIM:
        # the same operations in the same order: bit for bit
        np.testing.assert_array_equal(ac, ag)
        np.testing.assert_array_equal(bc, bg)
    else:
        # a GPU may fuse multiply-adds: a few ulps of the decoded values' scale
        for c, g in ((ac, ag), (bc, bg)):
            tol = 64 * np.finfo(float).eps * np.abs(c).max()
            np.testing.assert_allclose(c, g, rtol=0, atol=tol)


def test_rate_model_cpu_and_cuda_agree(small_blocks):
    """LIFRate populations: rates through factored recurrent connections."""
    out = {}
    for backend in ("cpu", "cuda"):
        m = ns.Model(seed=0)
        u = m.input(0.5)
        a = ns.Population(16, neuron=ns.LIFRate(), seed=0)
        m.recurrent(a, 0.05, A=-2.0, input=u)
        probes = (m.probe(a, synapse=None), m.probe_spikes(a))
        out[backend] = [m.run(0.03, backend=backend)[p] for p in probes]
    (xc, rc), (xg, rg) = out["cpu"], out["cuda"]
    assert rc.max() > 50  # some neurons fire at tens of Hz
    if numba.config.ENABLE_CUDASIM:
        np.testing.assert_array_equal(xc, xg)
        np.testing.assert_array_equal(rc, rg)
    else:
        # rates of O(100) Hz and decoded values: a few ulps (fused multiply-adds)
        np.testing.assert_allclose(rc, rg, rtol=64 * np.finfo(np.float32).eps)
        tol = 64 * np.finfo(float).eps * np.abs(xc).max()
        np.testing.assert_allclose(xc, xg, rtol=0, atol=tol)
