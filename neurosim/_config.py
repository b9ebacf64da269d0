"""Package defaults, read once from the environment at import time.

``NEUROSIM_CACHE``            "0" disables numba's on-disk cache (default on).
``NEUROSIM_FASTMATH``         "1" compiles CPU kernels with fastmath (default off).
``NEUROSIM_THREADS_PER_BLOCK`` CUDA block size (default 128).
"""

from __future__ import annotations

import os


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "")


CACHE: bool = _flag("NEUROSIM_CACHE", True)
FASTMATH: bool = _flag("NEUROSIM_FASTMATH", False)
THREADS_PER_BLOCK: int = int(os.environ.get("NEUROSIM_THREADS_PER_BLOCK", "128"))
