"""The autodiff core: backward, accumulation, broadcasting, deep graphs, dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ShapeError, ann


@pytest.mark.parametrize(
    "grad_shape,shape,expected",
    [
        ((2, 3), (2, 3), None),
        ((4, 2, 3), (2, 3), (2, 3)),
        ((2, 3), (1, 3), (1, 3)),
        ((2, 3), (), ()),
        ((5, 2, 3), (2, 1), (2, 1)),
    ],
)
def test_unbroadcast_sums_broadcast_axes(grad_shape, shape, expected, rng):
    g = rng.standard_normal(grad_shape)
    out = ann.unbroadcast(g, shape)
    assert out.shape == shape
    ref = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    ref = ref.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(out, ref.reshape(shape), rtol=1e-14)


def test_backward_needs_a_seed_for_non_scalar_outputs():
    x = ann.Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(ShapeError, match=r"output has shape \(2, 3\); pass grad="):
        y.backward()
    with pytest.raises(ShapeError, match=r"grad has shape \(3,\).*shape \(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_backward_without_any_trainable_input_is_an_error():
    with pytest.raises(ValueError, match="requires_grad"):
        (ann.Tensor(np.ones(3)) * 2.0).sum().backward()


def test_gradients_accumulate_until_cleared():
    x = ann.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * 2 * x.data)
    x.zero_grad()
    assert x.grad is None


def test_shared_subexpression_gets_both_contributions():
    x = ann.Tensor(np.array([3.0]), requires_grad=True)
    y = x * x
    (y + y * x).sum().backward()  # d/dx (x^2 + x^3) = 2x + 3x^2
    np.testing.assert_allclose(x.grad, [2 * 3.0 + 3 * 9.0], rtol=1e-15)


def test_very_deep_graph_does_not_recurse():
    """20,000 chained ops: far beyond Python's recursion limit (1,000)."""
    x = ann.Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**20_000], rtol=1e-11)


def test_no_grad_records_nothing():
    x = ann.Tensor(np.ones(3), requires_grad=True)
    with ann.no_grad():
        y = (x * 2.0).sum()
        assert not ann.is_grad_enabled()
    assert ann.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None


def test_float32_is_kept_through_python_scalars():
    x = ann.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = (2.0 * x + 1.0) / 3.0 - 0.5
    y = ann.softmax(y**2)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_integer_data_becomes_float64_and_numpy_operands_work():
    x = ann.Tensor([1, 2, 3], requires_grad=True)
    assert x.dtype == np.float64
    (np.array([1.0, 2.0, 3.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])


def test_detach_cuts_the_graph():
    x = ann.Tensor(np.ones(2), requires_grad=True)
    y = (x * 3.0).detach()
    assert not y.requires_grad
    (x * y).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
