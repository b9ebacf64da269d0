"""The learning plots draw what they are given (one line per rule / layer)."""

import matplotlib.pyplot as plt
import numpy as np

from neurosim import plotting


def test_learning_plots_draw_every_series(rng):
    curves = {
        "backprop": rng.random((3, 5)),
        "pc": rng.random((3, 5)),
        "fa": rng.random(5),
    }
    ax = plotting.rule_curves(curves, target=0.95)
    assert [l.get_label() for l in ax.get_lines()][:3] == ["backprop", "pc", "fa"]
    np.testing.assert_allclose(
        ax.get_lines()[0].get_ydata(), curves["backprop"].mean(0)
    )
    assert ax.get_lines()[0].get_marker() == "None"
    # a one-value curve (compare's STDP rules) is drawn as a visible dot
    ax = plotting.rule_curves({"stdp": np.array([[0.8], [0.9]])})
    assert ax.get_lines()[0].get_marker() == "o"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.85])
    ax = plotting.relaxation_energy(
        [np.array([3.0, 2.0, 1.5]), np.array([3.0, 1.0])], labels=["a", "b"]
    )
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    ax = plotting.gradient_alignment(
        {"pc": rng.random((4, 2)), "fa": rng.random((4, 2))}
    )
    assert len(ax.get_lines()) == 4
    plt.close("all")
