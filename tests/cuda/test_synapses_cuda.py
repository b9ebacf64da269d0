"""CUDA synapse kernel against the CPU one (real GPU or NUMBA_ENABLE_CUDASIM=1)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import neurosim as ns
from neurosim._jit import has_cuda

if not has_cuda():
    pytest.skip("no CUDA device or simulator", allow_module_level=True)

pytestmark = pytest.mark.cuda


@pytest.mark.parametrize("syn", [ns.Lowpass(0.005), ns.DoubleExp(0.001, 0.01)])
def test_lti_run_cuda_matches_cpu(syn, rng):
    from neurosim.kernels.synapses_cuda import lti_run_cuda

    dt = 1e-3
    u = rng.normal(size=(40, 19)) * 100  # 19 channels over 3 blocks of 8 threads
    A, B, C, D = syn.discretize(dt, method="impulse")
    X = np.zeros((A.shape[0], u.shape[1]))
    y = lti_run_cuda(A, B, C, D, u, X, threads_per_block=8)
    ref = syn.filt(u, dt=dt, method="impulse")
    step = syn.step_function(dt, shape=19, method="impulse")
    for k in range(u.shape[0]):
        step(u[k])
    if numba.config.ENABLE_CUDASIM:
        # same plain update function, same operation order: bit for bit
        np.testing.assert_array_equal(y, ref)
        np.testing.assert_array_equal(X, step.state)
    else:
        # a GPU may fuse multiply-adds: a few ulps of the signal's scale
        tol = 16 * np.finfo(float).eps * np.abs(ref).max()
        np.testing.assert_allclose(y, ref, rtol=0, atol=tol)
        np.testing.assert_allclose(X, step.state, rtol=0, atol=tol)
