"""The network step on a GPU: the CPU loop's per-element functions as device code.

Imported lazily (``backend="cuda"``). Each step launches at most five kernels
over the arrays of :mod:`neurosim.kernels.network` (kept on the device for the
whole call): inputs (one thread per neuron), decay of the factored and readout
states and the scales of the scaled channels (one thread; these two only where
such channels exist), neurons (``lif_step``, ``hh_step`` and ``poisson_step``
compiled as device functions from the same source as the CPU loop), and spike
propagation with the multi-state synapses (one thread per column does both);
plus one per NeuronModel group, one for encoded inputs and one for samples
where there are any (``tests/cuda/test_launches.py`` counts them).
Propagation *pulls*: one thread per synaptic column adds, connection by
connection and in increasing presynaptic index, the weights of the presynaptic
neurons that spiked (dense rows, CSC columns, one-to-one, factored rows). That
is the order the CPU loop adds them in, so both backends do the same
floating-point operations and produce the same spikes, with no atomics. Spikes
of each step are kept as flags (a ring of ``n_slot`` rows for delays) and
turned into events on the host once per call.

Plastic connections run their rule's kernels, generated from the rule's
source with the network loop (:func:`neurosim.kernels.rules.render_rule_cuda`):
per connection and step, one thread per synapse for the rule's events, then
one per trace for the traces' decay and bumps, before propagation for rules
whose spikes carry the updated weight and after it otherwise, as on the CPU.
Each synapse does the CPU's operations in the CPU's order, so weights, traces
and synapse variables agree bit for bit under the simulator. Weights sampled
by a ``WeightMonitor`` are recorded after the plasticity (a second
:func:`_record_kernel` launch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse
from numba import cuda

from .. import _config
from .._jit import compile_family, cuda_device, cuda_kernel
from ..exceptions import BackendUnavailable
from . import network as K
from .cuda_memory import check_device_memory
from .hh_cuda import device as hh_device
from .lif import COND_FUNCTIONS, lif_advance, lif_rate

MAX_BLOCKS = 65535
#: Most bytes of spike flags held on the device: every ``SPIKE_CHUNK_BYTES //
#: n_neurons`` steps the flags (and the external input rows) are exchanged
#: with the host, so no device array grows with ``n_steps x n_neurons``.
SPIKE_CHUNK_BYTES = 1 << 26
#: Most states a synapse may have on the GPU (size of the per-thread scratch).
MAX_STATES = 8

_lif = cuda_device(lif_advance)
_lif_rate = cuda_device(lif_rate)
_poisson = cuda_device(K.poisson_step)
_hh = hh_device["hh_step"]
_scale_step = cuda_device(K.scale_step)
_cond_coeffs = compile_family(COND_FUNCTIONS, "cuda")["cond_lif_coeffs"]


@cuda_kernel
def _inputs_kernel(N, init_i, ch_i, ch_f, first_g, X, xs, R, syn_in, gsum, gE,
                   const_in, ext_ptr, ext_cols, ext_row):  # fmt: skip
    """Step 1 per neuron: ``I`` (and conductances), as the CPU loop sums them.

    ``N`` is the length of ``syn_in``: the neurons, then the input port slots
    of NeuronModel groups (filled the same way).

    External inputs: neuron ``i`` adds ``ext_row[ext_cols[e]]`` for ``e`` in
    ``[ext_ptr[i], ext_ptr[i + 1])``, columns in increasing order (the CPU's
    order; a neuron may have several inputs). Scaled channels (fused into a
    LIF pass on the CPU) are read through their scale ``xs[c]`` and decay in
    :func:`_decay_kernel` / :func:`_scale_kernel`.
    """
    start = cuda.grid(1)
    for i in range(start, N, cuda.gridsize(1)):
        for r in range(init_i.shape[0]):
            if init_i[r, 0] <= i < init_i[r, 1]:
                syn_in[i] = const_in[i]
        for first in (1, 0):
            for c in range(ch_i.shape[0]):
                kind = ch_i[c, 0]
                if first_g[c] != first or kind == K.CH_READOUT:
                    continue
                width = ch_i[c, 1]
                m = ch_i[c, 2]
                xo = ch_i[c, 3]
                p0 = ch_i[c, 5]
                fo = ch_i[c, 7]
                go = fo + m * m + m
                if kind == K.CH_FACTORED:
                    npost = ch_i[c, 6]
                    if not p0 <= i < p0 + npost:
                        continue
                    for q in range(width):
                        y = 0.0
                        for l in range(m):
                            y += ch_f[go + l] * X[xo + l * width + q]
                        if y != 0.0:
                            syn_in[i] += y * R[ch_i[c, 8] + q * npost + i - p0]
                    continue
                if not p0 <= i < p0 + width:
                    continue
                col = i - p0
                if kind == K.CH_CURRENT:
                    if m == 1:
                        g = ch_f[go] * xs[c]  # xs = 1 (exact) if not scaled
                        if first:
                            syn_in[i] = const_in[i] + g * X[xo + col]
                        else:
                            syn_in[i] += g * X[xo + col]
                        if ch_i[c, 10] != 2:
                            X[xo + col] *= ch_f[fo]
                    else:
                        if first:
                            syn_in[i] = const_in[i]
                        for l in range(m):
                            syn_in[i] += ch_f[go + l] * X[xo + l * width + col]
                else:  # CH_COND
                    if first:
                        gsum[i] = 0.0
                        gE[i] = 0.0
                    g = 0.0
                    if m == 1:  # xs = 1 (exact) if not scaled
                        g += ch_f[go] * xs[c] * X[xo + col]
                        if ch_i[c, 10] != 2:
                            X[xo + col] *= ch_f[fo]
                    else:
                        for l in range(m):
                            g += ch_f[go + l] * X[xo + l * width + col]
                    gsum[i] += g
                    gE[i] += g * ch_f[go + m]
        for e in range(ext_ptr[i], ext_ptr[i + 1]):
            syn_in[i] += ext_row[ext_cols[e]]


@cuda_kernel
def _encoded_kernel(in_x, n_idx, ext_row, X):
    """Encoded inputs: ``X[in_x[e]] = ext_row[n_idx + e]`` (before step 1)."""
    start = cuda.grid(1)
    for e in range(start, in_x.shape[0], cuda.gridsize(1)):
        X[in_x[e]] = ext_row[n_idx + e]


@cuda_kernel
def _decay_kernel(ch_i, ch_f, X, xs):
    """Step 1, factored and readout channels with one state: ``x <- a x``.

    Scaled channels move their scale into the states when it falls below
    ``RESCALE_BELOW`` (``kernels.network.scale_step``); :func:`_scale_kernel`
    then updates the scales.
    """
    start = cuda.grid(1)
    for c in range(ch_i.shape[0]):
        kind = ch_i[c, 0]
        xo = ch_i[c, 3]
        if ch_i[c, 10] == 2:
            m, _s = _scale_step(xs[c], ch_f[ch_i[c, 7]])
            if m != 1.0:
                for q in range(start, ch_i[c, 1], cuda.gridsize(1)):
                    X[xo + q] *= m
            continue
        if ch_i[c, 2] != 1 or (kind != K.CH_FACTORED and kind != K.CH_READOUT):
            continue
        for q in range(start, ch_i[c, 1], cuda.gridsize(1)):
            X[xo + q] *= ch_f[ch_i[c, 7]]


@cuda_kernel
def _scale_kernel(ch_i, ch_f, xs):
    """Scaled channels decay over the step (``kernels.network.scale_step``)."""
    if cuda.grid(1) == 0:
        for c in range(ch_i.shape[0]):
            if ch_i[c, 10] == 2:
                _m, xs[c] = _scale_step(xs[c], ch_f[ch_i[c, 7]])


@cuda_kernel
def _neurons_kernel(N, dt, tk, v, ref, aux, syn_in, gsum, gE, kgain, kbias, seg_i,
                    seg_f, p_spike, rng_state, ring_flags, slot, spk_rec,
                    k, over):  # fmt: skip
    """Step 2 per neuron: the model's step; spike counts into the ring.

    A LIF neuron may spike several times in a step (``tau_ref < dt``): its
    flag holds the count, at most ``seg_f[pr, 7]`` (the room the CPU's spike
    list keeps for it, :func:`~neurosim.kernels.network.spike_cap`); one due
    more sets ``over[0] = -(i + 1)`` (some such neuron). ``over`` is the
    device's check flag (:meth:`DeviceState.all_finite` reads it after every
    call anyway, so the report costs no transfer).
    """
    start = cuda.grid(1)
    for i in range(start, N, cuda.gridsize(1)):
        s = 0
        while not seg_i[s, 1] <= i < seg_i[s, 2]:
            s += 1
        typ = seg_i[s, 0]
        pr = seg_i[s, 3]
        spiked = 0
        if typ == K.SEG_LIF or typ == K.SEG_LIF_FUSED:
            # ref holds the time the refractory period ends (as on the CPU)
            Ji = kgain[i] * syn_in[i] + kbias[i]
            r = ref[i] - tk
            vn, rn, ts, ns, per = _lif(v[i], r if r > 0.0 else 0.0, Ji, dt,
                                       seg_f[pr, 0], seg_f[pr, 1],
                                       seg_f[pr, 2])  # fmt: skip
            v[i] = seg_f[pr, 6] if vn < seg_f[pr, 6] else vn  # LIF.min_voltage
            if ns > 0:
                ref[i] = tk + ts + (ns - 1) * per + seg_f[pr, 1]
                spiked = _room(ns, seg_f[pr, 7], over, i)
        elif typ == K.SEG_LIF_COND:  # the CPU's math (kernels.lif.cond_lif_coeffs)
            Je, te, full = _cond_coeffs(kgain[i] * syn_in[i] + kbias[i], gsum[i],
                                        gE[i], dt, seg_f[pr, 0])  # fmt: skip
            r = ref[i] - tk
            vn, rn, ts, ns, per = _lif(v[i], r if r > 0.0 else 0.0, Je, dt, te,
                                       seg_f[pr, 1], full)  # fmt: skip
            v[i] = vn
            if ns > 0:
                ref[i] = tk + ts + (ns - 1) * per + seg_f[pr, 1]
                spiked = _room(ns, seg_f[pr, 7], over, i)
        elif typ == K.SEG_HH:
            f = seg_f[pr]
            p = (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7])
            Ii = kgain[i] * syn_in[i] + kbias[i]
            V, m, h, n, ts = _hh(v[i], aux[0, i], aux[1, i], aux[2, i], Ii,
                                 dt * 1e3, int(f[8]), p)  # fmt: skip
            v[i] = V
            aux[0, i] = m
            aux[1, i] = h
            aux[2, i] = n
            spiked = 1 if ts >= 0.0 else 0
        elif typ == K.SEG_LIF_RATE:  # v holds the rate
            Ji = kgain[i] * syn_in[i] + kbias[i]
            v[i] = _lif_rate(Ji, seg_f[pr, 0], seg_f[pr, 1])
        elif typ == K.SEG_POISSON:
            st, sp = _poisson(rng_state[i], p_spike[i])
            rng_state[i] = st
            spiked = sp
        ring_flags[slot, i] = spiked
        spk_rec[k, i] = spiked


@cuda_kernel
def _propagate_kernel(n_cols, step, n_slot, ch_i, con_i, ring_flags, X, xs, U, wdat,
                      cdat, cidx, cptr, v, dt, ch_f, rd_out, rd_start, rd_every,
                      step0):  # fmt: skip
    """Steps 4 and 5 per synaptic column: pull the spikes' weights, then the LTI.

    Rows from rate groups (``CON_RATE``) are pulled every step, times
    ``rate * dt``, as the CPU loop adds them. Weights into a scaled channel are
    divided by its scale, as ``w * (1 / s)`` (``s = 1`` elsewhere). Then
    :func:`_lti_column` advances the column's multi-state synapse and samples
    its readout: a column's pull writes only that column's ``X`` and ``U``,
    which only its own step 5 reads, and the plastic connections' updates
    that the CPU runs between the two (rules that transmit the weight before
    its update) touch neither, so one thread does both with no grid-wide
    barrier in between (one launch fewer per step).
    """
    start = cuda.grid(1)
    tmp = cuda.local.array(MAX_STATES, np.float64)
    for t in range(start, n_cols, cuda.gridsize(1)):
        c = 0
        while not ch_i[c, 4] <= t < ch_i[c, 4] + ch_i[c, 1]:
            c += 1
        col = t - ch_i[c, 4]
        inv = 1.0 / xs[c]
        for cc in range(con_i.shape[0]):
            if con_i[cc, 3] != c or step - con_i[cc, 5] < 0:
                continue
            kind = con_i[cc, 0]
            pi = col - con_i[cc, 4]
            ncols = con_i[cc, 8]  # n_post (d for factored rows)
            if not 0 <= pi < ncols:
                continue
            sl = (step - con_i[cc, 5]) % n_slot
            pre0 = con_i[cc, 1]
            base = ch_i[c, 3] if con_i[cc, 9] else ch_i[c, 4]
            acc_x = con_i[cc, 9] == 1
            wo = con_i[cc, 6]
            # a flag counts the spikes of its step: each adds the weight once
            if kind == K.CON_ONE_TO_ONE:
                for _ in range(ring_flags[sl, pre0 + pi]):
                    _add(X, U, acc_x, base + col, wdat[wo + pi] * inv)
            elif kind == K.CON_RATE:
                for j in range(con_i[cc, 2]):
                    q = v[pre0 + j] * dt
                    if q != 0.0:
                        _add(X, U, acc_x, base + col, wdat[wo + j * ncols + pi] * q)
            elif kind == K.CON_CSR:
                po = con_i[cc, 7]
                for e in range(cptr[po + pi], cptr[po + pi + 1]):
                    for _ in range(ring_flags[sl, pre0 + cidx[e]]):
                        _add(X, U, acc_x, base + col, cdat[e] * inv)
            else:  # dense rows (ncols = n_post) or factored rows (ncols = d)
                for j in range(con_i[cc, 2]):
                    for _ in range(ring_flags[sl, pre0 + j]):
                        _add(X, U, acc_x, base + col,
                             wdat[wo + j * ncols + pi] * inv)  # fmt: skip
        _lti_column(t, c, tmp, ch_i, ch_f, X, U, rd_out, rd_start, rd_every, step0,
                    step)  # fmt: skip


def _room_impl(ns, room, over, i):
    """``ns`` spikes as a count the ring keeps (at most ``room``; more: ``over``)."""
    if ns > room:
        over[0] = -(i + 1)
        return int(room)
    return ns


_room = cuda_device(_room_impl)


def _add_impl(X, U, to_x, idx, w):
    if to_x:
        X[idx] += w
    else:
        U[idx] += w


_add = cuda_device(_add_impl)


def _lti_column_impl(t, c, tmp, ch_i, ch_f, X, U, rd_out, rd_start, rd_every, step0,
                     step):  # fmt: skip
    """Step 5 of column ``t`` (of channel ``c``): ``x <- A x + Bc u``; readouts.

    ``tmp`` is the thread's scratch of ``MAX_STATES`` values. Readout ``rd``
    samples every ``rd_every[rd]`` steps; its samples of this call start at
    ``rd_out[rd_start[rd]]``, one row of its width per due step.
    """
    i = t - ch_i[c, 4]
    width = ch_i[c, 1]
    m = ch_i[c, 2]
    xo = ch_i[c, 3]
    fo = ch_i[c, 7]
    if m > 1:
        for l in range(m):
            acc = ch_f[fo + m * m + l] * U[t]
            for q in range(m):
                acc += ch_f[fo + l * m + q] * X[xo + q * width + i]
            tmp[l] = acc
        for l in range(m):
            X[xo + l * width + i] = tmp[l]
        U[t] = 0.0
    rd = ch_i[c, 9]
    if ch_i[c, 0] == K.CH_READOUT and step % rd_every[rd] == 0:
        y = 0.0
        for l in range(m):
            y += ch_f[fo + m * m + m + l] * X[xo + l * width + i]
        base = rd_start[rd] + _n_due(step0, step, rd_every[rd]) * width
        rd_out[base + i] = y


def _n_due_impl(step0, step, every):
    """Steps ``s`` in ``[step0, step)`` with ``s % every == 0`` (all >= 0)."""
    return (step + every - 1) // every - (step0 + every - 1) // every


_n_due = cuda_device(_n_due_impl)
_lti_column = cuda_device(_lti_column_impl)


@cuda_kernel
def _record_kernel(rec_i, rec_start, step0, step, weights, v, mstate, syn_in, kgain,
                   kbias, wdat, cdat, rec_out):  # fmt: skip
    """Step 3 (``weights`` 0) or after the plasticity (1): samples due this step.

    Row ``r`` samples every ``rec_i[r, 2]`` steps; its samples of this call
    start at ``rec_out[rec_start[r]]``, one per due step since ``step0``.
    States are sampled in step 3, weights (``REC_WEIGHT``: ``wdat``;
    ``REC_SWEIGHT``: ``cdat``, the row holding the CSC position) at the end
    of step 4, as on the CPU.
    """
    r = cuda.grid(1)
    if r < rec_i.shape[0] and step % rec_i[r, 2] == 0:
        kind = rec_i[r, 1]
        if (kind >= K.REC_WEIGHT) != (weights == 1):
            return
        pos = rec_start[r] + _n_due(step0, step, rec_i[r, 2])
        i = rec_i[r, 0]
        if kind == K.REC_V:
            rec_out[pos] = v[i]
        elif kind == K.REC_STATE:
            rec_out[pos] = mstate[i]
        elif kind == K.REC_WEIGHT:
            rec_out[pos] = wdat[i]
        elif kind == K.REC_SWEIGHT:
            rec_out[pos] = cdat[i]
        else:
            rec_out[pos] = kgain[i] * syn_in[i] + kbias[i]


@cuda_kernel
def _nonfinite_kernel(x, flag):
    """``flag[0] = 1`` where ``x`` holds a NaN or an infinity (else unchanged)."""
    start = cuda.grid(1)
    for i in range(start, x.shape[0], cuda.gridsize(1)):
        if not math.isfinite(x[i]):
            flag[0] = 1


@cuda_kernel
def _hh_bounds_kernel(v, aux, i0, i1, v_limit, low, high, flag):
    """``flag[0] = 1`` where an HH neuron of ``[i0, i1)`` left its bounds.

    The bounds of :func:`neurosim.kernels.hh` (``|v| < v_limit`` mV, gates in
    ``(low, high)``); a NaN is out of bounds.
    """
    start = cuda.grid(1)
    for i in range(i0 + start, i1, cuda.gridsize(1)):
        ok = abs(v[i]) < v_limit
        for r in range(3):
            ok = ok and low < aux[r, i] < high
        if not ok:
            flag[0] = 1


def _grid(n: int) -> tuple[int, int]:
    tpb = _config.THREADS_PER_BLOCK
    return max(1, min(MAX_BLOCKS, math.ceil(max(n, 1) / tpb))), tpb


def gpu_arrays(a: dict[str, np.ndarray], seg_i: np.ndarray) -> dict[str, np.ndarray]:
    """Host arrays the GPU step needs beyond the CPU layout (built once).

    ``first_g``: the assigning channel of each group (fused segments' first
    channel included); ``cdat``/``cidx``/``cptr``: every CSR connection as CSC
    (post-major, presynaptic indices increasing; ``CON_CSR_CONST`` rows
    become ``CON_CSR`` rows, after the others, their one weight repeated),
    ``cperm``: the position in ``sdat`` of each CSC entry of the ``CON_CSR``
    rows (``cdat[:cperm.size] = sdat[cperm]``: on this backend ``cdat``
    holds the CSR weights, plastic ones included); ``rec_i_gpu``:
    ``rec_i`` with sparse weight rows pointing into ``cdat``; ``ring_flags``.
    """
    out: dict[str, np.ndarray] = {}
    first = a["ch_i"][:, 10].copy()
    first[first == 2] = 0
    for row in seg_i:
        if row[0] == K.SEG_LIF_FUSED or (row[0] == K.SEG_LIF_COND and row[4] >= 0):
            first[row[4]] = 1
    out["first_g"] = first
    con_i = a["con_i"].copy()
    cdat, cidx, cptr, cperm = [], [], [], []
    n_ptr = 0
    n_e = 0
    # CSR rows with weights in sdat first (cperm maps them), then the
    # one-weight rows, whose CSC copy holds that weight per synapse
    for kind in (K.CON_CSR, K.CON_CSR_CONST):
        for row in con_i:
            if row[0] != kind:
                continue
            npre = row[2]
            e0, e1 = a["sptr"][row[7]], a["sptr"][row[7] + npre]
            indptr = a["sptr"][row[7] : row[7] + npre + 1] - e0
            n_post = int(row[8])
            if kind == K.CON_CSR:
                data = a["sdat"][e0:e1]
            else:
                data = np.full(e1 - e0, a["wdat"][row[6]])
                row[0] = K.CON_CSR  # the device reads cdat for both
            csc = scipy.sparse.csr_matrix(
                (data, a["sidx"][e0:e1], indptr), shape=(npre, n_post)
            ).tocsc()
            csc.sort_indices()
            if kind == K.CON_CSR:
                where = scipy.sparse.csr_matrix(
                    (np.arange(e0, e1, dtype=np.int64), a["sidx"][e0:e1], indptr),
                    shape=(npre, n_post),
                ).tocsc()
                where.sort_indices()
                cperm.append(where.data)
            row[7] = n_ptr
            cptr.append(csc.indptr.astype(np.int64) + n_e)
            cidx.append(csc.indices.astype(np.int64))
            cdat.append(csc.data)
            n_ptr += csc.indptr.size
            n_e += csc.data.size
    out["con_i_gpu"] = con_i
    out["cdat"] = np.concatenate(cdat) if cdat else np.zeros(1)
    out["cidx"] = np.concatenate(cidx) if cidx else np.zeros(1, np.int64)
    out["cptr"] = np.concatenate(cptr) if cptr else np.zeros(1, np.int64)
    out["cperm"] = np.concatenate(cperm) if cperm else np.zeros(0, np.int64)
    rec = a["rec_i"].copy()
    sparse = rec[:, 1] == K.REC_SWEIGHT
    if np.any(sparse):
        inv = np.empty(a["sdat"].size, dtype=np.int64)
        inv[out["cperm"]] = np.arange(out["cperm"].size)
        rec[sparse, 0] = inv[rec[sparse, 0]]
    out["rec_i_gpu"] = rec
    # spikes per neuron and step (the CPU ring lists a neuron once per spike)
    out["ring_flags"] = np.zeros((a["ring"].shape[0], a["v"].shape[0]), np.uint8)
    return out


#: Every array the step reads, kept on the device between runs.
DEVICE_ARRAYS = ("v", "ref", "aux", "syn_in", "gsum", "gE", "kgain", "kbias",
                 "const_in", "init_i", "seg_i", "seg_f", "p_spike", "rng_state",
                 "ch_i", "ch_f", "first_g", "X", "xs", "U", "R", "con_i_gpu",
                 "wdat", "cdat", "cidx", "cptr", "ring_flags", "rec_i_gpu", "in_x",
                 "mstate", "mpar", "mref", "rd_every")  # fmt: skip
#: The arrays a run writes on the device: their host copies are stale after
#: a run until :meth:`DeviceState.pull` copies them back.
WRITTEN = ("v", "ref", "aux", "syn_in", "gsum", "gE", "X", "xs", "U", "rng_state",
           "ring_flags", "mstate", "mref")  # fmt: skip
#: What a network with plastic connections keeps on the device besides, and
#: what of it a run writes (the weights, traces and synapse variables).
PLASTIC_ARRAYS = ("pl_i", "pl_f", "trace", "syn", "cperm")
PLASTIC_WRITTEN = ("wdat", "cdat", "trace", "syn")
#: The CPU loop's delay ring (spiking indices per slot, and their counts):
#: on this backend a host view of ``ring_flags``, so that snapshots and
#: checkpoints hold the same run state on both backends.
RING = ("ring", "ring_cnt")


def to_device(host: np.ndarray, dev: Any = None) -> Any:
    """Copy ``host`` to the device (into ``dev`` if given); returns the device array.

    Every host-to-device copy of a network run goes through here (the tests
    count them).
    """
    if dev is None:
        return cuda.to_device(host)
    dev.copy_to_device(host)
    return dev


def to_host(dev: Any, out: np.ndarray) -> None:
    """Copy the device array ``dev`` into ``out``: every device-to-host copy."""
    dev.copy_to_host(out)


class DeviceState:
    """A built network's arrays on the device, kept there between runs.

    The host arrays (``built.arrays``) and their device copies ``d`` are kept
    coherent lazily. A run starts by copying the arrays the host changed
    (``dirty``; at first all of them) to the device, and leaves the host
    copies of what it wrote (``WRITTEN``) stale: :meth:`pull` copies those
    back only when the host reads them (state, snapshots, checkpoints). A
    host write is announced with :meth:`changed`, after a :meth:`pull` of
    the same arrays. The CPU's delay ring (``RING``) is translated from and
    to the device's spike flags ``ring_flags`` on the way, and the CPU's CSR
    weights ``sdat`` from and to their CSC copy ``cdat`` (``cperm``).

    Parameters
    ----------
    built : Built
        The network (see :mod:`neurosim.sim.backends`); its arrays must
        include :func:`gpu_arrays`.
    """

    def __init__(self, built: Any) -> None:
        self.a = built.arrays
        plastic = self.a["pl_i"].shape[0] > 0
        self.names = DEVICE_ARRAYS + (PLASTIC_ARRAYS if plastic else ())
        self.written = WRITTEN + (PLASTIC_WRITTEN if plastic else ())
        self.d: dict[str, Any] = {}
        self.dirty = set(self.names)
        self.rules: list[tuple] | None = None  # plastic connections' launches
        self.stale: set[str] = set()
        self.ext_idx: np.ndarray | None = None
        self.ext: tuple[Any, Any] = ()
        self.groups: list[tuple[Any, int, tuple, Any]] | None = None
        self.no_ext = None
        self.flag = None
        self.last_flag = 0  # the check flag's value at its last reading
        self.saved: dict[str, Any] = {}  # the device copies of the save point
        self._ring_to_flags()  # a state restored before the first run
        self.ring_current = True  # the host's ring matches ring_flags

    def new_bytes(self) -> int:
        """Device bytes still to allocate: the arrays and the save point's copies."""
        new = sum(self.a[k].nbytes for k in self.names if k not in self.d)
        if not self.d:
            new += sum(self.a[k].nbytes for k in self.written)
        return new

    def push(self) -> None:
        """Copy the arrays the host changed to the device (allocating at first)."""
        for k in self.names:
            if k in self.dirty:
                self.d[k] = to_device(self.a[k], self.d.get(k))
        self.dirty.clear()
        if self.flag is None:
            self.no_ext = cuda.device_array((1, 0))
            self.flag = to_device(np.zeros(1, dtype=np.int32))

    def pull(self, names: tuple[str, ...] | None = None) -> None:
        """Bring the host copies of ``names`` up to date (only the stale ones).

        Default: everything a run writes, the delay ring and ``sdat``.
        """
        if names is None:
            names = (*self.written, *RING, "sdat")
        ring = any(k in RING for k in names)
        if ring:
            names = (*names, "ring_flags")
        if "sdat" in names and "cdat" in self.stale:
            to_host(self.d["cdat"], self.a["cdat"])
            self.stale.discard("cdat")
            self.a["sdat"][self.a["cperm"]] = self.a["cdat"][: self.a["cperm"].size]
        for k in names:
            if k in self.stale:
                to_host(self.d[k], self.a[k])
                self.stale.discard(k)
        if ring and not self.ring_current:
            self._flags_to_ring()
            self.ring_current = True

    def changed(self, names: tuple[str, ...]) -> None:
        """The host wrote ``names``: the next run copies them to the device."""
        if any(k in RING for k in names):
            self._ring_to_flags()
            names = (*names, "ring_flags")
            self.ring_current = True
        elif "ring_flags" in names:
            self.ring_current = False
        if "sdat" in names:  # the CSR weights: their CSC copy goes to the device
            self.a["cdat"][: self.a["cperm"].size] = self.a["sdat"][self.a["cperm"]]
            names = (*names, "cdat")
        for k in names:
            self.stale.discard(k)
            if k in self.names:
                self.dirty.add(k)

    def _flags_to_ring(self) -> None:
        flags, ring, cnt = self.a["ring_flags"], self.a["ring"], self.a["ring_cnt"]
        for slot in range(flags.shape[0]):
            idx = np.repeat(np.arange(flags.shape[1]), flags[slot])
            ring[slot, : idx.size] = idx
            ring[slot, idx.size :] = 0  # the same ring for the same flags
            cnt[slot] = idx.size

    def _ring_to_flags(self) -> None:
        flags, ring, cnt = self.a["ring_flags"], self.a["ring"], self.a["ring_cnt"]
        flags[...] = 0
        for slot in range(flags.shape[0]):
            np.add.at(flags[slot], ring[slot, : cnt[slot]], 1)

    def all_finite(self, names: tuple[str, ...]) -> bool:
        """Whether the arrays ``names`` are finite; those on the device checked there.

        One launch per array on the device and one 4-byte copy back in all.
        """
        on_device = False
        for k in names:
            if k not in self.stale:
                if not np.all(np.isfinite(self.a[k])):
                    return False
            elif self.a[k].size:
                x = self.d[k].reshape(self.a[k].size)
                _nonfinite_kernel[_grid(x.shape[0])](x, self.flag)
                on_device = True
        return not on_device or not self._read_flag()

    def hh_in_bounds(
        self, ranges: list[tuple[int, int]], v_limit: float, low: float, high: float
    ) -> bool:
        """Whether the HH neurons of ``ranges`` are within bounds, on the device."""
        v, aux = self.d["v"], self.d["aux"]
        for i0, i1 in ranges:
            grid = _grid(i1 - i0)
            _hh_bounds_kernel[grid](v, aux, i0, i1, v_limit, low, high, self.flag)
        return not self._read_flag()

    def _read_flag(self) -> bool:
        """Whether a check kernel raised the flag (which is lowered again)."""
        flag = np.zeros(1, dtype=np.int32)
        to_host(self.flag, flag)
        self.last_flag = int(flag[0])  # < 0: a neuron due too many spikes
        if flag[0]:
            to_device(np.zeros(1, dtype=np.int32), self.flag)
        return bool(flag[0])

    def save_point(self, names: tuple[str, ...]) -> dict[str, Any]:
        """Copies of ``names`` for :meth:`load_point`: on the device what is there.

        The delay ring is saved as the device's ``ring_flags``. The device
        copies are allocated once and reused: a save point replaces the
        previous one (a rollback only ever returns to the latest).
        """
        self.push()  # what the host changed since the last run is on the device
        out: dict[str, Any] = {}
        for k in (*names, "ring_flags"):
            k = "cdat" if k == "sdat" else k  # the CSR weights are cdat here
            if k in RING or k in out:
                continue
            if k in self.stale:
                if k not in self.saved:
                    self.saved[k] = cuda.device_array_like(self.d[k])
                self.saved[k].copy_to_device(self.d[k])
                out[k] = self.saved[k]
            else:
                out[k] = self.a[k].copy()
        return out

    def load_point(self, point: dict[str, Any]) -> None:
        """Put back a :meth:`save_point` (device copies stay on the device)."""
        for k, value in point.items():
            if isinstance(value, np.ndarray):
                self.a[k][...] = value
                if k == "cdat":
                    self.a["sdat"][self.a["cperm"]] = value[: self.a["cperm"].size]
                self.changed((k,))
            else:
                self.d[k].copy_to_device(value)
                self.stale.add(k)
                self.dirty.discard(k)
                if k == "ring_flags":
                    self.ring_current = False

    def ext_csr(self, ext_idx: np.ndarray) -> tuple[Any, Any]:
        """External input columns grouped by neuron (CSR), in column order."""
        if self.ext_idx is None or not np.array_equal(ext_idx, self.ext_idx):
            n = self.a["syn_in"].shape[0]
            ext_ptr = np.zeros(n + 1, dtype=np.int64)
            np.add.at(ext_ptr, ext_idx + 1, 1)
            cols = np.argsort(ext_idx, kind="stable").astype(np.int64)
            self.ext = (to_device(np.cumsum(ext_ptr)), to_device(cols))
            self.ext_idx = ext_idx.copy()
        return self.ext


