"""Recurrent layers: RNN, GRU, LSTM (PyTorch-compatible) and minGRU.

Inputs are time-major, ``(seq, batch, feature)``, as PyTorch's default.
Parameters carry PyTorch's names, shapes and gate order, per layer ``k``:
``weight_ih_l{k}`` (G*hidden, in), ``weight_hh_l{k}`` (G*hidden, hidden),
``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*hidden,), with G = 1 (RNN),
3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o). ``load_state_dict(torch_model.state_dict())``
copies a PyTorch model's weights in.

Each layer's whole sequence is one :class:`~neurosim.ann.tensor.Function` with a
hand-written backward (backpropagation through time): the input projection of
all time steps is one matrix product before the loop, the weight gradients are
one matrix product after it, and only ``h @ W_hh.T`` and the gate arithmetic run
per step. :class:`RNNCell` is the same vanilla cell built from primitive ops, for
unrolling by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_rng,
    check_alloc,
    check_choice,
    check_number,
    check_size,
)
from ..exceptions import ShapeError
from . import functions as F
from . import init as _init
from .nn import Module, _dtype, parameter
from .tensor import Function, Tensor, as_tensor


def _sig(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5


def _project(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x @ w.T + b`` for every time step at once: (T, N, I) -> (T, N, G)."""
    T, N, _ = x.shape
    out = x.reshape(T * N, -1) @ w.T
    out += b
    return out.reshape(T, N, -1)


def _weight_grads(
    dA: np.ndarray, x: np.ndarray, hprev: np.ndarray, need_ih: bool, need_hh: bool
):
    """Gradients of W_ih, W_hh and the (summed) biases from pre-activation grads."""
    T, N, G = dA.shape
    d2 = dA.reshape(T * N, G)
    gw_ih = d2.T @ x.reshape(T * N, -1) if need_ih else None
    gw_hh = d2.T @ hprev.reshape(T * N, -1) if need_hh else None
    gb = d2.sum(axis=0)
    return gw_ih, gw_hh, gb


