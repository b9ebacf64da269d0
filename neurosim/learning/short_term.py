"""Tsodyks-Markram short-term depression and facilitation, as a plasticity rule."""

from __future__ import annotations

import math

from .._validation import check_number
from .rule import PlasticityRule


class TsodyksMarkram(PlasticityRule):
    r"""Short-term plasticity of each synapse (Tsodyks, Pawelzik & Markram 1998).

    Each synapse has a utilisation :math:`u` and a fraction :math:`R` of
    available resources. The :math:`n`-th presynaptic spike (arriving
    :math:`\Delta t_n` after the previous one) transmits

    .. math:: w_n = A\, u_n R_n, \qquad
              u_n = u_{n-1} e^{-\Delta t_n/\tau_f}
                    + U \left(1 - u_{n-1} e^{-\Delta t_n/\tau_f}\right),

    .. math:: R_n = 1 - \left(1 - R_{n-1}(1 - u_{n-1})\right)
                    e^{-\Delta t_n/\tau_d},

    with :math:`u_1 = U`, :math:`R_1 = 1` and :math:`A` the connection's
    weight (the absolute synaptic efficacy). For a regular train of period
    :math:`T` this converges to :math:`u^* = U / (1 - (1 - U) e^{-T/\tau_f})`
    and :math:`R^* = (1 - e^{-T/\tau_d}) / (1 - (1 - u^*) e^{-T/\tau_d})`.
    ``tau_f = 0`` gives pure depression (:math:`u_n = U`).

    The rule is event-driven (updated only at arrivals, exactly) and written
    through :class:`~neurosim.learning.PlasticityRule` like any user rule: a
    spike carries the value its own ``on_pre`` computes (``transmit =
    "after"``), and ``w`` (:meth:`~neurosim.Simulator.weights`,
    :meth:`~neurosim.Network.monitor_weights`) holds the efficacy of each
    synapse's last spike (``A`` before the first).

    Parameters
    ----------
    U : float
        Utilisation increment, in (0, 1].
    tau_f : float
        Facilitation time constant, in seconds (0: none).
    tau_d : float
        Recovery (depression) time constant, in seconds.

    References
    ----------
    Tsodyks, Pawelzik & Markram (1998) Neural Comput 10:821,
    doi:10.1162/089976698300017502.
    Markram, Wang & Tsodyks (1998) PNAS 95:5323, doi:10.1073/pnas.95.9.5323.
    """

    synapse = {"A": "w", "u": 0.0, "R": 1.0, "t_last": -math.inf}
    params = {"U": 0.5, "tau_f": 0.0, "tau_d": 0.8}
    transmit = "after"
    units = {"tau_f": "s", "tau_d": "s", "t_last": "s"}

    @staticmethod
    def on_pre(A, u, R, t_last, t, U, tau_f, tau_d):
        """One presynaptic arrival (compiled into the network loop).

        Parameters
        ----------
        A, u, R, t_last : float
            The synapse's state: absolute efficacy (the initial weight),
            utilisation and resources after its last spike, and that spike's
            time (s).
        t : float
            The arrival time, in seconds.
        U, tau_f, tau_d : float
            The rule's parameters.

        Returns
        -------
        tuple of float
            ``(w, A, u, R, t_last)``: the efficacy this spike transmits and
            the new state.
        """
        gap = t - t_last
        decay_f = math.exp(-gap / tau_f) if tau_f > 0.0 else 0.0
        u = u * decay_f
        u = u + U * (1.0 - u)
        R = 1.0 - (1.0 - R) * math.exp(-gap / tau_d)
        w = A * u * R
        return w, A, u, R - u * R, t

    def __init__(self, U: float = 0.5, tau_f: float = 0.0, tau_d: float = 0.8) -> None:
        """Store the parameters (see the class docstring)."""
        self.U = check_number("TsodyksMarkram.U", U, low=0.0, low_open=True, high=1.0)
        self.tau_f = check_number("TsodyksMarkram.tau_f", tau_f, low=0.0)
        self.tau_d = check_number("TsodyksMarkram.tau_d", tau_d, low=0.0, low_open=True)
