"""Spiking layers: outputs and gradients equal snnTorch 1.0's, bad input rejected.

float64 throughout; the tolerance 1e-10 is the issue's requirement (observed
differences are ~1e-15, summation-order rounding). snnTorch computes spikes as
``(x > 0).float()``, i.e. float32, which would round the float64 gradients
flowing into the spikes to float32; the reference surrogates below therefore
make spikes in the input's dtype and reuse snnTorch's own ``backward``
(the surrogate formula) unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurosim import ann
from neurosim.ann import spiking

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")
from snntorch import surrogate as snn_surrogate  # noqa: E402

TOL = 1e-10


class _ATan64(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x > 0).to(x.dtype)

    backward = snn_surrogate.ATan.backward


class _FastSigmoid64(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x > 0).to(x.dtype)

    backward = snn_surrogate.FastSigmoid.backward


def _reference_surrogate(name, value):
    fn = _ATan64 if name == "atan" else _FastSigmoid64
    return lambda x: fn.apply(x, value)


def _ours_surrogate(name, value):
    return ann.ATan(value) if name == "atan" else ann.FastSigmoid(value)


def _torch64(a):
    return torch.tensor(a, dtype=torch.float64)


def _check(ours_outs, theirs_outs, pairs, rng):
    """Compare outputs, then grads of sum(out_i * R_i) for each (ours, theirs)."""
    for o, t in zip(ours_outs, theirs_outs, strict=True):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=0, atol=TOL)
    weights = [rng.standard_normal(o.shape) for o in ours_outs]
    loss = sum((o * w).sum() for o, w in zip(ours_outs, weights, strict=True))
    loss.backward()
    tloss = sum(
        (t * torch.from_numpy(w)).sum()
        for t, w in zip(theirs_outs, weights, strict=True)
    )
    tloss.backward()
    for ours, theirs in pairs:
        scale = max(1.0, np.abs(theirs.grad.numpy()).max())
        np.testing.assert_allclose(
            ours.grad, theirs.grad.numpy(), rtol=0, atol=TOL * scale
        )


def _run_torch_leaky(neuron, cur, mem0, spk0=None):
    spk, mem = spk0, mem0
    spks, mems = [], []
    for t in range(cur.shape[0]):
        if spk0 is None:
            spk, mem = neuron(cur[t], mem)
        else:
            spk, mem = neuron(cur[t], spk, mem)
        spks.append(spk)
        mems.append(mem)
    return torch.stack(spks), torch.stack(mems)


CASES = [
    ("atan", 2.0, "subtract"),
    ("atan", 2.0, "zero"),
    ("fast_sigmoid", 25.0, "subtract"),
    ("fast_sigmoid", 25.0, "zero"),
]


def _leaky_pair(sname, svalue, reset, delay, beta, thr):
    theirs = snn.Leaky(
        beta=_torch64(beta),
        threshold=_torch64(thr),
        spike_grad=_reference_surrogate(sname, svalue),
        reset_mechanism=reset,
        reset_delay=delay,
    )
    # snnTorch's immediate reset (reset_delay=False) is not detached
    ours = ann.Leaky(
        beta, thr, _ours_surrogate(sname, svalue), reset, delay, detach_reset=delay
    )
    return ours, theirs


@pytest.mark.parametrize(("sname", "svalue", "reset"), CASES)
def test_leaky_equals_snntorch(sname, svalue, reset):
    """Default semantics: delayed, detached reset; per-neuron beta; mem0 given."""
    rng = np.random.default_rng(0)
    T, N, n_in, H = 30, 4, 5, 7
    beta, thr = rng.uniform(0.7, 0.95, H), 0.8
    x = rng.standard_normal((T, N, n_in))
    w = rng.standard_normal((H, n_in)) * 0.6
    b = rng.standard_normal(H) * 0.2
    mem0 = rng.uniform(0, 1.5, (N, H))  # some start above threshold
    layer, neuron = _leaky_pair(sname, svalue, reset, True, beta, thr)

    xt = _torch64(x).requires_grad_()
    wt, bt = _torch64(w).requires_grad_(), _torch64(b).requires_grad_()
    m0t = _torch64(mem0).requires_grad_()
    theirs = _run_torch_leaky(neuron, torch.nn.functional.linear(xt, wt, bt), m0t)

    xo = ann.Tensor(x, requires_grad=True)
    wo, bo = ann.Tensor(w, requires_grad=True), ann.Tensor(b, requires_grad=True)
    m0o = ann.Tensor(mem0, requires_grad=True)
    ours = layer(ann.linear(xo, wo, bo), m0o)
    assert 0.05 < ours[0].data.mean() < 0.6  # both sides of threshold exercised
    _check(ours, theirs, [(xo, xt), (wo, wt), (bo, bt), (m0o, m0t)], rng)


@pytest.mark.parametrize(("sname", "svalue", "reset"), CASES)
def test_immediate_reset_equals_snntorch(sname, svalue, reset):
    """reset_delay=False: snnTorch's reset then carries gradient (not detached)."""
    rng = np.random.default_rng(4)
    T, N, H, beta, thr = 30, 4, 6, 0.8, 1.0
    cur = rng.uniform(-0.3, 0.9, (T, N, H))
    layer, neuron = _leaky_pair(sname, svalue, reset, False, beta, thr)
    ct = _torch64(cur).requires_grad_()
    theirs = _run_torch_leaky(neuron, ct, torch.zeros(N, H, dtype=torch.float64))
    co = ann.Tensor(cur, requires_grad=True)
    ours = layer(co)
    assert 0.05 < ours[0].data.mean() < 0.6
    # snnTorch subtracts a pending reset before reading the spike when a membrane
    # stays above threshold after its reset; these inputs keep off that case
    assert np.all(ours[1].data <= thr)
    _check(ours, theirs, [(co, ct)], rng)


