"""Predictive coding: backprop equivalence, energy descent, modes and bad input."""

import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim import ann
from neurosim.learning import PredictiveCoding, backprop_grads, cosine

SIZES = [6, 9, 7, 4]  # two hidden layers, so errors must travel two synapses down


def _data(rng, n=16):
    return rng.normal(size=(n, SIZES[0])), rng.integers(0, SIZES[-1], n)


def _autodiff_grads(pc, X, y, loss):
    """Gradients of the batch-mean loss from neurosim.ann's autodiff."""
    net = pc.net
    net.zero_grad()
    out = net(ann.Tensor(X))
    if loss == "cross_entropy":
        value = ann.cross_entropy(out, y)
    else:
        T = ann.Tensor(pc._targets(y))
        value = ((out - T) ** 2).sum() * (0.5 / len(X))
    value.backward()
    grads = [(lin.weight.grad.copy(), lin.bias.grad.copy()) for lin in net.layers]
    net.zero_grad()
    return grads


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_z_il_equals_backprop(rng, loss):
    X, y = _data(rng)
    pc = PredictiveCoding(SIZES, "tanh", loss=loss, variant="z_il", seed=0)
    grads, _, _ = pc._batch_grads(X, pc._targets(y))
    ref = _autodiff_grads(pc, X, y, loss)
    for (gw, gb), (rw, rb) in zip(grads, ref):
        # the 1e-8; Z-IL is algebraically identical, so only rounding remains
        np.testing.assert_allclose(gw, rw, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(gb, rb, rtol=1e-8, atol=1e-12)
    assert pc.n_inference_steps_ == len(SIZES) - 2


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_fixed_prediction_equilibrium_matches_backprop(rng, loss):
    X, y = _data(rng)
    pc = PredictiveCoding(
        SIZES,
        "tanh",
        loss=loss,
        variant="fixed_prediction",
        inference_steps=2000,
        inference_rate=0.2,
        inference_tol=1e-12,
        seed=1,
    )
    grads, _, _ = pc._batch_grads(X, pc._targets(y))
    assert pc.n_inference_steps_ < 2000  # reached equilibrium (tolerance), not the cap
    ref = _autodiff_grads(pc, X, y, loss)
    for (gw, _), (rw, _) in zip(grads, ref):
        assert cosine(gw, rw) >= 0.99  # the criterion
        # linear dynamics with rate 0.2 converge geometrically; at max|dF/dx| < 1e-12
        # the errors are within ~1e-11 of the deltas
        np.testing.assert_allclose(gw, rw, rtol=0, atol=1e-9)


def test_standard_pc_approaches_backprop_as_output_variance_grows(rng):
    """Whittington & Bogacz 2017: equilibrium PC -> backprop when v_out >> v_hidden.

    The hidden nodes then move little compared with the output error, so the
    output error at equilibrium is the feedforward one and the hidden errors
    are backprop's deltas.
    """
    X, _ = _data(rng)
    worst = []
    for v_out in (1.0, 100.0):
        pc = PredictiveCoding(
            SIZES,
            "tanh",
            loss="mse",
            variances=[1.0, 1.0, v_out],
            inference_steps=5000,
            inference_rate=0.2,
            inference_tol=1e-13,
            seed=2,
        )
        out = pc.forward_values(X)[-1]
        T = out + rng.normal(size=out.shape)
        grads, _, _ = pc._batch_grads(X, T)
        assert pc.n_inference_steps_ < 5000  # equilibrium reached
        ref = backprop_grads(pc, X, T)
        worst.append(min(cosine(g[0], r[0]) for g, r in zip(grads, ref)))
    assert worst[1] >= 0.99  # per-layer cosine >= 0.99 at a variance ratio of 100
    assert worst[0] < 0.9  # equal variances: a visibly different update


@pytest.mark.parametrize("activation", ["tanh", "logistic", "linear"])
def test_free_energy_never_rises_below_bound(rng, activation):
    X, y = _data(rng, 32)
    pc = PredictiveCoding(SIZES, activation, inference_steps=200, seed=3)
    for lin in pc.net.layers:  # larger weights: a bound well below 1 matters
        lin.weight.data *= 3.0
    T = pc._targets(y)
    xs = pc.forward_values(X)
    F0 = pc._errors(xs, T)[1].max()
    pc.inference_rate = 0.99 * pc.stability_bound(F0)
    pc.infer(X, y)
    E = pc.energy_history_
    assert pc.inference_rate_ == pc.inference_rate
    assert E[-1] < E[0]
    # non-increasing up to rounding of the batch mean
    assert np.all(np.diff(E) <= 1e-12 * E[0])


def test_generation_lowers_energy_and_moves_towards_the_label(rng):
    pc = PredictiveCoding(SIZES, "tanh", inference_steps=300, seed=4)
    y = np.arange(SIZES[-1])
    pc.inference_rate = 0.99 * pc.stability_bound(
        100.0, clamp_input=False, clamp_top=True
    )
    X = pc.generate(y)
    E = pc.energy_history_
    assert np.all(np.diff(E) <= 1e-12 * E[0]) and E[-1] < 0.9 * E[0]
    logits0 = pc.forward_values(np.zeros_like(X))[-1]
    logits = pc.forward_values(X)[-1]
    p0 = ns.learning._network.softmax(logits0)[y, y]
    p = ns.learning._network.softmax(logits)[y, y]
    assert np.all(p > p0)


def test_predict_equals_the_mlp_forward_pass(rng):
    X, _ = _data(rng)
    pc = PredictiveCoding(SIZES, "tanh", seed=5)
    mlp = ann.MLP(SIZES, activation="tanh", seed=5)  # same seed, same weights
    np.testing.assert_allclose(
        pc.decision_function(X), ann.predict(mlp, X), rtol=1e-12, atol=1e-14
    )
    assert pc.n_inference_steps_ == 0  # feedforward start is already the equilibrium
    np.testing.assert_array_equal(pc.predict(X), np.argmax(ann.predict(mlp, X), 1))


def test_rate_above_bound_raises_or_clips(rng):
    X, y = _data(rng)
    pc = PredictiveCoding(SIZES, "tanh", inference_rate=50.0, on_unstable="raise")
    with pytest.raises(ns.UnstableStepError, match="inference_rate"):
        pc.infer(X, y)
    pc = PredictiveCoding(SIZES, "tanh", inference_rate=50.0, seed=0)
    with pytest.warns(RuntimeWarning, match="stability bound"):
        pc.infer(X, y)
    assert pc.inference_rate_ < 50.0
    assert np.all(np.diff(pc.energy_history_) <= 1e-12 * pc.energy_history_[0])


def test_rate_far_above_bound_makes_energy_rise(rng):
    """The bound is not vacuous: a linear net stepped at 3x its curvature diverges."""
    X, y = _data(rng)
    pc = PredictiveCoding(SIZES, "linear", loss="mse", inference_steps=30, seed=6)
    pc.on_unstable = "clip"
    T = pc._targets(y)
    xs = pc.forward_values(X)
    pc._warned = True  # silence: this test steps above the bound on purpose
    pc.stability_bound = lambda *a, **k: np.inf
    lam = 1.0 + max(np.linalg.norm(W, 2) ** 2 for W, _ in pc.weights())
    pc.inference_rate = 3.0 / lam * 2.0
    pc._relax(list(xs), T, [1, 2], clamp_input=True)
    assert pc.energy_history_[-1] > pc.energy_history_[0]


def test_training_learns_and_learned_feedback_aligns(rng):
    X = rng.normal(size=(200, SIZES[0]))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)
    pc = PredictiveCoding(
        SIZES, "tanh", feedback="learned", feedback_decay=0.01, seed=7
    )
    diff0 = [W - B for B, (W, _) in zip(pc.feedback_, pc.weights())]
    angle0 = [cosine(B, W) for B, (W, _) in zip(pc.feedback_, pc.weights())]
    pc.fit(X, y, epochs=30, optimizer=ann.Adam(pc.parameters(), lr=1e-2), seed=0)
    angle1 = [cosine(B, W) for B, (W, _) in zip(pc.feedback_, pc.weights())]
    assert pc.history_["accuracy"][-1] > 0.9
    # Kolen-Pollack: both get the same increment and decay, so W - B shrinks by
    # exactly (1 - 0.01) per step (7 batches x 30 epochs); rounding only
    steps = 30 * 7
    for d0, B, (W, _) in zip(diff0, pc.feedback_, pc.weights()):
        np.testing.assert_allclose(W - B, 0.99**steps * d0, rtol=1e-9, atol=1e-12)
    assert all(a1 > a0 + 0.3 for a0, a1 in zip(angle0, angle1))


