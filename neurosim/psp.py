r"""Connection weights from post-synaptic potential (PSP) amplitudes.

A spike arriving through a connection of weight ``w`` and a unit-area synapse
``h`` injects the input ``w h(t)`` into a leaky membrane
:math:`\tau_m \, dv/dt = -(v - v_{rest}) + I`, whose own impulse response is
:math:`k_m(t) = e^{-t/\tau_m} / \tau_m`. Below threshold the PSP is therefore

.. math:: \mathrm{PSP}(t) = w \, (k_m * h)(t),

and the weight giving a PSP of peak amplitude ``A`` is :math:`w = A / \max_t
(k_m * h)(t)`. For a :class:`~neurosim.Lowpass` synapse (:math:`\tau_s \ne
\tau_m`) the peak is at :math:`t^* = \ln(\tau_m/\tau_s) \, \tau_m \tau_s /
(\tau_m - \tau_s)`; with :math:`\tau_m` = 20 ms and :math:`\tau_s` = 5 ms it is
31.5 /s, so neither ``w = A tau_s`` nor ``w = A tau_m`` gives amplitude ``A``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.optimize

from ._validation import check_number
from .exceptions import ValidationError
from .neurons.lif import LIF
from .neurons.lif_neuron import LIFNeuron
from .synapses import LinearFilter

#: Points of the grid on which the peak is bracketed before it is refined.
_GRID = 4001


def _membrane_tau(neuron: LIF | LIFNeuron) -> float:
    if isinstance(neuron, LIFNeuron):
        return neuron.tau_m
    if isinstance(neuron, LIF):
        return neuron.tau_rc
    raise TypeError(
        "neuron: expected a neurosim.LIFNeuron or neurosim.LIF (a leaky, linear "
        f"membrane below threshold; got {type(neuron).__name__})"
    )


def psp_peak(
    neuron: LIF | LIFNeuron, synapse: LinearFilter | None
) -> tuple[float, float]:
    r"""Time and height of the PSP of one spike of unit weight.

    Parameters
    ----------
    neuron : LIFNeuron or LIF
        The post-synaptic neuron; its membrane time constant (``tau_m``, or
        ``tau_rc`` for the dimensionless ``LIF``) is what matters below
        threshold.
    synapse : LinearFilter or None
        The connection's synapse (any strictly proper filter of
        :mod:`neurosim.synapses`), or None for an input injected as a delta.

    Returns
    -------
    t_peak : float
        Time of the peak after the spike arrives, in seconds.
    peak : float
        :math:`\max_t (k_m * h)(t)`, in 1/s: the PSP amplitude (in the
        neuron's voltage unit) per unit weight (voltage unit x seconds).

    Notes
    -----
    The cascade of the membrane and the synapse is the filter
    ``num / (den (tau_m s + 1))``, with state space ``(A, B, C)`` and impulse
    response :math:`C e^{A t} B`; its maximum is bracketed on a grid of 4001
    points and refined by bounded scalar minimisation of the closed form
    (:meth:`LinearFilter.impulse`) to float64 precision.
    """
    tau = _membrane_tau(neuron)
    if synapse is None:
        return 0.0, 1.0 / tau
    if not isinstance(synapse, LinearFilter):
        raise TypeError(
            "synapse: expected a neurosim synapse (LinearFilter) or None "
            f"(got {type(synapse).__name__})"
        )
    if synapse.num.size >= synapse.den.size:
        raise ValidationError(
            "synapse: must be strictly proper (no direct term), as network "
            f"synapses are (got {synapse!r})"
        )
    cascade = LinearFilter(synapse.num, np.convolve(synapse.den, [tau, 1.0]))
    poles = np.roots(cascade.den)
    if np.any(poles.real >= 0):
        raise ValidationError(f"synapse: must be stable (got poles {poles})")
    span = 20.0 / float(np.min(-poles.real))  # e^-20 of the slowest mode
    # h(k dt) = C e^{A k dt} B on the grid, by repeated multiplication
    A, B, C, _ = cascade.continuous_ss()
    step = scipy.linalg.expm(A * (span / (_GRID - 1)))
    x, h = B.copy(), np.empty(_GRID)
    for i in range(_GRID):
        h[i] = C @ x
        x = step @ x
    k = int(np.argmax(h))
    if k == 0:
        return 0.0, float(h[0])
    t = np.linspace(0.0, span, _GRID)
    lo, hi = t[k - 1], t[min(k + 1, _GRID - 1)]
    res = scipy.optimize.minimize_scalar(
        lambda s: -float(cascade.impulse(s)),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12 * span},
    )
    return float(res.x), float(-res.fun)


def psp_weight(
    amplitude: float, neuron: LIF | LIFNeuron, synapse: LinearFilter | None
) -> float:
    """Connection weight whose single-spike PSP peaks at ``amplitude``.

    Parameters
    ----------
    amplitude : float
        Desired PSP peak, in the neuron's voltage unit (volts for
        :class:`~neurosim.LIFNeuron`, threshold units for
        :class:`~neurosim.LIF`); negative for an inhibitory PSP.
    neuron : LIFNeuron or LIF
        The post-synaptic neuron (current-based input, below threshold).
    synapse : LinearFilter or None
        The connection's synapse, as given to ``Network.connect``.

    Returns
    -------
    float
        The weight ``w`` (voltage unit x seconds) for ``Network.connect``:
        ``amplitude / psp_peak(neuron, synapse)[1]``.

    Examples
    --------
    >>> import neurosim as ns
    >>> cell = ns.LIFNeuron(tau_m=0.02)
    >>> w = ns.psp_weight(0.5e-3, cell, ns.Lowpass(0.005))   # 0.5 mV EPSP
    >>> round(0.5e-3 / w, 2)                                 # peak per unit weight, 1/s
    31.5
    """
    amplitude = check_number("amplitude", amplitude)
    return amplitude / psp_peak(neuron, synapse)[1]
