"""Simulators: turn model descriptions into arrays and run compiled kernels.

Networks: descriptions (:mod:`.network`), the simulator, monitors and backends.
"""

from .monitors import ReadoutMonitor, SpikeMonitor, StateMonitor, WeightMonitor
from .network import (
    Connection,
    Factored,
    GroupView,
    Network,
    NeuronGroup,
    OneToOne,
    Random,
)
from .simulator import Simulator

__all__ = [
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
]
