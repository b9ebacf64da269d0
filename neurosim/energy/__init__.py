"""Energy-based networks: Hopfield nets (discrete, continuous, modern) and the RBM."""

from __future__ import annotations

from .hopfield import (
    CapacityResult,
    ContinuousHopfield,
    ContinuousTrajectory,
    Hopfield,
    HopfieldTrajectory,
    ModernHopfield,
    RecallInfo,
    hopfield_capacity,
)
from .rbm import RBM, bars_and_stripes, is_bars_and_stripes

__all__ = [
    "RBM",
    "CapacityResult",
    "ContinuousHopfield",
    "ContinuousTrajectory",
    "Hopfield",
    "HopfieldTrajectory",
    "ModernHopfield",
    "RecallInfo",
    "bars_and_stripes",
    "hopfield_capacity",
    "is_bars_and_stripes",
]
