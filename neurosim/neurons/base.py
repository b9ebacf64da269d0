"""Base class of neuron model descriptions."""

from __future__ import annotations

from typing import Any, ClassVar


class NeuronType:
    """A neuron model description: parameters and rate curves, no state.

    Descriptions never import the simulator. A model with a closed-form rate
    curve defines ``rates(J)`` (the firing rate in Hz for a constant input
    current) and, where the curve can be inverted, ``gain_bias`` and
    ``max_rates_intercepts``. A model without one leaves ``rates`` out and
    gives ``rate_options``, the settings (``dt``, ``t_end``, ``settle``,
    ``method``) with which :func:`neurosim.neuron_rates` simulates its rates.
    ``spiking`` tells whether a simulator emits spikes.
    """

    spiking: bool = True
    rate_options: ClassVar[dict[str, Any]] = {}

    def _params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._params() == other._params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self._params().items()))))
