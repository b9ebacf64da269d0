"""Network descriptions: neuron groups, connections, inputs and monitors.

Nothing here holds simulation state; :class:`~neurosim.Simulator` builds the
arrays from these descriptions (randomly drawn connectivity included, from the
network's ``seed``).

Weights and synapses
--------------------
Every synapse is a unit-area filter (:mod:`neurosim.synapses`): a spike of
weight ``w`` through a synapse with impulse response ``h`` adds
``w h(t - t_spike)`` to the post-synaptic input ``I``, whose integral is ``w``.
So ``w`` is the *charge* of one spike, in the unit of ``I`` times seconds.
For a :class:`~neurosim.LIFNeuron` (``I`` in volts) through
``Lowpass(tau)``, the input jumps by ``w / tau`` and decays with ``tau``;
Brian2's CUBA rule ``ge += we`` with ``dge/dt = -ge/taue`` is therefore
``w = we * taue`` (``1.62 mV * 5 ms`` for the excitatory synapses). A
conductance-based connection (``reversal=E``) adds ``w h`` to the
dimensionless conductance ``g`` (relative to the leak) in
``tau_m dv/dt = (v_rest - v) + g (E - v) + I``; Brian2's ``ge += we`` is again
``w = we * taue``.

Plasticity
----------
``connect(..., plasticity=ns.learning.STDP(...))`` updates the weights inside
the compiled loop, with the offline rule's conventions
(:meth:`neurosim.learning.STDP.run`): one exponential trace per presynaptic
and per postsynaptic neuron (all-to-all pairing, additive, hard bounds
``[w_min, w_max]`` applied at every update), spike times on the step grid.
The presynaptic spike reaches the synapse ``delay`` after it was emitted: the
pre trace and the depression use that arrival step (the post spike acts at
its own step). With per-synapse delays the pre trace is the synapse's own
(as Brian2's event-driven ``x``, which ``on_pre`` updates at the arrival):
the trace of the arrivals at that synapse, which is the presynaptic
neuron's trace of its emitted spikes ``delay`` steps earlier, so the loop
keeps that trace for the last ``max delay + 2`` steps instead of one value
per synapse. Each synapse's arrival carries the weight it has at arrival.
In each step, after the spikes leave with their weights (a spike carries
the weight from before its own update, as Brian2's
``on_pre = "v += w; ..."``): the traces decay by ``exp(-dt/tau)``; each
arriving pre spike depresses ``w -= A_- y_post``; each post spike potentiates
``w += A_+ x_pre``; then the step's arrivals and spikes add 1 to the traces,
so a pre arrival and a post spike in the same step do not interact
(``W(0) = 0``; Brian2's ``on_pre``-first order would potentiate them by
``A_+``). The weights and traces are run state (snapshots include them); the
rule's parameters are fixed at build. STDP is one
:class:`~neurosim.learning.PlasticityRule`; every rule, built-in or
user-written, follows these conventions (:mod:`neurosim.learning.rule`).
"""

from __future__ import annotations

import difflib
import numbers
from typing import Any

import numpy as np
import scipy.sparse

from .._validation import (
    SeedLike,
    as_float_array,
    check_alloc,
    check_choice,
    check_count,
    check_nonnegative,
    check_number,
)
from ..exceptions import ShapeError, ValidationError
from ..learning.rule import PlasticityRule
from ..neurons.base import NeuronType
from ..neurons.lif import LIFRate
from ..neurons.model import NeuronModel, raw_function
from ..synapses import LinearFilter
from .monitors import (
    DISCRETIZATIONS,
    ReadoutMonitor,
    SpikeMonitor,
    StateMonitor,
    WeightMonitor,
)


