"""Same weights, same inputs: outputs and every parameter gradient match PyTorch.

float64 throughout; the tolerance 1e-10 is the issue's requirement (observed
differences are ~1e-15, summation-order rounding).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ann

torch = pytest.importorskip("torch")

TOL = 1e-10


@pytest.fixture(autouse=True)
def _float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _copy(ours, theirs):
    ours.load_state_dict(dict(theirs.named_parameters()))


def _compare(ours_out, theirs_out, ours, theirs, weights):
    """Backward of sum(out_i * w_i) on both sides; compare outputs and all grads."""
    for o, t in zip(ours_out, theirs_out, strict=True):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=TOL, atol=TOL)
    loss = sum((o * w).sum() for o, w in zip(ours_out, weights, strict=True))
    loss.backward()
    tloss = sum(
        (t * torch.from_numpy(w)).sum()
        for t, w in zip(theirs_out, weights, strict=True)
    )
    tloss.backward()
    tgrads = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert sorted(names) == sorted(tgrads)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad, tgrads[name].grad.numpy(), rtol=TOL, atol=TOL, err_msg=name
        )


def _weights(rng, *outs):
    return [rng.standard_normal(o.shape) for o in outs]


def test_linear_and_mlp(rng):
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3)
    )
    ours = ann.MLP([5, 7, 3], activation="tanh")
    ours.load_state_dict(
        {
            k.replace("0.", "layers.0.").replace("2.", "layers.1."): v
            for k, v in theirs.state_dict().items()
        }
    )
    x = rng.standard_normal((4, 5))
    out, tout = ours(x), theirs(torch.from_numpy(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=TOL, atol=TOL)
    y = rng.integers(0, 3, 4)
    ann.cross_entropy(out, y).backward()
    torch.nn.functional.cross_entropy(tout, torch.from_numpy(y)).backward()
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(
            p.grad, tp.grad.numpy(), rtol=TOL, atol=TOL, err_msg=name
        )


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_recurrent(kind, rng):
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2)
    ours = getattr(ann, kind)(3, 5, num_layers=2)
    _copy(ours, theirs)
    x = rng.standard_normal((7, 2, 3))
    h0 = rng.standard_normal((2, 2, 5))
    tx = torch.from_numpy(x).requires_grad_()
    if kind == "LSTM":
        c0 = rng.standard_normal((2, 2, 5))
        out, (hn, cn) = ours(x, (h0, c0))
        tout, (thn, tcn) = theirs(tx, (torch.from_numpy(h0), torch.from_numpy(c0)))
        outs, touts = (out, hn, cn), (tout, thn, tcn)
    else:
        out, hn = ours(x, h0)
        tout, thn = theirs(tx, torch.from_numpy(h0))
        outs, touts = (out, hn), (tout, thn)
    _compare(outs, touts, ours, theirs, _weights(rng, *outs))


@pytest.mark.parametrize("masks", [False, True])
def test_multihead_attention(masks, rng):
    theirs = torch.nn.MultiheadAttention(8, 2)
    ours = ann.MultiHeadAttention(8, 2)
    with torch.no_grad():
        for p in theirs.parameters():  # non-zero biases
            p.add_(
                0.1 * torch.randn(p.shape, generator=torch.Generator().manual_seed(0))
            )
    _copy(ours, theirs)
    x = rng.standard_normal((6, 3, 8))
    kw, tkw = {}, {}
    if masks:
        pad = np.zeros((3, 6), bool)
        pad[2, 4:] = True
        kw = dict(key_padding_mask=pad, causal=True)
        tkw = dict(
            key_padding_mask=torch.from_numpy(pad),
            attn_mask=torch.from_numpy(ann.causal_mask(6)),
        )
    out = ours(x, **kw)
    tx = torch.from_numpy(x)
    tout, _ = theirs(tx, tx, tx, need_weights=False, **tkw)
    _compare((out,), (tout,), ours, theirs, _weights(rng, out))


def test_multihead_cross_attention(rng):
    theirs = torch.nn.MultiheadAttention(4, 2)
    ours = ann.MultiHeadAttention(4, 2)
    _copy(ours, theirs)
    q, kv = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))
    out = ours(q, kv, kv)
    tout, _ = theirs(torch.from_numpy(q), torch.from_numpy(kv), torch.from_numpy(kv))
    _compare((out,), (tout,), ours, theirs, _weights(rng, out))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer(norm_first, rng):
    theirs = torch.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, norm_first=norm_first
    )
    ours = ann.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first)
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(
                0.1 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1))
            )
    _copy(ours, theirs)
    x = rng.standard_normal((5, 3, 8))
    out = ours(x)
    tout = theirs(torch.from_numpy(x))
    _compare((out,), (tout,), ours, theirs, _weights(rng, out))


def test_optimisers_follow_pytorch(rng):
    """Ten steps of SGD with Nesterov momentum and of Adam with weight decay."""
    w0 = rng.standard_normal((4, 3))
    target = rng.standard_normal((4, 3))
    for ours_cls, theirs_cls, kw in [
        (
            ann.SGD,
            torch.optim.SGD,
            dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        ),
        (ann.Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.01)),
    ]:
        p = ann.Tensor(w0.copy(), requires_grad=True)
        tp = torch.tensor(w0.copy(), requires_grad=True)
        opt, topt = ours_cls([p], **kw), theirs_cls([tp], **kw)
        for _ in range(10):
            opt.zero_grad()
            ((p - target) ** 2).sum().backward()
            opt.step()
            topt.zero_grad()
            ((tp - torch.from_numpy(target)) ** 2).sum().backward()
            topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=TOL, atol=TOL)
