"""Synapses: closed-form kernels, exact discretisation, offline vs online filtering."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.signal

import neurosim as ns

SYNAPSES = [
    ns.Lowpass(0.005),
    ns.Alpha(0.004),
    ns.PSC(3, 0.002),
    ns.DoubleExp(0.001, 0.01),
    ns.DoubleExp(0.01, 0.001),  # rise slower than decay: same kernel, swapped
]
IDS = [repr(s) for s in SYNAPSES]


def _closed_form(syn, t):
    """The textbook kernels written independently of neurosim's code."""
    t = np.asarray(t, float)
    if isinstance(syn, ns.Lowpass):
        h = np.exp(-t / syn.tau) / syn.tau
    elif isinstance(syn, ns.PSC):
        n, tau = syn.n, syn.tau
        h = t**n * np.exp(-t / tau) / (math.factorial(n) * tau ** (n + 1))
    else:
        tr, td = syn.tau_rise, syn.tau_decay
        h = (np.exp(-t / td) - np.exp(-t / tr)) / (td - tr)
    return np.where(t >= 0, h, 0.0)


@pytest.mark.parametrize("syn", SYNAPSES, ids=IDS)
def test_impulse_closed_form_and_unit_area(syn):
    t = np.linspace(-0.01, 0.2, 2001)
    h = syn.impulse(t)
    # same formula evaluated two ways: agreement to a few ulps of the peak
    np.testing.assert_allclose(h, _closed_form(syn, t), rtol=1e-12, atol=1e-12)
    # the generic transfer-function path (matrix exponential) agrees too
    generic = ns.LinearFilter(syn.num, syn.den).impulse(t)
    np.testing.assert_allclose(generic, h, rtol=1e-9, atol=1e-9 * h.max())
    # numerical area: quad on pieces of a few time constants, then the tail
    taus = [
        getattr(syn, a) for a in ("tau", "tau_rise", "tau_decay") if hasattr(syn, a)
    ]
    edges = np.array([0.0, *(k * max(taus) for k in (1, 3, 10, 30))])
    area = sum(
        scipy.integrate.quad(syn.impulse, a, b, epsabs=1e-14, epsrel=1e-14, limit=200)[
            0
        ]
        for a, b in zip(edges[:-1], edges[1:])
    )
    area += scipy.integrate.quad(syn.impulse, edges[-1], np.inf, epsabs=1e-14)[0]
    assert abs(area - 1.0) < 1e-9  # issue's bound; quad's own error is ~1e-14
    assert syn.area == 1.0


def test_double_exp_equal_taus_is_alpha():
    t = np.linspace(0, 0.1, 501)
    a = ns.Alpha(0.005).impulse(t)
    np.testing.assert_allclose(ns.DoubleExp(0.005, 0.005).impulse(t), a, rtol=1e-13)
    # nearly equal: the expm1 form stays accurate (naive difference loses ~8 digits)
    near = ns.DoubleExp(0.005, 0.005 * (1 + 1e-10)).impulse(t)
    np.testing.assert_allclose(near, a, rtol=1e-8, atol=1e-8 * a.max())


@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_lowpass_step_response_exact(dt):
    tau = 0.005
    n = 2000
    y = ns.Lowpass(tau).filt(np.ones(n), dt=dt)
    t = np.arange(n) * dt
    # ZOH is exact for a step: only float64 rounding, accumulated over n steps
    np.testing.assert_allclose(y, -np.expm1(-t / tau), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("syn", SYNAPSES, ids=IDS)
def test_zoh_step_response_matches_continuous(syn):
    dt = 5e-4
    n = 400
    y = syn.filt(np.ones(n), dt=dt)
    # continuous step response of H(s) evaluated exactly by scipy (lsim of a step)
    t = np.arange(n) * dt
    _, ref = scipy.signal.step((syn.num, syn.den), T=t)
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9)  # both exact, rounding


