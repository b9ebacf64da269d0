"""Restricted Boltzmann machine: exact formulas, CD-k training on bars and stripes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import neurosim as ns
from neurosim.energy import bars_and_stripes, is_bars_and_stripes

SIZE = 4
N_VALID = 2 ** (SIZE + 1) - 2  # 30 distinct 4x4 bars-and-stripes images
CHANCE = N_VALID / 2 ** (SIZE * SIZE)  # 4.6e-4 for uniformly random binary images


@pytest.fixture(scope="module")
def trained():
    """A 16-16 RBM trained by CD-1 on 1000 bars-and-stripes images (0.2 s)."""
    V = bars_and_stripes(1000, SIZE, seed=0)
    rbm = ns.RBM(SIZE * SIZE, 16, seed=0).fit(V, k=1, epochs=50, lr=0.1)
    return rbm, V


def test_bars_and_stripes_generator():
    V = bars_and_stripes(2000, SIZE, seed=1)
    assert V.shape == (2000, 16) and np.all(is_bars_and_stripes(V, SIZE))
    assert len(np.unique(V, axis=0)) == N_VALID  # all 30 appear in 2000 draws
    img = np.zeros((SIZE, SIZE))
    img[0, 0] = 1  # a single pixel is neither bars nor stripes
    assert not is_bars_and_stripes(img.reshape(1, -1), SIZE)[0]


def _all_binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def test_free_energy_and_conditionals_match_brute_force(rng):
    nv, nh = 4, 3
    rbm = ns.RBM(nv, nh, seed=0, init_scale=1.0).fit(
        (rng.random((20, nv)) < 0.5).astype(float), epochs=1
    )
    W, b, c = rbm.weights_, rbm.visible_bias_, rbm.hidden_bias_
    V, H = _all_binary(nv), _all_binary(nh)
    E = -(V @ W @ H.T) - (V @ b)[:, None] - (H @ c)[None, :]  # E[v, h]
    F = -np.log(np.exp(-E).sum(axis=1))
    np.testing.assert_allclose(rbm.free_energy(V), F, rtol=1e-12)  # float64 sums
    # p(h_j = 1 | v) = sum over h with h_j = 1 of p(h | v)
    p_h = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rbm.hidden_probs(V), p_h @ H, rtol=1e-12)
    p_v = np.exp(-E) / np.exp(-E).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(rbm.visible_probs(H), p_v.T @ V, rtol=1e-12)


def test_cd1_lowers_reconstruction_error_steadily(trained):
    rbm, _ = trained
    err = rbm.reconstruction_error_
    assert err[0] > 0.2  # starts near 0.25 (pixels predicted at their mean, 0.5)
    # every epoch lowers the error until it reaches the 1e-3 floor where CD's
    # sampling noise is as large as the remaining improvement
    before_floor = np.flatnonzero(err[1:] > 1e-3) + 1
    assert before_floor.size >= 10
    assert np.all(err[before_floor] < err[before_floor - 1])
    assert err[-1] < 0.01 * err[0]


def test_samples_are_valid_bars_far_above_chance(trained):
    rbm, _ = trained
    S = rbm.sample(500, n_gibbs=200, seed=1)
    valid = np.mean(is_bars_and_stripes(S, SIZE))
    # measured 0.74-0.84 over 8 seeds; chance is 4.6e-4
    assert valid > 0.5 > 1000 * CHANCE


def test_free_energy_of_data_below_noise(trained, rng):
    rbm, V = trained
    noise = (rng.random((500, SIZE * SIZE)) < 0.5).astype(float)
    f_data, f_noise = rbm.free_energy(V), rbm.free_energy(noise)
    assert f_data.mean() < f_noise.mean()
    # stronger: even the least likely training image beats the median noise
    # image (measured: it beats 97-99 % of noise images)
    assert f_data.max() < np.median(f_noise)


def test_cd_k_and_reproducibility():
    V = bars_and_stripes(300, SIZE, seed=2)
    a = ns.RBM(16, 8, seed=3).fit(V, k=3, epochs=5)
    b = ns.RBM(16, 8, seed=3).fit(V, k=3, epochs=5)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.reconstruction_error_[-1] < a.reconstruction_error_[0]
    np.testing.assert_array_equal(a.sample(4, 10, seed=1), a.sample(4, 10, seed=1))
    R = a.reconstruct(V[:5])
    assert R.shape == (5, 16) and np.all((R > 0) & (R < 1))


def test_bad_input():
    V = bars_and_stripes(20, SIZE, seed=0)
    with pytest.raises(ValueError, match="V: entries must be 0 or 1"):
        ns.RBM(16, 4).fit(2 * V - 1)
    with pytest.raises(ValueError, match=r"V: expected shape \(n_samples, 16\)"):
        ns.RBM(16, 4).fit(V[:, :9])
    with pytest.raises(ValueError, match="at least one sample"):
        ns.RBM(16, 4).fit(np.zeros((0, 16)))
    for lr in (0.0, -0.1):
        with pytest.raises(ValueError, match="lr"):
            ns.RBM(16, 4).fit(V, lr=lr)
    with pytest.raises(ValueError, match="k"):
        ns.RBM(16, 4).fit(V, k=0)
    with pytest.raises(ValueError, match="RBM.n_hidden"):
        ns.RBM(16, 0).fit(V)
    with pytest.raises(ValueError, match="call fit"):
        ns.RBM(16, 4).sample(3)
    rbm = ns.RBM(16, 4).fit(V, epochs=1)
    with pytest.raises(ValueError, match="V: expected shape"):
        rbm.free_energy(np.ones((2, 15)))
