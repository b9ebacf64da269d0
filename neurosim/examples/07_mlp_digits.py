"""Backprop baseline: an MLP (64-128-10) learns the 8x8 digits
===========================================================

The network and training follow the ``mlp_digits`` benchmark: ReLU MLP,
cross entropy, SGD lr 0.1, batch 32, 30 epochs, split 1437/360. The figure
shows the learning curves (``plotting.learning_curves``) and test digits with
the network's answers (red: wrong). The digits ship with neurosim
(``ann.load_digits_split``; UCI, CC BY 4.0).

Run: python 07_mlp_digits.py [--out DIR] [--quick]   (or: neurosim demo --only 07)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurosim import ann, plotting


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    import matplotlib.pyplot as plt

    Xtr, Xte, ytr, yte = ann.load_digits_split()
    net = ann.MLP([64, 128, 10], activation="relu", seed=0)
    opt = ann.SGD(net.parameters(), lr=0.1)
    epochs = 5 if quick else 30
    hist = ann.fit(
        net,
        Xtr,
        ytr,
        optimizer=opt,
        epochs=epochs,
        batch_size=32,
        validation_data=(Xte, yte),
        seed=0,
    )
    pred = ann.predict(net, Xte).argmax(axis=1)
    acc = float(np.mean(pred == yte))
    print(
        f"test accuracy after {epochs} epochs: {acc:.1%} "
        f"(training took {hist['time'][-1]:.2f} s)"
    )

    fig = plt.figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 2, 1)
    plotting.learning_curves(hist, ax=ax)
    ax.set_title(f"MLP 64-128-10 on digits: test accuracy {acc:.1%}")
    pixels = ann.load_digits_split(scale="unit")[1]  # same split, unscaled for display
    for i in range(12):
        sub = fig.add_subplot(3, 8, 8 * (i // 4) + 5 + i % 4)
        sub.imshow(pixels[i].reshape(8, 8), cmap="gray_r")
        colour = "k" if pred[i] == yte[i] else "r"
        sub.set_title(f"{pred[i]}", color=colour, fontsize=9)
        sub.axis("off")
    fig.tight_layout()
    path = Path(out_dir) / "07_mlp_digits.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
