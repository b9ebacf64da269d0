"""Prescribed error sensitivity (PES): error-driven learning of decoders."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_float_array, check_dt, check_positive
from ..exceptions import ShapeError
from ..kernels.pes import pes_run


class PES:
    r"""PES rule (MacNeil & Eliasmith 2011): decoders follow the decoded error.

    .. math:: \hat x = a\, D, \qquad
              \Delta D = -\frac{\kappa\, dt}{n} \, a^\top e, \quad e = \hat x - x^*

    with activities :math:`a` (Hz) of the :math:`n` neurons, learning rate
    :math:`\kappa` and error :math:`e`, as in Nengo's ``PES``. Each update is a
    gradient step on :math:`\tfrac12\|e\|^2` scaled by :math:`\kappa\,dt/n`, so
    the rule is local: a neuron's decoder changes with its own activity and
    the broadcast error.

    Parameters
    ----------
    learning_rate : float
        :math:`\kappa`.
    decoders : (n_neurons, dims) array, optional
        Initial decoders (zeros if not given; then the first call fixes sizes).

    Attributes
    ----------
    decoders_ : (n_neurons, dims) ndarray

    References
    ----------
    MacNeil & Eliasmith (2011) PLoS ONE 6:e22885, doi:10.1371/journal.pone.0022885.
    """

    def __init__(self, learning_rate: float = 1e-4, decoders: Any = None) -> None:
        self.learning_rate = check_positive("PES.learning_rate", learning_rate)
        self.decoders = decoders
        if decoders is not None:
            self.decoders_ = as_float_array("decoders", decoders, ndim=2).copy()

    def _prepare(self, activities: Any, other: Any, name: str):
        A = as_float_array("activities", activities, ndim=2)
        E = as_float_array(name, other, ndim=2)
        if len(A) != len(E):
            raise ShapeError(f"{name}: has {len(E)} rows but activities has {len(A)}")
        if not hasattr(self, "decoders_"):
            self.decoders_ = np.zeros((A.shape[1], E.shape[1]))
        if self.decoders_.shape != (A.shape[1], E.shape[1]):
            raise ShapeError(
                f"activities, {name}: expected {self.decoders_.shape[0]} neurons and "
                f"{self.decoders_.shape[1]} dimensions, the decoders' shape "
                f"(got {A.shape[1]} and {E.shape[1]})"
            )
        return A, E

    def predict(self, activities: Any) -> np.ndarray:
        """Decoded value ``a D``, (n_samples, dims).

        Parameters
        ----------
        activities : (n, n_neurons) array_like
            Activities (Hz), one row per sample or step.

        Returns
        -------
        numpy.ndarray
            ``(n, dims)`` decoded values.
        """
        A = as_float_array("activities", activities, ndim=2)
        return A @ self.decoders_

    def partial_fit(self, activities: Any, error: Any, dt: float = 1e-3) -> PES:
        """One update from activities (n, n_neurons) and errors (n, dims), summed.

        Parameters
        ----------
        activities : (n, n_neurons) array_like
            Activities (Hz), one row per sample or step.
        error : (n, dims) array_like
            Errors ``decoded - target``, one row per sample.
        dt : float
            Time step in seconds (scales the rate). Default 1e-3.

        Returns
        -------
        PES
            ``self``, with updated ``decoders_``.
        """
        A, E = self._prepare(activities, error, "error")
        k = self.learning_rate * check_dt(dt) / A.shape[1]
        self.decoders_ -= k * (A.T @ E)
        return self

    def run(self, activities: Any, target: Any, dt: float = 1e-3) -> np.ndarray:
        """Learn online along a time series; returns the decoded output per step.

        At step ``t`` the output ``a_t D`` is read, then ``D`` is corrected with
        the error ``a_t D - target_t``.

        Parameters
        ----------
        activities : (n, n_neurons) array_like
            Activities (Hz), one row per sample or step.
        target : (n, dims) array_like
            Target values, one row per step.
        dt : float
            Time step in seconds. Default 1e-3.

        Returns
        -------
        numpy.ndarray
            ``(n, dims)`` decoded output at every step, read before that step's
            update.
        """
        A, X = self._prepare(activities, target, "target")
        k = self.learning_rate * check_dt(dt) / A.shape[1]
        out = np.empty_like(X)
        pes_run(
            np.ascontiguousarray(A), np.ascontiguousarray(X), self.decoders_, k, out
        )
        return out
