"""Optimisers: SGD (with momentum) and Adam, both with weight decay.

Each takes a list of parameter Tensors; ``step()`` updates ``p.data`` in place
from ``p.grad`` (parameters without a gradient are skipped) and ``zero_grad()``
clears the gradients. Update rules follow PyTorch, so trajectories match it.

The gradients need not come from ``backward()``: a learning rule that computes
its own weight changes (predictive coding, Hebbian terms) can write them into
``p.grad`` as arrays of the parameter's shape and call ``step()``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._validation import check_number, check_sequence
from ..exceptions import ValidationError
from .tensor import Tensor


class Optimizer:
    """Base class: holds the parameters and the learning rate ``lr``.

    Parameters
    ----------
    params : iterable of Tensor
        The parameters to update (e.g. ``model.parameters()``).
    lr : float
        Learning rate (> 0).
    """

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("params: the optimiser got no parameters")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"params: expected Tensors (got {type(p).__name__})")
        self.lr = check_number("lr", lr, low=0.0, low_open=True)

    def zero_grad(self) -> None:
        """Clear the gradients of all parameters."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient (in subclasses)."""
        raise NotImplementedError(
            f"{type(self).__name__}.step: an Optimizer subclass must define step"
        )


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum.

    With gradient :math:`g` (plus ``weight_decay`` :math:`\lambda w`), velocity
    :math:`v \leftarrow \mu v + g` and :math:`w \leftarrow w - \eta v`
    (Nesterov: :math:`w \leftarrow w - \eta (g + \mu v)`); ``momentum=0`` is
    plain SGD, :math:`w \leftarrow w - \eta g`.

    Parameters
    ----------
    params : iterable of Tensor
        The parameters to update (e.g. ``model.parameters()``).
    lr : float
        Learning rate :math:`\eta` (> 0). Default 0.01.
    momentum : float
        Momentum :math:`\mu` in [0, 1). Default 0 (plain SGD).
    weight_decay : float
        L2 coefficient :math:`\lambda` (>= 0) added to the gradient as
        :math:`\lambda w`. Default 0.
    nesterov : bool
        Nesterov momentum. Default False.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_number(
            "momentum", momentum, low=0.0, high=1.0, high_open=True
        )
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)
        self.nesterov = bool(nesterov)
        self.velocity: list[np.ndarray | None] = [None] * len(self.params)

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if wd:
                g = g + wd * p.data
            if mu:
                v = self.velocity[i]
                if v is None:
                    v = self.velocity[i] = np.array(g, dtype=p.data.dtype)
                else:
                    v *= mu
                    v += g
                g = g + mu * v if self.nesterov else v
            p.data -= lr * g


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015) with bias correction.

    .. math:: m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
              v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\
              w \leftarrow w - \eta \frac{m / (1 - \beta_1^t)}
              {\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    ``weight_decay`` adds :math:`\lambda w` to the gradient (L2, as PyTorch's
    Adam); ``decoupled=True`` instead shrinks :math:`w \leftarrow w(1 - \eta\lambda)`
    before the step (AdamW).

    Parameters
    ----------
    params : iterable of Tensor
        The parameters to update (e.g. ``model.parameters()``).
    lr : float
        Learning rate :math:`\eta` (> 0). Default 1e-3.
    betas : (float, float)
        Decay rates :math:`(\beta_1, \beta_2)` of the first and second moment
        estimates, each in [0, 1). Default (0.9, 0.999).
    eps : float
        :math:`\epsilon` (> 0) added to the denominator. Default 1e-8.
    weight_decay : float
        Weight decay :math:`\lambda` (>= 0). Default 0.
    decoupled : bool
        Decoupled weight decay (AdamW) instead of L2. Default False.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
    ) -> None:
        super().__init__(params, lr)
        pair = check_sequence("betas", betas, "a pair of floats (beta1, beta2)")
        if len(pair) != 2:
            raise ValidationError(f"betas: expected two values (got {betas!r})")
        b1, b2 = pair
        self.beta1 = check_number("betas[0]", b1, low=0.0, high=1.0, high_open=True)
        self.beta2 = check_number("betas[1]", b2, low=0.0, high=1.0, high_open=True)
        self.eps = check_number("eps", eps, low=0.0, low_open=True)
        self.weight_decay = check_number("weight_decay", weight_decay, low=0.0)
        self.decoupled = bool(decoupled)
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        self.t += 1
        b1, b2, lr, wd = self.beta1, self.beta2, self.lr, self.weight_decay
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            if g is None:
                continue
            if wd and self.decoupled:
                p.data *= 1.0 - lr * wd
            elif wd:
                g = g + wd * p.data
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p.data -= (lr / c1) * m / (np.sqrt(v / c2) + self.eps)
