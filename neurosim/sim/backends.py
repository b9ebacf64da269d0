"""Building a network into flat arrays, and the registry of backends.

:func:`build` turns a :class:`~neurosim.Network` description into a
:class:`Built` bundle of arrays in the layout documented in
:mod:`neurosim.kernels.network`; a backend is a function
``run(built, n_steps, step0, ext_val, buffers) -> steps_done`` registered in
:data:`BACKENDS` under its name. ``"auto"`` resolves to ``"cuda"`` when a GPU
is usable and to ``"cpu"`` otherwise (logged once).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse

from .._validation import as_rng, check_alloc, check_steps
from ..exceptions import ValidationError
from ..kernels import hh as hh_kernels
from ..kernels import network as K
from ..neurons.hh import HodgkinHuxley
from ..neurons.lif import LIF, LIFRate
from ..neurons.lif_neuron import LIFNeuron
from ..neurons.model import NeuronModel
from ..neurons.sources import PoissonSource, SpikeSource
from .monitors import ReadoutMonitor, SpikeMonitor, StateMonitor, WeightMonitor
from .network import Factored, Network, OneToOne, Random


@dataclass
class Built:
    """A network as flat arrays (see :mod:`neurosim.kernels.network`)."""

    dt: float
    offsets: dict[int, int]
    arrays: dict[str, np.ndarray]
    ext: list[tuple[Any, int, int]]
    spike_monitors: list[tuple[SpikeMonitor, int, int]]
    state_monitors: list[tuple[StateMonitor, int, int]]
    readouts: list[tuple[ReadoutMonitor, int, int]]
    n_mon: int
    n_synapses: int
    to_model: dict[int, tuple[float, float]] = field(default_factory=dict)
    # encoded inputs that vary in time: (value, left (d, k)); their k columns
    # follow the per-neuron ones in ``ext_val`` and go to ``X[in_x]``
    enc_ext: list[tuple[Any, np.ndarray]] = field(default_factory=list)
    # the generated loop of a network with NeuronModel groups (else None)
    loop: Any = None
    # NeuronModel groups: id(group) -> (offsets in mstate and mpar, model)
    model_blocks: dict[int, tuple[int, int, Any]] = field(default_factory=dict)
    # NeuronModel groups: id(group) -> integration method
    model_methods: dict[int, str] = field(default_factory=dict)
    # NeuronModel groups: id(group) -> index in syn_in of its second port's slot
    port_slots: dict[int, int] = field(default_factory=dict)
    # plastic connections: id(conn) -> (weight scale, W as built, position of
    # its first weight in wdat (dense) or sdat (CSR), its row of pl_i)
    plastic: dict[int, tuple[float, Any, int, int]] = field(default_factory=dict)
    # the CUDA backend's arrays on the device, kept between runs
    # (``kernels.network_cuda.DeviceState``; None until it first runs)
    device: Any = None


class _ModelBlocks:
    """The flat state, parameters and refractory counters of NeuronModel groups.

    Group ``g`` with ``S`` state variables keeps variable ``j`` of its neuron
    ``i`` at ``mstate[state_off + j * n + i]`` (parameters likewise in
    ``mpar``); ``mod_i`` rows are ``[kind, state_off, param_off, ref_off,
    port_off]``, ``kind`` indexing the distinct (model class, method) pairs of
    the network. Input port ``p >= 1`` of the group's neuron ``i`` is
    ``syn_in[port_off + (p - 1) * n + i]``: the input arrays (``syn_in``,
    ``const_in``) extend past the ``N`` neurons by these slots, filled by
    channels and external inputs like a neuron's ``I``.
    """

    def __init__(self, n_neurons: int) -> None:
        self.n_neurons = n_neurons
        self.rows: list[list[int]] = []
        self.state = _Flat(np.float64)
        self.par = _Flat(np.float64)
        self.ref_size = 0
        self.port_size = 0
        # id(group) -> its first port slot (an index of syn_in past the neurons)
        self.port_off: dict[int, int] = {}
        self.kinds: list[tuple[type, str]] = []
        self.models: list[NeuronModel] = []
        self.blocks: dict[int, tuple[int, int, NeuronModel]] = {}
        self.methods: dict[int, str] = {}

    def add(self, g: Any, model: NeuronModel, v0: Any, dt: float) -> int:
        """Add group ``g``; returns its ``mod_i`` row."""
        from ..kernels.models import check_method, propagator_rows

        cls = type(model)
        method = "update" if "update" in _model_functions(cls) else cls.method
        check_method(cls, method)
        if (cls, method) not in self.kinds:
            self.kinds.append((cls, method))
            self.models.append(model)
        init = model.initial_state(g.n)
        if v0 is not None:
            if "v" not in cls.state:
                raise ValidationError(
                    f"NeuronGroup.v0: {cls.__name__} has no state variable 'v'"
                )
            init = {**init, "v": v0}
        so = self.state.add([np.broadcast_to(init[x], (g.n,)) for x in cls.state])
        rows = [np.broadcast_to(v, (g.n,)) for v in model.param_values().values()]
        if method == "exact":  # propagators, after the parameters
            rows += list(
                propagator_rows(cls, model.param_values(), dt / cls.time_unit, g.n)
            )
        po = self.par.add(rows)
        self.methods[id(g)] = method
        self.blocks[id(g)] = (so, po, model)
        pi = self.n_neurons + self.port_size
        self.port_off[id(g)] = pi
        row = [self.kinds.index((cls, method)), so, po, self.ref_size, pi]
        self.rows.append(row)
        self.ref_size += g.n
        self.port_size += (len(cls.inputs) - 1) * g.n
        return len(self.rows) - 1

    def slot(self, g: Any, port: str) -> int:
        """Index in ``syn_in`` of neuron 0's input port ``port`` (not the first)."""
        k = list(type(g.model).inputs).index(port)
        return self.port_off[id(g)] + (k - 1) * g.n

    def port_ranges(self, groups: list[Any]) -> list[tuple[int, int]]:
        """``[start, stop)`` in ``syn_in`` of every port slot of the groups."""
        out = []
        for g in groups:
            if id(g) in self.port_off:
                for k in range(1, len(type(g.model).inputs)):
                    o = self.port_off[id(g)] + (k - 1) * g.n
                    out.append((o, o + g.n))
        return out

    @staticmethod
    def floats(model: NeuronModel, dt: float) -> list[float]:
        """The segment's floats: dt (model unit), dt (s), threshold, refractory."""
        cls = type(model)
        thr = cls.threshold[1] if cls.threshold is not None else 0.0
        refr = cls.refractory
        return [
            dt / cls.time_unit,
            dt,
            0.0 if isinstance(thr, str) else float(thr),
            0.0 if isinstance(refr, str) else float(refr),
        ] + [0.0] * 6


