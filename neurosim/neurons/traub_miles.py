"""Traub-Miles Hodgkin-Huxley neuron (Brian2's COBAHH), through :class:`NeuronModel`."""

from __future__ import annotations

import math
from typing import ClassVar

from .model import Conductance, Current, NeuronModel


class TraubMiles(NeuronModel):
    r"""Traub & Miles (1991) Hodgkin-Huxley neuron, as in Brian2's COBAHH example.

    The model of Brette et al. (2007), benchmark 3 (the Brian2GeNN paper's
    COBAHH benchmark): a single-compartment HH neuron with its own sodium and
    potassium kinetics and conductance synapses. Units: mV, ms, pF, nS, pA
    (nS mV = pA, pA / pF = mV/ms); the defaults are the example's values for
    a 20,000 um^2 membrane.

    .. math::

        C_m \frac{dv}{dt} = g_l (E_l - v) - g_{Na} m^3 h (v - E_{Na})
            - g_K n^4 (v - E_K) + I, \qquad
        \frac{dx}{dt} = \alpha_x(v) (1 - x) - \beta_x(v) x \quad (x = m, h, n)

    with, for :math:`u = v - V_T` (mV) and
    :math:`\mathrm{exprel}(z) = (e^z - 1) / z`,

    .. math::

        \alpha_m = \frac{0.32 \cdot 4}{\mathrm{exprel}((13 - u)/4)}, \quad
        \beta_m = \frac{0.28 \cdot 5}{\mathrm{exprel}((u - 40)/5)}, \quad
        \alpha_h = 0.128\, e^{(17 - u)/18}, \quad
        \beta_h = \frac{4}{1 + e^{(40 - u)/5}},

        \alpha_n = \frac{0.032 \cdot 5}{\mathrm{exprel}((15 - u)/5)}, \quad
        \beta_n = 0.5\, e^{(10 - u)/40} \qquad (\text{per ms}).

    Synaptic input arrives through the conductance ports ``ge`` and ``gi``
    (nS), which add :math:`g_e (E_e - v) + g_i (E_i - v)` to ``I``
    (:class:`~neurosim.Conductance`); ``I`` (pA) is a current port.

    A spike when ``v > -20 mV`` after a step. There is no reset, and the
    refractory period (3 ms) only stops the threshold from counting the same
    action potential twice: ``v`` is not clamped (Brian2's ``refractory``
    without ``(unless refractory)``). Default integrator: exponential Euler,
    the example's (every equation is linear in its own variable). The gates
    start at 0, as in the example (which sets only ``v``, ``ge`` and ``gi``).

    Parameters
    ----------
    C_m, g_l, E_l, g_na, E_na, g_k, E_k, V_T, E_e, E_i : float or array
        Capacitance 200 pF, leak 10 nS, leak reversal -60 mV, sodium
        20 uS (20,000 nS) and 50 mV, potassium 6 uS (6,000 nS) and -90 mV,
        V_T -63 mV, excitatory and inhibitory reversal potentials 0 and
        -80 mV.

    References
    ----------
    Traub, R. D. & Miles, R. (1991). Neuronal Networks of the Hippocampus.
    Cambridge University Press.

    Brette, R. et al. (2007). Simulation of networks of spiking neurons: a
    review of tools and strategies. J. Comput. Neurosci. 23, 349-398.
    doi:10.1007/s10827-007-0038-6

    Stimberg, M., Goodman, D. F. M. & Nowotny, T. (2020). Brian2GeNN:
    accelerating spiking neural network simulations with graphics hardware.
    Sci. Rep. 10, 410. doi:10.1038/s41598-019-54957-7
    """

    time_unit = 1e-3
    state: ClassVar[dict[str, float]] = {"v": -60.0, "m": 0.0, "h": 0.0, "n": 0.0}
    params: ClassVar[dict[str, float]] = {
        "C_m": 200.0,
        "g_l": 10.0,
        "E_l": -60.0,
        "g_na": 20000.0,
        "E_na": 50.0,
        "g_k": 6000.0,
        "E_k": -90.0,
        "V_T": -63.0,
        "E_e": 0.0,
        "E_i": -80.0,
    }
    inputs: ClassVar[dict] = {
        "I": Current(),
        "ge": Conductance(E="E_e"),
        "gi": Conductance(E="E_i"),
    }
    units: ClassVar[dict[str, str]] = {
        "v": "mV",
        "I": "pA",
        "ge": "nS",
        "gi": "nS",
        "C_m": "pF",
        "g_l": "nS",
        "g_na": "nS",
        "g_k": "nS",
    }
    threshold = ("v", -20.0)
    refractory = 3.0
    method = "exponential_euler"

    @staticmethod
    def derivatives(v, m, h, n, I, C_m, g_l, E_l, g_na, E_na, g_k, E_k, V_T):
        """Right-hand side.

        Parameters
        ----------
        v : float
            Membrane potential, mV.
        m, h, n : float
            Gating variables.
        I : float
            Input current, pA (the conductance ports' currents included).
        C_m, g_l, E_l, g_na, E_na, g_k, E_k, V_T : float
            Parameters (pF, nS, mV).

        Returns
        -------
        dv, dm, dh, dn : float
            Derivatives, mV/ms and 1/ms.
        """
        u = v - V_T
        # 0.32 (13 - u) / (exp((13 - u) / 4) - 1), written through exprel
        z = (13.0 - u) / 4.0
        a_m = 0.32 * 4.0 * z / math.expm1(z) if z != 0.0 else 0.32 * 4.0
        z = (u - 40.0) / 5.0
        b_m = 0.28 * 5.0 * z / math.expm1(z) if z != 0.0 else 0.28 * 5.0
        a_h = 0.128 * math.exp((17.0 - u) / 18.0)
        b_h = 4.0 / (1.0 + math.exp((40.0 - u) / 5.0))
        z = (15.0 - u) / 5.0
        a_n = 0.032 * 5.0 * z / math.expm1(z) if z != 0.0 else 0.032 * 5.0
        b_n = 0.5 * math.exp((10.0 - u) / 40.0)
        i_ion = g_na * m * m * m * h * (v - E_na) + g_k * n * n * n * n * (v - E_k)
        dv = (g_l * (E_l - v) - i_ion + I) / C_m
        dm = a_m * (1.0 - m) - b_m * m
        dh = a_h * (1.0 - h) - b_h * h
        dn = a_n * (1.0 - n) - b_n * n
        return dv, dm, dh, dn
