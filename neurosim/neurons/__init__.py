"""Neuron model descriptions: parameters, analytic rate curves, gain/bias maps.

Descriptions hold parameters only, never state; simulators build the state.
"""

from .base import NeuronType
from .hh import HodgkinHuxley
from .lif import LIF, LIFRate
from .lif_neuron import LIFNeuron
from .sources import PoissonSource, SpikeSource

__all__ = [
    "LIF",
    "HodgkinHuxley",
    "LIFRate",
    "NeuronType",
    "LIFNeuron",
    "PoissonSource",
    "SpikeSource",
]