def _check_supported(a: dict[str, np.ndarray]) -> None:
    """Raise for what the GPU step does not run."""
    if np.any(a["seg_i"][:, 0] == K.SEG_GENERATOR):
        raise BackendUnavailable(
            "backend='cuda': SpikeSource groups run on the CPU backend only"
        )
    if np.any(a["con_i"][:, 0] == K.CON_DCSR):
        raise BackendUnavailable(
            "backend='cuda': connections with per-synapse delays run on the CPU "
            "backend only"
        )
    if a["ch_i"].shape[0] and a["ch_i"][:, 2].max() > MAX_STATES:
        raise BackendUnavailable(
            f"backend='cuda': synapses with more than {MAX_STATES} states"
        )
    # The rule kernels see one event per neuron and step; the CPU loop sees
    # every spike of a step (LIF with tau_ref < dt), so the two would differ.
    if a["pl_i"].shape[0] and a["ring"].shape[1] > a["v"].shape[0]:
        raise BackendUnavailable(
            "backend='cuda': plastic connections in a network with LIF neurons "
            "that can spike more than once per step (tau_ref < dt) run on the "
            "CPU backend only"
        )


def _rule_launches(built: Any, dev: DeviceState) -> list[tuple]:
    """One entry per plastic connection: its phase, kernels, grids and rows.

    The kernels are the rules' own code, generated with the network loop
    (:func:`neurosim.kernels.rules.render_rule_cuda`).
    """
    a = built.arrays
    pl_i = a["pl_i"]
    if not pl_i.shape[0]:
        return []
    built.loop.build_cuda()
    kernels = built.loop.rule_kernels
    d = dev.d
    ends = [*pl_i[1:, 7], a["trace"].size]
    out = []
    for p, row in enumerate(pl_i):
        syn_kernel, trace_kernel = kernels[row[1]]
        n_trace = int(ends[p] - row[7])
        grids = _grid(int(row[9]))[0], _grid(n_trace)[0]
        out.append((int(row[12]), syn_kernel, trace_kernel, *grids, d["pl_i"][p],
                    d["con_i_gpu"][row[0]]))  # fmt: skip
    return out


