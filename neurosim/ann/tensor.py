"""The autodiff core: :class:`Tensor`, :class:`Function` and reverse-mode ``backward``.

Design (micrograd / tinygrad): a ``Tensor`` wraps an ``ndarray`` (``.data``) and,
after :meth:`Tensor.backward`, holds its gradient in ``.grad`` (leaves only, as in
PyTorch). Every operation is a :class:`Function` subclass with a ``forward`` on
arrays and a ``backward`` that maps the output gradient(s) to one gradient per
input (its vector-Jacobian product). ``Function.apply`` records the inputs on the
new output's ``_ctx``. ``backward`` orders the recorded functions topologically
with an explicit stack (no recursion, so a graph of any depth works) and walks
them in reverse, accumulating gradients.

Gradients of broadcast inputs are summed back to the input's shape by
:func:`unbroadcast`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .._validation import as_real_array
from ..exceptions import ShapeError

_GRAD_ENABLED = [True]


@contextmanager
def no_grad() -> Iterator[None]:
    """Context manager: operations inside record no graph (inference, updates)."""
    previous = _GRAD_ENABLED[0]
    _GRAD_ENABLED[0] = False
    try:
        yield
    finally:
        _GRAD_ENABLED[0] = previous


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph.

    Returns
    -------
    bool
        True unless inside ``no_grad()``.
    """
    return _GRAD_ENABLED[0]


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes along which an array of ``shape`` was broadcast.

    Parameters
    ----------
    grad : numpy.ndarray
        A gradient of the broadcast result.
    shape : tuple of int
        The shape of the array before broadcasting.

    Returns
    -------
    numpy.ndarray
        ``grad`` summed down to ``shape``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _as_data(x: Any, dtype: Any = None, name: str = "data") -> np.ndarray:
    """An ndarray of real floats (ints and bools become float64).

    None, text, object arrays and complex numbers raise ``TypeError`` naming
    ``name`` (they used to become NaN, or lose their imaginary part).
    """
    if dtype is None and isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    return as_real_array(name, x, dtype)


