"""Write your own neuron model: a quadratic integrate-and-fire neuron with adaptation.

The model is a small ``ns.NeuronModel`` description (state, parameters, one
input port, the right-hand side for one neuron and a spike rule); neurosim
compiles that source for the CPU and, with ``backend="cuda"``, as a CUDA
device function. The figure shows voltage and adaptation traces for three
adaptation strengths (one vectorised run: ``b`` is a per-neuron parameter),
the f-I curves of the same three neurons, and the Izhikevich (2003) firing
patterns of the model zoo, which is written through the same mechanism.
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
    threshold = ("v", 20.0)
    method = "rk4"

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
    model = QuadraticIF(b=b)
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.2))
    rec = ns.simulate_neurons(model, 5.0, dt=1e-4, t_end=0.3, record=True,
                              backend="auto")  # fmt: skip
    plotting.voltage_trace(rec.t, rec.state["v"], ax=axes[0], unit="mV",
                           time_unit="ms", threshold=20.0)  # fmt: skip
    axes[0].legend([f"b = {x:g} mV" for x in b], fontsize="small")
    axes[0].set_title(f"QuadraticIF, I = 5 mV ({rec.backend})")
    axes[1].plot(rec.t * 1e3, rec.state["w"])
    axes[1].set_xlabel("time (ms)")
    axes[1].set_ylabel("w (mV)")
    axes[1].set_title("adaptation w")

    currents = np.linspace(0.0, 20.0, 11 if quick else 41)
    t_end = 0.5 if quick else 2.2  # rates counted over t_end - 0.2 s
    rates = [
        ns.firing_rates(QuadraticIF(b=x), currents, dt=1e-4, t_end=t_end, settle=0.2)
        for x in b
    ]
    plotting.fi_curve(currents, rates, ax=axes[2], current_unit="mV",
                      labels=[f"b = {x:g} mV" for x in b])  # fmt: skip
    axes[2].set_title("f-I curves (rheobase 2.5 mV)")

    for k, name in enumerate(("RS", "IB", "CH", "FS")):
        izh = ns.simulate_neurons(ns.Izhikevich.from_set(name), 10.0, dt=1e-4,
                                  t_end=0.2, method="rk4")  # fmt: skip
        axes[3].plot(izh.t * 1e3, izh.v[:, 0] - 120.0 * k, lw=0.8, label=name)
    axes[3].set_xlabel("time (ms)")
    axes[3].set_yticks([])
    axes[3].legend(fontsize="small", loc="upper right")
    axes[3].set_title("Izhikevich (2003) sets, I = 10 (offset)")
    fig.tight_layout()
    path = out_dir / "15_write_your_own_model.png"
    fig.savefig(path, dpi=100)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
