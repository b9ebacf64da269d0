"""LIF population on a GPU: ``lif_advance`` as a ``numba.cuda`` device function.

Imported lazily (only for ``backend="cuda"``); importing it imports
``numba.cuda``.
"""

from __future__ import annotations

import math

from numba import cuda

from .. import _config
from .._jit import cuda_device, cuda_kernel
from .cuda_memory import check_device_memory
from .lif import lif_advance, make_lif_neuron_loop

#: Upper bound on the grid size; larger populations are covered by the
#: grid-stride loop.
MAX_BLOCKS = 65535

_loop = cuda_device(make_lif_neuron_loop(cuda_device(lif_advance)))


@cuda_kernel
def _lif_run_kernel(
    J,
    j_stride,
    v,
    ref,
    dt,
    tau_rc,
    tau_ref,
    full,
    n_steps,
    spk_buf,
    spk_off,
    spk_n,
    v_rec,
    record_v,
):
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    for i in range(start, v.shape[0], stride):
        _loop(
            i,
            J,
            j_stride,
            v,
            ref,
            dt,
            tau_rc,
            tau_ref,
            full,
            n_steps,
            spk_buf,
            spk_off,
            spk_n,
            v_rec,
            record_v,
        )


def lif_run_cuda(
    J,
    j_stride,
    v,
    ref,
    dt,
    tau_rc,
    tau_ref,
    full,
    n_steps,
    spk_buf,
    spk_off,
    spk_n,
    v_rec,
    record_v,
):
    """GPU twin of :func:`neurosim.kernels.lif.lif_run` (same arguments and effects).

    Copies the inputs to the device once, runs the whole time loop in a single
    launch (one thread per neuron, grid-stride), and copies ``v``, ``ref``,
    ``spk_buf``, ``spk_n`` and (when ``record_v``) ``v_rec`` back into the given
    host arrays.
    """
    tpb = _config.THREADS_PER_BLOCK
    blocks = min(MAX_BLOCKS, math.ceil(v.shape[0] / tpb))
    names = ("J", "v", "ref", "spk_buf", "spk_off", "spk_n", "v_rec")
    hosts = (J, v, ref, spk_buf, spk_off, spk_n, v_rec)
    nbytes = sum(a.nbytes for a in hosts)
    check_device_memory(nbytes, f"LIF run of {n_steps} steps of {v.shape[0]} neurons")
    d = {name: cuda.to_device(a) for name, a in zip(names, hosts, strict=True)}
    _lif_run_kernel[blocks, tpb](
        d["J"],
        j_stride,
        d["v"],
        d["ref"],
        dt,
        tau_rc,
        tau_ref,
        full,
        n_steps,
        d["spk_buf"],
        d["spk_off"],
        d["spk_n"],
        d["v_rec"],
        record_v,
    )
    for name, host in zip(names[1:], hosts[1:], strict=True):
        if name != "v_rec" or record_v:
            d[name].copy_to_host(host)
