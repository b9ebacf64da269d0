"""Differentiable operations: one :class:`~neurosim.ann.tensor.Function` per op.

Each op class computes its forward pass on ndarrays and its vector-Jacobian
product in ``backward``; the lower-case wrappers (``add``, ``matmul``,
``cross_entropy`` ...) are the public API and accept Tensors, arrays or numbers.
Python numbers combine with a Tensor in the Tensor's dtype (float32 stays
float32). Shape errors name both shapes.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validation import (
    as_real_array,
    check_axis,
    check_choice,
    check_generator,
    check_number,
    check_sequence,
)
from ..exceptions import ShapeError, ValidationError
from .tensor import Function, Tensor, as_tensor, unbroadcast

Axis = int | tuple[int, ...] | None


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool)


def _check_broadcast(name: str, a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ShapeError(
                f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None


# ------------------------------------------------------------------ arithmetic
class Add(Function):
    """The autodiff op behind ``add`` (forward and backward on arrays)."""

    def forward(self, a, b):
        _check_broadcast("add", a, b)
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        return (
            unbroadcast(g, sa) if self.needs[0] else None,
            unbroadcast(g, sb) if self.needs[1] else None,
        )


class Sub(Function):
    """The autodiff op behind ``sub`` (forward and backward on arrays)."""

    def forward(self, a, b):
        _check_broadcast("sub", a, b)
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        return (
            unbroadcast(g, sa) if self.needs[0] else None,
            -unbroadcast(g, sb) if self.needs[1] else None,
        )


class Mul(Function):
    """The autodiff op behind ``mul`` (forward and backward on arrays)."""

    def forward(self, a, b):
        _check_broadcast("mul", a, b)
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        a, b = self.a, self.b
        return (
            unbroadcast(g * b, a.shape) if self.needs[0] else None,
            unbroadcast(g * a, b.shape) if self.needs[1] else None,
        )


class Div(Function):
    """The autodiff op behind ``div`` (forward and backward on arrays)."""

    def forward(self, a, b):
        _check_broadcast("div", a, b)
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        a, b = self.a, self.b
        gb = g / b
        return (
            unbroadcast(gb, a.shape) if self.needs[0] else None,
            unbroadcast(-gb * a / b, b.shape) if self.needs[1] else None,
        )


class AddConst(Function):
    """The autodiff op behind ``add`` (forward and backward on arrays)."""

    def forward(self, a, c):
        return a + a.dtype.type(c)

    def backward(self, g):
        return g


class MulConst(Function):
    """The autodiff op behind ``mul`` (forward and backward on arrays)."""

    def forward(self, a, c):
        self.c = a.dtype.type(c)
        return a * self.c

    def backward(self, g):
        return g * self.c


class RDivConst(Function):
    """``c / a`` for a number ``c``."""

    def forward(self, a, c):
        self.a = a
        self.out = a.dtype.type(c) / a
        return self.out

    def backward(self, g):
        return -g * self.out / self.a


class Neg(Function):
    """The autodiff op behind ``neg`` (forward and backward on arrays)."""

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Power(Function):
    """``a ** p`` for a constant exponent ``p``."""

    def forward(self, a, p):
        self.a, self.p = a, a.dtype.type(p)
        return a**self.p

    def backward(self, g):
        return g * self.p * self.a ** (self.p - 1)


def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    b : Tensor, array_like or number
        The second operand (broadcast against ``a``).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if _is_number(b):
        return AddConst.apply(a, c=b)
    if _is_number(a):
        return AddConst.apply(b, c=a)
    return Add.apply(a, b)


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    b : Tensor, array_like or number
        The second operand (broadcast against ``a``).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if _is_number(b):
        return AddConst.apply(a, c=-b)
    if _is_number(a):
        return AddConst.apply(Neg.apply(b), c=a)
    return Sub.apply(a, b)


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` (elementwise) with broadcasting.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    b : Tensor, array_like or number
        The second operand (broadcast against ``a``).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if _is_number(b):
        return MulConst.apply(a, c=b)
    if _is_number(a):
        return MulConst.apply(b, c=a)
    return Mul.apply(a, b)


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` (elementwise) with broadcasting.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    b : Tensor, array_like or number
        The second operand (broadcast against ``a``).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if _is_number(b):
        return MulConst.apply(a, c=1.0 / b)
    if _is_number(a):
        return RDivConst.apply(b, c=a)
    return Div.apply(a, b)


def neg(a: Any) -> Tensor:
    """``-a``.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Neg.apply(a)


