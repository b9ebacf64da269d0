r"""Spiking NEF models: transformations (principle 2) and dynamics (principle 3).

A :class:`Model` holds populations (:class:`~neurosim.Population`), inputs,
connections and probes, and simulates them in discrete time.

*Transformations.* A connection from population ``a`` to ``b`` computing
``y = T f(x)`` uses the decoders ``D`` of ``f`` for ``a`` and ``b``'s scaled
encoders ``E_b`` (encoders times ``gain / radius``). The connection weights are
``W = D T^T E_b^T`` (``N_a x N_b``); by default they stay **factored**: each step
the spikes of ``a`` are decoded into ``d_b`` numbers (``spikes @ (D T^T)``), that
signal is filtered by the synapse, and ``b`` encodes it (``E_b @ s``): two thin
products instead of a dense one. ``expand=True`` uses the full matrix instead;
the synapse is linear, so both give the same currents up to rounding and the
same spikes.

*Dynamics.* A population whose recurrent connection goes through a synapse
``Lowpass(tau)`` and computes ``g(x)`` with input ``h(u)`` follows
``tau dx/dt = -x + g(x) + h(u)``. Choosing ``g(x) = tau f(x) + x`` and
``h(u) = tau B u`` makes it follow ``dx/dt = f(x) + B u``; for linear dynamics
``f(x) = A x`` the feedback transform is ``tau A + I`` (:meth:`Model.recurrent`).

Time stepping
-------------
Step ``k`` (time ``t_k = (k + 1) dt``): every population receives the current
outputs of its incoming synapses (inputs connected without synapse arrive in
the same step), its neurons advance by ``dt`` (LIF: exact update of
:func:`neurosim.kernels.lif.lif_step`; a spike is a ``1/dt`` impulse), decoded
outputs are summed over the neurons that spiked, and each synapse takes its
input of step ``k`` (zero-order hold, :meth:`~neurosim.LinearFilter.discretize`),
so connections between populations have one step of delay. Probes record the
synapse output after this update (it includes step ``k``'s spikes).

References
----------
Eliasmith & Anderson (2003), *Neural Engineering*, MIT Press, ch. 6 and 8.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import SeedLike, as_float_array, as_rng, check_dt, check_positive
from .decoding import Decoder
from .encoding import Population
from .exceptions import ShapeError, ValidationError
from .kernels.nef import nef_lif_step, nef_rate_step
from .neurons import LIF, LIFRate
from .solvers import Solver
from .synapses import LinearFilter, Lowpass


class Input:
    """An input signal: a function of time, a sampled array, or a constant.

    Parameters
    ----------
    value : callable, (n_steps, dimensions) array or (dimensions,) array
        ``value(t) -> scalar or vector`` evaluated at ``t_k = (k + 1) dt``; or
        samples, one row per step (at least as many rows as steps run); or a
        constant vector.
    label : str, optional
    """

    def __init__(self, value: Any, label: str | None = None) -> None:
        self.value = value
        self.label = label
        if callable(value):
            self.dimensions = np.atleast_1d(np.asarray(value(0.0), float)).size
        else:
            arr = as_float_array("Input.value", value, ndim=(0, 1, 2))
            self.dimensions = 1 if arr.ndim < 2 else arr.shape[1]
            if arr.ndim == 1:
                self.dimensions = arr.size

    def samples(self, n_steps: int, dt: float) -> np.ndarray:
        """The input as an ``(n_steps, dimensions)`` array for step ``dt``."""
        if callable(self.value):
            t = (np.arange(n_steps) + 1) * dt
            out = np.array(
                [np.atleast_1d(np.asarray(self.value(tk), float)) for tk in t]
            ).reshape(n_steps, -1)
        else:
            arr = as_float_array("Input.value", self.value)
            if arr.ndim < 2:
                return np.tile(np.atleast_1d(arr), (n_steps, 1))
            if arr.shape[0] < n_steps:
                raise ShapeError(
                    f"Input.value: {arr.shape[0]} samples, but the run needs "
                    f"{n_steps} steps"
                )
            out = arr[:n_steps]
        if out.shape[1] != self.dimensions or not np.all(np.isfinite(out)):
            raise ValidationError(
                f"Input.value: expected finite values of dimension {self.dimensions}"
            )
        return out

    def __repr__(self) -> str:
        return f"Input(dimensions={self.dimensions}, label={self.label!r})"


@dataclass(eq=False)
class Connection:
    """A built connection (made by :meth:`Model.connect`).

    Attributes
    ----------
    pre, post : Population or Input, Population
    synapse : LinearFilter or None
    weights : ndarray
        Factored: ``(n_pre, post.dimensions)`` decoders times transform (for an
        ``Input`` source, the ``(d_in, post.dimensions)`` transform). Expanded:
        the full ``(n_pre, post.n_neurons)`` matrix.
    decoder : Decoder or None
        The fitted decoder of ``f`` (population sources).
    expand : bool
    """

    pre: Population | Input
    post: Population | None
    synapse: LinearFilter | None
    weights: np.ndarray
    decoder: Decoder | None = None
    expand: bool = False

    @property
    def full_weights(self) -> np.ndarray:
        """The ``(n_pre, n_post)`` matrix ``D T^T E_post^T`` (population sources)."""
        if self.expand or self.post is None:
            return self.weights
        return self.weights @ self.post.scaled_encoders_.T


@dataclass(eq=False)
class Probe:
    """A recorded quantity (from :meth:`Model.probe` or :meth:`Model.probe_spikes`)."""

    target: Population | Input
    kind: str
    connection: Connection | None = None
    label: str | None = None


@dataclass
class Result:
    """What :meth:`Model.run` recorded.

    Attributes
    ----------
    t : (n_steps,) ndarray
        Step times ``(k + 1) dt`` in seconds.
    data : dict
        ``Probe -> (n_steps, dimensions)`` array; index the result by probe.
    build_s, run_s : float
        Seconds spent building state and running the loop.
    """

    t: np.ndarray
    data: dict = field(default_factory=dict)
    build_s: float = 0.0
    run_s: float = 0.0

    def __getitem__(self, probe: Probe) -> np.ndarray:
        return self.data[probe]


def _as_synapse(synapse: Any, name: str = "synapse") -> LinearFilter | None:
    if synapse is None or isinstance(synapse, LinearFilter):
        return synapse
    if isinstance(synapse, int | float) and not isinstance(synapse, bool):
        return Lowpass(check_positive(name, synapse))
    raise TypeError(
        f"{name}: expected a synapse (e.g. ns.Lowpass(0.005)), a time constant "
        f"in seconds, or None (got {synapse!r})"
    )


class Model:
    """A spiking NEF model: populations, inputs, connections, probes.

    Parameters
    ----------
    seed : int, Generator or None
        Seeds the neurons' initial voltages (uniform in ``[0, 1)``, so that a
        population does not start synchronised). Populations carry their own
        seeds for encoders, gains and biases.

    Attributes
    ----------
    initial_voltages_ : dict
        ``Population -> (n_neurons,)`` initial voltages of the last run.

    Examples
    --------
    >>> import numpy as np, neurosim as ns
    >>> m = ns.Model(seed=0)
    >>> u = m.input(lambda t: np.sin(2 * np.pi * t))
    >>> a = m.add(ns.Population(100, seed=1))
    >>> _ = m.connect(u, a, synapse=None)
    >>> p = m.probe(a, synapse=0.01)
    >>> m.run(0.5)[p].shape
    (500, 1)
    """

    def __init__(self, seed: SeedLike = None) -> None:
        self.seed = seed
        self.populations: list[Population] = []
        self.inputs: list[Input] = []
        self.connections: list[Connection] = []
        self.probes: list[Probe] = []

    # ----------------------------------------------------------------- building
    def add(self, population: Population) -> Population:
        """Add a population (done automatically by ``connect`` and ``probe``)."""
        if not isinstance(population, Population):
            raise TypeError(
                f"population: expected a Population (got {type(population).__name__})"
            )
        if type(population.neuron) not in (LIF, LIFRate):
            raise ValidationError(
                f"population: Model simulates LIF and LIFRate neurons (got "
                f"{type(population.neuron).__name__})"
            )
        if population not in self.populations:
            self.populations.append(population)
        return population

    def input(self, value: Any, label: str | None = None) -> Input:
        """Add an :class:`Input` (a function of time, samples or a constant)."""
        node = Input(value, label)
        self.inputs.append(node)
        return node

    def _source(self, pre: Any) -> None:
        if isinstance(pre, Population):
            self.add(pre)
        elif not isinstance(pre, Input) or pre not in self.inputs:
            raise TypeError(
                "pre: expected a Population or an Input made by this model's "
                f"input() (got {pre!r})"
            )

    def connect(
        self,
        pre: Population | Input,
        post: Population,
        *,
        function: Callable | None = None,
        transform: Any = None,
        synapse: Any = 0.005,
        solver: Solver | None = None,
        eval_points: Any = None,
        expand: bool = False,
    ) -> Connection:
        """Connect ``pre`` to ``post`` so that ``post`` represents ``transform @ f(x)``.

        Parameters
        ----------
        pre : Population or Input
        post : Population
        function : callable, optional
            ``f`` of one point of ``pre``'s space (identity when None);
            population sources only.
        transform : (post.dimensions, d_f) array or scalar, optional
            Linear map applied after ``f`` (identity when None).
        synapse : LinearFilter, float (Lowpass tau in s) or None
            Default ``Lowpass(0.005)``. ``None`` (no filter, no delay) is
            allowed from inputs only.
        solver : Solver, optional
            Decoder solver (default ``LstsqL2()``).
        eval_points : (n_points, pre.dimensions) array, optional
            Points to fit decoders at (default ``pre.eval_points_``).
        expand : bool
            Use the full ``n_pre x n_post`` weight matrix instead of the
            factored form (same results, more work).
        """
        self.add(post)
        conn = self._link(
            pre, post, function, transform, synapse, solver, eval_points, expand
        )
        self.connections.append(conn)
        return conn

    def _link(
        self,
        pre: Population | Input,
        post: Population | None,
        function: Callable | None,
        transform: Any,
        synapse: Any,
        solver: Solver | None,
        eval_points: Any,
        expand: bool,
    ) -> Connection:
        self._source(pre)
        synapse = _as_synapse(synapse)
        decoder = None
        if isinstance(pre, Population):
            if synapse is None and post is not None:
                raise ValidationError(
                    "synapse: a connection from a population needs a synapse "
                    "(spikes are impulses); e.g. synapse=ns.Lowpass(0.005)"
                )
            decoder = Decoder(solver).fit_function(pre, function, eval_points)
            D = decoder.decoders_
            D = D[:, None] if D.ndim == 1 else D
        else:
            if function is not None:
                raise ValidationError(
                    "function: only connections from populations compute functions"
                )
            D = np.eye(pre.dimensions)
        d_out = D.shape[1] if post is None else post.dimensions
        weights = D @ _transform(transform, D.shape[1], d_out).T
        if synapse is not None and isinstance(pre, Population) and post is not None:
            if synapse.discretize(1e-3)[3] != 0:
                raise ValidationError(
                    "synapse: must be strictly proper (no direct term) for a "
                    "connection from a population"
                )
        if expand:
            if not isinstance(pre, Population):
                raise ValidationError("expand: only for population-to-population")
            weights = weights @ post.scaled_encoders_.T
        return Connection(pre, post, synapse, weights, decoder, bool(expand))

    def recurrent(
        self,
        population: Population,
        tau: float,
        *,
        A: Any = None,
        function: Callable | None = None,
        B: Any = None,
        input: Input | None = None,
        solver: Solver | None = None,
    ) -> tuple[Connection, Connection | None]:
        r"""Make ``population`` follow ``dx/dt = A x + B u`` (or ``f(x) + B u``).

        NEF principle 3 for a ``Lowpass(tau)`` synapse: the recurrent connection
        computes ``(tau A + I) x`` (linear) or ``tau f(x) + x`` (nonlinear), and
        the input arrives through the same synapse with transform ``tau B``.

        Parameters
        ----------
        population : Population
        tau : float
            Synaptic time constant in seconds (> 0); longer is more accurate.
        A : (d, d) array or scalar, optional
            Linear dynamics (exclusive with ``function``); 0 gives an integrator.
        function : callable, optional
            ``f(x) -> (d,)``, the nonlinear dynamics.
        B : (d, d_u) array or scalar, optional
            Input matrix (identity when None and ``input`` is given).
        input : Input, optional
        solver : Solver, optional

        Returns
        -------
        feedback, input_connection : Connection, Connection or None
        """
        tau = check_positive("tau", tau)
        d = population.dimensions
        syn = Lowpass(tau)
        if (A is None) == (function is None):
            raise ValidationError("recurrent: give exactly one of A and function")
        if function is None:
            A_mat = _transform(A, d, d)
            feedback = self.connect(
                population,
                population,
                transform=tau * A_mat + np.eye(d),
                synapse=syn,
                solver=solver,
            )
        else:
            f = function

            def g(x: np.ndarray) -> np.ndarray:
                return tau * np.asarray(f(x), float) + x

            feedback = self.connect(
                population, population, function=g, synapse=syn, solver=solver
            )
        conn_in = None
        if input is not None:
            B_mat = _transform(B, input.dimensions, d)
            conn_in = self.connect(
                input, population, transform=tau * B_mat, synapse=syn
            )
        return feedback, conn_in

    def probe(
        self,
        target: Population | Input,
        synapse: Any = 0.01,
        *,
        function: Callable | None = None,
        solver: Solver | None = None,
    ) -> Probe:
        """Record the decoded value of a population (or an input), filtered.

        The decoded value is ``synapse(spikes) @ D`` for the decoders of
        ``function`` (identity when None), computed inside the loop.
        ``synapse=None`` records the unfiltered ``spikes @ D`` (impulses of
        height ``1/dt``) or, for rate neurons, ``rates @ D``.
        """
        conn = self._link(target, None, function, None, synapse, solver, None, False)
        probe = Probe(target, "decoded", conn)
        self.probes.append(probe)
        return probe

    def probe_spikes(self, population: Population) -> Probe:
        """Record spikes (1 where a neuron spiked in a step; rates for LIFRate)."""
        self.add(population)
        probe = Probe(population, "spikes")
        self.probes.append(probe)
        return probe

    # --------------------------------------------------------------- simulating
    def run(self, T: float, dt: float = 1e-3) -> Result:
        """Simulate for ``T`` seconds with step ``dt``; returns a :class:`Result`."""
        t0 = time.perf_counter()
        dt = check_dt(dt)
        T = check_positive("T", T)
        n_steps = int(round(T / dt))
        if n_steps < 1:
            raise ValidationError(f"T: shorter than one step dt={dt:g} (got {T:g})")
        rng = as_rng(self.seed)
        pops = self.populations
        idx = {id(p): i for i, p in enumerate(pops)}
        U = {id(u): u.samples(n_steps, dt) for u in self.inputs}
        links = [(c, None) for c in self.connections] + [
            (p.connection, p) for p in self.probes if p.kind == "decoded"
        ]
        # per population: concatenated outgoing weights and the column slices
        cols: list[list[np.ndarray]] = [[] for _ in pops]
        n_out = [0] * len(pops)
        sims = []
        for conn, probe in links:
            width = conn.weights.shape[1]
            if isinstance(conn.pre, Population):
                i = idx[id(conn.pre)]
                src = ("pop", i, slice(n_out[i], n_out[i] + width))
                cols[i].append(conn.weights)
                n_out[i] += width
            else:
                src = ("input", U[id(conn.pre)] @ conn.weights, None)
            if conn.synapse is None:
                filt = None
            else:
                Ad, Bd, Cd, Dd = conn.synapse.discretize(dt)
                filt = [Ad, Bd, Cd, Dd, np.zeros((Ad.shape[0], width))]
            post = None if conn.post is None else idx[id(conn.post)]
            rec = np.zeros((n_steps, width)) if probe is not None else None
            sims.append((src, filt, post, conn.expand, rec, probe))
        state = []
        self.initial_voltages_ = {}
        for i, p in enumerate(pops):
            n = p.n_neurons
            self.initial_voltages_[p] = rng.uniform(0.0, 1.0, n)
            dec = np.hstack(cols[i]) if cols[i] else np.zeros((n, 0))
            state.append(
                dict(
                    v=self.initial_voltages_[p].copy(),
                    ref=np.zeros(n),
                    bias=np.ascontiguousarray(p.bias_),
                    enc=np.ascontiguousarray(p.scaled_encoders_),
                    s_enc=np.zeros(p.dimensions),
                    j_dir=np.zeros(n),
                    dec=np.ascontiguousarray(dec),
                    out=np.zeros(dec.shape[1]),
                    act=np.zeros(n),
                    spiking=type(p.neuron) is LIF,
                    tau_rc=p.neuron.tau_rc,
                    tau_ref=p.neuron.tau_ref,
                    full=-np.expm1(-dt / p.neuron.tau_rc),
                )
            )
        spike_recs = {
            id(pr): np.zeros((n_steps, pr.target.n_neurons), dtype=np.float32)
            for pr in self.probes
            if pr.kind == "spikes"
        }
        spike_probes = [
            (idx[id(pr.target)], spike_recs[id(pr)])
            for pr in self.probes
            if pr.kind == "spikes"
        ]
        has_dir = [any(s[2] == i and s[3] for s in sims) for i in range(len(pops))]
        t1 = time.perf_counter()
        for k in range(n_steps):
            for s in state:
                s["s_enc"][:] = 0.0
            for i in range(len(pops)):
                if has_dir[i]:
                    state[i]["j_dir"][:] = 0.0
            # synapse outputs (from the state before this step's input)
            for src, filt, post, expand, _, _ in sims:
                if post is None:
                    continue
                if filt is None:
                    y = src[1][k]
                else:
                    y = filt[2] @ filt[4]
                    if src[0] == "input" and filt[3] != 0:
                        y = y + filt[3] * src[1][k]
                state[post]["j_dir" if expand else "s_enc"] += y
            for s in state:
                if s["spiking"]:
                    nef_lif_step(
                        s["v"], s["ref"], s["bias"], s["enc"], s["s_enc"], s["j_dir"],
                        s["dec"], s["out"], s["act"], dt, s["tau_rc"], s["tau_ref"],
                        s["full"],
                    )  # fmt: skip
                else:
                    nef_rate_step(
                        s["bias"], s["enc"], s["s_enc"], s["j_dir"], s["dec"],
                        s["out"], s["act"], s["tau_rc"], s["tau_ref"],
                    )  # fmt: skip
            # synapses take this step's input
            for src, filt, _, _, rec, _ in sims:
                x = src[1][k] if src[0] == "input" else state[src[1]]["out"][src[2]]
                if filt is None:
                    if rec is not None:
                        rec[k] = x
                    continue
                X = filt[4]
                X[:] = filt[0] @ X + np.outer(filt[1], x)
                if rec is not None:
                    rec[k] = filt[2] @ X
            for i, rec in spike_probes:
                rec[k] = state[i]["act"]
        t2 = time.perf_counter()
        res = Result(t=(np.arange(n_steps) + 1) * dt, build_s=t1 - t0, run_s=t2 - t1)
        for *_, rec, probe in sims:
            if probe is not None:
                res.data[probe] = rec
        for pr in self.probes:
            if pr.kind == "spikes":
                res.data[pr] = spike_recs[id(pr)]
        return res


def _impulse_dc_gain(synapse: LinearFilter, dt: float) -> float:
    """Steady output of ``synapse`` for one unit-area spike per ``dt`` at step ends.

    The network simulator's readout monitors sample the exact filtered spike
    train at step ends, right after the step's spikes, so a neuron firing at
    rate ``r`` reads as ``G r`` with ``G = dt sum_k h(k dt)`` (a left Riemann
    sum; ``1 + dt / (2 tau)`` for a Lowpass), not ``r``. (Neuron inputs get
    the filtered drive integrated over each step, whose gain is exactly 1.)
    """
    A, B, C, D = synapse.discretize(dt, "impulse")
    if A.shape[0] == 0:
        return float(D)
    return float(C @ np.linalg.solve(np.eye(A.shape[0]) - A, B) + D)


def to_network(model: Model, T: float, dt: float = 1e-3) -> tuple[Any, dict]:
    """The same NEF model as a :class:`~neurosim.Network` (run by ``ns.Simulator``).

    Each LIF population becomes a ``NeuronGroup`` with ``gain = gain_ / radius``,
    ``bias = bias_`` and the model's initial voltages; inputs are encoded
    (``u @ weights @ encoders^T``, filtered offline by their synapse, which is
    exact for a known input) and added per neuron; population-to-population
    connections use ``Factored(decoders @ transform^T, encoders^T)`` (or the
    dense matrix when ``expand``); decoded probes become readout monitors,
    whose decoders are divided by the sampled synapse's DC gain
    (:func:`_impulse_dc_gain`) so that decoded values keep unit gain (without
    it a 10 ms lowpass reads 5% high at dt = 1 ms).

    Parameters
    ----------
    model : Model
    T, dt : float
        Duration and step of the run the inputs are prepared for (s).

    Returns
    -------
    net : Network
    monitors : dict
        ``Probe -> ReadoutMonitor or SpikeMonitor`` (probes of populations;
        an input's probe has no network counterpart: filter it offline).

    Notes
    -----
    Differences from :meth:`Model.run`: the network's LIF voltages are not
    clipped at 0 from below, and a spike reaches its synapse at the end of its
    step. Inputs are stored per neuron (``n_steps x n_neurons`` floats), so
    this suits small and medium models.
    """
    from .sim import Factored, Network, NeuronGroup

    dt = check_dt(dt)
    n_steps = int(round(check_positive("T", T) / dt))
    net = Network(seed=model.seed)
    rng = as_rng(model.seed)
    groups = {}
    drive = {}
    for p in model.populations:
        if type(p.neuron) is not LIF:
            raise ValidationError(
                f"to_network: only spiking LIF populations (got {p.neuron!r})"
            )
        v0 = rng.uniform(0.0, 1.0, p.n_neurons)
        groups[p] = net.add(
            NeuronGroup(
                p.n_neurons, p.neuron, gain=p.gain_ / p.radius, bias=p.bias_, v0=v0
            )
        )
        drive[p] = np.zeros((n_steps, p.n_neurons))
    for c in model.connections:
        if isinstance(c.pre, Input):
            x = c.pre.samples(n_steps, dt) @ c.weights
            if c.synapse is not None:
                x = c.synapse.filt(x, dt)
            drive[c.post] += x @ c.post.encoders_.T
            continue
        if c.expand:
            # the group's gain multiplies its inputs: take it out of the matrix
            w = c.weights / (c.post.gain_ / c.post.radius)[None, :]
        else:
            w = Factored(c.weights, c.post.encoders_.T)
        net.connect(groups[c.pre], groups[c.post], w, synapse=c.synapse)
    for p, J in drive.items():
        if np.any(J):
            net.add_input(groups[p], J)
    monitors = {}
    for pr in model.probes:
        if isinstance(pr.target, Input):
            continue
        g = groups[pr.target]
        if pr.kind == "spikes":
            monitors[pr] = net.monitor_spikes(g)
        else:
            conn = pr.connection
            G = _impulse_dc_gain(conn.synapse, dt)
            monitors[pr] = net.monitor_readout(g, conn.weights / G, conn.synapse)
    return net, monitors


def _transform(transform: Any, d_in: int, d_out: int) -> np.ndarray:
    """A ``(d_out, d_in)`` matrix from None (identity), a scalar or an array."""
    if transform is None:
        if d_in != d_out:
            raise ShapeError(
                f"transform: needed to map {d_in} dimensions onto {d_out} "
                f"(got None, which means identity)"
            )
        return np.eye(d_out)
    T = as_float_array("transform", transform, ndim=(0, 2))
    if T.ndim == 0:
        if d_in != d_out:
            raise ShapeError(
                f"transform: a scalar needs equal dimensions (got {d_in} -> {d_out})"
            )
        return float(T) * np.eye(d_out)
    if T.shape != (d_out, d_in):
        raise ShapeError(f"transform: expected shape ({d_out}, {d_in}) (got {T.shape})")
    return T
