"""neurosim: simulate biological neural networks and compare them with artificial ones.

The public API is re-exported here. ``import neurosim`` imports neither
matplotlib nor ``numba.cuda``; plotting lives in :mod:`neurosim.plotting` and
GPU kernels are compiled only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import logging

from . import ann, exceptions
from .energy import (
    RBM,
    ContinuousHopfield,
    Hopfield,
    ModernHopfield,
    hopfield_capacity,
)
from .exceptions import (
    BackendUnavailable,
    NeurosimError,
    ShapeError,
    SimulationError,
    UnstableStepError,
    ValidationError,
)
from .neurons import LIF, HodgkinHuxley, LIFRate, NeuronType
from .sim.neurons import Recording, firing_rates, simulate_neurons
from .spikes import (
    array_to_spike_times,
    estimate_rates,
    filtered_spike_train,
    poisson_spikes,
    regular_spikes,
    spikes_to_array,
)
from .synapses import PSC, Alpha, DoubleExp, LinearFilter, Lowpass, Synapse

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "LIF",
    "BackendUnavailable",
    "LIFRate",
    "NeuronType",
    "NeurosimError",
    "ShapeError",
    "SimulationError",
    "UnstableStepError",
    "ValidationError",
    "ann",
    "exceptions",
    # synapses
    "Alpha",
    "DoubleExp",
    "LinearFilter",
    "Lowpass",
    "PSC",
    "Synapse",
    # spikes
    "array_to_spike_times",
    "estimate_rates",
    "filtered_spike_train",
    "poisson_spikes",
    "regular_spikes",
    "spikes_to_array",
    "HodgkinHuxley",
    "Recording",
    "firing_rates",
    "simulate_neurons",
    # energy-based networks
    "Hopfield",
    "ContinuousHopfield",
    "ModernHopfield",
    "RBM",
    "hopfield_capacity",
]
