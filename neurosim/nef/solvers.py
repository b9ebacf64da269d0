"""Decoder solvers: callables ``solver(A, Y, rng) -> (D, info)``.

``A`` is the ``(n_points, n_neurons)`` activity matrix (firing rates in Hz at the
evaluation points), ``Y`` the ``(n_points, d)`` targets, ``D`` the
``(n_neurons, d)`` decoders such that ``A @ D ~ Y``. ``info`` holds at least
``rmses``, the ``(d,)`` root-mean-square residual of each output dimension.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import scipy.linalg
import scipy.optimize

from .._validation import SeedLike, as_float_array, check_nonnegative
from ..exceptions import ShapeError, ValidationError


def _check_AY(A: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    A = as_float_array("A", A, ndim=2)
    Y = as_float_array("Y", Y, ndim=(1, 2))
    if Y.ndim == 1:
        Y = Y[:, None]
    if A.shape[0] != Y.shape[0]:
        raise ShapeError(
            f"A and Y: need the same number of rows (evaluation points); got "
            f"A {A.shape} and Y {Y.shape}"
        )
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ShapeError(f"A: needs at least one point and one neuron (got {A.shape})")
    return A, Y


def rmses(A: np.ndarray, D: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Root-mean-square residual of ``A @ D`` against ``Y``, per output column.

    Parameters
    ----------
    A : (n_points, n_neurons) array
        Activities.
    D : (n_neurons, d) array
        Decoders.
    Y : (n_points, d) array
        Targets.

    Returns
    -------
    numpy.ndarray
        ``(d,)`` root-mean-square residuals, one per output column.
    """
    return np.sqrt(np.mean((Y - A @ D) ** 2, axis=0))


class Solver(ABC):
    """Base class: ``solver(A, Y, rng=None) -> (D, info)``."""

    def __call__(
        self, A: Any, Y: Any, rng: SeedLike = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Solve for decoders ``D`` with ``A @ D ~ Y``.

        Parameters
        ----------
        A : (n_points, n_neurons) array
            Activities (Hz) at the evaluation points.
        Y : (n_points, d) or (n_points,) array
            Target values at the same points.
        rng : int, Generator or None
            Unused by the deterministic solvers; kept for a uniform signature.

        Returns
        -------
        D : (n_neurons, d) ndarray
        info : dict
            ``rmses`` ((d,) residual RMS per output), ``time`` (seconds) and
            solver-specific entries.
        """
        A, Y = _check_AY(A, Y)
        t0 = time.perf_counter()
        D, info = self._solve(A, Y)
        if not np.all(np.isfinite(D)):
            raise ValidationError(
                f"A: {type(self).__name__} found non-finite decoders; the activities "
                f"(shape {A.shape}, max |A| = {np.abs(A).max():g}) are degenerate"
            )
        info["rmses"] = rmses(A, D, Y)
        info["time"] = time.perf_counter() - t0
        return D, info

    @abstractmethod
    def _solve(self, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, dict]:
        """Return decoders and an info dict (without rmses/time)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class LstsqL2(Solver):
    r"""Least squares regularised as if the activities carried Gaussian noise.

    With noise of standard deviation ``sigma = reg * max(A)`` added to every
    activity, the expected squared error becomes ``|A D - Y|^2 + n sigma^2 |D|^2``
    (``n`` = number of evaluation points), minimised by

    .. math:: D = (A^T A + n \sigma^2 I)^{-1} A^T Y .

    With fewer points than neurons the same ``D`` comes from the smaller (dual)
    system ``D = A^T (A A^T + n \sigma^2 I)^{-1} Y`` (push-through identity),
    which costs ``O(n^2 N)`` instead of ``O(N^2 n)``. Both are solved by
    Cholesky factorisation of the symmetric positive definite Gram matrix.

    Parameters
    ----------
    reg : float
        Noise level relative to the largest activity (>= 0). Default 0.1, which
        suits decoding filtered spikes; use a smaller value for rate neurons.
    dual : bool or None
        Force the primal (False) or dual (True) system; None picks the smaller.
    """

    def __init__(self, reg: float = 0.1, dual: bool | None = None) -> None:
        self.reg = check_nonnegative("LstsqL2.reg", reg)
        if dual is not None and not isinstance(dual, bool):
            raise TypeError(f"LstsqL2.dual: expected a bool or None (got {dual!r})")
        self.dual = dual

    def _solve(self, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, dict]:
        m, n = A.shape
        sigma = self.reg * A.max()
        dual = (m < n) if self.dual is None else self.dual
        # D(c A) = D(A) / c, so solve for A / max|A|: the Gram matrix then
        # neither overflows nor underflows whatever the activities' scale.
        scale = np.abs(A).max()
        if scale == 0.0:
            raise ValidationError("A: every activity is zero; nothing to decode from")
        A = A / scale
        sigma = sigma / scale
        # G is symmetric: gram via syrk-backed matmul of A with its transpose.
        G = A @ A.T if dual else A.T @ A
        G[np.diag_indices_from(G)] += m * sigma**2
        try:
            factor = scipy.linalg.cho_factor(G, overwrite_a=True, check_finite=False)
        except np.linalg.LinAlgError as e:
            raise ValidationError(
                "LstsqL2: the Gram matrix is singular; use reg > 0 or more "
                "distinct evaluation points"
            ) from e
        if dual:
            D = A.T @ scipy.linalg.cho_solve(factor, Y, check_finite=False)
        else:
            D = scipy.linalg.cho_solve(factor, A.T @ Y, check_finite=False)
        return D / scale, {"sigma": sigma * scale, "dual": dual}


class Lstsq(Solver):
    """Plain (unregularised) least squares via SVD, ``numpy.linalg.lstsq``.

    Fits the evaluation points as closely as possible; the decoders are large
    and amplify spiking noise, so prefer :class:`LstsqL2` for spiking neurons.

    Parameters
    ----------
    rcond : float or None
        Cut-off for small singular values, relative to the largest (None:
        machine precision times the larger dimension).
    """

    def __init__(self, rcond: float | None = None) -> None:
        self.rcond = None if rcond is None else check_nonnegative("Lstsq.rcond", rcond)

    def _solve(self, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, dict]:
        D, _, rank, s = np.linalg.lstsq(A, Y, rcond=self.rcond)
        return D, {"rank": int(rank), "singular_values": s}


class Nnls(Solver):
    r"""Non-negative decoders: ``min |A D - Y|^2 + n sigma^2 |D|^2`` with ``D >= 0``.

    Each output column is solved by ``scipy.optimize.nnls`` on the augmented
    system ``[A; sqrt(n) sigma I] d = [y; 0]`` (``sigma = reg * max(A)``), which
    is exactly the regularised objective. Useful where weights must keep one
    sign (Dale's principle).

    Parameters
    ----------
    reg : float
        Relative noise level as in :class:`LstsqL2` (>= 0). Default 0.
    """

    def __init__(self, reg: float = 0.0) -> None:
        self.reg = check_nonnegative("Nnls.reg", reg)

    def _solve(self, A: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, dict]:
        m, n = A.shape
        sigma = self.reg * A.max()
        if sigma > 0:
            A_aug = np.vstack([A, np.sqrt(m) * sigma * np.eye(n)])
            Y_aug = np.vstack([Y, np.zeros((n, Y.shape[1]))])
        else:
            A_aug, Y_aug = A, Y
        D = np.empty((n, Y.shape[1]))
        for j in range(Y.shape[1]):
            D[:, j], _ = scipy.optimize.nnls(A_aug, Y_aug[:, j])
        return D, {"sigma": sigma}
