"""Rate-based Hebbian plasticity: plain Hebb and Oja's normalised rule (PCA)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_alloc,
    check_choice,
    check_count,
    check_nonnegative,
    check_number,
    check_positive,
)
from ..exceptions import ShapeError, SimulationError


class _LinearHebb:
    """Shared parts: a linear layer ``y = x W^T`` whose weights a local rule changes."""

    def _init_weights(self, n_features: int) -> None:
        check_alloc(
            f"{type(self).__name__}.n_components",
            self.n_components * n_features,
            what="the weights",
        )
        rng = as_rng(self.seed)
        W = rng.normal(size=(self.n_components, n_features))
        self.weights_ = W / np.linalg.norm(W, axis=1, keepdims=True) * self.init_scale
        self.n_updates_ = 0

    def _check(self, X: Any) -> np.ndarray:
        X = as_float_array("X", X, ndim=2)
        if hasattr(self, "weights_") and X.shape[1] != self.weights_.shape[1]:
            raise ShapeError(
                f"X: expected {self.weights_.shape[1]} features, as in earlier calls "
                f"(got shape {X.shape})"
            )
        return X

    def _commit(self, W: np.ndarray, X: np.ndarray, bound: float) -> None:
        """Keep the updated weights ``W`` unless the rule has diverged.

        Raises :class:`~neurosim.exceptions.SimulationError` (and keeps the
        previous weights) when a weight row's norm passes ``bound`` or turns
        non-finite: the step ``learning_rate * <|x|^2>`` is too large for the data.
        """
        norm = np.linalg.norm(W, axis=1).max() if W.size else 0.0
        if not norm <= bound:
            step = self.learning_rate * float(np.mean(np.sum(X * X, axis=1)))
            raise SimulationError(
                f"learning_rate: {type(self).__name__} diverged after "
                f"{self.n_updates_} updates (weight norm {norm:.3g}); "
                f"learning_rate * <|x|^2> = {step:.3g} should be well below 1: "
                "scale X, or lower learning_rate or init_scale"
            )
        self.weights_ = W

    def transform(self, X: Any) -> np.ndarray:
        """Postsynaptic activity ``y = X W^T``, (n_samples, n_components).

        Parameters
        ----------
        X : (n_samples, n_features) array_like
            Presynaptic activity.

        Returns
        -------
        numpy.ndarray
            ``(n_samples, n_components)`` postsynaptic activity.
        """
        return self._check(X) @ self.weights_.T

    def fit(self, X: Any, *, epochs: int = 1, batch_size: int = 1):
        """Present ``X`` ``epochs`` times in mini-batches (in order); returns self.

        Each batch is one :meth:`partial_fit` (a batch-mean update).

        Parameters
        ----------
        X : (n_samples, n_features) array_like
            Presynaptic activity.
        epochs : int
            Passes over ``X``. Default 1.
        batch_size : int
            Samples per update. Default 1.

        Returns
        -------
        object
            ``self``, with fresh, trained ``weights_``.
        """
        X = self._check(X)
        epochs = check_count("epochs", epochs, low=1)
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        self._init_weights(X.shape[1])
        starts = range(0, len(X), batch_size)
        for _ in range(epochs):
            for s in starts:
                self.partial_fit(X[s : s + batch_size])
        return self


class Hebbian(_LinearHebb):
    r"""Plain Hebbian learning of a linear layer, with optional decay.

    .. math:: y = x W^\top, \qquad
              \Delta W = \eta\, \langle y^\top x \rangle - \lambda W

    (:math:`\langle\cdot\rangle` the batch mean). Without decay the weights grow
    without bound along the input's leading principal direction: the rule is a
    power iteration of the input correlation matrix.

    Parameters
    ----------
    n_components : int
        Output neurons.
    learning_rate : float
        :math:`\eta`.
    decay : float
        :math:`\lambda` (per update).
    init_scale : float
        Norm of each neuron's initial (random) weight vector.
    seed : int, Generator or None

    Attributes
    ----------
    weights_ : (n_components, n_features) ndarray
    n_updates_ : int
    """

    def __init__(
        self,
        n_components: int = 1,
        learning_rate: float = 1e-3,
        *,
        decay: float = 0.0,
        init_scale: float = 0.1,
        seed: SeedLike = None,
    ) -> None:
        self.n_components = check_number(
            "Hebbian.n_components", n_components, low=1, integer=True
        )
        self.learning_rate = check_positive("Hebbian.learning_rate", learning_rate)
        self.decay = check_nonnegative("Hebbian.decay", decay)
        self.init_scale = check_positive("Hebbian.init_scale", init_scale)
        self.seed = seed

    def partial_fit(self, X: Any, Y: Any = None) -> Hebbian:
        """One update from presynaptic ``X`` (n, n_in), postsynaptic ``Y`` (n, n_out).

        ``Y`` defaults to the layer's own response ``X W^T``.

        Parameters
        ----------
        X : (n, n_in) array_like
            Presynaptic activity.
        Y : (n, n_out) array_like, optional
            Postsynaptic activity (default ``X W^T``).

        Returns
        -------
        Hebbian
            ``self``, updated.
        """
        X = self._check(X)
        if not hasattr(self, "weights_"):
            self._init_weights(X.shape[1])
        Y = (
            X @ self.weights_.T
            if Y is None
            else as_float_array("Y", Y, shape=(len(X), self.n_components))
        )
        W = self.weights_ + (
            self.learning_rate * (Y.T @ X) / len(X) - self.decay * self.weights_
        )
        self._commit(W, X, np.inf)  # plain Hebbian grows by design; only NaN/inf
        self.n_updates_ += 1
        return self


class Oja(_LinearHebb):
    r"""Oja's rule: Hebbian learning with a decay that keeps weights at unit norm.

    .. math:: y = x W^\top, \qquad
              \Delta W = \eta\, \langle y^\top x - T(y^\top y)\, W \rangle

    With one neuron :math:`\Delta w = \eta\, y (x - y w)` and :math:`w` converges
    to the unit-norm first principal component of zero-mean input (Oja 1982).
    For several neurons, ``rule="sanger"`` (:math:`T` = lower triangle, the
    generalised Hebbian algorithm) finds the leading components in order;
    ``rule="subspace"`` (:math:`T` = identity) finds an orthonormal basis of
    their span.

    Parameters
    ----------
    n_components : int
    learning_rate : float
        :math:`\eta`; stable for :math:`\eta \lambda_1 \ll 1`.
    rule : {"sanger", "subspace"}
    init_scale : float
    seed : int, Generator or None

    Attributes
    ----------
    weights_ : (n_components, n_features) ndarray
        Rows approach the principal axes (unit norm, sign arbitrary).
    n_updates_ : int

    References
    ----------
    Oja (1982) J Math Biol 15:267, doi:10.1007/BF00275687. Sanger (1989) Neural
    Netw 2:459, doi:10.1016/0893-6080(89)90044-0.
    """

    def __init__(
        self,
        n_components: int = 1,
        learning_rate: float = 1e-2,
        *,
        rule: str = "sanger",
        init_scale: float = 1.0,
        seed: SeedLike = None,
    ) -> None:
        self.n_components = check_number(
            "Oja.n_components", n_components, low=1, integer=True
        )
        self.learning_rate = check_positive("Oja.learning_rate", learning_rate)
        self.rule = check_choice("Oja.rule", rule, ("sanger", "subspace"))
        self.init_scale = check_positive("Oja.init_scale", init_scale)
        self.seed = seed

    def partial_fit(self, X: Any) -> Oja:
        """One batch-mean update from zero-mean input ``X`` (n, n_features).

        Parameters
        ----------
        X : (n, n_features) array_like
            Zero-mean input.

        Returns
        -------
        Oja
            ``self``, updated.
        """
        X = self._check(X)
        if not hasattr(self, "weights_"):
            self._init_weights(X.shape[1])
        W = self.weights_
        Y = X @ W.T
        C = Y.T @ Y
        if self.rule == "sanger":
            C = np.tril(C)
        W = W + self.learning_rate * (Y.T @ X - C @ W) / len(X)
        # Oja's rule keeps rows near unit norm; far above it the step is unstable
        self._commit(W, X, 1e3 * max(1.0, self.init_scale))
        self.n_updates_ += 1
        return self

    @property
    def components_(self) -> np.ndarray:
        """Weights normalised to unit rows, (n_components, n_features)."""
        W = self.weights_
        return W / np.linalg.norm(W, axis=1, keepdims=True)