class NeuronGroup:
    """A population of ``n`` neurons of one model.

    Parameters
    ----------
    n : int
        Number of neurons (>= 1).
    model : NeuronType
        :class:`~neurosim.LIF` (dimensionless), :class:`~neurosim.LIFRate`
        (its rate version: each neuron passes ``rate * dt`` through its
        connections every step; ``v`` reads as the rate in Hz),
        :class:`~neurosim.LIFNeuron` (volts), :class:`~neurosim.PoissonSource` or
        :class:`~neurosim.SpikeSource`.
    v0 : float or (n,) array, optional
        Initial membrane voltage in the model's unit (default: ``0`` for LIF,
        ``v_rest`` for LIFNeuron).
    gain : float or (n,) array
        Multiplies every input (synaptic and external) of each neuron.
        Default 1.
    bias : float or (n,) array
        Constant input added after the gain, in the model's input unit (volts
        for LIFNeuron). Default 0. With ``LIF``, ``J = gain * I + bias`` is the
        NEF's current (gain and bias from ``LIF.gain_bias``).
    name : str, optional

    Notes
    -----
    ``group[a:b]`` (or any slice with step 1) is a :class:`GroupView` that can
    be connected and monitored like the group itself.
    """

    def __init__(
        self,
        n: int,
        model: NeuronType,
        *,
        v0: Any = None,
        gain: Any = 1.0,
        bias: Any = 0.0,
        name: str | None = None,
    ) -> None:
        self.n = check_number("NeuronGroup.n", n, low=1, integer=True)
        check_alloc("NeuronGroup.n", self.n, what="the neurons' state")
        if not isinstance(model, NeuronType):
            raise TypeError(
                f"NeuronGroup.model: expected a NeuronType such as ns.LIF() "
                f"(got {type(model).__name__})"
            )
        self.model = model
        if isinstance(model, NeuronModel) and model.n_per_neuron() not in (None, n):
            raise ShapeError(
                f"NeuronGroup.model: {type(model).__name__} has per-neuron "
                f"parameters of length {model.n_per_neuron()} for {n} neurons"
            )
        self.v0 = None if v0 is None else self._per_neuron("v0", v0)
        self.gain = self._per_neuron("gain", gain)
        self.bias = self._per_neuron("bias", bias)
        self.name = name

    def _per_neuron(self, what: str, x: Any) -> np.ndarray:
        arr = as_float_array(f"NeuronGroup.{what}", x, ndim=(0, 1))
        if arr.ndim == 1 and arr.shape[0] != self.n:
            raise ShapeError(
                f"NeuronGroup.{what}: expected a scalar or shape ({self.n},) "
                f"(got {arr.shape})"
            )
        return np.broadcast_to(arr, (self.n,)).copy()

    @property
    def group(self) -> NeuronGroup:
        """The group itself (a view's ``group`` is its parent)."""
        return self

    @property
    def start(self) -> int:
        """First neuron of the group (0; views start elsewhere)."""
        return 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: slice) -> GroupView:
        if not isinstance(key, slice):
            raise TypeError(
                f"NeuronGroup[...]: expected a slice such as P[:3200] (got {key!r})"
            )
        start, stop, step = key.indices(self.n)
        if step != 1 or stop <= start:
            raise ValidationError(
                f"NeuronGroup[...]: expected a non-empty contiguous slice (got {key})"
            )
        return GroupView(self, start, stop)

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"<NeuronGroup{name} n={self.n} model={self.model!r}>"


class GroupView:
    """The neurons ``group[start:stop]`` of a :class:`NeuronGroup` (a view).

    Made by slicing, ``group[a:b]``; it is connected, driven and monitored
    like the group itself and holds no state of its own.

    Parameters
    ----------
    group : NeuronGroup
        The parent group.
    start : int
        Index of the view's first neuron in ``group``.
    stop : int
        One past the index of its last neuron (``start < stop <= group.n``).
    """

    def __init__(self, group: NeuronGroup, start: int, stop: int) -> None:
        self.group = group
        self.start = start
        self.n = stop - start

    @property
    def model(self) -> NeuronType:
        """The parent group's neuron model."""
        return self.group.model

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: slice) -> GroupView:
        if not isinstance(key, slice):
            raise TypeError(f"GroupView[...]: expected a slice (got {key!r})")
        start, stop, step = key.indices(self.n)
        if step != 1 or stop <= start:
            raise ValidationError(
                f"GroupView[...]: expected a non-empty contiguous slice (got {key})"
            )
        return GroupView(self.group, self.start + start, self.start + stop)

    def __repr__(self) -> str:
        return f"<GroupView {self.start}:{self.start + self.n} of {self.group!r}>"


Target = NeuronGroup | GroupView


class Random:
    """Fixed-probability connectivity: each pair is connected with probability ``p``.

    Parameters
    ----------
    p : float
        Connection probability in ``[0, 1]``.
    value : float
        Weight of every synapse (see the module docstring for units).
    allow_self : bool
        Whether a neuron may connect to itself when pre and post overlap
        (default True, as Brian2's ``connect(p=...)``).

    Notes
    -----
    Drawn when the simulator is built, from the network's generator, without
    any ``n_pre x n_post`` array: the flat indices of the connected pairs are
    the running sums of geometric gaps (the waiting times of Bernoulli(p)
    trials), which gives exactly independent Bernoulli(p) pairs in row-major
    order, i.e. a CSR matrix directly.
    """

    def __init__(self, p: float, value: float, allow_self: bool = True) -> None:
        self.p = check_number("Random.p", p, low=0.0, high=1.0)
        self.value = check_number("Random.value", value)
        self.allow_self = bool(allow_self)

    def __repr__(self) -> str:
        return f"Random(p={self.p!r}, value={self.value!r})"

    def sample(
        self,
        n_pre: int,
        n_post: int,
        rng: np.random.Generator,
        self_offset: int | None = None,
    ) -> scipy.sparse.csr_matrix:
        """Draw the ``(n_pre, n_post)`` CSR weight matrix.

        Parameters
        ----------
        n_pre : int
            Number of presynaptic neurons (rows).
        n_post : int
            Number of postsynaptic neurons (columns).
        rng : numpy.random.Generator
            Source of the draws (the simulator passes the network's).
        self_offset : int, optional
            ``post.start - pre.start`` when pre and post are views of the same
            group: entry ``(j, i)`` with ``j == i + self_offset`` is a neuron
            connected to itself, dropped unless ``allow_self``. None (default)
            when the groups differ.

        Returns
        -------
        scipy.sparse.csr_matrix
            ``(n_pre, n_post)`` weights: ``value`` at the connected pairs,
            structurally absent elsewhere, column indices sorted in each row.
        """
        total = n_pre * n_post
        if self.p == 0.0 or total == 0:
            flat = np.zeros(0, dtype=np.int64)
        elif self.p == 1.0:
            flat = np.arange(total, dtype=np.int64)
        else:
            chunks = []
            pos = -1
            expect = self.p * total
            while True:
                size = int(expect + 5.0 * np.sqrt(expect) + 100)
                if self.p > 1e-9:
                    gaps = rng.geometric(self.p, size=size).astype(np.int64)
                else:  # gaps beyond int64: draw them as floats, cap past the end
                    g = np.floor(np.log(rng.random(size)) / np.log1p(-self.p)) + 1
                    gaps = np.minimum(g, total + 1).astype(np.int64)
                idx = pos + np.cumsum(gaps)
                keep = idx[idx < total]
                chunks.append(keep)
                if keep.size < idx.size:
                    break
                pos = int(idx[-1])
                expect = self.p * (total - pos)
            flat = np.concatenate(chunks)
        rows = flat // n_post
        cols = flat % n_post
        if not self.allow_self and self_offset is not None:
            keep = rows != cols + self_offset
            rows, cols = rows[keep], cols[keep]
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_pre), out=indptr[1:])
        data = np.full(cols.size, self.value)
        return scipy.sparse.csr_matrix((data, cols, indptr), shape=(n_pre, n_post))