class _Plastic:
    """The rows, parameters, traces and synapse variables of plastic connections.

    Layout: :mod:`neurosim.kernels.rules`. ``rules`` holds one rule instance
    per rule class (the kinds); ``plastic`` maps ``id(conn)`` to ``(weight
    scale, W as built, position of its first weight in wdat or sdat, its
    pl_i row)``.
    """

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.f = _Flat(np.float64)
        self.ix = _Flat(np.int64)
        self.syn = _Flat(np.float64)
        self.trace_size = 0
        self.rules: list[Any] = []
        self.plastic: dict[int, tuple[float, Any, int, int]] = {}

    def add(
        self, conn: Any, rule: Any, W: Any, con: int, pos0: int, scale: float,
        dt: float, post0: int, hist: int = 1,
    ) -> None:  # fmt: skip
        """Add plastic connection ``conn`` (row ``con``, weights from ``pos0``);
        its pre traces keep ``hist`` steps (1: only the current one)."""
        from ..kernels.rules import PL_COLS

        cls = type(rule)
        kinds = [type(r) for r in self.rules]
        if cls not in kinds:
            self.rules.append(rule)
            kinds.append(cls)
        pre_n, post_n = conn.pre.n, conn.post.n
        sparse = scipy.sparse.issparse(W)
        cols = [0, 0, 0]
        if sparse:  # the transpose: synapses onto each post
            pos = np.arange(W.nnz) + pos0
            pre_j = np.repeat(np.arange(pre_n), np.diff(W.indptr))
            order = np.argsort(W.indices, kind="stable")
            counts = np.bincount(W.indices, minlength=post_n)
            cols = [
                self.ix.add(np.concatenate([[0], np.cumsum(counts)])),
                self.ix.add(pos[order]),
                self.ix.add(pre_j[order]),
            ]
        w0 = W.data if sparse else np.asarray(W, dtype=np.float64).ravel()
        params = rule.param_values()
        init = []
        for value in cls.synapse.values():
            if isinstance(value, str):
                value = w0 if value == "w" else params[value]
            init.append(np.broadcast_to(np.asarray(value, dtype=np.float64), w0.shape))
        soff = self.syn.add(np.concatenate(init)) if init else 0
        taus = rule.trace_taus()
        foff = self.f.add(
            [*params.values(), scale, 1.0 / scale]
            + [math.exp(-dt / tau) for tau in taus]
        )
        phase = 0 if cls.transmit == "after" else 1
        self.rows.append(
            [con, kinds.index(cls), post0, post_n, *cols, self.trace_size, soff,
             w0.size, foff, pos0, phase, hist]
        )  # fmt: skip
        assert len(self.rows[-1]) == PL_COLS
        self.trace_size += len(cls.pre) * hist * pre_n + len(cls.post) * post_n
        self.plastic[id(conn)] = (scale, W, pos0, len(self.rows) - 1)

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays of :func:`build` (at least one element each)."""
        from ..kernels.rules import PL_COLS

        return {
            "pl_i": np.array(self.rows, dtype=np.int64).reshape(-1, PL_COLS),
            "pl_f": self.f.array(),
            "pl_ix": self.ix.array(),
            "trace": np.zeros(max(self.trace_size, 1)),
            "syn": self.syn.array(),
        }


def _model_functions(cls: type) -> dict:
    from ..kernels.models import _functions

    return _functions(cls)


def _delay_steps(delay: float, dt: float) -> int:
    steps = check_steps("delay", delay, dt)
    if abs(steps * dt - delay) > 1e-9 * max(dt, delay):
        raise ValidationError(f"delay: {delay!r} s is not a multiple of dt = {dt!r} s")
    return steps


def current_readout(
    Ac: np.ndarray, Cc: np.ndarray, tau: float, dt: float
) -> np.ndarray:
    """Row ``G`` such that a LIF driven by ``G . x`` (held) is exact over a step.

    Over one step the synaptic output is ``y(t) = Cc expm(Ac t) x0``; the
    membrane ``tau dv/dt = y - v`` gains ``M . x0`` with
    ``M = int_0^dt exp(-(dt - s)/tau) / tau * Cc expm(Ac s) ds``. The LIF kernel
    adds ``(J - v) * (1 - exp(-dt/tau))`` for a held ``J``, so
    ``G = M / (1 - exp(-dt/tau))`` makes the held-input kernel exact for
    filtered input. ``[M, E]`` solves ``r' = r Q``, ``Q = [[-I/tau, 0],
    [I/tau, Ac]]``, ``r(0) = [0, Cc]`` (Van Loan's augmented exponential).
    """
    m = Ac.shape[0]
    Q = np.zeros((2 * m, 2 * m))
    Q[:m, :m] = -np.eye(m) / tau
    Q[m:, :m] = np.eye(m) / tau
    Q[m:, m:] = Ac
    r0 = np.concatenate([np.zeros(m), Cc])
    r = r0 @ scipy.linalg.expm(Q * dt)
    return r[:m] / -math.expm1(-dt / tau)


def _synapse_ss(synapse: Any, dt: float) -> tuple[np.ndarray, ...]:
    """``(A = expm(Ac dt), Ac, Bc, Cc)``.

    ``None`` is a one-step pulse: ``A = 0``, ``Bc = 1/dt``, ``Cc = 1``.
    """
    if synapse is None:
        return np.zeros((1, 1)), np.zeros((1, 1)), np.array([1.0 / dt]), np.ones(1)
    Ac, Bc, Cc, _ = synapse.continuous_ss()
    return scipy.linalg.expm(Ac * dt), Ac, Bc, Cc


def _channel_ss(
    synapse: Any, dt: float, discretization: str, tau_lif: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(A, Bj, G, C)`` of a channel: ``X <- A X + Bj w`` for spikes of weight ``w``.

    The input read at a step start is ``G . X`` (``C . X`` for conductances
    and readouts). ``"exact"``: ``Bj = Bc`` (impulses), and for a LIF target
    (``tau_lif`` its membrane time constant) ``G`` integrates the filtered
    input over the step (:func:`current_readout`), else ``G = Cc``. ``"zoh"``:
    ``A, B, C = synapse.discretize(dt, "zoh")``, ``Bj = B / dt`` (a spike is a
    ``w / dt`` pulse held over its step) and ``G = C`` (held output).
    ``synapse=None`` is a one-step pulse in both.
    """
    if synapse is not None and discretization == "zoh":
        A, B, C, _ = synapse.discretize(dt, "zoh")
        return A, B / dt, C, C
    A, Ac, Bc, Cc = _synapse_ss(synapse, dt)
    exact = synapse is not None and tau_lif is not None
    G = current_readout(Ac, Cc, tau_lif, dt) if exact else Cc
    return A, Bc, G, Cc


class _Flat:
    """Growing lists of the pieces of one flat array."""

    def __init__(self, dtype: Any) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0
        self.dtype = dtype

    def add(self, arr: Any) -> int:
        arr = np.ascontiguousarray(arr, dtype=self.dtype).ravel()
        off = self.size
        self.parts.append(arr)
        self.size += arr.size
        return off

    def array(self) -> np.ndarray:
        if not self.parts:
            return np.zeros(1, dtype=self.dtype)
        return np.concatenate(self.parts)


@dataclass
class _Neurons:
    """The per-neuron arrays and segment rows of :func:`build`, while built.

    Attributes
    ----------
    offsets : dict
        ``id(group) -> `` global index of the group's first neuron.
    v, ref, kgain, kbias, p_spike : (N,) ndarray
        Internal voltage (dimensionless for LIF, mV for HH, rate in Hz for
        ``LIFRate``), time the refractory period ends (s), input gain and bias
        (``J = kgain * I + kbias``) and a Poisson source's spike probability
        per step.
    aux : (3, N) ndarray
        HH gates ``m``, ``h``, ``n``.
    rng_state : (N,) uint64 ndarray
        Poisson sources' counters (:func:`neurosim.kernels.network.poisson_step`).
    room : (N,) int64 ndarray
        Entries a neuron may take in one step's spike list (LIF with
        ``tau_ref < dt`` may spike several times in a step).
    seg_i, seg_f : list of list
        Segment rows ``[type, start, stop, param_row, ch1, ch2]`` and their
        floats (layout: :mod:`neurosim.kernels.network`).
    gen_ptr, gen_step, gen_idx : list
        Spike-source segments' read positions, and their events' steps and
        neuron indices (sorted by step, then index).
    to_model : dict
        ``id(group) -> (scale, v_reset)``: a recorded internal voltage ``u``
        is ``v_reset + scale * u`` in the model's units.
    mb : _ModelBlocks
        The :class:`~neurosim.NeuronModel` groups.
    """

    offsets: dict[int, int]
    v: np.ndarray
    ref: np.ndarray
    kgain: np.ndarray
    kbias: np.ndarray
    p_spike: np.ndarray
    aux: np.ndarray
    rng_state: np.ndarray
    room: np.ndarray
    mb: _ModelBlocks
    seg_i: list[list[int]] = field(default_factory=list)
    seg_f: list[list[float]] = field(default_factory=list)
    gen_ptr: list[int] = field(default_factory=list)
    gen_step: list[np.ndarray] = field(default_factory=list)
    gen_idx: list[np.ndarray] = field(default_factory=list)
    n_gen: int = 0
    to_model: dict[int, tuple[float, float]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """The number of neurons ``N``."""
        return self.v.shape[0]

    def segment(self, typ: int, g: Any, floats: list[float], ch1: int = -1) -> None:
        """Add group ``g``'s segment row of type ``typ`` with its floats."""
        o = self.offsets[id(g)]
        self.seg_i.append([typ, o, o + g.n, len(self.seg_f), ch1, -1])
        self.seg_f.append(floats)

    def tau(self, g: Any) -> float:
        """The first float of group ``g``'s segment (a LIF's membrane ``tau``)."""
        o = self.offsets[id(g)]
        return self.seg_f[next(r[3] for r in self.seg_i if r[1] == o)][0]


def _build_neurons(net: Network, dt: float, rng: np.random.Generator) -> _Neurons:
    """Lay the groups out end to end: state, gains, segments (in group order)."""
    offsets: dict[int, int] = {}
    N = 0
    for g in net.groups:
        offsets[id(g)] = N
        N += g.n
    nr = _Neurons(
        offsets=offsets, v=np.zeros(N), ref=np.zeros(N), kgain=np.ones(N),
        kbias=np.zeros(N), p_spike=np.zeros(N), aux=np.zeros((3, N)),
        rng_state=np.zeros(N, dtype=np.uint64), room=np.ones(N, dtype=np.int64),
        mb=_ModelBlocks(N),
    )  # fmt: skip
    cond_groups = {id(c.post.group) for c in net.connections if c.reversal is not None}
    for g in net.groups:
        model = g.model
        sl = slice(offsets[id(g)], offsets[id(g)] + g.n)
        if isinstance(model, LIFNeuron | LIF):
            _add_lif(nr, g, sl, dt, id(g) in cond_groups)
        elif isinstance(model, PoissonSource):
            _add_poisson(nr, g, sl, dt, rng)
        elif isinstance(model, SpikeSource):
            _add_spike_source(nr, g, dt)
        elif isinstance(model, LIFRate | HodgkinHuxley | NeuronModel):
            _add_driven(nr, g, sl, dt)
        else:
            raise ValidationError(
                f"NeuronGroup.model: {type(model).__name__} cannot run in a network"
            )
    nr.gen_ptr.extend([0] * (len(nr.seg_f) - len(nr.gen_ptr)))
    return nr


def _add_lif(nr: _Neurons, g: Any, sl: slice, dt: float, cond: bool) -> None:
    """A LIF or LIFNeuron group: dimensionless voltage ``(v - v_reset) / scale``."""
    model = g.model
    vmin = -math.inf  # LIF.min_voltage (none for LIFNeuron)
    if isinstance(model, LIFNeuron):
        scale, v_reset = model.scale, model.v_reset
        tau = model.tau_m
        nr.kbias[sl] = (model.v_rest - v_reset + g.bias) / scale
        v0 = model.v_rest if g.v0 is None else g.v0
    else:
        scale, v_reset = 1.0, 0.0
        tau = model.tau_rc
        nr.kbias[sl] = g.bias
        v0 = 0.0 if g.v0 is None else g.v0
        if model.min_voltage is not None:
            vmin = model.min_voltage
    nr.kgain[sl] = g.gain / scale
    nr.v[sl] = (v0 - v_reset) / scale
    nr.to_model[id(g)] = (scale, v_reset)
    floats = [tau, model.tau_ref, -math.expm1(-dt / tau)] + [0.0] * 3
    nr.room[sl] = K.spike_cap(dt, model.tau_ref)  # spikes per step (tau_ref < dt)
    floats += [vmin, float(nr.room[sl.start]), 0.0, 0.0]
    nr.segment(K.SEG_LIF_COND if cond else K.SEG_LIF, g, floats)


def _add_driven(nr: _Neurons, g: Any, sl: slice, dt: float) -> None:
    """A rate LIF, HH or NeuronModel group (``J = gain * I + bias``, own units)."""
    model = g.model
    nr.kgain[sl] = g.gain
    nr.kbias[sl] = g.bias
    nr.to_model[id(g)] = (1.0, 0.0)
    if isinstance(model, LIFRate):  # rate LIF: v holds the rate (Hz)
        nr.segment(K.SEG_LIF_RATE, g, [model.tau_rc, model.tau_ref] + [0.0] * 8)
    elif isinstance(model, HodgkinHuxley):
        V0, m0, h0, n0 = model.initial_state()
        nr.v[sl] = V0 if g.v0 is None else g.v0
        nr.aux[:, sl] = np.array([m0, h0, n0])[:, None]
        # exponential Euler: stable at network steps (RK4 needs dt < 0.08 ms)
        floats = [*model.kernel_params(), float(hh_kernels.EXP_EULER), 0.0]
        nr.segment(K.SEG_HH, g, floats)
    else:
        m = nr.mb.add(g, model, g.v0, dt)
        nr.segment(K.SEG_MODEL, g, nr.mb.floats(model, dt), ch1=m)


def _add_poisson(
    nr: _Neurons, g: Any, sl: slice, dt: float, rng: np.random.Generator
) -> None:
    """A Poisson source group: spike probability ``rate * dt``, seeded counters."""
    p = np.broadcast_to(g.model.rate * dt, (g.n,))
    if np.any(p > 1.0):
        raise ValidationError(
            f"PoissonSource.rate: rate * dt must be <= 1 (got max "
            f"{p.max():g} with dt = {dt:g} s)"
        )
    nr.p_spike[sl] = p
    nr.rng_state[sl] = rng.integers(0, 2**64 - 1, size=g.n, dtype=np.uint64)
    nr.segment(K.SEG_POISSON, g, [0.0] * 10)


def _add_spike_source(nr: _Neurons, g: Any, dt: float) -> None:
    """A spike source group: its events as (step, index), sorted."""
    model, o = g.model, nr.offsets[id(g)]
    if len(model.spike_times) != g.n:
        raise ValidationError(
            f"SpikeSource: {len(model.spike_times)} spike trains for a "
            f"group of {g.n} neurons"
        )
    steps, idx = [], []
    for i, train in enumerate(model.spike_times):
        s = np.round(train / dt).astype(np.int64) - 1
        if np.any(s < 0):
            raise ValidationError(
                f"SpikeSource.spike_times[{i}]: times must be >= dt = {dt:g} s"
            )
        steps.append(s)
        idx.append(np.full(s.size, o + i, dtype=np.int64))
    s = np.concatenate(steps)
    ix = np.concatenate(idx)
    order = np.lexsort((ix, s))
    nr.gen_step.append(s[order])
    nr.gen_idx.append(ix[order])
    nr.gen_ptr.extend([0] * (len(nr.seg_f) - len(nr.gen_ptr)))
    nr.gen_ptr.append(nr.n_gen)
    nr.n_gen += s.size
    nr.segment(K.SEG_GENERATOR, g, [float(nr.n_gen)] + [0.0] * 9)


class _Channels:
    """Channel rows (layout: :mod:`neurosim.kernels.network`), while built.

    One channel per (post group, synapse, reversal or port) for current and
    conductance input; one per factored connection, per readout and per
    encoded input. ``keys`` maps such a tuple to its shared channel.
    """

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.f = _Flat(np.float64)
        self.R = _Flat(np.float64)
        self.X_size = 0
        self.U_size = 0
        self.keys: dict[Any, int] = {}
        # (conductance?, post group) of the channels that assign their input
        self.firsts: set[tuple[bool, Any]] = set()

    def new(
        self, kind: int, width: int, A: np.ndarray, Bc: np.ndarray, G: np.ndarray,
        post0: int, npost: int, extra: tuple = (), post_group: Any = -1,
    ) -> int:  # fmt: skip
        """Add a channel of ``width`` columns with ``A``, ``Bc``, ``G``; its row."""
        m = A.shape[0]
        fo = self.f.add(np.concatenate([A.ravel(), Bc, G, np.asarray(extra, float)]))
        first = 0
        if kind in (K.CH_CURRENT, K.CH_COND):  # these span their whole group
            key = (kind == K.CH_COND, post_group)
            first = int(key not in self.firsts)
            self.firsts.add(key)
        row = [kind, width, m, self.X_size, self.U_size, post0, npost, fo, 0, 0, first]
        self.X_size += m * width
        self.U_size += width
        self.rows.append(row)
        return len(self.rows) - 1

    def shared(self, key: tuple, *args: Any) -> int:
        """The channel of ``key``, added with :meth:`new` ``(*args)`` if new."""
        if key not in self.keys:
            self.keys[key] = self.new(*args)
        return self.keys[key]


class _Connections:
    """Connection rows and weights (layout: :mod:`neurosim.kernels.network`)."""

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.wdat = _Flat(np.float64)
        self.sdat = _Flat(np.float64)
        self.sidx = _Flat(np.int64)
        self.sptr = _Flat(np.int64)
        # per-synapse delays (steps) of CON_DCSR connections, then their lags
        self.sdel = _Flat(np.uint16)
        self.max_delay = 0
        self.n_syn = 0
        self.pl = _Plastic()


def _build_connections(
    net: Network, dt: float, rng: np.random.Generator, nr: _Neurons, ch: _Channels
) -> _Connections:
    """Every connection's channel, weights (sampled in order) and plasticity."""
    cs = _Connections()
    for conn in net.connections:
        pre, post = conn.pre, conn.post
        gp = post.group
        # a LIF membrane integrates the filtered input exactly over the step
        # (current_readout); other models read the synapse at the step start
        lif_post = isinstance(gp.model, LIF | LIFNeuron)
        A, Bc, G, Cc = _channel_ss(
            conn.synapse, dt, conn.discretization, nr.tau(gp) if lif_post else None
        )
        pre0 = nr.offsets[id(pre.group)] + pre.start
        W = conn.weights
        if isinstance(W, Factored):  # (one delay: checked by connect)
            delay = _delay_steps(conn.delay, dt)
            _check_ring(cs, nr, delay)
            post0 = nr.offsets[id(gp)] + post.start
            c = ch.new(K.CH_FACTORED, W.d, A, Bc, G, post0, post.n)
            ch.rows[c][8] = ch.R.add(W.right)
            direct = int(A.shape[0] == 1)
            wo = cs.wdat.add(W.left * (Bc[0] if direct else 1.0))
            cs.n_syn += pre.n * post.n
            kind = K.CON_FACTORED if pre.model.spiking else K.CON_RATE
            cs.rows.append([kind, pre0, pre.n, c, 0, delay, wo, 0, W.d, direct])
            continue
        c = _input_channel(conn, nr, ch, A, Bc, G, Cc)
        if isinstance(W, Random):
            same = pre.group is gp
            W = W.sample(pre.n, post.n, rng, post.start - pre.start if same else None)
        if isinstance(conn.delay, float):
            delay = _delay_steps(conn.delay, dt)
            _check_ring(cs, nr, delay)
            _add_weights(cs, conn, W, c, pre0, delay, Bc, dt, nr)
        else:  # per-synapse delays, drawn after the connection's weights
            W, steps = _delayed_csr(conn, W, dt, rng)
            _check_ring(cs, nr, int(steps.max(initial=0)))
            _add_weights(cs, conn, W, c, pre0, 0, Bc, dt, nr, steps)
    return cs


def _check_ring(cs: _Connections, nr: _Neurons, delay: int) -> None:
    """Room for a connection's largest ``delay`` (steps) in the spike ring."""
    # the spike ring buffer holds (delay + 1) rows of every neuron's spikes
    check_alloc("delay", (delay + 1) * int(nr.room.sum()), 4, "the spike delay buffer")
    cs.max_delay = max(cs.max_delay, delay)


#: Most steps of a per-synapse delay (they are stored as uint16).
MAX_DELAY_STEPS = 65535


def _delayed_csr(
    conn: Any, W: Any, dt: float, rng: np.random.Generator
) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """Weights with per-synapse delays as a CSR matrix and their delay steps.

    Dense weights become a CSR matrix holding every pair (zeros included),
    ``OneToOne`` a diagonal one. Each delay is rounded to the nearest step
    (``numpy.rint``); a :class:`~neurosim.dists.Distribution` is drawn here,
    one value per synapse in CSR order. Each row's synapses are then sorted by
    delay, then column, so that the synapses of one delay are contiguous
    (the loop finds them by binary search).
    """
    from .network import check_delays

    pre_n, post_n = conn.pre.n, conn.post.n
    if isinstance(W, OneToOne):
        data = np.broadcast_to(W.value, (pre_n,)).astype(np.float64)
        W = scipy.sparse.csr_matrix(
            (data, np.arange(pre_n), np.arange(pre_n + 1)), shape=(pre_n, post_n)
        )
    elif not scipy.sparse.issparse(W):
        W = scipy.sparse.csr_matrix(
            (np.asarray(W, dtype=np.float64).ravel(),
             np.tile(np.arange(post_n), pre_n), np.arange(pre_n + 1) * post_n),
            shape=(pre_n, post_n),
        )  # fmt: skip
    d = conn.delay
    if not isinstance(d, np.ndarray):  # a Distribution
        d = check_delays("delay", np.asarray(d.samples(W.nnz, rng=rng), dtype=float))
    steps = np.rint(d.ravel() / dt)
    if steps.size and steps.max() > MAX_DELAY_STEPS:
        raise ValidationError(
            f"delay: {float(d.max())!r} s is {int(steps.max())} steps of dt = {dt!r} "
            f"s; per-synapse delays are at most {MAX_DELAY_STEPS} steps"
        )
    # column indices are sorted in each row (canonical CSR), so one stable
    # sort by (row, delay) keeps them sorted among equal delays
    rows = np.repeat(np.arange(pre_n, dtype=np.int64), np.diff(W.indptr))
    order = np.argsort(rows * (MAX_DELAY_STEPS + 1) + steps.astype(np.int64),
                       kind="stable")  # fmt: skip
    out = scipy.sparse.csr_matrix(
        (W.data[order], W.indices[order], W.indptr), shape=W.shape
    )
    return out, steps[order].astype(np.uint16)


def _input_channel(
    conn: Any, nr: _Neurons, ch: _Channels, A: np.ndarray, Bc: np.ndarray,
    G: np.ndarray, Cc: np.ndarray,
) -> int:  # fmt: skip
    """The (shared) channel that connection ``conn`` feeds: a port, conductance
    or current channel of its post group."""
    gp = conn.post.group
    o = nr.offsets[id(gp)]
    if getattr(conn, "port", None) is not None:  # a NeuronModel's port >= 1
        key = ("port", id(gp), conn.port, A.tobytes(), Bc.tobytes(), G.tobytes())
        slot = nr.mb.slot(gp, conn.port)
        return ch.shared(
            key, K.CH_CURRENT, gp.n, A, Bc, G, slot, gp.n, (), (id(gp), conn.port)
        )
    if conn.reversal is not None:
        scale, v_reset = nr.to_model[id(gp)]
        E = (conn.reversal - v_reset) / scale
        key = ("cond", id(gp), A.tobytes(), Bc.tobytes(), Cc.tobytes(), E)
        return ch.shared(key, K.CH_COND, gp.n, A, Bc, Cc, o, gp.n, (E,), id(gp))
    key = ("cur", id(gp), A.tobytes(), Bc.tobytes(), G.tobytes())
    return ch.shared(key, K.CH_CURRENT, gp.n, A, Bc, G, o, gp.n, (), id(gp))


def _add_weights(
    cs: _Connections, conn: Any, W: Any, ch: int, pre0: int, delay: int,
    Bc: np.ndarray, dt: float, nr: _Neurons, steps: np.ndarray | None = None,
) -> None:  # fmt: skip
    """Connection ``conn``'s row and weights (one-to-one, CSR or dense) into
    channel ``ch``, and its plastic entry if it has a rule. ``steps``: the
    per-synapse delays of a CSR ``W`` (sorted by :func:`_delayed_csr`)."""
    pre, post = conn.pre, conn.post
    cs.n_syn += (
        pre.n
        if isinstance(W, OneToOne)
        else W.nnz
        if scipy.sparse.issparse(W)
        else W.size
    )
    # one-state channels take the jumps Bc w straight into their state
    direct = int(Bc.shape[0] == 1)
    scale = Bc[0] if direct else 1.0
    row = [0, pre0, pre.n, ch, post.start, delay, 0, 0, post.n, direct, 0, 0, 0]
    if steps is not None:
        base = cs.sidx.add(W.indices)
        cs.sdat.add(W.data * scale)
        lags = np.unique(steps)
        row[0] = K.CON_DCSR
        row[7] = cs.sptr.add(W.indptr.astype(np.int64) + base)
        row[10:13] = [cs.sdel.add(steps), cs.sdel.add(lags), lags.size]
    elif isinstance(W, OneToOne):
        row[0] = K.CON_ONE_TO_ONE
        row[6] = cs.wdat.add(np.broadcast_to(W.value, (pre.n,)) * scale)
    elif scipy.sparse.issparse(W):
        base = cs.sidx.add(W.indices)
        cs.sdat.add(W.data * scale)
        row[0] = K.CON_CSR
        row[7] = cs.sptr.add(W.indptr.astype(np.int64) + base)
    else:
        row[0] = K.CON_DENSE if pre.model.spiking else K.CON_RATE
        row[6] = cs.wdat.add(W * scale)
    cs.rows.append(row)
    rule = getattr(conn, "plasticity", None)
    if rule is not None:
        pos0 = base if scipy.sparse.issparse(W) else row[6]
        post0 = nr.offsets[id(post.group)] + post.start
        # per-synapse delays: the pre traces keep max delay + 2 steps of history
        hist = 1 if steps is None else int(steps.max(initial=0)) + 2
        cs.pl.add(conn, rule, W, len(cs.rows) - 1, pos0, scale, dt, post0, hist)


@dataclass
class _Monitors:
    """Monitor bookkeeping of :func:`build`: the ``Built`` lists and rows.

    ``rec_rows`` are ``[index, kind, every]`` rows of ``rec_i``; ``rd_every``
    the sampling interval of each readout; ``spk_mask`` flags the neurons
    whose spikes are recorded.
    """

    spk_mask: np.ndarray
    spike: list[tuple[Any, int, int]] = field(default_factory=list)
    state: list[tuple[Any, int, int]] = field(default_factory=list)
    readouts: list[tuple[Any, int, int]] = field(default_factory=list)
    rec_rows: list[list[int]] = field(default_factory=list)
    rd_every: list[int] = field(default_factory=list)


def _build_monitors(
    net: Network, dt: float, nr: _Neurons, ch: _Channels, cs: _Connections
) -> _Monitors:
    """Spike masks, recorded rows and readout channels of the monitors."""
    ms = _Monitors(spk_mask=np.zeros(nr.n, dtype=np.uint8))
    for mon in net.monitors:
        if isinstance(mon, WeightMonitor):
            _weight_monitor(ms, mon, cs, dt)
            continue
        g = mon.target.group
        o = nr.offsets[id(g)] + mon.target.start
        if isinstance(mon, SpikeMonitor):
            ms.spk_mask[o : o + mon.target.n] = 1
            ms.spike.append((mon, o, mon.target.n))
            mon._reset(dt)
        elif isinstance(mon, StateMonitor):
            _state_monitor(ms, mon, nr, o, dt)
        else:
            A, Bc, _, Cc = _channel_ss(mon.synapse, dt, mon.discretization, None)
            d = mon.decoders.shape[1]
            c = ch.new(K.CH_READOUT, d, A, Bc, Cc, 0, 0)
            ch.rows[c][9] = len(ms.rd_every)
            ms.rd_every.append(mon.every)
            direct = int(A.shape[0] == 1)
            wo = cs.wdat.add(mon.decoders * (Bc[0] if direct else 1.0))
            kind = K.CON_FACTORED if g.model.spiking else K.CON_RATE
            cs.rows.append([kind, o, mon.target.n, c, 0, 0, wo, 0, d, direct])
            ms.readouts.append((mon, len(ms.rd_every) - 1, d))
            mon._reset(dt)
    return ms


def _weight_monitor(ms: _Monitors, mon: Any, cs: _Connections, dt: float) -> None:
    """Rows recording a plastic connection's weights (reported unscaled)."""
    if id(mon.target) not in cs.pl.plastic:
        raise ValidationError(
            "monitor_weights: the connection is not part of this network"
        )
    scale, W, pos0, _p = cs.pl.plastic[id(mon.target)]
    kind = K.REC_SWEIGHT if scipy.sparse.issparse(W) else K.REC_WEIGHT
    record = np.asarray(mon.record, dtype=np.int64)
    if kind == K.REC_SWEIGHT and isinstance(mon.target.weights, np.ndarray):
        # dense weights with per-synapse delays, stored as CSR: j * n_post + i
        # is the pair's position in that CSR
        rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
        where = np.empty(W.nnz, dtype=np.int64)
        where[rows * W.shape[1] + W.indices] = np.arange(W.nnz)
        record = where[record]
    r0 = len(ms.rec_rows)
    ms.rec_rows += [[pos0 + int(e), kind, mon.every] for e in record]
    ms.state.append((mon, r0, len(ms.rec_rows)))
    mon._reset(dt, lambda u, s=scale: u / s)


def _state_monitor(ms: _Monitors, mon: Any, nr: _Neurons, o: int, dt: float) -> None:
    """Rows recording ``v``, ``J`` or a NeuronModel state variable."""
    g = mon.target.group
    if id(g) not in nr.to_model:
        raise ValidationError(
            f"monitor_state: {type(g.model).__name__} neurons have no state {mon.var!r}"
        )
    scale, v_reset = nr.to_model[id(g)]
    r0 = len(ms.rec_rows)
    if id(g) in nr.mb.blocks and mon.var != "J":
        so, _po, model = nr.mb.blocks[id(g)]
        j = list(type(model).state).index(mon.var)
        base = so + j * g.n + mon.target.start
        for i in mon.record:
            ms.rec_rows.append([base + int(i), K.REC_STATE, mon.every])
    else:
        var = K.REC_V if mon.var == "v" else K.REC_J
        for i in mon.record:
            ms.rec_rows.append([o + int(i), var, mon.every])
    ms.state.append((mon, r0, len(ms.rec_rows)))
    # J is reported as the voltage the membrane relaxes to
    mon._reset(dt, lambda u, s=scale, b=v_reset: b + s * u)


@dataclass
class _Inputs:
    """External inputs of :func:`build`.

    ``const_in`` holds the constant inputs (the neurons', then the
    NeuronModel groups' port slots); ``ext`` the time-varying ones as
    ``(value, first index, count)``; ``enc_ext`` the time-varying encoded ones
    as ``(value, left)``, whose channel states are ``X[in_x]``.
    """

    const_in: np.ndarray
    ext: list[tuple[Any, int, int]] = field(default_factory=list)
    enc_ext: list[tuple[Any, np.ndarray]] = field(default_factory=list)
    in_x: list[int] = field(default_factory=list)


def _build_inputs(net: Network, nr: _Neurons, ch: _Channels) -> _Inputs:
    """Constant and time-varying inputs; encoded inputs' channels."""
    # neurons, then the NeuronModel groups' port slots
    ins = _Inputs(const_in=np.zeros(nr.n + nr.mb.port_size))
    for target, value, port in net.inputs:
        g = target.group
        o = (nr.offsets[id(g)] if port is None else nr.mb.slot(g, port)) + target.start
        if callable(value) or np.ndim(value) == 2:
            ins.ext.append((value, o, target.n))
        else:
            ins.const_in[o : o + target.n] += value
    # encoded inputs: a memoryless factored channel (A = 0, G = 1) whose state
    # the loop sets to the step's input before reading it
    none = (np.zeros((1, 1)), np.ones(1), np.ones(1))
    for target, value, left, right in net.encoded_inputs:
        o = nr.offsets[id(target.group)] + target.start
        if not callable(value) and np.ndim(value) < 2:
            ins.const_in[o : o + target.n] += (value @ left) @ right
            continue
        c = ch.new(K.CH_FACTORED, right.shape[0], *none, o, target.n)
        ch.rows[c][8] = ch.R.add(right)
        ins.in_x.extend(range(ch.rows[c][3], ch.rows[c][3] + right.shape[0]))
        ins.enc_ext.append((value, left))
    return ins


def _init_rows(
    net: Network, nr: _Neurons, ch: _Channels, ms: _Monitors, cs: _Connections,
    ins: _Inputs,
) -> list[list[int]]:  # fmt: skip
    """Fuse LIF segments with their channels; the ``init_i`` ranges.

    ``init_i`` lists the input ranges no channel assigns (so the loop sets
    them to ``const_in`` each step): groups and port slots whose first channel
    is not an assigning current channel, except fused LIF groups.
    """
    j_monitored = {r[0] for r in ms.rec_rows if r[1] == K.REC_J}
    rate_into = {r[3] for r in cs.rows if r[0] == K.CON_RATE}
    _fuse_segments(
        nr.seg_i, nr.seg_f, ch.rows, nr.kgain, nr.kbias, ins.const_in, ins.ext,
        j_monitored, rate_into,
    )  # fmt: skip
    assigned = {r[5] for r in ch.rows if r[10] and r[0] != K.CH_COND}
    offsets = nr.offsets
    rows = [
        [offsets[id(g)], offsets[id(g)] + g.n]
        for g in net.groups
        if offsets[id(g)] not in assigned
        and id(g) in nr.to_model
        and not any(
            r[1] == offsets[id(g)] and r[0] == K.SEG_LIF_FUSED for r in nr.seg_i
        )
    ]
    rows += [[a, b] for a, b in nr.mb.port_ranges(net.groups) if a not in assigned]
    return rows


def _arrays(
    nr: _Neurons, ch: _Channels, cs: _Connections, ms: _Monitors, ins: _Inputs,
    init_rows: list[list[int]],
) -> dict[str, np.ndarray]:  # fmt: skip
    """The flat arrays of :class:`Built` (at least one element each)."""
    N = nr.n
    i64 = np.int64
    mb = nr.mb
    return {
        "v": nr.v,
        "ref": nr.ref,
        "syn_in": np.zeros(ins.const_in.shape[0]),
        "gsum": np.zeros(N),
        "gE": np.zeros(N),
        "kgain": nr.kgain,
        "kbias": nr.kbias,
        "const_in": ins.const_in,
        "flag": np.zeros(32 * (N // 32 + 1), dtype=np.uint8),
        "init_i": np.array(init_rows, dtype=i64).reshape(-1, 2),
        "seg_i": np.array(nr.seg_i, dtype=i64).reshape(-1, 6),
        "seg_f": np.array(nr.seg_f, dtype=np.float64).reshape(-1, 10),
        "aux": nr.aux,
        "p_spike": nr.p_spike,
        "rng_state": nr.rng_state,
        "gen_step": np.concatenate(nr.gen_step) if nr.gen_step else np.zeros(1, i64),
        "gen_idx": np.concatenate(nr.gen_idx) if nr.gen_idx else np.zeros(1, i64),
        "gen_ptr": np.array(nr.gen_ptr, dtype=i64),
        "ch_i": np.array(ch.rows, dtype=i64).reshape(-1, 11),
        "ch_f": ch.f.array(),
        "X": np.zeros(max(ch.X_size, 1)),
        "xs": np.ones(max(len(ch.rows), 1)),
        "U": np.zeros(max(ch.U_size, 1)),
        "R": ch.R.array(),
        "tmp": np.zeros(max([r[2] for r in ch.rows], default=1)),
        # columns 10-12 (per-synapse delays) are 0 for the other connections
        "con_i": np.array(
            [r + [0] * (K.CON_COLS - len(r)) for r in cs.rows], dtype=i64
        ).reshape(-1, K.CON_COLS),
        "wdat": cs.wdat.array(),
        "sdat": cs.sdat.array(),
        "sidx": cs.sidx.array(),
        "sptr": cs.sptr.array(),
        "sdel": cs.sdel.array(),
        **cs.pl.arrays(),
        # a row per delay step, with room for every spike of a step
        "ring": np.zeros((cs.max_delay + 1, int(nr.room.sum())), dtype=np.int32),
        "ring_cnt": np.zeros(cs.max_delay + 1, dtype=i64),
        "spk_mask": ms.spk_mask,
        "rec_i": np.array(ms.rec_rows, dtype=i64).reshape(-1, 3),
        "rd_every": np.array(ms.rd_every or [1], dtype=i64),
        "in_x": np.array(ins.in_x, dtype=i64),
        "mod_i": np.array(mb.rows, dtype=i64).reshape(-1, 5),
        "mstate": mb.state.array(),
        "mpar": mb.par.array(),
        "mref": np.zeros(max(mb.ref_size, 1), dtype=i64),
    }


def build(net: Network, dt: float) -> Built:
    """Draw the network's random parts and lay it out as flat arrays.

    By concern, in this order (the order of the random draws): neurons
    (:func:`_build_neurons`), connections with their channels, delays and
    plasticity (:func:`_build_connections`), monitors
    (:func:`_build_monitors`), inputs (:func:`_build_inputs`), then the fused
    LIF segments and the input ranges to initialise (:func:`_init_rows`).
    """
    if not net.groups:
        raise ValidationError("Network: add at least one NeuronGroup")
    rng = as_rng(net.seed)
    if isinstance(net.seed, np.random.Generator):
        rng = np.random.default_rng(net.seed.integers(2**63))
    nr = _build_neurons(net, dt, rng)
    ch = _Channels()
    cs = _build_connections(net, dt, rng, nr, ch)
    ms = _build_monitors(net, dt, nr, ch, cs)
    ins = _build_inputs(net, nr, ch)
    init_rows = _init_rows(net, nr, ch, ms, cs, ins)
    mb, pl = nr.mb, cs.pl
    loop = None
    if mb.kinds or pl.rules:
        from ..kernels.models import compile_network_loop

        loop = compile_network_loop(
            mb.models, [m for _c, m in mb.kinds], tuple(pl.rules)
        )
    return Built(
        dt=dt,
        offsets=nr.offsets,
        arrays=_arrays(nr, ch, cs, ms, ins, init_rows),
        ext=ins.ext,
        spike_monitors=ms.spike,
        state_monitors=ms.state,
        readouts=ms.readouts,
        n_mon=int(nr.room[ms.spk_mask == 1].sum()),
        n_synapses=cs.n_syn,
        to_model=nr.to_model,
        enc_ext=ins.enc_ext,
        loop=loop,
        model_blocks=mb.blocks,
        port_slots=mb.port_off,
        model_methods=mb.methods,
        plastic=pl.plastic,
    )


def refresh_propagators(built: Built, group: Any) -> None:
    """Recompute the propagators of an ``"exact"`` group from its parameters.

    Called after its parameters change (they follow the parameter rows in
    ``mpar``; :func:`neurosim.kernels.models.propagator_rows`).
    """
    from ..kernels.models import propagator_rows

    if built.model_methods.get(id(group)) != "exact":
        return
    _so, po, model = built.model_blocks[id(group)]
    cls = type(model)
    n, k = group.n, len(cls.params)
    mpar = host_arrays(built, ("mpar",))["mpar"]
    params = {p: mpar[po + j * n : po + (j + 1) * n] for j, p in enumerate(cls.params)}
    rows = propagator_rows(cls, params, built.dt / cls.time_unit, n)
    mpar[po + k * n : po + (k + rows.shape[0]) * n] = rows.ravel()


def port_state(built: Built, target: Any, port: str) -> tuple[np.ndarray, float]:
    """``(x, G)``: the synapse state feeding a model group's port, and its readout.

    The port's synaptic input at the next step's start is ``G * x`` (``x`` a
    view of ``X`` over the target's neurons). Only a port fed by exactly one
    single-state channel has such a state; others raise ``ValidationError``.
    """
    g = target.group
    model = type(g.model)
    k = list(model.inputs).index(port)
    base = built.offsets[id(g)] if k == 0 else built.port_slots[id(g)] + (k - 1) * g.n
    ch_i = built.arrays["ch_i"]
    rows = [
        c
        for c in range(ch_i.shape[0])
        if ch_i[c, 0] == K.CH_CURRENT and ch_i[c, 5] == base
    ]
    if len(rows) != 1 or ch_i[rows[0], 2] != 1:
        raise ValidationError(
            f"var: port {port!r} of {model.__name__} is fed by {len(rows)} synapse "
            "kinds" + (" with several states" if len(rows) == 1 else "")
            + "; its state can be set only when one single-state synapse "
            "(e.g. Lowpass) feeds it"
        )  # fmt: skip
    c = rows[0]
    xo = ch_i[c, 3] + target.start
    a = host_arrays(built, ("X", "xs"))
    gain = a["ch_f"][ch_i[c, 7] + 2] * a["xs"][c]
    return a["X"][xo : xo + target.n], float(gain)


def _fuse_segments(
    seg_i, seg_f, ch_rows, kgain, kbias, const_in, ext, j_monitored, rate_into
) -> None:
    """Fold one or two one-state current channels into their group's LIF pass.

    Applies to a current-based LIF group whose only inputs are those channels
    (fed by spiking connections only: ``rate_into`` lists the channels that
    rate groups feed) and a uniform constant, with uniform gain and bias, and
    whose input ``J`` is not monitored (CUBA-like networks): the segment
    becomes ``SEG_LIF_FUSED`` and the channels are marked 2 (read in the LIF
    pass, skipped in step 1, state kept scaled). See
    ``kernels.network._lif_fused`` and ``_rescale``.
    """
    for row in seg_i:
        f = seg_f[row[3]]
        if row[0] == K.SEG_LIF_COND:
            _fuse_conductances(row, ch_rows, rate_into)
        if row[0] != K.SEG_LIF:
            continue
        i0, i1 = row[1], row[2]
        into = [
            c for c, r in enumerate(ch_rows) if i0 <= r[5] < i1 and r[0] != K.CH_READOUT
        ]
        if not 1 <= len(into) <= 2:
            continue
        if any(ch_rows[c][0] != K.CH_CURRENT or ch_rows[c][2] != 1 for c in into):
            continue
        if any(c in rate_into for c in into):
            continue
        if any(o < i1 and o + n > i0 for _v, o, n in ext):
            continue
        if any(i0 <= i < i1 for i in j_monitored):
            continue
        sl = slice(i0, i1)
        if not all(np.all(a[sl] == a[i0]) for a in (kgain, kbias, const_in)):
            continue
        row[0] = K.SEG_LIF_FUSED
        row[4], row[5] = into[0], into[-1]
        f[3:6] = [const_in[i0], kgain[i0], kbias[i0]]
        for c in into:
            ch_rows[c][10] = 2


def _fuse_conductances(row: np.ndarray, ch_rows: list, rate_into: set) -> None:
    """Fold a conductance LIF group's conductance channels into its pass.

    When the group's conductances come from one or two one-state channels
    (e.g. ``Lowpass`` excitation and inhibition, COBA-like networks), fed by
    spiking connections only, ``row[4:6]`` names them and they are marked 2
    (read in the neuron pass, skipped in step 1, state kept scaled). See
    ``kernels.network._lif_cond`` and ``cond_inputs``.
    """
    i0, i1 = row[1], row[2]
    into = [c for c, r in enumerate(ch_rows) if i0 <= r[5] < i1 and r[0] == K.CH_COND]
    if not 1 <= len(into) <= 2:
        return
    if any(ch_rows[c][2] != 1 or c in rate_into for c in into):
        return
    row[4], row[5] = into[0], into[-1]
    for c in into:
        ch_rows[c][10] = 2


def run_cpu(
    built: Built, n_steps: int, step0: int, ext_idx: np.ndarray, ext_val: np.ndarray,
    buffers: dict[str, np.ndarray],
) -> int:  # fmt: skip
    """Run the compiled CPU loop for up to ``n_steps`` steps; returns steps done."""
    a = built.arrays
    run = K.network_run if built.loop is None else built.loop.network_run
    return run(
        n_steps, step0, built.dt,
        a["v"], a["ref"], a["syn_in"], a["gsum"], a["gE"], a["kgain"],
        a["kbias"], a["const_in"], a["flag"], a["init_i"],
        a["seg_i"], a["seg_f"], a["aux"], a["p_spike"], a["rng_state"],
        a["gen_step"],
        a["gen_idx"], a["gen_ptr"],
        a["mod_i"], a["mstate"], a["mpar"], a["mref"],
        a["ch_i"], a["ch_f"], a["X"], a["xs"], a["U"], a["R"], a["tmp"],
        a["con_i"], a["wdat"], a["sdat"], a["sidx"], a["sptr"], a["sdel"],
        a["pl_i"], a["pl_f"], a["pl_ix"], a["trace"], a["syn"],
        a["ring"], a["ring_cnt"],
        ext_idx, ext_val, a["in_x"],
        a["spk_mask"], built.n_mon, buffers["ev_idx"], buffers["ev_step"],
        buffers["n_ev"],
        a["rec_i"], buffers["rec_out"], buffers["rec_off"], buffers["rec_cnt"],
        buffers["rd_out"], buffers["rd_off"], buffers["rd_cnt"], a["rd_every"],
    )  # fmt: skip


def run_cuda(*args: Any) -> int:
    """The GPU step (:mod:`neurosim.kernels.network_cuda`, imported lazily)."""
    from ..kernels.network_cuda import network_run_cuda

    return network_run_cuda(*args)


BACKENDS: dict[str, Callable[..., int]] = {"cpu": run_cpu, "cuda": run_cuda}


def host_arrays(built: Built, names: tuple[str, ...] | None = None) -> dict:
    """``built.arrays``, with the host copies of ``names`` (default all) current.

    The CUDA backend keeps the state on the device between runs; this copies
    back what a run changed there, and only that, when the host reads it.
    """
    if built.device is not None:
        if names is None:
            built.device.pull()
        else:
            built.device.pull(names)
    return built.arrays


def host_changed(built: Built, names: tuple[str, ...]) -> None:
    """The host wrote ``names`` (read through :func:`host_arrays` first).

    The next run of the CUDA backend copies them to the device.
    """
    if built.device is not None:
        built.device.changed(names)


def all_finite(built: Built, names: tuple[str, ...]) -> bool:
    """Whether the arrays ``names`` are finite (checked on the device if there)."""
    if built.device is not None:
        return built.device.all_finite(names)
    return all(bool(np.all(np.isfinite(built.arrays[k]))) for k in names)


def spike_overflow(built: Built) -> int:
    """``i + 1`` for a neuron the last CUDA run found due more spikes in a step
    than the spike ring keeps for it (0: none; the CPU loop reports it in
    ``n_ev[1]``). Read from the device's check flag as :func:`all_finite` left
    it (that check raises its flag then, so call it after a failed check)."""
    dev = built.device
    return -dev.last_flag if dev is not None and dev.last_flag < 0 else 0


def hh_in_bounds(
    built: Built, ranges: list[tuple[int, int]], v_limit: float, low: float,
    high: float,
) -> bool:  # fmt: skip
    """Whether the HH neurons of ``ranges`` have ``|v| < v_limit`` and gates in
    ``(low, high)`` (checked on the device if the state is there)."""
    if built.device is not None and {"v", "aux"} & built.device.stale:
        return built.device.hh_in_bounds(ranges, v_limit, low, high)
    v, aux = built.arrays["v"], built.arrays["aux"]
    return all(
        np.all(np.abs(v[i0:i1]) < v_limit)
        and np.all((aux[:, i0:i1] > low) & (aux[:, i0:i1] < high))
        for i0, i1 in ranges
    )


def save_point(built: Built, names: tuple[str, ...]) -> dict[str, Any]:
    """Copies of the arrays ``names`` for :func:`load_point` (a rollback).

    The CUDA backend copies what is on the device into new device arrays
    (no host transfer).
    """
    if built.device is not None:
        return built.device.save_point(names)
    return {k: built.arrays[k].copy() for k in names}


def load_point(built: Built, point: dict[str, Any]) -> None:
    """Put back the arrays of a :func:`save_point`."""
    if built.device is not None:
        built.device.load_point(point)
        return
    for k, value in point.items():
        built.arrays[k][...] = value