def power(a: Any, p: float) -> Tensor:
    """``a ** p`` for a constant number ``p``.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    p : float
        The exponent.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if not _is_number(p):
        raise TypeError(f"power: exponent must be a number (got {type(p).__name__})")
    return Power.apply(a, p=p)


# -------------------------------------------------------------- linear algebra
class MatMul(Function):
    """``a @ b`` for arrays of >= 1 dimensions, batch dimensions broadcast."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"matmul: a and b need at least one dimension (got shapes {a.shape} "
                f"and {b.shape})"
            )
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ShapeError(
                f"matmul: shapes {a.shape} and {b.shape} of a and b are not "
                f"aligned ({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})"
            )
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        if 0 in g.strides:  # a broadcast gradient would miss BLAS
            g = np.ascontiguousarray(g)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:  # restore the axes that 1-D operands dropped
            g = g[..., None]
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if self.needs[0]:
            ga = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if self.needs[1]:
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """``x @ W.T + b`` with ``W`` of shape (out, in) (PyTorch's layout)."""

    def forward(self, x, weight, bias=None):
        w, b = weight, bias
        if w.ndim != 2 or 0 in w.shape:
            raise ShapeError(
                f"weight: expected a non-empty (out, in) array (got {w.shape})"
            )
        if x.ndim == 0 or x.shape[-1] != w.shape[1]:
            raise ShapeError(
                f"x: shape {x.shape} does not fit weight of shape "
                f"{w.shape} (expected last input dimension {w.shape[1]})"
            )
        if b is not None and b.shape != (w.shape[0],):
            raise ShapeError(
                f"bias: expected shape ({w.shape[0]},) to match weight of shape "
                f"{w.shape} (got {b.shape})"
            )
        self.x, self.w = x, w
        out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g):
        x, w = self.x, self.w
        if 0 in g.strides:  # a broadcast gradient would miss BLAS
            g = np.ascontiguousarray(g)
        g2 = g.reshape(-1, g.shape[-1])
        gx = (g @ w) if self.needs[0] else None
        gw = (g2.T @ x.reshape(-1, x.shape[-1])) if self.needs[1] else None
        if len(self.needs) == 3:
            return gx, gw, (g2.sum(axis=0) if self.needs[2] else None)
        return gx, gw


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b`` (batch dimensions broadcast).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    b : Tensor, array_like or number
        The second operand (broadcast against ``a``).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return MatMul.apply(a, b)


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """Affine map ``x @ weight.T + bias``; ``weight`` has shape (out, in).

    Parameters
    ----------
    x : Tensor or array_like
        Inputs ``(..., in)``.
    weight : Tensor
        ``(out, in)`` weights.
    bias : Tensor, optional
        ``(out,)`` biases.

    Returns
    -------
    Tensor
        ``(..., out)`` outputs.
    """
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


# ------------------------------------------------------------------ reductions
def _norm_axis(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Sum(Function):
    """The autodiff op behind ``sum`` (forward and backward on arrays)."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape = a.shape
        self.axes = _norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        return np.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return np.broadcast_to(g, self.shape)


class Mean(Function):
    """The autodiff op behind ``mean`` (forward and backward on arrays)."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape = a.shape
        self.axes = _norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        self.n = int(np.prod([a.shape[i] for i in self.axes]))
        return np.asarray(a.mean(axis=axis, keepdims=keepdims))

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return np.broadcast_to(g / g.dtype.type(self.n), self.shape)


class Max(Function):
    """Maximum along axes; the gradient is shared equally among ties."""

    def forward(self, a, axis=None, keepdims=False):
        self.axes = _norm_axis(axis, a.ndim)
        self.keepdims = keepdims
        out = a.max(axis=axis, keepdims=True)
        mask = a == out
        self.mask = mask / mask.sum(axis=self.axes, keepdims=True)
        return out if keepdims else np.squeeze(out, self.axes)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axes)
        return g * self.mask


