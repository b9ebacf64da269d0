"""Training: :func:`fit`, :class:`History`, :func:`predict` and :func:`accuracy`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_real_array,
    as_rng,
    check_count,
    check_number,
)
from ..exceptions import ShapeError, SimulationError, ValidationError
from . import functions as F
from .nn import Module
from .optim import SGD, Optimizer
from .tensor import Tensor, no_grad

log = logging.getLogger(__name__)

_LOSSES: dict[str, Callable[[Tensor, Any], Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "mse": F.mse_loss,
    "binary_cross_entropy": F.binary_cross_entropy_with_logits,
}


class History(dict):
    """Per-epoch metrics of :func:`fit`: ``history["loss"]`` is a list, one per epoch.

    Keys: ``loss`` (mean training loss over the epoch's batches), and when they
    apply ``accuracy``, ``val_loss``, ``val_accuracy``; ``time`` holds the
    cumulative wall-clock seconds. ``stopped_early`` tells whether a callback
    ended training.
    """

    stopped_early: bool = False

    def append(self, **metrics: float) -> None:
        """Record one epoch's metrics.

        Parameters
        ----------
        **metrics : float
            One value per metric name, appended to that name's list.
        """
        for k, v in metrics.items():
            self.setdefault(k, []).append(float(v))


def predict(model: Callable[[Tensor], Tensor], X: Any, batch_size: int = 1024):
    """Model outputs for ``X`` as an array, without recording a graph.

    Parameters
    ----------
    model : callable
        A Module (or any ``Tensor -> Tensor`` callable).
    X : array_like
        Inputs ``(n, ...)``.
    batch_size : int
        Rows per forward pass. Default 1024.

    Returns
    -------
    numpy.ndarray
        The outputs, ``(n, ...)``.
    """
    X = _inputs(X)
    batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
    with no_grad():
        outs = [
            _forward(model, X[i : i + batch_size]).data
            for i in range(0, len(X), batch_size)
        ]
    return np.concatenate(outs, axis=0)


def _inputs(X: Any, dtype: Any = None) -> np.ndarray:
    """``X`` checked as ``(n, ...)`` finite real inputs with ``n >= 1``."""
    X = as_real_array("X", X, dtype)
    if X.ndim == 0 or len(X) == 0:
        raise ShapeError(
            f"X: expected (n, ...) inputs with n >= 1 (got shape {X.shape})"
        )
    if not np.all(np.isfinite(X)):
        raise ValidationError("X: contains NaN or infinite values")
    return X


def _forward(model: Callable[[Tensor], Tensor], X: np.ndarray) -> Tensor:
    """``model(X)``; a shape the model refuses is reported as the shape of ``X``."""
    try:
        return model(Tensor(X))
    except ShapeError as e:
        raise ShapeError(
            f"X: the model does not take inputs of shape {X.shape} ({e})"
        ) from e


def accuracy(logits: Any, labels: Any) -> float:
    """Fraction of rows whose largest logit is at the true label.

    Parameters
    ----------
    logits : Tensor or array_like
        ``(n, n_classes)`` scores.
    labels : array_like
        ``(n,)`` true labels.

    Returns
    -------
    float
        The fraction of rows classified correctly.
    """
    logits = as_real_array(
        "logits", logits.data if isinstance(logits, Tensor) else logits
    )
    labels = as_real_array("labels", labels)
    if logits.ndim == 0 or logits.shape[:-1] != labels.shape or labels.size == 0:
        raise ShapeError(
            f"logits: scores of shape (n, n_classes) with n >= 1 need labels of shape "
            f"(n,) (got logits {logits.shape} and labels {labels.shape})"
        )
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def fit(
    model: Module,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[[Tensor, Any], Tensor] = "cross_entropy",
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    shuffle: bool = True,
    validation_data: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callable[[int, History], bool | None]] = (),
    seed: SeedLike = None,
    dtype: Any = None,
) -> History:
    """Train ``model`` by mini-batch gradient descent and return the :class:`History`.

    Parameters
    ----------
    model : Module
        Maps an (n, ...) Tensor to outputs; its ``parameters()`` are trained.
    X, y : arrays
        Inputs (n, ...) and targets (labels (n,) for cross entropy).
    loss : {"cross_entropy", "mse", "binary_cross_entropy"} or callable
        ``loss(outputs, targets) -> scalar Tensor`` (binary cross entropy takes logits).
    optimizer : Optimizer, optional
        Default ``SGD(model.parameters(), lr=0.1)``.
    epochs, batch_size : int
        The last batch of an epoch may be smaller.
    shuffle : bool
        Draw a new order of the samples every epoch (from ``seed``).
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch (in eval mode) into ``val_loss``/``val_accuracy``.
    callbacks : sequence of callables
        ``callback(epoch, history)`` after each epoch; returning True stops training.
    seed : int, numpy.random.Generator or None
        Seeds the sample order. Default: the model's own ``seed`` (the one it was
        built with, e.g. ``MLP(..., seed=0)``), so the same script trains the same
        way every run; pass a Generator to draw from it instead.
    dtype : numpy dtype, optional
        Convert ``X`` to it (default: the dtype of the first parameter).

    Raises
    ------
    SimulationError
        When the loss becomes NaN or infinite (training diverged); the message
        names the epoch and batch.

    Returns
    -------
    History
        Per-epoch ``loss`` (and ``accuracy``, ``val_loss``, ``val_accuracy`` when
        measured) and cumulative ``time`` in seconds; ``stopped_early`` when a
        callback stopped training.
    """
    loss_fn = _LOSSES.get(loss) if isinstance(loss, str) else loss
    if loss_fn is None:
        raise ValueError(
            f"loss: expected one of {', '.join(map(repr, _LOSSES))} or a callable "
            f"(got {loss!r})"
        )
    epochs = int(check_count("epochs", epochs, low=1))
    batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
    params = model.parameters()
    dtype = params[0].dtype if dtype is None and params else (dtype or np.float64)
    X = _inputs(X, dtype)
    y = as_real_array("y", y)
    if y.ndim == 0 or not np.all(np.isfinite(y)):
        raise ValidationError(
            f"y: expected finite (n, ...) targets (got shape {y.shape})"
        )
    if len(X) != len(y):
        raise ShapeError(
            f"fit: X has {len(X)} samples (shape {X.shape}) but y has {len(y)} "
            f"(shape {y.shape})"
        )
    classify = loss == "cross_entropy" and y.ndim == 1
    if classify:
        if not np.all((y == np.round(y)) & (y >= 0)):
            raise ValidationError("y: class labels must be integers >= 0")
        y = y.astype(np.intp)
    else:
        y = y.astype(dtype)
    opt = optimizer if optimizer is not None else SGD(params, lr=0.1)
    rng = as_rng(getattr(model, "seed", None) if seed is None else seed)
    history = History()
    n = len(X)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(n) if shuffle else np.arange(n)
        total, correct = 0.0, 0
        for b, start in enumerate(range(0, n, batch_size)):
            idx = order[start : start + batch_size]
            out = _forward(model, X[idx])
            if classify and out.ndim and y.max() >= out.shape[-1]:
                raise ValidationError(
                    f"y: labels must lie in [0, {out.shape[-1] - 1}] for a model with "
                    f"{out.shape[-1]} outputs (got up to {y.max()})"
                )
            batch_loss = loss_fn(out, y[idx])
            value = float(batch_loss.data)
            if not np.isfinite(value):
                raise SimulationError(
                    f"fit: the loss became {value} at epoch {epoch + 1}, "
                    f"batch {b + 1}; "
                    "training diverged (try a smaller learning rate or check the "
                    "inputs for NaN)"
                )
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
            total += value * len(idx)
            if classify:
                correct += int(np.sum(np.argmax(out.data, axis=-1) == y[idx]))
        metrics = {"loss": total / n}
        if classify:
            metrics["accuracy"] = correct / n
        if validation_data is not None:
            model.eval()
            Xv, yv = validation_data
            outv = predict(model, np.asarray(Xv, dtype=dtype))
            metrics["val_loss"] = float(loss_fn(Tensor(outv), np.asarray(yv)).data)
            if classify:
                metrics["val_accuracy"] = accuracy(outv, yv)
        metrics["time"] = time.perf_counter() - t0
        history.append(**metrics)
        log.debug("epoch %d: %s", epoch + 1, metrics)
        if any(cb(epoch, history) for cb in callbacks):
            history.stopped_early = True
            break
    model.eval()
    return history
