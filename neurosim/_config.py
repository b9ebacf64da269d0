"""Package defaults, read once from the environment at import time.

``NEUROSIM_CACHE``            "0" disables numba's on-disk cache (default on).
``NEUROSIM_FASTMATH``         "1" compiles CPU kernels with fastmath (default off).
``NEUROSIM_THREADS_PER_BLOCK`` CUDA block size (default 128).
``NEUROSIM_GPU_MIN_NEURONS``  smallest network that ``backend="auto"`` runs on a
                              GPU (default 20000, a placeholder until measured;
                              see ``benchmarks/gpu_suite.py``).
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


def _count(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise ValueError(f"{name}: expected a whole number >= 0 (got {value!r})")
    return count


#: Networks with fewer neurons run on the CPU under ``backend="auto"`` even
#: when a GPU is usable: a small network's step is bound by kernel launches
#: (microseconds each, several per step), not by its arithmetic. The default
#: is a placeholder, not a measurement: ``benchmarks/gpu_suite.py`` measures
#: the crossover (CUBA at several sizes, CPU against GPU) and prints the value
#: to use. Read when a simulator resolves its backend, so it can be changed
#: at run time (``neurosim._config.GPU_MIN_NEURONS = n``).
GPU_MIN_NEURONS: int = _count("NEUROSIM_GPU_MIN_NEURONS", 20000)
