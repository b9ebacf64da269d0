"""Leaky integrate-and-fire: the per-neuron update, written once.

``lif_step`` is plain Python; CPU drivers call the ``njit(inline="always")``
version and CUDA kernels the ``cuda.jit(device=True)`` version made from the
same function, so the two back-ends share one source of the math.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from .._jit import inline, njit


def lif_step(v, ref, J, dt, tau_rc, tau_ref, full):
    """Advance one dimensionless LIF neuron by ``dt`` with input ``J`` held constant.

    Integrates ``tau_rc dv/dt = J - v`` exactly; threshold 1, reset 0.

    Parameters
    ----------
    v : float
        Membrane voltage at the start of the step (dimensionless).
    ref : float
        Refractory time left at the start of the step, in seconds (>= 0).
    J : float
        Input current (dimensionless), held over the step (zero-order hold).
    dt, tau_rc, tau_ref : float
        Step, membrane time constant and refractory period, in seconds.
    full : float
        ``-expm1(-dt / tau_rc)``, the fraction of the way to ``J`` covered in a
        whole step; precomputed by the caller because it is the same for every
        neuron and step, so the common (non-refractory) case costs no ``exp``.

    Returns
    -------
    v, ref : float
        State at the end of the step (``ref`` is what is left at the start of
        the next step).
    t_spike : float
        Time of the spike measured from the start of the step, in ``(0, dt]``,
        or ``-1.0`` when the neuron did not spike.

    Notes
    -----
    A neuron leaving its refractory period mid-step integrates only the
    remaining fraction ``delta = clip(dt - ref, 0, dt)`` of the step:
    ``v <- v + (J - v) * (1 - exp(-delta / tau_rc))`` (``expm1`` keeps it accurate
    for small ``delta``). When ``v`` ends above 1, the crossing time follows from
    running the exact solution backwards from the end of the step,
    ``t_spike = dt + tau_rc * log1p(-(v - 1) / (J - 1))``, and the refractory
    period starts there. The simulated rate therefore equals the analytic rate
    ``1 / (tau_ref + tau_rc log(1 + 1/(J - 1)))`` for any ``dt <= tau_ref`` (at
    most one spike per step, and no post-spike fraction of a step is lost).
    """
    if ref <= 0.0:
        v = v + (J - v) * full
    elif ref < dt:
        v = v - (J - v) * math.expm1((ref - dt) / tau_rc)
    t_spike = -1.0
    if v > 1.0:
        t_spike = dt + tau_rc * math.log1p(-(v - 1.0) / (J - 1.0))
        v = 0.0
        ref = tau_ref + t_spike - dt
    else:
        ref = ref - dt
    if ref < 0.0:
        ref = 0.0
    return v, ref, t_spike


def lif_advance(v, ref, J, dt, tau_rc, tau_ref, full):
    """Advance one dimensionless LIF neuron by ``dt``, emitting every spike due.

    The exact update that :func:`neurosim.simulate_neurons` runs; it differs from
    :func:`lif_step` (the one-spike step) in two cases only, and is
    bit-identical to it otherwise:

    * a free neuron that starts the step at or above threshold (``v >= 1``, e.g.
      an initial voltage) spikes at once, at the start of the step, and its
      refractory period starts there (Brian2 emits that spike in the first step
      too); ``lif_step`` reset it without a spike, or placed the crossing
      outside the step;
    * ``tau_ref < dt`` (including ``tau_ref = 0``): after a spike the neuron
      rests ``tau_ref`` and integrates the rest of the step from 0, so several
      spikes may fall in one step; ``lif_step`` dropped that time.

    Parameters
    ----------
    v, ref, J, dt, tau_rc, tau_ref, full : float
        As for :func:`lif_step`.

    Returns
    -------
    v, ref : float
        State at the end of the step.
    t_first : float
        Time of the first spike from the start of the step, in ``[0, dt]``, or
        ``-1.0`` for none.
    n : int
        Number of spikes in the step (0 when ``t_first < 0``).
    period : float
        Interval between the step's spikes: spike ``m`` is at
        ``t_first + m * period``, ``m < n``.

    Notes
    -----
    After a spike at ``t_s`` with constant ``J > 1`` the next one follows the
    analytic interval ``T = tau_ref + tau_rc log1p(1 / (J - 1))``, so the spikes
    left in the step are ``floor((dt - t_s) / T)`` more; with ``r = dt - t_last``
    after the last one the state is ``ref = tau_ref - r``, ``v = 0`` while
    ``r < tau_ref``, else ``ref = 0`` and ``v = -J expm1(-(r - tau_ref) / tau_rc)``.
    Rates therefore equal ``1 / T`` for every ``dt``.
    """
    if ref >= dt:  # refractory through the whole step
        return v, ref - dt, -1.0, 0, 0.0
    if v >= 1.0:  # free at or above threshold: it spikes as soon as it is free
        t_first = ref if ref > 0.0 else 0.0
    else:
        if ref <= 0.0:
            v = v + (J - v) * full
        else:  # the refractory period ends inside the step
            v = v - (J - v) * math.expm1((ref - dt) / tau_rc)
        if v <= 1.0:
            return v, 0.0, -1.0, 0, 0.0
        t_first = dt + tau_rc * math.log1p(-(v - 1.0) / (J - 1.0))
    n = 1
    period = 0.0
    t_last = t_first
    if J > 1.0:
        period = tau_ref + tau_rc * math.log1p(1.0 / (J - 1.0))
        more = (dt - t_first) / period if period > 0.0 else 2.0**53
        if more >= 1.0:  # False for NaN input: the run's non-finite check reports it
            # a count that still fits a float exactly
            more = min(math.floor(more), 2.0**53)
            n += int(more)
            t_last = t_first + more * period
    ref = tau_ref + t_last - dt  # same operations as lif_step: bit-identical
    if ref >= 0.0:
        return 0.0, ref, t_first, n, period
    return -J * math.expm1(ref / tau_rc), 0.0, t_first, n, period


def lif_rate(J, tau_rc, tau_ref):
    """Steady LIF rate (Hz) for constant ``J``: ``1/(tau_ref + tau_rc log1p(1/(J-1)))``.

    Zero for ``J <= 1``; ``log1p`` keeps it accurate near threshold. The same
    closed form as :meth:`neurosim.LIFRate.rates`, for use inside kernels
    (tuning curves, rate groups in networks).
    """
    if J > 1.0:
        return 1.0 / (tau_ref + tau_rc * math.log1p(1.0 / (J - 1.0)))
    return 0.0


#: ln 2 split in two (Cody & Waite; fdlibm's constants): ``_LN2_HI`` has 21
#: trailing zero bits, so ``k * _LN2_HI`` is exact for small integers ``k``.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
#: Taylor coefficients ``1 / n!`` of ``expm1``, n = 2 .. 13.
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = (
    1.0 / math.factorial(n) for n in range(2, 14)
)
#: :func:`expm1_small` is exact for ``-EXPM1_SMALL_MAX <= y <= 0``.
EXPM1_SMALL_MAX = 3.5 * _LN2_HI


def expm1_small(y):
    """``expm1(y) = exp(y) - 1`` for ``-3.5 ln 2 <= y <= 0``, branch free.

    A CPU loop that calls ``math.expm1`` per element stays scalar (numba has
    no vector ``expm1`` without Intel's SVML); this one vectorises, and keeps
    ``expm1``'s relative accuracy near 0, which ``exp(y) - 1`` loses (about
    ``eps / |y|`` relative: 2e-14 at ``y = -0.005``).

    Parameters
    ----------
    y : float
        Argument in ``[-EXPM1_SMALL_MAX, 0]`` (``[-2.43, 0]``); NaN gives NaN.
        Outside that range the result is meaningless: callers test the range
        and use ``math.expm1`` there.

    Returns
    -------
    float
        ``expm1(y)``, within 2 ulp (tested against ``math.expm1``).

    Notes
    -----
    ``y = k ln 2 + r`` with ``k = round(y / ln 2)`` in ``{0, -1, -2, -3}`` (by
    comparisons) and ``|r| <= ln(2) / 2`` (Cody-Waite:
    ``r = (y - k ln2_hi) - k ln2_lo``); ``p = expm1(r)`` is its Taylor
    polynomial to degree 13 (truncation below ``0.347**13 / 14! = 1.2e-17``
    relative), and ``expm1(y) = s p + (s - 1)`` with ``s = 2**k``. ``k = 0``
    gives ``p`` itself; for ``k != 0`` the result is below -0.29 and the sum
    does not cancel.
    """
    t1 = y < -0.5 * _LN2_HI
    t2 = y < -1.5 * _LN2_HI
    t3 = y < -2.5 * _LN2_HI
    kf = -1.0 if t1 else 0.0
    kf = -2.0 if t2 else kf
    kf = -3.0 if t3 else kf
    s = 0.5 if t1 else 1.0
    s = 0.25 if t2 else s
    s = 0.125 if t3 else s
    r = (y - kf * _LN2_HI) - kf * _LN2_LO
    q = _C13 * r + _C12
    q = q * r + _C11
    q = q * r + _C10
    q = q * r + _C9
    q = q * r + _C8
    q = q * r + _C7
    q = q * r + _C6
    q = q * r + _C5
    q = q * r + _C4
    q = q * r + _C3
    q = q * r + _C2
    p = r + (r * r) * q
    return s * p + (s - 1.0)


def cond_lif_drive(J, g, gE, dt, tau):
    """Target and whole-step factor of a conductance LIF neuron, branch free.

    ``tau du/dt = J - u + g_tot E_g - g_tot u`` (``g = g_tot``; ``gE`` the sum of
    each conductance times its reversal potential; both held over the step)
    is a LIF with ``tau_eff = tau / (1 + g)`` and target
    ``J_eff = (J + gE) / (1 + g)``; over a whole step
    ``u <- u + (J_eff - u) full`` with ``full = -expm1(-x)``,
    ``x = dt (1 + g) / tau``.

    Returns
    -------
    J_eff, full, x : float
        ``full`` is exact (:func:`expm1_small`) for ``0 <= x <= EXPM1_SMALL_MAX``
        (``1 + g`` up to ``2.43 tau / dt``); callers send neurons outside that
        range through :func:`cond_lif_coeffs`.
    """
    gt = 1.0 + g
    x = (dt / tau) * gt
    return (J + gE) / gt, -expm1_small(-x), x


def cond_lif_coeffs(J, g, gE, dt, tau):
    """``(J_eff, tau_eff, full)`` of a conductance LIF neuron, for any ``g``.

    What :func:`lif_advance` needs to step the neuron exactly
    (``tau_rc = tau_eff``): :func:`cond_lif_drive`, bit for bit, inside its
    range, else ``full = -expm1(-x)`` from the library.
    """
    Je, full, x = cond_lif_drive(J, g, gE, dt, tau)
    if x < 0.0 or x > EXPM1_SMALL_MAX:
        full = -math.expm1(-x)
    return Je, tau / (1.0 + g), full


#: The scalar conductance-LIF functions, for :func:`neurosim._jit.compile_family`
#: (they call each other by name).
COND_FUNCTIONS = {
    "expm1_small": expm1_small,
    "cond_lif_drive": cond_lif_drive,
    "cond_lif_coeffs": cond_lif_coeffs,
}


def make_lif_neuron_loop(step):
    """Build the per-neuron time loop around ``step`` (:func:`lif_advance`, CUDA).

    The returned plain function runs neuron ``i`` through ``n_steps`` steps,
    keeping ``v`` and ``ref`` in locals. It reads ``J[k * j_stride, i]``
    (``j_stride`` is 0 for a constant current), updates ``v`` and ``ref`` in
    place at the end, writes its first spike times (seconds from the start of
    the run) to ``spk_buf[spk_off[i]:spk_off[i + 1]]``, the total count to
    ``spk_n[i]`` and, when ``record_v``, ``v`` after each step to ``v_rec[k, i]``.
    """

    def loop(
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
    ):
        vi = v[i]
        ri = ref[i]
        Ji = J[0, i]
        base = spk_off[i]
        cap = spk_off[i + 1] - base
        count = 0
        for k in range(n_steps):
            if j_stride != 0:
                Ji = J[k, i]
            vi, ri, ts, ns, period = step(vi, ri, Ji, dt, tau_rc, tau_ref, full)
            if ns > 0:
                t0 = k * dt + ts
                for m in range(min(ns, cap - count)):
                    spk_buf[base + count + m] = t0 + m * period
                count += ns
            if record_v:
                v_rec[k, i] = vi
        v[i] = vi
        ref[i] = ri
        spk_n[i] = count

    return loop


_lif_advance_cpu = inline(lif_advance)

#: Neurons per CPU block: the block's state (5 x 64 float64) stays in L1 while
#: its time loop runs, and one uint64 word flags 8 lanes at once.
_BLOCK = 64

#: Blocks per scheduling chunk: threads take chunks of this many blocks as they
#: finish, so blocks with more spikes, or a core shared with another process,
#: do not leave the other threads idle.
_CHUNK = 8


@njit(parallel=True)
def _lif_run_blocks(
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
    """The compiled body of :func:`lif_run` (same arguments)."""
    n = v.shape[0]
    for b in prange((n + _BLOCK - 1) // _BLOCK):
        lo = b * _BLOCK
        m = min(_BLOCK, n - lo)
        # Lanes past the end of the population hold J = v = 0: never flagged.
        vb = np.zeros(_BLOCK)
        rb = np.zeros(_BLOCK)
        vb_next = np.zeros(_BLOCK)
        rb_next = np.zeros(_BLOCK)
        Jb = np.zeros(_BLOCK)
        flag = np.zeros(_BLOCK, dtype=np.uint8)
        flag_words = flag.view(np.uint64)
        count = np.zeros(_BLOCK, dtype=np.int64)
        for j in range(m):
            vb[j] = v[lo + j]
            rb[j] = ref[lo + j]
            Jb[j] = J[0, lo + j]
        for k in range(n_steps):
            if j_stride != 0:
                for j in range(m):
                    Jb[j] = J[k, lo + j]
            any_flagged = False
            for j in range(_BLOCK):
                r = rb[j]
                vj = vb[j]
                vn = vj + (Jb[j] - vj) * full if r <= 0.0 else vj
                any_flagged |= (vn > 1.0) | (vj >= 1.0) | ((r > 0.0) & (r < dt))
                rn = r - dt
                vb_next[j] = vn
                rb_next[j] = rn if rn > 0.0 else 0.0
            if any_flagged:
                for j in range(_BLOCK):
                    r = rb[j]
                    vj = vb[j]
                    vn = vj + (Jb[j] - vj) * full if r <= 0.0 else vj
                    flag[j] = (vn > 1.0) | (vj >= 1.0) | ((r > 0.0) & (r < dt))
                for w in range(_BLOCK // 8):
                    if flag_words[w] == 0:
                        continue
                    for j in range(8 * w, 8 * w + 8):
                        if flag[j]:
                            vb_next[j], rb_next[j], ts, ns, per = _lif_advance_cpu(
                                vb[j], rb[j], Jb[j], dt, tau_rc, tau_ref, full
                            )
                            if ns > 0:
                                c = count[j]
                                off = spk_off[lo + j]
                                room = spk_off[lo + j + 1] - off - c
                                t0 = k * dt + ts
                                for q in range(min(ns, room)):
                                    spk_buf[off + c + q] = t0 + q * per
                                count[j] = c + ns
            vb, vb_next = vb_next, vb
            rb, rb_next = rb_next, rb
            if record_v:
                for j in range(m):
                    v_rec[k, lo + j] = vb[j]
        for j in range(m):
            v[lo + j] = vb[j]
            ref[lo + j] = rb[j]
            spk_n[lo + j] = count[j]


def lif_run(*args) -> None:
    """Run an uncoupled LIF population for ``n_steps`` steps of ``dt`` (CPU).

    Called as ``lif_run(J, j_stride, v, ref, dt, tau_rc, tau_ref, full,
    n_steps, spk_buf, spk_off, spk_n, v_rec, record_v)``, like its GPU twin.

    Parameters
    ----------
    J : (1 or n_steps, n_neurons) float64 ndarray
        Input currents, row ``k * j_stride`` used in step ``k``.
    j_stride : int
        0 for a constant current (one row), 1 for one row per step.
    v, ref : (n_neurons,) float64 ndarray
        Initial voltage and refractory time left (s); **modified in place**.
    dt, tau_rc, tau_ref, full : float
        Step and time constants (s); ``full = -expm1(-dt / tau_rc)``.
    n_steps : int
        Number of steps.
    spk_buf : (capacity_total,) float64 ndarray
        **Written**: spike times (s); neuron ``i`` stores its first
        ``spk_off[i + 1] - spk_off[i]`` in ``spk_buf[spk_off[i]:spk_off[i + 1]]``.
    spk_off : (n_neurons + 1,) int64 ndarray
        Offsets of the neurons' spike buffers in ``spk_buf``.
    spk_n : (n_neurons,) int64 ndarray
        **Written**: each neuron's total spike count (may exceed its buffer).
    v_rec : (n_steps, n_neurons) float64 ndarray
        **Written** when ``record_v``: ``v`` after each step.
    record_v : bool
        Whether to write ``v_rec``.

    Notes
    -----
    ``prange`` over blocks of 64 neurons, handed to threads in chunks of
    ``_CHUNK`` blocks as they become free; each block runs its whole time loop
    with its state in small local arrays, double-buffered (the state at the
    start of the step and at its end). Each step first takes, for every lane
    at once (a loop the compiler vectorises), the two cases of
    :func:`lif_step` that need no transcendental function: a free neuron that
    stays below threshold (``v + (J - v) * full``) and a neuron whose
    refractory period covers the whole step (``v`` unchanged); ``ref``
    becomes ``max(ref - dt, 0)`` in both, as in ``lif_step``. The same pass
    notes whether any lane spikes or leaves refractoriness inside the step;
    only then are those lanes flagged (a second vector pass over the
    start-of-step state) and their end-of-step state replaced by that of
    ``lif_step`` itself. Results are therefore bit-identical to calling
    ``lif_step`` on every neuron and step (the CUDA kernel does exactly that;
    the tests compare the two).
    """
    with numba.parallel_chunksize(_CHUNK):
        _lif_run_blocks(*args)
