"""Device memory: what a GPU run will allocate, checked before it starts.

Imported lazily by the ``*_cuda`` drivers (it imports ``numba.cuda``).
"""

from __future__ import annotations

from numba import cuda

from ..exceptions import BackendUnavailable


def free_device_bytes() -> float:
    """Free memory of the current device in bytes (infinite under the simulator)."""
    return float(cuda.current_context().get_memory_info()[0])


def check_device_memory(need: int, what: str) -> None:
    """Raise before a run that would not fit in the device's free memory.

    Parameters
    ----------
    need : int
        Bytes the run will allocate on the device (its arrays; the CUDA
        context and the compiled kernels are already resident).
    what : str
        The run, for the message (e.g. ``"network run of 1000 steps"``).

    Raises
    ------
    BackendUnavailable
        Naming both sizes, in MiB.
    """
    free = free_device_bytes()
    if need > free:
        raise BackendUnavailable(
            f"backend='cuda': the {what} needs {need / 2**20:.1f} MiB of device "
            f"memory but {free / 2**20:.1f} MiB are free; run fewer neurons or "
            "synapses, record less, or use backend='cpu'"
        )
