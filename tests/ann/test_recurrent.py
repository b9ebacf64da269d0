"""Recurrent layers: finite-difference gradients, references and shapes."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ShapeError, ann


def _params_and_inputs(layer, rng, T=5, N=2, state_shapes=()):
    x = ann.Tensor(rng.standard_normal((T, N, layer.input_size)), requires_grad=True)
    states = [
        ann.Tensor(rng.standard_normal(s) * 0.5, requires_grad=True)
        for s in state_shapes
    ]
    return x, states


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_gradients(nonlinearity, rng, gradcheck):
    rnn = ann.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity, seed=1)
    x, (h0,) = _params_and_inputs(rnn, rng, state_shapes=[(2, 2, 4)])
    gradcheck(lambda: rnn(x, h0), [x, h0, *rnn.parameters()])


def test_gru_gradients(rng, gradcheck):
    gru = ann.GRU(3, 4, num_layers=2, seed=2)
    x, (h0,) = _params_and_inputs(gru, rng, state_shapes=[(2, 2, 4)])
    gradcheck(lambda: gru(x, h0), [x, h0, *gru.parameters()])


def test_lstm_gradients_including_cell_state(rng, gradcheck):
    lstm = ann.LSTM(3, 4, num_layers=2, seed=3)
    x, (h0, c0) = _params_and_inputs(lstm, rng, state_shapes=[(2, 2, 4), (2, 2, 4)])

    def run():
        out, (hn, cn) = lstm(x, (h0, c0))
        return out, hn, cn

    gradcheck(run, [x, h0, c0, *lstm.parameters()])


def test_lstm_matches_cell_equations(rng):
    """Fused LSTM against the equations written out with numpy (PyTorch gate order)."""
    lstm = ann.LSTM(3, 5, seed=4)
    x = rng.standard_normal((6, 2, 3))
    w_ih, w_hh, b_ih, b_hh = (p.data for p in lstm.parameters())
    h = c = np.zeros((2, 5))
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    for t in range(6):
        i, f, g, o = np.split(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
    out, (hn, cn) = lstm(x)
    np.testing.assert_allclose(out.data[-1], h, rtol=1e-13, atol=1e-15)  # rounding only
    np.testing.assert_allclose(hn.data[0], h, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(cn.data[0], c, rtol=1e-13, atol=1e-15)


def test_gru_matches_cell_equations(rng):
    gru = ann.GRU(3, 4, seed=5)
    x = rng.standard_normal((5, 2, 3))
    w_ih, w_hh, b_ih, b_hh = (p.data for p in gru.parameters())
    h = np.zeros((2, 4))
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    for t in range(5):
        xr, xz, xn = np.split(x[t] @ w_ih.T + b_ih, 3, axis=1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=1)
        r, z = sig(xr + hr), sig(xz + hz)
        n = np.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
    np.testing.assert_allclose(gru(x)[0].data[-1], h, rtol=1e-13, atol=1e-15)


def test_rnn_500_steps_unrolled_graph_gradients(rng, gradcheck):
    """A 500-step unrolled RNN (thousands of graph nodes) has exact gradients.

    The graph is built from RNNCell ops step by step, so backward walks a chain
    far deeper than Python's recursion limit; the fused RNN must agree with it.
    """
    T = 500
    cell = ann.RNNCell(2, 3, seed=6)
    x = ann.Tensor(rng.standard_normal((T, 1, 2)), requires_grad=True)

    def unrolled():
        h = ann.Tensor(np.zeros((1, 3)))
        for t in range(T):
            h = cell(x[t], h)
        return h

    gradcheck(unrolled, cell.parameters(), max_elements=6)
    rnn = ann.RNN(2, 3, seed=0)
    rnn.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    out, hn = rnn(x)
    np.testing.assert_allclose(hn.data[0], unrolled().data, rtol=1e-12)
    grads_unrolled = [p.grad.copy() for p in cell.parameters()]
    for p in cell.parameters():
        p.grad = None
    hn.sum().backward()
    unrolled().sum().backward()
    for p_cell, p_rnn in zip(cell.parameters(), rnn.parameters(), strict=True):
        np.testing.assert_allclose(p_rnn.grad, p_cell.grad, rtol=1e-10, atol=1e-14)
    assert all(np.all(np.isfinite(g)) for g in grads_unrolled)


def test_fused_rnn_500_steps_gradients(rng, gradcheck):
    rnn = ann.RNN(2, 3, seed=7)
    x = ann.Tensor(rng.standard_normal((500, 2, 2)), requires_grad=True)
    gradcheck(lambda: rnn(x)[1], rnn.parameters())


def test_mingru_scan_matches_sequential_steps(rng):
    m = ann.MinGRU(3, 4, seed=8)
    x = rng.standard_normal((50, 2, 3))
    h0 = np.abs(rng.standard_normal((2, 4)))
    out = m(x, h0).data
    h = h0
    for t in range(50):
        h = m.step(x[t], h)
        # the scan sums in log space; rounding grows ~linearly with t
        np.testing.assert_allclose(out[t], h, rtol=1e-12)


def test_mingru_gradients(rng, gradcheck):
    m = ann.MinGRU(3, 4, seed=9)
    x = ann.Tensor(rng.standard_normal((6, 2, 3)) * 2, requires_grad=True)
    h0 = ann.Tensor(np.abs(rng.standard_normal((2, 4))) + 0.1, requires_grad=True)
    gradcheck(lambda: m(x, h0), [x, h0, *m.parameters()])
    gradcheck(lambda: m(x), [x, *m.parameters()])  # h0 = 0: log h0 = -inf


def test_mingru_long_sequence_stays_finite(rng):
    m = ann.MinGRU(2, 3, seed=10)
    x = ann.Tensor(rng.standard_normal((2000, 1, 2)) * 3)
    out = m(x)
    (out * out).sum().backward()
    assert np.all(np.isfinite(out.data))
    assert all(np.all(np.isfinite(p.grad)) for p in m.parameters())


def test_recurrent_shape_errors():
    lstm = ann.LSTM(3, 4)
    with pytest.raises(ShapeError, match=r"\(seq, batch, 3\).*\(5, 2, 2\)"):
        lstm(np.zeros((5, 2, 2)))
    with pytest.raises(ShapeError, match=r"h0.*\(1, 2, 4\).*\(2, 4\)"):
        lstm(np.zeros((5, 2, 3)), (np.zeros((2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(ValueError, match="h0 must be >= 0"):
        ann.MinGRU(3, 4)(np.zeros((5, 2, 3)), -np.ones((2, 4)))


def test_parameter_names_and_shapes():
    names = {k: v.shape for k, v in ann.LSTM(3, 4, num_layers=2).named_parameters()}
    assert names == {
        "weight_ih_l0": (16, 3),
        "weight_hh_l0": (16, 4),
        "bias_ih_l0": (16,),
        "bias_hh_l0": (16,),
        "weight_ih_l1": (16, 4),
        "weight_hh_l1": (16, 4),
        "bias_ih_l1": (16,),
        "bias_hh_l1": (16,),
    }
    assert ann.GRU(3, 4).weight_ih_l0.shape == (12, 3)


def test_float32_stays_float32(rng):
    lstm = ann.LSTM(3, 4, dtype=np.float32)
    out, (h, c) = lstm(rng.standard_normal((5, 2, 3)).astype(np.float32))
    out.sum().backward()
    assert out.dtype == c.dtype == lstm.weight_hh_l0.grad.dtype == np.float32


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "MultiHeadAttention"])
def test_float32_path_agrees_with_float64(kind, rng):
    """The float32 kernels (own numba specialisations) against float64 results."""
    if kind == "MultiHeadAttention":
        m64 = ann.MultiHeadAttention(8, 2, seed=0)
        m32 = ann.MultiHeadAttention(8, 2, seed=0, dtype=np.float32)
    else:
        m64 = getattr(ann, kind)(4, 8, seed=0)
        m32 = getattr(ann, kind)(4, 8, seed=0, dtype=np.float32)
    x = rng.standard_normal((20, 3, 8 if kind == "MultiHeadAttention" else 4))
    outs = []
    for m, dt in ((m64, np.float64), (m32, np.float32)):
        out = m(x.astype(dt))
        out = out if kind == "MultiHeadAttention" else out[0]
        (out * out).sum().backward()
        outs.append((out.data, [p.grad for p in m.parameters()]))
        assert out.dtype == dt
    # float32 rounding (eps 1.2e-7) accumulated over 20 steps and sums of ~100 terms
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-4, atol=1e-5)
    for g32, g64 in zip(outs[1][1], outs[0][1], strict=True):
        np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4)
