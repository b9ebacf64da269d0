"""Neural dynamics (NEF principle 3): integrator, oscillator, Lorenz attractor
===========================================================================

Each population's recurrent connection goes through a ``Lowpass(tau)`` synapse
and computes ``tau f(x) + x``, so the population follows ``dx/dt = f(x) + B u``:

* integrator (200 neurons, tau 0.1 s): ``f = 0``, step input;
* oscillator (400 neurons, 2-D, 2 Hz): ``f(x) = [[0, -w], [w, 0]] x``, kicked;
* Lorenz (2,000 neurons, 3-D, radius 60): ``f`` = the Lorenz equations
  (sigma 10, beta 8/3, rho 28) with ``z`` shifted by ``rho``.

    python 06_neural_dynamics.py [--out DIR] [--quick]   (or: neurosim demo --only 06)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim import plotting

TAU = 0.1


def lorenz(x: np.ndarray, sigma=10.0, beta=8.0 / 3.0, rho=28.0) -> np.ndarray:
    """Lorenz flow in the coordinates (x, y, z - rho)."""
    return np.array(
        [
            sigma * (x[1] - x[0]),
            -x[0] * x[2] - x[1],
            x[0] * x[1] - beta * (x[2] + rho) - rho,
        ]
    )


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    """Simulate the three systems; return the figure path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dt = 1e-3

    m = ns.Model(seed=0)
    step = m.input(lambda t: 1.0 if 0.1 < t <= 0.5 else 0.0)
    integ = ns.Population(200, seed=0)
    m.recurrent(integ, TAU, A=0, input=step)
    p_int = m.probe(integ, synapse=0.01)
    p_in = m.probe(step, synapse=None)

    w = 2 * np.pi * 2.0
    kick = m.input(lambda t: [10.0, 0.0] if t < 0.05 else [0.0, 0.0])
    osc = ns.Population(400, 2, seed=1)
    m.recurrent(osc, TAU, A=[[0, -w], [w, 0]], input=kick)
    p_osc = m.probe(osc, synapse=0.02)

    lor = ns.Population(500 if quick else 2000, 3, radius=60, seed=2)
    m.recurrent(lor, TAU, function=lorenz)
    p_lor = m.probe(lor, synapse=0.02)
    r = m.run(2.0 if quick else 10.0, dt=dt)

    fig = plt.figure(figsize=(13, 4))
    ax0 = fig.add_subplot(1, 3, 1)
    keep = r.t <= 1.0
    ideal = np.cumsum(r[p_in][:, 0]) * dt
    plotting.decoded(r.t[keep], ideal[keep], r[p_int][keep], ax=ax0, labels=["x"])
    ax0.set_title(
        f"integrator: final error {abs(r[p_int][keep][-100:].mean() - 0.4):.3f}"
    )
    ax1 = fig.add_subplot(1, 3, 2)
    plotting.phase(r[p_osc][r.t > 0.2], ax=ax1)
    ax1.set_aspect("equal")
    ax1.set_title("oscillator (2 Hz)")
    ax2 = fig.add_subplot(1, 3, 3, projection="3d")
    plotting.phase(r[p_lor], ax=ax2)
    ax2.set_title("Lorenz attractor")
    fig.tight_layout()
    path = out_dir / "06_neural_dynamics.png"
    fig.savefig(path, dpi=110)
    return [path]


if __name__ == "__main__":
    from neurosim.cli import run_example

    run_example(main, __doc__)
