"""Write your own neuron model: quadratic integrate-and-fire with adaptation
=========================================================================

A new neuron model is a small :class:`neurosim.NeuronModel` description: its
state, its parameters, an input port, the right-hand side of its equations
for one neuron (plain Python) and a spike rule. neurosim compiles that one
source for the CPU and, with ``backend="cuda"``, as a CUDA device function;
no engine file changes. The figure shows

* voltage and adaptation traces of three neurons that differ only in their
  spike-triggered adaptation ``b`` (one vectorised run: any parameter may be
  one value per neuron),
* their f-I curves, with the closed-form rheobase of the quadratic
  nonlinearity, ``k (v_c - v_r)^2 / 4``,
* the same model as a group of a spiking :class:`neurosim.Network`, driven by
  Poisson inputs through an exponential synapse, its adaptation variable
  ``w`` recorded like any built-in state,
* the Izhikevich (2003) firing patterns of the model zoo, written through the
  same public mechanism.

The model runs on a GPU with ``backend="cuda"`` (or ``"auto"``, the default,
when one is usable), and on the numba CUDA simulator with
``NUMBA_ENABLE_CUDASIM=1`` in the environment.

Run as a script:
``python neurosim/examples/15_write_your_own_model.py --out DIR [--quick]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import plotting


class QuadraticIF(ns.NeuronModel):
    """Quadratic integrate-and-fire with spike-triggered adaptation (mV, s)."""

    state = {"v": -60.0, "w": 0.0}
    params = {"tau": 0.01, "tau_w": 0.1, "v_r": -60.0, "v_c": -50.0,
              "k": 0.1, "b": 2.0, "v_reset": -65.0}  # fmt: skip
    inputs = ("I",)
    units = {"v": "mV", "w": "mV", "I": "mV", "k": "1/mV"}
    threshold = ("v", 20.0)  # a spike when v > 20 mV after a step
    method = "rk4"  # or "euler", "rk2", "exponential_euler"

    @staticmethod
    def derivatives(v, w, I, tau, tau_w, v_r, v_c, k):
        return (k * (v - v_r) * (v - v_c) - w + I) / tau, -w / tau_w

    @staticmethod
    def reset(v, w, v_reset, b):
        return v_reset, w + b


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Write the figure to ``out_dir`` and return its path."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    b = [0.0, 2.0, 5.0]
    fig, axes = plt.subplots(2, 3, figsize=(16, 8))
    axes = axes.ravel()

    # 1. Three neurons, one per adaptation strength, in one vectorised run.
    rec = ns.simulate_neurons(QuadraticIF(b=b), 5.0, dt=1e-4, t_end=0.3, record=True)
    plotting.voltage_trace(rec.t, rec.state["v"], ax=axes[0], unit="mV",
                           time_unit="ms", threshold=20.0)  # fmt: skip
    axes[0].legend([f"b = {x:g} mV" for x in b], fontsize="small")
    axes[0].set_title(f"QuadraticIF, I = 5 mV ({rec.backend})")
    axes[1].plot(rec.t * 1e3, rec.state["w"])
    axes[1].set_xlabel("time (ms)")
    axes[1].set_ylabel("w (mV)")
    axes[1].set_title("adaptation w")

    # 2. f-I curves; below the rheobase k (v_c - v_r)^2 / 4 = 2.5 mV, no spikes.
    currents = np.linspace(0.0, 20.0, 11 if quick else 41)
    t_end = 0.5 if quick else 2.2  # rates counted over t_end - 0.2 s
    rates = [
        ns.firing_rates(QuadraticIF(b=x), currents, dt=1e-4, t_end=t_end, settle=0.2)
        for x in b
    ]
    plotting.fi_curve(currents, rates, ax=axes[2], current_unit="mV",
                      labels=[f"b = {x:g} mV" for x in b])  # fmt: skip
    axes[2].axvline(2.5, color="0.5", ls=":", lw=1)
    axes[2].set_title("f-I curves (dotted: rheobase 2.5 mV)")

    # 3. The same model in a network: 100 Poisson inputs at 20 Hz, 20 per neuron
    # on average, give a mean drive of 20 x 20 Hz x 0.01 mV s = 4 mV plus the bias.
    net = ns.Network(seed=3)
    src = net.add(ns.NeuronGroup(100, ns.PoissonSource(20.0)))
    P = net.add(ns.NeuronGroup(50, QuadraticIF(b=2.0), bias=1.0))
    net.connect(src, P, ns.Random(0.2, 0.01), synapse=ns.Lowpass(0.005))
    spikes = net.monitor_spikes(P)
    w = net.monitor_state(P, "w", record=[0, 1, 2])
    sim = ns.Simulator(net, dt=1e-4)
    sim.run(0.3 if quick else 1.0)
    plotting.raster(times=spikes.times, indices=spikes.indices, ax=axes[3],
                    markersize=1.5)  # fmt: skip
    axes[3].set_title(f"50 QuadraticIF in a network ({sim.backend}): "
                      f"{spikes.rate(sim.t):.1f} Hz")  # fmt: skip
    axes[4].plot(w.t * 1e3, w.w)
    axes[4].set_xlabel("time (ms)")
    axes[4].set_ylabel("w (mV)")
    axes[4].set_title("adaptation of 3 network neurons")

    # 4. The model zoo uses the same mechanism.
    for k, name in enumerate(("RS", "IB", "CH", "FS")):
        izh = ns.simulate_neurons(ns.Izhikevich.from_set(name), 10.0, dt=1e-4,
                                  t_end=0.2, method="rk4")  # fmt: skip
        axes[5].plot(izh.t * 1e3, izh.v[:, 0] - 120.0 * k, lw=0.8, label=name)
    axes[5].set_xlabel("time (ms)")
    axes[5].set_yticks([])
    axes[5].legend(fontsize="small", loc="upper right")
    axes[5].set_title("Izhikevich (2003) sets, I = 10 (offset)")
    fig.tight_layout()
    path = out_dir / "15_write_your_own_model.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