class OneToOne:
    """Neuron ``i`` of pre drives neuron ``i`` of post (equal sizes).

    Parameters
    ----------
    value : float or (n,) array
        Weight of each connection.
    """

    def __init__(self, value: Any = 1.0) -> None:
        self.value = as_float_array("OneToOne.value", value, ndim=(0, 1))


class Factored:
    """Low-rank weights ``W = left @ right``, applied as two thin products.

    Parameters
    ----------
    left : (n_pre, d) array
        E.g. the decoders of the pre population.
    right : (d, n_post) array
        E.g. the post population's encoders (times gains) transposed.

    Notes
    -----
    The synapse filters the ``d``-dimensional signal ``left^T s(t)`` (``s`` the
    pre spikes), and the post input is ``right^T`` times the filtered signal;
    linearity makes this equal to filtering ``W^T s``, at ``O(d (n_spikes +
    n_post))`` per step instead of ``O(n_spikes n_post)``.
    """

    def __init__(self, left: Any, right: Any) -> None:
        self.left = as_float_array("Factored.left", left, ndim=2)
        self.right = as_float_array("Factored.right", right, ndim=2)
        if self.left.shape[1] != self.right.shape[0]:
            raise ShapeError(
                f"Factored: left is {self.left.shape} and right is "
                f"{self.right.shape}; expected (n_pre, d) and (d, n_post)"
            )

    @property
    def d(self) -> int:
        """Inner dimension."""
        return self.left.shape[1]


class Connection:
    """A projection from ``pre`` to ``post`` (made by :meth:`Network.connect`).

    A plain record of the checked arguments of :meth:`Network.connect`; the
    simulator builds the synapse state from it.

    Parameters
    ----------
    pre : NeuronGroup or GroupView
        The presynaptic neurons.
    post : NeuronGroup or GroupView
        The postsynaptic neurons.
    weights : ndarray, sparse matrix, Random, OneToOne or Factored
        The ``(n_pre, n_post)`` weights, ``weights[j, i]`` from pre ``j`` to
        post ``i`` (a spike's charge, in the post input's unit times seconds).
    synapse : LinearFilter or None
        Post-synaptic filter (unit area); None delivers a spike as the input
        ``w / dt`` during the next step.
    delay : float, ndarray or Distribution
        Transmission delay in seconds (>= 0): one for the connection, or per
        synapse (checked by :meth:`Network.connect`).
    reversal : float or None
        Reversal potential in volts for a conductance-based connection, None
        for a current-based one.
    discretization : {"exact", "zoh"}
        How spikes and the synapse are discretised in time (see
        :meth:`Network.connect`).
    plasticity : STDP or None
        The online learning rule of a plastic connection, None for fixed
        weights.
    port : str or None
        The input port of a :class:`~neurosim.NeuronModel` target that the
        connection drives; None for the first port.
    """

    def __init__(
        self,
        pre: Target,
        post: Target,
        weights: Any,
        synapse: LinearFilter | None,
        delay: Any,
        reversal: float | None,
        discretization: str = "exact",
        plasticity: Any = None,
        port: str | None = None,
    ) -> None:
        self.pre = pre
        self.post = post
        self.weights = weights
        self.synapse = synapse
        self.delay = delay
        self.reversal = reversal
        self.discretization = discretization
        self.plasticity = plasticity
        self.port = port

    @property
    def n_synapses(self) -> int | None:
        """Stored weights of a dense or sparse connection (None until built)."""
        w = self.weights
        if isinstance(w, np.ndarray):
            return int(w.size)
        return int(w.nnz) if scipy.sparse.issparse(w) else None

    def __repr__(self) -> str:
        return (
            f"<Connection {self.pre!r} -> {self.post!r} synapse={self.synapse!r} "
            f"delay={self.delay!r}>"
        )


