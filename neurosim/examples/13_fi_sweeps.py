"""Parameter sweeps: LIF f-I curves over tau_rc x tau_ref, HH f-I curves with noise
================================================================================

Two sweeps with :func:`neurosim.sweep`, each point simulated in a worker
process (one per core):

* LIF: the firing rate at a constant input ``J = 2`` (threshold 1) for every
  pair of membrane and refractory time constants, simulated for 1 s at
  dt = 0.1 ms and compared with the closed form
  ``1 / (tau_ref + tau_rc log(1 + 1 / (J - 1)))``.
* Hodgkin-Huxley: f-I curves for three potassium conductances under a noisy
  current (white noise of 3 uA/cm^2 RMS held over 0.1 ms steps), three seeds
  per point: the error bars are the standard error over seeds.

Run as a script: ``python neurosim/examples/13_fi_sweeps.py --out DIR [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import plotting

J = 2.0  # LIF input (dimensionless; threshold 1)


def lif_rate(tau_rc: float, tau_ref: float, t_end: float = 1.0) -> dict:
    """Simulated and analytic LIF rates (Hz) at input ``J``."""
    lif = ns.LIF(tau_rc=tau_rc, tau_ref=tau_ref)
    sim = ns.firing_rates(lif, [J], dt=1e-4, t_end=t_end)[0]
    return {"rate": sim, "analytic": float(lif.rates(J))}


def hh_rate(current: float, g_k: float, seed: int, t_end: float = 0.5) -> float:
    """HH firing rate (Hz) under ``current`` plus noise, after 50 ms settling."""
    dt, hold = 1e-5, 10  # 0.01 ms steps, noise held over 0.1 ms
    rng = np.random.default_rng(seed)
    n_steps = round(t_end / dt)
    noise = np.repeat(rng.normal(0.0, 3.0, n_steps // hold + 1), hold)[:n_steps]
    rec = ns.simulate_neurons(
        ns.HodgkinHuxley(g_k=g_k), (current + noise)[:, None], dt=dt, t_end=t_end,
        record_v=False,
    )  # fmt: skip
    return float(rec.rates(t_start=0.05)[0])


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Run both sweeps, write the figure to ``out_dir`` and return its path."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    n = 4 if quick else 8
    currents = np.linspace(0.0, 20.0, 6 if quick else 11)
    with ns.sweeps.LocalWorkers() as pool:  # one set of workers for both sweeps
        lif = ns.sweep(
            lif_rate,
            {
                "tau_rc": np.geomspace(0.005, 0.1, n),
                "tau_ref": np.linspace(1e-3, 0.01, n),
            },
            client=pool,
        )
        hh = ns.sweep(
            hh_rate,
            {"g_k": [24.0, 36.0, 48.0], "current": currents},
            n_seeds=2 if quick else 3,
            client=pool,
        )
    # exact integration: simulated (spike count over 1 s) against closed form
    worst = np.max(np.abs(lif["rate"] - lif["analytic"]))

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    plotting.sweep_heatmap(lif, "rate", x="tau_rc", y="tau_ref", ax=axes[0])
    axes[0].set_xlabel("tau_rc (s)")
    axes[0].set_ylabel("tau_ref (s)")
    axes[0].set_title(
        f"LIF rate (Hz) at J = {J:g}; max |sim - analytic| = {worst:.2g} Hz"
    )
    plotting.sweep_line(lif, "rate", x="tau_rc", by="tau_ref", ax=axes[1],
                        xscale="log", error="none")  # fmt: skip
    axes[1].set_xlabel("tau_rc (s)")
    axes[1].set_ylabel("firing rate (Hz)")
    axes[1].set_title("LIF rate against tau_rc, one line per tau_ref (s)")
    plotting.sweep_line(hh, "result", x="current", by="g_k", ax=axes[2])
    axes[2].set_xlabel("mean input current (uA/cm^2)")
    axes[2].set_ylabel("firing rate (Hz)")
    axes[2].set_title(f"HH f-I with noise, {hh['repeat'].max() + 1} seeds (+- s.e.m.)")
    fig.tight_layout()
    path = out_dir / "13_fi_sweeps.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
