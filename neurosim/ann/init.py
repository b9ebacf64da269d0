"""Weight initialisation: Xavier/Glorot and He/Kaiming, uniform and normal.

For a weight of shape ``(fan_out, fan_in, *receptive)`` (PyTorch's layout),
``fan_in = fan_in * prod(receptive)`` and likewise for ``fan_out``.

- Xavier (Glorot & Bengio 2010): ``Var(w) = gain**2 * 2 / (fan_in + fan_out)``,
  for tanh/logistic units.
- He (He et al. 2015): ``Var(w) = gain**2 / fan_in`` with ``gain = sqrt(2)`` for
  ReLU units, so activations keep their variance through depth.

A uniform distribution on ``[-a, a]`` has variance ``a**2 / 3``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import SeedLike, as_rng, check_alloc, check_positive, check_shape
from ..exceptions import ShapeError


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` ``(out, in, *receptive)``.

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.

    Returns
    -------
    fan_in, fan_out : int
        Inputs and outputs per unit, receptive field included.
    """
    shape = check_shape("shape", shape)
    if len(shape) < 2:
        raise ShapeError(f"shape: a weight needs at least 2 dimensions (got {shape})")
    check_alloc("shape", math.prod(shape), what="the weight")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def xavier_uniform(
    shape: tuple[int, ...], seed: SeedLike = None, gain: float = 1.0, dtype=np.float64
) -> np.ndarray:
    """Glorot uniform: ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.
    seed : int, numpy.random.Generator or None
        Seeds the draw.
    gain : float
        Scale factor (> 0). Default 1.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        The drawn array, of ``shape``.
    """
    shape = check_shape("shape", shape)
    fan_in, fan_out = fans(shape)
    a = check_positive("gain", gain) * np.sqrt(6.0 / (fan_in + fan_out))
    return as_rng(seed).uniform(-a, a, size=shape).astype(dtype)


def xavier_normal(
    shape: tuple[int, ...], seed: SeedLike = None, gain: float = 1.0, dtype=np.float64
) -> np.ndarray:
    """Glorot normal: ``N(0, s**2)``, ``s = gain * sqrt(2 / (fan_in + fan_out))``.

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.
    seed : int, numpy.random.Generator or None
        Seeds the draw.
    gain : float
        Scale factor (> 0). Default 1.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        The drawn array, of ``shape``.
    """
    shape = check_shape("shape", shape)
    fan_in, fan_out = fans(shape)
    std = check_positive("gain", gain) * np.sqrt(2.0 / (fan_in + fan_out))
    return (as_rng(seed).standard_normal(shape) * std).astype(dtype)


def he_uniform(
    shape: tuple[int, ...],
    seed: SeedLike = None,
    gain: float = np.sqrt(2.0),
    dtype: Any = np.float64,
) -> np.ndarray:
    """He uniform: ``U(-a, a)``, ``a = gain * sqrt(3 / fan_in)`` (ReLU: gain sqrt 2).

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.
    seed : int, numpy.random.Generator or None
        Seeds the draw.
    gain : float
        Scale factor (> 0). Default sqrt(2), for ReLU.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        The drawn array, of ``shape``.
    """
    shape = check_shape("shape", shape)
    fan_in, _ = fans(shape)
    a = check_positive("gain", gain) * np.sqrt(3.0 / fan_in)
    return as_rng(seed).uniform(-a, a, size=shape).astype(dtype)


def he_normal(
    shape: tuple[int, ...],
    seed: SeedLike = None,
    gain: float = np.sqrt(2.0),
    dtype: Any = np.float64,
) -> np.ndarray:
    """He normal: ``N(0, std**2)``, ``std = gain / sqrt(fan_in)``.

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.
    seed : int, numpy.random.Generator or None
        Seeds the draw.
    gain : float
        Scale factor (> 0). Default sqrt(2), for ReLU.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        The drawn array, of ``shape``.
    """
    shape = check_shape("shape", shape)
    fan_in, _ = fans(shape)
    std = check_positive("gain", gain) / np.sqrt(fan_in)
    return (as_rng(seed).standard_normal(shape) * std).astype(dtype)


def uniform(
    shape: tuple[int, ...], bound: float, seed: SeedLike = None, dtype=np.float64
) -> np.ndarray:
    """``U(-bound, bound)`` (PyTorch's default for Linear and recurrent layers).

    Parameters
    ----------
    shape : tuple of int
        Array shape, ``(fan_out, fan_in, ...)`` as for ``Linear.weight``.
    bound : float
        Half-width of the interval.
    seed : int, numpy.random.Generator or None
        Seeds the draw.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        The drawn array, of ``shape``.
    """
    shape = check_shape("shape", shape)
    check_alloc("shape", math.prod(shape), what="the array")
    return as_rng(seed).uniform(-bound, bound, size=shape).astype(dtype)


INITS = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}
