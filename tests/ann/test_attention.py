"""Attention layers: finite-difference gradients, masks and reference values."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ShapeError, ann


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_sdpa_matches_formula_with_causal_mask(rng):
    q, k, v = (rng.standard_normal((2, 5, 3)) for _ in range(3))
    out = ann.scaled_dot_product_attention(q, k, v, causal=True).data
    s = q @ k.transpose(0, 2, 1) / np.sqrt(3) + np.where(ann.causal_mask(5), -np.inf, 0)
    np.testing.assert_allclose(out, _softmax(s) @ v, rtol=1e-13)
    # first query sees only the first key
    np.testing.assert_allclose(out[:, 0], v[:, 0], rtol=1e-14)


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gradients(causal, make_leaf, gradcheck):
    q, k, v = make_leaf(2, 4, 3), make_leaf(2, 5, 3), make_leaf(2, 5, 2)
    mask = np.zeros((4, 5), bool)
    mask[:, -1] = True  # last key hidden from every query
    gradcheck(
        lambda: ann.scaled_dot_product_attention(q, k, v, mask, causal=causal),
        [q, k, v],
    )
    gradcheck(
        lambda: ann.scaled_dot_product_attention(q, k, v, dropout_p=0.3, seed=1),
        [q, k, v],
    )


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_attention_gradients(batch_first, rng, gradcheck):
    mha = ann.MultiHeadAttention(6, 2, batch_first=batch_first, seed=1)
    for p in mha.parameters():  # PyTorch zero-initialises the biases; test them too
        p.data[...] += 0.1 * rng.standard_normal(p.shape)
    x = ann.Tensor(rng.standard_normal((3, 4, 6)), requires_grad=True)
    pad = np.zeros((4 if not batch_first else 3, 4 if batch_first else 3), bool)
    pad[0, -1] = True
    gradcheck(lambda: mha(x, key_padding_mask=pad, causal=True), [x, *mha.parameters()])


def test_mha_cross_attention_gradients(rng, gradcheck):
    mha = ann.MultiHeadAttention(4, 2, seed=2)
    q = ann.Tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    kv = ann.Tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    gradcheck(lambda: mha(q, kv, kv), [q, kv, *mha.parameters()])


def test_mha_weights_and_padding(rng):
    mha = ann.MultiHeadAttention(4, 2, seed=3)
    x = rng.standard_normal((5, 2, 4))
    pad = np.zeros((2, 5), bool)
    pad[1, 3:] = True
    out, w = mha(x, key_padding_mask=pad, need_weights=True)
    assert out.shape == (5, 2, 4) and w.shape == (2, 5, 5)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-14)
    assert np.all(w[1, :, 3:] == 0)
    # padded keys do not change the other sequence's output
    x2 = x.copy()
    x2[3:, 1] += 10.0
    out2 = mha(x2, key_padding_mask=pad)
    np.testing.assert_allclose(out2.data[:3, 1], out.data[:3, 1], rtol=1e-13)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_layer_gradients(norm_first, rng, gradcheck):
    layer = ann.TransformerEncoderLayer(
        4, 2, 6, dropout=0.0, norm_first=norm_first, causal=True, seed=4
    )
    for p in layer.parameters():
        p.data[...] += 0.1 * rng.standard_normal(p.shape)
    x = ann.Tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    gradcheck(lambda: layer(x), [x, *layer.parameters()])


def test_transformer_causal_layer_ignores_the_future(rng):
    enc = ann.TransformerEncoder(2, 8, 2, 16, dropout=0.0, causal=True, seed=5)
    x = rng.standard_normal((6, 1, 8))
    x2 = x.copy()
    x2[4:] = rng.standard_normal((2, 1, 8))
    np.testing.assert_allclose(enc(x).data[:4], enc(x2).data[:4], rtol=1e-12)
    assert not np.allclose(enc(x).data[4:], enc(x2).data[4:])


def test_positional_encoding_values():
    pe = ann.positional_encoding(50, 6)
    p, i = 7, 1
    np.testing.assert_allclose(
        pe[p, 2 * i], np.sin(p / 10000 ** (2 * i / 6)), rtol=1e-15
    )
    np.testing.assert_allclose(
        pe[p, 2 * i + 1], np.cos(p / 10000 ** (2 * i / 6)), rtol=1e-15
    )
    assert ann.positional_encoding(4, 5).shape == (4, 5)


def test_attention_bad_input():
    with pytest.raises(ValueError, match="divisible"):
        ann.MultiHeadAttention(6, 4)
    mha = ann.MultiHeadAttention(4, 2)
    with pytest.raises(ShapeError, match=r"\(seq, batch, 4\).*\(3, 2, 5\)"):
        mha(np.zeros((3, 2, 5)))
    with pytest.raises(ShapeError, match=r"attn_mask.*\(3, 3\).*\(3, 4\)"):
        mha(np.zeros((3, 2, 4)), attn_mask=np.zeros((3, 4), bool))
    with pytest.raises(ShapeError, match=r"\(2, 3, 4\).*\(2, 3, 5\)"):
        ann.scaled_dot_product_attention(
            np.zeros((2, 3, 4)), np.zeros((2, 3, 5)), np.zeros((2, 3, 5))
        )


def test_softmax_rows_far_below_the_block_maximum(rng, gradcheck):
    """One query with huge scores sets the block's shift; other rows underflow
    against it and must be recomputed with their own maximum."""
    q = rng.standard_normal((1, 3, 4))
    q[0, 0] *= 1e3
    k, v = rng.standard_normal((1, 5, 4)), rng.standard_normal((1, 5, 2))
    out = ann.scaled_dot_product_attention(q, k, v).data
    ref = _softmax(q @ k.transpose(0, 2, 1) / 2.0) @ v
    np.testing.assert_allclose(out, ref, rtol=1e-13)
    qt = ann.Tensor(q, requires_grad=True)
    kt = ann.Tensor(k, requires_grad=True)
    gradcheck(lambda: ann.scaled_dot_product_attention(qt, kt, v), [kt])


def test_fully_masked_row_gives_nan_like_pytorch(rng):
    q, k, v = (rng.standard_normal((1, 2, 3)) for _ in range(3))
    mask = np.array([[True, True], [False, True]])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        out = ann.scaled_dot_product_attention(q, k, v, mask).data
    assert np.all(np.isnan(out[0, 0])) and np.allclose(out[0, 1], v[0, 0], rtol=1e-15)


def test_threaded_chunks_match_single_thread(rng, gradcheck, monkeypatch):
    """The batch split over threads gives the same numbers as one block."""
    from neurosim.ann import attention

    monkeypatch.setattr(attention, "_MIN_PARALLEL", 0)
    mha = ann.MultiHeadAttention(6, 2, dropout=0.2, seed=1)
    x = ann.Tensor(rng.standard_normal((4, 5, 6)), requires_grad=True)
    pad = np.zeros((5, 4), bool)
    pad[2, 3] = True
    results = {}
    try:
        for n in (1, 3):
            attention.set_num_threads(n)
            mha.rng = np.random.default_rng(0)  # the same dropout masks
            x.grad = None
            out, w = mha(x, key_padding_mask=pad, need_weights=True)
            out.sum().backward()
            results[n] = (out.data, w, x.grad)
        for a, b in zip(results[1], results[3], strict=True):
            np.testing.assert_array_equal(a, b)  # same arithmetic per row: bitwise
        mha.eval()
        gradcheck(lambda: mha(x, key_padding_mask=pad), [x, *mha.parameters()])
    finally:
        attention.set_num_threads(None)
