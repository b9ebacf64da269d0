"""Attention: scaled dot-product, multi-head attention, positional encoding and the
transformer encoder layer.

Layouts follow PyTorch: :class:`MultiHeadAttention` and
:class:`TransformerEncoderLayer` take ``(seq, batch, embed)`` by default and
``(batch, seq, embed)`` with ``batch_first=True``; parameter names
(``in_proj_weight``, ``in_proj_bias``, ``out_proj.weight``, ``out_proj.bias``,
``self_attn.*``, ``linear1``, ``linear2``, ``norm1``, ``norm2``) and masks
(boolean, True = not allowed) are PyTorch's, so weights copy across.

The attention core (scores, softmax, weighted sum, head split and merge) is one
:class:`~neurosim.ann.tensor.Function` with a hand-written backward.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._validation import SeedLike, as_rng, check_alloc, check_number
from ..exceptions import ShapeError, ValidationError
from . import functions as F
from . import init as _init
from .nn import Dropout, LayerNorm, Linear, Module, _dtype, parameter
from .tensor import Function, Tensor, as_tensor


def _attend_block(q, k, v, mask, drop, scale):
    """Softmax attention on (..., L, d) arrays; returns output and saved arrays.

    The softmax is kept unnormalised, ``E = exp(S - m)``, with one shift ``m``
    per (L, S) block (a cheap reduction); rows whose sum would lose precision
    to underflow (sum below sqrt(tiny)) are redone with their own row maximum.
    The row normalisation ``1 / sum(E)`` is applied to the small (L, d) factors
    only, never to the (L, S) matrix.
    """
    qs = q * q.dtype.type(scale)
    s = qs @ np.swapaxes(k, -1, -2)
    if mask is not None:
        s += mask
    ones = np.ones(s.shape[-1], dtype=s.dtype)
    s -= s.max(axis=(-2, -1), keepdims=True)
    np.exp(s, out=s)
    rsum = (s @ ones)[..., None]
    low = rsum[..., 0] < np.sqrt(np.finfo(s.dtype).tiny)
    if low.any():  # rare: recompute the scores, shift those rows by their own max
        scores = qs @ np.swapaxes(k, -1, -2)
        if mask is not None:
            scores += mask
        scores -= scores.max(axis=-1, keepdims=True)
        s[low] = np.exp(scores[low])
        rsum[low] = (s[low] @ ones)[..., None]
    rinv = 1.0 / rsum
    out = (s if drop is None else s * drop) @ v
    out *= rinv
    return out, (qs, k, v, s, rinv, drop, out)


def _attend_block_backward(g, saved, scale):
    """Gradients (dq, dk, dv) of :func:`_attend_block`'s output."""
    qs, k, v, e, rinv, drop, out = saved
    if 0 in g.strides:  # a broadcast gradient would miss BLAS
        g = np.ascontiguousarray(g)
    ed = e if drop is None else e * drop
    dv = np.swapaxes(ed, -1, -2) @ (g * rinv)
    ds = g @ np.swapaxes(v, -1, -2)
    if drop is not None:
        ds *= drop
    # sum_j dP_ij P_ij = g_i . out_i, so the (L, S) product never has to be summed
    ds -= (g * out).sum(axis=-1, keepdims=True)
    ds *= e  # = dS / rinv (row factor applied below to the small results)
    dq = ds @ k
    dq *= rinv * dq.dtype.type(scale)
    dk = np.swapaxes(ds, -1, -2) @ (qs * rinv)
    return dq, dk, dv


# The (L, S) work of attention is elementwise numpy (exp, shifts, products),
# which runs on one core. numpy releases the GIL in ufuncs and matrix products,
# so splitting the batch into chunks handled by a few threads uses the others.
_MIN_PARALLEL = 1 << 18  # score elements below which threads do not pay
_POOL: list[Any] = [None, 0]


def set_num_threads(n: int | None) -> None:
    """Threads of the attention core on large batches (None: CPU count, at most 4).

    Parameters
    ----------
    n : int or None
        Threads (>= 1), or None for the CPU count capped at 4.
    """
    n = 0 if n is None else int(check_number("n", n, low=1, integer=True))
    if _POOL[0] is not None:
        _POOL[0].shutdown(wait=True)
    _POOL[0], _POOL[1] = None, n