def _check_weights(weights: Any, n_pre: int, n_post: int) -> Any:
    """Normalise ``weights`` to a dense array, CSR matrix, or a rule object."""
    if isinstance(weights, Random):
        return weights
    if isinstance(weights, OneToOne):
        if n_pre != n_post:
            raise ShapeError(
                f"weights: OneToOne needs pre and post of equal size "
                f"(got {n_pre} and {n_post})"
            )
        if weights.value.ndim == 1 and weights.value.shape[0] != n_pre:
            raise ShapeError(
                f"weights: OneToOne value must be a scalar or shape ({n_pre},) "
                f"(got {weights.value.shape})"
            )
        return weights
    if isinstance(weights, Factored):
        if weights.left.shape[0] != n_pre or weights.right.shape[1] != n_post:
            raise ShapeError(
                f"weights: Factored left {weights.left.shape} and right "
                f"{weights.right.shape} do not fit (n_pre, d) = ({n_pre}, d) and "
                f"(d, n_post) = (d, {n_post})"
            )
        return weights
    if scipy.sparse.issparse(weights):
        if weights.shape != (n_pre, n_post):
            raise ShapeError(
                f"weights: expected shape (n_pre, n_post) = ({n_pre}, {n_post}) "
                f"(got {weights.shape})"
            )
        w = scipy.sparse.csr_matrix(weights, dtype=np.float64)
        w.sum_duplicates()
        w.sort_indices()
        if not np.all(np.isfinite(w.data)):
            raise ValidationError("weights: contains NaN or infinite values")
        return w
    if isinstance(weights, numbers.Real) and not isinstance(weights, bool):
        return np.full((n_pre, n_post), check_number("weights", weights))
    w = as_float_array("weights", weights, ndim=2)
    if w.shape != (n_pre, n_post):
        raise ShapeError(
            f"weights: expected shape (n_pre, n_post) = ({n_pre}, {n_post}) "
            f"(got {w.shape})"
        )
    return w


