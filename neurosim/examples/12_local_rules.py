"""Local learning rules: Oja's rule finds PC1, the STDP window, PES decoding
=========================================================================

Left: 2-D Gaussian data and the weight vector Oja's rule learns, against the
first principal axis (the angle between them is in the title). Middle: the
weight change of one synapse for a single pre/post spike pair at each lag,
computed by the online trace implementation, on the analytic exponential
window. Right: a 100-neuron LIF population represents x = sin(2 pi t); PES
learns, online and from zero decoders, to decode x**2 from its rates.

    python 12_local_rules.py [--out DIR] [--quick]   (or: neurosim demo --only 12)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Draw the three rules at work; return the figure path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    # Oja: zero-mean 2-D data with variances 4 and 1 along rotated axes
    angle = np.deg2rad(30)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    X = rng.normal(size=(5000 if quick else 20000, 2)) * [2.0, 1.0] @ R.T
    X -= X.mean(axis=0)
    oja = ns.learning.Oja(1, learning_rate=0.01, seed=0)
    oja.fit(X, epochs=10, batch_size=100)
    pc1 = np.linalg.eigh(X.T @ X)[1][:, -1]
    w = oja.components_[0]
    err = np.degrees(np.arccos(min(1.0, abs(w @ pc1))))

    # STDP: one pre/post pair per synapse, lag from -80 ms to 80 ms
    dt = 1e-4
    stdp = ns.learning.STDP(a_plus=0.01, a_minus=0.0105, w_min=-1.0, w_max=1.0)
    lags = np.arange(-800, 801, 20)
    pre = np.zeros((2000, len(lags)), bool)
    post = np.zeros((2000, len(lags)), bool)
    for j, lag in enumerate(lags):
        pre[1000, j] = True
        post[1000 + lag, j] = True
    dw = np.diag(stdp.run(pre, post, dt, np.zeros((len(lags), len(lags)))))
    fine = np.linspace(-0.08, 0.08, 801)

    # PES: decode x**2 from a population representing x(t)
    step = 1e-3
    t = np.arange(0.0, 3.0 if quick else 10.0, step)
    x = np.sin(2 * np.pi * t)[:, None]
    pop = ns.Population(100, 1, seed=0)
    pes = ns.learning.PES(learning_rate=1e-3)
    decoded = pes.run(pop.rates(x), x**2, step)

    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(15, 4))
    ax0.plot(X[::10, 0], X[::10, 1], ".", ms=1, color="0.6")
    ax0.plot(
        [-5 * pc1[0], 5 * pc1[0]],
        [-5 * pc1[1], 5 * pc1[1]],
        "k--",
        lw=1,
        label="PC1 (eigh)",
    )
    s = 3 * np.sign(w @ pc1)  # the rule's sign is arbitrary
    ax0.plot([0, s * w[0]], [0, s * w[1]], "r-", lw=2.5, label="Oja weights (x3)")
    ax0.set_aspect("equal")
    ax0.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax0.set_title(f"Oja's rule: {err:.2f} degrees from PC1", fontsize="small")
    ax1.plot(1e3 * fine, stdp.window(fine), "k-", lw=1, label="window W(dt)")
    ax1.plot(1e3 * lags * dt, dw, "o", ms=3, label="online rule, one pair")
    ax1.axhline(0, color="0.7", lw=0.5)
    ax1.set_xlabel("t_post - t_pre (ms)")
    ax1.set_ylabel("weight change")
    ax1.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax1.set_title("pair-based STDP", fontsize="small")
    ns.plotting.decoded(t, x**2, decoded, ax=ax2, labels=["x**2"])
    ax2.set_title("PES learns decoders online", fontsize="small")
    fig.tight_layout()
    path = out_dir / "12_local_rules.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
