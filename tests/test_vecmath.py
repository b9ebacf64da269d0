"""The branch-free ``exp`` and ``expm1`` of the generated model kernels.

Checked against the exact values (mpmath, 50 digits) and against the C
library over the whole double range, for the compiled functions and for the
same source run as Python (what the CUDA simulator runs), which must agree
bit for bit.
"""

import math

import numpy as np
import pytest

from neurosim._jit import compile_family, njit
from neurosim.kernels import vecmath

_cpu = compile_family({fn.__name__: fn for fn in vecmath.FUNCTIONS}, "cpu")
vexp, vexpm1 = _cpu["vec_exp"], _cpu["vec_expm1"]
libm_exp = njit(lambda x: math.exp(x), cache=False)
libm_expm1 = njit(lambda x: math.expm1(x), cache=False)


@njit(cache=False)
def _map(f, x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = f(x[i])
    return out


RANGES = [(-1e-12, 1e-12), (-0.4, 0.4), (-3.0, 3.0), (-40.0, 40.0),
          (-708.0, 708.0), (-745.0, -708.0), (700.0, 709.78)]  # fmt: skip


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


@pytest.mark.parametrize(
    ("ours", "libm", "bound"), [(vexp, libm_exp, 1.0), (vexpm1, libm_expm1, 2.0)]
)
def test_within_ulps_of_the_c_library(ours, libm, bound):
    rng = np.random.default_rng(0)
    for lo, hi in RANGES:
        x = rng.uniform(lo, hi, 200_000)
        err = _ulps(_map(ours, x), _map(libm, x))
        assert err.max() <= bound, (lo, hi, err.max())


def test_against_exact_values():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-40, 40, 1500), rng.uniform(-1, 1, 1500),
                        rng.uniform(-700, 700, 500)])  # fmt: skip
    exact = np.array([float(mpmath.exp(mpmath.mpf(v))) for v in x])
    exact_m1 = np.array([float(mpmath.expm1(mpmath.mpf(v))) for v in x])
    # correctly rounded values differ from the exact ones by <= 0.5 ulp
    assert _ulps(_map(vexp, x), exact).max() <= 1.0
    assert _ulps(_map(vexpm1, x), exact_m1).max() <= 2.0
    assert np.mean(_map(vexp, x) == exact) > 0.85


def test_special_values():
    x = np.array([0.0, -0.0, 1e-300, -5e-324, 709.78, 709.79, 710.0, 1e4,
                  -745.1, -745.2, -746.0, -1e4, np.inf, -np.inf, np.nan])  # fmt: skip
    with np.errstate(over="ignore"):
        want, want_m1 = np.exp(x), np.expm1(x)
    for got, ref in ((_map(vexp, x), want), (_map(vexpm1, x), want_m1)):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        ok = ~np.isnan(ref)
        np.testing.assert_allclose(got[ok], ref[ok], rtol=3e-16, atol=0.0)
        # the sign of zero and the smallest subnormal come out exactly
        np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(ref[ok]))
    assert _map(vexp, np.array([-745.1]))[0] == 5e-324


def test_python_and_compiled_agree_bit_for_bit():
    # the CUDA simulator runs the source as Python; the CPU kernels compiled
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-50, 50, 300), [0.0, -0.0, 709.9, -745.5]])
    with np.errstate(over="ignore"):
        for fn, jitted in ((vecmath.vec_exp, vexp), (vecmath.vec_expm1, vexpm1)):
            py = np.array([fn(float(v)) for v in x])
            np.testing.assert_array_equal(py, _map(jitted, x))
