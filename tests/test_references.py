"""Independent references where planted one-line bugs used to pass the suite.

Each test compares with something other than the code under test: PyTorch's
autograd (Z-IL), the exact Markov chain of a tiny RBM (CD-k), scipy's
exponential distribution, a hand-computed spike arrival (network delays), and
the plotted data of a raster.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats

import neurosim as ns
from neurosim import ann, learning


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_z_il_step_equals_torch_gradient_with_variances(activation, loss, rng):
    """Z-IL's update is backprop's gradient exactly, for non-unit variances too.

    Reference: PyTorch autograd of the same MLP's batch-mean loss; with
    ``loss="mse"`` the output's energy term is ``|t - mu|^2 / (2 v_out)``.
    """
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((8, 4))
    y = np.arange(8) % 3
    variances = [0.5, 2.0, 0.25]  # hidden, hidden, output
    pc = learning.PredictiveCoding(
        [4, 6, 5, 3],
        activation,
        variant="z_il",
        variances=variances,
        loss=loss,
        seed=1,
    )
    before = [p.data.copy() for p in pc.parameters()]
    sgd = ann.SGD(pc.parameters(), lr=1.0)
    pc.fit(X, y, epochs=1, batch_size=8, shuffle=False, optimizer=sgd)
    grads = [b - p.data for b, p in zip(before, pc.parameters(), strict=True)]

    act = {"tanh": torch.tanh, "logistic": torch.sigmoid, "relu": torch.relu}
    tp = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in before]
    h = torch.tensor(X)
    for i in range(0, len(tp), 2):
        h = h @ tp[i].T + tp[i + 1]
        if i < len(tp) - 2:
            h = act[activation](h)
    if loss == "cross_entropy":
        L = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    else:
        T = torch.nn.functional.one_hot(torch.tensor(y), 3).double()
        L = 0.5 * ((h - T) ** 2).sum(1).mean() / variances[-1]
    L.backward()
    for g, t in zip(grads, tp, strict=True):
        # two float64 evaluations of the same chain rule: rounding only
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def _rbm_exact_negative_phase(W, b, c, v0, k):
    """E[v_k ph(v_k)^T] and E[v_k] after k Gibbs steps v -> h -> v from ``v0``.

    Exact, by enumerating the 2**nv visible and 2**nh hidden states.
    """
    nv, nh = W.shape
    V = np.array(list(itertools.product([0.0, 1.0], repeat=nv)))
    H = np.array(list(itertools.product([0.0, 1.0], repeat=nh)))

    def sig(x):
        return 1.0 / (1.0 + np.exp(-x))

    ph = sig(V @ W + c)  # (2^nv, nh): p(h_j = 1 | v)
    pv = sig(H @ W.T + b)  # (2^nh, nv)
    p_h_given_v = np.prod(np.where(H[None] == 1, ph[:, None], 1 - ph[:, None]), -1)
    p_v_given_h = np.prod(np.where(V[None] == 1, pv[:, None], 1 - pv[:, None]), -1)
    P = p_h_given_v @ p_v_given_h  # v -> v' transition, (2^nv, 2^nv)
    start = np.array([np.all(V == v, axis=1) for v in v0], dtype=float)
    dist = start @ np.linalg.matrix_power(P, k)  # (B, 2^nv)
    vph = np.einsum("bs,si,sj->ij", dist, V, ph) / len(v0)
    return vph, dist @ V


def test_rbm_cd_k_step_matches_exact_chain():
    """The mean CD-k update equals its exact expectation, and k changes it."""
    nv, nh = 3, 2
    W = np.array([[1.5, -2.0], [-1.0, 2.5], [2.0, 1.0]])
    b, c = np.array([0.3, -0.2, 0.1]), np.array([-0.5, 0.4])
    v0 = np.tile(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), (500, 1))
    rbm = ns.RBM(nv, nh, seed=0)
    rng = np.random.default_rng(7)
    ph0 = 1.0 / (1.0 + np.exp(-(v0 @ W + c)))
    expected = {}
    for k in (1, 4):
        vph, _ = _rbm_exact_negative_phase(W, b, c, v0, k)
        expected[k] = v0.T @ ph0 / len(v0) - vph  # dW / lr
        reps = 40
        mean = np.zeros_like(W)
        for _ in range(reps):
            rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_ = (
                W.copy(),
                b.copy(),
                c.copy(),
            )
            rbm._cd_step(v0, k, 1.0, rng)
            mean += (rbm.weights_ - W) / reps
        # 20,000 chains: standard error of each entry below 0.005
        np.testing.assert_allclose(mean, expected[k], rtol=0, atol=0.02)
    # k matters: the two expectations differ by more than twice the tolerance
    assert np.abs(expected[4] - expected[1]).max() > 0.06


def test_exponential_distribution_against_scipy():
    dist = ns.dists.Exponential(scale=0.3, shift=0.1)
    x = dist.samples(20000, rng=3)
    ks = scipy.stats.kstest(x, scipy.stats.expon(loc=0.1, scale=0.3).cdf)
    assert ks.pvalue > 1e-3
    # mean shift + scale and sd scale, within 5 standard errors
    se = 0.3 / np.sqrt(x.size)
    assert abs(x.mean() - 0.4) < 5 * se
    assert abs(x.std() - 0.3) < 5 * 0.3 * np.sqrt(2.0 / x.size) * 1.5
    clipped = ns.dists.Exponential(scale=0.3, high=0.5).samples(20000, rng=4)
    assert clipped.max() == 0.5
    # the mass above 0.5 piles up at 0.5: P = exp(-0.5 / 0.3)
    p = np.exp(-0.5 / 0.3)
    assert abs(np.mean(clipped == 0.5) - p) < 5 * np.sqrt(p * (1 - p) / 20000)


def test_network_delay_shifts_the_psp_by_exactly_the_delay():
    """A spike at t_s through delay D reaches the membrane at t_s + D.

    Hand-computed reference: the closed-form PSP of a Lowpass current into the
    RC membrane, ``w (exp(-s/tau_s) - exp(-s/tau_m)) / (tau_s - tau_m)``, with
    ``s = t - t_s - D``.
    """
    dt, t_s, D, tau_s, tau_m, v_rest = 1e-4, 0.005, 0.0030, 0.005, 0.02, -0.07
    w = 20e-3 * 0.005
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[t_s]])))
    post = net.add(
        ns.NeuronGroup(
            1, ns.LIFNeuron(tau_m=tau_m, v_rest=v_rest, v_th=-0.05, v_reset=-0.075)
        )
    )
    net.connect(src, post, weights=[[w]], synapse=ns.Lowpass(tau_s), delay=D)
    mon = net.monitor_state(post, "v", record=[0], every=1)
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(0.04)
    s = mon.t - (t_s + D)
    expected = np.where(
        s >= -1e-12,
        w
        / (tau_s - tau_m)
        * (np.exp(-np.maximum(s, 0) / tau_s) - np.exp(-np.maximum(s, 0) / tau_m)),
        0.0,
    )
    assert np.all(mon.v[s < -1e-12, 0] == v_rest)  # nothing before arrival
    np.testing.assert_allclose(mon.v[:, 0] - v_rest, expected, rtol=0, atol=1e-12)


def test_raster_time_unit():
    import matplotlib.pyplot as plt

    from neurosim import plotting

    times, idx = np.array([0.0015, 0.25]), np.array([0, 3])
    for unit, scale in [("s", 1.0), ("ms", 1e3)]:
        ax = plotting.raster(times=times, indices=idx, time_unit=unit)
        line = ax.get_lines()[0]
        np.testing.assert_array_equal(line.get_xdata(), times * scale)
        np.testing.assert_array_equal(line.get_ydata(), idx)
        assert ax.get_xlabel() == f"time ({unit})"
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="time_unit"):
        plotting.raster(times=times, indices=idx, time_unit="min")
