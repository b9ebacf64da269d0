"""Adaptive leaky integrate-and-fire neuron, written through :class:`NeuronModel`."""

from __future__ import annotations

from typing import ClassVar

from .model import NeuronModel


class AdaptiveLIF(NeuronModel):
    r"""LIF with a spike-triggered adaptation current (dimensionless, seconds).

    .. math::

        \tau_{rc} \frac{dv}{dt} = J - n - v, \qquad
        \tau_n \frac{dn}{dt} = -n

    A spike when ``v > 1``: ``v <- 0``, ``n <- n + inc_n``, and ``v`` is held
    for ``tau_ref``. Both equations are linear in their own variable, so the
    default integrator is exponential Euler (Brian2's scheme; exact for the
    held input when ``n`` is constant). The whole system is linear
    (``linear = True``): ``method="exact"`` integrates it with exact
    propagators, at any ``dt``. With ``inc_n = 0`` it is the
    :class:`~neurosim.LIF`. Nengo's ``AdaptiveLIF`` is the same model.

    Parameters
    ----------
    tau_rc, tau_ref, tau_n : float or (n,) array
        Membrane and adaptation time constants and refractory period (s).
        Defaults 0.02, 0.002, 1.0.
    inc_n : float or (n,) array
        Adaptation jump per spike (dimensionless). Default 0.01.

    References
    ----------
    Koch, C. (1999). Biophysics of Computation, ch. 16 (spike-frequency
    adaptation); nengo ``AdaptiveLIF``.
    """

    state: ClassVar[dict[str, float]] = {"v": 0.0, "n": 0.0}
    params: ClassVar[dict[str, float]] = {
        "tau_rc": 0.02,
        "tau_ref": 0.002,
        "tau_n": 1.0,
        "inc_n": 0.01,
    }
    inputs = ("J",)
    units: ClassVar[dict[str, str]] = {"v": "1 (threshold 1)", "n": "1", "J": "1"}
    threshold = ("v", 1.0)
    refractory = "tau_ref"
    refractory_hold = ("v",)
    method = "exponential_euler"
    linear = True

    @staticmethod
    def derivatives(v, n, J, tau_rc, tau_n):
        """Right-hand side.

        Parameters
        ----------
        v, n : float
            Voltage and adaptation (dimensionless).
        J : float
            Input (dimensionless).
        tau_rc, tau_n : float
            Time constants, s.

        Returns
        -------
        dv, dn : float
            Derivatives, 1/s.
        """
        return (J - n - v) / tau_rc, -n / tau_n

    @staticmethod
    def reset(v, n, inc_n):
        """After a spike: ``v <- 0``, ``n <- n + inc_n``.

        Parameters
        ----------
        v, n : float
            State at the spike.
        inc_n : float
            Adaptation jump.

        Returns
        -------
        v, n : float
            State after the reset.
        """
        return 0.0, n + inc_n
