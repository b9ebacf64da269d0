"""Rosenblatt's perceptron (neurosim.learning.Perceptron)."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ShapeError


def test_perceptron_learns_a_separable_problem(rng):
    X = rng.standard_normal((200, 2))
    y = (X @ np.array([2.0, -1.0]) + 0.3 > 0).astype(int)
    p = ns.learning.Perceptron(lr=1.0, epochs=500, seed=0).fit(X, y)
    # Novikoff: finite number of mistakes on separable data -> an error-free epoch
    assert p.errors_[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y)
    with pytest.raises(ShapeError, match=r"\(200, 2\).*\(3,\)"):
        p.fit(X, y[:3])
