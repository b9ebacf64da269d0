"""The network simulator: build once, run (and continue) in compiled code."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

import numpy as np
import scipy.sparse

from .._jit import resolve_backend, watch_compiles
from .._validation import as_float_array, check_dt, check_steps
from ..exceptions import ShapeError, SimulationError, ValidationError
from . import backends
from .network import Network, check_duration, evaluate_input

# wall time after which a run shows its progress bar, in seconds
_PROGRESS_AFTER_S = 2.0
# target wall time of one compiled call once the speed is known, in seconds
_CHUNK_WALL_S = 0.5
# without a progress bar a run is one compiled call, unless its external
# input values (steps x input columns) would pass this many floats
_CHUNK_MAX_VALUES = 1 << 23


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
        ``"auto"`` uses a GPU when one is usable, else the CPU.
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
    advances (LIF models through :func:`neurosim.kernels.lif.lif_step`, exact
    for the held input, whose synaptic part is the step's exact filtered
    drive), spikes go out through each connection's delay, and synapse states
    decay to ``t_k + dt`` and receive the spikes (unit-area impulses) there.
    Connections and readouts with ``discretization="zoh"`` instead take each
    spike as a ``1/dt`` pulse over its step and hold their output over the
    next (Nengo's convention, used by :class:`~neurosim.Model`).
    The whole loop runs in one compiled function; :meth:`run` only splits it
    into calls of many steps (for the progress bar and growing the spike
    buffer), which does not change any result: ``run(a); run(b)`` equals
    ``run(a + b)`` bit for bit.

    The whole state of a run is a small set of named arrays (``RUN_STATE``:
    neuron state, NeuronModel state and refractory counters, synapse states,
    the delay ring, generator counters) plus the step count;
    :meth:`snapshot` copies them and :meth:`restore` puts them back, so a run
    can be checkpointed or rolled back (monitors keep what they recorded).
    Between runs :meth:`get_state` / :meth:`set_state` and :meth:`set_param`
    read and write a NeuronModel group's variables and parameters without
    rebuilding.
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
        self.backend = resolve_backend(backend)
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
        self._ev_cap = max(1024, 8 * self._built.n_mon)

    def snapshot(self) -> dict[str, np.ndarray | int]:
        """Copy the run state.

        Returns
        -------
        dict
            Copies of the arrays named in ``RUN_STATE``, and ``n_steps``.
        """
        out: dict[str, np.ndarray | int] = {
            k: self._built.arrays[k].copy() for k in RUN_STATE
        }
        out["n_steps"] = self.n_steps
        return out

    def restore(self, state: dict[str, np.ndarray | int]) -> None:
        """Put back a :meth:`snapshot` of this simulator (shapes are checked).

        Parameters
        ----------
        state : dict
            What :meth:`snapshot` returned.
        """
        a = self._built.arrays
        for k in RUN_STATE:
            value = np.asarray(state[k])
            if value.shape != a[k].shape or value.dtype != a[k].dtype:
                raise ValidationError(
                    f"state[{k!r}]: expected {a[k].dtype} {a[k].shape} (got "
                    f"{value.dtype} {value.shape}); not a snapshot of this simulator"
                )
        for k in RUN_STATE:
            a[k][...] = state[k]
        self.n_steps = int(state["n_steps"])

    def _model_block(self, group: Any, name: str, what: str) -> np.ndarray:
        """The ``(n,)`` view of a NeuronModel group's variable or parameter."""
        b = self._built
        g = getattr(group, "group", None)
        if g is None or id(g) not in b.model_blocks:
            raise ValidationError(
                f"group: expected a NeuronModel group of this simulator's network "
                f"(got {group!r})"
            )
        so, po, model = b.model_blocks[id(g)]
        names = list(type(model).state if what == "state" else type(model).params)
        if name not in names:
            raise ValidationError(
                f"{what}: {type(model).__name__} has no {what} variable {name!r}; "
                f"known: {', '.join(names)}"
            )
        j = names.index(name)
        flat, off = (
            (b.arrays["mstate"], so) if what == "state" else (b.arrays["mpar"], po)
        )
        start = off + j * g.n + group.start
        return flat[start : start + group.n]

    def get_state(self, group: Any, var: str) -> np.ndarray:
        """Read a state variable of a NeuronModel group.

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of a :class:`~neurosim.NeuronModel`.
        var : str
            One of the model's state variables.

        Returns
        -------
        (n,) ndarray
            A copy, in the model's unit.
        """
        return self._model_block(group, var, "state").copy()

    def set_state(self, group: Any, var: str, value: Any) -> None:
        """Set a state variable of a NeuronModel group for the following runs.

        Parameters
        ----------
        group : NeuronGroup or GroupView
            A group (or view) of a :class:`~neurosim.NeuronModel`.
        var : str
            One of the model's state variables.
        value : float or (n,) array_like
            New values, in the model's unit.
        """
        view = self._model_block(group, var, "state")
        view[...] = _per_neuron("value", value, view.shape[0])

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
        a = self._built.arrays
        if scipy.sparse.issparse(W):
            out = W.copy()
            out.data = a["sdat"][pos0 : pos0 + W.nnz] / scale
            return out
        return a["wdat"][pos0 : pos0 + W.size].reshape(W.shape) / scale

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

        Parameters
        ----------
        duration : float
            Seconds to simulate (>= 0; must be a whole number of steps up to
            rounding).
        progress : bool, optional
            Override the simulator's ``progress`` setting for this run (True:
            always a bar; False: silent).
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
        with watch_compiles(notice=show is not False) as compiles:
            while done < n:
                chunk = min(n - done, max_chunk)
                if show is not False:  # calls of about _CHUNK_WALL_S: the bar moves
                    if self._steps_per_s is None:
                        chunk = min(chunk, 1000)
                    else:
                        steps = int(self._steps_per_s * _CHUNK_WALL_S)
                        chunk = min(chunk, max(100, steps))
                tc, compiled = time.perf_counter(), compiles.seconds
                self._run_chunk(chunk)
                elapsed = time.perf_counter() - tc - (compiles.seconds - compiled)
                if elapsed > 0:
                    self._steps_per_s = chunk / elapsed
                done += chunk
                running = time.perf_counter() - t_start - compiles.seconds
                if show or (show is None and running > _PROGRESS_AFTER_S):
                    shown = True
                    _bar(done / n, running)
        if shown:
            sys.stderr.write("\n")

    def _run_chunk(self, n: int) -> None:
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
        while done < n:
            cap = self._ev_cap
            buffers["ev_idx"] = np.empty(cap, dtype=np.int32)
            buffers["ev_step"] = np.empty(cap, dtype=np.int32)
            buffers["n_ev"] = np.zeros(1, dtype=np.int64)
            k = self._run(
                b,
                n - done,
                step0 + done,
                ext_idx,
                ext_val[done:] if done else ext_val,
                buffers,
            )
            m = int(buffers["n_ev"][0])
            ev_idx.append(buffers["ev_idx"][:m].copy())
            ev_step.append(buffers["ev_step"][:m].copy())
            done += k
            if done < n:
                self._ev_cap = 2 * cap
        if not np.all(np.isfinite(b.arrays["v"])):
            raise SimulationError(
                f"non-finite membrane voltage by t = {(step0 + n) * self.dt:g} s"
            )
        self.n_steps = step0 + n
        idx = np.concatenate(ev_idx)
        st = np.concatenate(ev_step)
        for mon, o, size in b.spike_monitors:
            sel = (idx >= o) & (idx < o + size)
            mon._append((idx[sel] - o).astype(np.int32), st[sel])
        for mon, r0, r1 in b.state_monitors:
            cols = [
                buffers["rec_out"][rec_off[r] : rec_off[r] + rec_n[r]]
                for r in range(r0, r1)
            ]
            every = mon.every
            first = -(-step0 // every) * every
            steps = np.arange(first, step0 + n, every)
            mon._append(np.stack(cols, axis=1), steps)
        for mon, rd, d in b.readouts:
            vals = buffers["rd_out"][rd_off[rd] : rd_off[rd] + rd_sizes[rd]]
            first = -(-step0 // mon.every) * mon.every
            steps = np.arange(first, step0 + n, mon.every)
            mon._append(vals.reshape(-1, d), steps)


#: The arrays that hold a run's state (everything else is fixed at build or
#: scratch rewritten every step).
RUN_STATE = ("v", "ref", "aux", "mstate", "mref", "X", "xs", "U", "ring",
             "ring_cnt", "rng_state", "gen_ptr", "wdat", "sdat", "trace",
             "syn")  # fmt: skip


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
