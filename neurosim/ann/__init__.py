"""Artificial neural networks on a small reverse-mode autodiff over numpy.

The baseline that neurosim's biological learning rules are compared against.
``Tensor`` records operations; ``loss.backward()`` fills ``.grad`` of every
parameter. Layers (``Linear``, ``MLP``, ``RNN``, ``GRU``, ``LSTM``, ``MinGRU``,
``MultiHeadAttention``, ``TransformerEncoderLayer`` ...) follow PyTorch's
parameter names, shapes and conventions so that weights copy across.

>>> from neurosim import ann
>>> net = ann.MLP([64, 128, 10], activation="relu", seed=0)
>>> loss = ann.cross_entropy(net(ann.Tensor(X)), y)      # doctest: +SKIP
>>> loss.backward(); opt.step(); opt.zero_grad()          # doctest: +SKIP
"""

from __future__ import annotations

from . import functions, init
from .attention import (
    MultiHeadAttention,
    TransformerEncoder,
    TransformerEncoderLayer,
    causal_mask,
    get_num_threads,
    positional_encoding,
    scaled_dot_product_attention,
    set_num_threads,
)
from .conversion import (
    ConversionRun,
    ConvertedSNN,
    IntegrateAndFire,
    Integrator,
    convert_mlp,
)
from .data import load_digits, load_digits_split
from .functions import (
    arctan,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    concat,
    cross_entropy,
    dropout,
    exp,
    get_activation,
    layer_norm,
    linear,
    log,
    log_softmax,
    logistic,
    matmul,
    mse_loss,
    relu,
    sigmoid,
    softmax,
    softplus,
    stack,
    tanh,
    threshold,
)
from .init import he_normal, he_uniform, xavier_normal, xavier_uniform
from .nn import (
    MLP,
    Activation,
    BatchNorm1d,
    Dropout,
    LayerNorm,
    Linear,
    Module,
    Sequential,
)
from .optim import SGD, Adam, Optimizer
from .recurrent import GRU, LSTM, RNN, MinGRU, RNNCell
from .spiking import (
    ATan,
    FastSigmoid,
    Leaky,
    RLeaky,
    SpikingMLP,
    Surrogate,
    check_spikes,
    leaky_integrator,
    rate_encode,
    repeat_current,
    spike,
)
from .tensor import Function, Tensor, is_grad_enabled, no_grad, tensor, unbroadcast
from .training import History, accuracy, fit, predict

__all__ = [
    "spike",
    "repeat_current",
    "rate_encode",
    "check_spikes",
    "Surrogate",
    "SpikingMLP",
    "RLeaky",
    "Leaky",
    "FastSigmoid",
    "ATan",
    "GRU",
    "LSTM",
    "MLP",
    "RNN",
    "SGD",
    "Activation",
    "Adam",
    "BatchNorm1d",
    "ConversionRun",
    "ConvertedSNN",
    "IntegrateAndFire",
    "Integrator",
    "Dropout",
    "Function",
    "History",
    "LayerNorm",
    "Linear",
    "MinGRU",
    "Module",
    "MultiHeadAttention",
    "Optimizer",
    "RNNCell",
    "Sequential",
    "Tensor",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "accuracy",
    "arctan",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "causal_mask",
    "concat",
    "convert_mlp",
    "cross_entropy",
    "dropout",
    "exp",
    "fit",
    "functions",
    "get_activation",
    "get_num_threads",
    "he_normal",
    "he_uniform",
    "init",
    "is_grad_enabled",
    "layer_norm",
    "leaky_integrator",
    "linear",
    "load_digits",
    "load_digits_split",
    "log",
    "log_softmax",
    "logistic",
    "matmul",
    "mse_loss",
    "no_grad",
    "positional_encoding",
    "predict",
    "relu",
    "scaled_dot_product_attention",
    "set_num_threads",
    "sigmoid",
    "softmax",
    "softplus",
    "stack",
    "tanh",
    "tensor",
    "threshold",
    "unbroadcast",
    "xavier_normal",
    "xavier_uniform",
]