def test_fit_tracks_alignment_with_backprop(rng):
    X = rng.normal(size=(64, SIZES[0]))
    y = rng.integers(0, SIZES[-1], 64)
    ref = PredictiveCoding(SIZES, "tanh", inference_steps=50, seed=8)
    T = ref._targets(y)
    g, _, _ = ref._batch_grads(X, T)
    expected = [cosine(a[0], b[0]) for a, b in zip(g, backprop_grads(ref, X, T))]
    pc = PredictiveCoding(SIZES, "tanh", inference_steps=50, seed=8)
    pc.fit(X, y, epochs=2, batch_size=64, track_alignment=True, shuffle=False)
    assert pc.alignment_.shape == (2, len(SIZES) - 1)
    # first epoch = one batch at the initial weights: same numbers, same order
    np.testing.assert_allclose(pc.alignment_[0], expected, rtol=1e-12)
    assert set(pc.history_) == {"loss", "accuracy", "time"}


def test_bad_input(rng):
    X, y = _data(rng)
    with pytest.raises(ValueError, match="layer_sizes"):
        PredictiveCoding([6])
    with pytest.raises(ValueError, match="layer_sizes"):
        PredictiveCoding([6, 0, 4])
    with pytest.raises(ValueError, match="variances"):
        PredictiveCoding(SIZES, variances=[1.0, 2.0])
    with pytest.raises(ValueError, match="variant"):
        PredictiveCoding(SIZES, variant="magic")
    with pytest.raises(ValueError, match="inference_rate"):
        PredictiveCoding(SIZES, inference_rate=-0.1)
    pc = PredictiveCoding(SIZES, seed=0)
    with pytest.raises(ns.ShapeError, match="expected 6 features"):
        pc.fit(X[:, :5], y, epochs=1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        pc.fit(X, y + 4, epochs=1)
    with pytest.raises(ValueError, match="integers"):
        pc.fit(X, y + 0.5, epochs=1)
    with pytest.raises(ns.ShapeError, match="samples"):
        pc.fit(X, y[:-1], epochs=1)
    with pytest.raises(ns.ShapeError, match=r"expected shape \(\*, 4\)"):
        pc.fit(X, np.eye(5)[y], epochs=1)  # one-hot targets of the wrong width
    with pytest.raises(ns.ShapeError, match="X0"):
        pc.generate(y, X0=np.zeros((len(y), 5)))
    other = ann.MLP(SIZES, seed=0)
    with pytest.raises(ValueError, match="optimizer"):
        pc.fit(X, y, optimizer=ann.SGD(other.parameters(), lr=0.1))


def test_same_seed_same_start_and_float_labels(rng):
    X, y = _data(rng)
    a = PredictiveCoding(SIZES, seed=3).fit(X, y, epochs=2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = PredictiveCoding(SIZES, seed=3).fit(X, y.astype(float), epochs=2, seed=1)
    for (Wa, _), (Wb, _) in zip(a.weights(), b.weights()):
        np.testing.assert_array_equal(Wa, Wb)


@pytest.mark.parametrize("variant", ["standard", "fixed_prediction", "z_il"])
def test_no_hidden_layer_is_a_delta_rule(rng, variant):
    """Without hidden layers nothing relaxes and every variant is backprop."""
    X, y = rng.normal(size=(10, 5)), rng.integers(0, 3, 10)
    pc = PredictiveCoding([5, 3], variant=variant, seed=0)
    T = pc._targets(y)
    grads, _, _ = pc._batch_grads(X, T)
    for (gw, gb), (rw, rb) in zip(grads, backprop_grads(pc, X, T)):
        np.testing.assert_allclose(gw, rw, rtol=1e-12, atol=1e-15)
    assert pc.n_inference_steps_ == 0


def test_energy_history_after_fit_is_the_training_relaxation(rng):
    X, y = _data(rng, 40)
    pc = PredictiveCoding(SIZES, "tanh", inference_steps=15, inference_tol=0.0, seed=0)
    pc.fit(X, y, epochs=1, batch_size=40, validation_data=(X, y))
    # one training batch of 15 steps (validation relaxes from equilibrium: 0 steps)
    assert pc.n_inference_steps_ == 15 and len(pc.energy_history_) == 16
    assert pc.energy_history_[-1] < pc.energy_history_[0]


def test_z_il_equals_torch_autograd(rng):
    """The same check against an independent autodiff (PyTorch, when installed)."""
    torch = pytest.importorskip("torch")
    X, y = _data(rng)
    pc = PredictiveCoding(SIZES, "tanh", variant="z_il", seed=9)
    grads, _, _ = pc._batch_grads(X, pc._targets(y))
    Ws = [torch.tensor(W, requires_grad=True) for W, _ in pc.weights()]
    bs = [torch.tensor(b, requires_grad=True) for _, b in pc.weights()]
    h = torch.tensor(X)
    for k, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ W.T + b
        if k < len(Ws) - 1:
            h = torch.tanh(h)
    torch.nn.functional.cross_entropy(h, torch.tensor(y)).backward()
    for (gw, gb), W, b in zip(grads, Ws, bs):
        np.testing.assert_allclose(gw, W.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-8, atol=1e-12)
