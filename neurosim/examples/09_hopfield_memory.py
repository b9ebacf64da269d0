"""Hopfield associative memory
===========================

Hopfield associative memory: letters recalled from corrupted cues, the energy
falling at every asynchronous update, the classical capacity curve, and a modern
Hopfield network recalling at a load where the classical one fails.

Run: python 09_hopfield_memory.py [--out DIR] [--quick]   (or: neurosim demo --only 09)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import plotting

LETTERS = {
    "A": """
    ....##....
    ...####...
    ..##..##..
    .##....##.
    .##....##.
    .########.
    .##....##.
    .##....##.
    .##....##.
    ..........""",
    "H": """
    .##....##.
    .##....##.
    .##....##.
    .##....##.
    .########.
    .##....##.
    .##....##.
    .##....##.
    .##....##.
    ..........""",
    "O": """
    ...####...
    .##....##.
    ##......##
    ##......##
    ##......##
    ##......##
    ##......##
    .##....##.
    ...####...
    ..........""",
    "T": """
    ##########
    ##########
    ....##....
    ....##....
    ....##....
    ....##....
    ....##....
    ....##....
    ....##....
    ..........""",
    "X": """
    ##......##
    .##....##.
    ..##..##..
    ...####...
    ....##....
    ...####...
    ..##..##..
    .##....##.
    ##......##
    ..........""",
    "Z": """
    ##########
    ........##
    .......##.
    .....##...
    ....##....
    ...##.....
    .##.......
    ##........
    ##########
    ..........""",
}


def letter_patterns() -> np.ndarray:
    """The letters above as +-1 rows of 100 pixels."""
    rows = []
    for art in LETTERS.values():
        lines = [ln.strip() for ln in art.strip().splitlines()]
        rows.append([1.0 if ch == "#" else -1.0 for ln in lines for ch in ln])
    return np.array(rows)


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X = letter_patterns()
    N = X.shape[1]
    # letters are strongly correlated, so store them with the projection rule
    hop = ns.Hopfield(rule="pseudo_inverse").fit(X)
    flip = rng.random(X.shape) < 0.2
    cues = np.where(flip, -X, X)
    recalled, info = hop.predict(cues, seed=1, return_info=True)
    hebb = ns.Hopfield().fit(X).predict(cues, seed=1)
    traj = hop.run(cues[0], seed=1)

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    grid = np.concatenate([X, cues, hebb, recalled])
    plotting.patterns(grid, (10, 10), ncols=len(X), ax=axes[0, 0])
    axes[0, 0].set_title(
        "rows: stored, 20 % flipped cue,\nHebbian recall, pseudo-inverse recall"
    )
    plotting.energy_trace(traj.energies, ax=axes[0, 1], xlabel="single-unit update")
    axes[0, 1].set_title(f"energy during recall of 'A' ({traj.status})")

    n_cap = 200 if quick else 500
    loads = np.round(np.arange(0.06, 0.221, 0.02), 3)
    cap = ns.hopfield_capacity(n_cap, loads, n_trials=2 if quick else 10, seed=2)
    plotting.capacity_curve(
        cap.loads, cap.recall, stderr=cap.stderr, ax=axes[1, 0], label=f"N = {n_cap}"
    )
    axes[1, 0].set_title("recall (overlap >= 0.99) from 5 % flipped cues")

    # modern vs classical at M = N random patterns, 10 % corrupted cues
    Nm = 64 if quick else 100
    P = rng.choice(np.array([-1.0, 1.0]), size=(Nm, Nm))
    C = np.where(rng.random(P.shape) < 0.1, -P, P)
    m_modern = np.mean(np.sign(ns.ModernHopfield(beta=1.0).fit(P).predict(C)) * P, 1)
    m_classic = np.mean(ns.Hopfield().fit(P).predict(C, seed=3) * P, axis=1)
    bins = np.linspace(-0.2, 1.0, 25)
    axes[1, 1].hist(m_classic, bins=bins, alpha=0.7, label="classical (Hebbian)")
    axes[1, 1].hist(m_modern, bins=bins, alpha=0.7, label="modern (beta = 1)")
    axes[1, 1].set_xlabel("final overlap with stored pattern")
    axes[1, 1].set_ylabel("cues")
    axes[1, 1].set_title(f"M = N = {Nm}, 10 % flipped cues")
    axes[1, 1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    path = Path(out_dir) / "09_hopfield_memory.png"
    fig.savefig(path, dpi=100)
    print(
        f"letters recalled exactly: {np.mean(np.all(recalled == X, axis=1)):.2f} "
        f"(pseudo-inverse), {np.mean(np.all(hebb == X, axis=1)):.2f} (Hebbian); "
        f"N={N}, statuses {sorted(set(info.status.tolist()))}"
    )
    pairs = zip(loads, cap.recall, strict=True)
    print("capacity: " + ", ".join(f"{a:g}:{r:.2f}" for a, r in pairs))
    print(
        f"M = N = {Nm}: recalled (overlap 1) modern {np.mean(m_modern == 1):.2f}, "
        f"classical {np.mean(m_classic == 1):.2f}"
    )
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