# ---------------------------------------------------------------------- RNN
class RNNLayerFn(Function):
    r"""Vanilla RNN over a sequence.

    :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`,
    :math:`\phi` = tanh or ReLU.
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh, relu=False):
        T, N, _ = x.shape
        H = w_hh.shape[1]
        A = _project(x, w_ih, b_ih + b_hh)
        hs = np.empty((T + 1, N, H), dtype=x.dtype)
        hs[0] = h0
        whh_t = w_hh.T
        for t in range(T):
            a = A[t]
            a += hs[t] @ whh_t
            if relu:
                np.maximum(a, 0, out=hs[t + 1])
            else:
                np.tanh(a, out=hs[t + 1])
        self.x, self.hs, self.w_ih, self.w_hh, self.relu = x, hs, w_ih, w_hh, relu
        return hs[1:]

    def backward(self, g):
        hs, w_hh = self.hs, self.w_hh
        T = g.shape[0]
        out = hs[1:]
        deriv = (out > 0).astype(out.dtype) if self.relu else 1 - out * out
        dA = np.empty_like(g)
        dh = np.zeros_like(hs[0])
        for t in range(T - 1, -1, -1):
            dh += g[t]
            np.multiply(dh, deriv[t], out=dA[t])
            dh = dA[t] @ w_hh
        gw_ih, gw_hh, gb = _weight_grads(dA, self.x, hs[:-1], *self.needs[2:4])
        gx = dA @ self.w_ih if self.needs[0] else None
        return gx, dh, gw_ih, gw_hh, gb, gb


# ---------------------------------------------------------------------- GRU
class GRULayerFn(Function):
    r"""GRU over a sequence (PyTorch's equations, gate order r, z, n).

    .. math::
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t (W_{hn} h_{t-1} + b_{hn})) \\
        h_t = (1 - z_t) n_t + z_t h_{t-1}
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh):
        T, N, _ = x.shape
        H = w_hh.shape[1]
        X = _project(x, w_ih, b_ih)
        hs = np.empty((T + 1, N, H), dtype=x.dtype)
        hs[0] = h0
        HW = np.empty((T, N, 3 * H), dtype=x.dtype)  # W_hh h + b_hh
        RZ = np.empty((T, N, 2 * H), dtype=x.dtype)
        Nn = np.empty((T, N, H), dtype=x.dtype)
        whh_t = w_hh.T
        for t in range(T):
            hw = np.matmul(hs[t], whh_t, out=HW[t])
            hw += b_hh
            rz = np.add(X[t, :, : 2 * H], hw[:, : 2 * H], out=RZ[t])
            rz[:] = _sig(rz)
            n = np.multiply(rz[:, :H], hw[:, 2 * H :], out=Nn[t])
            n += X[t, :, 2 * H :]
            np.tanh(n, out=n)
            h = np.subtract(hs[t], n, out=hs[t + 1])
            h *= rz[:, H:]
            h += n
        self.x, self.hs, self.HW, self.RZ, self.Nn = x, hs, HW, RZ, Nn
        self.w_ih, self.w_hh = w_ih, w_hh
        return hs[1:]

    def backward(self, g):
        hs, HW, RZ, Nn, w_hh = self.hs, self.HW, self.RZ, self.Nn, self.w_hh
        T, N, H = g.shape
        DX = np.empty((T, N, 3 * H), dtype=g.dtype)  # d(input pre-activations)
        DH = np.empty((T, N, 3 * H), dtype=g.dtype)  # d(W_hh h + b_hh)
        dh = np.zeros_like(hs[0])
        for t in range(T - 1, -1, -1):
            dh += g[t]
            r, z, n = RZ[t, :, :H], RZ[t, :, H:], Nn[t]
            dan = dh * (1 - z) * (1 - n * n)
            dr = dan * HW[t, :, 2 * H :]
            DX[t, :, :H] = dr * r * (1 - r)
            DX[t, :, H : 2 * H] = dh * (hs[t] - n) * z * (1 - z)
            DX[t, :, 2 * H :] = dan
            DH[t, :, : 2 * H] = DX[t, :, : 2 * H]
            np.multiply(dan, r, out=DH[t, :, 2 * H :])
            dh = dh * z + DH[t] @ w_hh
        T_N = T * N
        d2x, d2h = DX.reshape(T_N, 3 * H), DH.reshape(T_N, 3 * H)
        n = self.needs
        gx = DX @ self.w_ih if n[0] else None
        gw_ih = d2x.T @ self.x.reshape(T_N, -1) if n[2] else None
        gw_hh = d2h.T @ hs[:-1].reshape(T_N, H) if n[3] else None
        return gx, dh, gw_ih, gw_hh, d2x.sum(axis=0), d2h.sum(axis=0)


# --------------------------------------------------------------------- LSTM
def _lstm_perm(H: int) -> np.ndarray:
    """Row order (o, i, f, g) from PyTorch's (i, f, g, o).

    Internally the sigmoid gates (o, i, f) and the gates multiplied by the cell
    gradient (i, f, g) are each contiguous, so each group is one array operation.
    """
    return np.concatenate(
        [
            np.arange(3 * H, 4 * H),
            np.arange(0, H),
            np.arange(H, 2 * H),
            np.arange(2 * H, 3 * H),
        ]
    )


