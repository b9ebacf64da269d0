"""Layers: :class:`Module` and the feed-forward building blocks.

A ``Module`` holds parameters (Tensors with ``requires_grad=True``) and
sub-modules as attributes; ``named_parameters()`` lists them with dotted names
in PyTorch's convention (``"layers.0.weight"``), so ``state_dict()`` /
``load_state_dict()`` copy weights to and from a PyTorch model with the same
structure. Layers take ``seed=`` (int or Generator) and ``dtype=``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_real_array,
    as_rng,
    check_alloc,
    check_choice,
    check_number,
    check_sequence,
    check_shape,
    check_size,
)
from ..exceptions import ShapeError, ValidationError
from . import functions as F
from . import init as _init
from .tensor import Tensor, as_tensor


def _dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype: expected float32 or float64 (got {dt})")
    return dt


def _state_array(name: str, value: Any, old: np.ndarray) -> np.ndarray:
    """``state[name]`` checked against the array it replaces (shape, real, finite)."""
    label = f"state[{name!r}]"
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = as_real_array(label, value)
    if arr.shape != old.shape:
        raise ShapeError(f"{label}: expected shape {old.shape} (got {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValidationError(f"{label}: contains NaN or infinite values")
    if old.dtype.kind in "iu" and not np.all(arr == np.round(arr)):
        raise ValidationError(f"{label}: expected integers")
    return arr.astype(old.dtype)


def parameter(data: np.ndarray) -> Tensor:
    """A trainable leaf Tensor."""
    return Tensor(data, requires_grad=True)


class Module:
    """Base class of layers: parameters, sub-modules, train/eval mode."""

    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation; ``module(x)`` calls it.

        Parameters
        ----------
        *args, **kwargs
            Inputs: Tensors or arrays, shaped as the layer's docstring says.

        Returns
        -------
        Tensor or tuple
            The outputs, recorded in the autodiff graph.
        """
        raise NotImplementedError(
            f"{type(self).__name__}.forward: a Module subclass must define forward"
        )

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names (lists as ``name.i``).

        Returns
        -------
        iterator of (str, Module)
            ``(name, module)`` pairs, in attribute order.
        """
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(v, Module) for v in value)
            ):
                for i, v in enumerate(value):
                    yield f"{name}.{i}", v

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, Tensor)`` for every parameter, PyTorch-style names.

        Parameters
        ----------
        prefix : str
            Prepended to every name.

        Returns
        -------
        iterator of (str, Tensor)
            Every trainable parameter with its dotted name.
        """
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.requires_grad:
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Tensor]:
        """The trainable Tensors.

        Returns
        -------
        list of Tensor
            The trainable Tensors.
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget the accumulated gradients of all parameters."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch norm uses batch statistics).

        Parameters
        ----------
        mode : bool
            True for training, False for evaluation.

        Returns
        -------
        Module
            ``self``.
        """
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode.

        Returns
        -------
        Module
            ``self``.
        """
        return self.train(False)

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``""``) and all below it.

        Parameters
        ----------
        prefix : str
            Prepended to every name.

        Yields
        ------
        tuple of (str, Module)
            Each module with its dotted name.
        """
        yield prefix.rstrip("."), self
        for name, child in self.named_children():
            yield from child.named_modules(prefix + name + ".")

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """``(dotted name, array)`` for non-trainable state kept with the weights.

        A layer lists its buffers in the class attribute ``buffer_names`` (for
        ``BatchNorm1d``: ``running_mean``, ``running_var``,
        ``num_batches_tracked``, PyTorch's names).

        Parameters
        ----------
        prefix : str
            Prepended to every name.

        Yields
        ------
        tuple of (str, numpy.ndarray)
            Each buffer with its dotted name.
        """
        for full, module in self.named_modules(prefix):
            for name in module.buffer_names:
                yield (full + "." if full else "") + name, getattr(module, name)

    buffer_names: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameter and buffer arrays by name (PyTorch's names).

        Returns
        -------
        dict of str to numpy.ndarray
            Parameter and buffer copies by dotted name.
        """
        out = {k: v.data.copy() for k, v in self.named_parameters()}
        out.update({k: np.array(v, copy=True) for k, v in self.named_buffers()})
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy arrays (or anything with ``.numpy()``/``.detach()``) into the module.

        Every parameter must be present, with the same shape, real and finite;
        buffers (batch-norm statistics) are loaded when present. Nothing is
        changed unless every array passes. A PyTorch ``state_dict()`` of the
        same architecture loads as it is.

        Parameters
        ----------
        state : dict of str to array_like
            Arrays by dotted name, e.g. a PyTorch ``state_dict()``.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"state: expected a dict of arrays (got {type(state).__name__})"
            )
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params) - set(buffers))
        if missing or unexpected:
            raise ValidationError(
                f"state: missing {missing}, unexpected {unexpected} "
                f"(expected {sorted(params) + sorted(buffers)})"
            )
        new = {}
        for name in [*params, *(b for b in buffers if b in state)]:
            old = params[name].data if name in params else np.asarray(buffers[name])
            new[name] = _state_array(name, state[name], old)
        modules = dict(self.named_modules())
        for name, arr in new.items():
            if name in params:
                params[name].data[...] = arr
            else:
                owner, _, attr = name.rpartition(".")
                setattr(modules[owner], attr, arr)

    def n_parameters(self) -> int:
        """Number of trainable scalars.

        Returns
        -------
        int
            Number of trainable scalars.
        """
        return sum(p.size for p in self.parameters())

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [
            f"  ({n}): {repr(c).replace(chr(10), chr(10) + '  ')}" for n, c in children
        ]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        """The layer's settings, shown inside its ``repr``.

        Returns
        -------
        str
            E.g. ``"in_features=64, out_features=10, bias=True"``.
        """
        return ""


class Linear(Module):
    r"""Affine layer :math:`y = x W^T + b`, ``weight`` (out, in), ``bias`` (out,).

    ``init="default"`` draws both from :math:`U(-1/\sqrt{in}, 1/\sqrt{in})` as
    PyTorch does; ``"xavier_uniform"``, ``"xavier_normal"``, ``"he_uniform"``,
    ``"he_normal"`` draw the weight from :mod:`neurosim.ann.init` and zero the bias.
    Input ``(..., in)``, output ``(..., out)``.

    Parameters
    ----------
    in_features : int
        Input width.
    out_features : int
        Output width.
    bias : bool
        Learn a bias. Default True.
    init : str
        Weight initialisation: ``"default"`` or a name of :mod:`neurosim.ann.init`.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        init: str = "default",
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        self.in_features = int(
            check_number("in_features", in_features, low=1, integer=True)
        )
        self.out_features = int(
            check_number("out_features", out_features, low=1, integer=True)
        )
        check_alloc(
            "in_features, out_features",
            (self.in_features + 1) * self.out_features,
            what="the weights",
        )
        check_choice("init", init, ("default", *_init.INITS))
        self.seed = seed  # ann.fit shuffles from it by default
        rng, dt = as_rng(seed), _dtype(dtype)
        shape = (self.out_features, self.in_features)
        bound = 1.0 / np.sqrt(self.in_features)
        if init == "default":
            w = _init.uniform(shape, bound, rng, dt)
        else:
            w = _init.INITS[init](shape, rng, dtype=dt)
        self.weight = parameter(w)
        if bias:
            b = (
                _init.uniform((self.out_features,), bound, rng, dt)
                if init == "default"
                else np.zeros(self.out_features, dt)
            )
            self.bias: Tensor | None = parameter(b)
        else:
            self.bias = None

    def forward(self, x: Any) -> Tensor:
        """``(..., in)`` -> ``(..., out)``.

        Parameters
        ----------
        x : Tensor or array_like
            Inputs ``(..., in)``.

        Returns
        -------
        Tensor
            Outputs ``(..., out)``.
        """
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Activation(Module):
    """An activation function as a layer (``Activation("relu")``).

    Parameters
    ----------
    name : str or callable
        An activation name (see ``get_activation``) or a function.
    """

    def __init__(self, name: str | Callable[[Any], Tensor]) -> None:
        self.name = name
        self.fn = F.get_activation(name)

    def forward(self, x: Any) -> Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return repr(self.name)


class Dropout(Module):
    """Inverted dropout with probability ``p`` (identity in eval mode).

    Parameters
    ----------
    p : float
        Drop probability in [0, 1). Default 0.5.
    seed : int, numpy.random.Generator or None
        Seeds the masks.
    """

    def __init__(self, p: float = 0.5, *, seed: SeedLike = None) -> None:
        self.p = check_number("p", p, low=0.0, high=1.0, high_open=True)
        self.seed = seed  # ann.fit shuffles from it by default
        self.rng = as_rng(seed)

    def forward(self, x: Any) -> Tensor:
        return F.dropout(x, self.p, self.rng, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Layers applied in order; parameters are named ``"0.weight"``, ``"1.bias"``...

    Parameters
    ----------
    *layers : Module
        The layers, in order.
    """

    def __init__(self, *layers: Module) -> None:
        self.layers = list(layers)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def forward(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


class MLP(Module):
    """Multi-layer perceptron: Linear layers with an activation between them.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``[64, 128, 10]`` is 64 -> 128 -> 10.
    activation : str or callable
        Hidden activation (see :func:`~neurosim.ann.functions.get_activation`).
    output_activation : str or callable, optional
        Applied to the last layer (default none: logits, for ``cross_entropy``).
    init : str
        Weight initialisation of every Linear (see :class:`Linear`).
    dropout : float
        Dropout probability after each hidden activation.
    seed : int, numpy.random.Generator or None
        Seeds the initial weights; ``ann.fit`` also shuffles from it by default.
    dtype : numpy dtype
        float64 (default) or float32.

    Notes
    -----
    Parameters are named ``layers.0.weight``, ``layers.0.bias``,
    ``layers.1.weight``... Input ``(..., sizes[0])``, output ``(..., sizes[-1])``.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Callable[[Any], Tensor] = "relu",
        output_activation: str | Callable[[Any], Tensor] | None = None,
        *,
        init: str = "default",
        dropout: float = 0.0,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        sizes = [
            check_size("sizes", s)
            for s in check_sequence("sizes", sizes, "a sequence of layer widths")
        ]
        if len(sizes) < 2:
            raise ValueError(
                f"sizes: need at least input and output sizes (got {sizes})"
            )
        check_alloc(
            "sizes",
            sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)),
            what="the weights",
        )
        self.sizes = sizes
        self.activation = activation
        self.act = F.get_activation(activation)
        self.out_act = (
            None if output_activation is None else F.get_activation(output_activation)
        )
        self.seed = seed  # ann.fit shuffles from it by default
        rng = as_rng(seed)
        self.layers = [
            Linear(a, b, init=init, seed=rng, dtype=dtype)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_open=True)
        self.drop = Dropout(dropout, seed=rng) if dropout > 0 else None

    def forward(self, x: Any) -> Tensor:
        """``(..., sizes[0])`` -> ``(..., sizes[-1])``.

        Parameters
        ----------
        x : Tensor or array_like
            Inputs ``(..., sizes[0])``.

        Returns
        -------
        Tensor
            Outputs ``(..., sizes[-1])``.
        """
        *hidden, last = self.layers
        for layer in hidden:
            x = self.act(layer(x))
            if self.drop is not None:
                x = self.drop(x)
        x = last(x)
        return x if self.out_act is None else self.out_act(x)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer
        if self.drop is not None:
            yield "drop", self.drop

    def extra_repr(self) -> str:
        return f"{self.sizes}, activation={self.activation!r}"


