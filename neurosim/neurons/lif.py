"""Leaky integrate-and-fire neurons (dimensionless), rate and spiking versions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    as_float_array,
    check_nonnegative,
    check_number,
    check_positive,
)
from ..exceptions import ShapeError, ValidationError
from .base import NeuronType


class LIFRate(NeuronType):
    r"""Rate version of the leaky integrate-and-fire neuron (dimensionless).

    The membrane follows ``tau_rc dv/dt = J - v`` with threshold 1 and reset 0,
    followed by a refractory period ``tau_ref``. For constant ``J`` the firing rate
    is, in Hz,

    .. math:: r(J) = \frac{1}{\tau_{ref} + \tau_{rc} \log(1 + 1/(J - 1))}
              \quad (J > 1), \qquad r(J) = 0 \quad (J \le 1).

    Parameters
    ----------
    tau_rc : float
        Membrane RC time constant, in seconds (> 0). Default 0.02.
    tau_ref : float
        Absolute refractory period, in seconds (>= 0). Default 0.002.

    Notes
    -----
    Currents and voltages are dimensionless (threshold 1); time is in seconds.
    A neuron driven by ``J = gain * x + bias`` has its *intercept* (the ``x`` at
    which it starts firing) where ``J = 1`` and its *max rate* at ``x = 1``.
    """

    spiking = False

    def __init__(self, tau_rc: float = 0.02, tau_ref: float = 0.002) -> None:
        self.tau_rc = check_positive(f"{type(self).__name__}.tau_rc", tau_rc)
        self.tau_ref = check_nonnegative(f"{type(self).__name__}.tau_ref", tau_ref)

    def rates(self, J: Any) -> np.ndarray:
        """Analytic firing rate in Hz for constant input current ``J`` (any shape).

        Parameters
        ----------
        J : array_like
            Dimensionless input current (threshold 1), any shape.

        Returns
        -------
        numpy.ndarray
            Firing rates in Hz, the shape of ``J``; 0 at or below threshold.
        """
        J = as_float_array("J", J)
        out = np.zeros_like(J)
        above = J > 1.0
        # log1p(1/(J-1)) is accurate both near threshold and for large J.
        out[above] = 1.0 / (
            self.tau_ref + self.tau_rc * np.log1p(1.0 / (J[above] - 1.0))
        )
        return out

    def current_for_rate(self, rate: Any) -> np.ndarray:
        """The input current that fires at ``rate`` Hz (inverse of :meth:`rates`).

        ``J = 1 + 1 / expm1((1/rate - tau_ref) / tau_rc)``, for
        ``0 < rate < 1/tau_ref``.

        Parameters
        ----------
        rate : array_like
            Firing rates in Hz, each in ``(0, 1/tau_ref)``.

        Returns
        -------
        numpy.ndarray
            The dimensionless input currents, the shape of ``rate``.
        """
        rate = as_float_array("rate", rate)
        if np.any(rate <= 0):
            raise ValidationError("rate: must be > 0 Hz")
        if self.tau_ref > 0 and np.any(rate >= 1.0 / self.tau_ref):
            raise ValidationError(
                f"rate: must be < 1/tau_ref = {1.0 / self.tau_ref:g} Hz "
                f"(got max {rate.max():g} Hz)"
            )
        return 1.0 + 1.0 / np.expm1((1.0 / rate - self.tau_ref) / self.tau_rc)

    def gain_bias(
        self, max_rates: Any, intercepts: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gain and bias that give each neuron its max rate (at x = 1) and intercept.

        Solves ``gain * intercept + bias = 1`` and ``r(gain + bias) = max_rate``
        exactly through :meth:`current_for_rate`.

        Parameters
        ----------
        max_rates : (n_neurons,) array
            Firing rates at ``x = 1``, in Hz; each in ``(0, 1/tau_ref)``.
        intercepts : (n_neurons,) array
            Values of ``x`` where firing starts; each ``< 1``.

        Returns
        -------
        gain, bias : (n_neurons,) arrays
        """
        max_rates = as_float_array("max_rates", max_rates, ndim=(0, 1))
        intercepts = as_float_array("intercepts", intercepts, ndim=(0, 1))
        if (
            max_rates.shape != intercepts.shape
            and max_rates.size != 1
            and intercepts.size != 1
        ):
            raise ValidationError(
                f"max_rates and intercepts: shapes differ ({max_rates.shape} vs "
                f"{intercepts.shape})"
            )
        if np.any(intercepts >= 1.0):
            raise ValidationError(
                f"intercepts: must be < 1 (got max {intercepts.max():g}); a neuron "
                "whose intercept is 1 never fires for |x| <= 1"
            )
        j_max = self.current_for_rate(max_rates)
        gain = (j_max - 1.0) / (1.0 - intercepts)
        bias = 1.0 - gain * intercepts
        return np.broadcast_arrays(gain, bias)  # type: ignore[return-value]

    def max_rates_intercepts(
        self, gain: Any, bias: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`gain_bias`: max rates (Hz, at x = 1) and intercepts.

        Parameters
        ----------
        gain : (n_neurons,) array_like
            Gains (non-zero).
        bias : (n_neurons,) array_like
            Biases.

        Returns
        -------
        max_rates, intercepts : numpy.ndarray
            Rates at ``x = 1`` in Hz, and the represented values where firing
            starts.
        """
        gain = as_float_array("gain", gain, ndim=(0, 1))
        bias = as_float_array("bias", bias, ndim=(0, 1))
        if gain.shape != bias.shape and gain.ndim and bias.ndim:
            raise ShapeError(
                f"gain and bias: shapes {gain.shape} and {bias.shape} differ"
            )
        if np.any(gain == 0):
            raise ValidationError("gain: must be non-zero")
        intercepts = (1.0 - bias) / gain
        max_rates = self.rates(gain + bias)
        return max_rates, intercepts


class LIF(LIFRate):
    """Spiking leaky integrate-and-fire neuron (dimensionless), exact spike timing.

    Same parameters and analytic rate curve as :class:`LIFRate`. Simulated with
    the exact exponential integrator of :func:`neurosim.kernels.lif.lif_step`:
    the spike time is located inside the step, the refractory period starts
    from it, and a neuron leaving refractoriness mid-step integrates only the
    rest of the step, so the simulated rate does not depend on ``dt``.

    Parameters
    ----------
    tau_rc : float
        Membrane RC time constant, in seconds (> 0). Default 0.02.
    tau_ref : float
        Absolute refractory period, in seconds (>= 0). Default 0.002.
    min_voltage : float or None
        Lower bound of the voltage, applied after each step (``v <- max(v,
        min_voltage)``; must be < 1, the threshold). ``None`` (default): no
        bound in a :class:`~neurosim.Network`, whose results it leaves
        unchanged; a spiking :class:`~neurosim.Model` uses ``0`` for ``None``
        (Nengo's ``LIF(min_voltage=0)``: a neuron driven below zero does not
        build up a deep negative voltage, so it responds promptly when its
        input returns). The analytic rates do not depend on it;
        :func:`~neurosim.simulate_neurons` rejects a bound.

    Examples
    --------
    >>> import neurosim as ns
    >>> lif = ns.LIF(tau_rc=0.02, tau_ref=0.002)
    >>> round(float(lif.rates(2.0)), 3)
    63.04
    """

    spiking = True

    def __init__(
        self,
        tau_rc: float = 0.02,
        tau_ref: float = 0.002,
        min_voltage: float | None = None,
    ) -> None:
        super().__init__(tau_rc, tau_ref)
        if min_voltage is not None:
            min_voltage = check_number(
                "LIF.min_voltage", min_voltage, high=1.0, high_open=True
            )
        self.min_voltage = min_voltage
