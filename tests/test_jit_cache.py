"""Damaged numba cache files are removed and recompiled, with a warning.

Each run is a fresh process with its own NUMBA_CACHE_DIR, as a user's next
session would be; the module under test is a tiny kernel compiled through
``neurosim._jit.njit`` (the only place neurosim applies numba decorators).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

KERNEL = textwrap.dedent(
    """
    from neurosim._jit import njit

    @njit
    def triple(x):
        return 3.0 * x
    """
)
RUN = textwrap.dedent(
    """
    import warnings
    warnings.simplefilter("always")
    import kernel_mod
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        print(kernel_mod.triple(2.0))
    print("WARNINGS:" + "|".join(str(x.message) for x in w))
    """
)


def _run(tmp_path: Path) -> tuple[str, str]:
    env = dict(
        os.environ,
        NUMBA_CACHE_DIR=str(tmp_path / "cache"),
        NEUROSIM_CACHE="1",
        PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
    )
    out = subprocess.run(
        [sys.executable, "-c", RUN],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    value, warns = out.stdout.strip().splitlines()[-2:]
    return value, warns


@pytest.mark.parametrize("damage", ["truncate_index", "garbage_data"])
def test_damaged_cache_is_recompiled_with_a_warning(tmp_path, damage):
    (tmp_path / "kernel_mod.py").write_text(KERNEL)
    value, warns = _run(tmp_path)  # compiles and writes the cache
    assert value == "6.0" and warns == "WARNINGS:"
    index = list((tmp_path / "cache").rglob("*triple*.nbi"))
    data = list((tmp_path / "cache").rglob("*triple*.nbc"))
    assert len(index) == 1 and len(data) == 1
    if damage == "truncate_index":
        index[0].write_bytes(index[0].read_bytes()[:7])
    elif damage == "garbage_index":
        index[0].write_bytes(os.urandom(64))
    elif damage == "garbage_data":
        data[0].write_bytes(b"\x80\x04garbage" + os.urandom(100))
    else:
        data[0].write_bytes(b"")
    value, warns = _run(tmp_path)
    assert value == "6.0"
    assert "numba cache" in warns and "damaged" in warns
    value, warns = _run(tmp_path)  # the cache was rebuilt: silent again
    assert value == "6.0" and warns == "WARNINGS:"