class LayerNorm(Module):
    r"""Layer normalisation over the trailing ``normalized_shape`` axes.

    :math:`y = (x - \mathrm{E}[x]) / \sqrt{\mathrm{Var}[x] + \epsilon} \cdot w + b`,
    biased variance, ``weight`` ones and ``bias`` zeros at start (as PyTorch).

    Parameters
    ----------
    normalized_shape : int or sequence of int
        Shape of the trailing axes normalised over.
    eps : float
        Added to the variance. Default 1e-5.
    elementwise_affine : bool
        Learn a scale and shift. Default True.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        *,
        dtype: Any = np.float64,
    ) -> None:
        shape = check_shape("normalized_shape", normalized_shape)
        if not shape or 0 in shape:
            raise ValidationError(
                f"normalized_shape: expected sizes >= 1 (got {normalized_shape!r})"
            )
        check_alloc("normalized_shape", 2 * math.prod(shape), what="the weights")
        self.normalized_shape = shape
        self.eps = check_number("eps", eps, low=0.0, low_open=True)
        dt = _dtype(dtype)
        if elementwise_affine:
            self.weight: Tensor | None = parameter(np.ones(shape, dt))
            self.bias: Tensor | None = parameter(np.zeros(shape, dt))
        else:
            self.weight = self.bias = None

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, name="x")
        n = len(self.normalized_shape)
        if x.shape[x.ndim - n :] != self.normalized_shape:
            raise ShapeError(
                f"LayerNorm: input of shape {x.shape} does not end in "
                f"normalized_shape {self.normalized_shape}"
            )
        return F.layer_norm(x, self.weight, self.bias, n, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class BatchNorm1d(Module):
    r"""Batch normalisation over the batch (and length) axes of ``(N, C[, L])``.

    Training: normalise with the batch mean and biased variance, and update
    ``running_mean``/``running_var`` (unbiased) with ``momentum``:
    :math:`r \leftarrow (1 - m) r + m\,\hat{s}`. Evaluation: use the running
    statistics. Same conventions as PyTorch.

    Parameters
    ----------
    num_features : int
        Channels C.
    eps : float
        Added to the variance. Default 1e-5.
    momentum : float
        Weight of each batch in the running statistics. Default 0.1.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        *,
        dtype: Any = np.float64,
    ) -> None:
        self.num_features = check_size("num_features", num_features, itemsize=32)
        self.eps = check_number("eps", eps, low=0.0, low_open=True)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0)
        dt = _dtype(dtype)
        self.weight = parameter(np.ones(self.num_features, dt))
        self.bias = parameter(np.zeros(self.num_features, dt))
        self.running_mean = np.zeros(self.num_features, dt)
        self.running_var = np.ones(self.num_features, dt)
        self.num_batches_tracked = np.array(0, np.int64)

    buffer_names = ("running_mean", "running_var", "num_batches_tracked")

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, name="x")
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm1d: expected input of shape (N, {self.num_features}) or "
                f"(N, {self.num_features}, L) (got {x.shape})"
            )
        axes = (0,) if x.ndim == 2 else (0, 2)
        if not self.training:
            shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
            rstd = 1.0 / np.sqrt(self.running_var + self.eps)
            scale = (self.weight * rstd.astype(x.dtype)).reshape(shape)
            shift = self.bias - self.weight * (self.running_mean * rstd).astype(x.dtype)
            return x * scale + shift.reshape(shape)
        out = F.BatchNormFn.apply(x, self.weight, self.bias, axes=axes, eps=self.eps)
        n = x.size // self.num_features
        mu = x.data.mean(axis=axes)
        var = x.data.var(axis=axes) * (n / max(n - 1, 1))
        m = self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * mu
        self.running_var = (1 - m) * self.running_var + m * var
        self.num_batches_tracked = self.num_batches_tracked + 1
        return out

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
