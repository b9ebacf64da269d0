"""The network time loop: neurons, synaptic channels and spike propagation.

:func:`network_run` advances a whole network by ``n_steps`` inside one
compiled call; Python is not entered between steps. The network arrives as
flat arrays built by :mod:`neurosim.sim.backends`:

Neurons (global index ``0..N-1``, groups laid end to end)
    ``v`` (internal voltage), ``ref`` (time the refractory period ends, s),
    ``kgain``,
    ``kbias`` (``J = kgain * I + kbias``), ``const_in`` (constant input ``I``),
    scratch ``syn_in`` (``I``), ``gsum``, ``gE``, ``flag``. Segments
    ``seg_i (n_seg, 6)`` ``[type, start, stop, param_row, ch1, ch2]`` with
    ``seg_f[param_row]`` holding the type's floats (LIF: ``tau``, ``tau_ref``,
    ``full``, fused ``c0``, ``kg``, ``kb``, then ``vmin``, the lower voltage
    bound), processed in index order
    so that each step's spike list is sorted. Types: ``SEG_LIF``
    (current-based LIF), ``SEG_LIF_FUSED`` (the same with its one or two
    input channels ``ch1``, ``ch2`` read in its own pass), ``SEG_LIF_COND``
    (LIF with conductance channels; with ``ch1 >= 0`` its one or two
    one-state conductance channels ``ch1``, ``ch2`` are read in its own
    pass), ``SEG_HH`` (Hodgkin-Huxley through
    :func:`neurosim.kernels.hh.hh_step`, gates in ``aux (3, N)``),
    ``SEG_POISSON``, ``SEG_GENERATOR`` (given spike steps), ``SEG_LIF_RATE``
    (rate LIF, :func:`neurosim.kernels.lif.lif_rate`; ``v`` holds the rate),
    ``SEG_MODEL`` (a :class:`~neurosim.NeuronModel` group: ``ch1`` is its row
    of ``mod_i (n_models, 5)`` ``[kind, state_off, param_off, ref_off,
    port_off]``; its state ``(n_state, n)``, parameters ``(n_params, n)`` and
    refractory counters ``(n,)`` live in the flat ``mstate``, ``mpar``,
    ``mref`` at those offsets; its input port ``p >= 1`` (the first is the
    neuron's ``I``) is ``syn_in[port_off + (p - 1) n : ...]``, slots past the
    ``N`` neurons that ``syn_in``, ``const_in`` and channels treat like
    neurons' inputs; ``seg_f`` holds dt in the model's time unit, dt, threshold and
    refractory period). A network with model groups runs a copy of
    :func:`network_run` generated with its models' code
    (:func:`neurosim.kernels.models.render_network_module`), which rebinds
    :func:`model_segments`; this module's loop never meets ``SEG_MODEL``.
    ``init_i (n, 2)``: neuron ranges whose ``syn_in`` no channel assigns
    (set to ``const_in``).

Channels ``ch_i (n_ch, 11)``
    ``[kind, width, m, xoff, uoff, post0, npost, foff, roff, rd, first]``; a
    channel is one synapse (``m`` states per column). ``ch_f[foff:]`` holds
    ``A (m*m)``, ``Bc (m)``, ``G (m)`` and, for conductance channels, the
    reversal potential. ``X[xoff + l*width + c]`` is state ``l`` of column
    ``c``. Kinds: ``CH_CURRENT`` (column ``c`` drives neuron ``post0 + c``),
    ``CH_FACTORED`` (``d = width`` columns, currents ``y @ R``), ``CH_COND``
    (conductance), ``CH_READOUT`` (recorded, drives nothing). ``first`` = 1
    for the first input channel of a group (its first conductance channel
    too): it assigns ``syn_in`` (``gsum``, ``gE``) rather than adding, which
    saves a clearing pass; ``first`` = 2 marks a channel fused into its
    group's LIF pass, whose states are kept *scaled*: ``X`` holds ``y = x / s``
    with the scale ``s = xs[c]``, decaying as ``s <- a s`` (see
    :func:`_rescale`); connections add ``w / s``.

Connections ``con_i (n_con, 13)``
    ``[kind, pre0, npre, ch, col0, delay, woff, ioff, ncols, direct, doff,
    loff, nlag]``: dense
    rows, one-to-one weights or factored ``L`` rows (``d`` values) at
    ``wdat[woff:]``; CSR rows through ``sptr[ioff + j]`` (absolute positions
    in ``sidx`` / ``sdat``). ``CON_RATE``: dense or factored rows from a rate
    group, added every step times ``rate * dt`` (the charge a neuron firing at
    that rate emits in a step; no delay). ``direct`` = 1 for one-state channels: the
    weights were multiplied by ``Bc`` at build and go straight into ``X``;
    otherwise they go to the impulse buffer ``U``. ``CON_DCSR``: CSR rows
    whose synapses have their own delays (``delay`` is 0): the delay of the
    synapse at position ``p`` is ``sdel[doff + p - sptr[ioff]]`` steps, each
    row sorted by delay (then column), and ``sdel[loff:loff + nlag]`` lists
    the connection's distinct delays in increasing order.

Each step ``k`` (time ``t_k`` to ``t_k + dt``):

External inputs ``ext_val (n_steps, n_ext)``: column ``e < len(ext_idx)`` is
added to ``I`` of neuron ``ext_idx[e]``; the remaining columns are encoded
inputs (``u @ left``), written to ``X[in_x[e - len(ext_idx)]]``, the states
of memoryless factored channels (``A = 0``, ``G = 1``) whose ``R`` holds the
right factor.

1. channels are read at ``t_k``: ``I = const_in + ext[k] + sum_c G_c . X_c``,
   ``g = sum_c C_c . X_c``; one-state channels decay to ``t_{k+1}`` in the
   same pass (``X <- a X``);
2. every neuron advances one step; spikes go to ring slot ``step % n_slot``
   (a neuron that spikes ``k`` times in the step, ``tau_ref < dt``, is
   listed ``k`` times, so monitors record and connections deliver every
   spike; the ring's width keeps :func:`spike_cap` entries per neuron);
   scaled channels (read in their group's pass) decay to ``t_{k+1}``;
3. monitors record;
4. every connection reads the spikes of step ``step - delay`` and adds its
   weights (the jumps at ``t_{k+1}``) to ``X`` or ``U`` (with per-synapse
   delays: for each of its delays ``L``, the synapses of delay ``L`` of the
   spikes of step ``step - L``); plastic connections
   (``pl_i``, ``pl_f``, ``pl_ix``, ``trace``, ``syn``: see
   :mod:`neurosim.kernels.rules`) run their rule's step after that (4b), or
   just before it for rules whose spikes carry the updated weight;
5. multi-state channels: ``X <- A X + Bc U``, ``U <- 0``; readouts record
   ``C . X``.

Hot loops run over array *views* from index 0: numba then knows an index is
not negative and emits no wraparound handling, which would stop SIMD.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import compile_family, inline, njit
from .hh import cpu as hh_cpu
from .lif import COND_FUNCTIONS, EXPM1_SMALL_MAX, lif_advance, lif_rate

SEG_LIF = 0
SEG_LIF_COND = 1
SEG_POISSON = 2
SEG_GENERATOR = 3
SEG_LIF_FUSED = 4
SEG_HH = 5
SEG_LIF_RATE = 6
SEG_MODEL = 7

CH_CURRENT = 0
CH_FACTORED = 1
CH_COND = 2
CH_READOUT = 3

CON_DENSE = 0
CON_CSR = 1
CON_ONE_TO_ONE = 2
CON_FACTORED = 3
CON_RATE = 4
CON_DCSR = 5
#: Columns of a ``con_i`` row.
CON_COLS = 13

REC_V = 0
REC_J = 1
REC_STATE = 2  # rec_i[r, 0] indexes mstate
REC_WEIGHT = 3  # rec_i[r, 0] indexes wdat (a dense plastic weight)
REC_SWEIGHT = 4  # rec_i[r, 0] indexes sdat (a CSR plastic weight)

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


_lif = inline(lif_advance)
_lif_rate = inline(lif_rate)
_hh = hh_cpu["hh_step"]
_poisson = inline(poisson_step)
_cond = compile_family(COND_FUNCTIONS, "cpu")
_cond_drive = _cond["cond_lif_drive"]
_cond_coeffs = _cond["cond_lif_coeffs"]


@njit
def _lif_segment(v, rend, syn_in, kgain, kbias, flag, dt, tk, tau, tref, full,
                 ring, slot, cnt, i0, vmin, mcap, over):  # fmt: skip
    """Current-based LIF neurons (views of one segment); returns the spike count.

    Refractoriness is kept as the *time it ends*, ``rend`` (seconds), so the
    refractory time left at the start of step ``k`` is ``r = rend - t_k`` and
    nothing needs writing while it runs out. One branch-free (SIMD) pass does
    what :func:`~neurosim.kernels.lif.lif_advance` does for the common cases,
    in place: ``J = kgain I + kbias``; a neuron with ``r <= 0`` moves to
    ``v + (J - v) full``; one with ``r >= dt`` keeps ``v``. It flags the rest:
    voltages past threshold, voltages at or above threshold at the start of
    the step (an initial ``v0``: the neuron spikes at once) and refractory
    periods ending inside the step, and leaves their voltage at its start
    value (a select, not a masked store, so the pass stays SIMD). A second
    pass scans the flags 32 at a time (as 64-bit words) and sends each
    flagged neuron through ``lif_advance`` from the start of the step, whose
    whole-step integration is the same operation as this pass's, so both
    give the same bits.

    A step whose last spike is at ``t_k + t_last`` sets
    ``rend = t_k + t_last + tau_ref``. With ``tau_ref < dt`` a neuron may
    spike more than once in a step: the spike list holds it once per spike
    (its entries adjacent, so the list stays sorted), at most ``mcap`` times
    (:func:`spike_cap`); a neuron due more spikes than that marks the run
    (``over[1] = i + 1``, global index) and the simulator refuses the step.
    Voltages below ``vmin`` (``LIF.min_voltage``; ``-inf`` for none) are
    raised to it after the step, by a separate pass that groups without a
    bound skip (clipping never changes a flag, as ``vmin < 1``), and in the
    second pass.
    ``flag`` is a uint8 buffer whose length is a multiple of 32; ``i0`` is the
    global index of the segment's first neuron (for the spike list).
    """
    n = v.shape[0]
    anyf = False
    for i in range(n):
        Ji = kgain[i] * syn_in[i] + kbias[i]
        r = rend[i] - tk
        vi = v[i]
        vc = vi + (Ji - vi) * full
        vs = vc if r <= 0.0 else vi
        f = (vs > 1.0) | ((r > 0.0) & (r < dt)) | (vi >= 1.0)
        v[i] = vi if f else vs  # flagged: the second pass starts from vi
        flag[i] = f
        anyf |= f
    if vmin > -math.inf:
        _clip_below(v, vmin)
    if anyf:
        cnt = _lif_flagged(v, rend, syn_in, flag, kgain, kbias, dt, tk, tau, tref,
                           full, ring, slot, cnt, i0, vmin, mcap, over)  # fmt: skip
    return cnt


@njit
def _lif_fused(v, rend, syn_in, x1, x2, flag, c0, kg, kb, g1, g2, dt, tk,
               tau, tref, full, ring, slot, cnt, i0, kgain, kbias, vmin, mcap,
               over):  # fmt: skip
    """:func:`_lif_segment` with its input channels folded into the same pass.

    For a group whose whole input is ``c0`` (uniform constant) plus one or two
    one-state current channels (``x2`` is ``x1`` and ``g2 = 0`` with one), with
    uniform ``kgain``/``kbias`` (``kg``, ``kb``): reading ``I = c0 + g1 x1 +
    g2 x2`` and the neuron update are one pass over memory instead of two.
    The channels are kept scaled (see :func:`_rescale`): ``g`` includes the
    scale and the states are only read here, never written, which leaves
    the pass a third less memory traffic. ``syn_in`` receives ``I`` only for
    the flagged neurons (so a group whose input ``J`` is monitored is not
    fused).
    """
    n = v.shape[0]
    anyf = False
    for i in range(n):
        Ii = c0 + g1 * x1[i]
        Ii += g2 * x2[i]
        Ji = kg * Ii + kb
        r = rend[i] - tk
        vi = v[i]
        vc = vi + (Ji - vi) * full
        vs = vc if r <= 0.0 else vi
        f = (vs > 1.0) | ((r > 0.0) & (r < dt)) | (vi >= 1.0)
        if f:  # a masked store: only flagged neurons need I
            syn_in[i] = Ii
        v[i] = vi if f else vs  # flagged: the second pass starts from vi
        flag[i] = f
        anyf |= f
    if vmin > -math.inf:
        _clip_below(v, vmin)
    if anyf:
        cnt = _lif_flagged(v, rend, syn_in, flag, kgain, kbias, dt, tk, tau, tref,
                           full, ring, slot, cnt, i0, vmin, mcap, over)  # fmt: skip
    return cnt


def cond_inputs(y1, y2, c1, c2, E1, E2, i):
    """``(g, g E)`` of neuron ``i`` from one or two scaled conductance channels.

    ``c = G s`` (the channel's gain times its scale) and ``y`` its states
    (:func:`_rescale`); a single channel comes with ``c2 = 0``. The same sums,
    in the same order, as the channel pass (:func:`_read_channel`) and the
    CUDA inputs kernel: ``g = (0 + c1 y1) + (0 + c2 y2)``,
    ``gE = (0 + g1 E1) + g2 E2``.
    """
    g1 = 0.0 + c1 * y1[i]
    g2 = 0.0 + c2 * y2[i]
    return g1 + g2, (0.0 + g1 * E1) + g2 * E2


def cond_free_step(vi, r, J, g, gE, dt, tau, xmax):
    """First (vector) pass of a conductance LIF neuron: ``(v to store, flag)``.

    A free neuron (``r <= 0``) moves to ``v + (J_eff - v) full``; a refractory
    one keeps ``v``. Flagged (for :func:`_lif_cond`'s second pass): a spike, a
    refractory period ending inside the step, ``v >= 1`` at the start, or
    ``x`` outside :func:`~neurosim.kernels.lif.cond_lif_drive`'s exact range;
    a flagged neuron stores its start voltage (``+ 0.0``, which changes only
    the sign of a zero, keeps LLVM from making the store a masked store of
    ``vs``, which is slow on AMD cores).
    """
    Je, full, x = _cond_drive(J, g, gE, dt, tau)
    vc = vi + (Je - vi) * full
    vs = vc if r <= 0.0 else vi
    f = (vs > 1.0) | ((r > 0.0) & (r < dt)) | (vi >= 1.0)
    f |= (x < 0.0) | (x > xmax)
    return (vi + 0.0 if f else vs), f


_cond_inputs = inline(cond_inputs)
_cond_free = inline(cond_free_step)


@njit(error_model="numpy")
def _lif_cond(v, rend, syn_in, kgain, kbias, gsum, gE, fused, y1, y2, c1, c2, E1, E2,
              flag, dt, tk, tau, tref, ring, slot, cnt, i0, mcap, over):  # fmt: skip
    """LIF neurons with conductance input (views of one segment).

    ``tau du/dt = J - u + sum_c g_c (E_c - u)`` is a LIF with
    ``tau_eff = tau / (1 + g)`` and input ``(J + sum_c g_c E_c) / (1 + g)``,
    ``g = sum_c g_c`` (conductances held over the step, as in Brian2's
    exponential Euler). The same two passes as :func:`_lif_segment`; the
    first is branch free and vectorises (:func:`cond_free_step`, whose
    whole-step factor comes from a polynomial ``expm1``, no library call).
    Flagged neurons go through ``lif_advance`` from their start voltage (left
    in ``v``), with ``J_eff``, ``tau_eff`` and the factor from
    :func:`~neurosim.kernels.lif.cond_lif_coeffs`: the same bits as the first
    pass where both apply. The conductances come from ``gsum``, ``gE``
    (filled by the channel pass) or, when ``fused``, from the group's one or
    two one-state channels read here (:func:`cond_inputs`), which saves that
    pass: their states ``y1``, ``y2`` are only read (kept scaled, see
    :func:`_rescale`).
    """
    n = v.shape[0]
    xmax = EXPM1_SMALL_MAX
    anyf = False
    if fused:
        for i in range(n):
            g, gEi = _cond_inputs(y1, y2, c1, c2, E1, E2, i)
            v[i], f = _cond_free(v[i], rend[i] - tk, kgain[i] * syn_in[i] + kbias[i],
                                 g, gEi, dt, tau, xmax)  # fmt: skip
            flag[i] = f
            anyf |= f
    else:
        for i in range(n):
            v[i], f = _cond_free(v[i], rend[i] - tk, kgain[i] * syn_in[i] + kbias[i],
                                 gsum[i], gE[i], dt, tau, xmax)  # fmt: skip
            flag[i] = f
            anyf |= f
    if anyf:
        words = flag.view(np.uint64)
        for w in range((n + 7) >> 3):
            if words[w] != 0:
                for i in range(8 * w, min(8 * w + 8, n)):
                    if flag[i]:
                        if fused:
                            g, gEi = _cond_inputs(y1, y2, c1, c2, E1, E2, i)
                        else:
                            g, gEi = gsum[i], gE[i]
                        Ji = kgain[i] * syn_in[i] + kbias[i]
                        Je, te, full = _cond_coeffs(Ji, g, gEi, dt, tau)
                        r = rend[i] - tk
                        vn, rn, ts, ns, per = _lif(v[i], r if r > 0.0 else 0.0, Je,
                                                   dt, te, tref, full)  # fmt: skip
                        v[i] = vn
                        if ns > 0:
                            rend[i] = tk + ts + (ns - 1) * per + tref
                            cnt = _emit(ring, slot, cnt, i0 + i, ns, mcap, over)
    return cnt


@njit
def _clip_below(v, vmin):
    """``v <- max(v, vmin)`` in place (NaN stays NaN)."""
    for i in range(v.shape[0]):
        v[i] = vmin if v[i] < vmin else v[i]


@njit
def _lif_flagged(v, rend, syn_in, flag, kgain, kbias, dt, tk, tau, tref, full,
                 ring, slot, cnt, i0, vmin, mcap, over):  # fmt: skip
    """Second pass of the LIF segments: flagged neurons through ``lif_advance``.

    Each starts from its voltage at the start of the step (left in ``v``).

    The voltage is then raised to ``vmin`` if below (a spiking neuron resets
    to 0, which ``vmin < 1`` leaves alone).
    """
    n = v.shape[0]
    words = flag.view(np.uint64)
    # 32 flags (four 64-bit words) per test: a step flags a handful of neurons
    for w in range(0, (n + 7) >> 3, 4):
        if (words[w] | words[w + 1] | words[w + 2] | words[w + 3]) != 0:
            for i in range(8 * w, min(8 * w + 32, n)):
                if flag[i]:
                    Ji = kgain[i] * syn_in[i] + kbias[i]
                    r = rend[i] - tk
                    vn, rn, ts, ns, per = _lif(v[i], r if r > 0.0 else 0.0, Ji, dt,
                                               tau, tref, full)  # fmt: skip
                    v[i] = vmin if vn < vmin else vn
                    if ns > 0:
                        rend[i] = tk + ts + (ns - 1) * per + tref
                        cnt = _emit(ring, slot, cnt, i0 + i, ns, mcap, over)
    return cnt


@njit
def _emit(ring, slot, cnt, i, ns, mcap, over):
    """Append neuron ``i`` to the step's spike list once per spike (``ns``).

    At most ``mcap`` entries (the room the list keeps for the neuron, see
    :func:`spike_cap`); a neuron due more marks the run (``over[1] = i + 1``,
    the first one only). Returns the new length of the list.
    """
    if ns > mcap:
        if over[1] == 0:
            over[1] = i + 1
        ns = mcap
    for _ in range(ns):
        ring[slot, cnt] = i
        cnt += 1
    return cnt


#: Room in a step's spike list for a neuron without a refractory period
#: (``tau_ref = 0``), whose spikes in one step have no bound; a neuron due
#: more spikes in one step stops the run with an error.
MAX_SPIKES_PER_STEP = 4


def spike_cap(dt, tau_ref):
    """Most spikes a LIF neuron can emit in one step of ``dt``; room kept for them.

    Spikes are at least ``tau_ref`` apart (the interval after a spike is
    ``tau_ref + tau_rc log1p(1 / (J - 1)) > tau_ref``), so at most
    ``1 + floor(dt / tau_ref)`` fall in one step: 1 when ``tau_ref > dt``.
    The count is capped at :data:`MAX_SPIKES_PER_STEP` (and is that cap for
    ``tau_ref = 0``); beyond it the spike list would grow with the input.
    Plain Python (build time).
    """
    if tau_ref <= 0.0:
        return MAX_SPIKES_PER_STEP
    return int(min(1.0 + math.floor(dt / tau_ref), MAX_SPIKES_PER_STEP))


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
                v, ref, syn_in, gsum, gE, kgain, kbias, const_in, flag, init_i,
                seg_i, seg_f, aux, p_spike, rng_state, gen_step, gen_idx, gen_ptr,
                mod_i, mstate, mpar, mref,
                ch_i, ch_f, X, xs, U, R, tmp,
                con_i, wdat, sdat, sidx, sptr, sdel,
                pl_i, pl_f, pl_ix, trace, syn,
                ring, ring_cnt,
                ext_idx, ext_val, in_x,
                spk_mask, n_mon, ev_idx, ev_step, n_ev,
                rec_i, rec_out, rec_off, rec_cnt,
                rd_out, rd_off, rd_cnt, rd_every):  # fmt: skip
    """Advance the network by up to ``n_steps`` steps from global step ``step0``.

    All arrays are described in the module docstring. Modified in place:
    the neuron state (``v``, ``ref``, ``mstate``, ``mref``), scratch
    (``syn_in``, ``gsum``, ``gE``, ``flag``, ``tmp``), ``rng_state``,
    ``gen_ptr``, ``X``, ``xs``, ``U``, ``ring``, ``ring_cnt``, the plastic
    weights (in ``wdat``, ``sdat``), their ``trace`` and ``syn`` and the monitor
    buffers (``ev_*``, ``n_ev``, ``rec_out``, ``rec_cnt``, ``rd_out``,
    ``rd_cnt``).

    Returns the number of steps done: fewer than ``n_steps`` only when the
    spike-event buffer could overflow during the next step (the caller grows it
    and calls again; ``n_mon`` is the room the monitored neurons' spikes of
    one step may take). ``n_ev[1]`` becomes ``i + 1`` when neuron ``i`` was
    due more spikes in one step than the spike list keeps for it (the run's
    results from that step on are void; the simulator reports it).
    """
    n_slot = ring.shape[0]
    n_seg = seg_i.shape[0]
    n_ch = ch_i.shape[0]
    n_con = con_i.shape[0]
    cap = ev_idx.shape[0]
    for k in range(n_steps):
        step = step0 + k
        if n_ev[0] + n_mon > cap:
            return k
        # 1. channels at t_k: inputs, conductances; one-state channels decay.
        # Encoded inputs set their (memoryless) channels' states first;
        # assigning passes (a group's first channel, or const_in) go first.
        n_idx = ext_idx.shape[0]
        for e in range(in_x.shape[0]):
            X[in_x[e]] = ext_val[k, n_idx + e]
        for r in range(init_i.shape[0]):
            syn_in[init_i[r, 0] : init_i[r, 1]] = const_in[init_i[r, 0] : init_i[r, 1]]
        for first in (1, 0):
            for c in range(n_ch):
                if ch_i[c, 10] != first:
                    continue  # (2: folded into its group's LIF pass)
                if ch_i[c, 0] == CH_READOUT:
                    if ch_i[c, 2] == 1:
                        xo = ch_i[c, 3]
                        _decay(X[xo : xo + ch_i[c, 1]], ch_f[ch_i[c, 7]])
                    continue
                _read_channel(c, ch_i, ch_f, X, R, syn_in, gsum, gE, const_in, tmp)
        for e in range(ext_idx.shape[0]):
            syn_in[ext_idx[e]] += ext_val[k, e]
        # 2. neurons; this step's spikes, sorted, go to ring slot `slot`
        slot = step % n_slot
        tk = step * dt
        cnt = 0
        for s in range(n_seg):
            typ = seg_i[s, 0]
            i0 = seg_i[s, 1]
            i1 = seg_i[s, 2]
            pr = seg_i[s, 3]
            if typ == SEG_LIF:
                cnt = _lif_segment(v[i0:i1], ref[i0:i1], syn_in[i0:i1], kgain[i0:i1],
                                   kbias[i0:i1], flag, dt, tk, seg_f[pr, 0],
                                   seg_f[pr, 1], seg_f[pr, 2], ring, slot, cnt,
                                   i0, seg_f[pr, 6], int(seg_f[pr, 7]),
                                   n_ev)  # fmt: skip
            elif typ == SEG_LIF_FUSED:
                f = seg_f[pr]
                c1 = seg_i[s, 4]
                c2 = seg_i[s, 5]
                x1 = X[ch_i[c1, 3] : ch_i[c1, 3] + ch_i[c1, 1]]
                x2 = X[ch_i[c2, 3] : ch_i[c2, 3] + ch_i[c2, 1]]
                g1 = ch_f[ch_i[c1, 7] + 2] * xs[c1]
                g2 = ch_f[ch_i[c2, 7] + 2] * xs[c2] if c2 != c1 else 0.0
                cnt = _lif_fused(v[i0:i1], ref[i0:i1], syn_in[i0:i1], x1, x2, flag,
                                 f[3], f[4], f[5], g1, g2, dt, tk, f[0], f[1],
                                 f[2], ring, slot, cnt, i0, kgain[i0:i1],
                                 kbias[i0:i1], f[6], int(f[7]), n_ev)  # fmt: skip
            elif typ == SEG_LIF_COND:
                # ch1 >= 0: its one or two one-state channels, read in its pass
                fused = seg_i[s, 4] >= 0
                c1 = seg_i[s, 4] if fused else 0
                c2 = seg_i[s, 5] if fused else 0
                y1 = X[ch_i[c1, 3] : ch_i[c1, 3] + ch_i[c1, 1]]
                y2 = X[ch_i[c2, 3] : ch_i[c2, 3] + ch_i[c2, 1]]
                g1 = g2 = E1 = E2 = 0.0
                if fused:  # G s (gain and scale) and E of each (m = 1 layout)
                    g1 = ch_f[ch_i[c1, 7] + 2] * xs[c1]
                    g2 = ch_f[ch_i[c2, 7] + 2] * xs[c2] if c2 != c1 else 0.0
                    E1 = ch_f[ch_i[c1, 7] + 3]
                    E2 = ch_f[ch_i[c2, 7] + 3]
                cnt = _lif_cond(v[i0:i1], ref[i0:i1], syn_in[i0:i1], kgain[i0:i1],
                                kbias[i0:i1], gsum[i0:i1], gE[i0:i1], fused, y1,
                                y2, g1, g2, E1, E2, flag, dt, tk, seg_f[pr, 0],
                                seg_f[pr, 1], ring, slot, cnt, i0, int(seg_f[pr, 7]),
                                n_ev)  # fmt: skip
            elif typ == SEG_HH:
                # hh_step works in mV and ms; I is a current density (uA/cm^2)
                f = seg_f[pr]
                p = (f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7])
                meth = int(f[8])
                dtms = dt * 1e3
                for i in range(i0, i1):
                    Ii = kgain[i] * syn_in[i] + kbias[i]
                    V, m, h, n, ts = _hh(v[i], aux[0, i], aux[1, i], aux[2, i], Ii,
                                         dtms, meth, p)  # fmt: skip
                    v[i] = V
                    aux[0, i] = m
                    aux[1, i] = h
                    aux[2, i] = n
                    if ts >= 0.0:
                        ring[slot, cnt] = i
                        cnt += 1
            elif typ == SEG_LIF_RATE:
                for i in range(i0, i1):
                    Ji = kgain[i] * syn_in[i] + kbias[i]
                    v[i] = _lif_rate(Ji, seg_f[pr, 0], seg_f[pr, 1])
            elif typ == SEG_MODEL:
                cnt = model_segments(s, seg_i, seg_f, mod_i, mstate, mpar, mref,
                                     syn_in, kgain, kbias, ring, slot, cnt)  # fmt: skip
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
        for c in range(n_ch):  # scaled channels decay to t_{k+1}
            if ch_i[c, 10] == 2:
                _rescale(c, ch_i, ch_f, X, xs)
        # 3. monitors
        for a in range(cnt):
            i = ring[slot, a]
            if spk_mask[i]:
                ev_idx[n_ev[0]] = i
                ev_step[n_ev[0]] = step
                n_ev[0] += 1
        for r in range(rec_i.shape[0]):
            if step % rec_i[r, 2] == 0 and rec_i[r, 1] < REC_WEIGHT:
                i = rec_i[r, 0]
                if rec_i[r, 1] == REC_V:
                    rec_out[rec_off[r] + rec_cnt[r]] = v[i]
                elif rec_i[r, 1] == REC_STATE:
                    rec_out[rec_off[r] + rec_cnt[r]] = mstate[i]
                else:
                    rec_out[rec_off[r] + rec_cnt[r]] = kgain[i] * syn_in[i] + kbias[i]
                rec_cnt[r] += 1
        # 4. spikes (delayed through the ring) into the channels; plastic
        # connections whose spikes carry the updated weight update first
        for p in range(pl_i.shape[0]):
            if pl_i[p, 12] == 0:
                plasticity_step(p, pl_i, pl_f, pl_ix, trace, syn, con_i, ring,
                                ring_cnt, step, dt, wdat, sdat, sidx, sptr,
                                sdel)  # fmt: skip
        for c in range(n_con):
            if con_i[c, 0] == CON_RATE:
                _propagate_rates(c, con_i, ch_i, v, dt, X, U, wdat)
                continue
            if con_i[c, 0] == CON_DCSR:
                _propagate_delayed(c, con_i, ring, ring_cnt, step,
                                   _con_buffer(c, con_i, ch_i, X, U),
                                   1.0 / xs[con_i[c, 3]], sdat, sidx, sptr,
                                   sdel)  # fmt: skip
                continue
            delay = con_i[c, 5]
            if step - delay < 0:
                continue
            sl = (step - delay) % n_slot
            ns = ring_cnt[sl]
            if ns == 0:
                continue
            _propagate(c, con_i, ch_i, ring[sl], ns, X, xs, U, wdat, sdat, sidx,
                       sptr)  # fmt: skip
        # 4b. plasticity (after the spikes left with their weights); weights
        # are sampled after it, at the end of the step
        for p in range(pl_i.shape[0]):
            if pl_i[p, 12] == 1:
                plasticity_step(p, pl_i, pl_f, pl_ix, trace, syn, con_i, ring,
                                ring_cnt, step, dt, wdat, sdat, sidx, sptr,
                                sdel)  # fmt: skip
        for r in range(rec_i.shape[0]):
            if rec_i[r, 1] >= REC_WEIGHT and step % rec_i[r, 2] == 0:
                wsrc = wdat if rec_i[r, 1] == REC_WEIGHT else sdat
                rec_out[rec_off[r] + rec_cnt[r]] = wsrc[rec_i[r, 0]]
                rec_cnt[r] += 1
        # 5. multi-state channels: decay and impulses; readouts record
        for c in range(n_ch):
            width = ch_i[c, 1]
            m = ch_i[c, 2]
            xo = ch_i[c, 3]
            fo = ch_i[c, 7]
            if m > 1:
                uo = ch_i[c, 4]
                _lti_columns(X[xo : xo + m * width], U[uo : uo + width], ch_f[fo:],
                             m, width, tmp)  # fmt: skip
            if ch_i[c, 0] == CH_READOUT:
                rd = ch_i[c, 9]
                if step % rd_every[rd] == 0:
                    co = fo + m * m + m
                    base = rd_off[rd] + rd_cnt[rd] * width
                    for q in range(width):
                        y = 0.0
                        for l in range(m):
                            y += ch_f[co + l] * X[xo + l * width + q]
                        rd_out[base + q] = y
                    rd_cnt[rd] += 1
    return n_steps


@njit
def model_segments(s, seg_i, seg_f, mod_i, mstate, mpar, mref, syn_in, kgain, kbias,
                   ring, slot, cnt):  # fmt: skip
    """Step 2 for ``SEG_MODEL`` segment ``s``; returns the spike count.

    The generated copy of :func:`network_run` rebinds this name to a function
    that dispatches on ``mod_i[seg_i[s, 4], 0]`` to each model's code. Here,
    in the loop of networks without model groups, it is never reached (the
    test keeps the return type an integer for numba).
    """
    if cnt >= 0:
        raise RuntimeError("SEG_MODEL segment in a network loop without models")
    return cnt


@njit
def plasticity_step(p, pl_i, pl_f, pl_ix, trace, syn, con_i, ring, ring_cnt, step,
                    dt, wdat, sdat, sidx, sptr, sdel):  # fmt: skip
    """Step 4b for plastic connection ``p`` (its rule's generated code).

    The generated copy of :func:`network_run` rebinds this name to a
    dispatcher over the network's rules
    (:func:`neurosim.kernels.rules.render_dispatch`); networks with plastic
    connections always run that copy, so this is never reached.
    """
    if step >= 0:
        raise RuntimeError("plastic connection in a network loop without rules")


RESCALE_BELOW = 2.0**-8


def scale_step(s, a):
    """One step of a scaled channel's decay: ``(m, s_next)``.

    A channel fused into a LIF pass stores ``y = x / s`` with one scale ``s``
    per channel, so that the decay ``x <- a x`` of every column is one
    multiplication of ``s``: the column states are not rewritten each step.
    ``s_next = a s``; when that falls below ``RESCALE_BELOW`` it is moved into
    the states instead (``y <- m y`` with ``m = a s``, ``s_next = 1``), every
    few hundred steps for millisecond synapses. Otherwise ``m = 1`` (states
    untouched). ``x = s y`` carries the rounding of a product (relative
    1e-16) plus that of the powers of ``a`` in ``s``, as ``x <- a x`` does.
    Shared by the CPU loop and the CUDA kernels.
    """
    s = s * a
    if s < RESCALE_BELOW:
        return s, 1.0
    return 1.0, s


_scale_step = inline(scale_step)


@njit
def _rescale(c, ch_i, ch_f, X, xs):
    """Scaled channel ``c`` over one step (:func:`scale_step`), ``xs[c] = s``."""
    m, xs[c] = _scale_step(xs[c], ch_f[ch_i[c, 7]])
    if m != 1.0:
        xo = ch_i[c, 3]
        _decay(X[xo : xo + ch_i[c, 1]], m)


@njit
def _decay(x, a):
    """``x <- a x`` (one-state channel over one step)."""
    for i in range(x.shape[0]):
        x[i] *= a


@njit
def _read_channel(c, ch_i, ch_f, X, R, syn_in, gsum, gE, const_in, tmp):
    """Step 1 for channel ``c``: its input at ``t_k`` (and, one state, decay)."""
    kind = ch_i[c, 0]
    width = ch_i[c, 1]
    m = ch_i[c, 2]
    xo = ch_i[c, 3]
    p0 = ch_i[c, 5]
    fo = ch_i[c, 7]
    first = ch_i[c, 10]
    go = fo + m * m + m
    if kind == CH_CURRENT:
        si = syn_in[p0 : p0 + width]
        if m == 1:
            x = X[xo : xo + width]
            a = ch_f[fo]
            g = ch_f[go]
            if first:
                ci = const_in[p0 : p0 + width]
                for i in range(width):
                    si[i] = ci[i] + g * x[i]
                    x[i] *= a
            else:
                for i in range(width):
                    si[i] += g * x[i]
                    x[i] *= a
        else:
            if first:
                si[:] = const_in[p0 : p0 + width]
            for l in range(m):
                gl = ch_f[go + l]
                xl = X[xo + l * width : xo + (l + 1) * width]
                for i in range(width):
                    si[i] += gl * xl[i]
    elif kind == CH_FACTORED:
        npost = ch_i[c, 6]
        ro = ch_i[c, 8]
        si = syn_in[p0 : p0 + npost]
        if first:
            si[:] = const_in[p0 : p0 + npost]
        for q in range(width):
            y = 0.0
            for l in range(m):
                y += ch_f[go + l] * X[xo + l * width + q]
            if y != 0.0:
                rq = R[ro + q * npost : ro + (q + 1) * npost]
                for i in range(npost):
                    si[i] += y * rq[i]
        if m == 1:
            _decay(X[xo : xo + width], ch_f[fo])
    else:  # CH_COND
        E = ch_f[go + m]
        gs = gsum[p0 : p0 + width]
        ge = gE[p0 : p0 + width]
        if m == 1:  # one pass (SIMD); the same sums as below, bit for bit
            x = X[xo : xo + width]
            a = ch_f[fo]
            c0 = ch_f[go]
            if first:
                for i in range(width):
                    g = 0.0 + c0 * x[i]
                    gs[i] = g
                    ge[i] = 0.0 + g * E
                    x[i] *= a
            else:
                for i in range(width):
                    g = 0.0 + c0 * x[i]
                    gs[i] += g
                    ge[i] += g * E
                    x[i] *= a
            return
        if first:
            gs[:] = 0.0
            ge[:] = 0.0
        for i in range(width):
            g = 0.0
            for l in range(m):
                g += ch_f[go + l] * X[xo + l * width + i]
            gs[i] += g
            ge[i] += g * E


@njit
def _con_buffer(c, con_i, ch_i, X, U):
    """Where connection ``c`` adds its weights: ``X`` (one-state) or ``U``."""
    ch = con_i[c, 3]
    if con_i[c, 9]:
        return X[ch_i[ch, 3] + con_i[c, 4] :]
    return U[ch_i[ch, 4] + con_i[c, 4] :]


@njit
def _propagate(c, con_i, ch_i, spikes, ns, X, xs, U, wdat, sdat, sidx, sptr):
    """Step 4 for connection ``c``: its pre neurons among ``spikes[:ns]``.

    A scaled channel (scale ``s``) takes ``w / s``, as ``w * (1 / s)``; for the
    others ``s = 1`` and ``w * 1.0`` is ``w`` exactly.
    """
    kind = con_i[c, 0]
    pre0 = con_i[c, 1]
    a0 = _first_at_least(spikes, ns, pre0)
    a1 = _first_at_least(spikes, ns, pre0 + con_i[c, 2])
    if a0 == a1:
        return
    buf = _con_buffer(c, con_i, ch_i, X, U)
    inv = 1.0 / xs[con_i[c, 3]]
    wo = con_i[c, 6]
    ncols = con_i[c, 8]
    for a in range(a0, a1):
        j = spikes[a] - pre0
        if kind == CON_DENSE or kind == CON_FACTORED:
            row = wdat[wo + j * ncols : wo + (j + 1) * ncols]
            for q in range(ncols):
                buf[q] += row[q] * inv
        elif kind == CON_CSR:
            po = con_i[c, 7]
            e0 = sptr[po + j]
            e1 = sptr[po + j + 1]
            idx = sidx[e0:e1]
            w = sdat[e0:e1]
            for e in range(e1 - e0):
                buf[idx[e]] += w[e] * inv
        else:
            buf[j] += wdat[wo + j] * inv


@njit
def delay_range(sdel, d0, r0, r1, lag):
    """Positions ``[lo, hi)`` of the synapses of delay ``lag`` in CSR row ``[r0, r1)``.

    The row's delays ``sdel[d0 + r0 : d0 + r1]`` are sorted, so the synapses
    of one delay are contiguous; two binary searches find them.
    """
    d = sdel[d0 + r0 : d0 + r1]
    return (r0 + _first_at_least(d, r1 - r0, lag),
            r0 + _first_at_least(d, r1 - r0, lag + 1))  # fmt: skip


@njit
def _propagate_delayed(c, con_i, ring, ring_cnt, step, buf, inv, sdat, sidx, sptr,
                       sdel):  # fmt: skip
    """Step 4 for a connection with per-synapse delays (``CON_DCSR``).

    For each of the connection's delays ``L`` (increasing), every spike of
    step ``step - L`` from its pre neurons adds ``w * inv`` of its synapses
    of delay ``L`` to ``buf`` (its channel's ``X`` or ``U`` from the
    connection's first column; ``inv`` is 1 over the channel's scale). The
    spike ring keeps the last ``max delay + 1`` steps. With one delay for all
    synapses this adds the same weights in the same order as
    :func:`_propagate` with that delay.
    """
    pre0 = con_i[c, 1]
    npre = con_i[c, 2]
    po = con_i[c, 7]
    d0 = con_i[c, 10] - sptr[po]
    loff = con_i[c, 11]
    n_slot = ring.shape[0]
    for li in range(con_i[c, 12]):
        lag = np.int64(sdel[loff + li])
        if step < lag:
            break
        sl = (step - lag) % n_slot
        spikes = ring[sl]
        ns = ring_cnt[sl]
        a0 = _first_at_least(spikes, ns, pre0)
        a1 = _first_at_least(spikes, ns, pre0 + npre)
        for a in range(a0, a1):
            j = spikes[a] - pre0
            e0, e1 = delay_range(sdel, d0, sptr[po + j], sptr[po + j + 1], lag)
            for e in range(e0, e1):
                buf[sidx[e]] += sdat[e] * inv


@njit
def _propagate_rates(c, con_i, ch_i, v, dt, X, U, wdat):
    """Step 4 for a connection from a rate group: rows times ``v * dt``."""
    pre0 = con_i[c, 1]
    buf = _con_buffer(c, con_i, ch_i, X, U)
    wo = con_i[c, 6]
    ncols = con_i[c, 8]
    for j in range(con_i[c, 2]):
        q_j = v[pre0 + j] * dt
        if q_j != 0.0:
            row = wdat[wo + j * ncols : wo + (j + 1) * ncols]
            for q in range(ncols):
                buf[q] += row[q] * q_j


@njit
def _lti_columns(x, u, f, m, width, tmp):
    """``x <- A x + Bc u`` per column, ``u <- 0`` (``A``, ``Bc`` from ``f``)."""
    for i in range(width):
        for l in range(m):
            acc = f[m * m + l] * u[i]
            for q in range(m):
                acc += f[l * m + q] * x[q * width + i]
            tmp[l] = acc
        for l in range(m):
            x[l * width + i] = tmp[l]
        u[i] = 0.0
