"""Monitors: what a network run records, in bounded memory.

The simulator fills them during :meth:`~neurosim.Simulator.run`. Each
simulator records into its own store: a monitor object shows what the
simulator built last from its network records, and ``sim.data[monitor]``
shows what a given simulator recorded (two simulators of one network keep
separate records).
Every sample of step ``k`` (time ``t_k = k dt`` to ``t_k + dt``) is taken at
the end of that step, ``t = (k + 1) dt``; a spike emitted during step ``k``
has the time ``(k + 1) dt`` (the time its synapses receive it).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .._validation import as_float_array, check_choice, check_count, check_number
from ..exceptions import ShapeError, ValidationError
from ..neurons.model import NeuronModel

#: How a connection or readout discretises its synapse in time:
#: ``"exact"`` (spikes as impulses, LIF input integrated exactly over the
#: step) or ``"zoh"`` (spikes as ``1/dt`` pulses held over their step, the
#: synapse's zero-order-hold discretisation, output held over the next step:
#: Nengo's convention, unit DC gain).
DISCRETIZATIONS = ("exact", "zoh")


class _Record:
    """What one simulator recorded for one monitor.

    ``values`` and ``steps`` are lists of the chunks appended so far (raw
    internal values for sampled monitors; ``to_model`` converts them).
    """

    def __init__(self, dt: float | None = None, to_model: Any = None) -> None:
        self.dt = dt
        self.to_model = to_model
        self.values: list[np.ndarray] = []
        self.steps: list[np.ndarray] = []

    def compact(self) -> None:
        if len(self.values) > 1:
            self.values = [np.concatenate(self.values, axis=0)]
            self.steps = [np.concatenate(self.steps)]


class _Monitor:
    """Common parts: the monitored target and the recording step."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self._rec = _Record()

    @property
    def dt(self) -> float | None:
        """The time step of the simulator recording (None before one is built)."""
        return self._rec.dt

    def _reset(self, dt: float | None, to_model: Any = None) -> None:
        """Start an empty record (a simulator is being built)."""
        self._rec = _Record(dt, to_model)

    def _bound(self) -> _Monitor:
        """A copy that keeps writing to the current record (one per simulator)."""
        return copy.copy(self)

    def _append(self, values: np.ndarray, steps: np.ndarray) -> None:
        self._rec.values.append(values)
        self._rec.steps.append(steps)

    def _require_run(self) -> float:
        if self.dt is None:
            raise ValidationError(
                f"{type(self).__name__}: no data yet (build a Simulator and run it)"
            )
        return self.dt


class SpikeMonitor(_Monitor):
    """Spike events of a group: int32 neuron index and int64 step per spike.

    Usually made by :meth:`Network.monitor_spikes`. Memory grows with the
    number of spikes (8 bytes each), not with the number of steps.

    Parameters
    ----------
    target : NeuronGroup or GroupView
        The group (or slice of a group) whose spikes are recorded; neuron
        indices are relative to it.

    Attributes
    ----------
    indices : (n_spikes,) int32 ndarray
        Neuron index within the monitored group or view, in time order.
    steps : (n_spikes,) int64 ndarray
        Step in which each spike was emitted.
    times : (n_spikes,) float64 ndarray
        ``(steps + 1) * dt``, in seconds.
    count : (n,) int64 ndarray
        Spikes per neuron.
    """

    @property
    def indices(self) -> np.ndarray:
        """Neuron indices (int32, within the target)."""
        self._require_run()
        self._rec.compact()
        return self._rec.values[0] if self._rec.values else np.zeros(0, np.int32)

    @property
    def steps(self) -> np.ndarray:
        """Steps of the spikes (int64)."""
        self._require_run()
        self._rec.compact()
        return self._rec.steps[0] if self._rec.steps else np.zeros(0, np.int64)

    @property
    def times(self) -> np.ndarray:
        """Spike times in seconds, ``(steps + 1) * dt``."""
        dt = self._require_run()
        return (self.steps.astype(np.float64) + 1.0) * dt

    @property
    def count(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.indices, minlength=self.target.n)

    def spike_trains(self) -> list[np.ndarray]:
        """Spike times of each neuron, one sorted array per neuron.

        Returns
        -------
        list of (n_spikes_i,) float64 ndarray
            ``target.n`` arrays; array ``i`` holds the spike times of neuron
            ``i`` in seconds, in increasing order (empty if it never spiked).
        """
        idx = self.indices
        order = np.argsort(idx, kind="stable")
        bounds = np.cumsum(np.bincount(idx, minlength=self.target.n))[:-1]
        return np.split(self.times[order], bounds)

    def rate(self, duration: float) -> float:
        """Mean firing rate over the group, in Hz.

        :math:`\\bar r = N_\\mathrm{spikes} / (n \\, T)` for ``n`` neurons
        recorded over ``T = duration``.

        Parameters
        ----------
        duration : float
            Simulated time the monitor recorded, in seconds (> 0).

        Returns
        -------
        float
            Spikes per neuron per second, in Hz.

        Raises
        ------
        ValueError
            ``duration`` is not a positive number.
        """
        duration = check_number("duration", duration, low=0.0, low_open=True)
        return self.indices.size / (self.target.n * duration)


