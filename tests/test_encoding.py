"""Populations: drawn parameters, tuning curves, gain/bias inversion, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def test_reproducible_from_seed_and_shapes():
    a = ns.Population(40, 3, seed=5)
    b = ns.Population(40, 3, seed=5)
    c = ns.Population(40, 3, seed=6)
    for name in ("encoders_", "gain_", "bias_", "eval_points_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.allclose(a.gain_, c.gain_)
    assert a.encoders_.shape == (40, 3) and a.gain_.shape == (40,)
    np.testing.assert_allclose(np.linalg.norm(a.encoders_, axis=1), 1, rtol=1e-12)
    assert a.eval_points_.shape == (1500, 3)
    with pytest.raises(ValueError):
        a.gain_[0] = 1.0  # built arrays are read-only


@pytest.mark.parametrize("neuron", [ns.LIF(), ns.LIFRate(tau_rc=0.05, tau_ref=0.001)])
def test_tuning_curves_hit_intercepts_and_max_rates(neuron):
    pop = ns.Population(30, 1, neuron, seed=1)
    e = pop.encoders_[:, 0]
    # at x = e * radius each neuron fires at its max rate
    r_max = np.diag(pop.rates(e[:, None]))
    np.testing.assert_allclose(r_max, pop.max_rates_, rtol=1e-10)
    # just below / above the intercept it is silent / firing
    c = pop.intercepts_
    below = np.diag(pop.rates((e * (c - 1e-6))[:, None]))
    above = np.diag(pop.rates((e * (c + 1e-6))[:, None]))
    assert np.all(below == 0) and np.all(above > 0)


def test_rates_match_nengo_tuning_curves():
    nengo = pytest.importorskip("nengo")
    pop = ns.Population(50, 2, seed=2, radius=2.0)
    x = ns.dists.UniformHypersphere().samples(100, 2, rng=0) * 2.0
    J = x @ pop.encoders_.T / 2.0
    ref = nengo.neurons.LIFRate().rates(J, pop.gain_, pop.bias_)
    # same closed-form rate; only rounding differs
    np.testing.assert_allclose(pop.rates(x), ref, rtol=1e-10, atol=1e-9)
    g, b = nengo.neurons.LIFRate().gain_bias(pop.max_rates_, pop.intercepts_)
    np.testing.assert_allclose(pop.gain_, g, rtol=1e-10)
    np.testing.assert_allclose(pop.bias_, b, rtol=1e-10, atol=1e-10)


class _RatesOnly(ns.NeuronType):
    """A LIF rate curve without an analytic inverse, to exercise the numeric path."""

    spiking = False

    def __init__(self):
        self._lif = ns.LIFRate()

    def rates(self, J):
        return self._lif.rates(J)


def test_numeric_gain_bias_matches_exact():
    kw = dict(seed=3, max_rates=ns.dists.Uniform(100, 300))
    exact = ns.Population(20, neuron=ns.LIFRate(), **kw)
    numeric = ns.Population(20, neuron=_RatesOnly(), **kw)
    # linear interpolation on a 2001-point table of a smooth curve: ~1e-4 relative
    np.testing.assert_allclose(numeric.gain_, exact.gain_, rtol=2e-3)
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(
        numeric.rates(x), exact.rates(x), rtol=0, atol=0.01 * 300
    )


def test_given_encoders_are_normalised():
    pop = ns.Population(2, 2, encoders=[[3.0, 4.0], [0.0, -2.0]], seed=0)
    np.testing.assert_allclose(pop.encoders_, [[0.6, 0.8], [0.0, -1.0]])


def test_bad_input_errors():
    with pytest.raises(ValueError, match="n_neurons: must be >= 1"):
        ns.Population(0)
    with pytest.raises(ValueError, match=r"intercepts: must lie in \[-1, 1\)"):
        ns.Population(5, intercepts=ns.dists.Uniform(0.5, 1.5), seed=0)
    with pytest.raises(ValueError, match=r"intercepts: must lie in \[-1, 1\)"):
        ns.Population(2, intercepts=[-1.5, 0.0], seed=0)
    with pytest.raises(ValueError, match="cannot fire at 600 Hz.*1/tau_ref = 500"):
        ns.Population(3, max_rates=[100, 600, 200], seed=0)
    pop = ns.Population(5, 2, seed=0)
    with pytest.raises(ns.ShapeError, match=r"expected shape \(n_points, 2\)"):
        pop.rates(np.zeros((4, 3)))
    with pytest.raises(ns.ShapeError, match="encoders"):
        ns.Population(5, 2, encoders=np.ones((5, 3)), seed=0)
    with pytest.raises(TypeError, match="NeuronType"):
        ns.Population(5, neuron="lif")
    with pytest.raises(ValueError, match="encoders: rows must be non-zero"):
        ns.Population(1, 1, encoders=[[0.0]])


@pytest.mark.slow
def test_hodgkin_huxley_population_by_settled_simulation():
    """HH has no closed-form rate curve: gain/bias from a numerical inversion."""
    pop = ns.Population(
        4, neuron=ns.HodgkinHuxley(), seed=0, max_rates=ns.dists.Uniform(80, 120)
    )
    e = pop.encoders_[:, 0]
    r_max = np.diag(pop.rates(e[:, None]))
    # rates are spike counts over 0.8 s (1.25 Hz steps), plus interpolation on a
    # 401-point table of the f-I curve: within 2 Hz of the requested max rate
    np.testing.assert_allclose(r_max, pop.max_rates_, atol=2.0)
    c = pop.intercepts_
    below = np.diag(pop.rates((e * (c - 0.02))[:, None]))
    above = np.diag(pop.rates((e * (c + 0.02))[:, None]))
    assert np.all(below == 0)
    # type II excitability: HH jumps to ~50-60 Hz at threshold
    assert np.all(above > 40)
    with pytest.raises(ValueError, match="HodgkinHuxley peaks near .* cannot fire"):
        ns.Population(2, neuron=ns.HodgkinHuxley(), seed=0, max_rates=[100, 300])


@pytest.mark.parametrize("neuron", [ns.LIF(), ns.LIFRate(tau_rc=0.03)])
def test_fused_lif_activities_equal_neuron_rates(neuron):
    pop = ns.Population(40, 3, neuron, seed=7)
    x = ns.dists.UniformHypersphere().samples(50, 3, rng=1)
    # kernel and LIFRate.rates evaluate the same closed form; summation order of
    # the encoding differs, so agreement is to rounding
    np.testing.assert_allclose(
        pop.rates(x), neuron.rates(pop.current(x)), rtol=1e-12, atol=1e-9
    )
