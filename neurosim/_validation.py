"""Argument checking shared by the whole package.

Every helper raises a :class:`~neurosim.exceptions.ValidationError` (a
``ValueError``) or ``TypeError`` whose message names the argument and says what
was expected and what was given.
"""

from __future__ import annotations

import numbers
import os
import resource
from collections.abc import Iterable
from typing import Any

import numpy as np

from .exceptions import ShapeError, ValidationError

SeedLike = int | np.random.Generator | None


def as_rng(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (int >= 0, Generator or None) into a ``numpy.random.Generator``.

    ``name`` is the argument that errors name.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValidationError(f"{name}: must be >= 0 (got {seed!r})")
        return np.random.default_rng(seed)
    raise TypeError(
        f"{name}: expected an int, a numpy.random.Generator or None (got {seed!r})"
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
    allow_inf: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within the given bounds.

    Returns it as a ``float`` (or ``int`` when ``integer=True``). ``allow_inf``
    admits +-inf (for bounds such as ``high=inf``); NaN is never admitted.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a real number"
        raise TypeError(
            f"{name}: expected {kind} (got {type(value).__name__} {value!r})"
        )
    try:
        v = float(value)
    except OverflowError:  # an int beyond float64
        raise ValidationError(f"{name}: must be finite (got {value!r})") from None
    if not (np.isfinite(v) or (allow_inf and not np.isnan(v))):
        raise ValidationError(f"{name}: must be finite (got {value!r})")
    if integer and not v.is_integer():
        raise ValidationError(f"{name}: must be an integer (got {value!r})")
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
    arr = as_real_array(name, x, np.float64 if dtype is None else dtype)
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


def as_real_array(name: str, x: Any, dtype: Any = None) -> np.ndarray:
    """``x`` as a real array; None, text, object arrays and complex are refused.

    ``dtype=None`` keeps float32/float64 and turns ints and bools into float64.
    ``np.asarray(None, float)`` is NaN and ``np.asarray(1j, float)`` drops the
    imaginary part with only a warning, so the kind is checked before converting.
    """
    if x is None:
        raise TypeError(f"{name}: expected a numeric array (got None)")
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as e:  # ragged nested sequences
        raise TypeError(
            f"{name}: expected a numeric array (got {type(x).__name__}: {e})"
        ) from None
    if raw.dtype.kind == "c" and (dtype is None or np.dtype(dtype).kind != "c"):
        raise TypeError(
            f"{name}: complex values are not supported (the imaginary part would "
            "be lost); pass x.real if that is what you mean"
        )
    if raw.dtype.kind not in "biufc":
        raise TypeError(
            f"{name}: expected a numeric array (got {type(x).__name__} of "
            f"{raw.dtype.name})"
        )
    if dtype is None:
        dtype = raw.dtype if raw.dtype.kind == "f" else np.float64
    return raw.astype(dtype, copy=False)


def memory_limit() -> int:
    """Bytes one array may take: physical memory, or a lower address-space limit."""
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: no up-front check
        phys = 2**62
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        phys = min(phys, soft)
    return int(phys)


def check_alloc(name: str, n_items: Any, itemsize: int = 8, what: str = "") -> int:
    """Raise before allocating ``n_items`` elements that cannot fit in memory.

    ``name`` is the argument that sets the size; ``what`` says what is allocated.
    Returns ``n_items`` as an int.
    """
    n = int(n_items)
    need = n * int(itemsize)
    if need > memory_limit():
        raise ValidationError(
            f"{name}: {what or 'the result'} would hold {n:,} values "
            f"({need / 2**30:,.1f} GiB), more than this machine's memory "
            f"({memory_limit() / 2**30:,.1f} GiB)"
        )
    return n


MAX_STEPS = 2**53  # float64 counts every step exactly below this


def check_steps(name: str, duration: Any, dt: float) -> int:
    """The number of steps ``round(duration / dt)`` of a run, checked to be countable.

    ``duration`` must be finite and >= 0; the count must stay below 2**53 (beyond
    it ``t = k dt`` no longer distinguishes steps, and a loop that long never ends).
    """
    T = check_nonnegative(name, duration)
    n = T / dt
    if not n < MAX_STEPS:
        raise ValidationError(
            f"{name}: {T:g} s is {n:.3g} steps of dt = {dt:g} s, more than a run "
            f"can count (2**53); use a larger dt or a shorter {name}"
        )
    return int(round(n))


def check_shape(name: str, shape: Any) -> tuple[int, ...]:
    """An array shape: an int or a sequence of ints >= 0, returned as a tuple."""
    items = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(
            f"{name}: expected an int or a tuple of ints (got {shape!r})"
        ) from None
    return tuple(check_number(name, s, low=0, integer=True) for s in items)


def check_count(name: str, value: Any, low: int = 1) -> int:
    """An iteration count: an integer ``>= low`` that a loop can reach (< 2**53).

    A count the user asks for is honoured however long it takes; one beyond
    2**53 could never finish and is refused.
    """
    n = check_number(name, value, low=low, integer=True)
    if n >= MAX_STEPS:
        raise ValidationError(f"{name}: {n} iterations could never finish (>= 2**53)")
    return int(n)


def check_size(name: str, value: Any, low: int = 1, itemsize: int = 8) -> int:
    """A dimension (int ``>= low``) whose vector of ``itemsize``-byte values fits.

    Refuses sizes that cannot be allocated with a message naming ``name`` and
    the size, before anything is allocated (``2**64`` included).
    """
    n = check_number(name, value, low=low, integer=True)
    return check_alloc(name, n, itemsize, what="a vector of that length")


def check_axis(name: str, axis: Any, ndim: int) -> int:
    """An axis of an ``ndim``-dimensional array, ``-ndim <= axis < ndim``."""
    return int(check_number(name, axis, low=-ndim, high=ndim - 1, integer=True))


def check_sequence(name: str, value: Any, what: str = "a sequence") -> list[Any]:
    """``value`` as a list; None, text, numbers and other non-iterables are refused."""
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(
            f"{name}: expected {what} (got {type(value).__name__} {value!r})"
        )
    try:
        return list(value)
    except TypeError:
        raise TypeError(
            f"{name}: expected {what} (got {type(value).__name__} {value!r})"
        ) from None


def check_generator(name: str, value: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` (an argument that draws and must be given one)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name}: expected a numpy.random.Generator (got "
            f"{type(value).__name__} {value!r})"
        )
    return value