@pytest.mark.parametrize(("sname", "svalue", "reset"), CASES)
def test_rleaky_equals_snntorch(sname, svalue, reset):
    """Reset by subtraction: snnTorch's RLeaky. Reset to zero: snnTorch's RLeaky
    also zeroes the input of the reset step, unlike its Leaky; ours keeps Leaky's
    equation for both layers, so the reference there is snnTorch's Leaky driven
    by the same recurrent Linear."""
    rng = np.random.default_rng(1)
    T, N, n_in, H = 25, 3, 4, 6
    beta = 0.85
    x = rng.standard_normal((T, N, n_in))
    w = rng.standard_normal((H, n_in)) * 0.7
    spk0 = (rng.random((N, H)) < 0.5).astype(float)
    mem0 = rng.uniform(0, 1.2, (N, H))

    torch.manual_seed(0)
    neuron = snn.RLeaky(
        beta=_torch64(beta),
        linear_features=H,
        spike_grad=_reference_surrogate(sname, svalue),
        reset_mechanism=reset,
    ).double()
    layer = ann.RLeaky(H, beta, 1.0, _ours_surrogate(sname, svalue), reset)
    layer.load_state_dict(dict(neuron.named_parameters()))

    xt, wt = _torch64(x).requires_grad_(), _torch64(w).requires_grad_()
    m0t, s0t = _torch64(mem0).requires_grad_(), _torch64(spk0).requires_grad_()
    if reset == "subtract":
        theirs = _run_torch_leaky(neuron, xt @ wt.T, m0t, s0t)
    else:
        leaky = snn.Leaky(
            beta=_torch64(beta),
            spike_grad=_reference_surrogate(sname, svalue),
            reset_mechanism=reset,
        )
        spk, mem, spks, mems = s0t, m0t, [], []
        for t in range(T):
            spk, mem = leaky(xt[t] @ wt.T + neuron.recurrent(spk), mem)
            spks.append(spk)
            mems.append(mem)
        theirs = torch.stack(spks), torch.stack(mems)

    xo, wo = ann.Tensor(x, requires_grad=True), ann.Tensor(w, requires_grad=True)
    m0o, s0o = ann.Tensor(mem0, requires_grad=True), ann.Tensor(spk0, True)
    ours = layer(xo @ wo.T, s0o, m0o)
    assert 0.05 < ours[0].data.mean() < 0.7
    pairs = [(xo, xt), (wo, wt), (m0o, m0t), (s0o, s0t)]
    pairs += [
        (layer.recurrent.weight, neuron.recurrent.weight),
        (layer.recurrent.bias, neuron.recurrent.bias),
    ]
    _check(ours, theirs, pairs, rng)


