"""neurosim: simulate biological neural networks and compare them with artificial ones.

The public API is re-exported here. ``import neurosim`` imports neither
matplotlib nor ``numba.cuda``; plotting lives in :mod:`neurosim.plotting` and
GPU kernels are compiled only when ``backend="cuda"`` is asked for.
``neurosim.plotting`` is imported on first use of ``ns.plotting``.
"""

import importlib as _importlib
import logging as _logging
from types import ModuleType as _ModuleType

from . import ann, exceptions, io, learning, nef, sweeps
from .energy import (
    RBM,
    ContinuousHopfield,
    Hopfield,
    ModernHopfield,
    hopfield_capacity,
)
from .exceptions import (
    BackendUnavailable,
    FileFormatError,
    NeurosimError,
    ShapeError,
    SimulationError,
    UnstableStepError,
    ValidationError,
)
from .io import load, save
from .nef import (
    BuiltPopulation,
    Decoder,
    Lstsq,
    LstsqL2,
    Model,
    Nnls,
    Population,
    dists,
    solvers,
)
from .neurons import (
    LIF,
    AdaptiveLIF,
    AdaptiveThresholdLIF,
    AdEx,
    ExpIF,
    HodgkinHuxley,
    Izhikevich,
    LIFNeuron,
    LIFRate,
    NeuronModel,
    NeuronType,
    PoissonSource,
    SpikeSource,
)
from .psp import psp_peak, psp_weight
from .sim import (
    Connection,
    Factored,
    GroupView,
    Network,
    NeuronGroup,
    OneToOne,
    Random,
    ReadoutMonitor,
    Simulator,
    SpikeMonitor,
    StateMonitor,
    WeightMonitor,
)
from .sim.neurons import Recording, firing_rates, neuron_rates, simulate_neurons
from .spikes import (
    array_to_spike_times,
    estimate_rates,
    filtered_spike_train,
    poisson_spikes,
    regular_spikes,
    spikes_to_array,
)
from .sweeps import sweep
from .synapses import PSC, Alpha, DoubleExp, LinearFilter, Lowpass, Synapse

__version__ = "0.1.0"

_logging.getLogger(__name__).addHandler(_logging.NullHandler())


def __getattr__(name: str) -> _ModuleType:
    """Import :mod:`neurosim.plotting` on first use (matplotlib stays unloaded)."""
    if name == "plotting":
        return _importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'neurosim' has no attribute {name!r}")


__all__ = [
    # modules
    "ann",
    "dists",
    "exceptions",
    "io",
    "learning",
    "nef",
    "plotting",
    "solvers",
    "sweeps",
    # errors
    "BackendUnavailable",
    "FileFormatError",
    "NeurosimError",
    "ShapeError",
    "SimulationError",
    "UnstableStepError",
    "ValidationError",
    # neurons
    "HodgkinHuxley",
    "AdEx",
    "AdaptiveLIF",
    "AdaptiveThresholdLIF",
    "ExpIF",
    "Izhikevich",
    "LIF",
    "LIFNeuron",
    "LIFRate",
    "NeuronModel",
    "NeuronType",
    "PoissonSource",
    "SpikeSource",
    "Recording",
    "firing_rates",
    "neuron_rates",
    "simulate_neurons",
    # synapses and spike trains
    "Alpha",
    "DoubleExp",
    "LinearFilter",
    "Lowpass",
    "PSC",
    "Synapse",
    "array_to_spike_times",
    "estimate_rates",
    "filtered_spike_train",
    "poisson_spikes",
    "regular_spikes",
    "spikes_to_array",
    "psp_peak",
    "psp_weight",
    # networks
    "Connection",
    "Factored",
    "GroupView",
    "Network",
    "NeuronGroup",
    "OneToOne",
    "Random",
    "ReadoutMonitor",
    "Simulator",
    "SpikeMonitor",
    "StateMonitor",
    "WeightMonitor",
    # population coding (NEF)
    "BuiltPopulation",
    "Decoder",
    "Lstsq",
    "LstsqL2",
    "Model",
    "Nnls",
    "Population",
    # energy-based networks
    "ContinuousHopfield",
    "Hopfield",
    "ModernHopfield",
    "RBM",
    "hopfield_capacity",
    # saving fitted models
    "load",
    "save",
    # parameter sweeps
    "sweep",
]