def sum(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axis : int, tuple of int or None
        Axes to reduce (all when None).
    keepdims : bool
        Keep the reduced axes with length 1. Default False.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Sum.apply(a, axis=axis, keepdims=keepdims)


def mean(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes when None).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axis : int, tuple of int or None
        Axes to reduce (all when None).
    keepdims : bool
        Keep the reduced axes with length 1. Default False.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Mean.apply(a, axis=axis, keepdims=keepdims)


def max(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis`` (ties share the gradient).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axis : int, tuple of int or None
        Axes to reduce (all when None).
    keepdims : bool
        Keep the reduced axes with length 1. Default False.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Max.apply(a, axis=axis, keepdims=keepdims)


# ------------------------------------------------------------- shape handling
class Reshape(Function):
    """The autodiff op behind ``reshape`` (forward and backward on arrays)."""

    def forward(self, a, shape):
        self.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape shape {a.shape} into shape {tuple(shape)}"
            ) from None

    def backward(self, g):
        return g.reshape(self.shape)


class Transpose(Function):
    """The autodiff op behind ``transpose`` (forward and backward on arrays)."""

    def forward(self, a, axes=None):
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, g):
        if self.axes is None:
            return np.transpose(g)
        return np.transpose(g, np.argsort(self.axes))


class GetItem(Function):
    """The autodiff op behind ``getitem`` (forward and backward on arrays)."""

    def forward(self, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return a[index]

    def backward(self, g):
        out = np.zeros(self.shape, dtype=self.dtype)
        idx = self.index if isinstance(self.index, tuple) else (self.index,)
        if any(isinstance(i, np.ndarray | list) for i in idx):
            np.add.at(out, self.index, g)  # repeated indices accumulate
        else:
            out[self.index] = g
        return out


class Concat(Function):
    """The autodiff op behind ``concat`` (forward and backward on arrays)."""

    def forward(self, *arrays, axis=0):
        ref = arrays[0].shape
        ax = axis % arrays[0].ndim
        for arr in arrays[1:]:
            if arr.ndim != len(ref) or any(
                s != r
                for i, (s, r) in enumerate(zip(arr.shape, ref, strict=True))
                if i != ax
            ):
                raise ShapeError(
                    f"concat: shapes {ref} and {arr.shape} differ outside axis {axis}"
                )
        self.splits = np.cumsum([a.shape[ax] for a in arrays])[:-1]
        self.axis = ax
        return np.concatenate(arrays, axis=ax)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Stack(Function):
    """The autodiff op behind ``stack`` (forward and backward on arrays)."""

    def forward(self, *arrays, axis=0):
        for arr in arrays[1:]:
            if arr.shape != arrays[0].shape:
                raise ShapeError(
                    f"stack: shapes {arrays[0].shape} and {arr.shape} differ"
                )
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        n = g.shape[self.axis]
        return tuple(np.take(g, i, axis=self.axis) for i in range(n))


def reshape(a: Any, shape: Sequence[int]) -> Tensor:
    """``a`` with a new shape (one entry may be -1).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    shape : sequence of int
        The new shape.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Reshape.apply(a, shape=tuple(shape))


def transpose(a: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them when ``axes`` is None).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axes : sequence of int, optional
        The permutation (reversed axes when None).

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Transpose.apply(a, axes=None if axes is None else tuple(axes))


def getitem(a: Any, index: Any) -> Tensor:
    """``a[index]`` (basic or advanced indexing).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    index : int, slice, array or tuple of them
        The index.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if isinstance(index, Tensor):
        index = index.data.astype(np.intp)
    return GetItem.apply(a, index=index)


def concat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Parameters
    ----------
    tensors : sequence of Tensor or array_like
        The pieces.
    axis : int
        The axis to join along. Default 0.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    tensors = _tensor_list("tensors", tensors)
    if tensors[0].ndim == 0:
        raise ShapeError("tensors: zero-dimensional arrays cannot be concatenated")
    return Concat.apply(*tensors, axis=check_axis("axis", axis, tensors[0].ndim))


def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    """A non-empty sequence of tensors or arrays, as Tensors (errors name ``name``)."""
    items = check_sequence(name, tensors, "a sequence of tensors or arrays")
    if not items:
        raise ValidationError(f"{name}: expected at least one tensor (got none)")
    return [as_tensor(t, name=f"{name}[{i}]") for i, t in enumerate(items)]


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis.

    Parameters
    ----------
    tensors : sequence of Tensor or array_like
        Pieces of equal shape.
    axis : int
        Position of the new axis. Default 0.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Stack.apply(*tensors, axis=axis)


# ----------------------------------------------------------- elementwise maps
class Exp(Function):
    """The autodiff op behind ``exp`` (forward and backward on arrays)."""

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    """The autodiff op behind ``log`` (forward and backward on arrays)."""

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return g / self.a


class Sqrt(Function):
    """The autodiff op behind ``sqrt`` (forward and backward on arrays)."""

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Tanh(Function):
    """The autodiff op behind ``tanh`` (forward and backward on arrays)."""

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function via tanh: no overflow for any input."""
    return 0.5 * np.tanh(0.5 * x) + 0.5


class Sigmoid(Function):
    """The autodiff op behind ``sigmoid`` (forward and backward on arrays)."""

    def forward(self, a):
        self.out = _sigmoid(a)
        return self.out

    def backward(self, g):
        s = self.out
        return g * s * (1 - s)


class ReLU(Function):
    """The autodiff op behind ``relu`` (forward and backward on arrays)."""

    def forward(self, a):
        self.mask = a > 0
        return a * self.mask

    def backward(self, g):
        return g * self.mask


class Softplus(Function):
    """The autodiff op behind ``softplus`` (forward and backward on arrays)."""

    def forward(self, a):
        self.a = a
        return np.logaddexp(a, 0)

    def backward(self, g):
        return g * _sigmoid(self.a)


class Arctan(Function):
    """The autodiff op behind ``arctan`` (forward and backward on arrays)."""

    def forward(self, a):
        self.a = a
        return np.arctan(a)

    def backward(self, g):
        return g / (1 + self.a * self.a)


class Threshold(Function):
    """Heaviside step with an optional surrogate gradient (see :func:`threshold`)."""

    def forward(self, a, surrogate, slope):
        self.a, self.surrogate, self.slope = a, surrogate, slope
        return (a > 0).astype(a.dtype)

    def backward(self, g):
        if self.surrogate is None:
            return np.zeros_like(g)
        return g / (1 + self.slope * np.abs(self.a)) ** 2


class Abs(Function):
    """The autodiff op behind ``abs`` (forward and backward on arrays)."""

    def forward(self, a):
        self.sign = np.sign(a)
        return np.abs(a)

    def backward(self, g):
        return g * self.sign


def exp(a: Any) -> Tensor:
    """Elementwise ``exp``.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Exp.apply(a)


def log(a: Any) -> Tensor:
    """Elementwise natural logarithm.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Log.apply(a)


def sqrt(a: Any) -> Tensor:
    """Elementwise square root.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Sqrt.apply(a)


def abs(a: Any) -> Tensor:  # noqa: A001
    """Elementwise absolute value (gradient 0 at 0).

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Abs.apply(a)


def tanh(a: Any) -> Tensor:
    """Hyperbolic tangent.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Tanh.apply(a)


def sigmoid(a: Any) -> Tensor:
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Sigmoid.apply(a)


logistic = sigmoid


def relu(a: Any) -> Tensor:
    r"""Rectified linear unit :math:`\max(x, 0)` (gradient 0 at 0).

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return ReLU.apply(a)


def softplus(a: Any) -> Tensor:
    r"""Softplus :math:`\log(1 + e^x)`, computed without overflow.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Softplus.apply(a)


def arctan(a: Any) -> Tensor:
    """Elementwise arctangent.

    Parameters
    ----------
    a : Tensor or array_like
        The input.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    return Arctan.apply(a)


def threshold(a: Any, surrogate: str | None = "fast_sigmoid", slope=10.0) -> Tensor:
    r"""Heaviside step :math:`H(x) = 1` for :math:`x > 0`, else 0.

    Its true derivative is zero almost everywhere, so nothing would learn through
    it. With ``surrogate="fast_sigmoid"`` (default) the backward pass uses instead
    the derivative of the fast sigmoid :math:`x / (1 + k|x|)` (SuperSpike, Zenke &
    Ganguli 2018): :math:`\partial H / \partial x \approx 1 / (1 + k|x|)^2`, with
    :math:`k` = ``slope``. ``surrogate=None`` gives the true (zero) gradient.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    surrogate : "fast_sigmoid" or None
        Gradient used in the backward pass.
    slope : float
        Steepness :math:`k` of the surrogate. Default 10.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    if surrogate is not None:
        check_choice("surrogate", surrogate, ("fast_sigmoid",))
    slope = check_number("slope", slope, low=0.0, low_open=True)
    return Threshold.apply(a, surrogate=surrogate, slope=slope)


# -------------------------------------------------------------------- softmax
class Softmax(Function):
    """The autodiff op behind ``softmax`` (forward and backward on arrays)."""

    def forward(self, a, axis=-1):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        self.out, self.axis = e, axis
        return e

    def backward(self, g):
        s = self.out
        return s * (g - (g * s).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """The autodiff op behind ``log_softmax`` (forward and backward on arrays)."""

    def forward(self, a, axis=-1):
        z = a - a.max(axis=axis, keepdims=True)
        z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
        self.out, self.axis = z, axis
        return z

    def backward(self, g):
        return g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True)


def softmax(a: Any, axis: int = -1) -> Tensor:
    r"""Softmax :math:`e^{x_i} / \sum_j e^{x_j}` along ``axis`` (max-shifted).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axis : int
        The axis normalised over. Default -1.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    a = as_tensor(a, name="a")
    return Softmax.apply(a, axis=check_axis("axis", axis, a.ndim))


def log_softmax(a: Any, axis: int = -1) -> Tensor:
    r"""Log-softmax :math:`x_i - \log\sum_j e^{x_j}` (log-sum-exp, max-shifted).

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    axis : int
        The axis normalised over. Default -1.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    a = as_tensor(a, name="a")
    return LogSoftmax.apply(a, axis=check_axis("axis", axis, a.ndim))


_ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {
    "logistic": sigmoid,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "softplus": softplus,
    "arctan": arctan,
    "threshold": threshold,
    "identity": lambda x: as_tensor(x, name="x"),
    "linear": lambda x: as_tensor(x, name="x"),
}


def get_activation(name: str | Callable[[Any], Tensor]) -> Callable[[Any], Tensor]:
    """The activation function called ``name`` (a callable is returned unchanged).

    Known names: logistic (= sigmoid), tanh, relu, softplus, arctan, threshold,
    identity (= linear).

    Parameters
    ----------
    name : str or callable
        A known name, or a function of a Tensor.

    Returns
    -------
    callable
        The activation function.
    """
    if callable(name):
        return name
    if name not in _ACTIVATIONS:
        raise ValidationError(
            f"activation: unknown name {name!r}; expected one of "
            f"{', '.join(map(repr, _ACTIVATIONS))} or a callable"
        )
    return _ACTIVATIONS[name]


# --------------------------------------------------------------------- losses
_REDUCTIONS = ("mean", "sum", "none")


def _reduce(name: str, reduction: str) -> str:
    return check_choice(f"{name}: reduction", reduction, _REDUCTIONS)


class CrossEntropy(Function):
    """Categorical cross entropy from logits, fused with log-softmax."""

    def forward(self, logits, target, reduction="mean"):
        z = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=-1, keepdims=True)
        logp = z - np.log(s)
        self.p = e / s
        if target.ndim == logits.ndim - 1:  # class labels
            self.idx, self.onehot = target.astype(np.intp)[..., None], None
            per = -np.take_along_axis(logp, self.idx, axis=-1)[..., 0]
        else:  # class probabilities
            self.idx, self.onehot = None, target
            per = -(target * logp).sum(axis=-1)
        self.reduction, self.n = reduction, per.size
        if reduction == "mean":
            return np.asarray(per.mean())
        if reduction == "sum":
            return np.asarray(per.sum())
        return per

    def backward(self, g):
        # d L_n / d z_n = p_n * sum_c t_nc - t_n  (sum_c t_nc = 1 for labels)
        if self.reduction == "none":
            g = g[..., None]
        elif self.reduction == "mean":
            g = g / g.dtype.type(self.n)
        if self.onehot is None:
            d = self.p.copy()
            np.put_along_axis(d, self.idx, np.take_along_axis(d, self.idx, -1) - 1, -1)
        else:
            d = self.p * self.onehot.sum(axis=-1, keepdims=True) - self.onehot
        return g * d, None


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    r"""Categorical cross entropy of softmax(``logits``) against ``target``.

    .. math:: L_n = -\sum_c t_{nc} \log \mathrm{softmax}(z_n)_c
              = \log\sum_c e^{z_{nc}} - \sum_c t_{nc} z_{nc},

    computed with the max-shifted log-sum-exp, so large logits do not overflow.

    Parameters
    ----------
    logits : (..., C) Tensor
        Unnormalised class scores.
    target : (...) integer class labels, or (..., C) class probabilities
        The true classes.
    reduction : {"mean", "sum", "none"}
        How the per-sample losses are combined. Default ``"mean"``.

    Returns
    -------
    Tensor
        The loss: a scalar, or ``(...)`` per-sample losses for ``"none"``.
    """
    _reduce("cross_entropy", reduction)
    logits = as_tensor(logits, name="logits")
    if logits.ndim == 0:
        raise ShapeError(
            "logits: expected an array of class scores (..., C) (got a scalar)"
        )
    t = as_real_array("target", target.data if isinstance(target, Tensor) else target)
    if t.ndim == logits.ndim - 1:
        if t.shape != logits.shape[:-1]:
            raise ShapeError(
                f"target: logits of shape {logits.shape} need labels of shape "
                f"{logits.shape[:-1]} (got {t.shape})"
            )
        if not np.all(t == np.round(t)):
            raise ValidationError("target: class labels must be integers")
        n_class = logits.shape[-1]
        if t.size and (t.min() < 0 or t.max() >= n_class):
            raise ValidationError(
                f"target: labels must lie in [0, {n_class - 1}] "
                f"(got {t.min():g}..{t.max():g})"
            )
        t = t.astype(np.intp)
    elif t.shape != logits.shape:
        raise ShapeError(
            f"target: logits of shape {logits.shape} and target of shape "
            f"{t.shape} do not match (give labels of shape {logits.shape[:-1]} or "
            f"probabilities of shape {logits.shape})"
        )
    else:
        if not np.all(np.isfinite(t)):
            raise ValidationError("target: contains NaN or infinite values")
        t = t.astype(logits.dtype, copy=False)
    return CrossEntropy.apply(logits, Tensor._wrap(t, False), reduction=reduction)


