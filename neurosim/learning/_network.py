"""Shared machinery of the layered learners (predictive coding, feedback alignment).

A layered learner owns an :class:`neurosim.ann.MLP` built with the same sizes,
activation and seed that a backprop baseline would use, so both start from the
same weights; its parameters are ``ann.Tensor`` objects whose ``.grad`` the
learner fills with its own (local) update, and any ``ann`` optimiser steps them.
The arithmetic here is plain numpy: the local rules need no autodiff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_choice,
    check_count,
    check_number,
)
from ..exceptions import ShapeError, SimulationError, ValidationError


@dataclass(frozen=True)
class Activation:
    """An activation with its derivative and the bounds the stability check uses.

    ``slope`` is ``max |f'|`` and ``curvature`` is ``max |f''|`` over the reals.
    """

    name: str
    f: Any
    df: Any
    slope: float
    curvature: float


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: no overflow warning for large |x|
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _dsigmoid(x: np.ndarray) -> np.ndarray:
    s = _sigmoid(x)
    return s * (1.0 - s)


def _dtanh(x: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(x) ** 2


ACTIVATIONS: dict[str, Activation] = {
    # max |tanh''| = 4 / (3 sqrt 3) at tanh(x) = 1/sqrt(3)
    "tanh": Activation("tanh", np.tanh, _dtanh, 1.0, 4.0 / (3.0 * np.sqrt(3.0))),
    # max |sigma''| = 1 / (6 sqrt 3)
    "logistic": Activation(
        "logistic", _sigmoid, _dsigmoid, 0.25, 1.0 / (6.0 * np.sqrt(3.0))
    ),
    "relu": Activation(
        "relu",
        lambda x: np.maximum(x, 0.0),
        lambda x: (x > 0).astype(x.dtype),
        1.0,
        0.0,
    ),
    "linear": Activation("linear", lambda x: x, np.ones_like, 1.0, 0.0),
}
ACTIVATIONS["sigmoid"] = ACTIVATIONS["logistic"]
ACTIVATIONS["identity"] = ACTIVATIONS["linear"]

LOSSES = ("cross_entropy", "mse")


def check_sizes(layer_sizes: Any) -> list[int]:
    """Layer widths, input first; at least an input and an output layer."""
    try:
        sizes = list(layer_sizes)
    except TypeError as e:
        raise TypeError(
            f"layer_sizes: expected a sequence of ints (got {layer_sizes!r})"
        ) from e
    if len(sizes) < 2:
        raise ValidationError(
            f"layer_sizes: need at least an input and an output size (got {sizes})"
        )
    return [check_number("layer_sizes", s, low=1, integer=True) for s in sizes]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, max-shifted."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def loss_and_error(
    loss: str, logits: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss and output error ``-dL/dlogits`` (n_samples, n_out).

    ``cross_entropy``: :math:`L = -\\sum_c t_c \\log \\mathrm{softmax}(z)_c`,
    error :math:`t - \\mathrm{softmax}(z)`; ``mse``: :math:`L = \\tfrac12\\|t - z\\|^2`,
    error :math:`t - z`. ``target`` is one-hot (or class probabilities) for
    cross entropy.
    """
    if loss == "cross_entropy":
        z = logits - logits.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        return -(target * logp).sum(axis=-1), target - np.exp(logp)
    err = target - logits
    return 0.5 * (err * err).sum(axis=-1), err


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two arrays taken as flat vectors.

    A zero vector has no direction; as scikit-learn's ``cosine_similarity`` does,
    its similarity with anything is 0 (not NaN).

    Parameters
    ----------
    a, b : array_like
        Arrays of the same size.

    Returns
    -------
    float
        ``a . b / (|a| |b|)``; 0 when either is zero.
    """
    a = np.ravel(as_float_array("a", a))
    b = np.ravel(as_float_array("b", b))
    if a.size != b.size:
        raise ShapeError(f"b: has {b.size} elements, a has {a.size}")
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(a @ b / (na * nb))


class LayeredLearner:
    """Base of the learners that train an MLP by something other than autodiff.

    Subclasses implement ``_batch_grads(X, T) -> (grads, losses, logits)`` where
    ``grads`` lists ``(dW, db)`` per layer (the negative of the step taken, as for
    a gradient), ``losses`` is per sample and ``logits`` are the feedforward
    outputs before the update.
    """

    def _build(
        self, layer_sizes: Any, activation: str, loss: str, seed: SeedLike
    ) -> None:
        from ..ann import MLP  # numpy-only, imported here to keep import light

        self.sizes_ = check_sizes(layer_sizes)
        check_choice("activation", activation, tuple(ACTIVATIONS))
        check_choice("loss", loss, LOSSES)
        self.act_ = ACTIVATIONS[activation]
        self.rng_ = as_rng(seed)
        # same constructor and seed as the backprop baseline -> same initial weights
        self.net = MLP(self.sizes_, activation=activation, seed=self.rng_)

    # ------------------------------------------------------------ parameters
    def parameters(self) -> list:
        """The ``ann.Tensor`` parameters (``W0, b0, W1, ...``) an optimiser steps.

        Returns
        -------
        list of ann.Tensor
            The weights and biases, ``W0, b0, W1, b1, ...``.
        """
        return self.net.parameters()

    @property
    def n_layers(self) -> int:
        """Number of weight layers (``len(layer_sizes) - 1``)."""
        return len(self.net.layers)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(W, b)`` arrays per layer; ``W`` is (n_out, n_in), as in ``ann.Linear``.

        Returns
        -------
        list of (numpy.ndarray, numpy.ndarray)
            The ``(W, b)`` pairs, input layer first (views, not copies).
        """
        return [(lin.weight.data, lin.bias.data) for lin in self.net.layers]

    def _f(self, k: int, x: np.ndarray) -> np.ndarray:
        """Output of value layer ``k``: the input layer (k = 0) is not squashed."""
        return x if k == 0 else self.act_.f(x)

    def _df(self, k: int, x: np.ndarray) -> np.ndarray:
        return np.ones_like(x) if k == 0 else self.act_.df(x)

    def forward_values(self, X: np.ndarray) -> list[np.ndarray]:
        """Pre-activations of every layer of the feedforward pass, input first.

        Parameters
        ----------
        X : (n_samples, n_in) array
            Inputs.

        Returns
        -------
        list of numpy.ndarray
            ``[X, x^1, ..., x^L]``: the input and each layer's pre-activation.
        """
        xs = [X]
        for k, (W, b) in enumerate(self.weights()):
            xs.append(self._f(k, xs[-1]) @ W.T + b)
        return xs

    # ------------------------------------------------------------ validation
    def _check_X(self, X: Any, name: str = "X") -> np.ndarray:
        X = as_float_array(name, X, ndim=2)
        if X.shape[1] != self.sizes_[0]:
            raise ShapeError(
                f"{name}: expected {self.sizes_[0]} features, the input layer's "
                f"size (got shape {X.shape})"
            )
        return X

    def _targets(self, y: Any, n: int | None = None, name: str = "y") -> np.ndarray:
        """Labels (n,) -> one-hot; (n, n_out) arrays are taken as given."""
        n_out = self.sizes_[-1]
        arr = np.asarray(y)
        if arr.ndim == 1:
            if arr.dtype.kind == "f":
                if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                    raise ValidationError(f"{name}: class labels must be integers")
                arr = arr.astype(np.int64)
            if arr.dtype.kind not in "iu":
                raise TypeError(
                    f"{name}: expected integer class labels (got dtype {arr.dtype})"
                )
            if arr.size and (arr.min() < 0 or arr.max() >= n_out):
                raise ValidationError(
                    f"{name}: labels must lie in [0, {n_out - 1}] for {n_out} output "
                    f"units (got min {arr.min()}, max {arr.max()})"
                )
            T = np.zeros((arr.size, n_out))
            T[np.arange(arr.size), arr] = 1.0
        else:
            T = as_float_array(name, arr, shape=(None, n_out))
        if n is not None and len(T) != n:
            raise ShapeError(f"{name}: has {len(T)} samples but X has {n}")
        return T

    # ------------------------------------------------------------ training
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        epochs: int = 10,
        batch_size: int = 32,
        optimizer: Any = None,
        shuffle: bool = True,
        validation_data: tuple[Any, Any] | None = None,
        track_alignment: bool = False,
        seed: SeedLike = None,
    ) -> LayeredLearner:
        """Train on ``(X, y)`` by mini-batches; the optimiser applies the local updates.

        Parameters
        ----------
        X : (n_samples, n_in) array
            Inputs.
        y : (n_samples,) int labels or (n_samples, n_out) targets
            Targets: class labels (one-hot inside) or target rows.
        epochs : int
            Passes over the data (>= 1).
        batch_size : int
            Samples per update (the last batch of an epoch may be smaller).
        optimizer : ann.Optimizer, optional
            Built on :meth:`parameters`; default ``ann.SGD(lr=0.1)``.
        shuffle : bool
            New sample order each epoch, drawn from ``seed`` exactly as ``ann.fit``
            draws it, so equal seeds give equal batches.
        seed : int, numpy.random.Generator or None
            Seeds the sample order. Default: the learner's own ``seed`` (as
            ``ann.fit`` defaults to the model's), so the same script trains the
            same way every run.
        validation_data : (X_val, y_val), optional
            Accuracy after every epoch in ``history_["val_accuracy"]``.
        track_alignment : bool
            Also compute backprop's gradient on every batch and store the mean
            cosine between it and this rule's update, per layer and epoch, in
            ``alignment_`` (epochs, n_layers).

        Returns
        -------
        LayeredLearner
            ``self``, trained; ``history_`` holds the per-epoch metrics.
        """
        from ..ann import SGD

        X = self._check_X(X)
        T = self._targets(y, len(X))
        epochs = check_count("epochs", epochs, low=1)
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        if validation_data is not None:
            Xv = self._check_X(validation_data[0], "validation_data[0]")
            yv = np.argmax(self._targets(validation_data[1], len(Xv)), axis=1)
        params = self.parameters()
        opt = optimizer if optimizer is not None else SGD(params, lr=0.1)
        if not {id(p) for p in opt.params} <= {id(p) for p in params}:
            raise ValidationError(
                "optimizer: must be built on this learner's parameters() "
                "(got an optimiser of other tensors)"
            )
        rng = as_rng(self.seed if seed is None else seed)
        self.history_: dict[str, list[float]] = {}
        self.alignment_ = np.zeros((0, self.n_layers))
        n = len(X)
        labels = np.argmax(T, axis=1)
        t0 = time.perf_counter()
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            total, correct, cos = 0.0, 0, []
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                grads, losses, logits = self._batch_grads(X[idx], T[idx])
                if not np.all(np.isfinite(losses)):
                    raise SimulationError(
                        f"{type(self).__name__}.fit: the loss became non-finite at "
                        f"epoch {epoch + 1}; training diverged (lower the learning "
                        "rate or the inference rate)"
                    )
                if track_alignment:
                    ref = backprop_grads(self, X[idx], T[idx])
                    cos.append(
                        [cosine(g[0], r[0]) for g, r in zip(grads, ref, strict=True)]
                    )
                for p, g in zip(
                    params, (g for pair in grads for g in pair), strict=True
                ):
                    p.grad = g
                opt.step()
                self._after_step(grads)
                total += float(losses.sum())
                correct += int(np.sum(np.argmax(logits, axis=1) == labels[idx]))
            self._log(history=dict(loss=total / n, accuracy=correct / n))
            if validation_data is not None:
                self._log(history=dict(val_accuracy=self._validate(Xv, yv)))
            self._log(history=dict(time=time.perf_counter() - t0))
            if track_alignment:
                self.alignment_ = np.vstack([self.alignment_, np.mean(cos, axis=0)])
        for p in params:
            p.grad = None
        return self

    def _log(self, history: dict[str, float]) -> None:
        for k, v in history.items():
            self.history_.setdefault(k, []).append(float(v))

    def _validate(self, X: np.ndarray, labels: np.ndarray) -> float:
        """Accuracy on validation data during :meth:`fit`."""
        return self.score(X, labels)

    def _after_step(self, grads: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Hook run after each optimiser step (feedback weight rules)."""

    # ------------------------------------------------------------ prediction
    def decision_function(self, X: Any) -> np.ndarray:
        """Output layer values (logits for cross entropy), (n_samples, n_out).

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.

        Returns
        -------
        numpy.ndarray
            ``(n_samples, n_out)`` output values.
        """
        return self.forward_values(self._check_X(X))[-1]

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (cross entropy) or output values (mse).

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.

        Returns
        -------
        numpy.ndarray
            ``(n_samples,)`` labels, or ``(n_samples, n_out)`` values.
        """
        out = self.decision_function(X)
        return np.argmax(out, axis=1) if self.loss == "cross_entropy" else out

    def score(self, X: Any, y: Any) -> float:
        """Classification accuracy of :meth:`predict` on ``(X, y)``.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.
        y : (n_samples,) array_like
            True labels (or one-hot rows).

        Returns
        -------
        float
            The fraction classified correctly.
        """
        labels = np.argmax(self._targets(y), axis=1)
        out = self.decision_function(X)
        return float(np.mean(np.argmax(out, axis=1) == labels))


def backprop_grads(
    model: LayeredLearner, X: np.ndarray, T: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Backprop's gradient of the batch-mean loss, ``(dW, db)`` per layer (numpy).

    The reference the local rules are measured against:
    :math:`\\delta^L = -e`, :math:`\\delta^k = f'(x^k) \\odot \\delta^{k+1} W_k`,
    :math:`\\partial L / \\partial W_k = \\delta^{k+1\\top} f(x^k) / n`.

    Parameters
    ----------
    model : LayeredLearner
        The network (its current weights).
    X : (n_samples, n_in) array
        Inputs.
    T : (n_samples, n_out) array
        Targets (one-hot rows for labels).

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        ``(dW, db)`` per layer, shaped like the weights.
    """
    xs = model.forward_values(X)
    _, err = loss_and_error(model.loss, xs[-1], T)
    n = len(X)
    delta = -err
    grads: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(model.n_layers - 1, -1, -1):
        W = model.weights()[k][0]
        grads.append((delta.T @ model._f(k, xs[k]) / n, delta.sum(axis=0) / n))
        if k > 0:
            delta = model._df(k, xs[k]) * (delta @ W)
    return grads[::-1]
