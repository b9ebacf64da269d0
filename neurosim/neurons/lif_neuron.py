"""Leaky integrate-and-fire neuron in volts and seconds, for networks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_float_array, check_nonnegative, check_number
from ..exceptions import ValidationError
from .base import NeuronType
from .lif import LIFRate


class LIFNeuron(NeuronType):
    r"""Leaky integrate-and-fire neuron with a dimensioned membrane (volts).

    .. math:: \tau_m \frac{dv}{dt} = (v_{rest} - v) + I

    ``I`` is the input in volts (a current times the membrane resistance, as
    in Brian2's CUBA model ``dv/dt = (ge + gi - (v - El)) / taum``). When ``v``
    crosses ``v_th`` the neuron spikes, ``v`` is set to ``v_reset`` and held
    there for ``tau_ref``.

    Parameters
    ----------
    tau_m : float
        Membrane time constant, in seconds (> 0). Default 0.02.
    v_rest : float
        Resting (leak reversal) potential, in volts. Default -0.065.
    v_th : float
        Threshold, in volts. Default -0.050.
    v_reset : float
        Reset potential, in volts (< v_th). Default -0.065.
    tau_ref : float
        Absolute refractory period, in seconds (>= 0). Default 0.002.

    Notes
    -----
    The simulator runs the dimensionless :class:`~neurosim.LIF` kernel
    :func:`neurosim.kernels.lif.lif_step` on ``u = (v - v_reset) / (v_th -
    v_reset)``, an affine change of variable under which the model becomes
    ``tau_m du/dt = J - u`` with threshold 1, reset 0 and
    ``J = (v_rest - v_reset + I) / (v_th - v_reset)``. The two are the same
    model, so there is one source of the LIF arithmetic and the same exact
    integrator (exact spike time, partial refractory steps).
    """

    def __init__(
        self,
        tau_m: float = 0.02,
        v_rest: float = -0.065,
        v_th: float = -0.050,
        v_reset: float = -0.065,
        tau_ref: float = 0.002,
    ) -> None:
        cls = type(self).__name__
        self.tau_m = check_number(f"{cls}.tau_m", tau_m, low=0.0, low_open=True)
        self.v_rest = check_number(f"{cls}.v_rest", v_rest)
        self.v_th = check_number(f"{cls}.v_th", v_th)
        self.v_reset = check_number(f"{cls}.v_reset", v_reset)
        self.tau_ref = check_nonnegative(f"{cls}.tau_ref", tau_ref)
        if not self.v_reset < self.v_th:
            raise ValidationError(
                f"{cls}.v_reset: must be < v_th = {self.v_th:g} V (got {v_reset!r})"
            )

    @property
    def scale(self) -> float:
        """``v_th - v_reset`` in volts: one unit of the dimensionless voltage."""
        return self.v_th - self.v_reset

    def to_dimensionless(self, v: Any) -> np.ndarray:
        """``u = (v - v_reset) / (v_th - v_reset)``.

        Parameters
        ----------
        v : array_like
            Membrane potentials in volts.

        Returns
        -------
        numpy.ndarray
            The dimensionless voltages ``u``.
        """
        return (as_float_array("v", v) - self.v_reset) / self.scale

    def from_dimensionless(self, u: Any) -> np.ndarray:
        """``v = v_reset + u (v_th - v_reset)``.

        Parameters
        ----------
        u : array_like
            Dimensionless voltages (reset 0, threshold 1).

        Returns
        -------
        numpy.ndarray
            Membrane potentials in volts.
        """
        return self.v_reset + np.asarray(u, dtype=float) * self.scale

    def rates(self, I: Any) -> np.ndarray:  # noqa: N803 (I is the input, in volts)
        """Analytic firing rate in Hz for a constant input ``I`` in volts.

        Parameters
        ----------
        I : array_like
            Constant input in volts (current times membrane resistance), any shape.

        Returns
        -------
        numpy.ndarray
            Firing rates in Hz, the shape of ``I``.
        """
        J = (self.v_rest - self.v_reset + as_float_array("I", I)) / self.scale
        return LIFRate(self.tau_m, self.tau_ref).rates(J)
