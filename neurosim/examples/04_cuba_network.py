"""CUBA network (Brette et al. 2007): raster, population rate and voltage traces
=============================================================================

4000 current-based LIF neurons (3200 excitatory, 800 inhibitory), connected
with probability 0.02 through exponential synapses (5 ms / 10 ms), simulated
at dt = 0.1 ms from voltages drawn uniformly between reset and threshold. The
network settles into asynchronous irregular firing at about 5.5-6 Hz (Brian2's
range for this model). Brian2's ``ge += 1.62 mV`` becomes the unit-area weight
``1.62 mV * 5 ms``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import plotting


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Write the figure to ``out_dir`` and return its path."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    duration = 0.3 if quick else 1.0
    vt, vr, el = -0.050, -0.060, -0.049
    rng = np.random.default_rng(1)
    net = ns.Network(seed=1)
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=el, v_th=vt, v_reset=vr, tau_ref=0.005)
    P = net.add(ns.NeuronGroup(4000, cell, v0=vr + rng.random(4000) * (vt - vr)))
    Pe, Pi = P[:3200], P[3200:]
    net.connect(Pe, P, ns.Random(0.02, 1.62e-3 * 0.005), synapse=ns.Lowpass(0.005))
    net.connect(Pi, P, ns.Random(0.02, -9e-3 * 0.010), synapse=ns.Lowpass(0.010))
    spikes = net.monitor_spikes(P)
    volts = net.monitor_state(P, "v", record=[0, 1, 3999], every=1)
    sim = ns.Simulator(net, dt=1e-4, backend="cpu")
    sim.run(duration)

    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    for ax in axes:  # shared time axis, with tick labels on every panel
        ax.tick_params(labelbottom=True)
    plotting.raster(times=spikes.times, indices=spikes.indices, ax=axes[0],
                    markersize=1.0)  # fmt: skip
    axes[0].set_title(
        f"CUBA, 4000 LIF, {sim.n_synapses} synapses: "
        f"mean rate {spikes.rate(sim.t):.2f} Hz"
    )
    plotting.population_rate(spikes.times, P.n, sim.t, bin_width=0.002, ax=axes[1])
    plotting.monitor_traces(volts, ax=axes[2], scale=1e3, unit="mV", threshold=vt)
    fig.tight_layout()
    path = out_dir / "04_cuba_network.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
