"""Argument checking shared by the whole package.

Every helper raises a :class:`~neurosim.exceptions.ValidationError` (a
``ValueError``) or ``TypeError`` whose message names the argument and says what
was expected and what was given.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .exceptions import ShapeError, ValidationError

SeedLike = int | np.random.Generator | None


def as_rng(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` (int, Generator or None) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (
        isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    ):
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed: expected an int, a numpy.random.Generator or None (got {seed!r})"
    )


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within the given bounds.

    Returns it as a ``float`` (or ``int`` when ``integer=True``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a real number"
        raise TypeError(
            f"{name}: expected {kind} (got {type(value).__name__} {value!r})"
        )
    if integer and not float(value).is_integer():
        raise ValidationError(f"{name}: must be an integer (got {value!r})")
    v = float(value)
    if not np.isfinite(v):
        raise ValidationError(f"{name}: must be finite (got {value!r})")
    if low is not None and (v < low or (low_open and v == low)):
        op = ">" if low_open else ">="
        raise ValidationError(f"{name}: must be {op} {low:g} (got {value!r})")
    if high is not None and (v > high or (high_open and v == high)):
        op = "<" if high_open else "<="
        raise ValidationError(f"{name}: must be {op} {high:g} (got {value!r})")
    return int(v) if integer else v


def check_positive(name: str, value: Any) -> float:
    """A finite number strictly greater than zero."""
    return check_number(name, value, low=0.0, low_open=True)


def check_nonnegative(name: str, value: Any) -> float:
    """A finite number greater than or equal to zero."""
    return check_number(name, value, low=0.0)


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """``value`` must be one of ``choices`` (strings)."""
    choices = tuple(choices)
    if value not in choices:
        raise ValidationError(
            f"{name}: expected one of {', '.join(map(repr, choices))} (got {value!r})"
        )
    return value


def as_float_array(
    name: str,
    x: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype: Any = np.float64,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``x`` to a float array and check dimensions, shape and finiteness.

    ``shape`` entries that are ``None`` match any length.
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{name}: expected a numeric array (got {type(x).__name__})"
        ) from e
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ShapeError(
                f"{name}: expected {' or '.join(map(str, allowed))}-D array "
                f"(got shape {arr.shape})"
            )
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
        ):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise ShapeError(f"{name}: expected shape {want} (got {arr.shape})")
    if finite and arr.size and not np.all(np.isfinite(arr)):
        raise ValidationError(f"{name}: contains NaN or infinite values")
    return arr


def check_dt(dt: Any, name: str = "dt") -> float:
    """A time step in seconds: finite and > 0."""
    return check_positive(name, dt)
