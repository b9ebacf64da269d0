"""The network simulator: build once, run (and continue) in compiled code."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.sparse

from .._jit import resolve_backend, watch_compiles
from .._validation import as_float_array, check_dt, check_steps
from ..exceptions import ShapeError, SimulationError, ValidationError
from ..kernels import hh as _hh
from ..kernels import network as K
from ..neurons.sources import PoissonSource
from . import backends, checkpoint
from .network import Network, check_duration, evaluate_input

# wall time after which a run shows its progress bar, in seconds
_PROGRESS_AFTER_S = 2.0
# target wall time of one compiled call, in seconds: compiled code cannot be
# interrupted, so this bounds how late Ctrl-C takes effect
_CHUNK_WALL_S = 0.15
# steps of the first call of a simulator, and the most a chunk may grow from
# one call to the next while the speed is being learnt
_CHUNK_FIRST = 16
_CHUNK_GROWTH = 8
# a chunk's external input values (steps x input columns) stay below this
_CHUNK_MAX_VALUES = 1 << 23
# arrays rewritten every step before they are read (not state, not structure)
_SCRATCH = ("syn_in", "gsum", "gE", "flag", "tmp")


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread when the optional ``threadpoolctl`` is installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it only CPU time is affected, not results
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class Simulator:
    """Simulate a :class:`~neurosim.Network` with a fixed time step.

    Parameters
    ----------
    net : Network
        The description; its random parts are drawn here, from ``net.seed``.
    dt : float
        Time step in seconds. Default 1e-4 (0.1 ms).
    backend : {"auto", "cpu", "cuda"}
        ``"auto"`` uses a GPU when one is usable and the network has at least
        ``NEUROSIM_GPU_MIN_NEURONS`` neurons (``neurosim._config.
        GPU_MIN_NEURONS``; small networks are launch-bound on a GPU), else
        the CPU.
    progress : bool or None
        Default for :meth:`run`. None (default): a progress bar on stderr for
        runs that take longer than a couple of seconds; True: a bar for every
        run; False: silent. Unless False, a first run that spends more than a
        second compiling kernels says so once, on the same channel; the bar's
        times and estimate exclude compile time.

    Attributes
    ----------
    n_steps : int
        Steps simulated so far; ``t = n_steps * dt``.
    build_s : float
        Wall time spent building (connectivity included), in seconds.

    Notes
    -----
    Each step ``[t_k, t_k + dt)``: inputs are read at ``t_k``, every neuron
    advances (LIF models through :func:`neurosim.kernels.lif.lif_advance`, exact
    for the held input, whose synaptic part is the step's exact filtered
    drive), spikes go out through each connection's delay, and synapse states
    decay to ``t_k + dt`` and receive the spikes (unit-area impulses) there.
    Connections and readouts with ``discretization="zoh"`` instead take each
    spike as a ``1/dt`` pulse over its step and hold their output over the
    next (Nengo's convention, used by :class:`~neurosim.Model`).
    The whole loop runs in one compiled function; :meth:`run` only splits it
    into calls of about 0.15 s of wall time (so that Ctrl-C takes effect
    promptly, the progress bar moves and a non-finite value is caught near
    where it appeared), which does not change any result: ``run(a); run(b)``
    equals ``run(a + b)`` bit for bit.

    The whole state of a run is a small set of named arrays (``RUN_STATE``:
    neuron state, NeuronModel state and refractory counters, synapse states,
    the delay ring, generator counters) plus the step count;
    :meth:`snapshot` copies them and :meth:`restore` puts them back, so a run
    can be rolled back (monitors keep what they recorded);
    :meth:`save_checkpoint` / :meth:`load_checkpoint` write them, the
    monitors' records included, to a file and continue from it, in a new
    process too. Each simulator records into its own copies of the network's
    monitors (``sim.data``).
    Between runs :meth:`get_state` / :meth:`set_state` and :meth:`set_param`
    read and write a NeuronModel group's variables and parameters without
    rebuilding. On the CUDA backend the state stays on the device between
    runs: these methods copy back only what they read, when they read it,
    and what they write goes to the device at the start of the next run.
    """

    def __init__(
        self,
        net: Network,
        dt: float = 1e-4,
        backend: str = "auto",
        progress: bool | None = None,
    ) -> None:
        if not isinstance(net, Network):
            raise TypeError(f"net: expected a Network (got {type(net).__name__})")
        self.dt = check_dt(dt)
        self.backend = resolve_backend(backend, sum(g.n for g in net.groups))
        self.progress = None if progress is None else bool(progress)
        t0 = time.perf_counter()
        # The build's small matrix exponentials (scipy.linalg.expm) would wake
        # OpenBLAS worker threads that then busy-wait through the first part of
        # the run, burning a second core; one BLAS thread here avoids that.
        # Results are the same either way.
        with _one_blas_thread():
            self._built = backends.build(net, self.dt)
        self.build_s = time.perf_counter() - t0
        self._run = backends.BACKENDS[self.backend]
        self.n_steps = 0
        self._steps_per_s: float | None = None
        self._chunk = _CHUNK_FIRST
        self._ev_cap = max(1024, 8 * self._built.n_mon)
        b = self._built
        a = b.arrays
        # what a checkpoint's structure hash covers: every array fixed at build
        self._static_keys = sorted(
            set(a) - set(RUN_STATE) - set(_SCRATCH) - set(checkpoint.PARAMS)
        )
        if self.backend == "cuda":  # its delay ring (ring_flags) is run state
            from ..kernels.network_cuda import gpu_arrays

            a.update(gpu_arrays(a, a["seg_i"]))
        self._state_keys = RUN_STATE + (("ring_flags",) if "ring_flags" in a else ())
        # each simulator records into its own copies of the network's monitors
        self._spike_mons = [(m._bound(), o, n) for m, o, n in b.spike_monitors]
        self._state_mons = [(m._bound(), r0, r1) for m, r0, r1 in b.state_monitors]
        self._readouts = [(m._bound(), rd, d) for m, rd, d in b.readouts]
        own = [m for m, _x, _y in self._spike_mons + self._state_mons + self._readouts]
        given = [m for m, _x, _y in b.spike_monitors + b.state_monitors + b.readouts]
        self._monitors = own
        self._data = MappingProxyType(dict(zip(given, own, strict=True)))
        # plastic weights: (array, first position, count)
        self._plastic = [
            ("sdat" if scipy.sparse.issparse(W) else "wdat", pos0,
             W.nnz if scipy.sparse.issparse(W) else W.size)
            for _scale, W, pos0, _row in b.plastic.values()
        ]  # fmt: skip
        self._hh = [(int(r[1]), int(r[2])) for r in a["seg_i"] if r[0] == K.SEG_HH]
        self._groups = sorted(
            ((b.offsets[id(g)], g) for g in net.groups), key=lambda og: og[0]
        )

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            "Simulator: cannot be pickled (it holds compiled code and its "
            "monitors' records); save a run with sim.save_checkpoint(path) and "
            "continue it with load_checkpoint(path) in a Simulator built from "
            "the same Network"
        )

    @property
    def data(self) -> Mapping[Any, Any]:
        """What this simulator recorded: ``sim.data[monitor]``.

        A copy of each of the network's monitors (same attributes: ``t``,
        ``v``, ``indices`` ...) holding this simulator's records, so two
        simulators of one network keep separate records. The monitor object
        itself shows the records of the simulator built last.
        """
        return self._data

    def snapshot(self) -> dict[str, np.ndarray | int]:
        """Copy the run state.

        Returns
        -------
        dict
            Copies of the arrays named in ``RUN_STATE`` (and, on the CUDA
            backend, its delay ring ``ring_flags``), and ``n_steps``.
        """
        a = backends.host_arrays(self._built, self._state_keys)
        out: dict[str, np.ndarray | int] = {k: a[k].copy() for k in self._state_keys}
        out["n_steps"] = self.n_steps
        return out

    def restore(self, state: dict[str, np.ndarray | int]) -> None:
        """Put back a :meth:`snapshot` of this simulator (shapes are checked).

        Monitors keep what they recorded.

        Parameters
        ----------
        state : dict
            What :meth:`snapshot` returned.
        """
        a = self._built.arrays
        for k in self._state_keys:
            if k not in state:
                raise ValidationError(
                    f"state: no {k!r}; not a snapshot of this simulator"
                )
            value = np.asarray(state[k])
            if value.shape != a[k].shape or value.dtype != a[k].dtype:
                raise ValidationError(
                    f"state[{k!r}]: expected {a[k].dtype} {a[k].shape} (got "
                    f"{value.dtype} {value.shape}); not a snapshot of this simulator"
                )
        for k in self._state_keys:
            a[k][...] = state[k]
        backends.host_changed(self._built, self._state_keys)
        self.n_steps = int(state["n_steps"])

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Save the run to a file, to continue it later or in another process.

        The file holds the run state (everything :meth:`snapshot` copies:
        neuron, synapse and NeuronModel state, the delay ring, random-generator
        counters, plastic weights and traces), NeuronModel parameters and
        Poisson rates, the step count and every monitor's records, as plain
        arrays (see
        ``neurosim.sim.checkpoint``; it is written atomically).

        Parameters
        ----------
        path : str or path-like
            The file to write (``.npz``).
        """
        checkpoint.save(self, path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Continue from a file written by :meth:`save_checkpoint`.

        This simulator must have been built from a structurally identical
        network (same groups, connections, inputs, monitors and seed, in the
        same order; the same ``dt`` and backend), for example by the same
        script in a new process. Its state, step count and monitor records
        are replaced by the file's; a following :meth:`run` continues exactly
        as the saved simulator would have, bit for bit.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save_checkpoint`.

        Raises
        ------
        ValidationError
            The file comes from another network, ``dt`` or backend (the
            message names what differs).
        FileFormatError
            The file is missing, truncated, damaged or not a checkpoint.
        """
        checkpoint.load(self, path)

    def _model_block(self, group: Any, name: str, what: str) -> Any:
        """The ``(n,)`` view of a NeuronModel group's variable or parameter.

        For an input port: ``(x, gain)``, the view of its synapse's state and
        the factor that reads it (:func:`backends.port_state`).
        """
        b = self._built
        g = getattr(group, "group", None)
        if g is None or id(g) not in b.model_blocks:
            raise ValidationError(
                f"group: expected a NeuronModel group of this simulator's network "
                f"(got {group!r})"
            )
        so, po, model = b.model_blocks[id(g)]
        names = list(type(model).state if what == "state" else type(model).params)
        if what == "state" and name in type(model).inputs:
            return backends.port_state(b, group, name)
        if name not in names:
            raise ValidationError(
                f"{what}: {type(model).__name__} has no {what} variable {name!r}; "
                f"known: {', '.join(names)}"
            )
        j = names.index(name)
        key = "mstate" if what == "state" else "mpar"
        flat = backends.host_arrays(b, (key,))[key]
        off = so if what == "state" else po
        start = off + j * g.n + group.start
        return flat[start : start + group.n]

    def get_state(self, group: Any, var: str) -> np.ndarray:
        """Read a state variable of a NeuronModel group.

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of a :class:`~neurosim.NeuronModel`.
        var : str
            One of the model's state variables, or an input port fed by
            synapses: the port's synaptic input at the start of the next step
            (external inputs not included).

        Returns
        -------
        (n,) ndarray
            A copy, in the model's unit.
        """
        view = self._model_block(group, var, "state")
        return view[0] * view[1] if isinstance(view, tuple) else view.copy()

    def set_state(self, group: Any, var: str, value: Any) -> None:
        """Set a state variable of a NeuronModel group for the following runs.

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of a :class:`~neurosim.NeuronModel`.
        var : str
            One of the model's state variables, or an input port fed by one
            single-state synapse (e.g. ``Lowpass``): sets that synapse's
            state so that the port's synaptic input at the start of the next
            step is ``value`` (Brian2's ``P.ge = ...`` for a conductance
            ``ge`` that decays as the synapse does).
        value : float or (n,) array_like
            New values, in the model's unit.
        """
        view = self._model_block(group, var, "state")
        if isinstance(view, tuple):
            x, gain = view
            x[...] = _per_neuron("value", value, x.shape[0]) / gain
            backends.host_changed(self._built, ("X",))
        else:
            view[...] = _per_neuron("value", value, view.shape[0])
            backends.host_changed(self._built, ("mstate",))

    def set_param(self, group: Any, name: str, value: Any) -> None:
        """Set a parameter of a NeuronModel group for the following runs.

        The compiled code reads parameters from arrays, so this never
        recompiles (the group's model description is left unchanged).

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of a :class:`~neurosim.NeuronModel`.
        name : str
            One of the model's parameters.
        value : float or (n,) array_like
            New values.
        """
        view = self._model_block(group, name, "param")
        view[...] = _per_neuron("value", value, view.shape[0])
        backends.refresh_propagators(self._built, group.group)
        backends.host_changed(self._built, ("mpar",))

    def weights(self, conn: Any) -> Any:
        """The current weights of a plastic connection (a copy).

        Parameters
        ----------
        conn : Connection
            A connection made with ``plasticity`` in this simulator's network.

        Returns
        -------
        numpy.ndarray or scipy.sparse.csr_matrix
            ``(n_pre, n_post)`` weights in the connection's units (sparse for
            sparse and ``Random`` weights, with the drawn structure).
        """
        entry = self._built.plastic.get(id(conn))
        if entry is None:
            raise ValidationError(
                f"conn: expected a plastic connection of this simulator's network "
                f"(got {conn!r})"
            )
        scale, W, pos0, _row = entry
        a = backends.host_arrays(self._built, ("wdat", "sdat"))
        if scipy.sparse.issparse(W):
            out = W.copy()
            out.data = a["sdat"][pos0 : pos0 + W.nnz] / scale
            # dense weights with per-synapse delays are stored as CSR
            return out.toarray() if isinstance(conn.weights, np.ndarray) else out
        return a["wdat"][pos0 : pos0 + W.size].reshape(W.shape) / scale

    def set_weights(self, conn: Any, weights: Any) -> None:
        """Set the weights of a plastic connection for the following runs.

        The plasticity rule goes on from the new values (its traces are kept);
        use it, for example, to normalise each neuron's input weights between
        presentations (Diehl & Cook 2015).

        Parameters
        ----------
        conn : Connection
            A connection made with ``plasticity`` in this simulator's network.
        weights : (n_pre, n_post) array_like or scipy.sparse matrix
            New weights in the connection's units. For sparse (and ``Random``)
            weights only the stored synapses change: give a dense array or a
            sparse matrix of the same structure, as :meth:`weights` returns.
        """
        entry = self._built.plastic.get(id(conn))
        if entry is None:
            raise ValidationError(
                f"conn: expected a plastic connection of this simulator's network "
                f"(got {conn!r})"
            )
        scale, W, pos0, _row = entry
        a = backends.host_arrays(self._built, ("wdat", "sdat"))
        if scipy.sparse.issparse(W):
            rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
            if scipy.sparse.issparse(weights):
                new = scipy.sparse.csr_matrix(weights, dtype=np.float64)
                new.sort_indices()
                # per-synapse delays store each row by delay, then column
                ref = W if W.has_sorted_indices else W.sorted_indices()
                same = new.shape == W.shape and (
                    new.nnz == W.nnz
                    and np.array_equal(new.indptr, ref.indptr)
                    and np.array_equal(new.indices, ref.indices)
                )
                if not same:
                    raise ShapeError(
                        "weights: a sparse matrix must have the connection's "
                        f"structure ({W.shape}, {W.nnz} stored synapses)"
                    )
                data = new.data
                if ref is not W:
                    data = np.asarray(new[rows, W.indices]).ravel()
                if not np.all(np.isfinite(data)):
                    raise ValidationError("weights: contains NaN or infinite values")
            else:
                dense = as_float_array("weights", weights, shape=W.shape)
                data = dense[rows, W.indices]
            a["sdat"][pos0 : pos0 + W.nnz] = data * scale
            backends.host_changed(self._built, ("sdat",))
            return
        dense = as_float_array("weights", weights, shape=W.shape)
        a["wdat"][pos0 : pos0 + W.size] = dense.ravel() * scale
        backends.host_changed(self._built, ("wdat",))

    def set_rates(self, group: Any, rate: Any) -> None:
        """Set the rates of a PoissonSource group for the following runs.

        Each neuron keeps its own generator, so a run after ``set_rates``
        continues the same random streams with the new probabilities.

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of :class:`~neurosim.PoissonSource` neurons of
            this simulator's network.
        rate : float or (n,) array_like
            Rates in Hz (>= 0, ``rate * dt <= 1``).
        """
        g = getattr(group, "group", None)
        if g is None or id(g) not in self._built.offsets:
            raise ValidationError(
                f"group: expected a group of this simulator's network (got {group!r})"
            )
        if not isinstance(g.model, PoissonSource):
            raise ValidationError(
                f"group: expected a PoissonSource group (got {type(g.model).__name__})"
            )
        r = _per_neuron("rate", rate, group.n)
        if np.any(r < 0) or np.any(r * self.dt > 1.0):
            raise ValidationError(
                f"rate: must be >= 0 Hz with rate * dt <= 1 (got min {r.min():g}, "
                f"max {r.max():g} Hz with dt = {self.dt:g} s)"
            )
        o = self._built.offsets[id(g)] + group.start
        self._built.arrays["p_spike"][o : o + group.n] = r * self.dt
        backends.host_changed(self._built, ("p_spike",))

    @property
    def n_synapses(self) -> int:
        """Number of synapses (stored weights; ``n_pre * n_post`` for Factored)."""
        return self._built.n_synapses

    @property
    def t(self) -> float:
        """Simulated time so far, in seconds."""
        return self.n_steps * self.dt

    def run(self, duration: float, progress: bool | None = None) -> None:
        """Advance the simulation by ``duration`` seconds (rounded to steps).

        The run goes in compiled calls of about 0.15 s of wall time each
        (sized from the measured speed). Ctrl-C (SIGINT) takes effect at the
        end of the current call: the run stops there and raises
        ``KeyboardInterrupt``, with ``t``, the state and every monitor at the
        last completed step, so a later ``run`` continues exactly as one
        uninterrupted run would. After each call the state, the synaptic
        states, the input currents and everything recorded are checked to be
        finite (and Hodgkin-Huxley states to be within the bounds
        :func:`~neurosim.simulate_neurons` uses); on a failure the call is
        replayed from its start, bisecting to the first failing step.

        Parameters
        ----------
        duration : float
            Seconds to simulate (>= 0; must be a whole number of steps up to
            rounding).
        progress : bool, optional
            Override the simulator's ``progress`` setting for this run (True:
            always a bar; False: silent).

        Raises
        ------
        SimulationError
            When a step produced a non-finite value (or a diverged
            Hodgkin-Huxley state); the message names the step, its time, the
            group and the variable. The simulator is left at the start of
            that step, its last good state, with everything recorded before
            it kept.
        KeyboardInterrupt
            On Ctrl-C, once the current call has finished (see above).
        """
        duration = check_duration(duration)
        n = check_steps("duration", duration, self.dt)
        if abs(n * self.dt - duration) > 1e-6 * self.dt:
            raise ValidationError(
                f"duration: {duration!r} s is not a whole number of steps of "
                f"dt = {self.dt!r} s"
            )
        show = self.progress if progress is None else bool(progress)
        t_start = time.perf_counter()
        done = 0
        shown = False
        b = self._built
        n_cols = sum(size for _v, _o, size in b.ext) + sum(
            left.shape[1] for _v, left in b.enc_ext
        )
        max_chunk = max(1000, _CHUNK_MAX_VALUES // max(n_cols, 1))
        with (
            _deferred_sigint() as interrupt,
            watch_compiles(notice=show is not False) as compiles,
        ):
            while done < n and not interrupt.requested:
                chunk = min(n - done, max_chunk, self._chunk)
                tc, compiled = time.perf_counter(), compiles.seconds
                self._run_checked(chunk)
                elapsed = time.perf_counter() - tc - (compiles.seconds - compiled)
                done += chunk
                if chunk == self._chunk:  # a full chunk: learn the speed from it
                    if elapsed > 0:
                        self._steps_per_s = chunk / elapsed
                    if self._steps_per_s is not None:
                        self._chunk = max(
                            1,
                            min(
                                _CHUNK_GROWTH * self._chunk,
                                int(self._steps_per_s * _CHUNK_WALL_S),
                            ),
                        )
                running = time.perf_counter() - t_start - compiles.seconds
                if show or (show is None and running > _PROGRESS_AFTER_S):
                    shown = True
                    _bar(done / n, running)
        if shown:
            sys.stderr.write("\n")
        if interrupt.requested:
            raise KeyboardInterrupt

    def _run_checked(self, n: int) -> None:
        """Advance ``n`` steps; on a bad value find its step and raise."""
        point = self._save_point()
        pending = self._advance(n)
        if self._find_bad(pending) is None:
            self._commit(pending)
            return
        # Roll back and bisect: ``lo`` steps from the chunk start are known
        # good (and committed), ``hi`` steps are known bad. A non-finite value
        # persists in the state (NaN and inf propagate), so badness after m
        # steps is monotone in m.
        self._load_point(point)
        lo, hi = 0, n
        while hi - lo > 1:
            mid = (lo + hi) // 2
            point = self._save_point()
            pending = self._advance(mid - lo)
            if self._find_bad(pending) is None:
                self._commit(pending)
                lo = mid
            else:
                self._load_point(point)
                hi = mid
        point = self._save_point()
        bad = self._find_bad(self._advance(1))
        self._load_point(point)
        if bad is None:  # the bad value came and went (not monotone)
            raise SimulationError(
                f"a non-finite value appeared between t = {self.t:g} s and "
                f"t = {(self.n_steps + n - lo) * self.dt:g} s and vanished again; "
                f"the simulator stays at step {self.n_steps} (t = {self.t:g} s)"
            )
        step = self.n_steps
        raise SimulationError(
            f"{bad} in step {step} (t = {step * self.dt:g} s to "
            f"{(step + 1) * self.dt:g} s); the simulator stays at the start of "
            f"that step (n_steps = {step}, t = {self.t:g} s), its last good "
            "state, with everything recorded before it"
        )

    def _save_point(self) -> dict[Any, Any]:
        """Copy the run state for a rollback (of plastic weights only theirs).

        On the CUDA backend the copies of what is on the device stay there.
        """
        cuda = self.backend == "cuda"  # there the weights are copied on the device
        weights = () if cuda else ("wdat", "sdat")
        keys = tuple(k for k in self._state_keys if k not in weights)
        out: dict[Any, Any] = {"arrays": backends.save_point(self._built, keys)}
        a = self._built.arrays
        for key, pos0, size in () if cuda else self._plastic:
            out[key, pos0] = a[key][pos0 : pos0 + size].copy()
        out["n_steps"] = self.n_steps
        return out

    def _load_point(self, point: dict[Any, Any]) -> None:
        backends.load_point(self._built, point["arrays"])
        a = self._built.arrays
        for k, value in point.items():
            if isinstance(k, tuple):
                a[k[0]][k[1] : k[1] + value.size] = value
        self.n_steps = point["n_steps"]

    def _find_bad(self, pending: dict[str, Any]) -> str | None:
        """Describe the first bad value after ``pending``'s steps, or None."""
        b = self._built
        checked = ("syn_in", "gsum", "gE", "v", "aux", "mstate", "X", "U", "trace")
        # on the CUDA backend: checked on the device, copied back only if bad
        # (there the CSR weights are cdat, see kernels.network_cuda)
        weights = ("wdat", "cdat") if self.backend == "cuda" and self._plastic else ()
        finite = backends.all_finite(b, checked + weights)
        a = b.arrays if finite else backends.host_arrays(b)
        for key in () if finite else checked:
            if not np.all(np.isfinite(a[key])):
                i = int(np.flatnonzero(~np.isfinite(a[key].ravel()))[0])
                return self._describe(key, i, a[key].ravel()[i])
        over = pending["over"] or (0 if finite else backends.spike_overflow(b))
        if over:
            return (
                f"{self._neuron(over - 1)}: more than {K.MAX_SPIKES_PER_STEP} "
                "spikes due in one step (a rate above "
                f"{K.MAX_SPIKES_PER_STEP / self.dt:g} Hz, more than a step keeps "
                "for one neuron; use a smaller dt)"
            )
        for key, pos0, size in self._plastic:
            w = a[key][pos0 : pos0 + size]
            if not np.all(np.isfinite(w)):
                return f"non-finite plastic weight ({key}[{pos0}:{pos0 + size}])"
        limits = (_hh._V_LIMIT, _hh._GATE_LOW, _hh._GATE_HIGH)
        hh_ok = not self._hh or backends.hh_in_bounds(b, self._hh, *limits)
        if not hh_ok:  # find the neuron on the host
            a = backends.host_arrays(b, ("v", "aux"))
        v, aux = a["v"], a["aux"]
        for i0, i1 in () if hh_ok else self._hh:
            ok = (np.abs(v[i0:i1]) < _hh._V_LIMIT) & np.all(
                (aux[:, i0:i1] > _hh._GATE_LOW) & (aux[:, i0:i1] < _hh._GATE_HIGH),
                axis=0,
            )
            if not np.all(ok):
                i = i0 + int(np.flatnonzero(~ok)[0])
                return (
                    f"Hodgkin-Huxley state diverged ({self._neuron(i)}: "
                    f"v = {v[i]:g} mV, gates m, h, n = {aux[0, i]:g}, "
                    f"{aux[1, i]:g}, {aux[2, i]:g}; bounds |v| < "
                    f"{_hh._V_LIMIT:g} mV, gates in ({_hh._GATE_LOW:g}, "
                    f"{_hh._GATE_HIGH:g})): use a smaller dt or a smaller input"
                )
        buf = pending["buffers"]
        for m, r0, r1 in self._state_mons:
            vals = buf["rec_out"][pending["rec_off"][r0] : pending["rec_off"][r1]]
            if not np.all(np.isfinite(vals)):
                return f"non-finite value recorded by {_mon_name(m)}"
        for m, rd, _d in self._readouts:
            off = pending["rd_off"][rd]
            vals = buf["rd_out"][off : off + pending["rd_sizes"][rd]]
            if not np.all(np.isfinite(vals)):
                return f"non-finite value recorded by {_mon_name(m)}"
        return None

    def _neuron(self, i: int) -> str:
        """``group 'name' neuron j`` for the global neuron index ``i``."""
        o, g = next((o, g) for o, g in reversed(self._groups) if o <= i)
        return f"{_group_name(g)} neuron {i - o}"

    def _describe(self, key: str, i: int, value: float) -> str:
        a = self._built.arrays
        if key in ("syn_in", "gsum", "gE", "v"):
            what = {"syn_in": "input current", "gsum": "input conductance",
                    "gE": "input conductance x reversal", "v": "v"}[key]  # fmt: skip
            return f"non-finite {what} ({value}) of {self._neuron(i)}"
        if key == "aux":
            row, j = divmod(i, a["aux"].shape[1])
            return f"non-finite Hodgkin-Huxley gate {'mhn'[row]} of {self._neuron(j)}"
        if key == "mstate":
            for g_id, (so, _po, model) in self._built.model_blocks.items():
                names = list(type(model).state)
                g = next(g for _o, g in self._groups if id(g) == g_id)
                if so <= i < so + len(names) * g.n:
                    row, j = divmod(i - so, g.n)
                    return (
                        f"non-finite {names[row]} ({value}) of {_group_name(g)} "
                        f"neuron {j}"
                    )
        if key in ("X", "U"):
            for ch in a["ch_i"]:
                kind, width, m, xoff = (int(x) for x in ch[:4])
                off = xoff if key == "X" else int(ch[4])
                if off <= i < off + m * width:
                    if kind == K.CH_READOUT:
                        return "non-finite synaptic state of a readout"
                    return (
                        "non-finite synaptic state of a synapse into "
                        f"{self._neuron(int(ch[5]))} and on"
                    )
        return f"non-finite {key}[{i}] ({value})"

    def _advance(self, n: int) -> dict[str, Any]:
        """Run ``n`` steps; the records come back to :meth:`_commit`."""
        b = self._built
        step0 = self.n_steps
        t = (step0 + np.arange(n)) * self.dt
        ext_cols, ext_idx = [], []
        for value, o, size in b.ext:
            ext_cols.append(evaluate_input(value, size, t, step0))
            ext_idx.append(np.arange(o, o + size))
        for value, left in b.enc_ext:  # encoded: u @ left, after the others
            ext_cols.append(evaluate_input(value, left.shape[0], t, step0) @ left)
        ext_val = (
            np.ascontiguousarray(np.concatenate(ext_cols, axis=1))
            if ext_cols
            else np.zeros((n, 0))
        )
        ext_idx = np.concatenate(ext_idx) if ext_idx else np.zeros(0, np.int64)
        rec_i = b.arrays["rec_i"]
        rec_n = np.array([_n_samples(step0, n, e) for e in rec_i[:, 2]], dtype=np.int64)
        rec_off = np.concatenate([[0], np.cumsum(rec_n)]).astype(np.int64)
        rd_every = b.arrays["rd_every"]
        rd_n = [_n_samples(step0, n, e) for e in rd_every]
        rd_sizes = [0] * len(rd_every)
        for _mon, rd, d in b.readouts:
            rd_sizes[rd] = rd_n[rd] * d
        rd_off = np.concatenate([[0], np.cumsum(rd_sizes)]).astype(np.int64)
        buffers = {
            "rec_out": np.zeros(max(int(rec_off[-1]), 1)),
            "rec_off": rec_off[:-1].copy() if rec_i.shape[0] else np.zeros(0, np.int64),
            "rec_cnt": np.zeros(rec_i.shape[0], dtype=np.int64),
            "rd_out": np.zeros(max(int(rd_off[-1]), 1)),
            "rd_off": rd_off[:-1].copy(),
            "rd_cnt": np.zeros(len(rd_every), dtype=np.int64),
        }
        ev_idx: list[np.ndarray] = []
        ev_step: list[np.ndarray] = []
        done = 0
        over = 0  # 1 + a neuron due more spikes in a step than its room (or 0)
        while done < n and not over:
            cap = self._ev_cap
            buffers["ev_idx"] = np.empty(cap, dtype=np.int32)
            # int64: step numbers past 2**31 (60 h at dt = 0.1 ms) stay exact
            buffers["ev_step"] = np.empty(cap, dtype=np.int64)
            buffers["n_ev"] = np.zeros(2, dtype=np.int64)  # events, overflow mark
            k = self._run(
                b,
                n - done,
                step0 + done,
                ext_idx,
                ext_val[done:] if done else ext_val,
                buffers,
            )
            m = int(buffers["n_ev"][0])
            over = int(buffers["n_ev"][1])
            ev_idx.append(buffers["ev_idx"][:m].copy())
            ev_step.append(buffers["ev_step"][:m].copy())
            done += k
            if done < n:
                self._ev_cap = 2 * cap
        return {
            "n": n, "step0": step0, "buffers": buffers, "rec_off": rec_off,
            "rec_n": rec_n, "rd_off": rd_off, "rd_sizes": rd_sizes,
            "ev_idx": np.concatenate(ev_idx), "ev_step": np.concatenate(ev_step),
            "over": over,
        }  # fmt: skip

    def _commit(self, p: dict[str, Any]) -> None:
        """Count the steps of :meth:`_advance` and hand its records to the monitors."""
        step0, n = p["step0"], p["n"]
        self.n_steps = step0 + n
        idx, st = p["ev_idx"], p["ev_step"]
        buffers, rec_off, rec_n = p["buffers"], p["rec_off"], p["rec_n"]
        for mon, o, size in self._spike_mons:
            sel = (idx >= o) & (idx < o + size)
            mon._append((idx[sel] - o).astype(np.int32), st[sel])
        for mon, r0, r1 in self._state_mons:
            cols = [
                buffers["rec_out"][rec_off[r] : rec_off[r] + rec_n[r]]
                for r in range(r0, r1)
            ]
            every = mon.every
            first = -(-step0 // every) * every
            steps = np.arange(first, step0 + n, every)
            mon._append(np.stack(cols, axis=1), steps)
        for mon, rd, d in self._readouts:
            off = p["rd_off"][rd]
            vals = buffers["rd_out"][off : off + p["rd_sizes"][rd]]
            first = -(-step0 // mon.every) * mon.every
            steps = np.arange(first, step0 + n, mon.every)
            mon._append(vals.reshape(-1, d), steps)


#: The arrays that hold a run's state (everything else is fixed at build or
#: scratch rewritten every step).
RUN_STATE = ("v", "ref", "aux", "mstate", "mref", "X", "xs", "U", "ring",
             "ring_cnt", "rng_state", "gen_ptr", "wdat", "sdat", "trace",
             "syn")  # fmt: skip


class _Interrupt:
    """Set by the SIGINT handler of :func:`_deferred_sigint`."""

    requested = False


@contextlib.contextmanager
def _deferred_sigint() -> Iterator[_Interrupt]:
    """Turn Ctrl-C into a request checked between compiled calls.

    Only in the main thread (the only one that receives signals) and only
    when SIGINT has Python's default handler (a program's own handler, or an
    ignored SIGINT, is left alone); the previous handler is back on exit.
    """
    flag = _Interrupt()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        flag.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _group_name(g: Any) -> str:
    return f"group {g.name!r}" if g.name else repr(g)


def _mon_name(mon: Any) -> str:
    return f"{type(mon).__name__} of {mon.target!r}"


def _per_neuron(name: str, value: Any, n: int) -> np.ndarray:
    arr = as_float_array(name, value, ndim=(0, 1))
    if arr.ndim == 1 and arr.shape[0] != n:
        raise ShapeError(f"{name}: expected a scalar or shape ({n},) (got {arr.shape})")
    return np.broadcast_to(arr, (n,))


def _n_samples(step0: int, n: int, every: int) -> int:
    """Steps ``s`` in ``[step0, step0 + n)`` with ``s % every == 0``."""
    return -(-(step0 + n) // every) - -(-step0 // every)


def _bar(frac: float, elapsed: float) -> None:
    width = 30
    filled = int(width * frac)
    eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * frac:5.1f}% "
        f"{elapsed:6.1f} s elapsed, {eta:6.1f} s left"
    )
    sys.stderr.flush()
