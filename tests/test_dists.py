"""Distributions: shapes, ranges, uniformity and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def test_uniform_range_and_mean(rng):
    x = ns.dists.Uniform(-1, 3).samples(20000, rng=rng)
    assert x.shape == (20000,)
    assert x.min() >= -1 and x.max() < 3
    # mean 1, sd 4/sqrt(12)=1.15 -> standard error 0.008; 5 SE
    assert abs(x.mean() - 1.0) < 0.04


def test_uniform_integer_and_seed_reproducible():
    a = ns.dists.Uniform(0, 5, integer=True).samples(100, 2, rng=3)
    b = ns.dists.Uniform(0, 5, integer=True).samples(100, 2, rng=3)
    assert a.shape == (100, 2)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 1.0, 2.0, 3.0, 4.0}


def test_choice_vectors_and_weights(rng):
    c = ns.dists.Choice([[1, 0], [0, 1]], weights=[3, 1])
    x = c.samples(8000, 2, rng=rng)
    frac = np.mean(x[:, 0] == 1)
    # p = 0.75, SE = 0.005; 5 SE
    assert abs(frac - 0.75) < 0.025
    with pytest.raises(ns.ShapeError, match="dimension"):
        c.samples(3, 3, rng=rng)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_hypersphere_surface_unit_norm_and_isotropic(rng, d):
    x = ns.dists.UniformHypersphere(surface=True).samples(20000, d, rng=rng)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-12)
    # isotropy: mean ~ 0 (each coordinate's sd is 1/sqrt(d), SE <= 0.007; 5 SE)
    assert np.all(np.abs(x.mean(axis=0)) < 0.035)


@pytest.mark.parametrize("d", [1, 3])
def test_hypersphere_ball_radius_distribution(rng, d):
    x = ns.dists.UniformHypersphere().samples(20000, d, rng=rng)
    r = np.linalg.norm(x, axis=1)
    assert r.max() <= 1.0
    # uniform in volume: P(r < 0.5) = 0.5**d; binomial SE <= 0.0036, 5 SE
    assert abs(np.mean(r < 0.5) - 0.5**d) < 0.018


def test_exponential_shift_and_clip(rng):
    x = ns.dists.Exponential(0.1, shift=0.2, high=0.5).samples(5000, rng=rng)
    assert x.min() >= 0.2 and x.max() <= 0.5


def test_get_samples_arrays_and_errors(rng):
    np.testing.assert_array_equal(ns.dists.get_samples(2.0, 3), [2.0, 2.0, 2.0])
    assert ns.dists.get_samples([1, 2, 3], 3, 1).shape == (3, 1)
    with pytest.raises(ns.ShapeError, match=r"expected shape \(4,\)"):
        ns.dists.get_samples([1, 2, 3], 4, name="max_rates")
    with pytest.raises(ValueError, match="Uniform.high"):
        ns.dists.Uniform(1, 0)
    with pytest.raises(ValueError, match="n: must be >= 0"):
        ns.dists.Uniform(0, 1).samples(-1)


@pytest.mark.parametrize("d", [1, 3])
def test_scattered_hypersphere_uniform_and_even(rng, d):
    x = ns.dists.ScatteredHypersphere().samples(4000, d, rng=rng)
    r = np.linalg.norm(x, axis=1)
    assert r.max() <= 1.0
    assert abs(np.mean(r < 0.5) - 0.5**d) < 0.01  # quasi-random: error ~1/n
    s = ns.dists.ScatteredHypersphere(surface=True).samples(100, d, rng=rng)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, rtol=1e-12)
    # evenness: the largest gap between sorted first coordinates is far below
    # a random sample's (~log(n)/n of the range for n uniform points)
    q = np.sort(ns.dists.ScatteredHypersphere().samples(1000, 1, rng=rng)[:, 0])
    u = np.sort(ns.dists.UniformHypersphere().samples(1000, 1, rng=rng)[:, 0])
    assert np.diff(q).max() < 0.5 * np.diff(u).max()
