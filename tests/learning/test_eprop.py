"""e-prop: with BPTT's exact learning signal it is BPTT; online it points downhill.

The reference is PyTorch autograd through snnTorch's ``RLeaky`` (delayed,
detached reset, as e-prop assumes) and a leaky readout written out in torch.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ann
from neurosim.learning import EProp

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")
from snntorch import surrogate as snn_surrogate  # noqa: E402

# float64 sums over ~10^3 terms: differences ~1e-15 relative; 1e-10 as the
# spiking layers' parity requirement
TOL = 1e-10


class _FastSigmoid64(torch.autograd.Function):
    """snnTorch's fast sigmoid, spikes in the input's dtype (see test_spiking)."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x > 0).to(x.dtype)

    backward = snn_surrogate.FastSigmoid.backward


def _model(seed=0, **kw):
    return EProp((5, 8, 3), n_steps=40, beta=0.85, kappa=0.8, seed=seed, **kw)


def _data(model, seed=1, n=4):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 0.9, (model.n_steps, n, model.layer_sizes[0]))
    labels = rng.integers(0, model.layer_sizes[2], n)
    return x, labels


def _torch_bptt(model, x, labels):
    """Loss, parameter gradients and dE/dz_t (spikes' .grad) from torch autograd."""
    n_in, H, C = model.layer_sizes
    rnn = snn.RLeaky(
        beta=torch.tensor(model.beta, dtype=torch.float64),
        linear_features=H,
        spike_grad=lambda v: _FastSigmoid64.apply(v, 25.0),
    ).double()
    rnn.recurrent.weight.data = torch.from_numpy(
        model.net_["rnn"].recurrent.weight.data.copy()
    )
    rnn.recurrent.bias.data = torch.from_numpy(
        model.net_["rnn"].recurrent.bias.data.copy()
    )
    w_in = torch.from_numpy(model.net_["input"].weight.data.copy()).requires_grad_()
    w_out = torch.from_numpy(model.net_["readout"].weight.data.copy())
    b_out = torch.from_numpy(model.net_["readout"].bias.data.copy())
    w_out.requires_grad_()
    b_out.requires_grad_()
    T, N, _ = x.shape
    cur = torch.from_numpy(x) @ w_in.T
    spk = torch.zeros(N, H, dtype=torch.float64)
    mem = torch.zeros(N, H, dtype=torch.float64)
    y = torch.zeros(N, C, dtype=torch.float64)
    lab = torch.from_numpy(labels)
    loss, spikes = 0.0, []
    for t in range(T):
        spk, mem = rnn(cur[t], spk, mem)
        spk.retain_grad()
        spikes.append(spk)
        y = model.kappa * y + spk @ w_out.T + b_out
        loss = loss + torch.nn.functional.cross_entropy(y, lab)
    loss = loss / T
    loss.backward()
    grads = [
        w_in.grad,
        rnn.recurrent.weight.grad,
        rnn.recurrent.bias.grad,
        w_out.grad,
        b_out.grad,
    ]
    signal = torch.stack([s.grad for s in spikes])
    rate = float(torch.stack(spikes).detach().mean())
    return float(loss.detach()), [g.numpy() for g in grads], signal.numpy(), rate


def test_exact_learning_signal_gives_the_bptt_gradient():
    model = _model()
    x, labels = _data(model)
    loss_ref, grads_ref, signal_ref, rate = _torch_bptt(model, x, labels)
    assert 0.05 < rate < 0.6  # spikes and silences both present
    # our own BPTT learning signal is torch's dE/dz_t
    signal = model.exact_learning_signal(x, labels)
    np.testing.assert_allclose(signal, signal_ref, rtol=0, atol=TOL)
    # eq. 1: sum_t L_t psi_t eps_t with that signal equals the BPTT gradient
    loss, grads = model.gradients(x, labels, learning_signal=signal_ref)
    assert abs(loss - loss_ref) < TOL
    for g, r in zip(grads, grads_ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=0, atol=TOL * max(1, np.abs(r).max()))
    # and our autodiff's BPTT agrees as well
    model.bptt_loss(x, labels).backward()
    for p, r in zip(model.parameters(), grads_ref, strict=True):
        np.testing.assert_allclose(
            p.grad, r, rtol=0, atol=TOL * max(1, np.abs(r).max())
        )


@pytest.mark.parametrize("feedback", ["symmetric", "random"])
def test_online_eprop_is_close_to_bptt(feedback):
    model = _model(feedback=feedback)
    x, labels = _data(model, n=16)
    cos = model.bptt_cosine(x, labels)
    # the readout's gradient is exact and local
    assert cos["readout"] == pytest.approx(1.0, abs=1e-12)
    # the approximate signal still points downhill (Bellec et al. report
    # positive alignment for both kinds of feedback)
    assert cos["recurrent"] > 0.0
    assert cos["input"] > 0.0
    print(feedback, cos)


def test_readout_control_trains_only_the_readout():
    X, _, y, _ = ann.load_digits_split()
    model = EProp((64, 16, 10), n_steps=8, train="readout", seed=0)
    before = [p.data.copy() for p in model.parameters()]
    model.fit(X[:64], y[:64], epochs=1, seed=0)
    after = [p.data for p in model.parameters()]
    for b, a in zip(before[:3], after[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(before[3], after[3])


def test_eprop_learns_digits_quickly():
    X_tr, X_te, y_tr, y_te = ann.load_digits_split()
    model = EProp((64, 32, 10), n_steps=10, seed=0)
    model.fit(
        X_tr[:400],
        y_tr[:400],
        optimizer=ann.Adam(model.parameters(), lr=3e-3),
        epochs=3,
        validation_data=(X_te, y_te),
        seed=0,
    )
    # chance is 10 %; a few hundred samples already give far more
    assert model.history_["val_accuracy"][-1] > 0.6
    assert model.history_["spikes"][-1] > 0


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="encoding"):
        EProp(encoding="poisson")
    with pytest.raises(ValueError, match="feedback"):
        EProp(feedback="transpose")
    with pytest.raises(ValueError, match="surrogate"):
        EProp(surrogate="relu")
    model = EProp((4, 5, 2), n_steps=3, encoding="rate", seed=0)
    with pytest.raises(ValueError, match="x: spike input must contain only 0 and 1"):
        model.gradients(np.full((3, 2, 4), 0.3), [0, 1])
    with pytest.raises(ValueError, match=r"x: spike input must have shape"):
        model.gradients(np.zeros((2, 4)), [0, 1])