def get_num_threads() -> int:
    """Threads used by the attention core (see :func:`set_num_threads`).

    Returns
    -------
    int
        The number of threads.
    """
    if not _POOL[1]:
        _POOL[1] = max(1, min(4, os.cpu_count() or 1))
    return _POOL[1]


def _map(fn, jobs):
    n = get_num_threads()
    if n == 1 or len(jobs) == 1:
        return [fn(*job) for job in jobs]
    if _POOL[0] is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL[0] = ThreadPoolExecutor(n, thread_name_prefix="neurosim-attention")
    return list(_POOL[0].map(lambda job: fn(*job), jobs))


def _chunks(B: int, n_scores: int) -> list[slice]:
    n = min(get_num_threads(), B) if n_scores >= _MIN_PARALLEL else 1
    edges = np.linspace(0, B, n + 1).astype(int)
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _part(x, sl, B):
    """Rows ``sl`` of ``x`` along the batch axis, or ``x`` when it is broadcast."""
    if x is None or x.ndim < 3 or x.shape[0] != B:
        return x
    return x[sl]


def _attend(q, k, v, mask, drop, scale):
    """:func:`_attend_block` over chunks of the leading (batch) axis, in threads.

    Returns the output and the list of per-chunk saved arrays.
    """
    B = q.shape[0] if q.ndim >= 3 and q.shape[0] == k.shape[0] == v.shape[0] else 1
    n_scores = q.size // q.shape[-1] * k.shape[-2]
    slices = _chunks(B, n_scores) if B > 1 else [slice(None)]
    if len(slices) == 1:
        out, saved = _attend_block(q, k, v, mask, drop, scale)
        return out, [(slice(None), saved)]
    jobs = [
        (q[sl], k[sl], v[sl], _part(mask, sl, B), _part(drop, sl, B), scale)
        for sl in slices
    ]
    results = _map(_attend_block, jobs)
    out = np.concatenate([r[0] for r in results], axis=0)
    return out, [(sl, r[1]) for sl, r in zip(slices, results, strict=True)]


def _attend_backward(g, saved, scale):
    """Gradients (dq, dk, dv) of :func:`_attend`'s output, chunk by chunk."""
    if len(saved) == 1:
        return _attend_block_backward(g, saved[0][1], scale)
    results = _map(_attend_block_backward, [(g[sl], part, scale) for sl, part in saved])
    return tuple(np.concatenate([r[i] for r in results], axis=0) for i in range(3))


def _attention_weights(saved) -> np.ndarray:
    """Normalised attention weights softmax(S) from the arrays kept by _attend."""
    return np.concatenate([part[3] * part[4] for _, part in saved], axis=0)


class AttentionFn(Function):
    r"""Scaled dot-product attention on ``(..., L, d)`` arrays.

    .. math:: \mathrm{out} = \mathrm{softmax}\!\left(\frac{Q K^T}{\sqrt{d}} + M\right) V

    ``mask`` is additive (``-inf`` where not allowed); ``drop`` multiplies the
    attention weights (dropout mask, already divided by ``1 - p``).
    """

    def forward(self, q, k, v, mask=None, drop=None, scale=1.0):
        out, self.saved = _attend(q, k, v, mask, drop, scale)
        self.scale = scale
        return out

    def backward(self, g):
        return _attend_backward(g, self.saved, self.scale)


