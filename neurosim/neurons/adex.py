"""Adaptive exponential integrate-and-fire (AdEx), through :class:`NeuronModel`."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .model import NeuronModel


class AdEx(NeuronModel):
    r"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

    Units: mV, ms, pF, nS, pA (so nS mV = pA and pA / pF = mV/ms).

    .. math::

        C \frac{dv}{dt} = -g_L (v - E_L) + g_L \Delta_T
            e^{(v - V_T)/\Delta_T} - w + I, \qquad
        \tau_w \frac{dw}{dt} = a (v - E_L) - w

    A spike when ``v > v_peak``: ``v <- v_reset``, ``w <- w + b``.
    ``v_peak`` defaults to ``V_T + 5 Delta_T`` (Brian2's ``Vcut``): past it
    the exponential term makes ``v`` diverge within a fraction of a step, so
    the spike time does not depend on the exact cut. Default integrator:
    RK4 (the exponential term rules out exponential Euler).

    Parameters
    ----------
    C, g_l, e_l, v_t, delta_t, tau_w, a, b, v_reset, v_peak : float or array
        Defaults are the paper's: C 281 pF, g_L 30 nS, E_L -70.6 mV,
        V_T -50.4 mV, Delta_T 2 mV, tau_w 144 ms, a 4 nS, b 80.5 pA,
        v_reset = E_L, v_peak = V_T + 5 Delta_T = -40.4 mV.

    References
    ----------
    Brette, R. & Gerstner, W. (2005). Adaptive exponential integrate-and-fire
    model as an effective description of neuronal activity. J. Neurophysiol.
    94, 3637-3642. doi:10.1152/jn.00686.2005
    """

    time_unit = 1e-3
    state: ClassVar[dict[str, float]] = {"v": -70.6, "w": 0.0}
    params: ClassVar[dict[str, float]] = {
        "C": 281.0,
        "g_l": 30.0,
        "e_l": -70.6,
        "v_t": -50.4,
        "delta_t": 2.0,
        "tau_w": 144.0,
        "a": 4.0,
        "b": 80.5,
        "v_reset": -70.6,
        "v_peak": -40.4,
    }
    inputs = ("I",)
    units: ClassVar[dict[str, str]] = {"v": "mV", "w": "pA", "I": "pA"}
    threshold = ("v", "v_peak")
    method = "rk4"

    @staticmethod
    def derivatives(v, w, I, C, g_l, e_l, v_t, delta_t, tau_w, a):
        """Right-hand side.

        Parameters
        ----------
        v, w : float
            Membrane potential (mV) and adaptation current (pA).
        I : float
            Input current, pA.
        C, g_l, e_l, v_t, delta_t, tau_w, a : float
            Capacitance (pF), leak (nS), rest (mV), threshold (mV), slope (mV),
            adaptation time constant (ms) and coupling (nS).

        Returns
        -------
        dv, dw : float
            Derivatives, mV/ms and pA/ms.
        """
        spike = g_l * delta_t * math.exp((v - v_t) / delta_t)
        return (-g_l * (v - e_l) + spike - w + I) / C, (a * (v - e_l) - w) / tau_w

    @staticmethod
    def reset(v, w, b, v_reset):
        """After a spike: ``v <- v_reset``, ``w <- w + b``.

        Parameters
        ----------
        v, w : float
            State at the spike.
        b, v_reset : float
            Adaptation jump (pA) and reset voltage (mV).

        Returns
        -------
        v, w : float
            State after the reset.
        """
        return v_reset, w + b

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """Rest: ``v = E_L``, ``w = 0``.

        Parameters
        ----------
        n : int
            Number of neurons.

        Returns
        -------
        dict of str to (n,) ndarray
            ``{"v": ..., "w": ...}``.
        """
        return {"v": np.broadcast_to(self.e_l, (n,)).astype(float), "w": np.zeros(n)}
