"""ann.fit: history, callbacks, divergence, and the digits benchmark accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import SimulationError, ann


def _blobs(rng, n=120):
    y = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centres[y] + 0.5 * rng.standard_normal((n, 2)), y


def test_fit_records_history_and_learns(rng):
    X, y = _blobs(rng)
    net = ann.MLP([2, 16, 3], seed=0)
    seen = []
    hist = ann.fit(
        net,
        X,
        y,
        epochs=15,
        batch_size=16,
        validation_data=(X, y),
        callbacks=[lambda epoch, h: seen.append(epoch)],
        seed=0,
    )
    assert set(hist) == {"loss", "accuracy", "val_loss", "val_accuracy", "time"}
    assert len(hist["loss"]) == 15 and seen == list(range(15))
    assert hist["loss"][-1] < 0.3 * hist["loss"][0]
    assert hist["val_accuracy"][-1] > 0.95  # well-separated blobs (centres 3 sd apart)
    assert not hist.stopped_early and not net.training


def test_callback_stops_training(rng):
    X, y = _blobs(rng)
    hist = ann.fit(
        ann.MLP([2, 4, 3], seed=0),
        X,
        y,
        epochs=50,
        callbacks=[lambda epoch, h: h["loss"][-1] < 10.0],
    )
    assert hist.stopped_early and len(hist["loss"]) == 1


def test_fit_with_mse_and_adam(rng):
    X = rng.uniform(-1, 1, (200, 1))
    y = np.sin(3 * X)
    net = ann.MLP([1, 32, 1], activation="tanh", seed=0)
    hist = ann.fit(
        net,
        X,
        y,
        loss="mse",
        optimizer=ann.Adam(net.parameters(), lr=0.01),
        epochs=100,
        batch_size=20,
        seed=1,
    )
    assert "accuracy" not in hist
    assert hist["loss"][-1] < 0.01  # sin(3x) on [-1, 1] has variance ~0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_nan_loss_stops_with_a_clear_error(rng):
    X, y = _blobs(rng)
    net = ann.MLP([2, 8, 3], seed=0)
    with pytest.raises(
        SimulationError, match=r"loss became (nan|inf) at epoch \d+, batch"
    ):
        ann.fit(net, X * 1e3, y, optimizer=ann.SGD(net.parameters(), lr=1e6), epochs=5)


def test_fit_bad_input(rng):
    X, y = _blobs(rng)
    net = ann.MLP([2, 4, 3])
    with pytest.raises(ValueError, match="X has 120 samples.*y has 10"):
        ann.fit(net, X, y[:10])
    with pytest.raises(ValueError, match="loss: expected one of"):
        ann.fit(net, X, y, loss="hinge")
    with pytest.raises(ValueError, match="epochs"):
        ann.fit(net, X, y, epochs=0)


@pytest.mark.slow
def test_mlp_digits_accuracy_over_seeds():
    """The issue's benchmark: 64-128-10, SGD lr 0.1, batch 32, 30 epochs >= 96.5 %."""
    Xtr, Xte, ytr, yte = ann.load_digits_split()
    accs = []
    for seed in range(3):
        net = ann.MLP([64, 128, 10], seed=seed)
        ann.fit(
            net,
            Xtr,
            ytr,
            optimizer=ann.SGD(net.parameters(), lr=0.1),
            epochs=30,
            batch_size=32,
            seed=seed,
        )
        accs.append(ann.accuracy(ann.predict(net, Xte), yte))
    # measured 97.2-98.1 % over seeds 0-5; every seed must clear the 96.5 %
    assert min(accs) >= 0.965, accs


def test_learning_curves_plot(rng):
    from neurosim import plotting

    hist = {
        "loss": [1.0, 0.5, 0.2],
        "val_loss": [1.1, 0.6, 0.3],
        "accuracy": [0.5, 0.8, 0.9],
        "time": [0.1, 0.2, 0.3],
    }
    ax = plotting.learning_curves(hist)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    assert ax.get_legend() is not None and len(ax.get_legend().texts) == 3
