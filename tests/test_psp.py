"""psp_weight: the weight whose single-spike PSP peaks at the asked amplitude."""

import numpy as np
import pytest

import neurosim as ns


def test_lowpass_peak_closed_form():
    tm, ts = 0.02, 0.005
    t_peak, peak = ns.psp_peak(ns.LIFNeuron(tau_m=tm), ns.Lowpass(ts))
    t_star = np.log(tm / ts) * tm * ts / (tm - ts)
    ref = (np.exp(-t_star / tm) - np.exp(-t_star / ts)) / (tm - ts)
    assert t_peak == pytest.approx(t_star, rel=1e-6)
    assert peak == pytest.approx(ref, rel=1e-12)
    assert peak == pytest.approx(31.5, abs=0.01)  # the number
    # neither of the usual guesses is right
    assert abs(1 / peak - ts) > 0.5 * ts and abs(1 / peak - tm) > 0.5 * tm


def test_alpha_equal_taus_and_delta_closed_forms():
    tau = 0.01
    # alpha synapse t e^{-t/tau}/tau^2 into a membrane of the same tau:
    # (k * h)(t) = t^2 e^{-t/tau} / (2 tau^3), peak at t = 2 tau
    t_peak, peak = ns.psp_peak(ns.LIF(tau_rc=tau), ns.Alpha(tau))
    assert t_peak == pytest.approx(2 * tau, rel=1e-6)
    assert peak == pytest.approx(2 * np.exp(-2) / tau, rel=1e-12)
    assert ns.psp_peak(ns.LIFNeuron(tau_m=0.02), None) == (0.0, 50.0)


@pytest.mark.parametrize(
    "synapse",
    [ns.Lowpass(0.005), ns.Alpha(0.003), ns.DoubleExp(0.001, 0.008)],
    ids=["lowpass", "alpha", "doubleexp"],
)
@pytest.mark.parametrize("amplitude", [0.5e-3, -1e-3])
def test_simulated_single_psp_has_the_asked_peak(synapse, amplitude):
    cell = ns.LIFNeuron(tau_m=0.02, v_rest=-0.070, v_th=-0.050, v_reset=-0.070)
    w = ns.psp_weight(amplitude, cell, synapse)
    net = ns.Network(seed=0)
    src = net.add(ns.NeuronGroup(1, ns.SpikeSource([[0.002]])))
    post = net.add(ns.NeuronGroup(1, cell, v0=-0.070))
    net.connect(src, post, np.array([[w]]), synapse=synapse)
    mon = net.monitor_state(post, "v", record=[0], every=1)
    dt = 1e-5
    ns.Simulator(net, dt=dt, backend="cpu", progress=False).run(0.08)
    psp = mon.v[:, 0] + 0.070
    extreme = psp.max() if amplitude > 0 else psp.min()
    # sampled on a 10 us grid, the smooth peak is missed by < 1e-6 relative
    assert extreme == pytest.approx(amplitude, rel=1e-5)
    t_peak, _ = ns.psp_peak(cell, synapse)
    k = np.argmax(np.abs(psp))
    assert abs(mon.t[k] - 0.002 - t_peak) <= 2 * dt


def test_bad_arguments():
    with pytest.raises(TypeError, match="neuron: expected"):
        ns.psp_weight(1e-3, ns.HodgkinHuxley(), ns.Lowpass(0.005))
    with pytest.raises(TypeError, match="synapse: expected"):
        ns.psp_weight(1e-3, ns.LIFNeuron(), 0.005)
    with pytest.raises(ValueError, match="amplitude"):
        ns.psp_weight(float("nan"), ns.LIFNeuron(), ns.Lowpass(0.005))
    with pytest.raises(ValueError, match="strictly proper"):
        ns.psp_weight(1e-3, ns.LIFNeuron(), ns.LinearFilter([1.0, 1.0], [0.01, 1]))
