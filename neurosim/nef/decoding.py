"""Decoding (NEF principles 1 and 2): linear read-outs of population activity.

A decoder is a matrix ``D`` such that ``A @ D ~ f(x)`` for the activities ``A``
at the represented values ``x``. The identity decodes the value itself; any other
``f`` (vector-valued too) is a *transformation* computed by the same neurons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import SeedLike, as_float_array
from ..exceptions import ShapeError, ValidationError
from .solvers import LstsqL2, Solver


def evaluate_function(function: Callable | None, x: np.ndarray) -> np.ndarray:
    """``function`` applied to each row of ``x`` -> ``(n_points, d_out)``.

    ``None`` is the identity. The function receives one ``(dimensions,)`` point
    and returns a scalar or a vector.
    """
    if function is None:
        return np.array(x, dtype=float)
    if not callable(function):
        raise TypeError(f"function: expected a callable (got {function!r})")
    rows = [np.atleast_1d(np.asarray(function(xi), dtype=float)) for xi in x]
    shapes = {r.shape for r in rows}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ShapeError(
            f"function: must return a scalar or a 1-D vector of fixed length "
            f"(got shapes {sorted(shapes)})"
        )
    Y = np.stack(rows)
    if not np.all(np.isfinite(Y)):
        raise ValidationError("function: returned NaN or infinite values")
    return Y


class Decoder:
    """Linear decoder fitted by a solver (scikit-learn style estimator).

    Parameters
    ----------
    solver : Solver, optional
        Callable ``(A, Y, rng) -> (D, info)``; default ``LstsqL2(reg=0.1)``.
    seed : int, Generator or None
        Passed to the solver (the built-in solvers are deterministic).

    Attributes
    ----------
    decoders_ : (n_neurons, d_out) ndarray, or (n_neurons,) for 1-D targets
    rmse_ : float
        RMS residual over all points and outputs of the fit.
    info_ : dict
        The solver's info (``rmses`` per output, ``time``, ...).

    Examples
    --------
    >>> import numpy as np, neurosim as ns
    >>> pop = ns.Population(100, seed=0)
    >>> x = np.linspace(-1, 1, 201)[:, None]
    >>> dec = ns.Decoder(ns.LstsqL2(reg=0.01)).fit(pop.rates(x), x ** 2)
    >>> bool(dec.rmse_ < 0.01)
    True
    """

    def __init__(self, solver: Solver | None = None, seed: SeedLike = None) -> None:
        self.solver = LstsqL2() if solver is None else solver
        self.seed = seed

    def fit(self, A: Any, Y: Any) -> Decoder:
        """Solve for decoders with ``A @ decoders_ ~ Y``; returns ``self``.

        Parameters
        ----------
        A : (n_points, n_neurons) array
            Activities (Hz) at the evaluation points (e.g. ``pop.rates(x)``).
        Y : (n_points, d_out) or (n_points,) array
            Target values ``f(x)`` at the same points.

        Returns
        -------
        Decoder
            ``self``, with ``decoders_``, ``info_`` and ``rmse_`` set.
        """
        if not callable(self.solver):
            raise TypeError(
                f"Decoder.solver: expected a solver callable (got {self.solver!r})"
            )
        Y_arr = as_float_array("Y", Y, ndim=(1, 2))
        D, info = self.solver(A, Y_arr, self.seed)
        self.decoders_ = D[:, 0] if Y_arr.ndim == 1 else D
        self.info_ = info
        self.rmse_ = float(np.sqrt(np.mean(np.square(info["rmses"]))))
        return self

    def fit_function(
        self,
        population: Any,
        function: Callable | None = None,
        eval_points: Any = None,
    ) -> Decoder:
        """Fit decoders of ``function(x)`` for a population at its evaluation points.

        Parameters
        ----------
        population : Population
        function : callable, optional
            ``f(x) -> scalar or vector`` for one point ``x``; identity when None.
        eval_points : (n_points, dimensions) array, optional
            Defaults to ``population.eval_points_``.

        Returns
        -------
        Decoder
            ``self``, fitted (see :meth:`fit`).
        """
        x = (
            population.eval_points_
            if eval_points is None
            else as_float_array("eval_points", eval_points, ndim=(1, 2))
        )
        if len(x) == 0:
            raise ShapeError("eval_points: needs at least one point (got none)")
        x = population._check_x(x)
        return self.fit(population.rates(x), evaluate_function(function, x))

    def predict(self, A: Any) -> np.ndarray:
        """Decoded values ``A @ decoders_`` for rates or filtered spikes ``A``.

        Parameters
        ----------
        A : (n_points, n_neurons) or (n_neurons,) array
            Rates or filtered spike trains, in Hz.

        Returns
        -------
        numpy.ndarray
            The decoded values, ``(n_points, d_out)`` (or without the point axis for
            1-D ``A``).
        """
        if not hasattr(self, "decoders_"):
            raise ValidationError("Decoder.predict: call fit() first")
        A = as_float_array("A", A, ndim=(1, 2))
        n = self.decoders_.shape[0]
        if A.shape[-1] != n:
            raise ShapeError(
                f"A: expected {n} columns (one per neuron) (got shape {A.shape})"
            )
        return A @ self.decoders_
