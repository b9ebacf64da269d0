"""neurosim: simulate biological neural networks and compare them with artificial ones.

The public API is re-exported here. ``import neurosim`` imports neither
matplotlib nor ``numba.cuda``; plotting lives in :mod:`neurosim.plotting` and
GPU kernels are compiled only when ``backend="cuda"`` is asked for.
"""

from __future__ import annotations

import logging

from . import ann, exceptions
from .exceptions import (
    BackendUnavailable,
    NeurosimError,
    ShapeError,
    SimulationError,
    UnstableStepError,
    ValidationError,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BackendUnavailable",
    "NeurosimError",
    "ShapeError",
    "SimulationError",
    "UnstableStepError",
    "ValidationError",
    "ann",
    "exceptions",
]
