"""The network time loop: neurons, synaptic channels and spike propagation.

:func:`network_run` advances a whole network by ``n_steps`` inside one
compiled call; Python is not entered between steps. The network arrives as
flat arrays built by :mod:`neurosim.sim.backends`:

Neurons (global index ``0..N-1``, groups laid end to end)
    ``v`` (internal voltage), ``ref`` (refractory time left, s), ``kgain``,
    ``kbias`` (``J = kgain * I + kbias``), ``const_in`` (constant input ``I``),
    scratch ``J``, ``syn_in``, ``gsum``, ``gE``. Segments ``seg_i (n_seg, 4)``
    ``[type, start, stop, param_row]`` with ``seg_f[param_row]`` holding the
    type's floats, processed in index order so that each step's spike list is
    sorted. Types: ``SEG_LIF`` (current-based LIF, block-vectorised),
    ``SEG_LIF_COND`` (LIF with conductance channels), ``SEG_POISSON``,
    ``SEG_GENERATOR`` (given spike steps).

Channels ``ch_i (n_ch, 11)``
    ``[kind, width, m, xoff, uoff, post0, npost, foff, roff, rd, unused]``; a
    channel is one synapse (``m`` states per column) filtering the impulses
    that its connections deposit in ``U[uoff:uoff+width]``. ``ch_f[foff:]``
    holds ``A (m*m)``, ``Bc (m)``, ``G (m)`` and, for conductance channels, the
    reversal potential. ``X[xoff + l*width + c]`` is state ``l`` of column
    ``c``. Kinds: ``CH_CURRENT`` (column ``c`` drives neuron ``post0 + c``),
    ``CH_FACTORED`` (``d = width`` columns, currents ``y @ R``),
    ``CH_COND`` (conductance), ``CH_READOUT`` (recorded, drives nothing).

Connections ``con_i (n_con, 9)``
    ``[kind, pre0, npre, ch, col0, delay, woff, ioff, ncols]``: dense rows,
    one-to-one weights or factored ``L`` rows (``d`` values) at
    ``wdat[woff:]``; CSR rows through ``sptr[ioff + j]`` (absolute positions
    in ``sidx`` / ``sdat``).

Each step ``k`` (time ``t_k`` to ``t_k + dt``):

1. ``I = const_in + ext[k] + sum_c G_c . X_c`` (current channels),
   ``g = sum_c C_c . X_c`` (conductance channels);
2. every neuron advances one step; spikes go to ring slot ``step % n_slot``;
3. monitors record;
4. every connection reads the spikes of step ``step - delay`` and adds its
   weights to the impulse buffers ``U``;
5. every channel: ``X <- A X + Bc U`` (decay over the step, then the spikes'
   jumps at ``t_{k+1}``), ``U <- 0``; readouts record ``C . X``.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import inline, njit
from .lif import lif_step

SEG_LIF = 0
SEG_LIF_COND = 1
SEG_POISSON = 2
SEG_GENERATOR = 3

CH_CURRENT = 0
CH_FACTORED = 1
CH_COND = 2
CH_READOUT = 3

CON_DENSE = 0
CON_CSR = 1
CON_ONE_TO_ONE = 2
CON_FACTORED = 3

REC_V = 0
REC_J = 1

# neurons per block of the LIF pass: small enough for the block's scratch to
# stay in L1, large enough to amortise the per-block spike check
BLOCK = 64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def poisson_step(state, p):
    """One Bernoulli draw of a Poisson source: spike with probability ``p``.

    ``state`` is the neuron's own splitmix64 counter (uint64); returns the new
    counter and 1 for a spike, 0 otherwise. A counter per neuron makes the
    draws independent of how neurons are split over threads or GPU blocks.
    """
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    u = float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return state, 1 if u < p else 0


_lif = inline(lif_step)
_poisson = inline(poisson_step)


@njit
def _lif_segment(i0, i1, v, ref, J, syn_in, kgain, kbias, vtmp, dt, tau, tref, full,
                 ring, slot, cnt):  # fmt: skip
    """Current-based LIF neurons ``i0..i1-1``; returns the new spike count.

    Blocks of :data:`BLOCK` neurons: a branch-free pass computes ``J`` and the
    whole-step update ``v + (J - v) * full`` (what :func:`lif_step` does for a
    non-refractory neuron that does not spike) and counts the neurons that need
    more: a voltage past threshold, or a refractory period that ends inside the
    step. Blocks without such neurons are written back vectorised; in the other
    blocks those neurons go through :func:`lif_step` itself.
    """
    for b0 in range(i0, i1, BLOCK):
        b1 = min(b0 + BLOCK, i1)
        nspec = 0
        for i in range(b0, b1):
            Ji = kgain[i] * syn_in[i] + kbias[i]
            J[i] = Ji
            r = ref[i]
            vi = v[i]
            vc = vi + (Ji - vi) * full
            vs = vc if r <= 0.0 else vi
            vtmp[i - b0] = vs
            nspec += (vs > 1.0) | ((r > 0.0) & (r < dt))
        if nspec == 0:
            for i in range(b0, b1):
                v[i] = vtmp[i - b0]
                ref[i] = max(ref[i] - dt, 0.0)
        else:
            for i in range(b0, b1):
                r = ref[i]
                vs = vtmp[i - b0]
                if vs > 1.0 or (r > 0.0 and r < dt):
                    vn, rn, ts = _lif(v[i], r, J[i], dt, tau, tref, full)
                    v[i] = vn
                    ref[i] = rn
                    if ts >= 0.0:
                        ring[slot, cnt] = i
                        cnt += 1
                else:
                    v[i] = vs
                    ref[i] = max(r - dt, 0.0)
    return cnt


@njit
def _first_at_least(a, n, x):
    """Index of the first of the sorted ``a[:n]`` that is ``>= x``."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def network_run(n_steps, step0, dt,
                v, ref, J, syn_in, gsum, gE, kgain, kbias, const_in, vtmp,
                seg_i, seg_f, p_spike, rng_state, gen_step, gen_idx, gen_ptr,
                ch_i, ch_f, X, U, R,
                con_i, wdat, sdat, sidx, sptr,
                ring, ring_cnt,
                ext_idx, ext_val,
                spk_mask, n_mon, ev_idx, ev_step, n_ev,
                rec_i, rec_out, rec_off, rec_cnt,
                rd_out, rd_off, rd_cnt, rd_every):  # fmt: skip
    """Advance the network by up to ``n_steps`` steps from global step ``step0``.

    All arrays are described in the module docstring. Modified in place: the
    neuron state (``v``, ``ref``), scratch (``J``, ``syn_in``, ``gsum``,
    ``gE``, ``vtmp``), ``rng_state``, ``gen_ptr``, ``X``, ``U``, ``ring``,
    ``ring_cnt`` and the monitor buffers (``ev_*``, ``n_ev``, ``rec_out``,
    ``rec_cnt``, ``rd_out``, ``rd_cnt``).

    Returns the number of steps done: fewer than ``n_steps`` only when the
    spike-event buffer could overflow during the next step (the caller grows it
    and calls again).
    """
    N = v.shape[0]
    n_slot = ring.shape[0]
    n_seg = seg_i.shape[0]
    n_ch = ch_i.shape[0]
    n_con = con_i.shape[0]
    cap = ev_idx.shape[0]
    for k in range(n_steps):
        step = step0 + k
        if n_ev[0] + n_mon > cap:
            return k
        # 1. input currents and conductances at the start of the step
        for i in range(N):
            syn_in[i] = const_in[i]
            gsum[i] = 0.0
            gE[i] = 0.0
        for e in range(ext_idx.shape[0]):
            syn_in[ext_idx[e]] += ext_val[k, e]
        for c in range(n_ch):
            kind = ch_i[c, 0]
            width = ch_i[c, 1]
            m = ch_i[c, 2]
            xo = ch_i[c, 3]
            p0 = ch_i[c, 5]
            fo = ch_i[c, 7]
            go = fo + m * m + m
            if kind == CH_CURRENT:
                for l in range(m):
                    gl = ch_f[go + l]
                    xl = xo + l * width
                    for i in range(width):
                        syn_in[p0 + i] += gl * X[xl + i]
            elif kind == CH_FACTORED:
                npost = ch_i[c, 6]
                ro = ch_i[c, 8]
                for q in range(width):
                    y = 0.0
                    for l in range(m):
                        y += ch_f[go + l] * X[xo + l * width + q]
                    if y != 0.0:
                        rq = ro + q * npost
                        for i in range(npost):
                            syn_in[p0 + i] += y * R[rq + i]
            elif kind == CH_COND:
                E = ch_f[go + m]
                for i in range(width):
                    g = 0.0
                    for l in range(m):
                        g += ch_f[go + l] * X[xo + l * width + i]
                    gsum[p0 + i] += g
                    gE[p0 + i] += g * E
        # 2. neurons; this step's spikes, sorted, go to ring slot `slot`
        slot = step % n_slot
        cnt = 0
        for s in range(n_seg):
            typ = seg_i[s, 0]
            i0 = seg_i[s, 1]
            i1 = seg_i[s, 2]
            pr = seg_i[s, 3]
            if typ == SEG_LIF:
                cnt = _lif_segment(i0, i1, v, ref, J, syn_in, kgain, kbias, vtmp,
                                   dt, seg_f[pr, 0], seg_f[pr, 1], seg_f[pr, 2],
                                   ring, slot, cnt)  # fmt: skip
            elif typ == SEG_LIF_COND:
                # tau du/dt = J - u + sum_c g_c (E_c - u) is a LIF with
                # tau_eff = tau / (1 + g) and input (J + sum_c g_c E_c) / (1 + g),
                # g = sum_c g_c (conductances held over the step, as in
                # Brian2's exponential Euler); one exp per neuron and step
                tau = seg_f[pr, 0]
                tref = seg_f[pr, 1]
                for i in range(i0, i1):
                    Ji = kgain[i] * syn_in[i] + kbias[i]
                    J[i] = Ji
                    gt = 1.0 + gsum[i]
                    te = tau / gt
                    vn, rn, ts = _lif(v[i], ref[i], (Ji + gE[i]) / gt, dt, te, tref,
                                      -math.expm1(-dt / te))  # fmt: skip
                    v[i] = vn
                    ref[i] = rn
                    if ts >= 0.0:
                        ring[slot, cnt] = i
                        cnt += 1
            elif typ == SEG_POISSON:
                for i in range(i0, i1):
                    st, sp = _poisson(rng_state[i], p_spike[i])
                    rng_state[i] = st
                    if sp:
                        ring[slot, cnt] = i
                        cnt += 1
            else:  # SEG_GENERATOR: events sorted by (step, index)
                g = gen_ptr[pr]
                g1 = int(seg_f[pr, 0])
                while g < g1 and gen_step[g] < step:
                    g += 1
                while g < g1 and gen_step[g] == step:
                    ring[slot, cnt] = gen_idx[g]
                    cnt += 1
                    g += 1
                gen_ptr[pr] = g
        ring_cnt[slot] = cnt
        # 3. monitors
        for a in range(cnt):
            i = ring[slot, a]
            if spk_mask[i]:
                ev_idx[n_ev[0]] = i
                ev_step[n_ev[0]] = step
                n_ev[0] += 1
        for r in range(rec_i.shape[0]):
            if step % rec_i[r, 2] == 0:
                i = rec_i[r, 0]
                rec_out[rec_off[r] + rec_cnt[r]] = (
                    v[i] if rec_i[r, 1] == REC_V else J[i]
                )
                rec_cnt[r] += 1
        # 4. spikes (delayed through the ring) into the channels' impulse buffers
        for c in range(n_con):
            delay = con_i[c, 5]
            if step - delay < 0:
                continue
            sl = (step - delay) % n_slot
            ns = ring_cnt[sl]
            if ns == 0:
                continue
            kind = con_i[c, 0]
            pre0 = con_i[c, 1]
            a0 = _first_at_least(ring[sl], ns, pre0)
            a1 = _first_at_least(ring[sl], ns, pre0 + con_i[c, 2])
            uo = ch_i[con_i[c, 3], 4] + con_i[c, 4]
            wo = con_i[c, 6]
            ncols = con_i[c, 8]
            for a in range(a0, a1):
                j = ring[sl, a] - pre0
                if kind == CON_DENSE or kind == CON_FACTORED:
                    row = wo + j * ncols
                    for q in range(ncols):
                        U[uo + q] += wdat[row + q]
                elif kind == CON_CSR:
                    po = con_i[c, 7]
                    for e in range(sptr[po + j], sptr[po + j + 1]):
                        U[uo + sidx[e]] += sdat[e]
                else:
                    U[uo + j] += wdat[wo + j]
        # 5. channel states: decay over the step, then this step's impulses
        for c in range(n_ch):
            width = ch_i[c, 1]
            m = ch_i[c, 2]
            xo = ch_i[c, 3]
            uo = ch_i[c, 4]
            fo = ch_i[c, 7]
            bo = fo + m * m
            if m == 1:
                a = ch_f[fo]
                b = ch_f[bo]
                for i in range(width):
                    X[xo + i] = a * X[xo + i] + b * U[uo + i]
                    U[uo + i] = 0.0
            else:
                for i in range(width):
                    for l in range(m):
                        vtmp[l] = ch_f[bo + l] * U[uo + i]
                        for q in range(m):
                            vtmp[l] += ch_f[fo + l * m + q] * X[xo + q * width + i]
                    for l in range(m):
                        X[xo + l * width + i] = vtmp[l]
                    U[uo + i] = 0.0
            if ch_i[c, 0] == CH_READOUT:
                rd = ch_i[c, 9]
                if step % rd_every[rd] == 0:
                    co = bo + m
                    base = rd_off[rd] + rd_cnt[rd] * width
                    for q in range(width):
                        y = 0.0
                        for l in range(m):
                            y += ch_f[co + l] * X[xo + l * width + q]
                        rd_out[base + q] = y
                    rd_cnt[rd] += 1
    return n_steps