class Network:
    """A container of neuron groups, connections, inputs and monitors.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        Seeds everything random when a simulator is built (connectivity,
        Poisson sources). The same seed gives the same network and spikes.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network(seed=1)
    >>> P = net.add(ns.NeuronGroup(10, ns.LIF(), bias=1.5))
    >>> spikes = net.monitor_spikes(P)
    >>> sim = ns.Simulator(net, dt=1e-3, progress=False)
    >>> sim.run(0.1)
    >>> int(spikes.count.sum())   # 41.7 Hz each for 0.1 s
    40
    """

    def __init__(self, seed: SeedLike = None) -> None:
        self.seed = seed
        self.groups: list[NeuronGroup] = []
        self.connections: list[Connection] = []
        # (target, value, port or None)
        self.inputs: list[tuple[Target, Any, str | None]] = []
        # (target, value, left (d, k), right (k, n)): encoded inputs
        self.encoded_inputs: list[tuple[Target, Any, np.ndarray, np.ndarray]] = []
        self.monitors: list[SpikeMonitor | StateMonitor | ReadoutMonitor] = []

    def add(self, group: NeuronGroup) -> NeuronGroup:
        """Add a neuron group to the network.

        Parameters
        ----------
        group : NeuronGroup
            The group; each group can be added once.

        Returns
        -------
        NeuronGroup
            ``group`` itself, so ``P = net.add(ns.NeuronGroup(...))`` works.

        Raises
        ------
        TypeError
            ``group`` is not a :class:`NeuronGroup`.
        ValueError
            The group was already added.
        """
        if not isinstance(group, NeuronGroup):
            raise TypeError(
                f"Network.add: expected a NeuronGroup (got {type(group).__name__})"
            )
        if any(g is group for g in self.groups):
            raise ValidationError("Network.add: this group was already added")
        self.groups.append(group)
        return group

    def _check_target(self, name: str, x: Any) -> Target:
        if not isinstance(x, NeuronGroup | GroupView):
            raise TypeError(
                f"{name}: expected a NeuronGroup or a view such as P[:10] "
                f"(got {type(x).__name__})"
            )
        if not any(g is x.group for g in self.groups):
            raise ValidationError(f"{name}: the group is not in this network")
        return x

    def connect(
        self,
        pre: Target,
        post: Target,
        weights: Any,
        synapse: LinearFilter | None = None,
        delay: Any = 0.0,
        reversal: float | None = None,
        discretization: str = "exact",
        plasticity: PlasticityRule | None = None,
        port: str | None = None,
    ) -> Connection:
        """Connect ``pre`` to ``post``.

        Parameters
        ----------
        pre, post : NeuronGroup or GroupView
            The presynaptic and postsynaptic neurons (groups of this network).
        weights : array, sparse matrix, float, Random, OneToOne or Factored
            A dense ``(n_pre, n_post)`` array or a scipy.sparse matrix:
            ``weights[j, i]`` is the weight from pre neuron ``j`` to post
            neuron ``i`` (a spike's charge; see the module docstring). A float
            connects all to all with that weight.
        synapse : LinearFilter or None
            Post-synaptic filter (any of :mod:`neurosim.synapses`, strictly
            proper). ``None`` delivers a spike of weight ``w`` as the input
            ``w / dt`` during the next step.
        delay : float, array or Distribution
            Transmission delay in seconds (>= 0); the spike reaches the
            synapse ``delay`` after the end of its step. A float is one delay
            for the whole connection and must be a multiple of ``dt``. Per
            synapse (heterogeneous delays, on dense, sparse, ``Random`` or
            ``OneToOne`` weights from a spiking group): an
            ``(n_pre, n_post)`` array for dense weights, an ``(nnz,)`` array
            in the order of the sparse weights' CSR data (column indices
            sorted in each row, duplicates summed), an ``(n,)`` array for
            ``OneToOne``, or a :class:`~neurosim.dists.Distribution` (such as
            ``ns.dists.Uniform(1e-3, 2e-2)``) drawn once per synapse from the
            network's seed when the simulator is built (after the
            connection's weights). Each per-synapse delay is rounded to the
            nearest whole step, ``round(delay / dt)`` (ties to even, as
            ``numpy.rint``), so a drawn delay need not be a multiple of
            ``dt``; at most 65535 steps. A synapse's spike is then delivered,
            and reaches its plasticity rule, that many steps after the step
            it was emitted in (see the module docstring, "Plasticity").
            :meth:`Simulator.weights` lists such a connection's synapses in
            the order it stores them: in each row by delay, then column.
        reversal : float, optional
            Reversal potential (volts, LIFNeuron targets only): makes the
            connection conductance-based.
        discretization : {"exact", "zoh"}
            ``"exact"`` (default): a spike is an impulse at the end of its
            step and a LIF target integrates the filtered input exactly over
            each step. ``"zoh"``: a spike of weight ``w`` is the pulse
            ``w / dt`` held over its step, the synapse state advances by its
            zero-order-hold discretisation
            (:meth:`~neurosim.LinearFilter.discretize`), and its output at the
            start of a step is held over the step
            (Nengo's convention; a neuron firing at rate ``r`` drives the
            target with exactly ``w r`` on average). The two differ by
            ``O(dt / tau)``.
        plasticity : PlasticityRule, optional
            Update the weights online during the run with this rule: pair
            STDP (:class:`~neurosim.learning.STDP`), short-term plasticity
            (:class:`~neurosim.learning.TsodyksMarkram`) or a user-written
            :class:`~neurosim.learning.PlasticityRule`. Dense, sparse or
            ``Random`` weights from a spiking group; CPU and CUDA backends. See the
            module docstring and :mod:`neurosim.learning.rule` for the
            conventions.
        port : str, optional
            The input port of a :class:`~neurosim.NeuronModel` target that
            the connection drives (default: its first port), e.g. ``"ge"``
            for a :class:`~neurosim.Conductance` port: the synapse's output
            is then the conductance ``g``, in the model's unit of ``g`` (a
            spike of weight ``w`` through ``Lowpass(tau)`` adds ``w / tau``,
            so Brian2's ``ge += we`` is ``w = we * tau``).

        Returns
        -------
        Connection
            The connection, recorded in the network.

        Raises
        ------
        TypeError, ValueError
            An argument of the wrong type or value (the message names it),
            e.g. a group not in this network, a synapse that is not strictly
            proper, a weight matrix of the wrong shape, a rule that needs
            postsynaptic spikes on a group that does not spike.
        """
        pre = self._check_target("pre", pre)
        post = self._check_target("post", post)
        rate_pre = type(pre.model) is LIFRate
        if not pre.model.spiking and not rate_pre:
            raise ValidationError(
                f"pre: {pre.model!r} does not spike and cannot drive a connection"
            )
        if not _takes_input(post.model):
            raise ValidationError(
                f"post: {type(post.model).__name__} neurons take no synaptic input"
            )
        _check_synapse(synapse)
        discretization = check_choice("discretization", discretization, DISCRETIZATIONS)
        if reversal is not None:
            reversal = _check_reversal(reversal, post, synapse, weights)
        weights = _check_weights(weights, pre.n, post.n)
        delay = _check_delay(delay, weights, rate_pre, pre.n)
        if rate_pre and (
            not isinstance(delay, float)
            or delay > 0
            or not isinstance(weights, np.ndarray | Factored)
        ):
            raise ValidationError(
                "pre: connections from LIFRate groups take dense or Factored "
                "weights and no delay (their rates drive the synapse every step)"
            )
        if plasticity is not None:
            _check_plasticity(plasticity, rate_pre, weights, post)
        port = _check_port("port", post.model, port)
        conn = Connection(
            pre,
            post,
            weights,
            synapse,
            delay,
            reversal,
            discretization,
            plasticity,
            port=port,
        )
        self.connections.append(conn)
        return conn

    def monitor_weights(
        self, conn: Connection, *, record: Any, every: int = 1
    ) -> WeightMonitor:
        """Record weights of a plastic connection every ``every`` steps.

        Parameters
        ----------
        conn : Connection
            A connection of this network made with ``plasticity``.
        record : array_like of int or True
            Synapse indices: ``j * n_post + i`` for dense weights, positions in
            the CSR data for sparse ones; ``True`` records all (not for
            ``Random`` weights, sampled at build).
        every : int
            Record every ``every`` steps (at the end of the step).

        Returns
        -------
        WeightMonitor
            The monitor (filled by :meth:`Simulator.run`).
        """
        if not isinstance(conn, Connection) or conn not in self.connections:
            raise ValidationError(
                f"conn: expected a connection of this network (got {conn!r})"
            )
        if conn.plasticity is None:
            raise ValidationError("conn: the connection has no plasticity")
        mon = WeightMonitor(conn, record, every)
        self.monitors.append(mon)
        return mon

    def add_input(
        self, target: Target, value: Any, weights: Any = None, port: str | None = None
    ) -> None:
        """Drive ``target`` with an external input (added to its ``I``).

        Parameters
        ----------
        target : NeuronGroup or GroupView
        value : float, (n,) array, (n_steps, n) array or callable
            A constant (scalar or per neuron); an array of one row per time
            step of the simulation (``dt`` of the simulator, starting at
            ``t = 0``; a run past its end is an error); or a function
            ``f(t)`` of the time array (``t_k = k dt``, the start of each
            step) returning ``(n_steps,)`` or ``(n_steps, n)``, evaluated on
            each run's time grid before the loop. With ``weights``, the same
            forms with ``d`` (the input's dimension) in place of ``n``.
        weights : (d, n) array or Factored, optional
            An *encoded* input: ``value`` is a ``d``-dimensional signal ``u``
            and neuron ``i`` receives ``(u @ weights)[i]`` (e.g. the NEF's
            encoders, ``weights = encoders.T``), computed inside the loop, so
            memory is ``d`` (not ``n``) floats per step. ``Factored(left (d,
            k), right (k, n))`` applies ``u @ left`` before the loop and
            ``@ right`` inside it.
        port : str, optional
            The input port of a :class:`~neurosim.NeuronModel` target
            (default: its first port, which alone takes ``gain`` and
            ``bias``).
        """
        target = self._check_target("target", target)
        port = _check_port("port", target.model, port)
        if port is not None and weights is not None:
            raise ValidationError("port: encoded inputs drive the first port only")
        if weights is not None:
            self._add_encoded_input(target, value, weights)
            return
        if callable(value):
            self.inputs.append((target, value, port))
            return
        arr = as_float_array("value", value, ndim=(0, 1, 2))
        if arr.ndim == 1 and arr.shape[0] != target.n:
            raise ShapeError(
                f"value: expected a scalar, shape ({target.n},) or "
                f"(n_steps, {target.n}) (got {arr.shape})"
            )
        if arr.ndim == 2 and arr.shape[1] != target.n:
            raise ShapeError(
                f"value: expected shape (n_steps, {target.n}) (got {arr.shape})"
            )
        self.inputs.append((target, arr, port))

    def _add_encoded_input(self, target: Target, value: Any, weights: Any) -> None:
        if isinstance(weights, Factored):
            left, right = weights.left, weights.right
        else:
            right = as_float_array("weights", weights, ndim=2)
            left = np.eye(right.shape[0])
        if right.shape[1] != target.n:
            raise ShapeError(
                f"weights: expected shape (d, {target.n}) for a target of "
                f"{target.n} neurons (got {(left.shape[0], right.shape[1])})"
            )
        d = left.shape[0]
        if not callable(value):
            value = as_float_array("value", value, ndim=(0, 1, 2))
            if value.ndim == 0 and d == 1:
                value = value.reshape(1)
            if value.ndim == 0 or value.shape[-1] != d:
                raise ShapeError(
                    f"value: expected shape ({d},) or (n_steps, {d}) for weights "
                    f"with d = {d} rows (got {value.shape})"
                )
        self.encoded_inputs.append((target, value, left, right))

    def monitor_spikes(self, target: Target) -> SpikeMonitor:
        """Record the spikes of ``target`` as (index, step) events.

        Parameters
        ----------
        target : NeuronGroup or GroupView
            The neurons to record (of this network).

        Returns
        -------
        SpikeMonitor
            The monitor, filled by :meth:`Simulator.run`.
        """
        target = self._check_target("target", target)
        mon = SpikeMonitor(target)
        self.monitors.append(mon)
        return mon

    def monitor_state(
        self, target: Target, var: str, *, record: Any, every: int = 1
    ) -> StateMonitor:
        """Record ``var`` (``"v"`` or ``"J"``) of a few neurons every ``every`` steps.

        Parameters
        ----------
        target : NeuronGroup or GroupView
            The neurons to record from (of this network).
        var : str
            ``"v"`` (the membrane state, in the model's unit) or ``"J"`` (the
            step's total input); for a :class:`~neurosim.NeuronModel`, any of
            its state variables or ``"J"``.
        record : sequence of int or True
            Required: indices within ``target``; ``True`` records all of them
            (mind the memory for large groups: 8 bytes per neuron per sample).
        every : int
            Record every ``every`` steps (>= 1), at the end of the step.

        Returns
        -------
        StateMonitor
            The monitor, filled by :meth:`Simulator.run`; ``mon.t`` and
            ``mon.<var>`` (time-major, ``(n_samples, len(record))``).
        """
        target = self._check_target("target", target)
        mon = StateMonitor(target, var, record, every)
        self.monitors.append(mon)
        return mon

    def monitor_readout(
        self,
        target: Target,
        decoders: Any,
        synapse: LinearFilter | None,
        *,
        every: int = 1,
        discretization: str = "exact",
    ) -> ReadoutMonitor:
        """Record ``synapse(spikes) @ decoders`` computed inside the loop.

        Parameters
        ----------
        target : NeuronGroup or GroupView
            The spiking neurons to decode (of this network).
        decoders : (n, d) array
            Decoding weights, one row per neuron of ``target``.
        synapse : LinearFilter or None
            Unit-area filter applied to the spikes (each spike an impulse of
            area 1), so the output is a decoded rate-weighted value. ``None``
            records ``spikes @ decoders`` with each spike a ``1/dt`` pulse
            over its step.
        every : int
            Record every ``every`` steps.
        discretization : {"exact", "zoh"}
            ``"exact"`` (default) samples the exactly filtered impulses at
            each step's end, just after that step's spikes: for a Lowpass
            ``tau`` the mean of the samples of a regular spike train of rate
            ``r`` is ``r (dt / tau) / (1 - exp(-dt / tau))``, 5% above ``r``
            for ``tau = 10 dt``. ``"zoh"`` filters the ``1/dt`` pulses with
            the zero-order-hold discretisation ``synapse.discretize(dt,
            "zoh")`` (Nengo's decoded probes): unit DC gain, so decoded
            values are unbiased.

        Returns
        -------
        ReadoutMonitor
            The monitor, filled by :meth:`Simulator.run`; ``mon.t`` and
            ``mon.data`` (``(n_samples, d)``).
        """
        target = self._check_target("target", target)
        D = as_float_array("decoders", decoders, ndim=2)
        if D.shape[0] != target.n:
            raise ShapeError(
                f"decoders: expected shape ({target.n}, d) (got {D.shape})"
            )
        if synapse is not None and not isinstance(synapse, LinearFilter):
            raise TypeError(
                f"synapse: expected a synapse such as ns.Lowpass(0.01) or None "
                f"(got {type(synapse).__name__})"
            )
        mon = ReadoutMonitor(target, D, synapse, every, discretization)
        self.monitors.append(mon)
        return mon


