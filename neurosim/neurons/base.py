"""Base class of neuron model descriptions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


class NeuronType(ABC):
    """A neuron model description: parameters and rate curves, no state.

    Subclasses define ``rates(J)`` (the firing rate in Hz for a constant input
    current) and, where the curve can be inverted, ``gain_bias`` and
    ``max_rates_intercepts``. ``spiking`` tells whether a simulator emits spikes.
    """

    spiking: bool = True

    @abstractmethod
    def rates(self, J: Any) -> np.ndarray:
        """Firing rate in Hz for constant input current ``J`` (any shape)."""

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._params() == other._params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self._params().items()))))
