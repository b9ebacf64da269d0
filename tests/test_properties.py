"""Property-based tests (hypothesis) of invariants that must hold for any input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neurosim as ns
from neurosim import ann
from neurosim._validation import as_float_array
from neurosim.kernels.lif import lif_advance

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(
    x=arrays(np.float64, (40, 2), elements=finite),
    y=arrays(np.float64, (40, 2), elements=finite),
    a=st.floats(-10, 10),
    tau=st.floats(1e-3, 0.1),
    method=st.sampled_from(["zoh", "impulse"]),
)
def test_filters_are_linear(x, y, a, tau, method):
    syn = ns.Lowpass(tau)
    lhs = syn.filt(a * x + y, 1e-3, method=method)
    rhs = a * syn.filt(x, 1e-3, method=method) + syn.filt(y, 1e-3, method=method)
    scale = np.abs(a * x).max() + np.abs(y).max() + 1.0
    np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-12 * scale * 40)


@SETTINGS
@given(
    v=st.floats(-2.0, 3.0),
    ref=st.floats(0.0, 0.005),
    J=st.floats(-5.0, 500.0),
    dt=st.floats(1e-5, 3e-3),
    tau_ref=st.sampled_from([0.0, 1e-4, 0.002]),
)
def test_lif_step_invariants(v, ref, J, dt, tau_ref):
    tau_rc = 0.02
    full = -math.expm1(-dt / tau_rc)
    v1, ref1, t1, n, period = lif_advance(v, ref, J, dt, tau_rc, tau_ref, full)
    assert ref1 >= 0.0 and n >= 0
    if n == 0:
        assert t1 == -1.0
        assert v1 <= max(v, 1.0)  # no spike: at most where it started, or threshold
    else:
        # spikes inside the step, the last one no later than its end
        assert 0.0 <= t1 <= dt + 1e-15
        assert t1 + (n - 1) * period <= dt * (1 + 1e-12) + 1e-15
        assert v1 < 1.0 or ref1 > 0.0  # never ends a step above threshold and free
    if J > 1.0 and tau_ref == 0.0 and v < 1.0 and ref == 0.0 and n:
        # the count over the step is what the analytic rate allows, within one
        T = tau_rc * math.log1p(1.0 / (J - 1.0))
        assert abs(n - (dt - t1) / T) <= 1.0 + 1e-9


@SETTINGS
@given(
    x=st.one_of(
        arrays(np.complex128, st.integers(1, 4)),
        st.just(None),
        st.just([None, 1.0]),
        st.text(min_size=1, max_size=3),
    )
)
def test_non_real_input_is_refused_by_name(x):
    with pytest.raises(TypeError, match="^x: "):
        as_float_array("x", x)


@SETTINGS
@given(
    p=arrays(np.float64, 6, elements=st.floats(0.0, 1.0)),
    t=arrays(np.float64, 6, elements=st.floats(0.0, 1.0)),
)
def test_binary_cross_entropy_is_finite_and_matches_torch(p, t):
    torch = pytest.importorskip("torch")
    ours = ann.binary_cross_entropy(p, t).item()
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.from_numpy(p), torch.from_numpy(t)
    ).item()
    assert np.isfinite(ours)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


@settings(max_examples=10, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_saved_mlp_gives_the_same_outputs(tmp_path_factory, sizes, seed):
    mlp = ann.MLP(sizes, activation="tanh", seed=seed)
    path = tmp_path_factory.mktemp("mlp") / "m.npz"
    ns.save(mlp, path)
    x = np.random.default_rng(seed).standard_normal((3, sizes[0]))
    np.testing.assert_array_equal(ns.load(path)(x).data, mlp(x).data)
