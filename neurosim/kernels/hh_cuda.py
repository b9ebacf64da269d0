"""HH population on a GPU: the same ``hh_step`` as a ``numba.cuda`` device function.

Imported lazily (only for ``backend="cuda"``); importing it imports
``numba.cuda``.
"""

from __future__ import annotations

import math

from numba import cuda

from .. import _config
from .._jit import compile_family, cuda_device, cuda_kernel
from .cuda_memory import check_device_memory
from .hh import SCALAR_FUNCTIONS, make_hh_neuron_loop

#: Upper bound on the grid size; larger populations are covered by the
#: grid-stride loop.
MAX_BLOCKS = 65535

#: CUDA device versions of the scalar functions of :mod:`neurosim.kernels.hh`.
device = compile_family(SCALAR_FUNCTIONS, "cuda")

_loop = cuda_device(make_hh_neuron_loop(device["hh_step"], device["hh_diverged"]))


@cuda_kernel
def _hh_run_kernel(
    I,
    i_stride,
    V,
    m,
    h,
    n,
    dt,
    method,
    p,
    n_steps,
    spk_buf,
    spk_off,
    spk_n,
    v_rec,
    record_v,
    status,
):
    start = cuda.grid(1)
    stride = cuda.gridsize(1)
    for i in range(start, V.shape[0], stride):
        _loop(
            i,
            I,
            i_stride,
            V,
            m,
            h,
            n,
            dt,
            method,
            p,
            n_steps,
            spk_buf,
            spk_off,
            spk_n,
            v_rec,
            record_v,
            status,
        )


def hh_run_cuda(
    I,
    i_stride,
    V,
    m,
    h,
    n,
    dt,
    method,
    p,
    n_steps,
    spk_buf,
    spk_off,
    spk_n,
    v_rec,
    record_v,
    status,
):
    """GPU twin of :func:`neurosim.kernels.hh.hh_run` (same arguments and effects).

    Copies the inputs to the device once, runs the whole time loop in a single
    launch (one thread per neuron, grid-stride), and copies the state, spike
    buffers, ``status`` and (when ``record_v``) ``v_rec`` back into the given
    host arrays.
    """
    tpb = _config.THREADS_PER_BLOCK
    blocks = min(MAX_BLOCKS, math.ceil(V.shape[0] / tpb))
    names = ("I", "V", "m", "h", "n", "spk_buf", "spk_off", "spk_n", "v_rec", "status")
    hosts = (I, V, m, h, n, spk_buf, spk_off, spk_n, v_rec, status)
    nbytes = sum(a.nbytes for a in hosts)
    check_device_memory(nbytes, f"HH run of {n_steps} steps of {V.shape[0]} neurons")
    d = {name: cuda.to_device(a) for name, a in zip(names, hosts, strict=True)}
    _hh_run_kernel[blocks, tpb](
        d["I"],
        i_stride,
        d["V"],
        d["m"],
        d["h"],
        d["n"],
        dt,
        method,
        p,
        n_steps,
        d["spk_buf"],
        d["spk_off"],
        d["spk_n"],
        d["v_rec"],
        record_v,
        d["status"],
    )
    for name, host in zip(names[1:], hosts[1:], strict=True):
        if name != "v_rec" or record_v:
            d[name].copy_to_host(host)
