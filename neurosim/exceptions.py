"""Exceptions raised by neurosim.

All validation errors derive from the built-in exception a user would expect
(`ValueError` or `TypeError`), so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class NeurosimError(Exception):
    """Base class of every neurosim-specific exception."""


class ValidationError(NeurosimError, ValueError):
    """An argument or attribute has an invalid value.

    The message names the argument (``Class.attr`` where there is a class) and what
    was expected, e.g. ``LIF.tau_ref: must be >= 0 (got -0.001)``.
    """


class ShapeError(ValidationError):
    """An array has the wrong shape; the message gives both shapes."""


class UnstableStepError(ValidationError):
    """The step size makes the chosen integration method unstable."""


class BackendUnavailable(NeurosimError, RuntimeError):
    """The requested backend (e.g. ``"cuda"``) cannot run on this machine."""


class SimulationError(NeurosimError, RuntimeError):
    """A simulation produced non-finite values or otherwise failed at run time."""


class FileFormatError(NeurosimError, ValueError):
    """A file is missing, truncated, damaged, foreign or of a newer format.

    The message names the file and what is wrong with it.
    """
