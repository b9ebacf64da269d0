"""Predictive coding and feedback alignment against backprop on digits
===================================================================

One MLP (64-128-10, tanh), one data split (digits 1437/360), one optimiser (Adam
1e-3, batch 32) and the same seeds for every rule, so each starts from the same
weights and sees the same batches. Prints the comparison table and draws:
left, test accuracy per epoch of every rule (mean ± sd over seeds); middle, the
free energy of a training batch during relaxation, at the default inference
rate and at the stability bound; right, the cosine between each rule's weight
update and backprop's gradient, per layer, over training. A second figure shows
generation: the trained network's top layer clamped to each label and its input
layer relaxed from zero. This network predicts bottom-up and has no prior on
its input, so what it generates is the evidence it uses for each class, not a
sample of digits.

    python 11_pc_vs_backprop.py [--out DIR] [--quick]   (or: neurosim demo --only 11)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt

import neurosim as ns
from neurosim import ann, plotting


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Run the comparison, print the table, save the figure; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    epochs, seeds = (2, 1) if quick else (20, 3)
    result = ns.learning.compare(
        ["backprop", "pc", "fa", "pc-zil"], data="digits", epochs=epochs, seeds=seeds
    )

    X_tr, X_te, y_tr, y_te = ann.load_digits_split()
    models = {
        "pc": ns.learning.PredictiveCoding([64, 128, 10], "tanh", seed=0),
        "fa": ns.learning.FeedbackAlignment([64, 128, 10], "tanh", seed=0),
    }
    for m in models.values():
        m.fit(
            X_tr,
            y_tr,
            epochs=epochs,
            optimizer=ann.Adam(m.parameters(), lr=1e-3),
            track_alignment=True,
            seed=0,
        )

    pc = ns.learning.PredictiveCoding(
        [64, 128, 10], "tanh", inference_steps=100, inference_tol=1e-10, seed=0
    )
    batch = slice(0, 32)
    energies, labels = [], []
    F0 = pc.energy(X_tr[batch], y_tr[batch], per_sample=True)
    bound = pc.stability_bound(float(F0.max()))
    for rate in (0.1, bound):
        pc.inference_rate = rate
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # both rates are at or below the bound
            pc.infer(X_tr[batch], y_tr[batch])
        energies.append(pc.energy_history_)
        labels.append(f"rate {rate:.3g}" + (" (bound)" if rate == bound else ""))

    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15, 4))
    result.plot(ax=ax0)
    ax0.set_title(f"digits, 64-128-10 tanh, Adam, {seeds} seed(s)", fontsize="small")
    plotting.relaxation_energy(energies, labels=labels, ax=ax1, log=False)
    ax1.set_title("PC relaxation of one training batch", fontsize="small")
    plotting.gradient_alignment({k: m.alignment_ for k, m in models.items()}, ax=ax2)
    ax2.set_title("alignment with backprop's gradient", fontsize="small")
    fig.tight_layout()
    path = out_dir / "11_pc_vs_backprop.png"
    fig.savefig(path, dpi=110)

    gen = models["pc"]
    gen.inference_steps = 200
    images = gen.generate(range(10))
    fig, axes = plt.subplots(1, 10, figsize=(12, 1.8))
    for label, (ax, img) in enumerate(zip(axes, images, strict=True)):
        ax.imshow(img.reshape(8, 8), cmap="gray")
        ax.set_title(f"{label} -> {gen.predict(img[None])[0]}", fontsize="small")
        ax.axis("off")
    fig.suptitle(
        "PC generation: label clamped, input relaxed from 0 (title: label -> "
        "the network's prediction of the generated input)",
        fontsize="small",
    )
    path2 = out_dir / "11_pc_generation.png"
    fig.savefig(path2, dpi=110)
    return [path, path2]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
