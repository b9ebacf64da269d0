"""Decoder solvers, against Nengo's LstsqL2 and against their defining equations."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def _problem(n_neurons, n_points, seed=0):
    pop = ns.Population(n_neurons, 2, seed=seed, n_eval_points=n_points)
    x = pop.eval_points_
    A = pop.rates(x)
    Y = np.column_stack([x[:, 0], x[:, 0] * x[:, 1], np.sin(x[:, 1])])
    return A, Y


@pytest.mark.parametrize("n_neurons, n_points", [(100, 750), (300, 120)])
def test_lstsql2_matches_nengo(n_neurons, n_points):
    nengo = pytest.importorskip("nengo")
    A, Y = _problem(n_neurons, n_points)
    for reg in (0.1, 0.01):
        D, info = ns.LstsqL2(reg=reg)(A, Y)
        Dn, info_n = nengo.solvers.LstsqL2(reg=reg)(A, Y)
        # the requirement: equal to 1e-8 (decoders are ~1e-3 in size)
        np.testing.assert_allclose(D, Dn, rtol=0, atol=1e-8)
        np.testing.assert_allclose(info["rmses"], info_n["rmses"], rtol=1e-8)
        assert info["dual"] == (n_points < n_neurons)


def test_lstsql2_primal_equals_dual_and_normal_equations():
    A, Y = _problem(80, 60)
    Dp, _ = ns.LstsqL2(reg=0.05, dual=False)(A, Y)
    Dd, _ = ns.LstsqL2(reg=0.05, dual=True)(A, Y)
    # push-through identity; both are Cholesky solves of well-conditioned
    # (regularised) systems, agreement to ~1e-12 relative is expected
    np.testing.assert_allclose(Dp, Dd, rtol=0, atol=1e-10 * np.abs(Dp).max())
    sigma = 0.05 * A.max()
    m, n = A.shape
    # defining equation (A^T A + m sigma^2 I) D = A^T Y
    lhs = (A.T @ A + m * sigma**2 * np.eye(n)) @ Dp
    np.testing.assert_allclose(
        lhs, A.T @ Y, rtol=1e-9, atol=1e-9 * np.abs(A.T @ Y).max()
    )


def test_lstsq_exact_on_consistent_system(rng):
    A = rng.standard_normal((50, 10))
    D_true = rng.standard_normal((10, 2))
    D, info = ns.Lstsq()(A, A @ D_true)
    np.testing.assert_allclose(D, D_true, atol=1e-10)  # full-rank, noiseless system
    assert info["rank"] == 10 and np.all(info["rmses"] < 1e-10)


def test_nnls_nonnegative_and_kkt(rng):
    A, Y = _problem(60, 200)
    for reg in (0.0, 0.1):
        D, info = ns.Nnls(reg=reg)(A, Y[:, :1])
        assert np.all(D >= 0)
        # KKT: gradient of the objective is >= 0 where D == 0 and ~0 where D > 0
        m, n = A.shape
        s = reg * A.max()
        grad = A.T @ (A @ D - Y[:, :1]) + m * s**2 * D
        scale = np.abs(A.T @ Y[:, :1]).max()
        assert np.all(grad[D[:, 0] == 0] > -1e-6 * scale)
        np.testing.assert_allclose(grad[D[:, 0] > 0], 0, atol=1e-6 * scale)


def test_solver_input_errors():
    with pytest.raises(ns.ShapeError, match="same number of rows"):
        ns.LstsqL2()(np.ones((5, 3)), np.ones((4, 1)))
    with pytest.raises(ValueError, match="LstsqL2.reg"):
        ns.LstsqL2(reg=-1)
    with pytest.raises(ns.ShapeError, match="at least one"):
        ns.LstsqL2()(np.ones((0, 3)), np.ones((0, 1)))
