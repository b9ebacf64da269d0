"""Sequence models on the adding problem: RNN, GRU, LSTM, minGRU and attention
===========================================================================

The adding problem (Hochreiter & Schmidhuber 1997): each input step carries a
random value in [0, 1] and a marker; exactly two steps are marked and the
target is the sum of their values. Predicting the mean (1.0) gives
MSE = 1/6 ~ 0.167; a model has to carry information across the sequence to do
better. Each model reads the sequence (seq, batch, 2) and a Linear readout maps
its last output (attention: the mean over positions) to the sum. All train with
Adam through ``ann.fit`` on the same data; the figure shows validation MSE.

Run: python 08_sequence_models.py [--out DIR] [--quick]   (or: neurosim demo --only 08)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurosim import ann


def adding_problem(n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, length, 2) [value, marker] and targets (n, 1)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, (n, length))
    markers = np.zeros((n, length))
    first = rng.integers(0, length // 2, n)
    second = rng.integers(length // 2, length, n)
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    X = np.stack([values, markers], axis=-1)
    return X, (values * markers).sum(axis=1, keepdims=True)


class SequenceRegressor(ann.Module):
    """(batch, seq, 2) -> (batch, 1): a sequence core and a Linear readout."""

    def __init__(self, kind: str, hidden: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.kind = kind
        if kind == "attention":
            self.embed = ann.Linear(2, hidden, seed=rng)
            self.core = ann.TransformerEncoderLayer(
                hidden, 4, 2 * hidden, dropout=0.0, norm_first=True, seed=rng
            )
        else:
            cls = {
                "RNN": ann.RNN,
                "GRU": ann.GRU,
                "LSTM": ann.LSTM,
                "minGRU": ann.MinGRU,
            }
            self.core = cls[kind](2, hidden, seed=rng)
        self.readout = ann.Linear(hidden, 1, seed=rng)

    def forward(self, x: Any) -> ann.Tensor:
        x = ann.Tensor(x).transpose(1, 0, 2)  # (seq, batch, 2), the layers' layout
        if self.kind == "attention":
            length = x.shape[0]
            h = (
                self.embed(x)
                + ann.positional_encoding(length, self.embed.out_features)[:, None]
            )
            return self.readout(self.core(h).mean(axis=0))
        out = self.core(x)
        h = out if self.kind == "minGRU" else out[0]
        return self.readout(h[-1])


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    import matplotlib.pyplot as plt

    from neurosim import plotting

    length, n_train, epochs = (10, 512, 10) if quick else (30, 2048, 30)
    Xtr, ytr = adding_problem(n_train, length, seed=0)
    Xva, yva = adding_problem(256, length, seed=1)
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind in ("RNN", "GRU", "LSTM", "minGRU", "attention"):
        model = SequenceRegressor(kind, hidden=32, seed=0)
        opt = ann.Adam(model.parameters(), lr=3e-3)
        hist = ann.fit(
            model,
            Xtr,
            ytr,
            loss="mse",
            optimizer=opt,
            epochs=epochs,
            batch_size=32,
            validation_data=(Xva, yva),
            seed=0,
        )
        print(
            f"{kind:9s} validation MSE {hist['val_loss'][-1]:.4f} "
            f"({hist['time'][-1]:.1f} s)"
        )
        line = plotting.learning_curves(hist, ax=ax, keys=["val_loss"]).get_lines()[-1]
        line.set_label(kind)
    ax.axhline(1 / 6, color="gray", ls=":", label="predict the mean (1/6)")
    ax.set_yscale("log")
    ax.set_ylabel("validation MSE")
    ax.set_title(f"adding problem, sequence length {length}")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    path = Path(out_dir) / "08_sequence_models.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
