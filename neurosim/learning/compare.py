"""Train one architecture by backprop, local rules and spiking rules; tabulate them.

Rate networks: ``backprop``, predictive coding (``pc*``), feedback alignment
(``fa``). Spiking networks: ``snn-bptt`` (surrogate-gradient BPTT,
:class:`~neurosim.ann.SpikingMLP`), ``eprop`` and its readout-only control
``eprop-readout`` (:class:`~neurosim.learning.EProp`), and ``ann2snn`` (a ReLU
MLP trained by backprop and converted by :func:`~neurosim.ann.convert_mlp`),
``stdp`` and its control ``stdp-off`` (:class:`~neurosim.learning.DiehlCook`:
STDP in the simulator, vote readout).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_choice, check_count, check_number
from ..exceptions import ValidationError
from .feedback_alignment import FeedbackAlignment
from .predictive_coding import PredictiveCoding

#: rules trained on rate (non-spiking) networks
RATE_RULES = ("backprop", "pc", "pc-fixed", "pc-zil", "pc-learned", "fa")
#: rules trained on spiking networks (their spike counts are reported)
SPIKING_RULES = ("snn-bptt", "eprop", "eprop-readout", "stdp", "stdp-off", "ann2snn")
RULES = RATE_RULES + SPIKING_RULES
#: rules whose network has exactly one hidden layer, ``layer_sizes[1]`` wide
ONE_HIDDEN = ("eprop", "eprop-readout", "stdp", "stdp-off")
OPTIMIZERS = {"adam": 1e-3, "sgd": 0.1}


@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    rules : list of str
        The rules compared, in order.
    curves : dict rule -> (n_seeds, epochs) ndarray
        Test accuracy after every epoch; ``stdp`` and ``stdp-off``:
        (n_seeds, 1), the accuracy after their ``stdp_passes`` passes (the
        vote readout needs a labelling pass, so there is no per-pass curve).
    times : dict rule -> (n_seeds,) ndarray
        Wall-clock seconds of each training run (``fit``, evaluation included;
        numba compilation excluded: the spiking kernels are compiled first).
    epochs : int
        Epochs per run (``stdp`` and ``stdp-off``: ``params["stdp_passes"]``
        passes).
    target : float
        Accuracy whose first crossing is reported as "epochs to target".
    params : dict
        The shared settings (layer sizes, activation, optimiser, learning
        rate, batch size, seeds).
    spikes : dict rule -> (n_seeds,) ndarray
        Spiking rules only: hidden-layer spikes per test sample (one inference)
        after training.
    """

    rules: list[str]
    curves: dict[str, np.ndarray]
    times: dict[str, np.ndarray]
    epochs: int
    target: float
    params: dict[str, Any] = field(default_factory=dict)
    spikes: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per rule: accuracy mean/sd, seconds per epoch, epochs to target.

        Returns
        -------
        list of dict
            Per rule: ``rule``, ``test_accuracy_mean``, ``test_accuracy_sd``,
            ``time_per_epoch_s`` (per pass for the STDP rules),
            ``epochs_to_target`` (None if never reached), ``seeds_reaching_target``
            and ``spikes_per_inference`` (None for rate networks).
        """
        out = []
        for r in self.rules:
            final = self.curves[r][:, -1]
            hit = [
                int(np.argmax(c >= self.target)) + 1
                if np.any(c >= self.target)
                else None
                for c in self.curves[r]
            ]
            reached = [h for h in hit if h is not None]
            out.append(
                {
                    "rule": r,
                    "test_accuracy_mean": float(final.mean()),
                    "test_accuracy_sd": float(final.std(ddof=1))
                    if len(final) > 1
                    else 0.0,
                    "time_per_epoch_s": float(self.times[r].mean() / self._passes(r)),
                    "epochs_to_target": float(np.mean(reached)) if reached else None,
                    "seeds_reaching_target": len(reached),
                    "spikes_per_inference": float(self.spikes[r].mean())
                    if r in self.spikes
                    else None,
                }
            )
        return out

    def _passes(self, rule: str) -> int:
        if rule in ("stdp", "stdp-off"):
            return int(self.params.get("stdp_passes", 1))
        return self.epochs

    def table(self) -> str:
        """Markdown table of :meth:`rows` (accuracy in %, time relative to backprop).

        Returns
        -------
        str
            The table, one row per rule.
        """
        rows = self.rows()
        base = next((r for r in rows if r["rule"] == "backprop"), None)
        n = len(next(iter(self.curves.values())))
        head = (
            f"| rule | test accuracy % (mean ± sd, {n} seeds) | s / epoch "
            f"| x backprop | epochs to {self.target:.0%} | spikes / inference |"
        )
        lines = [head, "| --- | --- | --- | --- | --- | --- |"]
        for r in rows:
            rel = (
                f"{r['time_per_epoch_s'] / base['time_per_epoch_s']:.2f}"
                if base
                else "-"
            )
            e = r["epochs_to_target"]
            hit = (
                "not reached"
                if e is None
                else f"{e:.1f} ({r['seeds_reaching_target']}/{n})"
            )
            sp = r["spikes_per_inference"]
            spikes = "-" if sp is None else f"{sp:.0f}"
            lines.append(
                f"| {r['rule']} | {100 * r['test_accuracy_mean']:.2f} ± "
                f"{100 * r['test_accuracy_sd']:.2f} | {r['time_per_epoch_s']:.3f} "
                f"| {rel} | {hit} | {spikes} |"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def plot(self, ax: Any = None) -> Any:
        """Learning curves of every rule on one axis (``plotting.rule_curves``).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (default: a new figure).

        Returns
        -------
        matplotlib Axes
            The axes drawn on.
        """
        from ..plotting import rule_curves

        return rule_curves(self.curves, target=self.target, ax=ax)


def _data(data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(data, str):
        check_choice("data", data, ("digits",))
        from ..ann import load_digits_split

        return load_digits_split()
    if len(data) != 4:
        raise ValidationError(
            "data: expected 'digits' or a tuple (X_train, X_test, y_train, y_test)"
        )
    return tuple(np.asarray(d) for d in data)  # type: ignore[return-value]


def _unit_data(data: Any, X_tr: np.ndarray, X_te: np.ndarray) -> tuple:
    """Pixel intensities in [0, 1] for the STDP rules (their Poisson rates)."""
    if isinstance(data, str):
        from ..ann import load_digits_split

        X_tr, X_te, _, _ = load_digits_split("unit")
        return X_tr, X_te
    lo = min(X_tr.min(initial=0.0), X_te.min(initial=0.0))
    hi = max(X_tr.max(initial=0.0), X_te.max(initial=0.0))
    if lo < 0 or hi > 1:
        raise ValidationError(
            f"data: the rules stdp and stdp-off need inputs in [0, 1] (pixel "
            f"intensities; got {lo:g} .. {hi:g})"
        )
    return X_tr, X_te


def _learner(rule: str, sizes: Sequence[int], activation: str, seed: int, pc_kw: dict):
    if rule == "fa":
        return FeedbackAlignment(sizes, activation, seed=seed)
    kw = dict(pc_kw)
    kw.update(
        {
            "pc": {},
            "pc-fixed": {"variant": "fixed_prediction"},
            "pc-zil": {"variant": "z_il"},
            "pc-learned": {"feedback": "learned"},
        }[rule]
    )
    return PredictiveCoding(sizes, activation, seed=seed, **kw)


def _warm_up(dtype: Any, stdp: bool = False) -> None:
    """Compile the spiking kernels once, so training times exclude compilation."""
    from .. import ann
    from .eprop import EProp

    x = np.zeros((2, 1, 3), dtype=dtype)
    net = ann.SpikingMLP([3, 2, 2], n_steps=2, seed=0, dtype=dtype)
    ann.cross_entropy(net(x), [0]).backward()
    model = EProp((3, 2, 2), n_steps=2, seed=0, dtype=dtype)
    model.gradients(x, [0])
    if stdp:
        from .diehl_cook import DiehlCook

        X = np.full((2, 3), 0.5)
        DiehlCook(n_neurons=2, seed=0).fit(X, [0, 1]).predict(X)


def _train_spiking(
    rule: str,
    data: tuple,
    sizes: Sequence[int],
    seed: int,
    opt: tuple[Any, float],
    epochs: int,
    batch_size: int,
    spiking: dict[str, Any],
) -> tuple[list[float], float]:
    """Train one spiking rule; its test-accuracy curve and spikes per inference."""
    from .. import ann
    from .eprop import EProp

    X_tr, X_te, y_tr, y_te = data
    if rule in ("stdp", "stdp-off"):
        from .diehl_cook import DiehlCook

        Xu_tr, Xu_te = spiking["unit"]
        model = DiehlCook(
            n_neurons=sizes[1], stdp="default" if rule == "stdp" else None, seed=seed
        )
        model.fit(Xu_tr, y_tr, n_epochs=spiking["stdp_passes"])
        counts = model.responses(Xu_te)
        acc = float(np.mean(model.vote(counts) == np.asarray(y_te)))
        return [acc], float(counts.sum(axis=1).mean())
    opt_cls, lr = opt
    kw = {"epochs": epochs, "batch_size": batch_size, "seed": seed}
    if rule == "snn-bptt":
        net = ann.SpikingMLP(
            list(sizes), beta=spiking["beta"], n_steps=spiking["n_steps"], seed=seed
        )
        hist = ann.fit(
            net,
            X_tr,
            y_tr,
            optimizer=opt_cls(net.parameters(), lr=lr),
            validation_data=(X_te, y_te),
            **kw,
        )
        ann.predict(net, X_te, batch_size=len(X_te))
        return hist["val_accuracy"], sum(net.spike_counts_)
    if rule in ("eprop", "eprop-readout"):
        model = EProp(
            sizes,
            spiking["n_steps"],
            beta=spiking["beta"],
            train="readout" if rule == "eprop-readout" else "all",
            seed=seed,
        )
        model.fit(
            X_tr,
            y_tr,
            optimizer=opt_cls(model.parameters(), lr=lr),
            validation_data=(X_te, y_te),
            **kw,
        )
        return model.history_["val_accuracy"], model.history_["spikes"][-1]
    # ann2snn: a ReLU MLP by backprop, converted and simulated after every epoch
    net = ann.MLP(list(sizes), activation="relu", seed=seed)
    curve: list[float] = []
    spikes = [0.0]

    def convert(epoch: int, history: Any) -> None:
        snn = ann.convert_mlp(net, X_tr, percentile=spiking["percentile"])
        _, acc, spikes[0] = snn.accuracy_curve(X_te, y_te, spiking["duration"])
        curve.append(float(acc[-1]))

    ann.fit(
        net,
        X_tr,
        y_tr,
        optimizer=opt_cls(net.parameters(), lr=lr),
        callbacks=[convert],
        **kw,
    )
    return curve, spikes[0]


def compare(
    rules: Sequence[str] = ("backprop", "pc", "fa"),
    *,
    data: Any = "digits",
    epochs: int = 20,
    seeds: int | Sequence[int] = 3,
    layer_sizes: Sequence[int] = (64, 128, 10),
    activation: str = "tanh",
    optimizer: str = "adam",
    lr: float | None = None,
    batch_size: int = 32,
    target: float = 0.95,
    pc_options: dict | None = None,
    n_steps: int = 20,
    beta: float = 0.9,
    duration: float = 0.1,
    percentile: float = 99.9,
    stdp_passes: int = 1,
    verbose: bool = True,
) -> Comparison:
    """Train one MLP architecture with each rule, same seeds, data and optimiser.

    For every seed, each rule starts from the same initial weights
    (``ann.MLP(layer_sizes, activation, seed=seed)``), sees the same batches in
    the same order (shuffled from ``seed``) and is stepped by a fresh optimiser of
    the same kind and learning rate; test accuracy is measured after every epoch.
    Everything runs with BLAS limited to one thread (when ``threadpoolctl`` is
    installed): the matrices are small, and on a busy machine BLAS threads
    waiting for each other would dominate the times.

    Parameters
    ----------
    rules : sequence of str
        ``backprop`` is ``neurosim.ann.fit`` (autodiff); ``pc``, ``pc-fixed``,
        ``pc-zil``, ``pc-learned`` are :class:`PredictiveCoding` variants;
        ``fa`` is :class:`FeedbackAlignment`. Spiking: ``snn-bptt``
        (:class:`~neurosim.ann.SpikingMLP`, LIF hidden layers, surrogate-gradient
        BPTT), ``eprop`` (:class:`EProp`: a recurrent LIF layer of
        ``layer_sizes[1]`` neurons), ``eprop-readout`` (the same network with
        only its readout trained: the control), ``ann2snn`` (a ReLU MLP trained
        by backprop, converted by :func:`~neurosim.ann.convert_mlp` after every
        epoch, accuracy after ``duration`` of simulated time). The spiking
        networks see each sample as a constant input current (direct
        encoding), except ``stdp`` (:class:`DiehlCook`: ``layer_sizes[1]``
        excitatory neurons trained by STDP in the simulator from Poisson
        trains at the pixel intensity times 128 Hz, each neuron labelled by
        the class it answers most, a sample classified by the labels' vote; no
        trained readout weights) and ``stdp-off`` (the same network with STDP
        switched off: random weights, same labelling; the control).
        ``activation`` applies to the rate networks only.
    data : "digits" or (X_train, X_test, y_train, y_test)
        ``"digits"``: ``ann.load_digits_split()`` (1437 / 360, random_state 0;
        z-scored pixels; the STDP rules get the same digits scaled to [0, 1]
        by ``load_digits_split("unit")``). A tuple must hold inputs in
        [0, 1] when an STDP rule is asked for.
    epochs : int
        Epochs per run (>= 1).
    seeds : int or sequence of int
        ``3`` means seeds 0, 1, 2.
    layer_sizes : sequence of int
        Layer sizes of the MLP, input first. Default (64, 128, 10).
    activation : str
        Hidden activation (``"tanh"``, ``"relu"``, ...). Default ``"tanh"``.
    optimizer : {"adam", "sgd"}
        The optimiser of every rule.
    lr : float, optional
        Learning rate (default 1e-3 for Adam, 0.1 for SGD).
    batch_size : int
        Samples per update. Default 32.
    target : float
        Accuracy for the "epochs to target" column.
    pc_options : dict, optional
        Extra :class:`PredictiveCoding` arguments (``inference_steps`` ...).
    n_steps : int
        Time steps per sample of ``snn-bptt`` and ``eprop``.
    beta : float
        Membrane decay per step of their LIF neurons.
    duration : float
        Simulated time per test sample of ``ann2snn``, in seconds (1 ms steps).
    percentile : float
        ``ann2snn``'s normalisation percentile.
    stdp_passes : int
        Passes of STDP over the training data (``stdp``, ``stdp-off``); the
        labelling pass follows the last one. Default 1.
    verbose : bool
        Print the table when done (default; ``False`` for silent use).

    Returns
    -------
    Comparison
        ``str(result)`` is the table, ``result.plot()`` the learning curves.
    """
    from .. import ann
    from ..ann.spiking import one_blas_thread

    rules = [check_choice("rules", r, RULES) for r in rules]
    if not rules:
        raise ValidationError("rules: expected at least one rule")
    epochs = check_count("epochs", epochs, low=1)
    seed_list = (
        list(range(check_number("seeds", seeds, low=1, integer=True)))
        if np.ndim(seeds) == 0
        else [check_number("seeds", s, low=0, integer=True) for s in seeds]
    )
    check_choice("optimizer", optimizer, tuple(OPTIMIZERS))
    lr = (
        OPTIMIZERS[optimizer]
        if lr is None
        else check_number("lr", lr, low=0.0, low_open=True)
    )
    opt_cls = ann.Adam if optimizer == "adam" else ann.SGD
    spiking = {
        "n_steps": check_number("n_steps", n_steps, low=1, integer=True),
        "beta": check_number("beta", beta, low=0.0, high=1.0, high_open=True),
        "duration": check_number("duration", duration, low=0.0, low_open=True),
        "percentile": check_number(
            "percentile", percentile, low=0.0, high=100.0, low_open=True
        ),
        "stdp_passes": check_count("stdp_passes", stdp_passes, low=1),
    }
    one_hidden = [r for r in rules if r in ONE_HIDDEN]
    if one_hidden and len(layer_sizes) != 3:
        raise ValidationError(
            f"layer_sizes: {', '.join(one_hidden)} need (n_in, n_hidden, n_out) "
            f"(got {list(layer_sizes)})"
        )
    X_tr, X_te, y_tr, y_te = _data(data)
    stdp = any(r in ("stdp", "stdp-off") for r in rules)
    if stdp:
        spiking["unit"] = _unit_data(data, X_tr, X_te)
    curves = {
        r: np.zeros((len(seed_list), 1 if r in ("stdp", "stdp-off") else epochs))
        for r in rules
    }
    times = {r: np.zeros(len(seed_list)) for r in rules}
    spikes = {r: np.zeros(len(seed_list)) for r in rules if r in SPIKING_RULES}
    if spikes:
        _warm_up(np.asarray(X_tr).dtype, stdp)
    with one_blas_thread():
        for i, seed in enumerate(seed_list):
            for rule in rules:
                t0 = time.perf_counter()
                if rule in SPIKING_RULES:
                    acc, spikes[rule][i] = _train_spiking(
                        rule,
                        (X_tr, X_te, y_tr, y_te),
                        layer_sizes,
                        seed,
                        (opt_cls, lr),
                        epochs,
                        batch_size,
                        spiking,
                    )
                elif rule == "backprop":
                    net = ann.MLP(list(layer_sizes), activation=activation, seed=seed)
                    hist = ann.fit(
                        net,
                        X_tr,
                        y_tr,
                        optimizer=opt_cls(net.parameters(), lr=lr),
                        epochs=epochs,
                        batch_size=batch_size,
                        validation_data=(X_te, y_te),
                        seed=seed,
                    )
                    acc = hist["val_accuracy"]
                else:
                    model = _learner(
                        rule, layer_sizes, activation, seed, pc_options or {}
                    )
                    model.fit(
                        X_tr,
                        y_tr,
                        optimizer=opt_cls(model.parameters(), lr=lr),
                        epochs=epochs,
                        batch_size=batch_size,
                        validation_data=(X_te, y_te),
                        seed=seed,
                    )
                    acc = model.history_["val_accuracy"]
                times[rule][i] = time.perf_counter() - t0
                curves[rule][i] = acc
    result = Comparison(
        rules,
        curves,
        times,
        epochs,
        target,
        params={
            "layer_sizes": list(layer_sizes),
            "activation": activation,
            "optimizer": optimizer,
            "lr": lr,
            "batch_size": batch_size,
            "seeds": seed_list,
            **{k: v for k, v in spiking.items() if k != "unit"},
        },
        spikes=spikes,
    )
    if verbose:
        print(result.table())
    return result