def test_detached_immediate_reset_equals_torch_reference():
    """reset_delay=False with the reset detached, against the same loop in torch."""
    rng = np.random.default_rng(2)
    T, N, H, beta, thr = 20, 3, 5, 0.9, 1.0
    cur = rng.standard_normal((T, N, H)) * 0.8
    sg = _reference_surrogate("atan", 2.0)
    for reset in ("subtract", "zero"):
        ct = _torch64(cur).requires_grad_()
        u = torch.zeros(N, H, dtype=torch.float64)
        spks, mems = [], []
        for t in range(T):
            pre = beta * u + ct[t]
            s = sg(pre - thr)
            u = (
                pre - s.detach() * thr
                if reset == "subtract"
                else pre * (1 - s.detach())
            )
            spks.append(s)
            mems.append(u)
        theirs = (torch.stack(spks), torch.stack(mems))
        co = ann.Tensor(cur, requires_grad=True)
        layer = ann.Leaky(beta, thr, "atan", reset, reset_delay=False)
        _check(layer(co), theirs, [(co, ct)], rng)


def test_spike_op_and_surrogate_defaults():
    x = np.array([-0.3, 0.0, 0.2, 1.5])
    t = ann.Tensor(x, requires_grad=True)
    s = ann.spike(t)  # arctan, alpha = 2
    np.testing.assert_array_equal(s.data, [0, 0, 1, 1])
    s.sum().backward()
    want = 1.0 / (1 + (np.pi * x) ** 2)  # alpha/2 / (1 + (pi alpha x / 2)^2)
    np.testing.assert_allclose(t.grad, want, rtol=1e-15)
    t.grad = None
    ann.spike(t, "fast_sigmoid").sum().backward()
    np.testing.assert_allclose(t.grad, 1 / (1 + 25 * np.abs(x)) ** 2, rtol=1e-15)
    assert ann.Leaky().surrogate.alpha == 2.0
    assert spiking.get_surrogate("fast_sigmoid").slope == 25.0


def test_float32_layer_runs_in_float32():
    rng = np.random.default_rng(3)
    cur = ann.Tensor(rng.standard_normal((10, 2, 4)).astype(np.float32), True)
    spk, mem = ann.RLeaky(4, dtype=np.float32, seed=0)(cur)
    assert spk.dtype == mem.dtype == np.float32
    (spk.sum() + mem.sum()).backward()
    assert cur.grad.dtype == np.float32


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="surrogate"):
        ann.Leaky(surrogate="sigmoid")
    with pytest.raises(ValueError, match="reset"):
        ann.Leaky(reset="none")
    with pytest.raises(ValueError, match="beta"):
        ann.Leaky(beta=1.5)
    with pytest.raises(ValueError, match="detach_reset"):
        ann.Leaky(detach_reset=False)
    with pytest.raises(ValueError, match=r"Leaky: input must have shape"):
        ann.Leaky()(np.zeros((3, 4)))
    net = ann.SpikingMLP([4, 6, 2], spike_input=True, seed=0)
    with pytest.raises(ValueError, match="x: spike input must contain only 0 and 1"):
        net(np.full((5, 2, 4), 0.5))
    with pytest.raises(ValueError, match=r"x: spike input must have shape \(seq"):
        net(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="x: expected 4 features"):
        net(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="x: spike probabilities"):
        ann.rate_encode(np.array([[1.5]]), 10, seed=0)