class LSTMLayerFn(Function):
    r"""LSTM over a sequence (cuDNN/PyTorch equations, gate order i, f, g, o).

    .. math::
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}), \quad
        f_t = \sigma(\dots), \quad g_t = \tanh(\dots), \quad o_t = \sigma(\dots) \\
        c_t = f_t c_{t-1} + i_t g_t, \qquad h_t = o_t \tanh(c_t)

    Outputs ``(h_1..h_T, c_T)``. The logistic gates use
    :math:`\sigma(a) = (1 + \tanh(a/2)) / 2`: their weight rows are pre-scaled by
    1/2, so one ``tanh`` over all four gates evaluates them.
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        from ..kernels.ann import lstm_cell_forward  # numba loads on first use only

        T, N, _ = x.shape
        H = w_hh.shape[1]
        dt = x.dtype
        perm = _lstm_perm(H)
        scale = np.ones(4 * H, dtype=dt)
        scale[: 3 * H] = 0.5
        w_ih_p = w_ih[perm] * scale[:, None]
        whh_t = (w_hh[perm] * scale[:, None]).T
        A = _project(x, w_ih_p, (b_ih + b_hh)[perm] * scale)
        hs = np.empty((T + 1, N, H), dtype=dt)
        cs = np.empty((T + 1, N, H), dtype=dt)
        TC = np.empty((T, N, H), dtype=dt)
        hs[0], cs[0] = h0, c0
        hw = np.empty((N, 4 * H), dtype=dt)
        half = dt.type(0.5)
        for t in range(T):
            a = A[t]
            a += np.matmul(hs[t], whh_t, out=hw)
            np.tanh(a, out=a)
            lstm_cell_forward(a, cs[t], cs[t + 1], half)
            np.tanh(cs[t + 1], out=TC[t])
            np.multiply(a[:, :H], TC[t], out=hs[t + 1])
        self.x, self.hs, self.cs, self.TC, self.A = x, hs, cs, TC, A
        self.w_ih, self.w_hh, self.perm = w_ih, w_hh, perm
        return hs[1:], cs[T].copy()

    def backward(self, g, gc):
        from ..kernels.ann import lstm_cell_backward

        hs, cs, TC, A, perm = self.hs, self.cs, self.TC, self.A, self.perm
        T, N, H = g.shape
        g = np.ascontiguousarray(g)  # one kernel specialisation (C layout)
        whh_p = np.ascontiguousarray(self.w_hh[perm])
        dA = np.empty((T, N, 4 * H), dtype=g.dtype)
        dc = np.array(gc, dtype=g.dtype)
        dhc = np.zeros((N, H), dtype=g.dtype)
        one = g.dtype.type(1)
        for t in range(T - 1, -1, -1):
            lstm_cell_backward(g[t], dhc, A[t], TC[t], cs[t], dc, dA[t], one)
            dhc = dA[t] @ whh_p
        inv = np.argsort(perm)
        needs = self.needs
        gw_ih, gw_hh, gb = _weight_grads(dA, self.x, hs[:-1], *needs[3:5])
        gx = dA @ self.w_ih[perm] if needs[0] else None
        gw_ih = None if gw_ih is None else gw_ih[inv]
        gw_hh = None if gw_hh is None else gw_hh[inv]
        gb = gb[inv]
        return gx, dhc, dc, gw_ih, gw_hh, gb, gb


def _sequence(x: Any, input_size: int) -> Tensor:
    """``x`` checked as a non-empty ``(seq, batch, input_size)`` input."""
    x = as_tensor(x, name="x")
    if x.ndim != 3 or x.shape[2] != input_size or x.size == 0:
        raise ShapeError(
            f"x: expected a non-empty input of shape (seq, batch, {input_size}) "
            f"(got {x.shape})"
        )
    return x


# ------------------------------------------------------------------- modules
class _RecurrentBase(Module):
    n_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        *,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        self.input_size = int(
            check_number("input_size", input_size, low=1, integer=True)
        )
        self.hidden_size = int(
            check_number("hidden_size", hidden_size, low=1, integer=True)
        )
        self.num_layers = int(
            check_number("num_layers", num_layers, low=1, integer=True)
        )
        self.bias = bool(bias)
        self.seed = seed  # ann.fit shuffles from it by default
        rng, dt = as_rng(seed), _dtype(dtype)
        H, G = self.hidden_size, self.n_gates * self.hidden_size
        per_layer = G * (max(self.input_size, H) + H + 2)
        check_alloc(
            "input_size, hidden_size", G * self.input_size, what="the input weights"
        )
        check_alloc("hidden_size", G * (H + 2), what="the recurrent weights")
        check_alloc(
            "input_size, hidden_size, num_layers",
            self.num_layers * per_layer,
            what="the weights",
        )
        bound = 1.0 / np.sqrt(
            H
        )  # PyTorch: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else H
            setattr(
                self,
                f"weight_ih_l{k}",
                parameter(_init.uniform((G, n_in), bound, rng, dt)),
            )
            setattr(
                self,
                f"weight_hh_l{k}",
                parameter(_init.uniform((G, H), bound, rng, dt)),
            )
            b_ih = _init.uniform((G,), bound, rng, dt) if bias else np.zeros(G, dt)
            b_hh = _init.uniform((G,), bound, rng, dt) if bias else np.zeros(G, dt)
            setattr(self, f"bias_ih_l{k}", Tensor(b_ih, requires_grad=bias))
            setattr(self, f"bias_hh_l{k}", Tensor(b_hh, requires_grad=bias))

    def _layer(self, k: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return tuple(
            getattr(self, f"{n}_l{k}")
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def _check(self, x: Any, state: Any, name: str) -> tuple[Tensor, Tensor]:
        x = _sequence(x, self.input_size)
        want = (self.num_layers, x.shape[1], self.hidden_size)
        if state is None:
            return x, Tensor(np.zeros(want, dtype=x.dtype))
        state = as_tensor(state, name=name)
        if state.shape != want:
            raise ShapeError(
                f"{type(self).__name__}: {name} must have shape {want} "
                f"(got {state.shape})"
            )
        return x, state

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"


class RNN(_RecurrentBase):
    r"""Elman RNN, :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    ``nonlinearity="relu"`` replaces tanh by ReLU. Call with ``x`` (seq, batch,
    input_size) and optional ``h0`` (num_layers, batch, hidden); returns
    ``(output, h_n)`` with output (seq, batch, hidden) from the last layer and
    ``h_n`` (num_layers, batch, hidden), as PyTorch's ``nn.RNN``.

    Parameters
    ----------
    input_size : int
        Features per step of the input.
    hidden_size : int
        Width of the hidden state.
    num_layers : int
        Stacked layers. Default 1.
    nonlinearity : {"tanh", "relu"}
        The activation. Default ``"tanh"``.
    bias : bool
        Learn the biases. Default True.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    n_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        *,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(
            input_size, hidden_size, num_layers, bias, seed=seed, dtype=dtype
        )

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        x, h0 = self._check(x, h0, "h0")
        finals = []
        for k in range(self.num_layers):
            x = RNNLayerFn.apply(
                x, h0[k], *self._layer(k), relu=self.nonlinearity == "relu"
            )
            finals.append(x[-1])
        return x, F.stack(finals)


