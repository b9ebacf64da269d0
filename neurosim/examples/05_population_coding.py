"""Population coding (NEF): tuning curves, decoding a sine and x^2 from spikes
===========================================================================

Top left: tuning curves of 30 LIF neurons (of a 100-neuron population) with
Nengo's default max rates (200-400 Hz) and intercepts (-1 to 0.9). Top right:
static decoding of ``x`` and ``x^2`` from the rates, with the fit's RMSE.
Bottom: the same population driven by ``sin(2 pi t)``; its spikes are filtered
by a 10 ms lowpass and decoded in the simulation loop, once with the identity
decoders and once with the decoders of ``x^2``.

    python 05_population_coding.py [--out DIR] [--quick]   (or: neurosim demo --only 05)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim import plotting


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Plot tuning curves and decoded signals; return the figure path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pop = ns.Population(
        100,
        seed=0,
        max_rates=ns.dists.Uniform(200, 400),
        intercepts=ns.dists.Uniform(-1, 0.9),
    )
    x = np.linspace(-1, 1, 201)[:, None]
    A = pop.rates(x)
    dec_x = ns.Decoder(ns.LstsqL2(reg=0.1)).fit_function(pop)
    dec_sq = ns.Decoder(ns.LstsqL2(reg=0.1)).fit_function(pop, np.square)

    m = ns.Model(seed=0)
    u = m.input(lambda t: np.sin(2 * np.pi * t))
    m.connect(u, pop, synapse=None)
    p_x = m.probe(pop, synapse=ns.Lowpass(0.01))
    p_sq = m.probe(pop, synapse=ns.Lowpass(0.01), function=np.square)
    p_u = m.probe(u, synapse=ns.Lowpass(0.01))
    r = m.run(1.0 if quick else 2.0, dt=1e-3)
    rmse = np.sqrt(np.mean((r[p_x] - r[p_u]) ** 2))

    fig, axes = plt.subplots(2, 2, figsize=(13, 7))
    plotting.tuning_curves(x, A[:, :30], ax=axes[0, 0])
    axes[0, 0].set_title("LIF tuning curves (30 of 100)")
    ax = axes[0, 1]
    ax.plot(x, x, color="0.7", lw=3.5, label="targets x, x^2")
    ax.plot(x, x**2, color="0.7", lw=3.5)
    ax.plot(x, dec_x.predict(A), lw=1, label=f"x  (RMSE {dec_x.rmse_:.4f})")
    ax.plot(x, dec_sq.predict(A), lw=1, label=f"x^2  (RMSE {dec_sq.rmse_:.4f})")
    ax.set_xlabel("represented value x")
    ax.set_ylabel("decoded value")
    ax.set_title("decoded from rates (LstsqL2, reg 0.1)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    plotting.decoded(r.t, r[p_u], r[p_x], ax=axes[1, 0], labels=["sin"])
    axes[1, 0].set_title(f"spiking, 10 ms lowpass: RMSE {rmse:.4f}")
    plotting.decoded(r.t, r[p_u] ** 2, r[p_sq], ax=axes[1, 1], labels=["sin^2"])
    axes[1, 1].set_title("x^2 decoded from the same spikes")
    fig.tight_layout()
    path = out_dir / "05_population_coding.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