def _check_dims(
    d_model: Any,
    nhead: Any,
    dim_feedforward: Any,
    num_layers: int = 1,
    names: tuple[str, str] = ("d_model", "nhead"),
) -> tuple[int, int]:
    """Check a transformer's widths (errors name ``names``) and that its weights fit.

    Returns ``(d_model, nhead)`` as ints. The weights of ``num_layers`` layers
    hold ``4 d^2`` values each for the attention projections, plus ``2 d ff``
    for the feed-forward part (``dim_feedforward=False``: attention only).
    """
    d_name, h_name = names
    d = int(check_number(d_name, d_model, low=1, integer=True))
    h = int(check_number(h_name, nhead, low=1, integer=True))
    n, sizes = 4 * d * d, d_name
    if dim_feedforward is not False:
        ff = int(check_number("dim_feedforward", dim_feedforward, low=1, integer=True))
        n, sizes = n + 2 * d * ff, f"{d_name}, dim_feedforward"
    if d % h:
        raise ValidationError(
            f"{d_name}: must be divisible by {h_name} ({d} % {h} != 0)"
        )
    if num_layers > 1:
        sizes += ", num_layers"
    check_alloc(sizes, num_layers * n, what=f"the weights of {num_layers} layer(s)")
    return d, h


class MultiHeadAttentionFn(Function):
    """Attention with the head split and merge fused in.

    Inputs are ``(L, N, E)`` (or ``(N, L, E)`` with ``batch_first``): either one
    packed ``qkv`` of width ``3E`` (self-attention) or separate ``q``, ``k``, ``v``.
    The output is ``(L, N, E)``: heads concatenated, before the output projection.
    """

    def forward(self, *inputs, n_heads, mask=None, drop=None, batch_first=False):
        if len(inputs) == 1:
            E = inputs[0].shape[-1] // 3
            q, k, v = (inputs[0][..., i * E : (i + 1) * E] for i in range(3))
        else:
            q, k, v = inputs
        self.batch_first, self.n_heads, self.packed = (
            batch_first,
            n_heads,
            len(inputs) == 1,
        )
        self.scale = 1.0 / np.sqrt(q.shape[-1] // n_heads)
        out, self.saved = _attend(
            self._split(q), self._split(k), self._split(v), mask, drop, self.scale
        )
        return self._merge(out)

    def _split(self, x):
        a, b, E = x.shape
        x = x.reshape(a, b, self.n_heads, E // self.n_heads)
        return x.transpose(0, 2, 1, 3) if self.batch_first else x.transpose(1, 2, 0, 3)

    def _merge(self, x):
        N, H, L, d = x.shape
        x = x.transpose(0, 2, 1, 3) if self.batch_first else x.transpose(2, 0, 1, 3)
        return x.reshape(x.shape[0], x.shape[1], H * d)

    def backward(self, g):
        grads = _attend_backward(self._split(g), self.saved, self.scale)
        if not self.packed:
            return tuple(self._merge(d) for d in grads)
        a, b, E = g.shape
        out = np.empty((a, b, 3, self.n_heads, E // self.n_heads), dtype=g.dtype)
        for i, d in enumerate(grads):  # merge the heads straight into the packed grad
            out[:, :, i] = (
                d.transpose(0, 2, 1, 3) if self.batch_first else d.transpose(2, 0, 1, 3)
            )
        return out.reshape(a, b, 3 * E)


def _additive_mask(
    mask: Any, shape: tuple[int, ...], dtype: Any, name: str
) -> np.ndarray:
    m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.shape != shape:
        raise ShapeError(f"{name}: expected shape {shape} (got {m.shape})")
    if m.dtype == bool:
        return np.where(m, -np.inf, 0.0).astype(dtype)
    return m.astype(dtype)


def causal_mask(L: int, S: int | None = None) -> np.ndarray:
    """Boolean (L, S) mask, True above the diagonal (position i may not see j > i).

    Parameters
    ----------
    L : int
        Query length.
    S : int, optional
        Key length (default ``L``).

    Returns
    -------
    numpy.ndarray
        ``(L, S)`` bool mask.
    """
    L = int(check_number("L", L, low=0, integer=True))
    S = L if S is None else int(check_number("S", S, low=0, integer=True))
    check_alloc("L x S", L * S, itemsize=1, what="the mask")
    return np.triu(np.ones((L, S), dtype=bool), k=1)


def _combined_mask(N, L, S, dtype, attn_mask, key_padding_mask, causal):
    mask = None
    if attn_mask is not None:
        mask = _additive_mask(attn_mask, (L, S), dtype, "attn_mask")
    if causal:
        c = np.where(causal_mask(L, S), -np.inf, 0.0).astype(dtype)
        mask = c if mask is None else mask + c
    if key_padding_mask is not None:
        kp = _additive_mask(key_padding_mask, (N, S), dtype, "key_padding_mask")
        kp = kp[:, None, None, :]
        mask = kp if mask is None else mask + kp
    return mask


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    *,
    causal: bool = False,
    dropout_p: float = 0.0,
    scale: float | None = None,
    seed: SeedLike = None,
) -> Tensor:
    r"""``softmax(Q K^T * scale + mask) V`` on ``(..., L, d)`` Tensors.

    A row whose every position is masked gives NaN (as in PyTorch).

    Parameters
    ----------
    query : (..., L, d) Tensor or array_like
        Queries.
    key : (..., S, d) Tensor or array_like
        Keys.
    value : (..., S, d_v) Tensor or array_like
        Values.
    attn_mask : (L, S) bool (True = not allowed) or additive float, optional
        Mask added to the scores.
    causal : bool
        Forbid position i to attend to j > i.
    dropout_p : float
        Dropout on the attention weights.
    scale : float, optional
        Default :math:`1/\sqrt{d}`.
    seed : int, numpy.random.Generator or None
        Seeds the dropout mask.

    Returns
    -------
    Tensor
        ``(..., L, d_v)`` attention output.
    """
    q, k, v = (
        as_tensor(query, name="query"),
        as_tensor(key, name="key"),
        as_tensor(value, name="value"),
    )
    for name, t in (("query", q), ("key", k), ("value", v)):
        if t.ndim < 2 or t.size == 0:
            raise ShapeError(
                f"{name}: expected a non-empty (..., seq, d) array (got {t.shape})"
            )
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"query: batch dimensions of query {q.shape} and key {k.shape} "
            "do not broadcast"
        ) from None
    if q.shape[-1] != k.shape[-1] or k.shape[:-1] != v.shape[:-1]:
        raise ShapeError(
            f"scaled_dot_product_attention: query {q.shape}, key {k.shape} and value "
            f"{v.shape} do not fit (need query (..., L, d), key (..., S, d), "
            "value (..., S, d_v))"
        )
    L, S = q.shape[-2], k.shape[-2]
    mask = _combined_mask(None, L, S, q.dtype, attn_mask, None, causal)
    p = check_number("dropout_p", dropout_p, low=0.0, high=1.0, high_open=True)
    drop = None
    if p > 0:
        shape = np.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (L, S)
        drop = (as_rng(seed).random(shape) >= p).astype(q.dtype) / q.dtype.type(1 - p)
    sc = 1.0 / np.sqrt(q.shape[-1]) if scale is None else check_number("scale", scale)
    return AttentionFn.apply(q, k, v, mask=mask, drop=drop, scale=sc)


class MultiHeadAttention(Module):
    r"""Multi-head attention with input and output projections (PyTorch's layout).

    .. math::
        \mathrm{head}_h = \mathrm{softmax}\!\left(
            \frac{(Q W_q^h)(K W_k^h)^T}{\sqrt{E/H}} + M\right) V W_v^h, \quad
        \mathrm{out} = [\mathrm{head}_1, \dots, \mathrm{head}_H]\, W_o^T + b_o

    Parameters: ``in_proj_weight`` (3E, E) = ``[W_q; W_k; W_v]`` (Xavier uniform),
    ``in_proj_bias`` (3E,) (zeros), ``out_proj.weight`` (E, E), ``out_proj.bias``
    (zeros), initialised as PyTorch does.

    Parameters
    ----------
    embed_dim : int
        Model width :math:`E` (the inputs' last axis).
    num_heads : int
        Number of heads :math:`H`; must divide ``embed_dim`` (each head has
        width :math:`E/H`).
    dropout : float
        Probability in [0, 1) of dropping an attention weight in training
        (the kept ones are scaled by ``1 / (1 - dropout)``). Default 0.
    bias : bool
        Learn the input and output projection biases (default True).
    batch_first : bool
        Inputs and outputs are (batch, seq, E) instead of (seq, batch, E).
    seed : int, numpy.random.Generator or None
        Seed of the weights' initialisation and of the dropout draws (and of
        :func:`~neurosim.ann.fit`'s shuffles by default).
    dtype : numpy dtype
        Data type of the parameters (default float64).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        *,
        batch_first: bool = False,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        E, H = _check_dims(
            embed_dim, num_heads, False, names=("embed_dim", "num_heads")
        )
        self.embed_dim, self.num_heads = E, H
        self.dropout = check_number(
            "dropout", dropout, low=0.0, high=1.0, high_open=True
        )
        self.batch_first = bool(batch_first)
        self.seed = seed  # ann.fit shuffles from it by default
        rng, dt = as_rng(seed), _dtype(dtype)
        self.rng = rng
        self.in_proj_weight = parameter(_init.xavier_uniform((3 * E, E), rng, dtype=dt))
        self.in_proj_bias = Tensor(np.zeros(3 * E, dt), requires_grad=bias)
        self.out_proj = Linear(E, E, bias=bias, seed=rng, dtype=dt)
        if bias:
            self.out_proj.bias.data[:] = 0.0

    def forward(
        self,
        query: Any,
        key: Any = None,
        value: Any = None,
        *,
        key_padding_mask: Any = None,
        attn_mask: Any = None,
        causal: bool = False,
        need_weights: bool = False,
    ) -> Tensor | tuple[Tensor, np.ndarray]:
        """Attend from ``query`` to ``key``/``value`` (self-attention when both None).

        Parameters
        ----------
        query : (L, N, E) Tensor ((N, L, E) with ``batch_first``)
        key, value : (S, N, E) Tensors, optional
        key_padding_mask : (N, S) bool, optional
            True marks padding keys to ignore.
        attn_mask : (L, S) bool (True = not allowed) or additive float, optional
        causal : bool
            Add the causal mask (no attention to later positions).
        need_weights : bool
            Also return the attention weights averaged over heads, (N, L, S).

        Returns
        -------
        out : (L, N, E) Tensor, and the weights when ``need_weights``.
        """
        q = as_tensor(query, name="query")
        E = self.embed_dim
        self_attn = key is None and value is None
        k = q if key is None else as_tensor(key, name="key")
        v = k if value is None else as_tensor(value, name="value")
        for name, t in (("query", q), ("key", k), ("value", v)):
            if t.ndim != 3 or t.shape[-1] != E or t.size == 0:
                raise ShapeError(
                    f"{name}: expected a non-empty array of shape (seq, batch, {E}) "
                    f"(got {t.shape})"
                )
        b_axis = 0 if self.batch_first else 1
        s_axis = 1 - b_axis
        if k.shape != v.shape or k.shape[b_axis] != q.shape[b_axis]:
            raise ShapeError(
                f"MultiHeadAttention: query {q.shape}, key {k.shape} and value "
                f"{v.shape} do not fit"
            )
        N, L, S = q.shape[b_axis], q.shape[s_axis], k.shape[s_axis]
        mask = _combined_mask(N, L, S, q.dtype, attn_mask, key_padding_mask, causal)
        drop = None
        if self.training and self.dropout > 0:
            keep = self.rng.random((N, self.num_heads, L, S)) >= self.dropout
            drop = keep.astype(q.dtype) / q.dtype.type(1 - self.dropout)
        w, b = self.in_proj_weight, self.in_proj_bias
        opts = dict(
            n_heads=self.num_heads, mask=mask, drop=drop, batch_first=self.batch_first
        )
        if self_attn:
            qkv = F.linear(q, w, b)
            fn_out = MultiHeadAttentionFn.apply(qkv, **opts)
        else:
            qp = F.linear(q, w[:E], b[:E])
            kp = F.linear(k, w[E : 2 * E], b[E : 2 * E])
            vp = F.linear(v, w[2 * E :], b[2 * E :])
            fn_out = MultiHeadAttentionFn.apply(qp, kp, vp, **opts)
        out = self.out_proj(fn_out)
        if need_weights:
            ctx = fn_out._ctx
            if ctx is None:
                raise RuntimeError("need_weights: the attention weights were not kept")
            return out, _attention_weights(ctx.saved).mean(axis=1)
        return out

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


def positional_encoding(n: int, d: int, base: float = 10000.0, dtype: Any = np.float64):
    r"""Sinusoidal positional encoding (Vaswani et al. 2017), an (n, d) array.

    .. math:: PE_{p, 2i} = \sin(p / b^{2i/d}), \qquad PE_{p, 2i+1} = \cos(p / b^{2i/d})

    Parameters
    ----------
    n : int
        Positions.
    d : int
        Encoding width.
    base : float
        The base :math:`b`. Default 10000.
    dtype : numpy dtype
        Floating-point type. Default float64.

    Returns
    -------
    numpy.ndarray
        ``(n, d)`` encodings.
    """
    n = int(check_number("n", n, low=1, integer=True))
    d = int(check_number("d", d, low=1, integer=True))
    base = check_number("base", base, low=0.0, low_open=True)
    check_alloc("n", n * d, what="the (n, d) encoding")
    pos = np.arange(n)[:, None]
    freq = base ** (-np.arange(0, d, 2) / d)
    pe = np.zeros((n, d))
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq[: d // 2])
    return pe.astype(dtype)


class TransformerEncoderLayer(Module):
    r"""Transformer encoder layer: self-attention and a feed-forward block.

    Post-norm (``norm_first=False``, the original and PyTorch's default):
    :math:`x \leftarrow \mathrm{LN}_1(x + \mathrm{SA}(x))`,
    :math:`x \leftarrow \mathrm{LN}_2(x + \mathrm{FF}(x))`. Pre-norm:
    :math:`x \leftarrow x + \mathrm{SA}(\mathrm{LN}_1(x))`,
    :math:`x \leftarrow x + \mathrm{FF}(\mathrm{LN}_2(x))`. Here
    :math:`\mathrm{FF}(x) = W_2\,\phi(W_1 x + b_1) + b_2` and dropout acts on the
    attention weights, inside FF and on both branch outputs, as in PyTorch.
    ``causal=True`` masks attention to later positions.

    Parameters
    ----------
    d_model : int
        Model width (the inputs' last axis).
    nhead : int
        Number of attention heads; must divide ``d_model``.
    dim_feedforward : int
        Width of the feed-forward block's hidden layer (default 2048).
    dropout : float
        Dropout probability in [0, 1) (default 0.1, as PyTorch).
    activation : str or callable
        The feed-forward nonlinearity :math:`\phi`, by name (``"relu"``,
        ``"tanh"``, ``"softplus"``, ...; see
        :func:`~neurosim.ann.functions.get_activation`) or a callable.
    causal : bool
        Mask attention to later positions (default False).
    norm_first : bool
        Pre-norm instead of post-norm (default False).
    layer_norm_eps : float
        The LayerNorms' :math:`\epsilon` (default 1e-5).
    batch_first : bool
        Inputs and outputs are (batch, seq, d_model).
    seed : int, numpy.random.Generator or None
        Seed of the weights' initialisation and of the dropout draws (and of
        :func:`~neurosim.ann.fit`'s shuffles by default).
    dtype : numpy dtype
        Data type of the parameters (default float64).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        *,
        causal: bool = False,
        norm_first: bool = False,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        _check_dims(d_model, nhead, dim_feedforward)
        layer_norm_eps = check_number(
            "layer_norm_eps", layer_norm_eps, low=0.0, low_open=True
        )
        self.seed = seed  # ann.fit shuffles from it by default
        rng = as_rng(seed)
        self.causal, self.norm_first = bool(causal), bool(norm_first)
        self.self_attn = MultiHeadAttention(
            d_model, nhead, dropout, batch_first=batch_first, seed=rng, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, seed=rng, dtype=dtype)
        self.linear2 = Linear(dim_feedforward, d_model, seed=rng, dtype=dtype)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, dtype=dtype)
        self.activation = activation
        self.act = F.get_activation(activation)
        self.dropout = Dropout(dropout, seed=rng)
        self.dropout1 = Dropout(dropout, seed=rng)
        self.dropout2 = Dropout(dropout, seed=rng)

    def _sa(self, x, key_padding_mask, attn_mask):
        y = self.self_attn(
            x,
            key_padding_mask=key_padding_mask,
            attn_mask=attn_mask,
            causal=self.causal,
        )
        return self.dropout1(y)

    def _ff(self, x):
        return self.dropout2(self.linear2(self.dropout(self.act(self.linear1(x)))))

    def forward(
        self, src: Any, *, src_key_padding_mask: Any = None, src_mask: Any = None
    ):
        """Encode a batch of sequences.

        Parameters
        ----------
        src : (seq, batch, d_model) Tensor or array_like
            The input ((batch, seq, d_model) with ``batch_first``).
        src_key_padding_mask : (batch, seq) bool array, optional
            True marks padding positions that no position attends to.
        src_mask : (seq, seq) bool or float array, optional
            Attention mask, as ``attn_mask`` of
            :meth:`MultiHeadAttention.forward` (True = not allowed, or
            additive).

        Returns
        -------
        Tensor
            The encoded sequences, shaped like ``src``.
        """
        x = as_tensor(src, name="src")
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_key_padding_mask, src_mask)
            return x + self._ff(self.norm2(x))
        x = self.norm1(x + self._sa(x, src_key_padding_mask, src_mask))
        return self.norm2(x + self._ff(x))


class TransformerEncoder(Module):
    """A stack of :class:`TransformerEncoderLayer` (parameters ``layers.0.*`` ...).

    ``final_norm=True`` adds a last LayerNorm (``norm.*``), as PyTorch's ``norm=``.
    Keyword arguments go to each layer.

    Parameters
    ----------
    num_layers : int
        Number of layers (>= 1).
    d_model : int
        Model width (the inputs' last axis).
    nhead : int
        Number of attention heads per layer; must divide ``d_model``.
    dim_feedforward : int
        Width of each feed-forward block's hidden layer (default 2048).
    final_norm : bool
        Add a LayerNorm after the last layer (default False).
    seed : int, numpy.random.Generator or None
        Seed of all layers' weights and dropout draws (one generator, drawn
        from in layer order), and of :func:`~neurosim.ann.fit`'s shuffles by
        default.
    dtype : numpy dtype
        Data type of the parameters (default float64).
    **layer_kwargs
        Passed on to every :class:`TransformerEncoderLayer` (``dropout``,
        ``activation``, ``causal``, ``norm_first``, ``layer_norm_eps``,
        ``batch_first``).
    """

    def __init__(
        self,
        num_layers: int,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        *,
        final_norm: bool = False,
        seed: SeedLike = None,
        dtype: Any = np.float64,
        **layer_kwargs: Any,
    ) -> None:
        self.seed = seed  # ann.fit shuffles from it by default
        rng = as_rng(seed)
        n = int(check_number("num_layers", num_layers, low=1, integer=True))
        _check_dims(d_model, nhead, dim_feedforward, n)
        self.layers = [
            TransformerEncoderLayer(
                d_model, nhead, dim_feedforward, seed=rng, dtype=dtype, **layer_kwargs
            )
            for _ in range(n)
        ]
        self.norm = LayerNorm(d_model, dtype=dtype) if final_norm else None

    def forward(
        self, src: Any, *, src_key_padding_mask: Any = None, src_mask: Any = None
    ):
        """Encode a batch of sequences through every layer.

        Parameters
        ----------
        src : (seq, batch, d_model) Tensor or array_like
            The input ((batch, seq, d_model) with ``batch_first``).
        src_key_padding_mask : (batch, seq) bool array, optional
            True marks padding positions, in every layer.
        src_mask : (seq, seq) bool or float array, optional
            Attention mask for every layer (see
            :meth:`TransformerEncoderLayer.forward`).

        Returns
        -------
        Tensor
            The encoded sequences, shaped like ``src``.
        """
        x = src
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=src_key_padding_mask, src_mask=src_mask)
        return x if self.norm is None else self.norm(x)
