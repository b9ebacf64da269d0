"""Points of a sweep: checking, canonical form, stable keys and seeds.

A point is a dict ``{parameter name: value}`` whose values are plain scalars
(int, float, bool, str or None). Its *canonical form* is JSON with sorted keys
and Python's shortest round-trip float repr, so the same point gives the same
text in every process, on every machine and in every Python version that
keeps ``float.__repr__`` (all since 3.1). Keys and seeds are hashes of that
text (SHA-256), never of Python's ``hash()``, which is salted per process.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import as_rng, check_number
from ..exceptions import ValidationError

#: Row columns the sweep adds next to the parameters and results.
META_COLUMNS = ("repeat", "seed", "error", "elapsed_s", "worker", "compiles")


def scalar(name: str, value: Any) -> int | float | bool | str | None:
    """A point value as a plain Python scalar, or a TypeError naming it."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(
        f"{name}: point values must be int, float, bool, str or None "
        f"(got {type(value).__name__} {value!r}); bind other objects into the "
        "function (a default argument or functools.partial)"
    )


def canonical(point: Mapping[str, Any]) -> str:
    """The canonical JSON text of a point (sorted keys, shortest float repr)."""
    return json.dumps(dict(point), sort_keys=True, separators=(",", ":"))


def point_key(point: Mapping[str, Any]) -> str:
    """A stable 20-hex-digit key: the start of the SHA-256 of the canonical form."""
    return hashlib.sha256(canonical(point).encode()).hexdigest()[:20]


def point_seed(point: Mapping[str, Any], repeat: int, base_seed: int = 0) -> int:
    """The seed handed to the function for ``point`` and repeat ``repeat``.

    ``SeedSequence([base_seed, w0, w1, w2, w3, repeat])``, where ``w0..w3`` are
    the first 16 bytes of the SHA-256 of the point's canonical form read as
    four little-endian uint32 words; the seed is the sequence's first uint64.
    It depends on nothing but the point, the repeat index and ``base_seed``:
    not on the worker, the order, or how many workers there are.

    Parameters
    ----------
    point : dict
        ``{name: value}`` with plain scalar values.
    repeat : int
        Repeat index (0 .. n_seeds - 1).
    base_seed : int
        The sweep's ``seed``.

    Returns
    -------
    int
        A seed in ``[0, 2**64)``.
    """
    digest = hashlib.sha256(canonical(point).encode()).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    ss = np.random.SeedSequence([base_seed, *words, repeat])
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def make_points(points: Any) -> list[dict[str, Any]]:
    """Normalise ``points`` (a grid dict or a sequence of dicts) to a list of dicts.

    A dict ``{name: values}`` is a grid: the Cartesian product of the value
    lists in the dict's order (the last name varies fastest). A list of dicts
    is taken as given. Values become plain Python scalars. Raises
    ``ValidationError``/``TypeError`` for an empty grid or list, unequal key
    sets, non-scalar values and duplicate points.
    """
    if isinstance(points, Mapping):
        if not points:
            raise ValidationError("points: the grid has no parameters")
        axes = {}
        for name, values in points.items():
            _check_name(name)
            if isinstance(values, str | bytes) or not isinstance(
                values, Sequence | np.ndarray
            ):
                raise TypeError(
                    f"points[{name!r}]: a grid axis must be a list or 1-D array "
                    f"of values (got {type(values).__name__})"
                )
            if np.ndim(values) != 1:
                raise ValidationError(
                    f"points[{name!r}]: a grid axis must be 1-D "
                    f"(got shape {np.shape(values)})"
                )
            if len(values) == 0:
                raise ValidationError(f"points[{name!r}]: the grid axis is empty")
            axes[name] = [scalar(f"points[{name!r}]", v) for v in values]
        names = list(axes)
        out = [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*axes.values())
        ]
    elif isinstance(points, Sequence) and not isinstance(points, str | bytes):
        if len(points) == 0:
            raise ValidationError("points: the list of points is empty")
        out = []
        for i, p in enumerate(points):
            if not isinstance(p, Mapping):
                raise TypeError(
                    f"points[{i}]: expected a dict of parameter values "
                    f"(got {type(p).__name__})"
                )
            for name in p:
                _check_name(name)
            out.append({k: scalar(f"points[{i}][{k!r}]", v) for k, v in p.items()})
        first = set(out[0])
        for i, p in enumerate(out):
            if set(p) != first:
                raise ValidationError(
                    f"points[{i}]: parameters {sorted(p)} differ from points[0]'s "
                    f"{sorted(first)}; every point must name the same parameters"
                )
    else:
        raise TypeError(
            "points: expected a dict {name: values} (a grid) or a list of dicts "
            f"(got {type(points).__name__})"
        )
    seen: dict[str, int] = {}
    for i, p in enumerate(out):
        for name, v in p.items():
            if isinstance(v, float) and not math.isfinite(v):
                raise ValidationError(
                    f"points[{i}][{name!r}]: must be finite (got {v})"
                )
        c = canonical(p)
        if c in seen:
            raise ValidationError(f"points[{i}]: duplicates points[{seen[c]}] ({c})")
        seen[c] = i
    return out


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"points: parameter names must be non-empty str (got {name!r})")
    if name in META_COLUMNS:
        raise ValidationError(
            f"points: {name!r} is a column the sweep fills itself "
            f"({', '.join(META_COLUMNS)}); rename the parameter"
        )


