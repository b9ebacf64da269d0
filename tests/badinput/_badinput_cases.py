"""The bad-input sweep's catalogue: one valid call per public entry point.

Each :class:`Entry` is a public callable with keyword arguments that make a
valid, quick call. The sweep replaces one argument at a time with every value of
the battery that fits the argument's kind (inferred from the valid value, or
given in ``kinds``) and classifies what happens (see ``_badinput_worker.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NAN, INF = math.nan, math.inf


class _Obj:
    """A foreign object that is not what any argument expects."""

    def __repr__(self) -> str:
        return "<foreign object>"


# The battery, by kind of argument. Each value has a short label for the case id.
FLOAT_BAD = [
    ("nan", NAN),
    ("inf", INF),
    ("-inf", -INF),
    ("-1", -1.0),
    ("0", 0.0),
    ("1e-30", 1e-30),
    ("1e30", 1e30),
    ("2**64", 2**64),
    ("complex", 1 + 1j),
    ("str", "x"),
    ("None", None),
    ("list2", [1.0, 2.0]),
]
INT_BAD = [
    ("-1", -1),
    ("0", 0),
    ("10**12", 10**12),
    ("2**64", 2**64),
    ("1.5", 1.5),
    ("nan", NAN),
    ("str", "x"),
    ("None", None),
]
# Iteration counts are honoured however long they take (10**12 epochs is a
# request, not an error), so their battery has no 10**12; 2**64 must be refused.
COUNT_BAD = [(k, v) for k, v in INT_BAD if k != "10**12"]
COUNT_ARGS = ("epochs", "n_iter", "n_gibbs", "k", "inference_steps", "n_trials")
STR_BAD = [("bogus", "bogus"), ("None", None), ("int", 3)]
OBJ_BAD = [("None", None), ("str", "x"), ("float", 1.0), ("foreign", _Obj())]
SEED_BAD = [("-1", -1), ("1.5", 1.5), ("str", "x"), ("2**64", 2**64)]


def array_bad(base: np.ndarray) -> list[tuple[str, Any]]:
    """Bad variants of a valid float array (same shape unless said)."""
    out: list[tuple[str, Any]] = []
    if base.size:
        a = base.astype(float).copy()
        a.flat[0] = NAN
        out.append(("nan", a))
        b = base.astype(float).copy()
        b.flat[-1] = INF
        out.append(("inf", b))
        out.append(("complex", base.astype(complex) + 1j))
        out.append(
            ("object", np.array([None] * base.size, dtype=object).reshape(base.shape))
        )
        out.append(("str", np.full(base.shape, "a")))
    out.append(("extra_dim", base[None, ..., None]))
    out.append(("empty", base[:0] if base.ndim else np.zeros(0)))
    out.append(("None", None))
    out.append(("scalar_str", "x"))
    return out


@dataclass
class Entry:
    """A public callable and a valid, quick call of it."""

    name: str
    fn: Callable[..., Any]
    kwargs: dict[str, Any]
    kinds: dict[str, str] = field(default_factory=dict)
    skip: tuple[str, ...] = ()  # arguments not swept (bools, callbacks)
    extra: list[tuple[str, str, Any]] = field(
        default_factory=list
    )  # (arg, label, value)


def kind_of(value: Any) -> str | None:
    """The battery an argument's valid value calls for."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    if isinstance(value, np.ndarray):
        return "array" if value.dtype.kind in "fc" else "intarray"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple | list):
        return "seq"
    return "obj"


def battery(kind: str, base: Any) -> list[tuple[str, Any]]:
    """The bad values for an argument of ``kind`` whose valid value is ``base``."""
    if kind == "float":
        return FLOAT_BAD
    if kind == "int":
        return INT_BAD
    if kind == "count":
        return COUNT_BAD
    if kind == "array":
        return array_bad(np.asarray(base))
    if kind == "intarray":
        return [("float", np.asarray(base) + 0.5), ("-1", np.asarray(base) * 0 - 1)] + [
            (k, v)
            for k, v in array_bad(np.asarray(base))
            if k in ("object", "None", "str")
        ]
    if kind == "str":
        return STR_BAD
    if kind == "seed":
        return SEED_BAD
    if kind in ("obj", "seq"):
        return OBJ_BAD
    raise ValueError(kind)


