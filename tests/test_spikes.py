"""Spike trains: Poisson statistics, regular trains, conversions, rate estimates."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def test_poisson_mean_rate_and_fano_factor():
    rate, dt, t_end, n = 40.0, 1e-3, 5.0, 100
    s = ns.poisson_spikes(np.full(n, rate), dt=dt, t_end=t_end, seed=1234)
    assert s.shape == (5000, n)
    counts = s * dt
    assert np.array_equal(counts, np.rint(counts))  # whole spikes
    # mean rate over n neurons: Poisson total count, sd = sqrt(rate / (t_end n))
    sd = np.sqrt(rate / (t_end * n))  # 0.28 Hz
    assert abs(counts.sum() / (t_end * n) - rate) < 4 * sd
    # Fano factor of counts in 100 ms windows: 50 windows x 100 neurons, mean 4;
    # for Poisson var(F) ~ (1/lambda + 2)/N_windows (fourth cumulant), sd 0.021
    w = counts.reshape(50, 100, n).sum(axis=1).ravel()
    fano = w.var(ddof=1) / w.mean()
    assert abs(fano - 1.0) < 4 * np.sqrt((1 / 4 + 2) / w.size)


def test_poisson_reproducible_and_seed_dependent():
    a = ns.poisson_spikes([10.0, 80.0], dt=1e-3, t_end=1.0, seed=7)
    b = ns.poisson_spikes([10.0, 80.0], dt=1e-3, t_end=1.0, seed=7)
    c = ns.poisson_spikes([10.0, 80.0], dt=1e-3, t_end=1.0, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    rng = np.random.default_rng(7)
    d = ns.poisson_spikes([10.0, 80.0], dt=1e-3, t_end=1.0, seed=rng)
    np.testing.assert_array_equal(a, d)  # an int seed and default_rng(int) agree


def test_poisson_time_varying_rate():
    dt = 1e-3
    rates = np.zeros((4000, 200))
    rates[:2000] = 10.0
    rates[2000:] = 60.0
    s = ns.poisson_spikes(rates, dt=dt, seed=3)
    first = s[:2000].mean()
    second = s[2000:].mean()
    # each half: 200 neurons x 2 s, Poisson sd sqrt(r / 400)
    assert abs(first - 10.0) < 4 * np.sqrt(10 / 400)
    assert abs(second - 60.0) < 4 * np.sqrt(60 / 400)


def test_regular_spikes_counts_and_isi():
    dt = 1e-4
    s = ns.regular_spikes([25.0, 40.0, 0.0], dt=dt, t_end=2.0)
    trains = ns.array_to_spike_times(s, dt)
    # first spike after one period; phase 0 -> spikes at m / rate
    np.testing.assert_allclose(trains[0], np.arange(1, 50) / 25.0, atol=dt / 2)
    np.testing.assert_allclose(trains[1], np.arange(1, 80) / 40.0, atol=dt / 2)
    assert trains[2].size == 0
    isi = ns.estimate_rates(trains[:2], "isi", t_stop=2.0)
    np.testing.assert_allclose(isi, [25.0, 40.0], rtol=1e-9)  # grid-exact periods
    half = ns.regular_spikes(10.0, dt=1e-3, t_end=1.0, phase=0.5)
    t = ns.array_to_spike_times(half, 1e-3)[0]
    np.testing.assert_allclose(t, (np.arange(1, 11) - 0.5) / 10, atol=1e-12)


def test_spikes_array_round_trip_and_units(rng):
    dt = 1e-3
    trains = [np.sort(rng.integers(0, 1000, size=k)) * dt for k in (0, 5, 40)]
    a = ns.spikes_to_array(trains, dt=dt, t_end=1.0)
    assert a.shape == (1000, 3)
    # 1/dt impulses: the integral of the array is the spike count
    np.testing.assert_allclose(a.sum(axis=0) * dt, [0, 5, 40], rtol=1e-12)
    back = ns.array_to_spike_times(a, dt)
    for t0, t1 in zip(trains, back):
        np.testing.assert_allclose(t1, t0, atol=1e-12)
    single = ns.spikes_to_array(trains[1], dt=dt, t_end=1.0, weights=2.0)
    assert single.shape == (1000,)
    np.testing.assert_allclose(single.sum() * dt, 10.0, rtol=1e-12)


def test_filtered_spike_train_in_hz_and_integrates_to_weight():
    syn = ns.Alpha(0.01)
    t = np.linspace(0, 2.0, 200001)
    s = ns.filtered_spike_train(np.array([0.1, 0.5]), syn, t, weights=[1.0, 3.0])
    area = np.trapezoid(s, t)
    assert abs(area - 4.0) < 1e-6  # trapezoid error ~ dt^2 max|h'|, far below
    # a regular 50 Hz train filtered by a slow kernel reads about 50 Hz
    spikes = np.arange(1, 200) / 50.0
    tau, phi = 0.2, 0.01  # evaluate half a period after a spike
    r = ns.estimate_rates(spikes, "kernel", syn=ns.Lowpass(tau), t=[3.5 + phi])
    # periodic steady state: sum_m exp(-(phi + m T)/tau)/tau, a geometric series;
    # the missing spikes before t = 0 weigh exp(-3.5/0.2) ~ 3e-8 relative
    steady = np.exp(-phi / tau) / tau / (1 - np.exp(-0.02 / tau))
    assert r[0] == pytest.approx(steady, rel=1e-7)
    assert abs(r[0] - 50.0) < 1.0  # and that is close to the true 50 Hz


def test_filt_of_poisson_array_matches_exact_train():
    dt = 1e-3
    s = ns.poisson_spikes(30.0, dt=dt, t_end=1.0, seed=5)[:, 0]
    t = np.arange(s.size) * dt
    syn = ns.DoubleExp(0.002, 0.02)
    exact = ns.filtered_spike_train(ns.array_to_spike_times(s, dt)[0], syn, t)
    y = syn.filt(s, dt=dt, method="impulse")
    np.testing.assert_allclose(y, exact, rtol=0, atol=1e-10)  # rounding only


def test_estimate_rates_count():
    trains = [np.array([0.1, 0.2, 0.3, 1.5]), np.array([])]
    np.testing.assert_allclose(
        ns.estimate_rates(trains, t_stop=1.0), [3.0, 0.0], rtol=1e-15
    )
    np.testing.assert_allclose(
        ns.estimate_rates(trains, t_start=0.15, t_stop=2.0), [3 / 1.85, 0.0]
    )
    isi = ns.estimate_rates(trains, "isi", t_stop=2.0)
    assert isi[0] == pytest.approx(3 / 1.4) and isi[1] == 0.0
    # one spike has no interval: the count over the window (1 spike / 2 s)
    one = ns.estimate_rates([np.array([0.5])], "isi", t_stop=2.0)
    np.testing.assert_array_equal(one, [0.5])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ns.spikes_to_array([np.array([0.2, 0.1])], 1e-3, 1.0), "sorted"),
        (lambda: ns.spikes_to_array(np.array([-0.1, 0.1]), 1e-3, 1.0), ">= 0"),
        (lambda: ns.spikes_to_array(np.array([0.5, 2.0]), 1e-3, 1.0), "beyond"),
        (
            lambda: ns.filtered_spike_train([0.3, 0.1], ns.Lowpass(0.01), [0.5]),
            "sorted",
        ),
        (lambda: ns.estimate_rates([[0.1, -1.0]], t_stop=1.0), ">= 0"),
        (lambda: ns.estimate_rates([0.1], t_stop=None), "t_stop"),
        (lambda: ns.estimate_rates([0.1], "kernel"), "t: required"),
        (lambda: ns.estimate_rates([0.1], "median", t_stop=1.0), "method"),
        (lambda: ns.poisson_spikes(10.0, dt=0.0, t_end=1.0), "dt: must be > 0"),
        (lambda: ns.poisson_spikes(-1.0, dt=1e-3, t_end=1.0), "rates"),
        (lambda: ns.poisson_spikes(10.0, dt=1e-3), "t_end"),
        (lambda: ns.regular_spikes(10.0, dt=1e-3, t_end=0.0), "t_end"),
        (lambda: ns.regular_spikes(10.0, dt=1e-3, t_end=1.0, phase=1.0), "phase"),
        (lambda: ns.array_to_spike_times(np.full(5, 0.5), 1e-3), "multiples of 1/dt"),
        (lambda: ns.array_to_spike_times(np.ones(5), -1e-3), "dt"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise():
    with pytest.raises(TypeError, match="syn"):
        ns.filtered_spike_train([0.1], "lowpass", [0.5])
    with pytest.raises(TypeError, match="seed"):
        ns.poisson_spikes(1.0, dt=1e-3, t_end=1.0, seed="x")


def test_filtered_spikes_plot():
    from neurosim import plotting

    dt = 1e-3
    s = ns.poisson_spikes([20.0, 30.0], dt=dt, t_end=0.5, seed=2)
    t = np.arange(s.shape[0]) * dt
    f = ns.Lowpass(0.02).filt(s, dt=dt)
    trains = ns.array_to_spike_times(s, dt)
    ax = plotting.filtered_spikes(t, f, trains, rate=25.0)
    lines = ax.get_lines()
    assert len(lines) == 2 + 1 + 2  # two traces, the rate, two raster rows
    np.testing.assert_array_equal(lines[0].get_ydata(), f[:, 0])
    assert len(lines[3].get_xdata()) == trains[0].size


def test_spike_source_has_no_rate_curve_and_says_what_to_use():
    src = ns.SpikeSource([[0.1, 0.2, 0.7], [0.5]])
    for call in (lambda: src.rates(), lambda: ns.neuron_rates(src, [1.0, 2.0])):
        with pytest.raises(TypeError, match=r"SpikeSource\.rates.*estimate_rates"):
            call()
    # the suggested call: spikes in [0, 1 s) over 1 s
    rates = ns.estimate_rates(src.spike_times, t_stop=1.0)
    np.testing.assert_array_equal(rates, [3.0, 1.0])
