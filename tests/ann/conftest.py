"""Finite-difference gradient check shared by the ann tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from neurosim import ann

# Central differences, step 1e-6, float64: truncation error ~ eps**2 * f''' ~ 1e-12
# and round-off ~ 1e-16 * |f| / eps ~ 1e-10 relative, so 1e-6 leaves a wide margin
# while any wrong term in a backward pass gives errors of order 1.
EPS = 1e-6
RTOL = 1e-6


def _loss_value(fn, weights) -> float:
    with ann.no_grad():
        outs = fn()
    outs = outs if isinstance(outs, tuple) else (outs,)
    return float(sum(np.sum(o.data * w) for o, w in zip(outs, weights, strict=True)))


def check_gradients(
    fn: Callable[[], ann.Tensor | tuple[ann.Tensor, ...]],
    leaves: Sequence[ann.Tensor],
    *,
    seed: int = 0,
    max_elements: int | None = None,
) -> float:
    """Compare backward() with central differences for ``loss = sum_i <out_i, R_i>``.

    ``fn`` recomputes the outputs from the current data of ``leaves`` (float64
    Tensors with requires_grad). Returns the worst relative error (norm of the
    difference over the larger norm) and asserts it is below ``RTOL``.
    """
    rng = np.random.default_rng(seed)
    outs = fn()
    outs = outs if isinstance(outs, tuple) else (outs,)
    weights = [rng.standard_normal(o.shape) for o in outs]
    for leaf in leaves:
        assert leaf.dtype == np.float64
        leaf.grad = None
    loss = outs[0].sum() * 0.0
    for o, w in zip(outs, weights, strict=True):
        loss = loss + (o * w).sum()
    loss.backward()
    worst = 0.0
    for k, leaf in enumerate(leaves):
        analytic = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad
        flat = leaf.data.reshape(-1)
        idx = np.arange(flat.size)
        if max_elements is not None and flat.size > max_elements:
            idx = rng.choice(flat.size, max_elements, replace=False)
        numeric = np.zeros(len(idx))
        for j, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + EPS
            up = _loss_value(fn, weights)
            flat[i] = old - EPS
            down = _loss_value(fn, weights)
            flat[i] = old
            numeric[j] = (up - down) / (2 * EPS)
        a = analytic.reshape(-1)[idx]
        scale = max(np.linalg.norm(a), np.linalg.norm(numeric), 1e-300)
        err = np.linalg.norm(a - numeric) / scale
        assert np.linalg.norm(numeric) > 0 or np.linalg.norm(a) == 0, f"leaf {k}"
        assert err < RTOL, f"leaf {k} (shape {leaf.shape}): relative error {err:.2e}"
        worst = max(worst, err)
    return worst


@pytest.fixture
def gradcheck():
    return check_gradients


def leaf(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> ann.Tensor:
    return ann.Tensor(rng.standard_normal(shape) * scale, requires_grad=True)


@pytest.fixture
def make_leaf(rng):
    return lambda *shape, scale=1.0: leaf(rng, *shape, scale=scale)