def cases(entries: list[Entry]) -> list[tuple[str, Entry, str | None, Any]]:
    """``(case_id, entry, argument or None for the valid call, bad value)``."""
    out = []
    for e in entries:
        out.append((f"{e.name}[valid]", e, None, None))
        for arg, base in e.kwargs.items():
            if arg in e.skip:
                continue
            kind = e.kinds.get(arg) or kind_of(base)
            if kind == "int" and arg in COUNT_ARGS:
                kind = "count"
            if kind is None:
                continue
            for label, bad in battery(kind, base):
                out.append((f"{e.name}[{arg}={label}]", e, arg, bad))
        for arg, label, bad in e.extra:
            out.append((f"{e.name}[{arg}={label}]", e, arg, bad))
    return out


def build_entries() -> dict[str, list[Entry]]:
    """The catalogue, grouped in chunks that run in separate worker processes."""
    import neurosim as ns
    from neurosim import ann, learning
    from neurosim.nef import dists

    rng = np.random.default_rng(0)
    x5 = np.linspace(-1.0, 1.0, 5)
    X = rng.standard_normal((12, 4))
    y_lab = np.arange(12) % 3
    V01 = (rng.random((20, 6)) < 0.5).astype(float)
    pm = np.sign(rng.standard_normal((3, 16)))
    trains = [np.array([0.01, 0.03, 0.05]), np.array([0.02])]

    def lif_pop():
        return ns.Population(20, 1, seed=0)

    neurons = [
        Entry("LIF", ns.LIF, dict(tau_rc=0.02, tau_ref=0.002, min_voltage=0.0)),
        Entry("LIFRate", ns.LIFRate, dict(tau_rc=0.02, tau_ref=0.002)),
        Entry("LIFRate.rates", lambda **k: ns.LIFRate().rates(**k), dict(J=x5 * 3)),
        Entry(
            "LIFRate.current_for_rate",
            lambda **k: ns.LIFRate().current_for_rate(**k),
            dict(rate=np.array([10.0, 100.0])),
        ),
        Entry(
            "LIFRate.gain_bias",
            lambda **k: ns.LIFRate().gain_bias(**k),
            dict(max_rates=np.array([100.0, 200.0]), intercepts=np.array([-0.5, 0.5])),
        ),
        Entry(
            "LIFRate.max_rates_intercepts",
            lambda **k: ns.LIFRate().max_rates_intercepts(**k),
            dict(gain=np.array([2.0, 3.0]), bias=np.array([1.0, 0.5])),
        ),
        Entry(
            "LIFNeuron",
            ns.LIFNeuron,
            dict(tau_m=0.02, v_rest=-0.065, v_th=-0.05, v_reset=-0.065, tau_ref=0.002),
        ),
        Entry("LIFNeuron.rates", lambda **k: ns.LIFNeuron().rates(**k), dict(I=x5)),
        Entry(
            "HodgkinHuxley",
            ns.HodgkinHuxley,
            dict(
                C=1.0,
                g_na=120.0,
                g_k=36.0,
                g_l=0.3,
                e_na=50.0,
                e_k=-77.0,
                e_l=-54.4,
                v_init=-65.0,
                v_spike=-20.0,
            ),
        ),
        Entry("PoissonSource", ns.PoissonSource, dict(rate=np.array([5.0, 10.0]))),
        Entry("SpikeSource", ns.SpikeSource, dict(spike_times=trains), kinds={}),
        Entry(
            "simulate_neurons[lif]",
            ns.simulate_neurons,
            dict(
                model=ns.LIF(),
                current=np.array([1.5, 3.0]),
                dt=1e-3,
                t_end=0.02,
                backend="cpu",
                n_neurons=None,
            ),
            kinds={"n_neurons": "int"},
        ),
        Entry(
            "simulate_neurons[hh]",
            ns.simulate_neurons,
            dict(
                model=ns.HodgkinHuxley(),
                current=10.0,
                dt=1e-5,
                t_end=0.002,
                method="rk4",
            ),
        ),
        Entry(
            "firing_rates",
            ns.firing_rates,
            dict(
                model=ns.LIF(),
                currents=np.array([1.5, 3.0]),
                dt=1e-3,
                t_end=0.05,
                settle=0.01,
            ),
        ),
        Entry("neuron_rates", ns.neuron_rates, dict(model=ns.LIF(), currents=x5 * 3)),
    ]

    synapses = [
        Entry("Lowpass", ns.Lowpass, dict(tau=0.01)),
        Entry("Alpha", ns.Alpha, dict(tau=0.01)),
        Entry("PSC", ns.PSC, dict(n=3, tau=0.01)),
        Entry("DoubleExp", ns.DoubleExp, dict(tau_rise=0.002, tau_decay=0.01)),
        Entry(
            "LinearFilter",
            ns.LinearFilter,
            dict(num=np.array([1.0]), den=np.array([0.01, 1.0])),
        ),
        Entry(
            "Lowpass.impulse",
            lambda **k: ns.Lowpass(0.01).impulse(**k),
            dict(t=np.linspace(0, 0.05, 6)),
        ),
        Entry(
            "Lowpass.discretize",
            lambda **k: ns.Lowpass(0.01).discretize(**k),
            dict(dt=1e-3, method="zoh"),
        ),
        Entry(
            "Lowpass.filt",
            lambda **k: ns.Lowpass(0.01).filt(**k),
            dict(x=rng.standard_normal((20, 2)), dt=1e-3, axis=0, y0=0.0, method="zoh"),
        ),
        Entry(
            "LinearFilter.filt[y0]",
            lambda **k: ns.LinearFilter([1.0], [0.01, 1.0]).filt(**k),
            dict(x=np.ones((20, 2)), dt=1e-3, y0=np.array([0.5, 1.0])),
        ),
        Entry(
            "Lowpass.step_function",
            lambda **k: ns.Lowpass(0.01).step_function(**k),
            dict(dt=1e-3, shape=3, y0=0.0, method="zoh"),
        ),
        Entry(
            "poisson_spikes",
            ns.poisson_spikes,
            dict(rates=np.array([10.0, 20.0]), dt=1e-3, t_end=0.1, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "regular_spikes",
            ns.regular_spikes,
            dict(rates=np.array([10.0, 20.0]), dt=1e-3, t_end=0.1, phase=0.0),
        ),
        Entry(
            "spikes_to_array",
            ns.spikes_to_array,
            dict(spike_times=trains, dt=1e-3, t_end=0.1, weights=None),
            kinds={"weights": "obj"},
        ),
        Entry(
            "array_to_spike_times",
            ns.array_to_spike_times,
            dict(spikes=(rng.random((50, 2)) < 0.1) / 1e-3, dt=1e-3),
        ),
        Entry(
            "filtered_spike_train",
            ns.filtered_spike_train,
            dict(spike_times=trains, syn=ns.Lowpass(0.01), t=np.linspace(0, 0.1, 11)),
        ),
        Entry(
            "estimate_rates[count]",
            ns.estimate_rates,
            dict(spike_times=trains, method="count", t_start=0.0, t_stop=0.1),
            kinds={"t_stop": "float"},
        ),
        Entry(
            "estimate_rates[isi]",
            ns.estimate_rates,
            dict(spike_times=[np.array([0.01, 0.03, 0.05])], method="isi", t_stop=0.1),
            extra=[("spike_times", "one_spike", [np.array([0.02])])],
        ),
        Entry(
            "estimate_rates[kernel]",
            ns.estimate_rates,
            dict(
                spike_times=trains,
                method="kernel",
                syn=ns.Lowpass(0.01),
                t=np.linspace(0, 0.1, 11),
            ),
        ),
    ]

    def small_net(**k):
        net = ns.Network(seed=0)
        g = net.add(ns.NeuronGroup(3, ns.LIF(), v0=np.zeros(3)))
        net.add_input(g, 2.0)
        return net, g

    def net_connect(**k):
        net, g = small_net()
        net.connect(g, g, **k)
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.01)

    def net_input(**k):
        net, g = small_net()
        net.add_input(g, **k)
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.01)

    def net_state(**k):
        net, g = small_net()
        m = net.monitor_state(g, **k)
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.01)
        return m.v

    def net_readout(**k):
        net, g = small_net()
        m = net.monitor_readout(g, **k)
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.01)
        return m.data

    def sim_make(**k):
        net, g = small_net()
        ns.Simulator(net, **k).run(0.01)

    def sim_run(**k):
        net, g = small_net()
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(**k)

    def group(**k):
        net = ns.Network(seed=0)
        g = net.add(ns.NeuronGroup(**k))
        ns.Simulator(net, dt=1e-3, backend="cpu", progress=False).run(0.01)
        return g

    sim = [
        Entry(
            "NeuronGroup",
            group,
            dict(
                n=3,
                model=ns.LIF(),
                v0=np.zeros(3),
                gain=np.ones(3),
                bias=np.full(3, 2.0),
            ),
        ),
        Entry(
            "Network.connect",
            net_connect,
            dict(
                weights=np.full((3, 3), 0.1),
                synapse=ns.Lowpass(0.005),
                delay=0.002,
                reversal=None,
            ),
            kinds={"reversal": "float"},
            extra=[("weights", "scalar_nan", NAN), ("weights", "scalar_inf", INF)],
        ),
        Entry("Network.add_input", net_input, dict(value=np.full(3, 0.5))),
        Entry(
            "Network.monitor_state",
            net_state,
            dict(var="v", record=np.array([0, 1]), every=1),
        ),
        Entry(
            "Network.monitor_readout",
            net_readout,
            dict(decoders=np.ones((3, 1)), synapse=ns.Lowpass(0.01), every=1),
        ),
        Entry("Simulator", sim_make, dict(dt=1e-3, backend="cpu")),
        Entry("Simulator.run", sim_run, dict(duration=0.01)),
        Entry(
            "Random",
            lambda **k: ns.Random(**k).sample(5, 5, np.random.default_rng(0)),
            dict(p=0.2, value=0.1),
        ),
        Entry("OneToOne", ns.OneToOne, dict(value=0.5)),
        Entry(
            "Factored", ns.Factored, dict(left=np.ones((3, 2)), right=np.ones((2, 3)))
        ),
    ]

    def model_run(**k):
        m = ns.Model(seed=0)
        pop = m.add(ns.Population(20, 1, seed=0))
        u = m.input(lambda t: np.sin(t))
        m.connect(u, pop)
        p = m.probe(pop)
        return m.run(**k)[p]

    nef = [
        Entry(
            "Population",
            lambda **k: ns.Population(**k).rates(np.zeros((2, 1))),
            dict(
                n_neurons=20,
                dimensions=1,
                radius=1.0,
                n_eval_points=100,
                seed=0,
                max_rates=np.full(20, 100.0),
                intercepts=np.zeros(20),
            ),
            kinds={"seed": "seed"},
        ),
        Entry(
            "Population.rates",
            lambda **k: lif_pop().rates(**k),
            dict(x=np.linspace(-1, 1, 5)[:, None]),
        ),
        Entry(
            "Decoder.fit",
            lambda **k: ns.Decoder().fit(**k).decoders_,
            dict(
                A=np.abs(rng.standard_normal((30, 10))) * 50,
                Y=np.linspace(-1, 1, 30)[:, None],
            ),
        ),
        Entry(
            "Decoder.fit_function",
            lambda **k: ns.Decoder().fit_function(lif_pop(), **k).decoders_,
            dict(eval_points=np.linspace(-1, 1, 30)[:, None]),
        ),
        Entry(
            "LstsqL2",
            lambda **k: ns.LstsqL2(**k)(
                np.eye(4) + 1, np.ones((4, 1)), np.random.default_rng(0)
            )[0],
            dict(reg=0.1),
        ),
        Entry(
            "LstsqL2.__call__",
            lambda **k: ns.LstsqL2()(rng=np.random.default_rng(0), **k)[0],
            dict(
                A=np.abs(rng.standard_normal((30, 10))) * 50,
                Y=np.linspace(-1, 1, 30)[:, None],
            ),
        ),
        Entry("Lstsq", lambda **k: ns.Lstsq(**k), dict(rcond=1e-3)),
        Entry("Nnls", lambda **k: ns.Nnls(**k), dict(reg=0.1)),
        Entry(
            "dists.Uniform",
            lambda **k: dists.Uniform(**k).samples(5, 2, 0),
            dict(low=-1.0, high=1.0),
        ),
        Entry(
            "dists.Exponential",
            lambda **k: dists.Exponential(**k).samples(5, 2, 0),
            dict(scale=1.0, shift=0.0, high=10.0),
        ),
        Entry(
            "dists.Choice",
            lambda **k: dists.Choice(**k).samples(5, 1, 0),
            dict(options=np.array([1.0, 2.0]), weights=np.array([0.5, 0.5])),
        ),
        Entry(
            "dists.UniformHypersphere.samples",
            lambda **k: dists.UniformHypersphere().samples(**k),
            dict(n=5, d=2, rng=0),
            kinds={"rng": "seed"},
        ),
        Entry(
            "dists.ScatteredHypersphere.samples",
            lambda **k: dists.ScatteredHypersphere().samples(**k),
            dict(n=5, d=2, rng=0),
            kinds={"rng": "seed"},
        ),
        Entry("Model.run", model_run, dict(T=0.02, dt=1e-3, backend="cpu")),
    ]

    energy = [
        Entry(
            "Hopfield.fit",
            lambda **k: ns.Hopfield().fit(**k).weights_,
            dict(patterns=pm),
        ),
        Entry(
            "Hopfield.predict",
            lambda **k: ns.Hopfield().fit(pm).predict(**k),
            dict(cues=pm, n_iter=10, update="async", seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "Hopfield.energy", lambda **k: ns.Hopfield().fit(pm).energy(**k), dict(x=pm)
        ),
        Entry(
            "ModernHopfield",
            lambda **k: ns.ModernHopfield(**k).fit(pm).predict(pm),
            dict(beta=1.0),
        ),
        Entry(
            "ModernHopfield.predict",
            lambda **k: ns.ModernHopfield().fit(pm).predict(**k),
            dict(cues=pm, n_iter=2, tol=1e-10),
        ),
        Entry(
            "ContinuousHopfield",
            lambda **k: ns.ContinuousHopfield(**k).fit(pm).predict(pm, 0.01),
            dict(tau=0.01, gain=4.0, bias=0.0),
        ),
        Entry(
            "ContinuousHopfield.predict",
            lambda **k: ns.ContinuousHopfield().fit(pm).predict(**k),
            dict(cues=pm, t_end=0.01, dt=1e-3),
            kinds={"dt": "float"},
        ),
        Entry(
            "RBM",
            lambda **k: ns.RBM(**k).fit(V01, epochs=1).free_energy(V01),
            dict(n_visible=6, n_hidden=4, seed=0, init_scale=0.01),
            kinds={"seed": "seed"},
        ),
        Entry(
            "RBM.fit",
            lambda **k: ns.RBM(6, 4, seed=0).fit(**k).free_energy(V01),
            dict(V=V01, k=1, epochs=2, lr=0.1, batch_size=5),
        ),
        Entry(
            "RBM.sample",
            lambda **k: ns.RBM(6, 4, seed=0).fit(V01).sample(**k),
            dict(n_samples=3, n_gibbs=5, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "hopfield_capacity",
            lambda **k: ns.hopfield_capacity(**k).recall,
            dict(
                n_neurons=20,
                loads=np.array([0.1]),
                n_trials=1,
                flip=0.05,
                threshold=0.99,
                n_iter=5,
                seed=0,
            ),
            kinds={"seed": "seed"},
        ),
    ]

    learn = [
        Entry(
            "Hebbian.partial_fit",
            lambda **k: learning.Hebbian(2, seed=0).partial_fit(**k).weights_,
            dict(X=X),
        ),
        Entry(
            "Hebbian",
            lambda **k: learning.Hebbian(**k).partial_fit(X).weights_,
            dict(n_components=2, learning_rate=1e-3, decay=0.0, init_scale=0.1, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "Oja",
            lambda **k: learning.Oja(**k).fit(X, epochs=2).weights_,
            dict(
                n_components=2,
                learning_rate=0.01,
                init_scale=1.0,
                rule="sanger",
                seed=0,
            ),
            kinds={"seed": "seed"},
        ),
        Entry(
            "Oja.fit",
            lambda **k: learning.Oja(2, seed=0).fit(**k).weights_,
            dict(X=X, epochs=2, batch_size=4),
        ),
        Entry(
            "PES",
            lambda **k: (
                learning.PES(**k)
                .partial_fit(np.ones((5, 3)), np.ones((5, 1)))
                .decoders_
            ),
            dict(learning_rate=1e-4, decoders=np.zeros((3, 1))),
        ),
        Entry(
            "PES.run",
            lambda **k: learning.PES().run(**k),
            dict(activities=np.abs(X) * 10, target=np.ones((12, 1)), dt=1e-3),
        ),
        Entry(
            "STDP",
            lambda **k: learning.STDP(**k).window(np.array([-0.01, 0.01])),
            dict(
                a_plus=0.01,
                a_minus=0.0105,
                tau_plus=0.02,
                tau_minus=0.02,
                w_min=0.0,
                w_max=1.0,
            ),
        ),
        Entry(
            "STDP.run",
            lambda **k: learning.STDP().run(**k),
            dict(
                pre_spikes=(rng.random((50, 2)) < 0.1).astype(float),
                post_spikes=(rng.random((50, 3)) < 0.1).astype(float),
                dt=1e-3,
                w0=np.full((3, 2), 0.5),
            ),
        ),
        Entry(
            "STDP.weight_change",
            lambda **k: learning.STDP().weight_change(**k),
            dict(pre_times=np.array([0.01, 0.02]), post_times=np.array([0.015])),
        ),
        Entry(
            "Perceptron.fit",
            lambda **k: learning.Perceptron(epochs=3, seed=0).fit(**k).predict(X),
            dict(X=X, y=(y_lab > 0).astype(int)),
        ),
        Entry(
            "Perceptron",
            lambda **k: learning.Perceptron(**k).fit(X, y_lab > 0).predict(X),
            dict(lr=1.0, epochs=3, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "PredictiveCoding",
            lambda **k: (
                learning.PredictiveCoding(**k)
                .fit(X, y_lab, epochs=1, batch_size=6)
                .energy(X)
            ),
            dict(
                layer_sizes=[4, 5, 3],
                activation="tanh",
                inference_steps=5,
                inference_rate=0.1,
                inference_tol=1e-6,
                variances=1.0,
                feedback_decay=1e-3,
                seed=0,
            ),
            kinds={"seed": "seed", "layer_sizes": "obj"},
        ),
        Entry(
            "PredictiveCoding.fit",
            lambda **k: learning.PredictiveCoding([4, 5, 3], seed=0).fit(**k).energy(X),
            dict(X=X, y=y_lab, epochs=1, batch_size=6),
        ),
        Entry(
            "FeedbackAlignment",
            lambda **k: (
                learning.FeedbackAlignment(**k)
                .fit(X, y_lab, epochs=1, batch_size=6)
                .predict(X)
            ),
            dict(layer_sizes=[4, 5, 3], feedback_scale=1.0, seed=0),
            kinds={"seed": "seed", "layer_sizes": "obj"},
        ),
        Entry(
            "cosine",
            learning.cosine,
            dict(a=np.array([1.0, 2.0]), b=np.array([2.0, 1.0])),
        ),
    ]

    t3 = rng.standard_normal((2, 3))

    def T(a):
        return ann.Tensor(a, requires_grad=True)

    def grads(fn):
        def run(**k):
            out = fn(**k)
            out.sum().backward()
            return out

        return run

    annl = [
        Entry("Tensor", ann.Tensor, dict(data=t3)),
        Entry(
            "binary_cross_entropy",
            grads(ann.binary_cross_entropy),
            dict(probs=T(np.array([0.2, 0.7])), target=np.array([0.0, 1.0])),
        ),
        Entry(
            "binary_cross_entropy[perfect]",
            lambda **k: ann.binary_cross_entropy(**k),
            dict(probs=np.array([0.0, 1.0]), target=np.array([0.0, 1.0])),
        ),
        Entry(
            "binary_cross_entropy_with_logits",
            ann.binary_cross_entropy_with_logits,
            dict(logits=np.array([0.2, -0.7]), target=np.array([0.0, 1.0])),
        ),
        Entry(
            "cross_entropy", ann.cross_entropy, dict(logits=t3, target=np.array([0, 2]))
        ),
        Entry("mse_loss", ann.mse_loss, dict(pred=t3, target=t3 * 0)),
        Entry("layer_norm", grads(ann.layer_norm), dict(x=T(t3), eps=1e-5, n_axes=1)),
        Entry(
            "positional_encoding", ann.positional_encoding, dict(n=4, d=6, base=10000.0)
        ),
        Entry(
            "scaled_dot_product_attention",
            ann.scaled_dot_product_attention,
            dict(
                query=rng.standard_normal((2, 3, 4)),
                key=rng.standard_normal((2, 3, 4)),
                value=rng.standard_normal((2, 3, 4)),
                scale=0.5,
                dropout_p=0.0,
            ),
            kinds={"scale": "float"},
        ),
        Entry("softmax", ann.softmax, dict(a=t3, axis=-1)),
        Entry("log_softmax", ann.log_softmax, dict(a=t3, axis=-1)),
        Entry("log", ann.log, dict(a=np.abs(t3) + 0.1)),
        Entry("threshold", ann.threshold, dict(a=t3, slope=10.0)),
        Entry("matmul", ann.matmul, dict(a=t3, b=t3.T)),
        Entry(
            "linear", ann.linear, dict(x=t3, weight=np.ones((2, 3)), bias=np.zeros(2))
        ),
        Entry("concat", ann.concat, dict(tensors=[t3, t3], axis=0)),
        Entry(
            "dropout",
            ann.dropout,
            dict(a=t3, p=0.5, rng=np.random.default_rng(0)),
            kinds={"rng": "obj"},
        ),
        Entry("causal_mask", ann.causal_mask, dict(L=3, S=4)),
        Entry("accuracy", ann.accuracy, dict(logits=t3, labels=np.array([0, 1]))),
        Entry(
            "xavier_uniform",
            ann.xavier_uniform,
            dict(shape=(3, 4), gain=1.0, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "he_normal",
            ann.he_normal,
            dict(shape=(3, 4), gain=1.0, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "Linear",
            lambda **k: ann.Linear(**k)(np.ones((2, 3))),
            dict(in_features=3, out_features=2, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "MLP",
            lambda **k: ann.MLP(**k)(np.ones((2, 3))),
            dict(sizes=[3, 4, 2], activation="relu", dropout=0.1, seed=0),
            kinds={"seed": "seed", "sizes": "obj"},
        ),
        Entry(
            "MLP.forward",
            lambda **k: ann.MLP([3, 4, 2], seed=0)(**k),
            dict(x=np.ones((2, 3))),
        ),
        Entry(
            "Dropout",
            lambda **k: ann.Dropout(**k)(np.ones((2, 3))),
            dict(p=0.5, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "BatchNorm1d",
            lambda **k: ann.BatchNorm1d(**k)(t3),
            dict(num_features=3, eps=1e-5, momentum=0.1),
        ),
        Entry(
            "LayerNorm",
            lambda **k: ann.LayerNorm(**k)(t3),
            dict(normalized_shape=3, eps=1e-5),
        ),
        Entry(
            "RNN",
            lambda **k: ann.RNN(**k)(np.ones((4, 2, 3)))[0],
            dict(
                input_size=3, hidden_size=5, num_layers=1, nonlinearity="tanh", seed=0
            ),
            kinds={"seed": "seed"},
        ),
        Entry(
            "RNN.forward",
            lambda **k: ann.RNN(3, 5, seed=0)(**k)[0],
            dict(x=np.ones((4, 2, 3)), h0=np.zeros((1, 2, 5))),
        ),
        Entry(
            "GRU",
            lambda **k: ann.GRU(**k)(np.ones((4, 2, 3)))[0],
            dict(input_size=3, hidden_size=5, num_layers=1, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "LSTM",
            lambda **k: ann.LSTM(**k)(np.ones((4, 2, 3)))[0],
            dict(input_size=3, hidden_size=5, num_layers=1, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "LSTM.forward",
            lambda **k: ann.LSTM(3, 5, seed=0)(**k)[0],
            dict(x=np.ones((4, 2, 3))),
        ),
        Entry(
            "MinGRU",
            lambda **k: ann.MinGRU(**k)(np.ones((4, 2, 3))),
            dict(input_size=3, hidden_size=5, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "MultiHeadAttention",
            lambda **k: ann.MultiHeadAttention(**k)(np.ones((3, 2, 4))),
            dict(embed_dim=4, num_heads=2, dropout=0.0, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "MultiHeadAttention.forward",
            lambda **k: ann.MultiHeadAttention(4, 2, seed=0)(**k),
            dict(query=np.ones((3, 2, 4))),
        ),
        Entry(
            "TransformerEncoderLayer",
            lambda **k: ann.TransformerEncoderLayer(**k)(np.ones((3, 2, 4))),
            dict(
                d_model=4,
                nhead=2,
                dim_feedforward=8,
                dropout=0.0,
                activation="relu",
                layer_norm_eps=1e-5,
                seed=0,
            ),
            kinds={"seed": "seed"},
        ),
        Entry(
            "TransformerEncoder",
            lambda **k: ann.TransformerEncoder(**k)(np.ones((3, 2, 4))),
            dict(num_layers=1, d_model=4, nhead=2, dim_feedforward=8, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "SGD",
            lambda **k: ann.SGD(ann.MLP([3, 2], seed=0).parameters(), **k),
            dict(lr=0.1, momentum=0.5, weight_decay=0.0),
        ),
        Entry(
            "Adam",
            lambda **k: ann.Adam(ann.MLP([3, 2], seed=0).parameters(), **k),
            dict(lr=1e-3, eps=1e-8, weight_decay=0.0, betas=(0.9, 0.999)),
        ),
        Entry(
            "fit",
            lambda **k: ann.fit(ann.MLP([4, 3], seed=0), **k)["loss"],
            dict(X=X, y=y_lab, epochs=1, batch_size=4, seed=0),
            kinds={"seed": "seed"},
        ),
        Entry(
            "predict",
            lambda **k: ann.predict(ann.MLP([4, 3], seed=0), **k),
            dict(X=X, batch_size=4),
        ),
        Entry(
            "Module.load_state_dict",
            lambda **k: ann.Linear(3, 2, seed=0).load_state_dict(**k),
            dict(state={"weight": np.ones((2, 3)), "bias": np.zeros(2)}),
            extra=[
                (
                    "state",
                    "nan_weight",
                    {"weight": np.full((2, 3), NAN), "bias": np.zeros(2)},
                ),
                (
                    "state",
                    "complex_weight",
                    {"weight": np.ones((2, 3)) + 1j, "bias": np.zeros(2)},
                ),
            ],
        ),
        Entry("set_num_threads", ann.set_num_threads, dict(n=1)),
    ]
    from neurosim import plotting

    plotting.use_headless()

    def plot(fn):
        def run(**k):
            import matplotlib.pyplot as plt

            fn(**k)
            plt.close("all")

        return run

    plots = [
        Entry(
            "plotting.raster",
            plot(plotting.raster),
            dict(
                times=np.array([0.01, 0.02]),
                indices=np.array([0, 1]),
                markersize=2.0,
                time_unit="ms",
            ),
        ),
        Entry(
            "plotting.population_rate",
            plot(plotting.population_rate),
            dict(
                times=np.array([0.01, 0.02]),
                n_neurons=2,
                t_end=0.1,
                bin_width=0.005,
                t_start=0.0,
                time_unit="s",
            ),
        ),
        Entry(
            "plotting.voltage_trace",
            plot(plotting.voltage_trace),
            dict(t=np.linspace(0, 1, 5), v=np.ones((5, 2)), time_unit="s"),
        ),
        Entry(
            "plotting.tuning_curves",
            plot(plotting.tuning_curves),
            dict(x=np.linspace(-1, 1, 5), rates=np.ones((5, 3))),
        ),
        Entry(
            "plotting.fi_curve",
            plot(plotting.fi_curve),
            dict(currents=np.linspace(0, 1, 5), rates=np.ones(5)),
        ),
        Entry(
            "plotting.patterns",
            plot(plotting.patterns),
            dict(images=np.ones((2, 16)), shape=(4, 4), gap=1),
            kinds={"shape": "obj"},
        ),
        Entry(
            "plotting.energy_trace",
            plot(plotting.energy_trace),
            dict(energies=np.linspace(0, -1, 5)),
        ),
        Entry(
            "plotting.capacity_curve",
            plot(plotting.capacity_curve),
            dict(loads=np.array([0.1, 0.2]), recall=np.array([1.0, 0.5])),
        ),
    ]
    return {
        "plotting": plots,
        "neurons": neurons,
        "synapses": synapses,
        "sim": sim,
        "nef": nef,
        "energy": energy,
        "learning": learn,
        "ann": annl,
    }
