"""Probability distributions used to draw population parameters and points.

A distribution is a description (parameters only); :meth:`Distribution.samples`
draws from it with an explicit ``numpy.random.Generator``. :func:`get_samples`
accepts either a distribution or a ready-made array, so every argument that takes
a distribution also takes explicit values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import scipy.special

from .._validation import SeedLike, as_float_array, as_rng, check_alloc, check_number
from ..exceptions import ShapeError, ValidationError


class Distribution(ABC):
    """A distribution to draw ``n`` samples of dimension ``d`` from."""

    def samples(self, n: int, d: int | None = None, rng: SeedLike = None) -> np.ndarray:
        """Draw samples.

        Parameters
        ----------
        n : int
            Number of samples (>= 0).
        d : int, optional
            Dimension of each sample; when None the result is 1-D.
        rng : int, Generator or None
            Source of randomness (see :func:`neurosim._validation.as_rng`).

        Returns
        -------
        (n,) or (n, d) ndarray
        """
        n = check_number("n", n, low=0, integer=True)
        if d is not None:
            d = check_number("d", d, low=1, integer=True)
        check_alloc("n, d", n * (1 if d is None else d), what="the (n, d) samples")
        out = self._samples(n, 1 if d is None else d, as_rng(rng, "rng"))
        return out[:, 0] if d is None else out

    @abstractmethod
    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        """Return an ``(n, d)`` array of samples."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Uniform(Distribution):
    """Uniform on ``[low, high)`` (integers in ``[low, high)`` when ``integer``).

    Parameters
    ----------
    low, high : float
        Bounds of the interval (``low < high``).
    integer : bool
        Draw integers instead of floats. Default False.

    Examples
    --------
    >>> import neurosim as ns
    >>> x = ns.dists.Uniform(-1, 1).samples(1000, rng=0)
    >>> bool(x.min() >= -1 and x.max() < 1)
    True
    """

    def __init__(self, low: float, high: float, integer: bool = False) -> None:
        self.low = check_number("Uniform.low", low)
        self.high = check_number("Uniform.high", high)
        if self.high < self.low:
            raise ValidationError(
                f"Uniform.high: must be >= low = {self.low:g} (got {self.high:g})"
            )
        self.integer = bool(integer)

    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        if self.integer:
            return rng.integers(int(self.low), int(self.high), size=(n, d)).astype(
                float
            )
        return rng.uniform(self.low, self.high, size=(n, d))


class Choice(Distribution):
    """Draw among ``options`` (scalars or vectors), optionally with ``weights``.

    Parameters
    ----------
    options : array_like
        The values to draw from: ``(n_options,)`` scalars or ``(n_options, d)``
        vectors.
    weights : array_like, optional
        Relative probabilities, one per option (default equal).
    """

    def __init__(self, options: Any, weights: Any = None) -> None:
        opts = as_float_array("Choice.options", options, ndim=(1, 2))
        if len(opts) == 0:
            raise ValidationError("Choice.options: must not be empty")
        self.options = opts
        if weights is not None:
            w = as_float_array("Choice.weights", weights, shape=(len(opts),))
            if np.any(w < 0) or w.sum() <= 0:
                raise ValidationError(
                    "Choice.weights: must be >= 0 with a positive sum"
                )
            weights = w / w.sum()
        self.weights = weights

    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        opts = self.options if self.options.ndim == 2 else self.options[:, None]
        if opts.shape[1] != d:
            raise ShapeError(
                f"Choice.options: options have dimension {opts.shape[1]}, "
                f"samples asked for d={d}"
            )
        idx = rng.choice(len(opts), size=n, p=self.weights)
        return opts[idx]


class UniformHypersphere(Distribution):
    r"""Uniform on the unit sphere's surface (``surface=True``) or inside the ball.

    Surface points are normalised Gaussian vectors (rotation invariant). Ball
    points scale them by ``u^{1/d}``, ``u ~ U(0, 1)``, which makes the density
    uniform in volume (the radius's CDF is ``r^d``).

    Parameters
    ----------
    surface : bool
        Sample the sphere's surface (unit vectors, e.g. encoders) instead of the
        ball (evaluation points).
    min_magnitude : float
        Ball only: smallest radius, in ``[0, 1)``.
    """

    def __init__(self, surface: bool = False, min_magnitude: float = 0.0) -> None:
        self.surface = bool(surface)
        self.min_magnitude = check_number(
            "UniformHypersphere.min_magnitude",
            min_magnitude,
            low=0.0,
            high=1.0,
            high_open=True,
        )

    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        v = rng.standard_normal((n, d))
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        # A Gaussian vector has norm exactly 0 with probability 0; guard anyway.
        v /= np.where(norms > 0, norms, 1.0)
        if self.surface:
            return v
        lo = self.min_magnitude**d
        r = rng.uniform(lo, 1.0, size=(n, 1)) ** (1.0 / d)
        return v * r