class _Sampled(_Monitor):
    """A monitor of samples taken every ``every`` steps."""

    @property
    def t(self) -> np.ndarray:
        """Sample times in seconds (end of each sampled step)."""
        dt = self._require_run()
        self._rec.compact()
        steps = self._rec.steps[0] if self._rec.steps else np.zeros(0)
        return (steps + 1.0) * dt

    def _data(self, width: int) -> np.ndarray:
        self._require_run()
        if not self._rec.values:
            return np.zeros((0, width))
        self._rec.compact()
        data = self._rec.values[0]
        to_model = self._rec.to_model
        return to_model(data) if to_model is not None else data


class StateMonitor(_Sampled):
    """A state variable of a few neurons, every ``every`` steps.

    Usually made by :meth:`Network.monitor_state`. Memory is
    ``8 * len(record)`` bytes per sample.

    Parameters
    ----------
    target : NeuronGroup or GroupView
        The group (or slice of a group) to record from.
    var : str
        The variable: ``"v"`` (membrane state in the model's unit) or ``"J"``
        (the total input of the step) for the built-in models; for a
        :class:`~neurosim.NeuronModel`, any of its state variables or ``"J"``.
    record : sequence of int or True
        Indices (within ``target``) of the neurons to record, or ``True`` for
        all of them. Required (as in Brian2): recording every neuron of a
        large group by accident would fill the memory.
    every : int
        Record one sample every ``every`` steps (>= 1), at the end of the
        step.

    Raises
    ------
    ValueError
        ``var`` is not a variable of the model, ``record`` is missing, not
        integers or out of range, or ``every < 1``.

    Attributes
    ----------
    t : (n_samples,) ndarray
        Sample times in seconds.
    <var> : (n_samples, n_record) ndarray
        The recorded values (time-major) in the model's unit, e.g. ``mon.v``.
    """

    VARS = ("v", "J")

    def __init__(self, target: Any, var: str, record: Any, every: int) -> None:
        super().__init__(target)
        model = target.model
        allowed = (
            (*type(model).state, "J") if isinstance(model, NeuronModel) else self.VARS
        )
        if var not in allowed:
            raise ValidationError(
                f"var: {type(model).__name__} records one of "
                f"{', '.join(map(repr, allowed))} (got {var!r})"
            )
        if record is True:
            record = np.arange(target.n)
        elif record is None or record is False:
            raise ValidationError(
                "record: required; give the indices to record (or True for all)"
            )
        rec = np.atleast_1d(np.asarray(record))
        if rec.ndim != 1 or not np.issubdtype(rec.dtype, np.integer):
            raise ValidationError(
                f"record: expected a 1-D list of integer indices (got {record!r})"
            )
        if rec.size and (rec.min() < 0 or rec.max() >= target.n):
            raise ValidationError(
                f"record: indices must be in [0, {target.n}) (got {rec.tolist()})"
            )
        self.var = var
        self.record = rec.astype(np.int64)
        self.every = check_count("every", every, low=1)

    @property
    def values(self) -> np.ndarray:
        """``(n_samples, n_record)`` recorded values in the model's unit."""
        return self._data(self.record.size)

    def __getattr__(self, name: str) -> np.ndarray:
        if name != "var" and name == self.__dict__.get("var"):
            return self.values
        raise AttributeError(name)


