r"""``exp`` and ``expm1`` in plain arithmetic, so loops over neurons vectorise.

A call of the C library's ``exp`` stops LLVM from vectorising a loop (numba
has no vector math library here: no SVML), and a Hodgkin-Huxley step makes
about ten such calls per neuron. The functions below compute the same values
in branch-free double arithmetic, so a loop over neurons that uses them runs
four neurons per instruction (AVX2):

* range reduction ``x = k \ln 2 + r``, ``|r| <= \ln 2 / 2``, with ``k``
  rounded by the ``1.5 \cdot 2^{52}`` trick and ``\ln 2`` split in two
  (Cody & Waite: ``k \ln 2_{hi}`` is exact);
* the Taylor polynomial of degree 13 in Horner form (truncation below
  ``|r|^{14} / 14! < 5 \cdot 10^{-18}``);
* the scale ``2^k`` assembled from its bits, in two factors
  ``2^{k_1} 2^{k - k_1}`` so that subnormal and overflowing results come out
  right (``exp`` is 0 below -746, ``inf`` above 709.8; NaN stays NaN).

Measured against the C library (``tests/test_vecmath.py``, two million
points per range): ``exp`` within 1 ulp, ``expm1`` within 2 ulp, over the
whole double range; about 10 % of ``exp`` values differ from the library's
in the last bit. Used by the generated model kernels
(:mod:`neurosim.kernels.models`) in place of ``math.exp`` and ``math.expm1``,
on the CPU and in CUDA device code alike (the same numbers on both).

References
----------
Cody, W. J. & Waite, W. (1980). Software Manual for the Elementary
Functions. Prentice-Hall.
"""

from __future__ import annotations

import numpy as np

#: 1.5 * 2**52: adding it rounds a double of magnitude below 2**51 to an integer.
_ROUND = 6755399441055744.0


def _vec_reduce(x):
    """``(r, s1, s2)`` with ``x = k ln 2 + r``, ``s1 s2 = 2^k``, ``|r| <= ln 2 / 2``."""
    x = 710.0 if x > 710.0 else x  # exp(710) overflows; keeps k in range
    x = -746.0 if x < -746.0 else x  # exp(-746) underflows to 0
    t = x * 1.4426950408889634 + 6755399441055744.0
    k = t - 6755399441055744.0
    r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
    # 2^k as two factors 2^k1 2^(k - k1), each with a normal exponent; the
    # integer bits of t1 (t2) are k1 (k - k1) plus those of 1.5 * 2^52, whose
    # own low 12 bits are zero, so shifting by 52 leaves (k1 + 1023) << 52
    t1 = k * 0.5 + 6755399441055744.0
    t2 = (k - (t1 - 6755399441055744.0)) + 6755399441055744.0
    s1 = np.int64((np.float64(t1).view(np.int64) + 1023) << 52).view(np.float64)
    s2 = np.int64((np.float64(t2).view(np.int64) + 1023) << 52).view(np.float64)
    return r, s1, s2


def _vec_taylor(r):
    """``(e^r - 1 - r) / r^2`` by its Taylor series to degree 11 (``r^13`` term)."""
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    return p * r + 0.5


def vec_exp(x):
    """``e^x`` within 1 ulp of the C library, without a library call."""
    r, s1, s2 = _vec_reduce(x)
    p = _vec_taylor(r) * r + 1.0
    return (p * r + 1.0) * s1 * s2


def vec_expm1(x):
    """``e^x - 1`` within 2 ulp of the C library, accurate as ``x -> 0``.

    ``e^x - 1 = 2^k q + (2^k - 1)`` with ``q = e^r - 1`` (``2^k - 1`` is
    exact for the ``k`` where it matters); for ``k`` near the overflow the
    scale is applied in two factors.
    """
    r, s1, s2 = _vec_reduce(x)
    q = r + r * r * _vec_taylor(r) if r != 0.0 else r  # keeps the sign of -0.0
    s = s1 * s2
    e = s * q + (s - 1.0) if s < 1e300 else s1 * (s2 * (1.0 + q))
    return e if s != 1.0 else q  # the same number, but -0.0 stays -0.0


#: The functions, in the order a generated module defines them.
FUNCTIONS = (_vec_reduce, _vec_taylor, vec_exp, vec_expm1)
#: ``math`` (or ``numpy``) function name -> its replacement here.
REPLACEMENTS = {"exp": "vec_exp", "expm1": "vec_expm1"}
