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
:meth:`Model.run` builds the model onto the network simulator
(:meth:`Model.build_network`: a :class:`~neurosim.Network` run by
:class:`~neurosim.Simulator`, whose whole time loop is compiled, on the CPU or
a GPU). Step ``k`` (time ``t_k = (k + 1) dt``): every population receives the
current outputs of its incoming synapses (inputs connected without synapse
arrive in the same step), its neurons advance by ``dt`` (LIF: exact update of
:func:`neurosim.kernels.lif.lif_step`, voltages clipped at
``LIF.min_voltage``, 0 by default as in Nengo; a spike is a ``1/dt``
impulse), and each synapse takes its input of step ``k`` (zero-order hold,
:meth:`~neurosim.LinearFilter.discretize`; the network's
``discretization="zoh"``), so connections between populations have one step
of delay. Probes record the synapse output after this update (it includes
step ``k``'s spikes). This is the convention of Nengo's reference simulator,
and with the same neurons and initial voltages the spikes are the same.

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

from .._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_dt,
    check_positive,
    check_steps,
)
from ..exceptions import ShapeError, ValidationError
from ..neurons import LIF, LIFRate
from ..sim import Factored, Network, NeuronGroup, Simulator
from ..synapses import LinearFilter, Lowpass
from .decoding import Decoder
from .encoding import Population
from .solvers import Solver


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
        """The input as an ``(n_steps, dimensions)`` array for step ``dt``.

        Parameters
        ----------
        n_steps : int
            Number of steps.
        dt : float
            Time step in seconds.

        Returns
        -------
        numpy.ndarray
            ``(n_steps, dimensions)`` values, row ``k`` at ``t = (k + 1) dt``.
        """
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
        Source and target (``post`` None for a probe's decoding).
    synapse : LinearFilter or None
        The post-synaptic filter.
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
    """A recorded quantity (from :meth:`Model.probe` or :meth:`Model.probe_spikes`).

    Attributes
    ----------
    target : Population or Input
        What is recorded.
    kind : {"decoded", "spikes"}
        A decoded (filtered) value, or spikes.
    connection : Connection or None
        The decoding connection of a decoded probe.
    label : str or None
        A name for plots.
    """

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
        """Add a population (done automatically by ``connect`` and ``probe``).

        Parameters
        ----------
        population : Population
            A population of LIF or LIFRate neurons.

        Returns
        -------
        Population
            ``population``.
        """
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
        """Add an :class:`Input` (a function of time, samples or a constant).

        Parameters
        ----------
        value : callable, array or float
            As in :class:`Input`.
        label : str, optional
            A name for plots.

        Returns
        -------
        Input
            The new input, to connect and probe.
        """
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

        Returns
        -------
        Connection
            The built connection (decoders, weights).
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

        Parameters
        ----------
        target : Population or Input
            What to record.
        synapse : LinearFilter, float (Lowpass tau in s) or None
            Filter of the recorded value. Default ``Lowpass(0.01)``.
        function : callable, optional
            Decode ``function(x)`` instead of ``x``.
        solver : Solver, optional
            Decoder solver (default ``LstsqL2()``).

        Returns
        -------
        Probe
            Index :meth:`run`'s result with it.
        """
        conn = self._link(target, None, function, None, synapse, solver, None, False)
        probe = Probe(target, "decoded", conn)
        self.probes.append(probe)
        return probe

    def probe_spikes(self, population: Population) -> Probe:
        """Record spikes (1 where a neuron spiked in a step; rates for LIFRate).

        Parameters
        ----------
        population : Population
            The population whose spikes are recorded.

        Returns
        -------
        Probe
            Index :meth:`run`'s result with it: ``(n_steps, n_neurons)``.
        """
        self.add(population)
        probe = Probe(population, "spikes")
        self.probes.append(probe)
        return probe

    # --------------------------------------------------------------- simulating
    def run(self, T: float, dt: float = 1e-3, backend: str = "auto") -> Result:
        """Simulate for ``T`` seconds with step ``dt``; returns a :class:`Result`.

        The model is built onto a :class:`~neurosim.Network` (see
        :meth:`build_network`) and run by :class:`~neurosim.Simulator`, whose
        whole time loop is compiled; ``backend`` (``"auto"``, ``"cpu"`` or
        ``"cuda"``) is passed to it.

        Parameters
        ----------
        T : float
            Duration in seconds (at least one step).
        dt : float
            Time step in seconds. Default 1e-3.
        backend : {"auto", "cpu", "cuda"}
            Where the simulator runs. Default ``"auto"``.

        Returns
        -------
        Result
            Step times and every probe's record.
        """
        t0 = time.perf_counter()
        dt = check_dt(dt)
        T = check_positive("T", T)
        n_steps = check_steps("T", T, dt)
        if n_steps < 1:
            raise ValidationError(f"T: shorter than one step dt={dt:g} (got {T:g})")
        net, monitors, offline = self.build_network(n_steps, dt)
        sim = Simulator(net, dt=dt, backend=backend, progress=False)
        t1 = time.perf_counter()
        sim.run(n_steps * dt)
        t2 = time.perf_counter()
        res = Result(t=(np.arange(n_steps) + 1) * dt, build_s=t1 - t0, run_s=t2 - t1)
        res.data.update(offline)
        for pr, mon in monitors.items():
            if pr.kind == "decoded":
                res.data[pr] = mon.data
            elif isinstance(pr.target.neuron, LIF):
                out = np.zeros((n_steps, pr.target.n_neurons), dtype=np.float32)
                out[mon.steps, mon.indices] = 1.0
                res.data[pr] = out
            else:  # rate neurons: their rates
                res.data[pr] = mon.v.astype(np.float32)
        return res

    def build_network(self, n_steps: int, dt: float) -> tuple[Any, dict, dict]:
        """This model as a :class:`~neurosim.Network` for ``n_steps`` of ``dt``.

        Each population becomes a ``NeuronGroup`` (gain 1, ``bias_``, initial
        voltages uniform in ``[0, 1)`` from the model's seed, stored in
        ``initial_voltages_``; LIF voltages clipped at ``min_voltage``, 0 when
        the neuron leaves it None). Connections between populations are
        ``Factored(decoders @ transform^T, scaled_encoders^T)`` (or the full
        matrix when ``expand``) with the zero-order-hold discretisation of
        their synapse (``discretization="zoh"``), the convention of Nengo's
        reference simulator. The inputs of a population, each times its
        transform and filtered by its synapse (known in advance, so filtered
        here, by the same recurrence), are summed into one ``d``-dimensional
        signal, encoded inside the loop (``add_input(..., weights=
        scaled_encoders^T)``). Decoded probes are ZOH readout monitors (unit
        DC gain); spike probes are spike monitors (state monitors of the rates
        for rate neurons).

        Parameters
        ----------
        n_steps : int
            Steps the network will run (inputs are sampled for them).
        dt : float
            Time step in seconds.

        Returns
        -------
        net : Network
        monitors : dict
            ``Probe -> monitor`` for probes of populations.
        offline : dict
            ``Probe -> (n_steps, d) array`` for probes of inputs.
        """
        rng = as_rng(self.seed)
        net = Network()
        groups = {}
        self.initial_voltages_ = {}
        for p in self.populations:
            v0 = rng.uniform(0.0, 1.0, p.n_neurons)
            self.initial_voltages_[p] = v0.copy()
            neuron = p.neuron
            if type(neuron) is LIF and neuron.min_voltage is None:
                neuron = LIF(neuron.tau_rc, neuron.tau_ref, min_voltage=0.0)
            groups[p] = net.add(NeuronGroup(p.n_neurons, neuron, bias=p.bias_, v0=v0))
        U = {id(u): u.samples(n_steps, dt) for u in self.inputs}
        drive: dict[Population, np.ndarray] = {}
        for c in self.connections:
            if isinstance(c.pre, Input):
                x = _filter(U[id(c.pre)] @ c.weights, c.synapse, dt)
                drive[c.post] = drive[c.post] + x if c.post in drive else x
                continue
            w = (
                c.weights
                if c.expand
                else Factored(c.weights, c.post.scaled_encoders_.T)
            )
            net.connect(
                groups[c.pre], groups[c.post], w, synapse=c.synapse,
                discretization="zoh",
            )  # fmt: skip
        for p, x in drive.items():
            net.add_input(groups[p], x, weights=p.scaled_encoders_.T)
        monitors: dict[Probe, Any] = {}
        offline: dict[Probe, np.ndarray] = {}
        for pr in self.probes:
            if isinstance(pr.target, Input):
                x = U[id(pr.target)] @ pr.connection.weights
                offline[pr] = _filter(x, pr.connection.synapse, dt, probe=True)
                continue
            g = groups[pr.target]
            if pr.kind == "decoded":
                conn = pr.connection
                monitors[pr] = net.monitor_readout(
                    g, conn.weights, conn.synapse, discretization="zoh"
                )
            elif isinstance(pr.target.neuron, LIF):
                monitors[pr] = net.monitor_spikes(g)
            else:
                monitors[pr] = net.monitor_state(g, "v", record=True)
        return net, monitors, offline


def _filter(
    x: np.ndarray, synapse: LinearFilter | None, dt: float, probe: bool = False
) -> np.ndarray:
    """``x (n_steps, d)`` through ``synapse``'s zero-order-hold discretisation.

    ``x[k]`` is the input of step ``k``. As a population's input (``probe``
    False) the output of step ``k`` is ``C X_k + D x[k]`` (the state before
    step ``k``'s input: one step of delay for strictly proper filters); as a
    probe it is ``C X_{k+1}``, after that input, as decoded probes are.
    """
    if synapse is None:
        return x
    A, B, C, D = synapse.discretize(dt)
    X = np.zeros((A.shape[0], x.shape[1]))
    out = np.empty_like(x)
    for k in range(x.shape[0]):
        if not probe:
            out[k] = C @ X + D * x[k]
        X = A @ X + np.outer(B, x[k])
        if probe:
            out[k] = C @ X
    return out


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
