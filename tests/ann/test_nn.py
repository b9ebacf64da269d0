"""Layers, initialisation, optimisers and the perceptron rule."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ShapeError, ann


def test_mlp_parameter_names_and_gradients(rng, gradcheck):
    net = ann.MLP([4, 6, 5, 3], activation="tanh", seed=0)
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert net.n_parameters() == 4 * 6 + 6 + 6 * 5 + 5 + 5 * 3 + 3
    x = ann.Tensor(rng.standard_normal((7, 4)), requires_grad=True)
    y = rng.integers(0, 3, 7)
    gradcheck(lambda: ann.cross_entropy(net(x), y), [x, *net.parameters()])


@pytest.mark.parametrize("act", ["logistic", "softplus", "arctan", "relu"])
def test_mlp_activations_gradients(act, rng, gradcheck):
    net = ann.MLP([3, 4, 2], activation=act, output_activation="tanh", seed=1)
    x = ann.Tensor(rng.standard_normal((5, 3)))
    gradcheck(lambda: net(x), net.parameters())


def test_sequential_and_state_dict_roundtrip(rng):
    seq = ann.Sequential(
        ann.Linear(3, 4, seed=0), ann.Activation("relu"), ann.Linear(4, 2, seed=1)
    )
    assert [n for n, _ in seq.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    other = ann.Sequential(
        ann.Linear(3, 4, seed=5), ann.Activation("relu"), ann.Linear(4, 2, seed=6)
    )
    other.load_state_dict(seq.state_dict())
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(seq(x).data, other(x).data)
    with pytest.raises(ValueError, match="missing"):
        other.load_state_dict({"0.weight": np.zeros((4, 3))})
    bad = seq.state_dict()
    bad["0.weight"] = np.zeros((3, 4))
    with pytest.raises(ShapeError, match=r"0.weight.*\(4, 3\).*\(3, 4\)"):
        other.load_state_dict(bad)
    assert "Linear(3, 4" in repr(seq)


@pytest.mark.parametrize(
    "name,fn,var",
    [
        ("xavier_uniform", ann.xavier_uniform, 2 / (300 + 200)),
        ("xavier_normal", ann.xavier_normal, 2 / (300 + 200)),
        ("he_uniform", ann.he_uniform, 2 / 300),
        ("he_normal", ann.he_normal, 2 / 300),
    ],
)
def test_initialisation_variances(name, fn, var):
    w = fn((200, 300), seed=0)
    # 60,000 samples: the sample variance has relative sd sqrt(2/n) ~ 0.6 % (normal)
    # or less (uniform); 3 % is 5 sd
    assert abs(w.var() / var - 1) < 0.03
    assert abs(w.mean()) < 5 * np.sqrt(var / w.size)
    lin = ann.Linear(300, 200, init=name, seed=0)
    np.testing.assert_array_equal(lin.weight.data, w)
    assert np.all(lin.bias.data == 0)
    if "uniform" in name:
        assert np.abs(w).max() <= np.sqrt(3 * var)


def test_layernorm_module(rng, gradcheck):
    ln = ann.LayerNorm(5)
    ln.weight.data[...] = rng.standard_normal(5)
    ln.bias.data[...] = rng.standard_normal(5)
    x = ann.Tensor(rng.standard_normal((3, 5)) * 4 + 2, requires_grad=True)
    y = ln(x).data
    z = (y - ln.bias.data) / ln.weight.data
    np.testing.assert_allclose(z.mean(-1), 0, atol=1e-14)
    # biased variance of the normalised values is var / (var + eps), eps = 1e-5
    np.testing.assert_allclose(
        z.var(-1), x.data.var(-1) / (x.data.var(-1) + 1e-5), rtol=1e-12
    )
    gradcheck(lambda: ln(x), [x, *ln.parameters()])
    with pytest.raises(ShapeError, match=r"\(3, 4\).*\(5,\)"):
        ln(np.zeros((3, 4)))


def test_batchnorm_train_and_eval(rng, gradcheck):
    bn = ann.BatchNorm1d(3, momentum=0.5)
    x = rng.standard_normal((8, 3)) * 3 + 1
    y = bn(x).data
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-14)
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(0), rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(0, ddof=1), rtol=1e-14)
    bn.eval()
    ref = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    np.testing.assert_allclose(bn(x).data, ref, rtol=1e-13)
    xt = ann.Tensor(x, requires_grad=True)
    gradcheck(lambda: bn(xt), [xt, *bn.parameters()])  # eval path
    bn.train()
    x3 = ann.Tensor(rng.standard_normal((4, 3, 5)), requires_grad=True)
    gradcheck(lambda: bn(x3), [x3, *bn.parameters()])
    with pytest.raises(ShapeError, match=r"\(N, 3\).*\(4, 2\)"):
        bn(np.zeros((4, 2)))


def test_dropout_module_train_eval():
    d = ann.Dropout(0.5, seed=0)
    x = np.ones((100, 100))
    assert np.any(d(x).data == 0)
    d.eval()
    np.testing.assert_array_equal(d(x).data, x)
    with pytest.raises(ValueError, match="p: must be < 1"):
        ann.Dropout(1.0)


def test_sgd_and_adam_minimise_a_quadratic():
    target = np.array([1.0, -2.0, 3.0])
    for opt_cls, kw in [
        (ann.SGD, dict(lr=0.1)),
        (ann.SGD, dict(lr=0.05, momentum=0.9)),
        (ann.Adam, dict(lr=0.1)),
    ]:
        w = ann.Tensor(np.zeros(3), requires_grad=True)
        opt = opt_cls([w], **kw)
        for _ in range(300):
            opt.zero_grad()
            ((w - target) ** 2).sum().backward()
            opt.step()
        np.testing.assert_allclose(w.data, target, atol=1e-3)


def test_sgd_step_is_the_textbook_update():
    w = ann.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w.grad = np.array([0.5, -1.0])
    ann.SGD([w], lr=0.1, weight_decay=0.2).step()
    np.testing.assert_allclose(
        w.data, [1.0 - 0.1 * (0.5 + 0.2), 2.0 - 0.1 * (-1 + 0.4)], rtol=1e-15
    )


def test_optimiser_bad_input():
    with pytest.raises(ValueError, match="no parameters"):
        ann.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr: must be > 0"):
        ann.Adam([ann.Tensor(np.zeros(2), requires_grad=True)], lr=0.0)
