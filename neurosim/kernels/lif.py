"""Leaky integrate-and-fire: the per-neuron update, written once.

``lif_step`` is plain Python; CPU drivers call the ``njit(inline="always")``
version and CUDA kernels the ``cuda.jit(device=True)`` version made from the
same function, so the two back-ends share one source of the math.
"""

from __future__ import annotations

import math


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