def _reduced(x: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(x)
    if reduction == "sum":
        return sum(x)
    return x


def _target(name: str, pred: Tensor, target: Any, pred_name: str) -> Tensor:
    t = as_tensor(target, dtype=pred.dtype, name="target")
    if t.shape != pred.shape:
        raise ShapeError(
            f"{name}: {pred_name} of shape {pred.shape} and target of shape "
            f"{t.shape} differ"
        )
    return t


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    r"""Mean squared error :math:`\frac{1}{n}\sum (y - t)^2`.

    Parameters
    ----------
    pred : Tensor or array_like
        Predictions.
    target : array_like
        Targets.
    reduction : {"mean", "sum", "none"}
        How the per-sample losses are combined. Default ``"mean"``.

    Returns
    -------
    Tensor
        The loss: a scalar, or one value per sample for ``reduction="none"``.
    """
    _reduce("mse_loss", reduction)
    pred = as_tensor(pred, name="pred")
    d = pred - _target("mse_loss", pred, target, "pred")
    return _reduced(d * d, reduction)


class BCEWithLogits(Function):
    """The autodiff op behind ``binary_cross_entropy_with_logits``."""

    def forward(self, z, t):
        self.z, self.t = z, t
        return np.logaddexp(0, z) - t * z

    def backward(self, g):
        return g * (_sigmoid(self.z) - self.t), None


def binary_cross_entropy_with_logits(
    logits: Any, target: Any, reduction: str = "mean"
) -> Tensor:
    r"""Bernoulli cross entropy of :math:`\sigma(z)` against targets in [0, 1].

    .. math:: L = -t \log\sigma(z) - (1 - t)\log(1 - \sigma(z))
              = \log(1 + e^{z}) - t z,

    evaluated as ``logaddexp(0, z) - t z``, which never overflows.

    Parameters
    ----------
    logits : Tensor or array_like
        Logits :math:`z`.
    target : array_like
        Targets in [0, 1].
    reduction : {"mean", "sum", "none"}
        How the per-sample losses are combined. Default ``"mean"``.

    Returns
    -------
    Tensor
        The loss: a scalar, or one value per sample for ``reduction="none"``.
    """
    _reduce("binary_cross_entropy_with_logits", reduction)
    logits = as_tensor(logits, name="logits")
    t = _target("binary_cross_entropy_with_logits", logits, target, "logits")
    return _reduced(BCEWithLogits.apply(logits, t), reduction)


def binary_cross_entropy(probs: Any, target: Any, reduction: str = "mean") -> Tensor:
    r"""Bernoulli cross entropy :math:`-t\log p - (1-t)\log(1-p)` of probabilities.

    Prefer :func:`binary_cross_entropy_with_logits` when the probabilities come
    from a sigmoid: it stays finite where ``p`` rounds to 0 or 1.

    Parameters
    ----------
    probs : Tensor or array_like
        Probabilities in (0, 1).
    target : array_like
        Targets in [0, 1].
    reduction : {"mean", "sum", "none"}
        How the per-sample losses are combined. Default ``"mean"``.

    Returns
    -------
    Tensor
        The loss: a scalar, or one value per sample for ``reduction="none"``.
    """
    _reduce("binary_cross_entropy", reduction)
    probs = as_tensor(probs, name="probs")
    t = _target("binary_cross_entropy", probs, target, "probs")
    p = probs.data
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        raise ValidationError(
            f"probs: must lie in [0, 1] (got values in [{np.nanmin(p):g}, "
            f"{np.nanmax(p):g}])"
        )
    return _reduced(BCE.apply(probs, t), reduction)


class BCE(Function):
    r"""Bernoulli cross entropy of probabilities, logs clamped at -100 (PyTorch).

    With the clamp ``0 * log 0`` counts 0, so a perfect prediction (``p = t = 0``
    or ``1``) costs 0 instead of NaN; the gradient ``(p - t) / (p (1 - p))`` has
    its denominator kept above 1e-12, as in PyTorch.
    """

    def forward(self, p, t):
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log(1.0 - p), -100.0)
        self.p, self.t, self.dlog = p, t, log_q - log_p
        return -(t * log_p + (1.0 - t) * log_q)

    def backward(self, g):
        p, t = self.p, self.t
        gp = g * (p - t) / np.maximum(p * (1.0 - p), 1e-12)
        return (gp if self.needs[0] else None, g * self.dlog if self.needs[1] else None)


