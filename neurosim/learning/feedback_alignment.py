"""Feedback alignment: backprop's error pathway with fixed random feedback weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import SeedLike, check_positive
from ._network import LayeredLearner, loss_and_error


class FeedbackAlignment(LayeredLearner):
    r"""An MLP whose errors travel down through fixed random matrices (Lillicrap 2016).

    Forward pass as ``ann.MLP(layer_sizes, activation)`` (same seed, same initial
    weights). The backward pass replaces each :math:`W_k^\top` by a fixed random
    :math:`B_k` of the same shape:

    .. math:: \delta^L = -(t - \hat y), \quad
              \delta^k = \sigma'(x^k) \odot (\delta^{k+1} B_k), \quad
              \Delta W_k \propto -\delta^{k+1\top} \sigma(x^k)

    (batch means; the output error is the loss's, as in backprop). Learning
    works because the forward weights come to align with :math:`B^\top`;
    ``fit(track_alignment=True)`` records the cosine between these updates and
    backprop's gradients.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths, input first.
    activation : {"tanh", "logistic", "relu", "linear"}
    loss : {"cross_entropy", "mse"}
    feedback_scale : float
        :math:`B_k \sim U(-s, s)/\sqrt{n_k}` with :math:`n_k` its layer's fan-in,
        the forward weights' own distribution when ``s = 1``.
    seed : int, Generator or None
        Initial weights (as ``ann.MLP(..., seed=seed)``), then the feedback.

    Attributes
    ----------
    feedback_ : list of ndarray
        :math:`B_k`, each of ``W_k``'s shape (n_out, n_in).
    history_, alignment_
        As :class:`~neurosim.learning.PredictiveCoding`.

    References
    ----------
    Lillicrap, Cownden, Tweed & Akerman (2016) Nat Commun 7:13276,
    doi:10.1038/ncomms13276.
    """

    def __init__(
        self,
        layer_sizes: Any,
        activation: str = "tanh",
        *,
        loss: str = "cross_entropy",
        feedback_scale: float = 1.0,
        seed: SeedLike = None,
    ) -> None:
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.loss = loss
        self.feedback_scale = check_positive(
            "FeedbackAlignment.feedback_scale", feedback_scale
        )
        self.seed = seed
        self._build(layer_sizes, activation, loss, seed)
        s = self.feedback_scale
        self.feedback_ = [
            self.rng_.uniform(-s, s, W.shape) / np.sqrt(W.shape[1])
            for W, _ in self.weights()
        ]

    def _batch_grads(self, X: np.ndarray, T: np.ndarray):
        xs = self.forward_values(X)
        losses, err = loss_and_error(self.loss, xs[-1], T)
        n = len(X)
        delta = -err
        grads = []
        for k in range(self.n_layers - 1, -1, -1):
            grads.append((delta.T @ self._f(k, xs[k]) / n, delta.sum(axis=0) / n))
            if k > 0:
                delta = self._df(k, xs[k]) * (delta @ self.feedback_[k])
        return grads[::-1], losses, xs[-1]
