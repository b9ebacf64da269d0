"""Every op against central finite differences (float64), plus forward values."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ShapeError, ValidationError, ann
from neurosim.ann import functions as F

BINARY_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # row broadcast
    ((2, 1, 4), (3, 1)),  # both sides broadcast
    ((), (2, 3)),  # 0-d tensor
]


@pytest.mark.parametrize("op", [F.add, F.sub, F.mul, F.div])
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_binary_ops_with_broadcasting(op, shapes, make_leaf, gradcheck):
    a, b = make_leaf(*shapes[0]), make_leaf(*shapes[1])
    if op is F.div:
        b.data[...] = np.abs(b.data) + 0.5  # keep away from division by ~0
    out = op(a, b)
    np.testing.assert_array_equal(
        out.data,
        {F.add: np.add, F.sub: np.subtract, F.mul: np.multiply, F.div: np.divide}[op](
            a.data, b.data
        ),
    )
    gradcheck(lambda: op(a, b), [a, b])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a + 2.0,
        lambda a: 2.0 + a,
        lambda a: a - 3.0,
        lambda a: 3.0 - a,
        lambda a: a * 1.5,
        lambda a: 1.5 * a,
        lambda a: a / 4.0,
        lambda a: 2.0 / a,
        lambda a: -a,
        lambda a: a**3,
        lambda a: F.abs(a),
    ],
)
def test_scalar_ops(fn, make_leaf, gradcheck):
    a = make_leaf(3, 4)
    a.data[...] = np.sign(a.data) * (np.abs(a.data) + 0.5)
    gradcheck(lambda: fn(a), [a])


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3, 4), (4, 5)),
        ((2, 3, 4), (4, 5)),
        ((2, 1, 3, 4), (5, 4, 2)),
        ((4,), (4, 3)),
        ((3, 4), (4,)),
        ((4,), (4,)),
    ],
)
def test_matmul(sa, sb, make_leaf, gradcheck):
    a, b = make_leaf(*sa), make_leaf(*sb)
    np.testing.assert_allclose((a @ b).data, a.data @ b.data, rtol=1e-15, atol=0)
    gradcheck(lambda: a @ b, [a, b])


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias, make_leaf, gradcheck):
    x, w, b = make_leaf(2, 3, 4), make_leaf(5, 4), make_leaf(5)
    args = (x, w, b) if bias else (x, w)
    ref = x.data @ w.data.T + (b.data if bias else 0)
    np.testing.assert_allclose(F.linear(*args).data, ref, rtol=1e-14)
    gradcheck(lambda: F.linear(*args), list(args))


@pytest.mark.parametrize(
    "axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False)]
)
@pytest.mark.parametrize("op", [F.sum, F.mean, F.max])
def test_reductions(op, axis, keepdims, make_leaf, gradcheck):
    a = make_leaf(3, 4, 2)
    np_op = {F.sum: np.sum, F.mean: np.mean, F.max: np.max}[op]
    np.testing.assert_allclose(
        op(a, axis, keepdims).data,
        np_op(a.data, axis=axis, keepdims=keepdims),
        rtol=1e-14,
    )
    gradcheck(lambda: op(a, axis, keepdims), [a])


def test_max_ties_share_gradient():
    a = ann.Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    F.max(a).backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 0.5])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.reshape(4, 6),
        lambda a: a.reshape(-1),
        lambda a: a.T,
        lambda a: a.transpose(1, 0, 2),
        lambda a: a[1],
        lambda a: a[:, 1:3, ::-1],
        lambda a: a[np.array([0, 0, 1])],  # repeated index accumulates
        lambda a: a[a.data > 0],
    ],
)
def test_shape_ops(fn, make_leaf, gradcheck):
    a = make_leaf(2, 3, 4)
    gradcheck(lambda: fn(a), [a])


def test_concat_and_stack(make_leaf, gradcheck):
    a, b, c = make_leaf(2, 3), make_leaf(2, 1), make_leaf(2, 3)
    np.testing.assert_array_equal(
        F.concat([a, b], axis=1).data, np.concatenate([a.data, b.data], 1)
    )
    gradcheck(lambda: F.concat([a, b], axis=-1), [a, b])
    gradcheck(lambda: F.stack([a, c], axis=1), [a, c])
    with pytest.raises(ShapeError, match=r"\(2, 3\) and \(2, 1\)"):
        F.stack([a, b])
    with pytest.raises(ShapeError, match=r"\(2, 3\) and \(3, 3\)"):
        F.concat([a, make_leaf(3, 3)], axis=1)


UNARY = {
    "exp": (F.exp, np.exp),
    "log": (F.log, np.log),
    "sqrt": (F.sqrt, np.sqrt),
    "tanh": (F.tanh, np.tanh),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "softplus": (F.softplus, lambda x: np.log1p(np.exp(x))),
    "arctan": (F.arctan, np.arctan),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary(name, make_leaf, gradcheck):
    fn, ref = UNARY[name]
    a = make_leaf(3, 5)
    if name in ("log", "sqrt"):
        a.data[...] = np.abs(a.data) + 0.2
    else:  # keep off the ReLU kink, where the derivative jumps
        a.data[...] = np.where(np.abs(a.data) < 0.05, 0.3, a.data)
    np.testing.assert_allclose(fn(a).data, ref(a.data), rtol=1e-14, atol=1e-15)
    gradcheck(lambda: fn(a), [a])


def test_sigmoid_and_softplus_do_not_overflow():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        s = F.sigmoid(x).data
        sp = F.softplus(x).data
    np.testing.assert_allclose(
        s, [0.0, 1 / (1 + np.exp(50)), 0.5, 1.0, 1.0], atol=1e-17
    )
    np.testing.assert_allclose(
        sp, [0.0, np.exp(-50), np.log(2), 50.0, 1000.0], rtol=1e-15
    )


def test_threshold_forward_true_gradient_and_surrogate(make_leaf, gradcheck):
    a = make_leaf(4, 5)
    np.testing.assert_array_equal(F.threshold(a).data, (a.data > 0).astype(float))
    gradcheck(lambda: F.threshold(a, surrogate=None), [a])  # true gradient: zero
    a.grad = None
    F.threshold(a, slope=5.0).sum().backward()
    np.testing.assert_allclose(a.grad, 1 / (1 + 5 * np.abs(a.data)) ** 2, rtol=1e-15)
    with pytest.raises(ValidationError, match="surrogate"):
        F.threshold(a, surrogate="magic")


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax(axis, make_leaf, gradcheck):
    a = make_leaf(3, 4, scale=3.0)
    e = np.exp(a.data - a.data.max(axis, keepdims=True))
    ref = e / e.sum(axis, keepdims=True)
    np.testing.assert_allclose(F.softmax(a, axis).data, ref, rtol=1e-14)
    np.testing.assert_allclose(F.log_softmax(a, axis).data, np.log(ref), rtol=1e-13)
    gradcheck(lambda: F.softmax(a, axis), [a])
    gradcheck(lambda: F.log_softmax(a, axis), [a])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_labels_and_probabilities(reduction, make_leaf, gradcheck, rng):
    z = make_leaf(5, 4, scale=2.0)
    labels = rng.integers(0, 4, 5)
    probs = rng.dirichlet(np.ones(4), 5)
    logp = z.data - np.log(np.exp(z.data).sum(-1, keepdims=True))
    per = -logp[np.arange(5), labels]
    ref = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(
        F.cross_entropy(z, labels, reduction).data, ref, rtol=1e-14
    )
    gradcheck(lambda: F.cross_entropy(z, labels, reduction), [z])
    gradcheck(lambda: F.cross_entropy(z, probs, reduction), [z])


def test_cross_entropy_is_stable_for_huge_logits():
    z = ann.Tensor(np.array([[1000.0, 0.0], [-1000.0, 1000.0]]), requires_grad=True)
    loss = F.cross_entropy(z, [0, 0])
    np.testing.assert_allclose(loss.data, 1000.0, rtol=1e-15)  # (0 + 2000) / 2
    loss.backward()
    assert np.all(np.isfinite(z.grad))


def test_cross_entropy_bad_targets(make_leaf):
    z = make_leaf(3, 4)
    with pytest.raises(ShapeError, match=r"\(3, 4\).*\(3,\).*\(2,\)"):
        F.cross_entropy(z, [0, 1])
    with pytest.raises(ValidationError, match="labels must lie"):
        F.cross_entropy(z, [0, 1, 4])
    with pytest.raises(ValidationError, match="reduction"):
        F.cross_entropy(z, [0, 1, 2], reduction="avg")


def test_regression_and_bernoulli_losses(make_leaf, gradcheck, rng):
    y = make_leaf(4, 3)
    t = rng.standard_normal((4, 3))
    np.testing.assert_allclose(
        F.mse_loss(y, t).data, np.mean((y.data - t) ** 2), rtol=1e-15
    )
    gradcheck(lambda: F.mse_loss(y, t), [y])
    tb = rng.random((4, 3))
    p = 1 / (1 + np.exp(-y.data))
    ref = np.mean(-tb * np.log(p) - (1 - tb) * np.log(1 - p))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(y, tb).data, ref, rtol=1e-13
    )
    np.testing.assert_allclose(
        F.binary_cross_entropy(F.sigmoid(y), tb).data, ref, rtol=1e-13
    )
    gradcheck(lambda: F.binary_cross_entropy_with_logits(y, tb), [y])
    gradcheck(lambda: F.binary_cross_entropy(F.sigmoid(y), tb, "sum"), [y])
    with pytest.raises(ShapeError, match=r"\(4, 3\).*\(3, 4\)"):
        F.mse_loss(y, t.T)


def test_dropout_mask_scaling_and_gradient(make_leaf, gradcheck):
    a = make_leaf(200, 50)
    out = F.dropout(a, 0.3, np.random.default_rng(1))
    kept = out.data != 0
    # 10,000 Bernoulli(0.7) draws: the kept fraction has sd 0.0046; 5 sd bound
    assert abs(kept.mean() - 0.7) < 0.023
    np.testing.assert_allclose(out.data[kept], a.data[kept] / 0.7, rtol=1e-15)
    assert F.dropout(a, 0.3, np.random.default_rng(1), training=False) is a
    small = make_leaf(3, 4)
    gradcheck(lambda: F.dropout(small, 0.5, np.random.default_rng(2)), [small])


@pytest.mark.parametrize("n_axes", [1, 2])
def test_layer_norm(n_axes, make_leaf, gradcheck):
    x, w, b = (
        make_leaf(2, 3, 4),
        make_leaf(*(3, 4)[2 - n_axes :]),
        make_leaf(*(3, 4)[2 - n_axes :]),
    )
    axes = tuple(range(3 - n_axes, 3))
    mu = x.data.mean(axes, keepdims=True)
    ref = (x.data - mu) / np.sqrt(
        x.data.var(axes, keepdims=True) + 1e-5
    ) * w.data + b.data
    np.testing.assert_allclose(F.layer_norm(x, w, b, n_axes).data, ref, rtol=1e-12)
    gradcheck(lambda: F.layer_norm(x, w, b, n_axes), [x, w, b])
    gradcheck(lambda: F.layer_norm(x, n_axes=n_axes), [x])


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batch_norm_function(shape, make_leaf, gradcheck):
    x, w, b = make_leaf(*shape), make_leaf(3), make_leaf(3)
    axes = (0,) if len(shape) == 2 else (0, 2)
    gradcheck(lambda: F.BatchNormFn.apply(x, w, b, axes=axes), [x, w, b])


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValidationError, match="unknown name 'gelu'.*'relu'"):
        F.get_activation("gelu")
    with pytest.raises(ValidationError, match="activation"):
        ann.MLP([2, 3, 1], activation="swish")


def test_shape_errors_name_both_shapes(make_leaf):
    with pytest.raises(ShapeError, match=r"\(3, 4\) and \(5,\)"):
        make_leaf(3, 4) + make_leaf(5)
    with pytest.raises(ShapeError, match=r"\(3, 4\) and \(5, 2\)"):
        make_leaf(3, 4) @ make_leaf(5, 2)
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(4, 5\)"):
        F.linear(make_leaf(2, 3), make_leaf(4, 5))
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(4, 2\)"):
        make_leaf(2, 3).reshape(4, 2)
