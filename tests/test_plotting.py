"""What each plotting function draws: its data, its labels, nothing hidden."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import neurosim as ns
from neurosim import plotting


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _legend_outside(ax):
    """The legend's box lies outside the axes' box (it hides no data)."""
    fig = ax.figure
    fig.canvas.draw()
    leg = ax.get_legend().get_window_extent()
    box = ax.get_window_extent()
    return leg.x0 >= box.x1 or leg.y1 <= box.y0


def test_raster_draws_every_spike():
    trains = [np.array([0.1, 0.2]), np.array([]), np.array([0.05])]
    ax = plotting.raster(trains)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0.1, 0.2, 0.05])
    np.testing.assert_array_equal(line.get_ydata(), [0, 0, 2])
    ax = plotting.raster(times=np.array([1.0, 2.0]), indices=np.array([3, 4]),
                         time_unit="ms")  # fmt: skip
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1000.0, 2000.0])
    assert ax.get_xlabel() == "time (ms)"
    with pytest.raises(ValueError, match="raster"):
        plotting.raster()


def test_voltage_and_monitor_traces_with_units():
    t = np.arange(5) * 1e-3
    v = np.arange(10.0).reshape(5, 2)
    ax = plotting.voltage_trace(t, v, unit="mV", threshold=8.0)
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[1].get_ydata(), v[:, 1])
    assert lines[2].get_ydata()[0] == 8.0  # threshold line
    assert ax.get_ylabel() == "v (mV)" and _legend_outside(ax)

    net = ns.Network(seed=0)
    g = net.add(ns.NeuronGroup(3, ns.LIFNeuron(), v0=-0.06))
    net.add_input(g, 0.01)
    mon = net.monitor_state(g, "v", record=[0, 2], every=1)
    ns.Simulator(net, dt=1e-4, backend="cpu", progress=False).run(0.002)
    ax = plotting.monitor_traces(mon, scale=1e3, unit="mV", threshold=-0.05)
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), mon.v[:, 0] * 1e3)
    assert [l.get_label() for l in lines[:2]] == ["neuron 0", "neuron 2"]
    assert lines[2].get_ydata()[0] == pytest.approx(-50.0)


def test_fi_and_tuning_curves():
    I = np.linspace(0, 20, 5)
    r1, r2 = I * 2, I * 3
    ax = plotting.fi_curve(I, [r1, r2], labels=["a", "b"], current_unit="uA/cm^2")
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), r2)
    assert ax.get_xlabel() == "input current (uA/cm^2)"
    assert ax.get_ylabel() == "firing rate (Hz)" and _legend_outside(ax)
    x = np.linspace(-1, 1, 7)[:, None]
    A = np.abs(x) * np.array([[10.0, 20.0]])
    ax = plotting.tuning_curves(x, A)
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), A[:, 1])


def test_decoded_target_is_visible_under_the_estimate():
    t = np.linspace(0, 1, 50)
    actual = np.column_stack([np.sin(t), np.cos(t)])
    est = actual + 0.01
    ax = plotting.decoded(t, actual, est, labels=["a", "b"])
    lines = {l.get_label(): l for l in ax.get_lines()}
    target, decoded = lines["a target"], lines["a decoded"]
    np.testing.assert_array_equal(target.get_ydata(), actual[:, 0])
    np.testing.assert_array_equal(lines["b decoded"].get_ydata(), est[:, 1])
    # drawn below, wider, in a colour of its own: visible around the estimate
    assert target.get_zorder() < decoded.get_zorder()
    assert target.get_linewidth() > decoded.get_linewidth()
    assert target.get_color() != decoded.get_color()
    assert _legend_outside(ax)


def test_filtered_spikes_raster_has_no_rate_value():
    t = np.arange(100) * 1e-3
    f = np.column_stack([np.linspace(0, 50, 100), np.full(100, 40.0)])
    trains = [np.array([0.01, 0.05]), np.array([0.02])]
    ax = plotting.filtered_spikes(t, f, trains, rate=40.0, labels=["n0", "mean"])
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), f[:, 0])
    ticks = [l for l in lines if l.get_marker() == "|"]
    assert len(ticks) == 2
    for tick in ticks:  # in axes coordinates, in the top band, above every trace
        assert tick.get_transform() == ax.get_xaxis_transform()
        assert np.all(tick.get_ydata() > 0.75)
    lo, hi = ax.get_ylim()
    assert lo == 0.0 and 50.0 / hi < 0.75
    assert _legend_outside(ax)


def test_psc_kernels_and_population_rate():
    syns = [ns.Lowpass(0.005), ns.Alpha(0.005)]
    t = np.linspace(0, 0.05, 11)
    ax = plotting.psc_kernels(syns, t)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), syns[1].impulse(t))
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), t * 1e3)
    assert ax.get_ylabel() == "h(t) (1/s)" and _legend_outside(ax)
    times = np.array([0.001, 0.002, 0.011])
    ax = plotting.population_rate(times, n_neurons=2, t_end=0.02, bin_width=0.01)
    (patch,) = ax.patches
    # 2 spikes in the first 10 ms bin from 2 neurons: 100 Hz; 1 spike: 50 Hz
    np.testing.assert_allclose(patch.get_data()[0], [100.0, 50.0])


def test_learning_plots_keep_overlapping_curves_visible():
    same = np.linspace(0.5, 0.9, 5)
    ax = plotting.rule_curves({"backprop": same, "pc-zil": same.copy()}, target=0.95)
    a, b = ax.get_lines()[:2]
    np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    assert a.get_linewidth() > b.get_linewidth()  # the first shows around the second
    assert all(float(x).is_integer() for x in ax.get_xticks())
    assert _legend_outside(ax)
    ax = plotting.gradient_alignment({"pc": np.ones((4, 2)), "fa": np.zeros((4, 2))})
    assert ax.get_ylim()[1] > 1.0  # cos = 1 is not drawn on the frame
    widths = [l.get_linewidth() for l in ax.get_lines()]
    assert widths[0] > widths[1]
    ax = plotting.relaxation_energy([np.array([3.0, 2.0]), np.array([3.0, 1.0])],
                                    labels=["a", "b"])  # fmt: skip
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [3.0, 1.0])
    hist = {"loss": [1.0, 0.5], "val_accuracy": [0.5, 0.9], "time": [0.1, 0.2]}
    ax = plotting.learning_curves(hist)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 0.5])
    twin = [a for a in ax.figure.axes if a is not ax][0]
    np.testing.assert_array_equal(twin.get_lines()[0].get_ydata(), [0.5, 0.9])
    assert twin.get_ylabel() == "accuracy"


def test_phase_patterns_energy_capacity():
    x = np.column_stack([np.cos(np.linspace(0, 6, 20)), np.sin(np.linspace(0, 6, 20))])
    ax = plotting.phase(x)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xydata(), x)
    ax = plotting.phase(np.column_stack([x, x[:, 0]]))
    assert ax.name == "3d"
    with pytest.raises(ValueError, match="x: expected"):
        plotting.phase(np.zeros((5, 4)))
    imgs = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], dtype=float)
    ax = plotting.patterns(imgs, (2, 2), gap=1)
    canvas = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(canvas[:2, :2], [[1, 0], [0, 1]])
    np.testing.assert_array_equal(canvas[:2, 3:], [[0, 1], [1, 0]])
    assert np.ma.is_masked(canvas[0, 2]) or np.isnan(canvas[0, 2])  # the gap
    ax = plotting.energy_trace(np.array([3.0, 2.0, 2.0]), label="run")
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [3.0, 2.0, 2.0])
    ax = plotting.capacity_curve(np.array([0.1, 0.2]), np.array([1.0, 0.2]))
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 0.2])
    assert any(l.get_xdata()[0] == 0.138 for l in ax.get_lines()[1:])
