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


@pytest.mark.slow
def test_matches_brian2_event_driven_stdp(rng):
    """Same rasters through Brian2's classic event-driven STDP synapses."""
    b2 = pytest.importorskip("brian2")
    b2.prefs.codegen.target = "numpy"
    n = 5000
    pre = rng.random((n, 3)) < 0.01
    post = rng.random((n, 2)) < 0.01
    # no pre and post spike in one step: Brian2 pairs those (pre pathway first),
    # this rule does not (W(0) = 0)
    post[pre.any(axis=1)] = False
    stdp = STDP(a_plus=0.01, a_minus=0.006, tau_plus=0.017, tau_minus=0.034, w_max=0.15)
    ours = stdp.run(pre, post, DT, np.full((2, 3), 0.1))

    b2.start_scope()
    b2.defaultclock.dt = DT * b2.second
    t_pre, i_pre = np.nonzero(pre)
    t_post, i_post = np.nonzero(post)
    G_pre = b2.SpikeGeneratorGroup(3, i_pre, t_pre * DT * b2.second)
    G_post = b2.SpikeGeneratorGroup(2, i_post, t_post * DT * b2.second)
    S = b2.Synapses(
        G_pre,
        G_post,
        """w : 1
        dapre/dt = -apre/taupre : 1 (event-driven)
        dapost/dt = -apost/taupost : 1 (event-driven)""",
        on_pre="apre += Aplus\nw = clip(w - Aminus*apost, wmin, wmax)",
        on_post="apost += 1\nw = clip(w + apre, wmin, wmax)",
        namespace={
            "taupre": 0.017 * b2.second,
            "taupost": 0.034 * b2.second,
            "Aplus": 0.01,
            "Aminus": 0.006,
            "wmin": 0.0,
            "wmax": 0.15,
        },
    )
    S.connect()
    S.w = 0.1
    b2.run(n * DT * b2.second)
    theirs = np.zeros((2, 3))
    theirs[S.j[:], S.i[:]] = S.w[:]
    # Brian2 decays traces in continuous time between events, this rule per
    # step by exp(-dt/tau): equal up to rounding of the products
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert np.ptp(ours) > 0.01  # weights moved apart, not all stuck at a bound
