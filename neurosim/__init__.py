"""neurosim: simulate biological neural networks and compare them with artificial ones.

The public API is re-exported here. ``import neurosim`` imports neither
matplotlib nor ``numba.cuda``; plotting lives in :mod:`neurosim.plotting` and
GPU kernels are compiled only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import logging

from . import dists, exceptions, solvers
from .decoding import Decoder
from .encoding import BuiltPopulation, Population
from .exceptions import (
    BackendUnavailable,
    NeurosimError,
    ShapeError,
    SimulationError,
    UnstableStepError,
    ValidationError,
)
from .neurons import LIF, LIFRate, NeuronType
from .solvers import Lstsq, LstsqL2, Nnls

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    # Population coding (NEF)
    "BuiltPopulation",
    "Decoder",
    "Lstsq",
    "LstsqL2",
    "Nnls",
    "Population",
    "dists",
    "solvers",
    "LIF",
    "BackendUnavailable",
    "LIFRate",
    "NeuronType",
    "NeurosimError",
    "ShapeError",
    "SimulationError",
    "UnstableStepError",
    "ValidationError",
    "exceptions",
]
