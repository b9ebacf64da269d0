"""Restricted Boltzmann machine with binary units, trained by contrastive divergence.

Everything is vectorised over a mini-batch (or over many Gibbs chains), so the
only Python loops run over epochs, batches and Gibbs steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_alloc,
    check_count,
    check_number,
)
from ..exceptions import ShapeError, ValidationError


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact identity, never overflows


def _check_binary(name: str, V: Any, n_visible: int) -> np.ndarray:
    """``(n_samples, n_visible)`` array of 0/1 with at least one row."""
    V = as_float_array(name, V, ndim=2)
    if V.shape[1] != n_visible:
        raise ShapeError(
            f"{name}: expected shape (n_samples, {n_visible}) (got {V.shape})"
        )
    if V.shape[0] == 0:
        raise ValidationError(f"{name}: needs at least one sample (got 0 rows)")
    if not np.all((V == 0.0) | (V == 1.0)):
        raise ValidationError(f"{name}: entries must be 0 or 1 (binary units)")
    return V


class RBM:
    """Bernoulli-Bernoulli restricted Boltzmann machine.

    Energy of a visible vector ``v`` (0/1) and hidden vector ``h`` (0/1)::

        E(v, h) = -v W h^T - b v^T - c h^T

    so ``p(h_j = 1 | v) = sigmoid(v W_:j + c_j)`` and
    ``p(v_i = 1 | h) = sigmoid(W_i: h + b_i)``. The free energy
    ``F(v) = -b v^T - sum_j softplus(c_j + v W_:j)`` gives ``p(v) ~ exp(-F(v))``.

    Training by CD-k (Hinton 2002): the positive phase clamps a data batch
    ``v0``; the negative phase runs ``k`` steps of block Gibbs sampling from
    it to ``vk``. With ``ph = p(h = 1 | v)``::

        dW = lr * (v0^T ph(v0) - vk^T ph(vk)) / batch
        db = lr * mean(v0 - vk),   dc = lr * mean(ph(v0) - ph(vk))

    Parameters
    ----------
    n_visible, n_hidden : int
    seed : int, Generator or None
        Initial weights (normal, std ``init_scale``) and training samples.
    init_scale : float

    Attributes
    ----------
    weights_ : (n_visible, n_hidden) array
    visible_bias_ : (n_visible,) array
    hidden_bias_ : (n_hidden,) array
    reconstruction_error_ : (epochs,) array
        Mean squared error between the data and :meth:`reconstruct` after each epoch.
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        *,
        seed: SeedLike = None,
        init_scale: float = 0.01,
    ) -> None:
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.seed = seed
        self.init_scale = init_scale

    def fit(
        self,
        V: Any,
        *,
        k: int = 1,
        epochs: int = 20,
        lr: float = 0.1,
        batch_size: int = 10,
    ) -> RBM:
        """Train by CD-``k`` on binary data ``V`` ``(n_samples, n_visible)``.

        Parameters
        ----------
        V : (n_samples, n_visible) array_like
            Binary (0/1) training data.
        k : int
            Gibbs steps per contrastive-divergence update. Default 1.
        epochs : int
            Passes over the data. Default 20.
        lr : float
            Learning rate. Default 0.1.
        batch_size : int
            Samples per update. Default 10.

        Returns
        -------
        RBM
            ``self``, trained; ``reconstruction_error_`` per epoch.
        """
        nv = check_number("RBM.n_visible", self.n_visible, low=1, integer=True)
        nh = check_number("RBM.n_hidden", self.n_hidden, low=1, integer=True)
        scale = check_number("RBM.init_scale", self.init_scale, low=0.0)
        k = check_count("k", k, low=1)
        epochs = check_count("epochs", epochs, low=1)
        lr = check_number("lr", lr, low=0.0, low_open=True)
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        check_alloc("RBM.n_visible", nv, what="the visible units")
        check_alloc("RBM.n_hidden", nv * nh, what="the (n_visible, n_hidden) weights")
        V = _check_binary("V", V, nv)
        rng = as_rng(self.seed)
        self.weights_ = scale * rng.standard_normal((nv, nh))
        # visible biases at the data's log-odds (Hinton's practical guide, sec. 8)
        p = np.clip(V.mean(axis=0), 1e-3, 1 - 1e-3)
        self.visible_bias_ = np.log(p / (1 - p))
        self.hidden_bias_ = np.zeros(nh)
        errors = np.empty(epochs)
        n = V.shape[0]
        for e in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                self._cd_step(V[order[start : start + batch_size]], k, lr, rng)
            errors[e] = np.mean((V - self.reconstruct(V)) ** 2)
        self.reconstruction_error_ = errors
        return self

    def _cd_step(
        self, v0: np.ndarray, k: int, lr: float, rng: np.random.Generator
    ) -> None:
        ph0 = self.hidden_probs(v0)
        h = (rng.random(ph0.shape) < ph0).astype(float)
        for _ in range(k):
            pv = self.visible_probs(h)
            v = (rng.random(pv.shape) < pv).astype(float)
            ph = self.hidden_probs(v)
            h = (rng.random(ph.shape) < ph).astype(float)
        B = v0.shape[0]
        self.weights_ += lr * (v0.T @ ph0 - v.T @ ph) / B
        self.visible_bias_ += lr * np.mean(v0 - v, axis=0)
        self.hidden_bias_ += lr * np.mean(ph0 - ph, axis=0)

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValidationError("RBM: call fit(V) before using the model")

    def hidden_probs(self, V: np.ndarray) -> np.ndarray:
        """``p(h = 1 | v)`` for rows of ``V``.

        Parameters
        ----------
        V : (n, n_visible) array
            Visible states.

        Returns
        -------
        numpy.ndarray
            ``(n, n_hidden)`` probabilities.
        """
        return _sigmoid(V @ self.weights_ + self.hidden_bias_)

    def visible_probs(self, H: np.ndarray) -> np.ndarray:
        """``p(v = 1 | h)`` for rows of ``H``.

        Parameters
        ----------
        H : (n, n_hidden) array
            Hidden states.

        Returns
        -------
        numpy.ndarray
            ``(n, n_visible)`` probabilities.
        """
        return _sigmoid(H @ self.weights_.T + self.visible_bias_)

    def free_energy(self, V: Any) -> np.ndarray:
        """``F(v) = -b v^T - sum_j log(1 + exp(c_j + v W_:j))`` per row of ``V``.

        Parameters
        ----------
        V : (n, n_visible) array_like
            Binary visible states.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` free energies.
        """
        self._check_fitted()
        V = _check_binary("V", V, self.weights_.shape[0])
        return -(V @ self.visible_bias_) - np.sum(
            np.logaddexp(0.0, V @ self.weights_ + self.hidden_bias_), axis=1
        )

    def reconstruct(self, V: Any) -> np.ndarray:
        """Mean-field reconstruction ``p(v = 1 | h = p(h = 1 | V))``.

        Parameters
        ----------
        V : (n, n_visible) array_like
            Binary visible states.

        Returns
        -------
        numpy.ndarray
            ``(n, n_visible)`` reconstruction probabilities.
        """
        self._check_fitted()
        V = _check_binary("V", V, self.weights_.shape[0])
        return self.visible_probs(self.hidden_probs(V))

    def sample(
        self, n_samples: int, n_gibbs: int = 1000, *, seed: SeedLike = None
    ) -> np.ndarray:
        """Binary visible samples from ``n_samples`` independent Gibbs chains.

        Each chain starts from uniformly random visible units and runs
        ``n_gibbs`` block Gibbs steps ``v -> h -> v``.

        Parameters
        ----------
        n_samples : int
            Number of chains (>= 1).
        n_gibbs : int
            Gibbs steps per chain. Default 1000.
        seed : int, numpy.random.Generator or None
            Seeds the chains.

        Returns
        -------
        numpy.ndarray
            ``(n_samples, n_visible)`` binary samples.
        """
        self._check_fitted()
        n_samples = check_number("n_samples", n_samples, low=1, integer=True)
        n_gibbs = check_count("n_gibbs", n_gibbs, low=1)
        check_alloc("n_samples", n_samples * self.weights_.size, what="the chains")
        rng = as_rng(seed)
        v = (rng.random((n_samples, self.weights_.shape[0])) < 0.5).astype(float)
        for _ in range(n_gibbs):
            ph = self.hidden_probs(v)
            h = (rng.random(ph.shape) < ph).astype(float)
            pv = self.visible_probs(h)
            v = (rng.random(pv.shape) < pv).astype(float)
        return v


