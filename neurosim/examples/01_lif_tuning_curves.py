"""LIF neurons: tuning curves from gain/bias; simulated rates match the analytic ones
==================================================================================

A population of 30 LIF neurons gets max rates and intercepts drawn at random;
``gain_bias`` turns them into input gains and biases, the analytic ``rates``
give the tuning curves over x in [-1, 1], and a simulation with exact spike
timing reproduces them. A second panel shows voltage traces and a raster.
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
    rng = np.random.default_rng(0)
    lif = ns.LIF(tau_rc=0.02, tau_ref=0.002)
    n = 30
    gain, bias = lif.gain_bias(rng.uniform(80, 200, n), rng.uniform(-0.9, 0.9, n))
    encoders = rng.choice([-1.0, 1.0], n)
    x = np.linspace(-1, 1, 41 if quick else 201)
    J = gain * encoders * x[:, None] + bias  # (n_points, n_neurons)
    analytic = lif.rates(J)

    # Simulated rates at a few points: every neuron at each x, one run per x.
    x_sim = x[:: 8 if quick else 20]
    t_end = 0.5 if quick else 2.0
    simulated = np.stack([
        ns.simulate_neurons(lif, gain * encoders * xi + bias, dt=1e-4, t_end=t_end,
                            record_v=False).rates()
        for xi in x_sim
    ])  # fmt: skip

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    plotting.tuning_curves(x, analytic, ax=axes[0])
    axes[0].plot(x_sim, simulated, "k.", ms=3)
    axes[0].set_title("tuning curves: analytic (lines), simulated (dots)")

    rec = ns.simulate_neurons(lif, [1.2, 2.0, 4.0], dt=1e-4, t_end=0.1)
    plotting.voltage_trace(rec.t, rec.v, ax=axes[1], threshold=1.0)
    axes[1].set_title("LIF voltage, J = 1.2, 2, 4 (exact exponential steps)")

    rec = ns.simulate_neurons(lif, J[len(x) // 2 + len(x) // 4], dt=1e-4, t_end=0.3,
                              record_v=False)  # fmt: skip
    plotting.raster(rec.spike_times, ax=axes[2])
    axes[2].set_title("raster at x = 0.5")
    fig.tight_layout()
    path = out_dir / "01_lif_tuning_curves.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
