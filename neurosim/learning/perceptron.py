"""Rosenblatt's perceptron: the first learning rule, with no gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import SeedLike, as_float_array, as_rng, check_count, check_number
from ..exceptions import ShapeError


class Perceptron:
    r"""Rosenblatt's perceptron and its learning rule (no gradients involved).

    Prediction :math:`\hat y = H(w \cdot x + b)` with the Heaviside step; after
    each sample, :math:`w \leftarrow w + \eta (y - \hat y) x`,
    :math:`b \leftarrow b + \eta (y - \hat y)`. On linearly separable data it
    converges in a finite number of updates (Novikoff 1962).

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta` (> 0). Default 1.
    epochs : int
        Most passes over the data (>= 1); training stops at an error-free pass.
    seed : int, numpy.random.Generator or None
        Seeds the sample order of every pass.

    Attributes
    ----------
    weights_ : (n_features,) array
        The weights :math:`w`.
    bias_ : float
        The bias :math:`b`.
    errors_ : list of int
        Misclassified samples in each epoch.
    """

    def __init__(self, lr: float = 1.0, epochs: int = 100, *, seed: SeedLike = None):
        self.lr = check_number("lr", lr, low=0.0, low_open=True)
        self.epochs = int(check_count("epochs", epochs, low=1))
        self.seed = seed

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Train on ``X`` (n, d) with labels ``y`` in {0, 1}; stops at zero errors.

        Parameters
        ----------
        X : (n, d) array_like
            Inputs.
        y : (n,) array_like
            Labels 0 or 1.

        Returns
        -------
        Perceptron
            ``self``, trained.
        """
        X = as_float_array("X", X)
        y = as_float_array("y", y)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ShapeError(
                f"Perceptron.fit: X of shape {X.shape} and y of shape {y.shape} do "
                "not match (expected (n, d) and (n,))"
            )
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("Perceptron.fit: y must hold labels 0 and 1")
        rng = as_rng(self.seed)
        self.weights_ = np.zeros(X.shape[1])
        self.bias_ = 0.0
        self.errors_: list[int] = []
        for _ in range(self.epochs):
            errors = 0
            for i in rng.permutation(len(X)):
                update = self.lr * (y[i] - float(X[i] @ self.weights_ + self.bias_ > 0))
                if update != 0.0:
                    self.weights_ += update * X[i]
                    self.bias_ += update
                    errors += 1
            self.errors_.append(errors)
            if errors == 0:
                break
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Labels (0 or 1) for the rows of ``X``.

        Parameters
        ----------
        X : (n, d) array_like
            Inputs.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` labels 0 or 1.
        """
        return (
            np.asarray(X, dtype=np.float64) @ self.weights_ + self.bias_ > 0
        ).astype(int)
