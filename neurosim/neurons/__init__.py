"""Neuron model descriptions: parameters, analytic rate curves, gain/bias maps.

Descriptions hold parameters only, never state; simulators build the state.
"""

from .adaptive_lif import AdaptiveLIF
from .adaptive_threshold import AdaptiveThresholdLIF
from .adex import AdEx
from .base import NeuronType
from .exp_if import ExpIF
from .hh import HodgkinHuxley
from .izhikevich import Izhikevich
from .lif import LIF, LIFRate
from .lif_neuron import LIFNeuron
from .model import NeuronModel
from .sources import PoissonSource, SpikeSource

__all__ = [
    "AdEx",
    "AdaptiveLIF",
    "AdaptiveThresholdLIF",
    "ExpIF",
    "Izhikevich",
    "LIF",
    "HodgkinHuxley",
    "LIFRate",
    "NeuronModel",
    "NeuronType",
    "LIFNeuron",
    "PoissonSource",
    "SpikeSource",
]