def _spike_case(rng, dt, n_steps=600, n_spikes=25):
    idx = np.sort(rng.choice(n_steps // 2, n_spikes, replace=False))
    w = rng.uniform(0.5, 2.0, n_spikes)
    u = np.zeros(n_steps)
    u[idx] = w / dt
    return idx, w, u


@pytest.mark.parametrize("syn", SYNAPSES, ids=IDS)
def test_impulse_method_equals_filtered_spike_train_and_convolution(syn, rng):
    dt = 1e-3
    idx, w, u = _spike_case(rng, dt)
    t = np.arange(u.size) * dt
    y = syn.filt(u, dt=dt, method="impulse")
    exact = ns.filtered_spike_train(idx * dt, syn, t, weights=w)
    conv = np.convolve(u, syn.impulse(t) * dt)[: u.size]
    scale = np.abs(exact).max()
    # impulse invariance is exact: only rounding (state recursion over 600 steps)
    np.testing.assert_allclose(y, exact, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(y, conv, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("syn", SYNAPSES, ids=IDS)
def test_zoh_filt_of_spikes_discretisation_error(syn, rng):
    """ZOH holds each 1/dt impulse over its step, so y[k] is the mean of h over
    [t_k - t_p - dt, t_k - t_p]: the midpoint rule says it is within
    dt**2/24 max|h''| of h(t_k - t_p - dt/2), and O(dt) from h(t_k - t_p)."""
    tt = np.linspace(0.0, 0.1, 100001)
    h2 = np.abs(np.diff(syn.impulse(tt), 2)).max() / (tt[1] - tt[0]) ** 2
    errs, errs_sampled = [], []
    coarse, _, _ = _spike_case(rng, 1e-4, n_steps=600, n_spikes=10)
    w = rng.uniform(0.5, 2.0, coarse.size)
    for dt in (1e-4, 5e-5):  # the same spike times on both grids
        idx = coarse * round(1e-4 / dt)
        u = np.zeros(round(0.06 / dt))
        u[idx] = w / dt
        t = np.arange(u.size) * dt
        y = syn.filt(u, dt=dt)
        mid = ns.filtered_spike_train(idx * dt + dt / 2, syn, t, weights=w)
        sampled = ns.filtered_spike_train(idx * dt, syn, t, weights=w)
        # one-step delay: the sample at the first spike sees nothing of it yet
        assert y[idx[0]] == 0.0
        # 1.01: max|h''| is itself estimated by finite differences on a grid
        err = np.abs(y - mid).max()
        assert err <= 1.01 * dt**2 / 24 * h2 * w.sum()
        errs.append(err)
        errs_sampled.append(np.abs(y - sampled).max())
    # second order against the half-step-shifted train: halving dt quarters it
    assert errs[1] < errs[0] / 3
    # against the train sampled at t_k the error is first order (shift of dt/2)
    assert errs_sampled[1] > errs_sampled[0] / 3


@pytest.mark.parametrize("syn", SYNAPSES, ids=IDS)
@pytest.mark.parametrize("method", ["zoh", "impulse"])
def test_online_step_matches_filt_exactly(syn, method, rng):
    dt = 1e-3
    x = rng.normal(size=(200, 3, 2)) * 50
    y = syn.filt(x, dt=dt, method=method, y0=1.5)
    step = syn.step_function(dt, shape=(3, 2), method=method, y0=1.5)
    online = np.stack([step(xk) for xk in x])
    np.testing.assert_array_equal(online, y)  # same compiled update: bit for bit


def test_filt_axis_and_y0():
    syn = ns.Alpha(0.01)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 300))
    y1 = syn.filt(x, dt=1e-3, axis=1)
    y0 = syn.filt(x.T, dt=1e-3, axis=0).T
    np.testing.assert_array_equal(y1, y0)
    # starting at steady state y0 under constant input y0 stays there (DC gain 1)
    c = np.full((100, 2), 3.0)
    np.testing.assert_allclose(syn.filt(c, dt=1e-3, y0=3.0), c, rtol=1e-12)


def test_generic_filter_matches_lfilter_of_its_discretisation():
    syn = ns.LinearFilter([0.002, 1.0], [1e-5, 0.006, 1.0])  # has a zero
    dt = 1e-3
    A, B, C, D = syn.discretize(dt)
    num, den = scipy.signal.ss2tf(A, B[:, None], C[None, :], np.array([[D]]))
    x = np.random.default_rng(1).normal(size=500)
    ref = scipy.signal.lfilter(num[0], den, x)
    np.testing.assert_allclose(syn.filt(x, dt=dt), ref, rtol=1e-9, atol=1e-9)
    # scipy's own ZOH discretisation of the same transfer function
    Ad, Bd, Cd, Dd, _ = scipy.signal.cont2discrete(
        scipy.signal.tf2ss(syn.num, syn.den), dt, method="zoh"
    )
    np.testing.assert_allclose(A, Ad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(B, Bd[:, 0], rtol=1e-12, atol=1e-14)


def test_lowpass_discretize_is_the_network_event_rule():
    tau, dt = 0.005, 1e-4
    A, B, C, D = ns.Lowpass(tau).discretize(dt, method="impulse")
    a = math.exp(-dt / tau)
    assert A.dtype == np.float64 and A.shape == (1, 1)
    # output s[k] = a s[k-1] + w/tau for a spike of weight w = u dt
    s_prev, w = 2.0, 0.7
    x = s_prev * a  # state before the step's input
    u = w / dt
    s = C[0] * x + D * u
    assert s == pytest.approx(a * s_prev + w / tau, rel=1e-15)
    A, B, C, D = ns.Lowpass(tau).discretize(dt)
    assert D == 0.0 and B[0] == pytest.approx(1 - a, rel=1e-15)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ns.Lowpass(0.0), "Lowpass.tau: must be > 0"),
        (lambda: ns.Lowpass(-1e-3), "Lowpass.tau"),
        (lambda: ns.Alpha(float("nan")), "Alpha.tau: must be finite"),
        (lambda: ns.PSC(-1, 0.01), "PSC.n: must be >= 0"),
        (lambda: ns.PSC(1.5, 0.01), "PSC.n: must be an integer"),
        (lambda: ns.DoubleExp(0.0, 0.01), "DoubleExp.tau_rise"),
        (lambda: ns.LinearFilter([1.0, 0.0, 0.0], [1.0, 1.0]), "improper"),
        (lambda: ns.LinearFilter([1.0], [0.0, 0.0]), "den: must have a nonzero"),
        (lambda: ns.Lowpass(0.01).filt(np.ones(3), dt=0.0), "dt: must be > 0"),
        (lambda: ns.Lowpass(0.01).filt(np.ones(3), dt=-1e-3), "dt"),
        (lambda: ns.Lowpass(0.01).discretize(1e-3, method="tustin"), "method"),
        (lambda: ns.Lowpass(0.01).filt(np.ones(3), 1e-3, axis=2), "axis"),
        (lambda: ns.LinearFilter([1.0], [1.0, 0.0]).filt(np.ones(3), 1e-3, y0=1), "y0"),
    ],
)
def test_bad_input_raises(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_types_raise():
    with pytest.raises(TypeError, match="Lowpass.tau"):
        ns.Lowpass("5ms")
    with pytest.raises(ValueError, match="u: expected shape"):
        ns.Lowpass(0.01).step_function(1e-3, shape=3)(np.ones(2))


@pytest.mark.parametrize("name", ["Lowpass", "Alpha"])
def test_matches_nengo_with_one_step_shift(name, rng):
    nengo = pytest.importorskip("nengo")
    dt, tau = 1e-3, 0.005
    x = rng.normal(size=(300, 2)) * 100
    ours = getattr(ns, name)(tau).filt(x, dt=dt)
    theirs = getattr(nengo, name)(tau).filt(x, dt=dt, y0=0)
    # nengo reports the ZOH output at the end of each step (t_{k+1}); neurosim
    # reports it at t_k (one-step delay): same numbers shifted by one sample.
    # Different but exact realisations, so agreement to rounding.
    np.testing.assert_allclose(ours[1:], theirs[:-1], rtol=1e-10, atol=1e-10)
    assert np.all(ours[0] == 0.0)


def test_psc_kernels_plot():
    from neurosim import plotting

    syns = [ns.Lowpass(0.005), ns.Alpha(0.005)]
    ax = plotting.psc_kernels(syns)
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(
        lines[1].get_ydata(), syns[1].impulse(lines[1].get_xdata() / 1e3)
    )


def test_psc_high_order_has_no_overflow():
    syn = ns.PSC(60, 0.001)
    t = np.linspace(0, 10.0, 100001)
    h = syn.impulse(t)
    assert np.all(np.isfinite(h)) and h[0] == 0.0 and h[-1] == 0.0
    assert np.argmax(h) * 1e-4 == pytest.approx(60 * 0.001, abs=1e-4)  # peak at n tau
    # trapezoid on a 0.1 ms grid of a smooth 60 ms-wide bump: error << 1e-9
    assert abs(np.trapezoid(h, t) - 1.0) < 1e-9


def test_event_rule_loop_equals_filt_and_exact_train(rng):
    """The seed's current-based synapse, s <- s exp(-dt/tau) + w/tau per spike."""
    tau, dt = 0.005, 1e-4
    idx, w, u = _spike_case(rng, dt, n_steps=500, n_spikes=30)
    a = np.exp(-dt / tau)
    s, event = 0.0, np.empty(u.size)
    for k in range(u.size):  # what a network's compiled loop does
        s = s * a + u[k] * dt / tau
        event[k] = s
    syn = ns.Lowpass(tau)
    t = np.arange(u.size) * dt
    exact = ns.filtered_spike_train(idx * dt, syn, t, weights=w)
    scale = exact.max()
    # same recursion as filt(method="impulse"), rounding differs by a few ulps
    np.testing.assert_allclose(
        event, syn.filt(u, dt, method="impulse"), atol=1e-12 * scale
    )
    np.testing.assert_allclose(event, exact, rtol=0, atol=1e-12 * scale)
    # ZOH arrays: the same current averaged over the step, one step later,
    # with exactly the same total charge sum(s) dt = sum(w) (tail included)
    zoh = syn.filt(np.concatenate([u, np.zeros(20000)]), dt)
    assert zoh.sum() * dt == pytest.approx(w.sum(), rel=1e-12)


def test_event_rule_matches_brian2(rng):
    b2 = pytest.importorskip("brian2")
    b2.prefs.codegen.target = "numpy"
    dt, tau, n_steps = 1e-4, 0.005, 300
    idx = np.sort(rng.choice(150, 10, replace=False))
    weights = rng.uniform(0.5, 2.0, 10)
    b2.defaultclock.dt = dt * b2.second
    src = b2.SpikeGeneratorGroup(10, np.arange(10), idx * dt * b2.second)
    post = b2.NeuronGroup(
        1, "ds/dt = -s/tau_s : 1", method="exact", namespace={"tau_s": tau * b2.second}
    )
    syn = b2.Synapses(src, post, "w_syn : 1", on_pre="s += w_syn/tau_v")
    syn.namespace["tau_v"] = tau
    syn.connect(i=np.arange(10), j=0)
    syn.w_syn = weights
    mon = b2.StateMonitor(post, "s", record=0)
    b2.Network(src, post, syn, mon).run(n_steps * dt * b2.second)
    rec = np.asarray(mon.s[0])
    u = np.zeros(n_steps)
    u[idx] = weights / dt
    ours = ns.Lowpass(tau).filt(u, dt, method="impulse")
    # brian2 records at the start of a step, before that step's decay and
    # spike delivery: its sample k is our output at k - 1. Both are exact
    # (exponential decay + jump), so agreement to rounding.
    assert np.all(rec[: idx[0] + 1] == 0.0)
    np.testing.assert_allclose(rec[1:], ours[:-1], rtol=0, atol=1e-12 * ours.max())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("syn", [ns.Lowpass(0.005), ns.Alpha(0.005)])
def test_filt_rejects_non_finite_input(syn, bad):
    x = np.ones((200, 3))
    x[50, 1] = bad  # one bad sample in one channel, long before the end
    with pytest.raises(ValueError, match="x: contains NaN or infinite"):
        syn.filt(x, dt=1e-3)


def test_impulse_method_with_direct_term_against_residues(rng):
    """A proper (not strictly) filter, reference from scipy's partial fractions.

    H(s) = Dc + sum_i r_i / (s - p_i), so a spike of weight w at t_j adds
    w sum_i r_i exp(p_i (t_k - t_j)) to y[k] for t_k >= t_j, and its Dirac part
    Dc w appears as Dc w / dt in the sample of its own step (u[k] = w / dt).
    """
    num = [0.5 * 2e-5, 0.03, 2.0]  # H(0) = 2, direct term 0.5
    den = [2e-5, 0.012, 1.0]  # poles -1/0.002 and -1/0.01
    syn = ns.LinearFilter(num, den)
    dt = 2e-4
    u = rng.standard_normal(300)
    y = syn.filt(u, dt, method="impulse")
    r, p, k = scipy.signal.residue(num, den)
    assert k.size == 1 and k[0] == pytest.approx(0.5, rel=1e-12)
    t = np.arange(u.size) * dt
    h = np.real(np.exp(np.outer(t, p)) @ r)  # strictly proper part, h(0+) included
    ref = k[0] * u + np.convolve(u * dt, h)[: u.size]
    # two independent evaluations of the same exponentials: rounding only
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_y0_of_a_zero_dc_gain_filter_raises():
    # s / (tau1 s + 1)(tau2 s + 1): H(0) = 0, so no constant input holds y0 != 0
    # (the discrete gain is rounding noise; it used to return ~3e13)
    syn = ns.LinearFilter([0.01, 0.0], [1e-4, 0.02, 1.0])
    with pytest.raises(ValueError, match="y0: .* zero DC gain"):
        syn.filt(np.ones(5), 1e-3, y0=1.0)
    np.testing.assert_array_equal(syn.filt(np.zeros(5), 1e-3, y0=0.0), 0.0)
