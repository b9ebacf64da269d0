"""STDP: the online trace implementation reproduces the pair window."""

import numpy as np
import pytest

from neurosim.learning import STDP

DT = 1e-4


def test_single_pairs_reproduce_the_window():
    stdp = STDP(
        a_plus=0.01,
        a_minus=0.012,
        tau_plus=0.017,
        tau_minus=0.034,
        w_min=-np.inf,
        w_max=np.inf,
    )
    lags = np.arange(-800, 801, 40)  # steps, -80 ms .. 80 ms
    n = 2000
    pre = np.zeros((n, len(lags)), bool)
    post = np.zeros((n, len(lags)), bool)
    for j, lag in enumerate(lags):  # one synapse per lag (diagonal of the matrix)
        pre[1000, j] = True
        post[1000 + lag, j] = True
    w = stdp.run(pre, post, DT, np.zeros((len(lags), len(lags))))
    dw = np.diag(w)
    # traces decay by exp(-dt/tau) exactly per step, so the window is exact on
    # the grid; only rounding of the repeated products remains
    np.testing.assert_allclose(dw, stdp.window(lags * DT), rtol=1e-10, atol=1e-16)
    assert dw[lags > 0].min() > 0 and dw[lags < 0].max() < 0 and dw[lags == 0] == 0
    np.testing.assert_allclose(stdp.window(0.017), 0.01 / np.e, rtol=1e-14)


def test_online_equals_all_pairs_sum(rng):
    stdp = STDP(w_min=-np.inf, w_max=np.inf)
    pre = rng.random((5000, 4)) < 0.02
    post = rng.random((5000, 3)) < 0.02
    w = stdp.run(pre, post, DT, np.zeros((3, 4)))
    t = np.arange(5000) * DT
    ref = np.array(
        [
            [stdp.weight_change(t[pre[:, j]], t[post[:, i]]) for j in range(4)]
            for i in range(3)
        ]
    )
    np.testing.assert_allclose(w, ref, rtol=1e-10, atol=1e-14)


def test_bounds_clip(rng):
    stdp = STDP(a_plus=0.5, a_minus=0.5, w_min=0.0, w_max=1.0)
    pre = np.zeros((100, 1), bool)
    post = np.zeros((100, 1), bool)
    pre[::10], post[1::10] = True, True  # pre leads post by 1 step: potentiation
    w = stdp.run(pre, post, DT, np.full((1, 1), 0.5))
    assert w[0, 0] == 1.0
    w = stdp.run(post, pre, DT, np.full((1, 1), 0.5))
    assert w[0, 0] == 0.0


def test_bad_input():
    with pytest.raises(ValueError, match="tau_plus"):
        STDP(tau_plus=0.0)
    with pytest.raises(ValueError, match="w_min"):
        STDP(w_min=1.0, w_max=0.0)
    stdp = STDP()
    with pytest.raises(ValueError, match="n_steps"):
        stdp.run(np.zeros((10, 2)), np.zeros((9, 1)), DT, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="w0"):
        stdp.run(np.zeros((10, 2)), np.zeros((10, 1)), DT, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dt"):
        stdp.run(np.zeros((10, 2)), np.zeros((10, 1)), 0.0, np.zeros((1, 2)))
