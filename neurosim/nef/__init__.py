"""Population coding: the Neural Engineering Framework's three principles.

- :mod:`~neurosim.nef.dists`: distributions for encoders, intercepts, rates.
- :mod:`~neurosim.nef.encoding`: :class:`Population` (representation,
  principle 1) and its drawn :class:`BuiltPopulation`.
- :mod:`~neurosim.nef.solvers` and :mod:`~neurosim.nef.decoding`: decoders
  (least squares with regularisation, non-negative) and the :class:`Decoder`
  estimator.
- :mod:`~neurosim.nef.model`: :class:`Model`, spiking transformations
  (principle 2) and dynamics (principle 3), run on :class:`neurosim.Network`.
"""

from __future__ import annotations

from . import dists, solvers
from .decoding import Decoder
from .encoding import BuiltPopulation, Population
from .model import Connection, Input, Model, Probe, Result
from .solvers import Lstsq, LstsqL2, Nnls, Solver

__all__ = [
    "BuiltPopulation",
    "Connection",
    "Decoder",
    "Input",
    "Lstsq",
    "LstsqL2",
    "Model",
    "Nnls",
    "Population",
    "Probe",
    "Result",
    "Solver",
    "dists",
    "solvers",
]
