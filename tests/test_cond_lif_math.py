"""Conductance-LIF step math (``kernels.lif``) against closed forms.

``expm1_small`` (a branch-free polynomial ``expm1`` that lets the CPU neuron
pass vectorise) against the library ``math.expm1``; one conductance-LIF step
of the network loop (``kernels.network._lif_cond``) against the exact solution
of ``tau du/dt = J - u + g (E - u)`` with ``g`` held over the step.
"""

import math

import numpy as np
import pytest

from neurosim._jit import compile_family
from neurosim.kernels import network as K
from neurosim.kernels.lif import (
    COND_FUNCTIONS,
    EXPM1_SMALL_MAX,
    cond_lif_coeffs,
    expm1_small,
)

CPU = compile_family(COND_FUNCTIONS, "cpu")
EPS = np.finfo(float).eps


def _ulps(got, want):
    return abs(got - want) / math.ulp(want) if want != 0.0 else abs(got) / 5e-324


@pytest.mark.parametrize("fn", [expm1_small, CPU["expm1_small"]],
                         ids=["python", "njit"])  # fmt: skip
def test_expm1_small_is_within_2_ulp_of_the_library(fn):
    # the whole range, dense near 0 (dt / tau_eff ~ 1e-3 .. 1e-2) where
    # exp(y) - 1 would lose digits, and the k-switch points (-0.5, -1.5,
    # -2.5) ln 2 where the reduction changes
    rng = np.random.default_rng(12)
    ys = np.concatenate([
        -rng.random(2000) * EXPM1_SMALL_MAX,
        -np.logspace(-12, 0, 500),
        np.array([0.0, -EXPM1_SMALL_MAX, -5e-3, -1e-300]),
        np.outer([-0.5, -1.5, -2.5], [1 - 1e-15, 1.0, 1 + 1e-15]).ravel()
        * math.log(2),
    ])  # fmt: skip
    worst = max(_ulps(fn(float(y)), math.expm1(float(y))) for y in ys)
    assert worst <= 2.0
    assert math.isnan(fn(math.nan))


def test_exp_minus_one_would_lose_digits_where_expm1_small_does_not():
    # the reason for expm1: at y = -0.005 (dt / tau_eff of COBA) exp(y) - 1 is
    # off by ~1e-14 relative; expm1_small keeps ~1e-16
    y = -0.005
    want = math.expm1(y)
    assert abs((math.exp(y) - 1.0) - want) / abs(want) > 1e-15
    assert abs(expm1_small(y) - want) / abs(want) < 2 * EPS


def test_coeffs_outside_the_polynomial_range_use_the_library():
    dt, tau = 1e-3, 0.01
    for g in (1000.0, -3.0):  # x = dt (1 + g) / tau: 100.1 and -0.2
        Je, te, full = cond_lif_coeffs(0.5, g, 0.25, dt, tau)
        x = dt * (1 + g) / tau
        assert full == pytest.approx(-math.expm1(-x), rel=4 * EPS)
        assert te == pytest.approx(tau / (1 + g), rel=EPS)
        assert Je == pytest.approx(0.75 / (1 + g), rel=EPS)


def _cond_step(v, J, g, gE, dt, tau, fused=None, rend=None, tk=0.0, tref=0.005):
    """One step of ``_lif_cond``; ``fused = (y1, y2, c1, c2, E1, E2)`` reads the
    conductances from two channels' states instead of ``g``, ``gE``."""
    n = len(v)
    v = np.array(v, dtype=float)
    rend = np.full(n, -1.0) if rend is None else np.array(rend, dtype=float)
    flag = np.zeros(-(-n // 32) * 32, np.uint8)
    ring = np.zeros((1, 4 * n), np.int32)
    over = np.zeros(2, np.int64)
    y = np.zeros(n)
    chans = fused if fused is not None else (y, y, 0.0, 0.0, 0.0, 0.0)
    cnt = K._lif_cond(v, rend, np.asarray(J, float), np.ones(n), np.zeros(n),
                      np.asarray(g, float), np.asarray(gE, float),
                      fused is not None, *chans, flag, dt, tk, tau, tref, ring, 0,
                      0, 0, 4, over)  # fmt: skip
    return v, rend, ring[0, :cnt]


@pytest.mark.parametrize("fused", [False, True])
def test_cond_lif_step_matches_the_closed_form(fused):
    # u(dt) = u_inf + (u0 - u_inf) exp(-dt (1 + g) / tau), u_inf = (J + gE)/(1 + g)
    # (g held over the step); many neurons, so the vector pass and its tail run.
    # fused: g from two channels' states, g = ye + yi, gE = 2 ye - 0.5 yi
    rng = np.random.default_rng(3)
    n, dt, tau = 1001, 1e-4, 0.02
    v0 = rng.uniform(-0.5, 0.9, n)
    ye = rng.uniform(0.0, 200.0, n)  # x up to 2.0: the polynomial's whole range
    yi = rng.uniform(0.0, 200.0, n)
    ye[:5] = [0.0, 1e-12, 485.0, 600.0, 2000.0]  # the last two: library path
    g = ye + yi
    gE = 2.0 * ye - 0.5 * yi
    J = rng.uniform(0.0, 0.9, n)
    chans = (ye, yi, 1.0, 1.0, 2.0, -0.5) if fused else None
    v, _, spikes = _cond_step(v0, J, g, gE, dt, tau, fused=chans)
    u_inf = (J + gE) / (1 + g)
    want = u_inf - (u_inf - v0) * np.exp(-dt * (1 + g) / tau)
    want = np.where(want > 1.0, 0.0, want)  # crossed threshold: reset
    np.testing.assert_array_equal(np.flatnonzero(want == 0.0), spikes)
    # each step is exact up to rounding: a few ulp of the values involved
    scale = np.abs(v0) + np.abs(u_inf)
    assert np.all(np.abs(v - want) <= 8 * EPS * scale)


def test_vector_pass_equals_the_plain_python_math_bit_for_bit():
    # the CUDA kernel runs cond_lif_coeffs + lif_advance (plain Python under
    # the simulator); the CPU's vector pass must give the same bits
    rng = np.random.default_rng(5)
    n, dt, tau = 67, 1e-4, 0.02
    v0 = rng.uniform(-0.5, 0.9, n)
    g = rng.uniform(0.0, 300.0, n)
    gE = -0.3 * g
    J = rng.uniform(0.0, 0.9, n)
    v, _, _ = _cond_step(v0, J, g, gE, dt, tau)
    want = []
    for i in range(n):
        Je, _te, full = cond_lif_coeffs(J[i] * 1.0 + 0.0, g[i], gE[i], dt, tau)
        u = v0[i] + (Je - v0[i]) * full
        want.append(0.0 if u > 1.0 else u)
    np.testing.assert_array_equal(v, want)
