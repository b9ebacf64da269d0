"""ANN-to-SNN conversion: IF spike counts and outputs against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ann
from neurosim.ann.conversion import convert_mlp


def _net(sizes, seed=0):
    return ann.MLP(sizes, activation="relu", seed=seed)


def test_if_spike_counts_are_floor_of_rate_times_steps():
    """An IF neuron (threshold 1, reset by subtraction) driven by a constant
    current c in [0, 1] per step has fired floor(n c) times after n steps;
    with c <= 0 it never fires."""
    rng = np.random.default_rng(0)
    net = _net([3, 6, 2])
    X = rng.uniform(-1, 1, (20, 3))
    snn = convert_mlp(net, X, percentile=100.0)
    W0, b0 = snn.weights_[0], snn.biases_[0]
    c = X @ W0.T + b0  # current per step, <= 1 by the max normalisation
    assert c.max() == pytest.approx(1.0) and c.min() < 0
    n = 137
    res = snn.run(X, duration=n * snn.dt)
    want = np.floor(n * np.clip(c, 0, None) + 1e-9)  # + 1e-9: c = 1 exactly
    np.testing.assert_array_equal(res.spike_counts[0], want)
    assert res.output.shape == (n, 20, 2)
    np.testing.assert_allclose(res.t[-1], n * 1e-3, rtol=1e-12)


def test_output_integrates_the_hidden_spikes_one_step_late():
    """In the network a spike reaches the next layer in the following step, so
    after n steps the output holds V_n = W'_L floor((n - 1) c) + n b'_L, with
    c the hidden layer's current per step (in [0, 1] at percentile 100)."""
    rng = np.random.default_rng(1)
    net = _net([4, 10, 3], seed=1)
    X = rng.standard_normal((30, 4))
    snn = convert_mlp(net, X, percentile=100.0)
    c = np.clip(X @ snn.weights_[0].T + snn.biases_[0], 0, None)
    res = snn.run(X, 60e-3)
    for n in (1, 2, 17, 60):
        want = np.floor((n - 1) * c + 1e-9) @ snn.weights_[-1].T + n * snn.biases_[-1]
        # sums of a few hundred O(1) terms: rounding far below 1e-9
        np.testing.assert_allclose(res.output[n - 1], want, rtol=0, atol=1e-9)


def test_integrated_output_converges_to_the_logits():
    """|V_n / n - logits| <= sum_j |W'_L[:, j]| (1 + c_j) / n: the output has
    the hidden counts of n - 1 steps, each within one spike of (n - 1) c_j
    (percentile 100 on the same inputs: no activation is clipped)."""
    rng = np.random.default_rng(1)
    net = _net([4, 10, 3], seed=1)
    X = rng.standard_normal((30, 4))
    snn = convert_mlp(net, X, percentile=100.0)
    c = np.clip(X @ snn.weights_[0].T + snn.biases_[0], 0, None)
    logits = ann.predict(net, X)
    for n in (50, 400):
        V = snn.run(X, n * 1e-3).output[-1]
        bound = (1 + c) @ np.abs(snn.weights_[-1]).T / n
        assert np.all(np.abs(V / n - logits) <= bound + 1e-12)
    # the bound is not vacuous: the error does shrink with n
    err = [
        np.abs(snn.run(X, n * 1e-3).output[-1] / n - logits).max() for n in (10, 400)
    ]
    assert err[1] < err[0] / 5


def test_normalisation_uses_the_stated_percentile():
    rng = np.random.default_rng(2)
    net = _net([5, 8, 7, 2], seed=2)
    X = rng.standard_normal((200, 5))
    snn = convert_mlp(net, X, percentile=99.0)
    a1 = np.maximum(X @ net.layers[0].weight.data.T + net.layers[0].bias.data, 0)
    a2 = np.maximum(a1 @ net.layers[1].weight.data.T + net.layers[1].bias.data, 0)
    np.testing.assert_allclose(
        snn.scales_, [np.percentile(a1, 99), np.percentile(a2, 99)]
    )
    np.testing.assert_allclose(
        snn.weights_[1], net.layers[1].weight.data * snn.scales_[0] / snn.scales_[1]
    )


def test_converted_digits_classifier_matches_its_ann():
    X_tr, X_te, y_tr, y_te = ann.load_digits_split()
    net = _net([64, 64, 10])
    ann.fit(
        net, X_tr, y_tr, optimizer=ann.Adam(net.parameters(), lr=1e-3), epochs=8, seed=0
    )
    acc_ann = ann.accuracy(ann.predict(net, X_te), y_te)
    snn = convert_mlp(net, X_tr, percentile=99.9)
    t, acc, spikes = snn.accuracy_curve(X_te, y_te, duration=0.1)
    assert len(t) == 100 and spikes > 0
    assert acc[9] < acc[-1]  # accuracy grows with simulated time
    # the requirement: within 1 percentage point after 100 ms
    assert abs(acc[-1] - acc_ann) <= 0.01


def test_unconvertible_networks_are_rejected():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="mlp: hidden activation 'tanh'"):
        convert_mlp(ann.MLP([3, 4, 2], activation="tanh", seed=0), X)
    with pytest.raises(ValueError, match="mlp: hidden activation 'logistic'"):
        convert_mlp(ann.MLP([3, 4, 2], activation="logistic", seed=0), X)
    with pytest.raises(ValueError, match="mlp: the output layer"):
        convert_mlp(ann.MLP([3, 4, 2], output_activation="relu", seed=0), X)
    with pytest.raises(TypeError, match="mlp"):
        convert_mlp("net", X)
    with pytest.raises(ValueError, match="percentile"):
        convert_mlp(_net([3, 4, 2]), X, percentile=0)
    with pytest.raises(ValueError, match="X: expected shape"):
        convert_mlp(_net([3, 4, 2]), np.zeros((4, 5)))
    snn = convert_mlp(_net([3, 4, 2]), np.ones((4, 3)))
    with pytest.raises(ValueError, match="duration"):
        snn.run(np.ones((2, 3)), duration=-1.0)
