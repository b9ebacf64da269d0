"""Hodgkin-Huxley: the per-neuron update, written once.

Units inside this module are the model's classic ones: mV, ms, uA/cm^2,
mS/cm^2 and uF/cm^2. Callers working in seconds convert ``dt`` (``dt_ms =
dt * 1e3``) and spike times (``t_spike * 1e-3``) at their boundary.

Every function below except the drivers is plain Python. Because they call
each other by name, they are compiled as a family
(:func:`neurosim._jit.compile_family`): ``cpu["hh_step"]`` is the
``njit(inline="always")`` build for CPU kernels and
``neurosim.kernels.hh_cuda.device["hh_step"]`` the ``cuda.jit(device=True)``
build, both from this one source. Call those from compiled code (the plain
``hh_step`` is for reading and for pure-Python use).

Scalar API (stable; the network simulator calls it too)
-------------------------------------------------------
``hh_step(V, m, h, n, I, dt, method, p) -> (V, m, h, n, t_spike)``
    One step of ``dt`` ms with current density ``I`` (uA/cm^2) held constant;
    ``method`` is :data:`EXP_EULER` (0) or :data:`RK4` (1); ``p`` is the
    parameter tuple ``(C, g_na, g_k, g_l, e_na, e_k, e_l, v_spike)`` built by
    ``HodgkinHuxley.kernel_params()``. ``t_spike`` is the time (ms, in
    ``(0, dt]``) since the start of the step at which ``V`` crossed ``v_spike``
    upwards, or ``-1.0``.
``hh_step_exp_euler`` / ``hh_step_rk4``: the same with the method fixed.
``_advance_exp_euler`` / ``_advance_rk4``: their branch-free state update,
    ``-> (V, m, h, n, dV/dt at the start)``; ``_spike_time`` the spike timing.
``hh_rates(V) -> (a_m, b_m, a_h, b_h, a_n, b_n)`` in 1/ms.
``hh_diverged(V, m, h, n) -> bool``: True when the state is non-finite or
    outside any physical range (the step was unstable).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._jit import compile_family, njit

EXP_EULER = 0
RK4 = 1

# Constant factors that let five of the six rate functions share one exp
# (numba freezes module globals as compile-time constants, which these are).
_E_M1_5 = math.exp(-1.5)  # exp(-(V+55)/10) = exp(-(V+40)/10) * exp(-1.5)
_E_P0_5 = math.exp(0.5)  # exp(-(V+35)/10) = exp(-(V+40)/10) * exp(0.5)
_E_M1_25 = math.exp(-1.25)  # exp(-(V+65)/20) = exp(-(V+40)/20) * exp(-1.25)
_E_M0_3125 = math.exp(-0.3125)  # exp(-(V+65)/80) = exp(-(V+40)/80) * exp(-25/80)

# Bounds outside which a state can only come from an unstable step.
_V_LIMIT = 1.0e4  # mV
_GATE_LOW = -1.0
_GATE_HIGH = 2.0


def _exp(x):
    """``exp(x)`` without a library call, so loops over neurons vectorise.

    ``exp(x) = exp(x / 32) ** 32``: a degree-13 Taylor polynomial (Horner) for
    ``|x / 32| <= 1.25`` and five squarings. Relative error below ``2e-14`` for
    ``|x| <= 14`` (every HH argument for -180 < V < 100 mV and dt <= 0.1 ms),
    below ``1e-8`` up to ``|x| = 40``; ``x`` is clamped to [-40, 40] (an error
    of at most ``exp(-40) = 4e-18`` absolute below). Branch-free and plain
    arithmetic, so the CPU and CUDA builds compute the same numbers.
    """
    x = min(max(x, -40.0), 40.0)
    y = x * 0.03125
    q = 1.0 / 6227020800.0  # 1/13!
    q = 1.0 / 479001600.0 + y * q
    q = 1.0 / 39916800.0 + y * q
    q = 1.0 / 3628800.0 + y * q
    q = 1.0 / 362880.0 + y * q
    q = 1.0 / 40320.0 + y * q
    q = 1.0 / 5040.0 + y * q
    q = 1.0 / 720.0 + y * q
    q = 1.0 / 120.0 + y * q
    q = 1.0 / 24.0 + y * q
    q = 1.0 / 6.0 + y * q
    q = 0.5 + y * q
    q = 1.0 + y * q
    q = 1.0 + y * q
    q = q * q
    q = q * q
    q = q * q
    q = q * q
    return q * q


def _vtrap(y, e):
    """``y / (1 - e)`` with ``e = exp(-y)``, continuous through ``y = 0``.

    Near the removable singularity the Bernoulli series
    ``y / (1 - exp(-y)) = 1 + y/2 + y^2/12 - y^4/720 + y^6/30240 - ...`` is used
    (truncation error below ``1e-22`` for ``|y| < 1e-2``); elsewhere the
    cancellation in ``1 - e`` costs at most ``eps / |y| < 3e-14`` relative.
    """
    if abs(y) < 1e-2:
        y2 = y * y
        return 1.0 + 0.5 * y + y2 * (1.0 / 12.0 - y2 * (1.0 / 720.0 - y2 / 30240.0))
    return y / (1.0 - e)


def _hh_rates(V):
    """Opening and closing rates (1/ms) of the m, h and n gates at ``V`` (mV).

    Modern (V_rest = -65 mV) form of the 1952 rate functions::

        a_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))   b_m = 4 exp(-(V+65)/18)
        a_h = 0.07 exp(-(V+65)/20)                 b_h = 1 / (1 + exp(-(V+35)/10))
        a_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))  b_n = 0.125 exp(-(V+65)/80)

    The 0/0 points of ``a_m`` (-40 mV) and ``a_n`` (-55 mV) go through
    :func:`_vtrap`. One ``exp`` (``E = exp(-(V+40)/10)``) serves ``a_m``,
    ``a_n``, ``b_h``, and through ``sqrt`` (exact to rounding) ``a_h``
    (``E^(1/2)``) and ``b_n`` (``E^(1/8)``); only ``b_m`` needs its own.
    """
    x = (V + 40.0) * 0.1
    e10 = _exp(-x)
    a_m = _vtrap(x, e10)
    a_n = 0.1 * _vtrap(x + 1.5, e10 * _E_M1_5)
    b_h = 1.0 / (1.0 + e10 * _E_P0_5)
    s2 = math.sqrt(e10)
    a_h = (0.07 * _E_M1_25) * s2
    b_n = (0.125 * _E_M0_3125) * math.sqrt(math.sqrt(s2))
    b_m = 4.0 * _exp(-(V + 65.0) * (1.0 / 18.0))
    return a_m, b_m, a_h, b_h, a_n, b_n


def _hh_currents(V, m, h, n, I, p):
    """Total conductance ``g`` and driving term ``a`` with ``C dV/dt = a - g V``."""
    g_na = p[1] * (m * m * m) * h
    n2 = n * n
    g_k = p[2] * (n2 * n2)
    g = g_na + g_k + p[3]
    a = g_na * p[4] + g_k * p[5] + p[3] * p[6] + I
    return g, a


def _hh_deriv(V, m, h, n, I, p):
    """Right-hand side of the HH equations (mV/ms and 1/ms)."""
    a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates(V)
    g, a = _hh_currents(V, m, h, n, I, p)
    return (
        (a - g * V) * (1.0 / p[0]),
        a_m * (1.0 - m) - b_m * m,
        a_h * (1.0 - h) - b_h * h,
        a_n * (1.0 - n) - b_n * n,
    )


def _crossing_time(V0, dV0, V1, dV1, dt, vth):
    """Time in ``(0, dt]`` where the cubic Hermite interpolant reaches ``vth``.

    The interpolant through ``(0, V0, dV0)`` and ``(dt, V1, dV1)`` is accurate
    to ``O(dt^4)``, so locating the spike does not cap an integrator's order.
    Requires ``V0 < vth <= V1``; Newton's method kept inside a bisection
    bracket converges to rounding in a few iterations.
    """
    d0 = dV0 * dt
    d1 = dV1 * dt
    lo = 0.0
    hi = 1.0
    s = (vth - V0) / (V1 - V0)
    for _ in range(60):
        s2 = s * s
        s3 = s2 * s
        f = (
            (2.0 * s3 - 3.0 * s2 + 1.0) * V0
            + (s3 - 2.0 * s2 + s) * d0
            + (3.0 * s2 - 2.0 * s3) * V1
            + (s3 - s2) * d1
            - vth
        )
        if f < 0.0:
            lo = s
        else:
            hi = s
        df = (
            (6.0 * s2 - 6.0 * s) * (V0 - V1)
            + (3.0 * s2 - 4.0 * s + 1.0) * d0
            + (3.0 * s2 - 2.0 * s) * d1
        )
        s_new = s - f / df if df > 0.0 else 0.5 * (lo + hi)
        if not (lo < s_new < hi):
            s_new = 0.5 * (lo + hi)
        if abs(s_new - s) <= 1e-15 or hi - lo <= 1e-15:
            s = s_new
            break
        s = s_new
    if s <= 0.0:
        s = 1e-300
    return s * dt


def _spike_time(V0, dV0, V1, m1, h1, n1, I, dt, p):
    """Upward crossing of ``p[7]`` inside the step (ms from its start) or -1."""
    if V0 < p[7] <= V1:
        g1, a1 = _hh_currents(V1, m1, h1, n1, I, p)
        return _crossing_time(V0, dV0, V1, (a1 - g1 * V1) * (1.0 / p[0]), dt, p[7])
    return -1.0


def _gate_exp_euler(x, a, b, dt):
    """Exact update of ``dx/dt = a (1 - x) - b x`` with ``a``, ``b`` held."""
    k = a + b
    x_inf = a / k
    return x_inf + (x - x_inf) * _exp(-dt * k)


def _advance_exp_euler(V, m, h, n, I, dt, p):
    """Exponential-Euler state update; returns ``(V1, m1, h1, n1, dV/dt at start)``."""
    a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates(V)
    g, a = _hh_currents(V, m, h, n, I, p)
    v_inf = a / g
    V1 = v_inf + (V - v_inf) * _exp(-dt * g * (1.0 / p[0]))
    m1 = _gate_exp_euler(m, a_m, b_m, dt)
    h1 = _gate_exp_euler(h, a_h, b_h, dt)
    n1 = _gate_exp_euler(n, a_n, b_n, dt)
    return V1, m1, h1, n1, (a - g * V) * (1.0 / p[0])


def hh_step_exp_euler(V, m, h, n, I, dt, p):
    """One exponential-Euler step (Brian2's ``exponential_euler``).

    Every variable obeys ``dx/dt = A_x - B_x x`` with ``A_x``, ``B_x`` frozen at
    the start of the step, and is advanced exactly for that linear equation:
    ``x <- x_inf + (x - x_inf) exp(-B_x dt)``, ``x_inf = A_x / B_x``. The voltage
    uses the conductances of the old gates. First order in ``dt``; gates stay
    in [0, 1] and ``V`` between the reversal potentials (plus ``I / g``) for any
    ``dt``, so the scheme never blows up. Units: mV, ms, uA/cm^2.
    """
    V1, m1, h1, n1, dV0 = _advance_exp_euler(V, m, h, n, I, dt, p)
    return V1, m1, h1, n1, _spike_time(V, dV0, V1, m1, h1, n1, I, dt, p)


def _advance_rk4(V, m, h, n, I, dt, p):
    """Classical RK4 state update; returns ``(V1, m1, h1, n1, dV/dt at start)``."""
    hdt = 0.5 * dt
    k1V, k1m, k1h, k1n = _hh_deriv(V, m, h, n, I, p)
    k2V, k2m, k2h, k2n = _hh_deriv(
        V + hdt * k1V, m + hdt * k1m, h + hdt * k1h, n + hdt * k1n, I, p
    )
    k3V, k3m, k3h, k3n = _hh_deriv(
        V + hdt * k2V, m + hdt * k2m, h + hdt * k2h, n + hdt * k2n, I, p
    )
    k4V, k4m, k4h, k4n = _hh_deriv(
        V + dt * k3V, m + dt * k3m, h + dt * k3h, n + dt * k3n, I, p
    )
    w = dt / 6.0
    V1 = V + w * (k1V + 2.0 * (k2V + k3V) + k4V)
    m1 = m + w * (k1m + 2.0 * (k2m + k3m) + k4m)
    h1 = h + w * (k1h + 2.0 * (k2h + k3h) + k4h)
    n1 = n + w * (k1n + 2.0 * (k2n + k3n) + k4n)
    return V1, m1, h1, n1, k1V


def hh_step_rk4(V, m, h, n, I, dt, p):
    """One classical fourth-order Runge-Kutta step. Units: mV, ms, uA/cm^2.

    Stable while ``dt`` times the fastest rate of the linearised system stays
    inside RK4's stability interval (about 2.79); with the classic parameters
    it stays bounded up to about 0.08 ms (see ``hh_diverged``).
    """
    V1, m1, h1, n1, dV0 = _advance_rk4(V, m, h, n, I, dt, p)
    return V1, m1, h1, n1, _spike_time(V, dV0, V1, m1, h1, n1, I, dt, p)


def hh_step(V, m, h, n, I, dt, method, p):
    """Advance one Hodgkin-Huxley neuron by ``dt`` ms with ``I`` held constant.

    Parameters
    ----------
    V, m, h, n : float
        Membrane potential (mV) and gating variables at the start of the step.
    I : float
        Injected current density (uA/cm^2), held over the step.
    dt : float
        Step in **milliseconds**.
    method : int
        :data:`EXP_EULER` (0) or :data:`RK4` (1).
    p : tuple of 8 floats
        ``(C, g_na, g_k, g_l, e_na, e_k, e_l, v_spike)`` in uF/cm^2, mS/cm^2 and
        mV, as returned by ``HodgkinHuxley.kernel_params()``.

    Returns
    -------
    V, m, h, n : float
        State at the end of the step.
    t_spike : float
        Time (ms, in ``(0, dt]``) after the start of the step at which ``V``
        crossed ``v_spike`` upwards, located on the cubic Hermite interpolant of
        ``V`` (values and slopes at both ends, error ``O(dt^4)``); ``-1.0`` if
        there was no crossing.

    Notes
    -----
    ``C dV/dt = I - g_na m^3 h (V - e_na) - g_k n^4 (V - e_k) - g_l (V - e_l)``
    and ``dx/dt = a_x(V) (1 - x) - b_x(V) x`` for ``x`` in ``m, h, n``
    (Hodgkin & Huxley 1952, doi:10.1113/jphysiol.1952.sp004764), with the
    rates of :func:`_hh_rates`.
    """
    if method == RK4:
        return hh_step_rk4(V, m, h, n, I, dt, p)
    return hh_step_exp_euler(V, m, h, n, I, dt, p)


def hh_diverged(V, m, h, n):
    """True when a state can only come from an unstable step (or is NaN/inf).

    Written without short-circuits so that loops over neurons vectorise.
    """
    ok = (
        (-_V_LIMIT < V)
        & (V < _V_LIMIT)
        & (_GATE_LOW < m)
        & (m < _GATE_HIGH)
        & (_GATE_LOW < h)
        & (h < _GATE_HIGH)
        & (_GATE_LOW < n)
        & (n < _GATE_HIGH)
    )
    return not ok


#: The scalar functions above, for :func:`neurosim._jit.compile_family`.
SCALAR_FUNCTIONS = {
    f.__name__: f
    for f in (
        _exp,
        _vtrap,
        _hh_rates,
        _hh_currents,
        _hh_deriv,
        _crossing_time,
        _spike_time,
        _gate_exp_euler,
        _advance_exp_euler,
        _advance_rk4,
        hh_step_exp_euler,
        hh_step_rk4,
        hh_step,
        hh_diverged,
    )
}

#: CPU (``njit(inline="always")``) versions, callable from other njit kernels:
#: ``from neurosim.kernels.hh import cpu; cpu["hh_step"](...)``.
cpu = compile_family(SCALAR_FUNCTIONS, "cpu")
hh_rates = cpu["_hh_rates"]


def make_hh_neuron_loop(step, diverged):
    """Build the per-neuron time loop around ``step`` (CPU or CUDA version).

    The returned plain function runs neuron ``i`` through ``n_steps`` steps,
    keeping its state in locals. It reads ``I[k * i_stride, i]`` (``i_stride``
    is 0 for a constant current), updates ``V, m, h, n`` in place at the end,
    writes its first spike times (ms from the start of the run) to its slice
    ``spk_buf[spk_off[i]:spk_off[i + 1]]``, the total count to ``spk_n[i]``,
    ``V`` after each step to ``v_rec[k, i]`` when ``record_v``, and the step
    at which the state diverged to ``status[i]`` (``-1`` when it never did).
    """

    def loop(
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
    ):
        Vi = V[i]
        mi = m[i]
        hi = h[i]
        ni = n[i]
        Ii = I[0, i]
        base = spk_off[i]
        cap = spk_off[i + 1] - base
        count = 0
        status[i] = -1
        for k in range(n_steps):
            if i_stride != 0:
                Ii = I[k, i]
            Vi, mi, hi, ni, ts = step(Vi, mi, hi, ni, Ii, dt, method, p)
            if diverged(Vi, mi, hi, ni):
                status[i] = k
                break
            if ts >= 0.0:
                if count < cap:
                    spk_buf[base + count] = k * dt + ts
                count += 1
            if record_v:
                v_rec[k, i] = Vi
        V[i] = Vi
        m[i] = mi
        h[i] = hi
        n[i] = ni
        spk_n[i] = count

    return loop


_advance_exp_euler_cpu = cpu["_advance_exp_euler"]
_advance_rk4_cpu = cpu["_advance_rk4"]
_spike_time_cpu = cpu["_spike_time"]
_diverged_cpu = cpu["hh_diverged"]

#: Neurons per CPU block: small enough for the block's state to live in L1,
#: a multiple of the SIMD width.
_BLOCK = 32


@njit(parallel=True)
def hh_run(
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
    """Run an uncoupled HH population for ``n_steps`` steps of ``dt`` ms (CPU).

    Parameters
    ----------
    I : (1 or n_steps, n_neurons) float64 ndarray
        Current densities (uA/cm^2), row ``k * i_stride`` used in step ``k``.
    i_stride : int
        0 for a constant current (one row), 1 for one row per step.
    V, m, h, n : (n_neurons,) float64 ndarray
        Initial state; **modified in place** to the final state.
    dt : float
        Step in ms.
    method : int
        :data:`EXP_EULER` or :data:`RK4`.
    p : tuple
        Kernel parameters (see :func:`hh_step`).
    n_steps : int
        Number of steps.
    spk_buf : (capacity_total,) float64 ndarray
        **Written**: spike times in ms; neuron ``i`` stores its first
        ``spk_off[i + 1] - spk_off[i]`` in ``spk_buf[spk_off[i]:spk_off[i + 1]]``.
    spk_off : (n_neurons + 1,) int64 ndarray
        Offsets of the neurons' spike buffers in ``spk_buf``.
    spk_n : (n_neurons,) int64 ndarray
        **Written**: each neuron's total spike count (may exceed its buffer).
    v_rec : (n_steps, n_neurons) float64 ndarray
        **Written** when ``record_v``: ``V`` after each step (mV).
    record_v : bool
        Whether to write ``v_rec``.
    status : (n_neurons,) int64 ndarray
        **Written**: the first step at which the neuron's state diverged, or -1.

    Notes
    -----
    ``prange`` over blocks of 32 neurons; each block runs its whole time loop
    with its state in small local arrays. Each step advances every lane with
    the branch-free state update of :func:`hh_step` (``_advance_*``, the same
    functions ``hh_step`` calls; with :func:`_exp` the loop vectorises) and
    counts the lanes that crossed ``v_spike`` or diverged. Only those lanes
    then go through ``hh_step``'s spike timing (``_spike_time``). The results
    are bit-identical to calling ``hh_step`` on every neuron and step, which
    is what the CUDA kernel does (the tests compare the two).
    """
    N = V.shape[0]
    vth = p[7]
    for b in prange((N + _BLOCK - 1) // _BLOCK):
        lo = b * _BLOCK
        M = min(_BLOCK, N - lo)
        # Padding lanes repeat the block's first neuron; they are never read back.
        Vb = np.full(_BLOCK, V[lo])
        mb = np.full(_BLOCK, m[lo])
        hb = np.full(_BLOCK, h[lo])
        nb = np.full(_BLOCK, n[lo])
        Ib = np.full(_BLOCK, I[0, lo])
        V0 = np.empty(_BLOCK)
        dV0 = np.empty(_BLOCK)
        count = np.zeros(_BLOCK, dtype=np.int64)
        first_bad = np.full(_BLOCK, -1, dtype=np.int64)
        for j in range(M):
            Vb[j] = V[lo + j]
            mb[j] = m[lo + j]
            hb[j] = h[lo + j]
            nb[j] = n[lo + j]
            Ib[j] = I[0, lo + j]
        for k in range(n_steps):
            if i_stride != 0:
                for j in range(M):
                    Ib[j] = I[k, lo + j]
            n_flagged = 0
            for j in range(_BLOCK):
                v0 = Vb[j]
                if method == RK4:
                    V1, m1, h1, n1, d0 = _advance_rk4_cpu(
                        v0, mb[j], hb[j], nb[j], Ib[j], dt, p
                    )
                else:
                    V1, m1, h1, n1, d0 = _advance_exp_euler_cpu(
                        v0, mb[j], hb[j], nb[j], Ib[j], dt, p
                    )
                Vb[j] = V1
                mb[j] = m1
                hb[j] = h1
                nb[j] = n1
                V0[j] = v0
                dV0[j] = d0
                n_flagged += ((v0 < vth) & (V1 >= vth)) | _diverged_cpu(V1, m1, h1, n1)
            if n_flagged:
                for j in range(M):
                    if _diverged_cpu(Vb[j], mb[j], hb[j], nb[j]):
                        if first_bad[j] < 0:
                            first_bad[j] = k
                        continue
                    ts = _spike_time_cpu(
                        V0[j], dV0[j], Vb[j], mb[j], hb[j], nb[j], Ib[j], dt, p
                    )
                    if ts >= 0.0:
                        c = count[j]
                        if c < spk_off[lo + j + 1] - spk_off[lo + j]:
                            spk_buf[spk_off[lo + j] + c] = k * dt + ts
                        count[j] = c + 1
            if record_v:
                for j in range(M):
                    v_rec[k, lo + j] = Vb[j]
        for j in range(M):
            V[lo + j] = Vb[j]
            m[lo + j] = mb[j]
            h[lo + j] = hb[j]
            n[lo + j] = nb[j]
            spk_n[lo + j] = count[j]
            status[lo + j] = first_bad[j]


def hh_steady_state(V):
    """Steady-state gates ``(m_inf, h_inf, n_inf)`` at voltage ``V`` (mV)."""
    a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates(float(V))
    return a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)