def _plasticity(dev: DeviceState, phase: int, step: int, dt: float, tpb: int) -> None:
    """Step 4 (``phase`` 0) or 4b (1) of the plastic connections of that phase.

    Per connection two launches: the rule's events, one thread per synapse,
    then the traces' decay and bumps (their order within the step is the
    CPU's: the events read the traces as decayed, before the bumps).
    """
    d = dev.d
    for ph, syn_kernel, trace_kernel, g_syn, g_tr, pi, con in dev.rules:
        if ph != phase:
            continue
        syn_kernel[g_syn, tpb](step, dt, pi, d["pl_f"], con, d["ring_flags"],
                               d["trace"], d["syn"], d["wdat"], d["cdat"], d["cidx"],
                               d["cptr"], d["cperm"])  # fmt: skip
        if trace_kernel is not None:
            trace_kernel[g_tr, tpb](step, pi, d["pl_f"], con, d["ring_flags"],
                                    d["trace"])  # fmt: skip


def network_run_cuda(built, n_steps, step0, ext_idx, ext_val, buffers):
    """GPU twin of :func:`neurosim.sim.backends.run_cpu` (same effects).

    Checks that the run fits in the device's free memory, copies to the
    device what is not there yet or what the host changed (the network's
    arrays stay on the device between runs, in ``built.device``, a
    :class:`DeviceState`), runs ``n_steps`` steps (at most five launches per
    step, see the module's docstring, two more per plastic connection and one
    for the weight samples) in chunks of
    at most ``SPIKE_CHUNK_BYTES // N`` steps (spike flags back to the host,
    when spikes are monitored, and the next input rows to the device between
    chunks), copies the monitors' samples back and writes the
    monitors' buffers as the CPU loop does (growing the event buffers when
    needed). The state stays on the device. Returns ``n_steps``.

    Raises
    ------
    BackendUnavailable
        For what the GPU step does not run (``SpikeSource`` groups, synapses
        with more than ``MAX_STATES`` states), and when the run's device
        arrays would not fit in the free device memory.
    """
    a = built.arrays
    _check_supported(a)
    if "first_g" not in a:
        a.update(gpu_arrays(a, a["seg_i"]))
    dev = built.device
    if dev is None:
        dev = built.device = DeviceState(built)
    N = a["v"].shape[0]
    n_syn = a["syn_in"].shape[0]  # the neurons, then NeuronModel port slots
    ext_val = np.ascontiguousarray(ext_val[:n_steps]).reshape(n_steps, -1)
    chunk = max(1, min(n_steps, SPIKE_CHUNK_BYTES // max(N, 1)))
    rec_i = a["rec_i"]
    n_rec = rec_i.shape[0]
    n_rd = len(built.readouts)
    nbytes = (
        dev.new_bytes()
        + (0 if dev.ext_idx is not None else 8 * (n_syn + 1 + ext_idx.size))  # ext
        + chunk * (N + ext_val[:1].nbytes)  # spike flags, input rows
        + (buffers["rec_out"].nbytes + 8 * n_rec if n_rec else 0)
        + (buffers["rd_out"].nbytes + 8 * a["rd_every"].size if n_rd else 0)
    )
    check_device_memory(nbytes, f"network run of {n_steps} steps of {N} neurons")
    dev.push()
    d = dev.d
    d_ext_ptr, d_ext_cols = dev.ext_csr(ext_idx)
    n_slot = a["ring_flags"].shape[0]
    n_cols = int(a["U"].shape[0]) if a["ch_i"].shape[0] else 0
    # this call's samples: row r of rec_i from rec_start[r] on, readout rd's
    # from rd_start[rd] on (the buffers' offsets plus what is already there)
    rec_start = buffers["rec_off"] + buffers["rec_cnt"]
    d_rec_out = cuda.device_array(buffers["rec_out"].shape) if n_rec else None
    d_rec_start = to_device(rec_start) if n_rec else None
    rd_width = np.zeros(a["rd_every"].size, dtype=np.int64)
    for _mon, rd, width in built.readouts:
        rd_width[rd] = width
    rd_start = buffers["rd_off"] + buffers["rd_cnt"] * rd_width
    d_rd_out = cuda.device_array(buffers["rd_out"].shape) if n_rd else None
    d_rd_start = to_device(rd_start) if n_rd else None
    gn, tpb = _grid(N)
    gi, _ = _grid(n_syn)
    gc, _ = _grid(n_cols)
    gr, _ = _grid(n_rec)
    # the sampling launches only where their kind of row exists
    rec_states = bool(np.any(rec_i[:, 1] < K.REC_WEIGHT))
    rec_weights = bool(np.any(rec_i[:, 1] >= K.REC_WEIGHT))
    width_max = int(a["ch_i"][:, 1].max()) if a["ch_i"].shape[0] else 1
    # launched only where they have work: scaled channels (fused LIF), and
    # one-state factored and readout channels
    ch = a["ch_i"]
    scaled = bool(np.any(ch[:, 10] == 2))
    one = (ch[:, 2] == 1) & ((ch[:, 0] == K.CH_FACTORED) | (ch[:, 0] == K.CH_READOUT))
    decays = scaled or bool(np.any(one))
    gd, _ = _grid(width_max)
    n_in = a["in_x"].shape[0]
    ge, _ = _grid(n_in)
    # NeuronModel groups: one generated kernel per group and step, after the
    # built-in neurons (which leave the groups' ring flags at 0)
    if dev.groups is None:
        dev.groups = []
        if built.loop is not None:
            kernels = built.loop.build_cuda()
            for row in a["seg_i"]:
                if row[0] == K.SEG_MODEL:
                    kind, so, po, ro, pi = a["mod_i"][row[4]]
                    ints = (row[1], row[2], so, po, ro, pi)
                    grid = _grid(int(row[2] - row[1]))[0]
                    dev.groups.append((kernels[kind], grid, ints, d["seg_f"][row[3]]))
    if dev.rules is None:
        dev.rules = _rule_launches(built, dev)
    has_ext = ext_val.shape[1] > 0
    d_ext = dev.no_ext
    ev_steps, ev_idx = [], []
    for k in range(n_steps):
        if k % chunk == 0:
            k0 = k
            m = min(chunk, n_steps - k0)
            if has_ext:
                d_ext = to_device(ext_val[k0 : k0 + m])
            spk = cuda.device_array((m, N), dtype=np.uint8)
        step = step0 + k
        ext_row = d_ext[k - k0] if has_ext else d_ext[0]
        if n_in:
            _encoded_kernel[ge, tpb](d["in_x"], ext_idx.size, ext_row, d["X"])
        _inputs_kernel[gi, tpb](n_syn, d["init_i"], d["ch_i"], d["ch_f"], d["first_g"],
                                d["X"], d["xs"], d["R"], d["syn_in"], d["gsum"],
                                d["gE"], d["const_in"], d_ext_ptr, d_ext_cols,
                                ext_row)  # fmt: skip
        if decays:
            _decay_kernel[gd, tpb](d["ch_i"], d["ch_f"], d["X"], d["xs"])
        if scaled:
            _scale_kernel[1, 1](d["ch_i"], d["ch_f"], d["xs"])
        tk = step * built.dt
        _neurons_kernel[gn, tpb](N, built.dt, tk, d["v"], d["ref"], d["aux"],
                                 d["syn_in"], d["gsum"], d["gE"], d["kgain"],
                                 d["kbias"], d["seg_i"], d["seg_f"], d["p_spike"],
                                 d["rng_state"], d["ring_flags"], step % n_slot,
                                 spk, k - k0, dev.flag)  # fmt: skip
        for kern, gg, ints, f in dev.groups:
            kern[gg, tpb](*ints, f, d["mstate"], d["mpar"], d["mref"], d["syn_in"],
                          d["kgain"], d["kbias"], d["ring_flags"], step % n_slot, spk,
                          k - k0)  # fmt: skip
        if rec_states:
            _record_kernel[gr, tpb](d["rec_i_gpu"], d_rec_start, step0, step, 0,
                                    d["v"], d["mstate"], d["syn_in"], d["kgain"],
                                    d["kbias"], d["wdat"], d["cdat"],
                                    d_rec_out)  # fmt: skip
        _plasticity(dev, 0, step, built.dt, tpb)
        if n_cols:  # steps 4 and 5 (the rules of phase 1 touch neither X nor U)
            _propagate_kernel[gc, tpb](n_cols, step, n_slot, d["ch_i"],
                                       d["con_i_gpu"], d["ring_flags"], d["X"],
                                       d["xs"], d["U"], d["wdat"], d["cdat"], d["cidx"],
                                       d["cptr"], d["v"], built.dt, d["ch_f"],
                                       d_rd_out if n_rd else d["U"],
                                       d_rd_start if n_rd else d["rd_every"],
                                       d["rd_every"], step0)  # fmt: skip
        if dev.rules:
            _plasticity(dev, 1, step, built.dt, tpb)
            if rec_weights:
                _record_kernel[gr, tpb](d["rec_i_gpu"], d_rec_start, step0, step, 1,
                                        d["v"], d["mstate"], d["syn_in"], d["kgain"],
                                        d["kbias"], d["wdat"], d["cdat"],
                                        d_rec_out)  # fmt: skip
        if built.n_mon and k - k0 == m - 1:  # end of a chunk: spikes become events
            flags = np.empty((m, N), dtype=np.uint8)
            to_host(spk, flags)
            counts = flags * a["spk_mask"][None, :]
            steps, idx = np.nonzero(counts)
            n_sp = counts[steps, idx]  # an event per spike, as on the CPU
            ev_steps.append(np.repeat(steps, n_sp) + step0 + k0)
            ev_idx.append(np.repeat(idx, n_sp))
    dev.stale.update(dev.written)
    dev.ring_current = False
    if n_rec:
        to_host(d_rec_out, buffers["rec_out"])
        buffers["rec_cnt"] += [
            _n_due_impl(step0, step0 + n_steps, e) for e in rec_i[:, 2]
        ]
    if n_rd:
        to_host(d_rd_out, buffers["rd_out"])
        buffers["rd_cnt"] += [
            _n_due_impl(step0, step0 + n_steps, e) for e in a["rd_every"]
        ]
    steps = np.concatenate(ev_steps) if ev_steps else np.zeros(0, np.int64)
    idx = np.concatenate(ev_idx) if ev_idx else np.zeros(0, np.int64)
    n0 = int(buffers["n_ev"][0])
    need = n0 + idx.size
    if need > buffers["ev_idx"].size:
        for key in ("ev_idx", "ev_step"):
            grown = np.empty(need, dtype=buffers[key].dtype)
            grown[:n0] = buffers[key][:n0]
            buffers[key] = grown
    buffers["ev_idx"][n0:need] = idx
    buffers["ev_step"][n0:need] = steps
    buffers["n_ev"][0] = need
    return n_steps
