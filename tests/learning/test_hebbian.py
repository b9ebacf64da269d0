"""Hebbian and Oja rules: exact increments and convergence to principal components."""

import numpy as np
import pytest

from neurosim.learning import Hebbian, Oja


def _gaussian(rng, n=20000, lam=(4.0, 2.0, 1.0, 0.5, 0.25)):
    d = len(lam)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    X = rng.normal(size=(n, d)) * np.sqrt(lam) @ Q.T
    X -= X.mean(axis=0)
    _, V = np.linalg.eigh(X.T @ X / n)
    return X, V[:, ::-1]  # principal axes, largest first


def _angle_deg(w, v):
    return np.degrees(np.arccos(min(1.0, abs(w @ v) / np.linalg.norm(w))))


def test_hebbian_increment_and_power_iteration(rng):
    X, V = _gaussian(rng, n=2000)
    h = Hebbian(1, learning_rate=0.05, decay=0.01, seed=0)
    h.partial_fit(X[:10])
    W0 = h.weights_.copy()
    h.partial_fit(X[10:20])
    Y = X[10:20] @ W0.T
    np.testing.assert_allclose(
        h.weights_, W0 + 0.05 * Y.T @ X[10:20] / 10 - 0.01 * W0, rtol=1e-13
    )
    # no decay: repeated full-batch Hebb is a power iteration -> grows along PC1
    h = Hebbian(1, learning_rate=0.05, seed=0)
    for _ in range(300):
        h.partial_fit(X)
    assert np.linalg.norm(h.weights_) > 1e3
    assert _angle_deg(h.weights_[0], V[:, 0]) < 1e-3  # (1+0.05*2)/(1+0.05*4) per step


def test_oja_finds_first_principal_component(rng):
    X, V = _gaussian(rng)
    oja = Oja(1, learning_rate=0.01, seed=1).fit(X, epochs=10, batch_size=100)
    assert _angle_deg(oja.weights_[0], V[:, 0]) < 1.0  # the criterion
    # and the norm settles at 1 (Oja's normalisation), within the sampling noise
    assert abs(np.linalg.norm(oja.weights_[0]) - 1.0) < 1e-2


def test_sanger_finds_leading_components_in_order(rng):
    X, V = _gaussian(rng)
    oja = Oja(3, learning_rate=0.01, seed=2).fit(X, epochs=20, batch_size=100)
    angles = [_angle_deg(oja.components_[i], V[:, i]) for i in range(3)]
    assert max(angles) < 3.0  # slower: components 2-3 have gaps of 1 and 0.5


def test_subspace_rule_spans_leading_components(rng):
    X, V = _gaussian(rng)
    oja = Oja(2, learning_rate=0.01, rule="subspace", seed=3)
    oja.fit(X, epochs=20, batch_size=100)
    W = oja.weights_
    np.testing.assert_allclose(W @ W.T, np.eye(2), atol=2e-2)  # orthonormal rows
    P = V[:, :2] @ V[:, :2].T  # projector on the top-2 subspace
    assert np.linalg.norm(W - W @ P) < 5e-2


def test_bad_input(rng):
    with pytest.raises(ValueError, match="learning_rate"):
        Oja(1, learning_rate=0.0)
    with pytest.raises(ValueError, match="rule"):
        Oja(1, rule="bcm")
    oja = Oja(1, seed=0)
    oja.partial_fit(rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="expected 3 features"):
        oja.partial_fit(rng.normal(size=(5, 4)))
    h = Hebbian(2, seed=0)
    with pytest.raises(ValueError, match="Y"):
        h.partial_fit(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
