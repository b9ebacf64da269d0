"""Restricted Boltzmann machine
============================

Restricted Boltzmann machine trained by CD-1 on bars and stripes (and, in the
full run, on binarised 8x8 digits): reconstruction error per epoch, samples from
Gibbs chains, and free energy of data against noise.

Run: python 10_rbm.py [--out DIR] [--quick]   (or: neurosim demo --only 10)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import ann, plotting
from neurosim.energy import bars_and_stripes, is_bars_and_stripes


def binarised_digits() -> np.ndarray:
    """The 8x8 digits shipped with neurosim, thresholded at half intensity."""
    return (ann.load_digits()[0] > 8).astype(float)


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    import matplotlib.pyplot as plt

    V = bars_and_stripes(1000, 4, seed=0)
    rbm = ns.RBM(16, 16, seed=0).fit(V, k=1, epochs=20 if quick else 50, lr=0.1)
    S = rbm.sample(40, n_gibbs=200, seed=1)
    noise = (np.random.default_rng(2).random((1000, 16)) < 0.5).astype(float)
    valid = np.mean(is_bars_and_stripes(rbm.sample(500, n_gibbs=200, seed=3)))

    digits = None if quick else binarised_digits()
    ncols = 3 if digits is None else 4
    fig, axes = plt.subplots(1, ncols, figsize=(4 * ncols, 3.8))
    axes[0].plot(
        np.arange(1, len(rbm.reconstruction_error_) + 1),
        rbm.reconstruction_error_,
        marker=".",
    )
    axes[0].set_yscale("log")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("reconstruction MSE")
    axes[0].set_title("CD-1 on bars and stripes")
    plotting.patterns(S, (4, 4), ncols=8, ax=axes[1])
    axes[1].set_title(f"Gibbs samples ({valid:.0%} valid; chance 0.05 %)")
    f_data, f_noise = rbm.free_energy(V), rbm.free_energy(noise)
    both = np.concatenate([f_data, f_noise])
    bins = np.linspace(both.min(), both.max(), 50)
    axes[2].hist(f_data, bins=bins, alpha=0.7, label="training data")
    axes[2].hist(f_noise, bins=bins, alpha=0.7, label="random images")
    axes[2].set_xlabel("free energy F(v)")
    axes[2].set_ylabel("images")
    axes[2].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if digits is not None:
        drbm = ns.RBM(64, 100, seed=0).fit(digits, k=1, epochs=30, lr=0.05)
        plotting.patterns(drbm.sample(30, n_gibbs=500, seed=4), (8, 8), ax=axes[3])
        axes[3].set_title("samples, RBM on binarised digits")
    fig.tight_layout()
    path = Path(out_dir) / "10_rbm.png"
    fig.savefig(path, dpi=100)
    print(
        f"bars and stripes: reconstruction MSE {rbm.reconstruction_error_[0]:.3f} -> "
        f"{rbm.reconstruction_error_[-1]:.2e}; valid samples {valid:.2f}"
    )
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