def check_signature(fn: Callable, names: Sequence[str], n_seeds: int) -> bool:
    """Check that ``fn`` takes every name; return whether it takes ``seed``.

    Raises ``ValidationError`` naming an unknown parameter or a required
    parameter no point gives, and when ``n_seeds > 1`` but ``fn`` takes no
    ``seed`` (its repeats would be identical).
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: trust the user
        return n_seeds > 1
    params = sig.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    keywordable = {
        n
        for n, p in params.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    name = getattr(fn, "__name__", type(fn).__name__)
    for n in names:
        if n not in keywordable and not var_kw:
            raise ValidationError(
                f"points: {name}() has no parameter {n!r} "
                f"(it takes {sorted(keywordable) or 'none'})"
            )
    takes_seed = "seed" in keywordable or var_kw
    missing = [
        n
        for n, p in params.items()
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and n not in names
        and not (n == "seed" and takes_seed)
    ]
    if missing:
        raise ValidationError(
            f"points: {name}() needs {missing}, which no point gives "
            "(add them to the points or give them defaults)"
        )
    if n_seeds > 1 and not takes_seed:
        raise ValidationError(
            f"n_seeds: {n_seeds} repeats of {name}(), which takes no 'seed' "
            "argument, would all be identical; add a seed parameter or use n_seeds=1"
        )
    return takes_seed


def random_points(
    n: int,
    ranges: Mapping[str, tuple[float, float]],
    *,
    seed: int | np.random.Generator | None = 0,
    log: Sequence[str] = (),
) -> list[dict[str, float]]:
    """Draw ``n`` points uniformly from a box of parameter ranges.

    Parameters
    ----------
    n : int
        Number of points (>= 1).
    ranges : dict
        ``{name: (low, high)}`` with ``low < high``.
    seed : int, numpy.random.Generator or None
        Source of the draw (default 0, so the same call gives the same points).
    log : sequence of str
        Names drawn log-uniformly (``low > 0``): uniform in ``log(value)``.

    Returns
    -------
    list of dict
        ``n`` points ``{name: float}``, ready for :func:`neurosim.sweep`.

    Examples
    --------
    >>> import neurosim as ns
    >>> pts = ns.sweeps.random_points(3, {"tau_rc": (0.01, 0.05)}, seed=1)
    >>> len(pts), sorted(pts[0])
    (3, ['tau_rc'])
    """
    n = check_number("n", n, low=1, integer=True)
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValidationError("ranges: expected a non-empty dict {name: (low, high)}")
    unknown = set(log) - set(ranges)
    if unknown:
        raise ValidationError(f"log: {sorted(unknown)} are not names in ranges")
    rng = as_rng(seed)
    cols = {}
    for name, bounds in ranges.items():
        _check_name(name)
        if len(bounds) != 2:
            raise ValidationError(f"ranges[{name!r}]: expected (low, high)")
        lo = check_number(f"ranges[{name!r}][0]", bounds[0])
        hi = check_number(f"ranges[{name!r}][1]", bounds[1])
        if not lo < hi:
            raise ValidationError(f"ranges[{name!r}]: needs low < high (got {bounds})")
        if name in log:
            if lo <= 0:
                raise ValidationError(f"ranges[{name!r}]: log needs low > 0 (got {lo})")
            cols[name] = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        else:
            cols[name] = rng.uniform(lo, hi, n)
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(n)]