def bars_and_stripes(
    n_samples: int, size: int = 4, *, seed: SeedLike = None
) -> np.ndarray:
    """Bars-and-stripes images (MacKay 2003), flattened to ``(n_samples, size**2)``.

    Each image picks an orientation at random, then switches each row
    (horizontal) or column (vertical) fully on with probability 1/2. There
    are ``2**(size + 1) - 2`` distinct images among ``2**(size**2)``.
    """
    n_samples = check_number("n_samples", n_samples, low=1, integer=True)
    size = check_number("size", size, low=2, integer=True)
    rng = as_rng(seed)
    lines = rng.random((n_samples, size)) < 0.5
    img = np.repeat(lines[:, :, None], size, axis=2)  # rows on: horizontal bars
    vertical = rng.random(n_samples) < 0.5
    img[vertical] = np.transpose(img[vertical], (0, 2, 1))
    return img.reshape(n_samples, size * size).astype(float)


def is_bars_and_stripes(V: Any, size: int = 4) -> np.ndarray:
    """True for each row of ``V`` that is a valid bars-and-stripes image."""
    size = check_number("size", size, low=2, integer=True)
    V = as_float_array("V", V, ndim=2, shape=(None, size * size))
    img = V.reshape(-1, size, size)
    rows_const = np.all(img == img[:, :, :1], axis=(1, 2))
    cols_const = np.all(img == img[:, :1, :], axis=(1, 2))
    binary = np.all((V == 0) | (V == 1), axis=1)
    return binary & (rows_const | cols_const)
