"""Run bad-input cases of one chunk and report each outcome on a private pipe.

Usage: ``python _badinput_worker.py CHUNK START FD``. Cases of ``CHUNK`` from
index ``START`` on run one after another; before each the worker writes
``start <i>`` and after it ``done <i> <json>`` to file descriptor ``FD``, so the
parent can kill a case that runs past its time limit (compiled code cannot be
interrupted in-process) and restart the worker after it. Address space is capped
so that a huge allocation fails at once instead of swapping the machine.

Outcomes: ``ok`` (a clear error, or a finite result), or a failure kind:
``nonfinite`` (a NaN/inf result), ``unclear`` (an exception that is not a
``ValueError``/``TypeError``/neurosim error naming the argument), ``numba``
(a numba error or traceback), ``memory`` (a raw ``MemoryError``); the parent
adds ``hang``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import traceback
import warnings

import numpy as np

MEMORY_LIMIT = 6 * 2**30  # bytes of address space per worker
NeurosimError: type = ValueError  # the package's own errors, bound in main()


def _nonfinite(value, depth: int = 0) -> str | None:
    """Where a float result holds NaN/inf (top level, arrays, neurosim objects)."""
    if depth > 3:
        return None
    if isinstance(value, float | complex | np.floating | np.complexfloating):
        return None if np.isfinite(value) else "result"
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and value.size and not np.all(np.isfinite(value)):
            return "array"
        return None
    if isinstance(value, list | tuple):
        for v in value:
            where = _nonfinite(v, depth + 1)
            if where:
                return where
        return None
    if isinstance(value, dict):
        return _nonfinite(list(value.values()), depth + 1)
    mod = type(value).__module__ or ""
    if mod.startswith("neurosim") and hasattr(value, "__dict__"):
        for k, v in vars(value).items():
            if isinstance(v, np.ndarray | list | tuple) or k == "data":
                where = _nonfinite(v, depth + 1)
                if where:
                    return f"{type(value).__name__}.{k}"
    return None


def classify(arg: str | None, fn) -> tuple[str, str]:
    """Call ``fn`` and say whether the outcome is acceptable for argument ``arg``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn()
    except MemoryError as e:
        return "memory", f"MemoryError: {e}"[:300]
    except Exception as e:  # the outcome under test
        tb = traceback.format_exc()
        text = f"{type(e).__name__}: {e}"[:300]
        if type(e).__module__.startswith("numba") or "numba.core.errors" in tb:
            return "numba", text
        if arg is None:
            return "unclear", "valid call failed: " + text
        if isinstance(e, ValueError | TypeError | NeurosimError):
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(e)):
                return "ok", text
            return "unclear", "does not name the argument: " + text
        return "unclear", text
    where = _nonfinite(result)
    if where:
        return "nonfinite", f"non-finite {where}"
    return "ok", "accepted"


def main() -> None:
    chunk, start, fd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    out = os.fdopen(fd, "w", buffering=1)
    sys.stdout = sys.stderr  # library output never reaches the protocol pipe
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _badinput_cases as cat

    global NeurosimError
    from neurosim.exceptions import NeurosimError

    all_cases = cat.cases(cat.build_entries()[chunk])
    out.write("ready\n")  # imports done: the per-case time limits start now
    for i in range(start, len(all_cases)):
        case_id, entry, arg, bad = all_cases[i]
        kwargs = dict(entry.kwargs)
        if arg is not None:
            kwargs[arg] = bad
        out.write(f"start {i}\n")
        kind, detail = classify(arg, lambda: entry.fn(**kwargs))  # noqa: B023
        out.write(f"done {i} {json.dumps([case_id, kind, detail])}\n")
    out.write("end\n")


if __name__ == "__main__":
    main()
