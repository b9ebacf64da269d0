"""Bad arguments to ``neurosim.ann`` get a clear error naming them, before any work.

The bad-input sweep (``tests/badinput``) covers every argument with a battery;
these are fast spot checks of the shared helpers it relies on, and of sizes
refused before allocation (no ``MemoryError``, no multi-TiB attempt).
"""

import numpy as np
import pytest

from neurosim import ann
from neurosim._validation import check_axis, check_generator, check_sequence, check_size


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: ann.Linear(10**12, 3), "in_features"),
        (lambda: ann.MinGRU(3, 2**64), "hidden_size"),
        (lambda: ann.BatchNorm1d(10**12), "num_features"),
        (lambda: ann.LayerNorm(10**12), "normalized_shape"),
        (lambda: ann.causal_mask(10**12, 4), "L"),
        (
            lambda: ann.TransformerEncoderLayer(4, 2, dim_feedforward=10**12),
            "dim_feedforward",
        ),
        (lambda: ann.xavier_uniform((10**12, 10**12)), "shape"),
    ],
)
def test_sizes_that_cannot_fit_are_refused_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b.*GiB"):
        call()


def test_composite_modules_name_their_own_arguments():
    with pytest.raises(ValueError, match=r"^d_model: must be divisible by nhead"):
        ann.TransformerEncoderLayer(4, 3, dim_feedforward=8)
    with pytest.raises(ValueError, match=r"^hidden_size: must be >= 1"):
        ann.MinGRU(3, 0)
    with pytest.raises(ValueError, match=r"^layer_norm_eps: must be > 0"):
        ann.TransformerEncoderLayer(4, 2, dim_feedforward=8, layer_norm_eps=0.0)


def test_fit_and_predict_name_X_and_y():
    model = ann.MLP([4, 3], seed=0)
    X = np.ones((6, 4))
    with pytest.raises(ValueError, match=r"^y: labels must lie in \[0, 2\]"):
        ann.fit(model, X, np.array([0, 1, 2, 3, 0, 1]), epochs=1)
    with pytest.raises(ValueError, match=r"^y: class labels must be integers"):
        ann.fit(model, X, np.full(6, 0.5), epochs=1)
    with pytest.raises(ValueError, match=r"^X: contains NaN"):
        ann.predict(model, np.full((2, 4), np.nan))
    with pytest.raises(
        ValueError, match=r"^X: the model does not take inputs of shape"
    ):
        ann.predict(model, np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"^batch_size: must be >= 1"):
        ann.predict(model, X, batch_size=0)


def test_ops_name_their_arguments():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"^bias: expected shape \(2,\)"):
        ann.linear(x, np.ones((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"^axis: must be <= 1"):
        ann.softmax(x, axis=2)
    with pytest.raises(TypeError, match=r"^tensors\[1\]: expected a numeric array"):
        ann.concat([x, None])
    with pytest.raises(TypeError, match=r"^rng: expected a numpy.random.Generator"):
        ann.dropout(x, 0.5, rng=0)
    with pytest.raises(ValueError, match=r"^target: labels must lie in \[0, 2\]"):
        ann.cross_entropy(x, np.array([0, 3]))


def test_helpers():
    assert check_size("n", 3.0) == 3
    assert check_axis("axis", -2, 2) == -2
    assert check_sequence("s", (1, 2)) == [1, 2]
    g = np.random.default_rng(0)
    assert check_generator("rng", g) is g
    with pytest.raises(ValueError, match=r"^axis: must be >= -2"):
        check_axis("axis", -3, 2)
    with pytest.raises(TypeError, match=r"^s: expected a sequence"):
        check_sequence("s", "ab")
    with pytest.raises(ValueError, match=r"^n: must be >= 1"):
        check_size("n", 0)
