"""PES: a population's decoded output learns to track a target."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.learning import PES


def test_pes_tracks_a_target_function():
    dt = 1e-3
    t = np.arange(0.0, 10.0, dt)
    x = np.sin(2 * np.pi * t)[:, None]
    pop = ns.Population(100, 1, seed=0)
    A = pop.rates(x)  # (n_steps, 100) LIF rates, Hz
    target = x**2  # a nonlinear function of the represented value
    pes = PES(learning_rate=1e-3)
    out = pes.run(A, target, dt)
    rmse = lambda s: np.sqrt(np.mean((out[s] - target[s]) ** 2))  # noqa: E731
    first, last = rmse(slice(0, 1000)), rmse(slice(-1000, None))
    assert last < 0.05  # tracks: 5 % of the target's range
    assert last < first / 5
    # the learned decoders decode x**2 offline too (RMSE over a grid of x)
    xs = np.linspace(-1, 1, 41)[:, None]
    assert np.sqrt(np.mean((pes.predict(pop.rates(xs)) - xs**2) ** 2)) < 0.1


def test_partial_fit_is_the_rule(rng):
    A = rng.random((5, 8)) * 100
    E = rng.normal(size=(5, 2))
    pes = PES(learning_rate=1e-3, decoders=np.ones((8, 2)))
    pes.partial_fit(A, E, dt=2e-3)
    np.testing.assert_allclose(
        pes.decoders_, 1.0 - 1e-3 * 2e-3 / 8 * A.T @ E, rtol=1e-14
    )


def test_bad_input(rng):
    pes = PES()
    with pytest.raises(ValueError, match="rows"):
        pes.partial_fit(rng.random((5, 8)), rng.random((4, 1)))
    pes.partial_fit(rng.random((5, 8)), rng.random((5, 1)))
    with pytest.raises(ValueError, match="neurons"):
        pes.partial_fit(rng.random((5, 7)), rng.random((5, 1)))
    with pytest.raises(ValueError, match="learning_rate"):
        PES(learning_rate=-1.0)