def _check_port(what: str, model: NeuronType, port: Any) -> str | None:
    """``port`` as given, checked against the target model's input ports.

    None (the first port) stays None; naming the first port gives None too.
    """
    if port is None:
        return None
    name = type(model).__name__
    if not isinstance(model, NeuronModel):
        raise ValidationError(
            f"{what}: {name} neurons have one input; ports are for NeuronModel "
            f"targets (got port={port!r})"
        )
    if not isinstance(port, str):
        raise TypeError(f"{what}: expected a port name (got {type(port).__name__})")
    names = list(type(model).inputs)
    if port not in names:
        close = difflib.get_close_matches(port, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValidationError(
            f"{what}: {name} has no input port {port!r}{hint}; ports: "
            f"{', '.join(names) or 'none'}"
        )
    return None if port == names[0] else port


def _takes_input(model: NeuronType) -> bool:
    """Whether a model integrates synaptic input (sources do not)."""
    if isinstance(model, NeuronModel):
        return bool(type(model).inputs)
    return hasattr(model, "tau_rc") or hasattr(model, "tau_m") or hasattr(model, "g_na")


def evaluate_input(value: Any, n: int, t: np.ndarray, step0: int) -> np.ndarray | None:
    """The ``(n_steps, n)`` values of a time-varying input on the grid ``t``.

    Returns None for a constant input (handled once at build).
    """
    if callable(value):
        out = as_float_array("input", np.asarray(value(t), dtype=float))
        if out.ndim == 1 and out.shape[0] == t.shape[0]:
            out = np.repeat(out[:, None], n, axis=1)
        if out.shape != (t.shape[0], n):
            raise ShapeError(
                f"input: the function returned shape {out.shape}; expected "
                f"({t.shape[0]},) or ({t.shape[0]}, {n}) for {t.shape[0]} times"
            )
        return out
    if np.ndim(value) == 2:
        stop = step0 + t.shape[0]
        if stop > value.shape[0]:
            raise ValidationError(
                f"input: the array has {value.shape[0]} steps but the run needs {stop}"
            )
        return value[step0:stop]
    return None


def check_every(every: Any) -> int:
    """A recording interval in steps (int >= 1)."""
    return check_count("every", every, low=1)


def check_duration(duration: Any) -> float:
    """A run duration in seconds (>= 0)."""
    return check_nonnegative("duration", duration)


def _check_synapse(synapse: Any) -> None:
    """``connect``'s ``synapse``: None or a strictly proper LinearFilter."""
    if synapse is None:
        return
    if not isinstance(synapse, LinearFilter):
        raise TypeError(
            f"synapse: expected a synapse such as ns.Lowpass(0.005) or None "
            f"(got {type(synapse).__name__})"
        )
    if synapse.continuous_ss()[3] != 0.0 or synapse.order == 0:
        raise ValidationError(
            f"synapse: {synapse!r} passes impulses straight through "
            "(not strictly proper); spikes need a strictly proper filter"
        )


def _check_reversal(reversal: Any, post: Target, synapse: Any, weights: Any) -> float:
    """``connect``'s ``reversal`` (volts): a number, for a LIFNeuron target
    through a synapse, with weights that are not Factored."""
    reversal = check_number("reversal", reversal)
    if not hasattr(post.model, "tau_m"):
        raise ValidationError(
            "reversal: conductance-based connections need LIFNeuron targets"
            + (
                f"; {type(post.model).__name__} declares its conductances "
                "as input ports (ns.Conductance): connect with port=..."
                if isinstance(post.model, NeuronModel)
                else ""
            )
        )
    if synapse is None:
        raise ValidationError("reversal: a conductance needs a synapse")
    if isinstance(weights, Factored):
        raise ValidationError("reversal: Factored weights are current-based")
    return reversal


def _check_delay(delay: Any, weights: Any, rate_pre: bool, n_pre: int) -> Any:
    """``connect``'s ``delay``: a float (the connection's), or per synapse an
    array of the weights' synapses or a Distribution (drawn at build)."""
    from ..nef.dists import Distribution  # (the nef package imports this module)

    if isinstance(delay, numbers.Real) and not isinstance(delay, bool):
        return check_nonnegative("delay", delay)
    per = "per-synapse delays"
    if rate_pre or isinstance(weights, Factored):
        raise ValidationError(
            f"delay: {per} need dense, sparse, Random or OneToOne weights from a "
            "spiking group"
        )
    if isinstance(delay, Distribution):
        return delay
    if isinstance(weights, Random):
        raise ValidationError(
            "delay: Random weights are drawn when the simulator is built; give "
            "per-synapse delays as a Distribution such as "
            "ns.dists.Uniform(1e-3, 2e-2) (or one float)"
        )
    if isinstance(weights, OneToOne):
        shape: tuple[int, ...] = (n_pre,)
        what = "one per neuron of OneToOne weights"
    elif scipy.sparse.issparse(weights):
        shape = (weights.nnz,)
        what = "the stored synapses of the sparse weights, in CSR order"
    else:
        shape = weights.shape
        what = "the dense weights' shape"
    d = as_float_array("delay", delay)
    if d.ndim == 0:
        return check_nonnegative("delay", float(d))
    if d.shape != shape:
        raise ShapeError(
            f"delay: expected a float or one delay per synapse, shape {shape} "
            f"({what}) (got {d.shape})"
        )
    return check_delays("delay", d)


def check_delays(what: str, d: np.ndarray) -> np.ndarray:
    """Per-synapse delays in seconds: finite and >= 0 (``ValueError`` otherwise)."""
    bad = ~(np.isfinite(d) & (d >= 0))
    if np.any(bad):
        k = int(np.argmax(bad))
        raise ValidationError(
            f"{what}: delays must be finite and >= 0 seconds (synapse {k} has "
            f"{d.ravel()[k]!r})"
        )
    return d


def _check_plasticity(
    plasticity: Any, rate_pre: bool, weights: Any, post: Target
) -> None:
    """``connect``'s ``plasticity``: a rule, on dense or sparse weights from a
    spiking group, onto a spiking group if the rule reads post spikes."""
    if not isinstance(plasticity, PlasticityRule):
        raise TypeError(
            f"plasticity: expected an ns.learning.PlasticityRule (such as "
            f"ns.learning.STDP) or None (got {type(plasticity).__name__})"
        )
    name = type(plasticity).__name__
    if rate_pre or isinstance(weights, OneToOne | Factored):
        raise ValidationError(
            f"plasticity: {name} needs dense, sparse or Random weights "
            "from a spiking group"
        )
    if plasticity.uses_post_spikes and not post.model.spiking:
        what = ["on_post"] if raw_function(type(plasticity), "on_post") else []
        what += [f"post trace {x!r}" for x in type(plasticity).post]
        raise ValidationError(
            f"plasticity: {name} uses postsynaptic spikes "
            f"({', '.join(what)}), but the post group's model "
            f"{type(post.model).__name__} does not spike"
        )
