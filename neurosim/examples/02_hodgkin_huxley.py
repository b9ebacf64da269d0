"""Hodgkin-Huxley: voltage traces, f-I curve (onset near 6.25 uA/cm^2), convergence
================================================================================

Simulates the classic squid-axon model from rest with RK4 at 0.01 ms: voltage
traces below and above the onset of repetitive firing and at 10 uA/cm^2, the
f-I curve (300 ms from rest, rate over the last 200 ms) for both integrators,
and their convergence.
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
    hh = ns.HodgkinHuxley()
    dt = 1e-5  # 0.01 ms

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    rec = ns.simulate_neurons(hh, [6.2, 6.3, 10.0], dt=dt, t_end=0.1, method="rk4")
    plotting.voltage_trace(rec.t, rec.v, ax=axes[0], unit="mV", time_unit="ms",
                           threshold=hh.v_spike)  # fmt: skip
    axes[0].legend(
        ["6.2 uA/cm2", "6.3 uA/cm2", "10 uA/cm2"],
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    axes[0].set_title("HH membrane potential (RK4, dt = 0.01 ms)")

    I = np.linspace(0.0, 20.0, 21 if quick else 81)
    rates = [
        ns.firing_rates(hh, I, dt=dt, t_end=0.3, settle=0.1, method=m)
        for m in ("rk4", "exponential_euler")
    ]
    plotting.fi_curve(I, rates, ax=axes[1], labels=["rk4", "exponential Euler"],
                      current_unit="uA/cm^2", styles=["o-", "x--"])  # fmt: skip
    axes[1].axvspan(6.2, 6.3, color="orange", alpha=0.3)
    axes[1].set_title("f-I curve (300 ms from rest, last 200 ms)")

    # Convergence of the two integrators against a fine RK4 run.
    ref = ns.simulate_neurons(hh, 10.0, dt=2.5e-6, t_end=0.05, method="rk4",
                              record_v=False).spike_times[0]  # fmt: skip
    dts = np.array([0.04, 0.02, 0.01, 0.005]) * 1e-3
    for method, style in (("rk4", "o-"), ("exponential_euler", "x--")):
        err = [
            np.abs(ns.simulate_neurons(hh, 10.0, dt=d, t_end=0.05, method=method,
                                       record_v=False).spike_times[0] - ref).max()
            for d in dts
        ]  # fmt: skip
        axes[2].loglog(dts * 1e3, np.array(err) * 1e3, style, label=method)
    axes[2].set_xlabel("dt (ms)")
    axes[2].set_ylabel("max spike-time error (ms)")
    axes[2].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[2].set_title("convergence (slopes ~4 and ~1)")
    fig.tight_layout()
    path = out_dir / "02_hodgkin_huxley.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