class Tensor:
    """An array that records the operations applied to it, for ``backward()``.

    Parameters
    ----------
    data : array_like
        The values; integers and booleans are converted to float64, float32 and
        float64 are kept.
    requires_grad : bool
        Whether gradients flow back to this tensor (True for parameters).
    dtype : numpy dtype, optional
        Convert the data to this dtype.

    Attributes
    ----------
    data : ndarray
        The values.
    grad : ndarray or None
        d(output)/d(this tensor), filled by :meth:`backward` on leaves that
        require gradients; accumulated over calls until set to None.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_idx", "__weakref__")
    __array_priority__ = 100.0  # ndarray <op> Tensor defers to Tensor's reflected op

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None
    ) -> None:
        self.data = data.data if isinstance(data, Tensor) else _as_data(data, dtype)
        if dtype is not None and self.data.dtype != dtype:
            self.data = self.data.astype(dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Function | None = None
        self._idx = 0

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
        """Fast constructor for op outputs (no conversion or checks)."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._ctx = None
        t._idx = 0
        return t

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, threshold=20)}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (not a copy).

        Returns
        -------
        numpy.ndarray
            ``self.data``.
        """
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float.

        Returns
        -------
        float
            The single value.
        """
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf sharing the data, cut from the graph.

        Returns
        -------
        Tensor
            A leaf with the same data and no gradient.
        """
        return Tensor._wrap(self.data, False)

    def astype(self, dtype: Any) -> Tensor:
        """A copy of the data in another dtype (a new leaf).

        Parameters
        ----------
        dtype : numpy dtype
            The new type.

        Returns
        -------
        Tensor
            A new leaf.
        """
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    # --------------------------------------------------------------- backward
    def backward(self, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf in the graph.

        Parameters
        ----------
        grad : array_like, optional
            The seed gradient d(loss)/d(self), of ``self``'s shape. It may be left
            out only when ``self`` holds a single element (a scalar loss).
        """
        if grad is None:
            if self.data.size != 1:
                raise ShapeError(
                    f"backward: output has shape {self.data.shape}; pass grad= of that "
                    "shape (only a one-element output gets the implicit seed 1)"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad, dtype=self.data.dtype)
            if grad.shape != self.data.shape:
                raise ShapeError(
                    f"backward: grad has shape {grad.shape} but the output has shape "
                    f"{self.data.shape}"
                )
        if not self.requires_grad:
            raise ValueError(
                "backward: this tensor does not depend on any tensor with "
                "requires_grad=True"
            )
        if self._ctx is None:
            self.grad = grad if self.grad is None else self.grad + grad
            return
        order = _topological_order(self._ctx)
        root = self._ctx
        root.out_grads = [None] * root.n_out
        root.out_grads[self._idx] = grad
        for ctx in reversed(order):
            out_grads = ctx.out_grads
            ctx.out_grads = None
            if out_grads is None:  # no gradient reached this node
                continue
            if ctx.n_out == 1:
                grads = ctx.backward(out_grads[0])
            else:
                for i, g in enumerate(out_grads):
                    if g is None:
                        out_grads[i] = np.zeros(ctx.out_shapes[i], dtype=ctx.out_dtype)
                grads = ctx.backward(*out_grads)
            if not isinstance(grads, tuple):
                grads = (grads,)
            for parent, g in zip(ctx.parents, grads, strict=True):
                if g is None or not parent.requires_grad:
                    continue
                pctx = parent._ctx
                if pctx is None:
                    parent.grad = g if parent.grad is None else parent.grad + g
                else:
                    if pctx.out_grads is None:
                        pctx.out_grads = [None] * pctx.n_out
                    prev = pctx.out_grads[parent._idx]
                    pctx.out_grads[parent._idx] = g if prev is None else prev + g

    # ---------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return F.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return F.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return F.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return F.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return F.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return F.div(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pow__(self, exponent: float) -> Tensor:
        return F.power(self, exponent)

    def __matmul__(self, other: Any) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return F.matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return F.getitem(self, index)

    # ---------------------------------------------------------- methods
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims=False) -> Tensor:
        """Sum over ``axis`` (``ann.functions.sum``).

        Parameters
        ----------
        axis : int, tuple of int or None
            Axes to reduce (all when None).
        keepdims : bool
            Keep the reduced axes with length 1. Default False.

        Returns
        -------
        Tensor
            The sum.
        """
        return F.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims=False) -> Tensor:
        """Mean over ``axis`` (``ann.functions.mean``).

        Parameters
        ----------
        axis : int, tuple of int or None
            Axes to reduce (all when None).
        keepdims : bool
            Keep the reduced axes with length 1. Default False.

        Returns
        -------
        Tensor
            The mean.
        """
        return F.mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """The same data with a new shape (one entry may be -1).

        Parameters
        ----------
        *shape : int or a tuple of int
            The new shape, as separate ints or one tuple.

        Returns
        -------
        Tensor
            The reshaped tensor.
        """
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return F.reshape(self, shape)

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them when none are given).

        Parameters
        ----------
        *axes : int
            The permutation.

        Returns
        -------
        Tensor
            The transposed tensor.
        """
        return F.transpose(self, axes or None)

    @property
    def T(self) -> Tensor:
        return F.transpose(self, None)

    def exp(self) -> Tensor:
        """Elementwise exponential.

        Returns
        -------
        Tensor
            The result, recorded for :meth:`backward`.
        """
        return F.exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm.

        Returns
        -------
        Tensor
            The result, recorded for :meth:`backward`.
        """
        return F.log(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent.

        Returns
        -------
        Tensor
            The result, recorded for :meth:`backward`.
        """
        return F.tanh(self)

    def relu(self) -> Tensor:
        """Rectified linear unit.

        Returns
        -------
        Tensor
            The result, recorded for :meth:`backward`.
        """
        return F.relu(self)

    def sigmoid(self) -> Tensor:
        """Logistic function.

        Returns
        -------
        Tensor
            The result, recorded for :meth:`backward`.
        """
        return F.sigmoid(self)


def _topological_order(root: Function) -> list[Function]:
    """Functions reachable from ``root``, each after all of its inputs' functions.

    Iterative depth-first search with an explicit stack, so graph depth is
    limited by memory only, not by Python's recursion limit.
    """
    order: list[Function] = []
    visited = {id(root)}
    stack: list[tuple[Function, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        parents = node.parents
        while i < len(parents):
            pctx = parents[i]._ctx
            i += 1
            if pctx is not None and id(pctx) not in visited:
                visited.add(id(pctx))
                stack.append((node, i))
                stack.append((pctx, 0))
                break
        else:
            order.append(node)
    return order


class Function:
    """One differentiable operation: ``forward`` on arrays, ``backward`` its VJP.

    Subclasses implement ``forward(self, *arrays, **options)`` returning an array
    (or a tuple of arrays for several outputs) and ``backward(self, *grad_outputs)``
    returning one gradient per input array, as a tuple (a bare array when there
    is one input; None where not needed;
    ``self.needs[i]`` tells whether input ``i`` wants one). Arrays needed by
    ``backward`` are kept as attributes of ``self``.
    """

    parents: tuple[Tensor, ...]
    needs: tuple[bool, ...]
    out_grads: list[np.ndarray | None] | None
    n_out: int
    out_shapes: tuple[tuple[int, ...], ...]
    out_dtype: np.dtype

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The op on arrays; saves what :meth:`backward` needs on ``self``.

        Parameters
        ----------
        *args : numpy.ndarray
            The inputs' data.
        **kwargs
            The op's options (axis, shape, ...).

        Returns
        -------
        numpy.ndarray or tuple of numpy.ndarray
            The output data.
        """
        raise NotImplementedError(
            f"{type(self).__name__}.forward: a Function subclass must define forward"
        )

    def backward(self, *grads: np.ndarray) -> Any:
        """Gradients of the inputs from the gradients of the outputs.

        Parameters
        ----------
        *grads : numpy.ndarray
            The gradient of each output.

        Returns
        -------
        numpy.ndarray, None or tuple of them
            One gradient per input, shaped like it (None for inputs that need
            none).
        """
        raise NotImplementedError(
            f"{type(self).__name__}.backward: a Function subclass must define backward"
        )

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Any:
        """Run ``forward`` on the inputs' data and link the output(s) into the graph.

        Parameters
        ----------
        *inputs : Tensor or array_like
            The op's inputs.
        **options
            Passed to :meth:`forward`.

        Returns
        -------
        Tensor or tuple of Tensor
            The output(s), linked to this op for :meth:`Tensor.backward`.
        """
        try:
            tensors = tuple(
                x if isinstance(x, Tensor) else Tensor._wrap(_as_data(x), False)
                for x in inputs
            )
        except TypeError:  # name the offending input after forward's parameter
            names = cls.forward.__code__.co_varnames[1:]
            for i, x in enumerate(inputs):
                if not isinstance(x, Tensor):
                    _as_data(x, name=names[i] if i < len(names) else f"input {i}")
            raise
        ctx = cls()
        needs = tuple(t.requires_grad for t in tensors)
        requires = _GRAD_ENABLED[0] and any(needs)
        ctx.needs = needs
        out = ctx.forward(*[t.data for t in tensors], **options)
        if isinstance(out, tuple):
            outs = tuple(Tensor._wrap(o, requires) for o in out)
            if requires:
                ctx.parents = tensors
                ctx.out_grads = None
                ctx.n_out = len(outs)
                ctx.out_shapes = tuple(o.shape for o in out)
                ctx.out_dtype = out[0].dtype
                for i, t in enumerate(outs):
                    t._ctx = ctx
                    t._idx = i
            return outs
        t = Tensor._wrap(out, requires)
        if requires:
            ctx.parents = tensors
            ctx.out_grads = None
            ctx.n_out = 1
            t._ctx = ctx
        return t


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a :class:`Tensor` (same as the constructor).

    Parameters
    ----------
    data : array_like
        The values.
    requires_grad : bool
        Record operations on it for :meth:`Tensor.backward`. Default False.
    dtype : numpy dtype, optional
        Type of the data (float64 by default).

    Returns
    -------
    Tensor
        The new tensor.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(x: Any, dtype: Any = None, name: str = "data") -> Tensor:
    """``x`` itself when it is a Tensor, else a new constant Tensor.

    ``name`` is the argument that errors name when ``x`` is not real numbers.
    """
    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(_as_data(x, dtype, name), False)


def shapes_str(shapes: Sequence[tuple[int, ...]]) -> str:
    """``"(2, 3) and (4,)"``: for error messages naming several shapes."""
    return " and ".join(str(tuple(s)) for s in shapes)


from . import functions as F  # noqa: E402  (the ops use Tensor; bound after it)
