"""Exponential integrate-and-fire neuron, written through :class:`NeuronModel`."""

from __future__ import annotations

import math
from typing import ClassVar

from .model import NeuronModel


class ExpIF(NeuronModel):
    r"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003).

    Units: mV and seconds (``I`` is a voltage, current times resistance).

    .. math::

        \tau_m \frac{dv}{dt} = (E_L - v) + \Delta_T e^{(v - V_T)/\Delta_T} + I

    A spike when ``v > v_peak``: ``v <- v_reset``, held for ``tau_ref``.
    Without input the neuron rests near ``E_L``; above the rheobase
    ``I_rh = V_T - E_L - Delta_T`` it fires periodically. Default integrator:
    RK4.

    The exponential term is evaluated at ``min(v, v_peak)`` (NEST's
    ``aeif_*`` models evaluate their whole right-hand side there): below
    ``v_peak`` the dynamics are the equation's, and the stages of a step that
    crosses ``v_peak`` see that term at its value at ``v_peak`` instead of the
    exponential of an ever larger stage value. Uncapped, at ``dt = 0.1 ms``
    a stage from ``v`` a few mV under ``v_peak`` overflows ``exp`` to
    ``inf``, the next stage's ``(E_L - inf) + inf`` is NaN, and the neuron
    would stay NaN (it never crosses ``v_peak`` again).

    Parameters
    ----------
    tau_m, tau_ref : float or array
        Membrane time constant and refractory period (s). Defaults 0.01, 0.002.
    e_l, v_t, delta_t, v_reset, v_peak : float or array
        Rest, soft threshold, slope factor, reset and cut-off (mV). Defaults
        -65, -50, 2, -65, -30.

    References
    ----------
    Fourcaud-Trocmé, N., Hansel, D., van Vreeswijk, C. & Brunel, N. (2003).
    How spike generation mechanisms determine the neuronal response to
    fluctuating inputs. J. Neurosci. 23(37), 11628-11640.
    doi:10.1523/JNEUROSCI.23-37-11628.2003
    """

    state: ClassVar[dict[str, float]] = {"v": -65.0}
    params: ClassVar[dict[str, float]] = {
        "tau_m": 0.01,
        "tau_ref": 0.002,
        "e_l": -65.0,
        "v_t": -50.0,
        "delta_t": 2.0,
        "v_reset": -65.0,
        "v_peak": -30.0,
    }
    inputs = ("I",)
    units: ClassVar[dict[str, str]] = {"v": "mV", "I": "mV"}
    threshold = ("v", "v_peak")
    reset: ClassVar[dict[str, str]] = {"v": "v_reset"}
    refractory = "tau_ref"
    refractory_hold = ("v",)
    method = "rk4"

    @staticmethod
    def derivatives(v, I, tau_m, e_l, v_t, delta_t, v_peak):
        """Right-hand side.

        Parameters
        ----------
        v : float
            Membrane potential, mV.
        I : float
            Input, mV.
        tau_m : float
            Membrane time constant, s.
        e_l, v_t, delta_t, v_peak : float
            Rest, soft threshold, slope factor and cut-off, mV.

        Returns
        -------
        float
            ``dv/dt``, mV/s.
        """
        spike = delta_t * math.exp((min(v, v_peak) - v_t) / delta_t)
        return ((e_l - v) + spike + I) / tau_m
