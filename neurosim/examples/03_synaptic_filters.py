"""Synaptic filters: unit-area PSC kernels and a filtered Poisson spike train
==========================================================================

Left: the impulse responses of Lowpass, Alpha, PSC(n=3) and DoubleExp, all with
unit area, so filtered spike trains are in Hz. Right: 40 Hz Poisson trains
(5 neurons, raster at the top) filtered offline by ``Lowpass(20 ms).filt`` with
the spikes as ``1/dt`` impulses: neuron 0's filtered train, with the exact
continuous one (``filtered_spike_train``) on top, which coincides with the
impulse-invariant ``filt`` at every sample, and the mean over the 5 neurons,
an estimate of the rate.

    python 03_synaptic_filters.py [--out DIR] [--quick]   (or: neurosim demo --only 03)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim import plotting


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Draw the kernels and a filtered Poisson train; return the figure path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dt = 1e-3
    t_end = 1.0 if quick else 4.0
    rate = 40.0

    synapses = [
        ns.Lowpass(0.005),
        ns.Alpha(0.005),
        ns.PSC(3, 0.002),
        ns.DoubleExp(0.001, 0.01),
    ]
    spikes = ns.poisson_spikes(np.full(5, rate), dt=dt, t_end=t_end, seed=0)
    t = np.arange(spikes.shape[0]) * dt
    syn = ns.Lowpass(0.02)
    filtered = syn.filt(spikes, dt=dt, method="impulse")
    trains = ns.array_to_spike_times(spikes, dt)
    exact = ns.filtered_spike_train(trains[0], syn, t)

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4))
    plotting.psc_kernels(synapses, ax=ax0)
    ax0.set_title("PSC kernels (unit area)")
    plotting.filtered_spikes(
        t,
        np.column_stack([filtered[:, 0], filtered.mean(axis=1)]),
        trains,
        rate=rate,
        labels=["neuron 0 (filt)", "mean of 5"],
        ax=ax1,
    )
    ax1.plot(t[::5], exact[::5], "k.", ms=2, label="neuron 0, exact")
    ax1.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    counts = ns.estimate_rates(trains, "count", t_stop=t_end)
    ax1.set_title(
        f"Poisson {rate:g} Hz through {syn!r}; count estimate "
        f"{counts.mean():.1f} Hz (5 neurons)",
        fontsize="small",
    )
    fig.tight_layout()
    path = out_dir / "03_synaptic_filters.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
