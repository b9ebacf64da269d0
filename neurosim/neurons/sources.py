"""Spike sources for networks: Poisson processes and given spike times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import as_float_array
from ..exceptions import ValidationError
from .base import NeuronType


class PoissonSource(NeuronType):
    """Independent Poisson spike trains (one per neuron of the group).

    Parameters
    ----------
    rate : float or (n_neurons,) array
        Firing rate in Hz (>= 0), the same for all neurons or one per neuron.

    Notes
    -----
    Each step every neuron spikes with probability ``rate * dt`` (which must
    be <= 1), drawn from its own counter-based generator (splitmix64) seeded
    from the network's seed, so runs are reproducible and do not depend on how
    neurons are split over threads or GPU blocks.
    """

    def __init__(self, rate: Any) -> None:
        rate = as_float_array("PoissonSource.rate", rate, ndim=(0, 1))
        if np.any(rate < 0):
            raise ValidationError(
                f"PoissonSource.rate: must be >= 0 Hz (got min {rate.min():g})"
            )
        self.rate = rate

    def rates(self, J: Any = None) -> np.ndarray:
        """The configured rates in Hz (the input is ignored).

        Parameters
        ----------
        J : array_like, optional
            Ignored: the rates do not depend on an input.

        Returns
        -------
        numpy.ndarray
            The configured rates in Hz.
        """
        return np.array(self.rate, dtype=float)

    def _params(self) -> dict[str, Any]:
        return {"rate": self.rate.tolist()}


class SpikeSource(NeuronType):
    """Neurons that spike at given times.

    Parameters
    ----------
    spike_times : sequence of 1-D arrays
        One array of spike times (seconds, >= 0) per neuron. A spike at time
        ``t`` is emitted in the step that ends at ``t`` (rounded to the time
        grid), so it reaches the synapses at ``t``.
    """

    def __init__(self, spike_times: Sequence[Any]) -> None:
        if isinstance(spike_times, str) or not hasattr(spike_times, "__iter__"):
            raise TypeError(
                "SpikeSource.spike_times: expected a sequence of 1-D arrays "
                f"(got {type(spike_times).__name__})"
            )
        trains = [
            as_float_array(f"SpikeSource.spike_times[{i}]", s, ndim=(0, 1)).ravel()
            for i, s in enumerate(spike_times)
        ]
        for i, s in enumerate(trains):
            if s.size and s.min() < 0:
                raise ValidationError(
                    f"SpikeSource.spike_times[{i}]: times must be >= 0 s"
                )
        self.spike_times = trains

    def rates(self, J: Any = None) -> np.ndarray:
        """Not defined: given spike times have no rate curve.

        A rate of given spike times depends on the time window it is counted
        over, which the source does not know; estimate it with
        :func:`neurosim.estimate_rates` (``ns.estimate_rates(source.spike_times,
        t_stop=T)``).

        Parameters
        ----------
        J : array_like, optional
            Ignored.

        Raises
        ------
        TypeError
            Always, saying how to estimate the rates instead.
        """
        raise TypeError(
            "SpikeSource.rates: given spike times have no rate curve (a rate "
            "depends on the window it is counted over); use "
            "ns.estimate_rates(source.spike_times, t_stop=...) instead"
        )

    def _params(self) -> dict[str, Any]:
        return {"spike_times": [s.tolist() for s in self.spike_times]}
