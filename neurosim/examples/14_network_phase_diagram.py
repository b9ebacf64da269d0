"""Phase diagram of a CUBA network: rate and irregularity over exc x inh weights
=============================================================================

The CUBA network of Brette et al. (2007) (80 % excitatory LIF neurons,
connection probability 0.02, exponential synapses of 5 ms / 10 ms, leak
towards -49 mV above the -50 mV threshold) swept over its excitatory and
inhibitory PSC jumps ``we`` and ``wi`` (Brian2's ``ge += we``), two seeds per
point (connectivity and initial voltages). Each point reports the mean
firing rate and the mean coefficient of variation of the inter-spike
intervals (CV 0: regular, 1: Poisson-like). The published point
(we 1.62 mV, wi -9 mV) lies in the asynchronous irregular regime at about
5-6 Hz.

Run as a script:
``python neurosim/examples/14_network_phase_diagram.py --out DIR [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import plotting


def cuba(we_mV: float, wi_mV: float, seed: int, n: int = 4000, t_end: float = 1.0):
    """Rate (Hz) and mean ISI CV of a CUBA network, after 100 ms settling."""
    vt, vr, el, taue, taui = -0.050, -0.060, -0.049, 0.005, 0.010
    rng = np.random.default_rng(seed)
    net = ns.Network(seed=seed)
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=el, v_th=vt, v_reset=vr, tau_ref=0.005)
    P = net.add(ns.NeuronGroup(n, cell, v0=vr + rng.random(n) * (vt - vr)))
    n_e = int(0.8 * n)
    p = 0.02 * 4000 / n  # the published number of inputs per neuron at any size
    # Brian2's jump ge += we is the unit-area weight we * taue
    net.connect(P[:n_e], P, ns.Random(p, we_mV * 1e-3 * taue), synapse=ns.Lowpass(taue))
    net.connect(P[n_e:], P, ns.Random(p, wi_mV * 1e-3 * taui), synapse=ns.Lowpass(taui))
    spikes = net.monitor_spikes(P)
    ns.Simulator(net, dt=1e-4, backend="cpu", progress=False).run(t_end)
    settle = 0.1
    trains = [s[s >= settle] for s in spikes.spike_trains()]
    cvs = [np.std(d) / np.mean(d) for s in trains if len(d := np.diff(s)) >= 2]
    return {
        "rate": sum(len(s) for s in trains) / (n * (t_end - settle)),
        "cv_isi": float(np.mean(cvs)) if cvs else np.nan,
    }


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Run the sweep, write the figure to ``out_dir`` and return its path."""
    import functools

    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    if quick:  # 9 points of a 1000-neuron network for 0.3 s
        fn = functools.partial(cuba, n=1000, t_end=0.3)
        grid = {"we_mV": [0.8, 1.62, 3.0], "wi_mV": [-4.5, -9.0, -18.0]}
        n_seeds = 1
    else:
        fn = cuba
        grid = {
            "we_mV": [0.5, 1.0, 1.62, 2.5, 4.0],
            "wi_mV": [-3.0, -6.0, -9.0, -15.0, -25.0],
        }
        n_seeds = 2
    table = ns.sweep(fn, grid, n_seeds=n_seeds)

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    plotting.sweep_heatmap(table, "rate", x="we_mV", y="wi_mV", ax=axes[0])
    axes[0].set_title("mean firing rate (Hz)")
    plotting.sweep_heatmap(table, "cv_isi", x="we_mV", y="wi_mV", ax=axes[1],
                           cmap="magma")  # fmt: skip
    axes[1].set_title("mean CV of inter-spike intervals")
    for ax in axes:
        ax.set_xlabel("excitatory jump we (mV)")
        ax.set_ylabel("inhibitory jump wi (mV)")
    fig.suptitle(
        f"CUBA network, {n_seeds} seed(s) per point; published point: "
        "we 1.62 mV, wi -9 mV"
    )
    fig.tight_layout()
    path = out_dir / "14_network_phase_diagram.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