class GRU(_RecurrentBase):
    r"""Gated recurrent unit (PyTorch's ``nn.GRU``; gate order r, z, n).

    .. math::
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \quad
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t (W_{hn} h_{t-1} + b_{hn})), \quad
        h_t = (1 - z_t) n_t + z_t h_{t-1}

    Returns ``(output, h_n)`` like :class:`RNN`.

    Parameters
    ----------
    input_size : int
        Features per step of the input.
    hidden_size : int
        Width of the hidden state.
    num_layers : int
        Stacked layers. Default 1.
    bias : bool
        Learn the biases. Default True.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    n_gates = 3

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        x, h0 = self._check(x, h0, "h0")
        finals = []
        for k in range(self.num_layers):
            x = GRULayerFn.apply(x, h0[k], *self._layer(k))
            finals.append(x[-1])
        return x, F.stack(finals)


class LSTM(_RecurrentBase):
    r"""Long short-term memory (PyTorch's ``nn.LSTM``; gate order i, f, g, o).

    .. math::
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
        g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
        o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
        c_t = f_t c_{t-1} + i_t g_t, \qquad h_t = o_t \tanh(c_t)

    (two biases, as cuDNN). Call with ``x`` (seq, batch, input_size) and an
    optional ``(h0, c0)``, each (num_layers, batch, hidden); returns
    ``(output, (h_n, c_n))``.

    Parameters
    ----------
    input_size : int
        Features per step of the input.
    hidden_size : int
        Width of the hidden state.
    num_layers : int
        Stacked layers. Default 1.
    bias : bool
        Learn the biases. Default True.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    n_gates = 4

    def forward(
        self, x: Any, state: tuple[Any, Any] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h0, c0 = (None, None) if state is None else state
        x, h0 = self._check(x, h0, "h0")
        _, c0 = self._check(x, c0, "c0")
        hn, cn = [], []
        for k in range(self.num_layers):
            x, c = LSTMLayerFn.apply(x, h0[k], c0[k], *self._layer(k))
            hn.append(x[-1])
            cn.append(c)
        return x, (F.stack(hn), F.stack(cn))


class RNNCell(Module):
    r"""One vanilla RNN step from primitive ops.

    ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    For unrolling by hand (every step adds nodes to the graph); :class:`RNN`
    runs the same recurrence as a single fused op.

    Parameters
    ----------
    input_size : int
        Features per step of the input.
    hidden_size : int
        Width of the hidden state.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        self.seed = seed  # ann.fit shuffles from it by default
        rng, dt = as_rng(seed), _dtype(dtype)
        bound = 1.0 / np.sqrt(hidden_size)
        self.weight_ih = parameter(
            _init.uniform((hidden_size, input_size), bound, rng, dt)
        )
        self.weight_hh = parameter(
            _init.uniform((hidden_size, hidden_size), bound, rng, dt)
        )
        self.bias_ih = parameter(_init.uniform((hidden_size,), bound, rng, dt))
        self.bias_hh = parameter(_init.uniform((hidden_size,), bound, rng, dt))

    def forward(self, x: Any, h: Any) -> Tensor:
        """``x`` (batch, in), ``h`` (batch, hidden) -> (batch, hidden).

        Parameters
        ----------
        x : Tensor or array_like
            ``(batch, input_size)`` input.
        h : Tensor or array_like
            ``(batch, hidden_size)`` previous state.

        Returns
        -------
        Tensor
            ``(batch, hidden_size)`` new state.
        """
        return F.tanh(
            F.linear(x, self.weight_ih, self.bias_ih)
            + F.linear(h, self.weight_hh, self.bias_hh)
        )


# ------------------------------------------------------------------- minGRU
def _log_g(k: np.ndarray) -> np.ndarray:
    """log g(k), minGRU's positive activation: k + 1/2 (k >= 0), sigmoid(k) (k < 0)."""
    return np.where(k >= 0, np.log(np.maximum(k, 0) + 0.5), -np.logaddexp(0, -k))


def _logcumsumexp(a: np.ndarray, reverse: bool = False) -> np.ndarray:
    if reverse:
        return np.logaddexp.accumulate(a[::-1], axis=0)[::-1]
    return np.logaddexp.accumulate(a, axis=0)


class MinGRUScanFn(Function):
    r"""minGRU recurrence :math:`h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t` as a scan.

    With :math:`a_t = 1 - z_t`, :math:`b_t = z_t \tilde h_t > 0` and
    :math:`A_t = \sum_{s \le t} \log a_s`, the solution is
    :math:`h_t = e^{A_t} \big(h_0 + \sum_{s \le t} b_s e^{-A_s}\big)
    = \exp\!\big(A_t + \mathrm{logcumsumexp}_{s \le t}(\log b_s - A_s)\big)`:
    two cumulative operations over time, no loop (the parallel log-space scan of
    Feng et al. 2024). The adjoint :math:`\lambda_t = g_t + a_{t+1}\lambda_{t+1}`
    is the same scan run backwards, with positive and negative parts of the
    output gradient kept apart so everything stays in log space.
    """

    def forward(self, kz, kh, h0):
        log_a = -np.logaddexp(0, kz)  # log(1 - z)
        log_z = -np.logaddexp(0, -kz)
        log_b = log_z + _log_g(kh)
        A = np.cumsum(log_a, axis=0)
        with np.errstate(divide="ignore"):
            log_h0 = np.log(h0)
        terms = np.concatenate([log_h0[None], log_b - A], axis=0)
        h = np.exp(A + _logcumsumexp(terms)[1:])
        self.kz, self.kh, self.h0, self.h, self.A = kz, kh, h0, h, A
        return h

    def backward(self, g):
        kz, kh, A, h = self.kz, self.kh, self.A, self.h
        with np.errstate(divide="ignore"):
            lp = np.log(np.maximum(g, 0)) + A
            ln = np.log(np.maximum(-g, 0)) + A
        lam = np.exp(_logcumsumexp(lp, True) - A) - np.exp(_logcumsumexp(ln, True) - A)
        z = _sig(kz)
        hprev = np.concatenate([self.h0[None], h[:-1]], axis=0)
        ht = np.exp(_log_g(kh))
        dkz = lam * (ht - hprev) * z * (1 - z)
        dgk = np.where(kh >= 0, 1.0, _sig(kh) * (1 - _sig(kh))).astype(g.dtype)
        dkh = lam * z * dgk
        dh0 = lam[0] * (1 - z[0])
        return dkz, dkh, dh0


class MinGRU(Module):
    r"""minGRU (Feng et al. 2024, "Were RNNs all we needed?"), trained in parallel.

    .. math::
        z_t = \sigma(W_z x_t + b_z), \quad \tilde h_t = g(W_h x_t + b_h), \quad
        h_t = (1 - z_t) h_{t-1} + z_t \tilde h_t

    with :math:`g(k) = k + 1/2` for :math:`k \ge 0` and :math:`\sigma(k)` below,
    so that :math:`\tilde h > 0` and the recurrence runs as a log-space scan
    (:class:`MinGRUScanFn`). The gates do not depend on :math:`h_{t-1}`, which is
    what makes the scan possible. ``x`` (seq, batch, input_size), optional
    ``h0 >= 0`` (batch, hidden); returns ``h`` (seq, batch, hidden).
    Parameters: ``linear_z.weight``/``.bias`` and ``linear_h.weight``/``.bias``.

    Parameters
    ----------
    input_size : int
        Features per step of the input.
    hidden_size : int
        Width of the hidden state.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        from .nn import Linear

        self.input_size = check_size("input_size", input_size)
        self.hidden_size = check_size("hidden_size", hidden_size)
        check_alloc(
            "input_size, hidden_size",
            2 * self.hidden_size * (self.input_size + 1),
            what="the weights",
        )
        self.seed = seed  # ann.fit shuffles from it by default
        rng = as_rng(seed)
        self.linear_z = Linear(input_size, hidden_size, seed=rng, dtype=dtype)
        self.linear_h = Linear(input_size, hidden_size, seed=rng, dtype=dtype)

    def forward(self, x: Any, h0: Any = None) -> Tensor:
        x = _sequence(x, self.input_size)
        want = (x.shape[1], self.hidden_size)
        h0 = Tensor(np.zeros(want, x.dtype)) if h0 is None else as_tensor(h0, name="h0")
        if h0.shape != want:
            raise ShapeError(f"MinGRU: h0 must have shape {want} (got {h0.shape})")
        if np.any(h0.data < 0):
            raise ValueError("MinGRU: h0 must be >= 0 (the scan runs in log space)")
        return MinGRUScanFn.apply(self.linear_z(x), self.linear_h(x), h0)

    def step(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """One sequential step on arrays (reference for the scan; inference).

        Parameters
        ----------
        x : (batch, input_size) array
            The step's input.
        h : (batch, hidden_size) array
            The previous hidden state.

        Returns
        -------
        numpy.ndarray
            The new hidden state.
        """
        z = _sig(x @ self.linear_z.weight.data.T + self.linear_z.bias.data)
        ht = np.exp(_log_g(x @ self.linear_h.weight.data.T + self.linear_h.bias.data))
        return (1 - z) * h + z * ht

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"
