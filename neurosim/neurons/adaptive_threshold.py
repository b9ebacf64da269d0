"""LIF with an adaptive threshold (Diehl & Cook 2015's excitatory neurons)."""

from __future__ import annotations

import math
from typing import ClassVar

from .model import NeuronModel


class AdaptiveThresholdLIF(NeuronModel):
    r"""LIF whose threshold rises with every spike and relaxes slowly (dimensionless).

    .. math::

        \tau_{rc} \frac{dv}{dt} = J - v, \qquad
        \tau_\theta \frac{d\theta}{dt} = -\theta

    A spike when :math:`v > 1 + \theta`: :math:`v \leftarrow 0`,
    :math:`\theta \leftarrow \theta + \Delta\theta`, and :math:`v` is held
    for ``tau_ref``. The third state variable :math:`u = v - \theta` is the
    one the threshold tests (:math:`u > 1`); it is recomputed every step.
    The step is exact for the input held over it (exponential decay of both
    equations). With ``inc_theta = 0`` it is the :class:`~neurosim.LIF`.

    Diehl & Cook (2015) give every excitatory neuron of their STDP network
    this homeostasis (their :math:`\theta`, +0.05 mV per spike over a 13 mV
    gap between rest and threshold, :math:`\tau_\theta = 10^7` ms), so that
    no neuron wins every input; :class:`neurosim.learning.DiehlCook` uses it.

    Parameters
    ----------
    tau_rc, tau_ref, tau_theta : float or (n,) array
        Membrane time constant, refractory period and threshold decay time
        constant, in seconds. Defaults 0.1, 0.005, 1e4 (Diehl & Cook's
        excitatory values).
    inc_theta : float or (n,) array
        Threshold increase per spike (dimensionless, in units of the
        rest-to-threshold gap). Default 0.004 (0.05 mV / 13 mV).

    References
    ----------
    Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition
    using spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99,
    doi:10.3389/fncom.2015.00099.
    """

    state: ClassVar[dict[str, float]] = {"v": 0.0, "theta": 0.0, "u": 0.0}
    params: ClassVar[dict[str, float]] = {
        "tau_rc": 0.1,
        "tau_ref": 0.005,
        "tau_theta": 1e4,
        "inc_theta": 0.004,
    }
    inputs = ("J",)
    units: ClassVar[dict[str, str]] = {
        "v": "1 (rest 0, threshold 1 + theta)",
        "theta": "1",
        "u": "1 (v - theta)",
        "J": "1",
    }
    threshold = ("u", 1.0)
    refractory = "tau_ref"
    refractory_hold = ("v", "u")

    @staticmethod
    def update(v, theta, J, tau_rc, tau_theta, dt):
        """One exact step for the held input.

        Parameters
        ----------
        v, theta : float
            Voltage and threshold offset (dimensionless).
        J : float
            Input held over the step (dimensionless).
        tau_rc, tau_theta : float
            Time constants, s.
        dt : float
            Step, s.

        Returns
        -------
        v, theta, u : float
            The state at the end of the step.
        """
        v_new = J + (v - J) * math.exp(-dt / tau_rc)
        theta_new = theta * math.exp(-dt / tau_theta)
        return v_new, theta_new, v_new - theta_new

    @staticmethod
    def reset(theta, inc_theta):
        """After a spike: ``v <- 0``, ``theta <- theta + inc_theta``.

        Parameters
        ----------
        theta : float
            Threshold offset at the spike.
        inc_theta : float
            Its increase.

        Returns
        -------
        v, theta, u : float
            State after the reset.
        """
        return 0.0, theta + inc_theta, -(theta + inc_theta)
