"""Biologically plausible learning rules, and how close they come to backprop.

Layered learners (:class:`PredictiveCoding`, :class:`FeedbackAlignment`) train
the same ``ann.MLP`` a backprop baseline would, with ``ann`` optimisers, so
:func:`compare` measures rule against rule on equal terms. Synaptic rules
(:class:`Hebbian`, :class:`Oja`, :class:`STDP`, :class:`PES`) update weight or
decoder arrays from pre- and postsynaptic activity; :class:`Perceptron` is
Rosenblatt's error-correcting rule.
"""

from __future__ import annotations

from ._network import backprop_grads, cosine
from .compare import Comparison, compare
from .diehl_cook import DiehlCook
from .eprop import EProp
from .feedback_alignment import FeedbackAlignment
from .hebbian import Hebbian, Oja
from .perceptron import Perceptron
from .pes import PES
from .predictive_coding import PredictiveCoding
from .rule import PlasticityRule
from .short_term import TsodyksMarkram
from .stdp import STDP

__all__ = [
    "Comparison",
    "DiehlCook",
    "PES",
    "EProp",
    "Perceptron",
    "PlasticityRule",
    "STDP",
    "TsodyksMarkram",
    "FeedbackAlignment",
    "Hebbian",
    "Oja",
    "PredictiveCoding",
    "backprop_grads",
    "compare",
    "cosine",
]