class ScatteredHypersphere(Distribution):
    r"""Evenly scattered points on the unit sphere's surface or in the ball.

    Quasi-Monte Carlo version of :class:`UniformHypersphere`: the points come
    from the additive recurrence ``u_k = frac(s + k alpha)`` in ``[0, 1)^{d+1}``
    with ``alpha_j = phi_{d+1}^{-(j+1)}``, ``phi_m`` the positive root of
    ``x^{m+1} = x + 1`` (Roberts' R-sequence, low discrepancy in any dimension),
    randomly shifted by ``s ~ U[0, 1)^{d+1}`` (drawn from ``rng``). The first
    ``d`` coordinates go through the inverse normal CDF and are normalised (a
    uniform direction); the last gives the radius ``u^{1/d}`` (ball only).
    Fitting decoders at such points leaves fewer gaps and clumps than random
    points, so decoders vary less from one draw to the next.

    Parameters
    ----------
    surface : bool
        Points on the surface of the sphere instead of in the ball. Default False.
    """

    def __init__(self, surface: bool = False) -> None:
        self.surface = bool(surface)

    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        m = d + 1
        phi = 2.0
        for _ in range(60):  # fixed-point iteration for x^(m+1) = x + 1
            phi = (1.0 + phi) ** (1.0 / (m + 1))
        alpha = phi ** -np.arange(1, m + 1)
        u = np.mod(rng.uniform(size=m) + np.arange(n)[:, None] * alpha, 1.0)
        # keep the inverse CDF finite at the (measure-zero) endpoints
        eps = np.finfo(float).eps
        g = scipy.special.ndtri(np.clip(u[:, :d], eps, 1.0 - eps))
        norms = np.linalg.norm(g, axis=1, keepdims=True)
        v = g / np.where(norms > 0, norms, 1.0)
        if self.surface:
            return v
        return v * u[:, d:] ** (1.0 / d)


class Exponential(Distribution):
    """Exponential with ``scale`` (mean), shifted by ``shift``, clipped at ``high``.

    Parameters
    ----------
    scale : float
        Mean of the exponential before shifting (> 0).
    shift : float
        Added to every sample. Default 0.
    high : float
        Samples are clipped at this value. Default infinity.
    """

    def __init__(self, scale: float, shift: float = 0.0, high: float = np.inf) -> None:
        self.scale = check_number("Exponential.scale", scale, low=0.0, low_open=True)
        self.shift = check_number("Exponential.shift", shift)
        high = check_number("Exponential.high", high, allow_inf=True)
        if not high > self.shift:
            raise ValidationError(
                f"Exponential.high: must be > shift = {self.shift:g} (got {high!r})"
            )
        self.high = float(high)

    def _samples(self, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
        return np.minimum(
            rng.exponential(self.scale, size=(n, d)) + self.shift, self.high
        )


def get_samples(
    value: Distribution | Any,
    n: int,
    d: int | None = None,
    rng: SeedLike = None,
    *,
    name: str = "value",
) -> np.ndarray:
    """Samples from a distribution, or ``value`` itself checked to shape.

    Parameters
    ----------
    value : Distribution or array_like
        A distribution to draw from, or explicit values: a scalar (broadcast),
        an ``(n,)`` array (``d`` None) or an ``(n, d)`` array.
    n, d : int
        Wanted number of samples and dimension (``d`` None for 1-D output).
    rng : int, Generator or None
        Seed or generator of the draw (distributions only).
    name : str
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` samples when ``d`` is None, else ``(n, d)``.
    """
    if isinstance(value, Distribution):
        return value.samples(n, d, rng)
    arr = as_float_array(name, value)
    want = (n,) if d is None else (n, d)
    if arr.ndim == 0:
        return np.full(want, float(arr))
    if d == 1 and arr.shape == (n,):
        arr = arr[:, None]
    if arr.shape != want:
        raise ShapeError(f"{name}: expected shape {want} (got {arr.shape})")
    return arr.copy()