# ------------------------------------------------------ regularisation, norms
class DropoutFn(Function):
    """The autodiff op behind ``dropout`` (forward and backward on arrays)."""

    def forward(self, a, mask):
        self.mask = mask
        return a * mask

    def backward(self, g):
        return g * self.mask


def dropout(a: Any, p: float, rng: np.random.Generator, training: bool = True):
    """Inverted dropout: zero each element with probability ``p``, scale the rest.

    Kept elements are divided by ``1 - p`` so the expected value is unchanged;
    outside training (or with ``p == 0``) the input is returned unchanged.

    Parameters
    ----------
    a : Tensor or array_like
        The input.
    p : float
        Drop probability in [0, 1).
    rng : numpy.random.Generator
        Draws the mask.
    training : bool
        Apply dropout (else return ``a``). Default True.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    p = check_number("p", p, low=0.0, high=1.0, high_open=True)
    rng = check_generator("rng", rng)
    a = as_tensor(a, name="a")
    if not training or p == 0.0:
        return a
    keep = rng.random(a.shape) >= p
    mask = keep.astype(a.dtype) / a.dtype.type(1.0 - p)
    return DropoutFn.apply(a, mask=mask)


class LayerNormFn(Function):
    """Normalise over the last ``n`` axes, then scale and shift (fused)."""

    def forward(self, x, w=None, b=None, n=1, eps=1e-5):
        axes = tuple(range(x.ndim - n, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
        xhat = xc * rstd
        self.xhat, self.rstd, self.w, self.axes = xhat, rstd, w, axes
        out = xhat if w is None else xhat * w
        return out if b is None else out + b

    def backward(self, g):
        xhat, axes, w = self.xhat, self.axes, self.w
        lead = tuple(range(g.ndim - len(axes)))
        gw = (
            (g * xhat).sum(axis=lead) if len(self.needs) > 1 and self.needs[1] else None
        )
        gb = g.sum(axis=lead) if len(self.needs) > 2 and self.needs[2] else None
        gx = None
        if self.needs[0]:
            gh = g if w is None else g * w
            m1 = gh.mean(axis=axes, keepdims=True)
            m2 = (gh * xhat).mean(axis=axes, keepdims=True)
            gx = (gh - m1 - xhat * m2) * self.rstd
        return gx if len(self.needs) == 1 else (gx, gw, gb)[: len(self.needs)]


def layer_norm(
    x: Any, weight: Any = None, bias: Any = None, n_axes: int = 1, eps: float = 1e-5
) -> Tensor:
    r"""Layer normalisation over the last ``n_axes`` axes.

    .. math:: y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \, w + b

    with the biased variance, as in PyTorch.

    Parameters
    ----------
    x : Tensor or array_like
        The input.
    weight : Tensor, optional
        Scale :math:`w` of the normalised axes' shape (1 when None).
    bias : Tensor, optional
        Shift :math:`b` (0 when None).
    n_axes : int
        Number of trailing axes normalised over. Default 1.
    eps : float
        Added to the variance. Default 1e-5.

    Returns
    -------
    Tensor
        The result, recorded for :meth:`Tensor.backward`.
    """
    eps = check_number("eps", eps, low=0.0)
    x = as_tensor(x, name="x")
    if x.ndim == 0:
        raise ShapeError("x: layer_norm needs an array (got a scalar)")
    n_axes = check_number("n_axes", n_axes, low=1, high=x.ndim, integer=True)
    args = [x] + ([] if weight is None else [weight])
    if bias is not None:
        if weight is None:
            raise ValidationError("bias: layer_norm needs a weight to go with a bias")
        args.append(bias)
    return LayerNormFn.apply(*args, n=n_axes, eps=eps)


class BatchNormFn(Function):
    """Batch normalisation with batch statistics over ``axes`` (training mode)."""

    def forward(self, x, w, b, axes=(0,), eps=1e-5):
        bshape = [1] * x.ndim
        bshape[1 if x.ndim > 1 else 0] = w.size
        w, b = w.reshape(bshape), b.reshape(bshape)
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
        xhat = xc * rstd
        self.xhat, self.rstd, self.w, self.axes = xhat, rstd, w, axes
        self.mean_, self.var_ = mu, var
        return xhat * w + b

    def backward(self, g):
        xhat, axes = self.xhat, self.axes
        gw = (g * xhat).sum(axis=axes)
        gb = g.sum(axis=axes)
        gh = g * self.w
        m1 = gh.mean(axis=axes, keepdims=True)
        m2 = (gh * xhat).mean(axis=axes, keepdims=True)
        return (gh - m1 - xhat * m2) * self.rstd, gw, gb
