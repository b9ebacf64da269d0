"""NEF principle 3: integrator, linear systems, oscillator, Lorenz."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns

TAU = 0.1


def _step(t):
    return 1.0 if 0.1 < t <= 0.5 else 0.0


def _integrator(seed, n=200):
    m = ns.Model(seed=seed)
    u = m.input(_step)
    a = ns.Population(n, seed=seed)
    m.recurrent(a, TAU, A=0, input=u)
    p = m.probe(a, synapse=0.01)
    s = m.probe_spikes(a)
    return m, a, p, s, m.run(1.0)


def test_integrator_holds_integral():
    errs = []
    for seed in range(3):
        *_, p, _, r = _integrator(seed)
        errs.append(abs(r[p][-100:].mean() - 0.4))  # integral of the step: 0.4
    # Nengo's mean final-value error for this network is 0.0155 (issue 5) with a
    # seed-to-seed spread of ~0.01; 0.04 bounds the mean of 3 seeds
    assert np.mean(errs) < 0.04, errs


def test_integrator_same_spikes_as_nengo():
    """Same neurons and initial state in Nengo's reference simulator: same spikes."""
    nengo = pytest.importorskip("nengo")
    m, a, p, s, r = _integrator(seed=4)
    with nengo.Network(seed=4) as net:
        nu = nengo.Node(_step)
        na = nengo.Ensemble(
            200,
            1,
            encoders=a.encoders_,
            gain=a.gain_,
            bias=a.bias_,
            eval_points=a.eval_points_,
            neuron_type=nengo.LIF(initial_state={"voltage": m.initial_voltages_[a]}),
        )
        nengo.Connection(nu, na, transform=TAU, synapse=TAU)
        nengo.Connection(na, na, synapse=TAU)
        np_ = nengo.Probe(na, synapse=0.01)
        nspk = nengo.Probe(na.neurons)
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run(1.0)
    np.testing.assert_array_equal(r[s] > 0, sim.data[nspk] > 0)
    ours = abs(r[p][-100:].mean() - 0.4)
    theirs = abs(sim.data[np_][-100:].mean() - 0.4)
    # identical spikes; the one-step probe offset changes the window by 1 sample
    assert ours == pytest.approx(theirs, abs=1e-3)


def test_linear_system_with_rate_neurons_follows_analytic_solution():
    """dx/dt = -2 x + u, u = 0.5: x(t) = 0.25 (1 - exp(-2 t))."""
    m = ns.Model(seed=0)
    u = m.input(0.5)
    a = ns.Population(200, neuron=ns.LIFRate(), seed=0)
    m.recurrent(a, TAU, A=-2.0, B=1.0, input=u, solver=ns.LstsqL2(reg=0.01))
    p = m.probe(a, synapse=None)
    r = m.run(2.0)
    x = 0.25 * (1 - np.exp(-2 * r.t))
    # rate neurons: only static decoding error (~0.005) acting through the
    # feedback, plus the dt/tau discretisation of the synapse (~1%)
    np.testing.assert_allclose(r[p][:, 0], x, atol=0.02)


def test_oscillator_frequency():
    w = 2 * np.pi * 2.0  # 2 Hz
    m = ns.Model(seed=1)
    kick = m.input(lambda t: [10.0, 0.0] if t < 0.05 else [0.0, 0.0])
    a = ns.Population(400, 2, seed=1)
    m.recurrent(a, TAU, A=[[0, -w], [w, 0]], input=kick)
    p = m.probe(a, synapse=0.02)
    r = m.run(2.0)
    x = r[p][500:]  # after the kick, from 0.5 s
    # rotation rate from the unwrapped phase angle (robust to spike noise,
    # unlike zero crossings)
    angle = np.unwrap(np.arctan2(x[:, 1], x[:, 0]))
    freq = np.polyfit(r.t[500:], angle, 1)[0] / (2 * np.pi)
    # measured 2.0 Hz (rate neurons 1.99 Hz); decoder error and the discrete
    # synapse bend the frequency by ~1%
    assert freq == pytest.approx(2.0, rel=0.05)
    amp = np.abs(r[p][500:]).max()
    assert 0.3 < amp < 1.2  # sustained, within the radius


def test_lorenz_attractor():
    sigma, beta, rho = 10.0, 8.0 / 3.0, 28.0

    def lorenz(x):
        # state (x, y, z - rho) so that the attractor is centred on 0
        dx0 = sigma * (x[1] - x[0])
        dx1 = -x[0] * x[2] - x[1]
        dx2 = x[0] * x[1] - beta * (x[2] + rho) - rho
        return np.array([dx0, dx1, dx2])

    m = ns.Model(seed=2)
    a = ns.Population(1000, 3, radius=60, seed=2)
    m.recurrent(a, TAU, function=lorenz)
    p = m.probe(a, synapse=0.02)
    r = m.run(3.0)
    x = r[p]
    assert np.all(np.isfinite(x)) and np.abs(x).max() < 80
    # chaotic flow on two wings: x changes sign repeatedly and keeps moving
    late = x[500:, 0]
    assert np.count_nonzero(np.diff(np.sign(late))) >= 2
    assert late.std() > 3.0


def test_recurrent_bad_input():
    m = ns.Model()
    a = ns.Population(10, 2, seed=0)
    with pytest.raises(ValueError, match="exactly one of A and function"):
        m.recurrent(a, 0.1)
    with pytest.raises(ns.ShapeError, match=r"expected shape \(2, 2\)"):
        m.recurrent(a, 0.1, A=np.eye(3))
    with pytest.raises(ValueError, match="tau: must be > 0"):
        m.recurrent(a, 0.0, A=0)
