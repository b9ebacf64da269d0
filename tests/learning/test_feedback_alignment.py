"""Feedback alignment: backprop with W^T feedback, learning with random feedback."""

import numpy as np
import pytest

from neurosim import ann
from neurosim.learning import FeedbackAlignment, backprop_grads, cosine

SIZES = [6, 9, 7, 4]


def test_symmetric_feedback_is_backprop(rng):
    X = rng.normal(size=(20, SIZES[0]))
    y = rng.integers(0, SIZES[-1], 20)
    fa = FeedbackAlignment(SIZES, "tanh", seed=0)
    fa.feedback_ = [W.copy() for W, _ in fa.weights()]  # B = W: the backprop pathway
    T = fa._targets(y)
    grads, _, _ = fa._batch_grads(X, T)
    for (gw, gb), (rw, rb) in zip(grads, backprop_grads(fa, X, T)):
        np.testing.assert_allclose(gw, rw, rtol=1e-12, atol=1e-15)  # same arithmetic
        np.testing.assert_allclose(gb, rb, rtol=1e-12, atol=1e-15)


def test_random_feedback_learns_and_aligns(rng):
    X = rng.normal(size=(300, SIZES[0]))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)
    fa = FeedbackAlignment(SIZES, "tanh", seed=1)
    B0 = [B.copy() for B in fa.feedback_]
    fa.fit(
        X,
        y,
        epochs=40,
        optimizer=ann.Adam(fa.parameters(), lr=1e-2),
        track_alignment=True,
        seed=0,
    )
    assert fa.history_["accuracy"][-1] > 0.9
    for B, B1 in zip(B0, fa.feedback_):
        np.testing.assert_array_equal(B, B1)  # feedback stays fixed
    # top layer always gets the true gradient; hidden ones align over training
    np.testing.assert_allclose(fa.alignment_[:, -1], 1.0, rtol=1e-12)
    assert np.all(fa.alignment_[-1, :-1] > 0.3)
    assert cosine(fa.feedback_[1], fa.weights()[1][0]) > 0.2


def test_bad_input():
    with pytest.raises(ValueError, match="feedback_scale"):
        FeedbackAlignment(SIZES, feedback_scale=0.0)
    with pytest.raises(ValueError, match="activation"):
        FeedbackAlignment(SIZES, activation="swish")
    with pytest.raises(ValueError, match="loss"):
        FeedbackAlignment(SIZES, loss="hinge")
