"""Write your own plasticity rule: triplet STDP and Tsodyks-Markram synapses
=========================================================================

A plasticity rule is a small plain description (``ns.learning.PlasticityRule``):
per-neuron traces with their time constants, per-synapse variables, and
``on_pre`` / ``on_post`` functions for one synapse, compiled into the network
loop from their source. Top: the triplet rule of Pfister & Gerstner (2006),
written in a dozen lines, on 20 Poisson inputs into 4 LIF neurons firing at
different rates: weights onto the faster neurons grow (the triplet term makes
the rule rate-dependent, like BCM). Bottom: the built-in Tsodyks-Markram rule
(itself such a description) on a regular 20 Hz train, a depressing and a
facilitating synapse; dashed lines are the closed-form steady states
(Tsodyks, Pawelzik & Markram 1998).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import neurosim as ns


class Triplet(ns.learning.PlasticityRule):
    """Triplet STDP, all-to-all traces (Pfister & Gerstner 2006, visual cortex)."""

    pre = {"r1": "tau_plus", "r2": "tau_x"}
    post = {"o1": "tau_minus", "o2": "tau_y"}
    # the amplitudes of the paper's visual-cortex fit, for weights up to w_max
    params = {"a2p": 2e-12, "a3p": 2.5e-5, "a2m": 2.8e-5, "a3m": 9e-7,
              "tau_plus": 0.0168, "tau_minus": 0.0337, "tau_x": 0.101,
              "tau_y": 0.125, "w_max": 0.004}  # fmt: skip

    @staticmethod
    def on_pre(w, o1, r2, a2m, a3m):
        return max(w - o1 * (a2m + a3m * r2), 0.0)

    @staticmethod
    def on_post(w, r1, o2, a2p, a3p, w_max):
        return min(w + r1 * (a2p + a3p * o2), w_max)


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Write the figure to ``out_dir`` and return its path."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    duration = 2.0 if quick else 10.0
    dt = 2e-4
    net = ns.Network(seed=0)
    pre = net.add(ns.NeuronGroup(20, ns.PoissonSource(rate=10.0)))
    post = net.add(ns.NeuronGroup(4, ns.LIF(tau_rc=0.02, tau_ref=0.002)))
    net.add_input(post, [0.7, 0.85, 1.0, 1.3])  # output rates from slow to fast
    conn = net.connect(pre, post, np.full((20, 4), 0.002), synapse=ns.Lowpass(0.005),
                       plasticity=Triplet())  # fmt: skip
    wmon = net.monitor_weights(conn, record=True, every=50)
    out = net.monitor_spikes(post)
    # short-term plasticity: one regular 20 Hz train, two synapses
    period = 0.05
    train = net.add(ns.NeuronGroup(1, ns.SpikeSource([np.arange(1, 25) * period])))
    tgt = net.add(ns.NeuronGroup(2, ns.LIF()))
    depressing = ns.learning.TsodyksMarkram(U=0.5, tau_f=0.0, tau_d=0.8)
    facilitating = ns.learning.TsodyksMarkram(U=0.1, tau_f=1.0, tau_d=0.1)
    stp = [
        net.connect(
            train, tgt[i : i + 1], [[1.0]], synapse=ns.Lowpass(0.005), plasticity=rule
        )  # fmt: skip
        for i, rule in enumerate((depressing, facilitating))
    ]
    stp_mons = [net.monitor_weights(c, record=[0]) for c in stp]
    sim = ns.Simulator(net, dt=dt, backend="cpu")
    sim.run(duration)

    fig, axes = plt.subplots(2, 1, figsize=(8, 7))
    w = wmon.values.reshape(-1, 20, 4).mean(axis=1)
    rates = out.count / sim.t
    for i in range(4):
        axes[0].plot(wmon.t, w[:, i], label=f"post neuron at {rates[i]:.0f} Hz")
    axes[0].set(xlabel="time (s)", ylabel="mean weight",
                title="Triplet STDP (a user-written rule)")  # fmt: skip
    axes[0].legend(fontsize=8)
    arrivals = np.round(np.arange(1, 25) * period / dt).astype(int) - 1
    arrivals = arrivals[arrivals < sim.n_steps]
    for rule, mon, color in zip((depressing, facilitating), stp_mons, "C0 C1".split(),
                                strict=True):  # fmt: skip
        eff = mon.values[arrivals, 0]
        ef = math.exp(-period / rule.tau_f) if rule.tau_f > 0 else 0.0
        ed = math.exp(-period / rule.tau_d)
        u = rule.U / (1 - (1 - rule.U) * ef)
        r = (1 - ed) / (1 - (1 - u) * ed)
        label = f"U={rule.U}, tau_f={rule.tau_f} s, tau_d={rule.tau_d} s"
        axes[1].plot(np.arange(1, eff.size + 1), eff, "o-", color=color, label=label)
        axes[1].axhline(u * r, color=color, ls="--")
    axes[1].set(xlabel="spike number (20 Hz train)", ylabel="efficacy w / A",
                title="Tsodyks-Markram; dashed: closed-form steady state")  # fmt: skip
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / "16_plasticity_rules.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
