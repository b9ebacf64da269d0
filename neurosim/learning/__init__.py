"""Biologically plausible learning rules, and how close they come to backprop.

Layered learners (:class:`PredictiveCoding`, :class:`FeedbackAlignment`) train
the same ``ann.MLP`` a backprop baseline would, with ``ann`` optimisers, so
:func:`compare` measures rule against rule on equal terms. Synaptic rules
(:class:`Hebbian`, :class:`Oja`, :class:`STDP`, :class:`PES`) update weight or
decoder arrays from pre- and postsynaptic activity.
"""

from __future__ import annotations

from ._network import backprop_grads, cosine
from .compare import Comparison, compare
from .feedback_alignment import FeedbackAlignment
from .predictive_coding import PredictiveCoding

__all__ = [
    "Comparison",
    "FeedbackAlignment",
    "PredictiveCoding",
    "backprop_grads",
    "compare",
    "cosine",
]
