"""Train one MLP by backprop and by local rules; tabulate how close they come."""

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

RULES = ("backprop", "pc", "pc-fixed", "pc-zil", "pc-learned", "fa")
OPTIMIZERS = {"adam": 1e-3, "sgd": 0.1}


@dataclass
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    rules : list of str
    curves : dict rule -> (n_seeds, epochs) ndarray
        Test accuracy after every epoch.
    times : dict rule -> (n_seeds,) ndarray
        Wall-clock seconds of each training run (``fit``, evaluation included).
    epochs : int
    target : float
        Accuracy whose first crossing is reported as "epochs to target".
    """

    rules: list[str]
    curves: dict[str, np.ndarray]
    times: dict[str, np.ndarray]
    epochs: int
    target: float
    params: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per rule: accuracy mean/sd, seconds per epoch, epochs to target."""
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
                    "time_per_epoch_s": float(self.times[r].mean() / self.epochs),
                    "epochs_to_target": float(np.mean(reached)) if reached else None,
                    "seeds_reaching_target": len(reached),
                }
            )
        return out

    def table(self) -> str:
        """Markdown table of :meth:`rows` (accuracy in %, time relative to backprop)."""
        rows = self.rows()
        base = next((r for r in rows if r["rule"] == "backprop"), None)
        n = len(next(iter(self.curves.values())))
        head = (
            f"| rule | test accuracy % (mean ± sd, {n} seeds) | s / epoch "
            f"| x backprop | epochs to {self.target:.0%} |"
        )
        lines = [head, "| --- | --- | --- | --- | --- |"]
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
            lines.append(
                f"| {r['rule']} | {100 * r['test_accuracy_mean']:.2f} ± "
                f"{100 * r['test_accuracy_sd']:.2f} | {r['time_per_epoch_s']:.3f} "
                f"| {rel} | {hit} |"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def plot(self, ax: Any = None) -> Any:
        """Learning curves of every rule on one axis (``plotting.rule_curves``)."""
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
    verbose: bool = True,
) -> Comparison:
    """Train one MLP architecture with each rule, same seeds, data and optimiser.

    For every seed, each rule starts from the same initial weights
    (``ann.MLP(layer_sizes, activation, seed=seed)``), sees the same batches in
    the same order (shuffled from ``seed``) and is stepped by a fresh optimiser of
    the same kind and learning rate; test accuracy is measured after every epoch.

    Parameters
    ----------
    rules : sequence of {"backprop", "pc", "pc-fixed", "pc-zil", "pc-learned", "fa"}
        ``backprop`` is ``neurosim.ann.fit`` (autodiff); ``pc*`` are
        :class:`PredictiveCoding` variants; ``fa`` is :class:`FeedbackAlignment`.
    data : "digits" or (X_train, X_test, y_train, y_test)
        ``"digits"``: ``ann.load_digits_split()`` (1437 / 360, random_state 0).
    epochs : int
    seeds : int or sequence of int
        ``3`` means seeds 0, 1, 2.
    optimizer : {"adam", "sgd"}
        With ``lr`` (default 1e-3 for Adam, 0.1 for SGD).
    target : float
        Accuracy for the "epochs to target" column.
    pc_options : dict, optional
        Extra :class:`PredictiveCoding` arguments (``inference_steps`` ...).
    verbose : bool
        Print the table when done (default; ``False`` for silent use).

    Returns
    -------
    Comparison
        ``str(result)`` is the table, ``result.plot()`` the learning curves.
    """
    from .. import ann

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
    X_tr, X_te, y_tr, y_te = _data(data)
    curves = {r: np.zeros((len(seed_list), epochs)) for r in rules}
    times = {r: np.zeros(len(seed_list)) for r in rules}
    for i, seed in enumerate(seed_list):
        for rule in rules:
            t0 = time.perf_counter()
            if rule == "backprop":
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
                model = _learner(rule, layer_sizes, activation, seed, pc_options or {})
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
        },
    )
    if verbose:
        print(result.table())
    return result
