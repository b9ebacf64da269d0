"""Decoders: any function, vector-valued, and error shrinking with population size."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def test_decode_functions_and_vectors():
    pop = ns.Population(200, 2, ns.LIFRate(), seed=0)
    x = ns.dists.UniformHypersphere().samples(300, 2, rng=1)  # held-out points
    dec = ns.Decoder(ns.LstsqL2(reg=0.01)).fit_function(
        pop, lambda v: [v[0] * v[1], v[0] ** 2]
    )
    assert dec.decoders_.shape == (200, 2)
    y = dec.predict(pop.rates(x))
    err = np.sqrt(
        np.mean((y - np.column_stack([x[:, 0] * x[:, 1], x[:, 0] ** 2])) ** 2)
    )
    # 200 neurons in 2-D with reg 0.01: Nengo-typical product error is ~0.02
    assert err < 0.05
    assert dec.rmse_ == pytest.approx(np.sqrt(np.mean(dec.info_["rmses"] ** 2)))


def test_one_d_targets_give_one_d_decoders():
    pop = ns.Population(50, seed=0)
    x = np.linspace(-1, 1, 101)
    dec = ns.Decoder().fit(pop.rates(x), np.sin(np.pi * x))
    assert dec.decoders_.shape == (50,)
    assert dec.predict(pop.rates(x)).shape == (101,)


def test_rmse_falls_with_population_size():
    """Held-out error of decoding x^2 falls steadily from 25 to 1,600 neurons."""
    sizes = [25, 100, 400, 1600]
    x = np.linspace(-1, 1, 401)[:, None]
    errs = np.zeros((3, len(sizes)))
    for s in range(3):
        for k, n in enumerate(sizes):
            pop = ns.Population(n, seed=100 * s + k)
            dec = ns.Decoder(ns.LstsqL2(reg=0.01)).fit_function(pop, np.square)
            errs[s, k] = np.sqrt(np.mean((dec.predict(pop.rates(x)) - x**2) ** 2))
    mean = errs.mean(axis=0)
    # every 4x increase in neurons at least ~halves the error (NEF: error ~ 1/sqrt(N)
    # for noise, faster for the static distortion); allow 0.75 as a margin
    assert np.all(mean[1:] < 0.75 * mean[:-1]), mean


def test_errors():
    with pytest.raises(ValueError, match="call fit"):
        ns.Decoder().predict(np.ones((2, 3)))
    dec = ns.Decoder().fit(np.eye(3) * 100, np.ones(3))
    with pytest.raises(ns.ShapeError, match="expected 3 columns"):
        dec.predict(np.ones((2, 4)))
    pop = ns.Population(10, 2, seed=0)
    with pytest.raises(ns.ShapeError, match="fixed length"):
        ns.Decoder().fit_function(pop, lambda v: np.ones(int(v[0] > 0) + 1))