class WeightMonitor(_Sampled):
    """Weights of a plastic connection, every ``every`` steps.

    Made by :meth:`~neurosim.Network.monitor_weights`. Each sample of step
    ``k`` is taken at its end, after that step's plasticity update.

    Parameters
    ----------
    target : Connection
        The plastic connection.
    record : array_like of int or True
        Synapse indices (see ``record`` below); ``True`` for all.
    every : int
        Record every ``every`` steps.

    Attributes
    ----------
    t : (n_samples,) ndarray
        Sample times in seconds.
    record : (n_record,) int64 ndarray
        The recorded synapses: flat indices ``j * n_post + i`` into the dense
        ``(n_pre, n_post)`` weights, or positions in the CSR data
        (:meth:`~neurosim.Simulator.weights` gives the matrix in that order).
    values : (n_samples, n_record) ndarray
        The recorded weights (the units of the connection's weights).
    """

    def __init__(self, target: Any, record: Any, every: int) -> None:
        super().__init__(target)
        n = getattr(target, "n_synapses", None)
        if record is True:
            if n is None:
                raise ValidationError(
                    "record: True needs a connection with a known number of "
                    "synapses; give synapse indices for ns.Random weights"
                )
            record = np.arange(n)
        rec = np.atleast_1d(np.asarray(record))
        if rec.ndim != 1 or not np.issubdtype(rec.dtype, np.integer):
            raise ValidationError(
                f"record: expected a 1-D list of integer indices or True (got "
                f"{record!r})"
            )
        if rec.size and (rec.min() < 0 or (n is not None and rec.max() >= n)):
            raise ValidationError(
                f"record: synapse indices must be in [0, {n}) (got {rec.tolist()})"
            )
        self.record = rec.astype(np.int64)
        self.every = check_number("every", every, low=1, integer=True)

    @property
    def values(self) -> np.ndarray:
        """``(n_samples, n_record)`` recorded weights."""
        return self._data(self.record.size)


class ReadoutMonitor(_Sampled):
    """``synapse(spikes) @ decoders``, computed inside the simulation loop.

    Each spike of neuron ``j`` is an impulse of area 1 (so the filtered spike
    trains are in Hz) and contributes ``decoders[j] h(t - t_spike)``. Memory is
    ``d`` floats per sample, whatever the number of neurons. With
    ``discretization="zoh"`` the spike is a pulse of height ``1/dt`` over its
    step instead and the synapse is discretised by zero-order hold (see
    :meth:`Network.monitor_readout`).

    Parameters
    ----------
    target : NeuronGroup or GroupView
        The spiking neurons to decode.
    decoders : (target.n, d) array_like
        Decoding weights, one row per neuron.
    synapse : LinearFilter
        Filter applied to the spike trains (e.g. ``Lowpass(0.005)``).
    every : int
        Keep one sample every ``every`` steps (>= 1).
    discretization : {"exact", "zoh"}
        How the synapse is discretised in time (see :data:`DISCRETIZATIONS`).

    Raises
    ------
    ValueError
        ``decoders`` is not ``(target.n, d)``, ``every < 1`` or an unknown
        ``discretization``.

    Attributes
    ----------
    t : (n_samples,) ndarray
        Sample times in seconds.
    data : (n_samples, d) ndarray
        Decoded values.
    """

    def __init__(
        self,
        target: Any,
        decoders: np.ndarray,
        synapse: Any,
        every: int,
        discretization: str = "exact",
    ) -> None:
        super().__init__(target)
        self.decoders = as_float_array("decoders", decoders, ndim=2)
        if self.decoders.shape[0] != target.n:
            raise ShapeError(
                f"decoders: expected ({target.n}, d) (got {self.decoders.shape})"
            )
        self.synapse = synapse
        self.every = check_count("every", every, low=1)
        self.discretization = check_choice(
            "discretization", discretization, DISCRETIZATIONS
        )

    @property
    def data(self) -> np.ndarray:
        """``(n_samples, d)`` decoded values."""
        return self._data(self.decoders.shape[1])
