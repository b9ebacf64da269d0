"""The output folder of a sweep: a manifest and one ``.npz`` file per point and repeat.

Layout::

    out/sweep.json                  what sweep this is (function, parameters, seed)
    out/points/<key>-r<k>.npz       one row: parameters, seed, results or error

Each row file is written to a temporary name in the same folder and renamed
over its final name (``os.replace``, atomic on POSIX and Windows), so a
crash never leaves a half-written row; files are read with
``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ValidationError

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "sweep.json"
_RESULT = "result:"  # prefix of result arrays in a row file


def function_name(fn: Callable) -> str:
    """``module.qualname`` of a function; for a partial, of the wrapped one.

    A partial's bound keywords follow in parentheses, their values when they
    are plain JSON values (so ``partial(f, n=100)`` and ``partial(f, n=200)``
    are different sweeps), ``...`` otherwise.
    """
    inner = getattr(fn, "func", fn)  # functools.partial
    module = getattr(inner, "__module__", None) or type(inner).__module__
    qual = getattr(inner, "__qualname__", None) or type(inner).__qualname__
    name = f"{module}.{qual}"
    keywords = getattr(fn, "keywords", None)
    if isinstance(keywords, dict) and keywords:
        bound = [f"{k}={_plain(v)}" for k, v in sorted(keywords.items())]
        name += "(" + ", ".join(bound) + ")"
    return name


def _plain(value: Any) -> str:
    """JSON text of a plain value (numbers, str, bool, None, lists); else ``...``."""
    try:
        return json.dumps(value, sort_keys=True)
    except TypeError:
        return "..."


def _source_hash(fn: Callable) -> str | None:
    try:
        return hashlib.sha256(
            inspect.getsource(getattr(fn, "func", fn)).encode()
        ).hexdigest()
    except (OSError, TypeError):
        return None


def manifest(fn: Callable, names: list[str], base_seed: int) -> dict[str, Any]:
    """What identifies a sweep: the function, its parameter names, the base seed."""
    return {
        "neurosim_sweep": FORMAT,
        "function": function_name(fn),
        "parameters": sorted(names),
        "seed": base_seed,
        "source_sha256": _source_hash(fn),
    }


def open_folder(out: Path, expected: dict[str, Any]) -> None:
    """Create ``out`` for this sweep, or check that it holds this sweep.

    Raises ``ValidationError`` when ``out`` is a file, a non-empty folder that
    is not a sweep folder, or the folder of a different sweep (another
    function, other parameter names or another base seed). A changed function
    source only logs a warning: stored rows are reused.
    """
    if out.exists() and not out.is_dir():
        raise ValidationError(f"out: {out} is a file, not a folder")
    path = out / MANIFEST
    if path.exists():
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise ValidationError(f"out: cannot read {path} ({e})") from e
        diffs = [
            f"{k} {found.get(k)!r} (this sweep: {expected[k]!r})"
            for k in ("neurosim_sweep", "function", "parameters", "seed")
            if found.get(k) != expected[k]
        ]
        if diffs:
            raise ValidationError(
                f"out: {out} holds a different sweep: "
                + "; ".join(diffs)
                + ". Use another folder, or delete this one to start over"
            )
        if found.get("source_sha256") != expected["source_sha256"]:
            logger.warning(
                "%s was written by another version of %s's source; its stored "
                "points are reused (use a new folder to recompute them)",
                out,
                expected["function"],
            )
        return
    if out.exists() and any(out.iterdir()):
        raise ValidationError(
            f"out: {out} is not empty and is not a sweep folder (no {MANIFEST})"
        )
    (out / "points").mkdir(parents=True, exist_ok=True)
    _atomic_write(path, json.dumps(expected, indent=1).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_row(out: Path, row: dict[str, Any]) -> None:
    """Write one row (see :func:`read_rows` for the fields) atomically."""
    import io

    arrays = {
        "params": np.array(json.dumps(row["params"], sort_keys=True)),
        "repeat": np.array(row["repeat"], dtype=np.int64),
        "seed": np.array(row["seed"], dtype=np.uint64),
        "error": np.array(row["error"]),
        "elapsed_s": np.array(row["elapsed_s"], dtype=np.float64),
        "worker": np.array(row["worker"]),
        "compiles": np.array(row["compiles"], dtype=np.int64),
    }
    for name, value in row["results"].items():
        arrays[_RESULT + name] = value
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _atomic_write(out / "points" / f"{row['key']}.npz", buf.getvalue())


def read_rows(out: Path) -> dict[str, dict[str, Any]]:
    """All rows stored in ``out``, by key.

    Each row: ``key``, ``params`` (dict), ``repeat``, ``seed``, ``error``
    (``""`` when the point succeeded), ``elapsed_s``, ``worker``,
    ``compiles`` and ``results`` (``{name: ndarray}``). Unreadable files are
    skipped with a warning (their points run again).
    """
    rows = {}
    folder = out / "points"
    if not folder.is_dir():
        return rows
    for path in sorted(folder.glob("*.npz")):
        try:
            with np.load(path, allow_pickle=False) as z:
                row = {
                    "key": path.stem,
                    "params": json.loads(str(z["params"])),
                    "repeat": int(z["repeat"]),
                    "seed": int(z["seed"]),
                    "error": str(z["error"]),
                    "elapsed_s": float(z["elapsed_s"]),
                    "worker": str(z["worker"]),
                    "compiles": int(z["compiles"]),
                    "results": {
                        k[len(_RESULT) :]: z[k]
                        for k in z.files
                        if k.startswith(_RESULT)
                    },
                }
        except Exception as e:  # a damaged file: recompute that point
            logger.warning("skipping unreadable sweep row %s (%s)", path, e)
            continue
        rows[row["key"]] = row
    return rows
