r"""Spiking layers trained by surrogate gradients (backpropagation through time).

Leaky integrate-and-fire neurons in discrete time, with snnTorch's semantics
(``snntorch.Leaky`` / ``snntorch.RLeaky`` 1.0), time-major ``(seq, batch,
feature)`` like the other recurrent layers. Per step ``t`` with input current
:math:`I_t` (for :class:`RLeaky` plus :math:`W s_{t-1} + b`):

.. math::
    u_t = \beta u_{t-1} + I_t - \vartheta r_t \quad\text{(reset by subtraction)},
    \qquad
    u_t = \beta (1 - r_t) u_{t-1} + I_t \quad\text{(reset to zero)}, \\
    s_t = H(u_t - \vartheta), \qquad r_t = H(u_{t-1} - \vartheta) = s_{t-1},

so a spike resets the membrane one step later (snnTorch's default
``reset_delay=True``), and the reset term :math:`r_t` is detached from the
graph. With ``reset_delay=False`` the reset is immediate: the spike is read
from :math:`p_t = \beta u_{t-1} + I_t` and :math:`u_t = p_t - \vartheta s_t`
(or :math:`(1 - s_t) p_t`); there the reset may carry gradient
(``detach_reset=False``, snnTorch's behaviour with ``reset_delay=False``).

The Heaviside step :math:`H` has zero derivative almost everywhere; the
backward pass uses a surrogate instead (:class:`ATan`, the default, or
:class:`FastSigmoid`). A whole layer over the whole sequence is one
:class:`~neurosim.ann.tensor.Function` (:class:`LIFSequenceFn`) whose time
loops are numba kernels (``neurosim/kernels/spiking.py``).

References
----------
Neftci, Mostafa & Zenke (2019), Surrogate gradient learning in spiking neural
networks, IEEE Signal Process. Mag. 36, 51-63, doi:10.1109/MSP.2019.2931595.
Eshraghian et al. (2023), Training spiking neural networks using lessons from
deep learning, Proc. IEEE 111, 1016-1054, doi:10.1109/JPROC.2023.3308088.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import numpy as np

from .._validation import SeedLike, as_rng, check_choice, check_number
from ..exceptions import ShapeError, ValidationError
from .nn import Linear, Module
from .tensor import Function, Tensor, as_tensor


# ------------------------------------------------------------------ surrogates
class Surrogate:
    """Base class: the derivative used in place of the Heaviside step's."""

    kind: int = -1
    name: str = ""

    @property
    def param(self) -> float:
        """The shape parameter the fused kernels receive (``alpha``, ``slope``)."""
        raise NotImplementedError(
            f"{type(self).__name__}.param: a Surrogate subclass must define param"
        )

    def grad(self, x: np.ndarray) -> np.ndarray:
        """The surrogate derivative :math:`\\partial s / \\partial u` at ``x``.

        Parameters
        ----------
        x : ndarray
            Membrane minus threshold, :math:`u - \\vartheta`, any shape.

        Returns
        -------
        ndarray
            The derivative used in place of the Heaviside step's, elementwise,
            shaped like ``x``.
        """
        raise NotImplementedError(
            f"{type(self).__name__}.grad: a Surrogate subclass must define grad"
        )


class ATan(Surrogate):
    r"""Arctan surrogate (Fang et al. 2021), snnTorch's default.

    :math:`\partial s / \partial u \approx
    \frac{\alpha / 2}{1 + (\pi \alpha x / 2)^2}`, the derivative of
    :math:`\frac{1}{\pi} \arctan(\pi \alpha x / 2)`.

    Parameters
    ----------
    alpha : float
        Width parameter :math:`\alpha` > 0 (default 2, as snnTorch): the
        derivative peaks at :math:`\alpha / 2` at threshold and falls to half
        of that at :math:`|x| = 2 / (\pi \alpha)`.
    """

    kind, name = 0, "atan"

    def __init__(self, alpha: float = 2.0) -> None:
        self.alpha = check_number("alpha", alpha, low=0.0, low_open=True)

    @property
    def param(self) -> float:
        return self.alpha

    def grad(self, x: np.ndarray) -> np.ndarray:
        y = np.pi / 2 * self.alpha * x
        return self.alpha / 2 / (1 + y * y)

    def __repr__(self) -> str:
        return f"ATan(alpha={self.alpha!r})"


class FastSigmoid(Surrogate):
    r"""Fast-sigmoid surrogate (SuperSpike, Zenke & Ganguli 2018).

    :math:`\partial s / \partial u \approx 1 / (1 + k |x|)^2`, the derivative of
    :math:`x / (1 + k|x|)`, with slope :math:`k` (default 25, as snnTorch).

    Parameters
    ----------
    slope : float
        Slope :math:`k` > 0: the derivative is 1 at threshold and falls to
        1/4 at :math:`|x| = 1 / k`.
    """

    kind, name = 1, "fast_sigmoid"

    def __init__(self, slope: float = 25.0) -> None:
        self.slope = check_number("slope", slope, low=0.0, low_open=True)

    @property
    def param(self) -> float:
        return self.slope

    def grad(self, x: np.ndarray) -> np.ndarray:
        d = self.slope * np.abs(x) + 1
        return 1 / (d * d)

    def __repr__(self) -> str:
        return f"FastSigmoid(slope={self.slope!r})"


SURROGATES: dict[str, type[Surrogate]] = {"atan": ATan, "fast_sigmoid": FastSigmoid}


def get_surrogate(surrogate: str | Surrogate) -> Surrogate:
    """A :class:`Surrogate` from its name (default parameters) or itself."""
    if isinstance(surrogate, Surrogate):
        return surrogate
    if surrogate not in SURROGATES:
        raise ValidationError(
            f"surrogate: unknown name {surrogate!r}; expected one of "
            f"{', '.join(map(repr, SURROGATES))} or a Surrogate instance"
        )
    return SURROGATES[surrogate]()


class HeavisideFn(Function):
    """Spike :math:`H(x)` (1 where x > 0) with a surrogate derivative."""

    def forward(self, x, surrogate):
        self.x, self.surrogate = x, surrogate
        return (x > 0).astype(x.dtype)

    def backward(self, g):
        return g * self.surrogate.grad(self.x)


def spike(x: Any, surrogate: str | Surrogate = "atan") -> Tensor:
    """Heaviside spike of ``x`` (membrane minus threshold), surrogate gradient.

    The building block for unrolling a spiking neuron by hand; :class:`Leaky`
    and :class:`RLeaky` run the whole sequence as one fused op instead.

    Parameters
    ----------
    x : Tensor or array_like
        Membrane minus threshold, :math:`u - \\vartheta`, any shape.
    surrogate : {"atan", "fast_sigmoid"} or Surrogate
        The derivative used by the backward pass (see :class:`Leaky`).

    Returns
    -------
    Tensor
        :math:`H(x)`: 1.0 where ``x > 0``, else 0.0, shaped like ``x``; its
        gradient is ``surrogate.grad(x)`` times the incoming gradient.
    """
    return HeavisideFn.apply(x, surrogate=get_surrogate(surrogate))


# ------------------------------------------------------------------ input checks
def check_spikes(name: str, x: Any, n_features: int | None = None) -> np.ndarray:
    """Spike input: a (seq, batch, feature) array of zeros and ones.

    Parameters
    ----------
    name : str
        The argument's name, used in error messages.
    x : (seq, batch, feature) array_like or Tensor
        The spike trains to check.
    n_features : int, optional
        The required size of the last axis (not checked when None).

    Returns
    -------
    (seq, batch, feature) ndarray
        ``x`` as a float array (float64 when it was integer or bool).

    Raises
    ------
    ShapeError
        ``x`` is not 3-D or has the wrong number of features.
    TypeError
        ``x`` is not numeric.
    ValidationError
        ``x`` holds a value other than 0 and 1.
    """
    arr = np.asarray(x.data if isinstance(x, Tensor) else x)
    if arr.ndim != 3:
        raise ShapeError(
            f"{name}: spike input must have shape (seq, batch, feature) "
            f"(got shape {arr.shape})"
        )
    if n_features is not None and arr.shape[2] != n_features:
        raise ShapeError(
            f"{name}: expected {n_features} features in the last axis "
            f"(got shape {arr.shape})"
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a numeric array (got dtype {arr.dtype})")
    if arr.size and not np.all((arr == 0) | (arr == 1)):
        bad = arr[(arr != 0) & (arr != 1)].flat[0]
        raise ValidationError(
            f"{name}: spike input must contain only 0 and 1 (found {bad!r})"
        )
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def rate_encode(
    x: Any, n_steps: int, *, seed: SeedLike = None, dtype: Any = np.float64
) -> np.ndarray:
    r"""Bernoulli spike trains with spike probability ``x`` per step.

    Parameters
    ----------
    x : (batch, feature) array_like
        Probabilities in [0, 1] (for example pixel intensity / 16 for digits).
    n_steps : int
        Length of the trains.
    seed : int, numpy.random.Generator or None
        Seed of the draws; the same seed gives the same trains.
    dtype : numpy dtype
        Data type of the result (default float64).

    Returns
    -------
    (n_steps, batch, feature) ndarray of 0/1
        :math:`s_{t} \sim \mathrm{Bernoulli}(x)`, independent over steps.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ShapeError(f"x: expected shape (batch, feature) (got {x.shape})")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValidationError(
            f"x: spike probabilities must lie in [0, 1] (got range "
            f"[{x.min():g}, {x.max():g}])"
        )
    n_steps = int(check_number("n_steps", n_steps, low=1, integer=True))
    rng = as_rng(seed)
    return (rng.random((n_steps, *x.shape)) < x).astype(dtype)


# ------------------------------------------------------------------ fused layer
@functools.cache
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread, when the optional ``threadpoolctl`` is installed.

    A recurrent layer runs one small matrix product per time step; on a busy
    machine, OpenBLAS threads that wait for each other make those products
    ten times slower or worse. Results do not depend on it.
    """
    controller = _blas_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


class LIFSequenceFn(Function):
    """A LIF layer over a whole sequence, with backpropagation through time.

    Inputs: currents ``I`` (T, N, H), initial membrane ``u0`` (N, H), and for
    a recurrent layer the initial spikes ``s0`` (N, H), recurrent weight
    ``W`` (H, H) and bias ``b`` (H,). Outputs ``(spikes, membrane)``, each
    (T, N, H). Options: ``beta`` (H,) array, ``threshold``, ``surrogate``,
    ``zero``, ``delay``, ``detach`` (see the module docstring).
    """

    def forward(
        self, current, u0, *rec, beta, threshold, surrogate, zero, delay, detach
    ):
        from ..kernels.spiking import lif_forward

        T, N, H = current.shape
        dt = current.dtype
        C = np.array(current, dtype=dt, order="C")  # recurrent input added per step
        u0 = np.ascontiguousarray(u0, dtype=dt)
        r0 = (u0 > threshold).astype(dt)
        U, S, PRE, SG = (np.empty((T, N, H), dtype=dt) for _ in range(4))
        beta = np.ascontiguousarray(beta, dtype=dt)
        args = (beta, dt.type(threshold), int(zero), int(delay))
        sg = (surrogate.kind, dt.type(surrogate.param))
        if rec:
            s0, w, b = rec
            w_t = w.T
            C += b
            C[0] += s0 @ w_t
            with one_blas_thread():
                for t in range(T):
                    if t:
                        C[t] += S[t - 1] @ w_t
                    lif_forward(C, u0, r0, U, S, PRE, SG, t, t + 1, *args, *sg)
            self.s0, self.w = s0, w
        else:
            lif_forward(C, u0, r0, U, S, PRE, SG, 0, T, *args, *sg)
        self.S, self.PRE, self.SG, self.r0 = S, PRE, SG, r0
        self.args = (beta, dt.type(threshold), int(zero), int(delay), int(detach))
        self.recurrent = bool(rec)
        return S, U

    def backward(self, gs, gu):
        from ..kernels.spiking import lif_backward

        S, PRE, SG = self.S, self.PRE, self.SG
        T, N, H = S.shape
        dt = S.dtype
        gs = np.ascontiguousarray(gs, dtype=dt)
        gu = np.ascontiguousarray(gu, dtype=dt)
        D = np.empty((T, N, H), dtype=dt)
        beta, thr, zero, delay, detach = self.args
        if self.recurrent:
            w = self.w
            dsrec = np.zeros((N, H), dtype=dt)
            with one_blas_thread():
                for t in range(T - 1, -1, -1):
                    if t < T - 1:
                        dsrec = D[t + 1] @ w
                    lif_backward(gs, gu, dsrec, S, PRE, SG, D, t, t + 1, *self.args)
        else:
            zeros = np.zeros((N, H), dtype=dt)
            lif_backward(gs, gu, zeros, S, PRE, SG, D, 0, T, *self.args)
        # u_1 depends on u_0 through beta (and, delayed, the detached reset r_1)
        keep = 1 - zero * self.r0 if delay else 1.0
        du0 = beta * keep * D[0]
        if not self.recurrent:
            return D, du0
        s_prev = np.concatenate([self.s0[None], S[:-1]], axis=0)
        D2 = D.reshape(T * N, H)
        gw = D2.T @ s_prev.reshape(T * N, H) if self.needs[3] else None
        gb = D2.sum(axis=0) if self.needs[4] else None
        ds0 = D[0] @ w if self.needs[2] else None
        return D, du0, ds0, gw, gb


class LeakyIntegratorFn(Function):
    r"""Leaky integration over time, :math:`y_t = \kappa y_{t-1} + x_t`, y_0 = 0."""

    def forward(self, x, decay):
        self.decay = decay
        y = np.empty_like(x)
        acc = np.zeros_like(x[0])
        for t in range(len(x)):
            acc *= decay
            acc += x[t]
            y[t] = acc
        return y

    def backward(self, g):
        gx = np.empty_like(g)
        acc = np.zeros_like(g[0])
        for t in range(len(g) - 1, -1, -1):
            acc *= self.decay
            acc += g[t]
            gx[t] = acc
        return gx


def leaky_integrator(x: Any, decay: float) -> Tensor:
    r"""Non-spiking leaky readout over the time axis (axis 0).

    :math:`y_t = \kappa y_{t-1} + x_t` with :math:`\kappa` = ``decay`` in
    [0, 1] (:math:`e^{-\Delta t / \tau_{out}}`); ``decay=1`` integrates.

    Parameters
    ----------
    x : (seq, ...) Tensor or array_like
        The input, time along axis 0.
    decay : float
        :math:`\kappa` in [0, 1], the fraction of the state kept per step.

    Returns
    -------
    (seq, ...) Tensor
        :math:`y_t = \sum_{k \le t} \kappa^{t-k} x_k`, differentiable in ``x``.
    """
    decay = check_number("decay", decay, low=0.0, high=1.0)
    return LeakyIntegratorFn.apply(x, decay=decay)


# ------------------------------------------------------------------ modules
_RESETS = ("subtract", "zero")


class Leaky(Module):
    r"""Leaky integrate-and-fire neurons over time (snnTorch's ``Leaky``).

    Takes input currents, has no weights of its own (put a :class:`Linear`
    before it). See the module docstring for the equations.

    Parameters
    ----------
    beta : float or (size,) array_like
        Membrane decay per step, in [0, 1] (:math:`e^{-\Delta t/\tau}`).
    threshold : float
        Firing threshold :math:`\vartheta` > 0 (dimensionless membrane units).
    surrogate : {"atan", "fast_sigmoid"} or Surrogate
        ``"atan"`` is :class:`ATan` (alpha 2), ``"fast_sigmoid"`` is
        :class:`FastSigmoid` (slope 25); pass an instance for other values.
    reset : {"subtract", "zero"}
        Reset by subtracting the threshold, or to zero.
    reset_delay : bool
        True (default, as snnTorch): a spike at step t resets the membrane at
        step t+1; False: at step t.
    detach_reset : bool
        The reset carries no gradient (default). ``False`` is allowed with
        ``reset_delay=False`` only (snnTorch's immediate reset is not detached).

    Notes
    -----
    Call with currents (seq, batch, size) and an optional initial membrane
    ``mem0`` (batch, size); returns ``(spikes, mem)``, both (seq, batch, size).
    A snnTorch ``Leaky`` with ``reset_delay=False`` reads the spike from a
    membrane from which a pending delayed reset was also subtracted; it differs
    from this layer only when a membrane is still above threshold right after
    its reset.
    """

    def __init__(
        self,
        beta: float | Any = 0.9,
        threshold: float = 1.0,
        surrogate: str | Surrogate = "atan",
        reset: str = "subtract",
        reset_delay: bool = True,
        detach_reset: bool = True,
    ) -> None:
        b = np.asarray(beta, dtype=np.float64)
        if b.ndim > 1 or b.size == 0 or not np.all((b >= 0) & (b <= 1)):
            raise ValidationError(
                f"beta: expected a number or 1-D array in [0, 1] (got {beta!r})"
            )
        self.beta = beta
        self._beta = b
        self.threshold = check_number("threshold", threshold, low=0.0, low_open=True)
        self.surrogate = get_surrogate(surrogate)
        self.reset = check_choice("reset", reset, _RESETS)
        self.reset_delay = bool(reset_delay)
        self.detach_reset = bool(detach_reset)
        if self.reset_delay and not self.detach_reset:
            raise ValidationError(
                "detach_reset: False needs reset_delay=False (a delayed reset is "
                "always detached, as in snnTorch)"
            )

    def _options(self, size: int, dtype: np.dtype) -> dict[str, Any]:
        beta = np.broadcast_to(self._beta, (size,)) if self._beta.ndim == 0 else None
        if beta is None:
            if self._beta.shape != (size,):
                raise ShapeError(
                    f"beta: has shape {self._beta.shape} but the layer has {size} "
                    "neurons"
                )
            beta = self._beta
        return {
            "beta": beta.astype(dtype),
            "threshold": self.threshold,
            "surrogate": self.surrogate,
            "zero": self.reset == "zero",
            "delay": self.reset_delay,
            "detach": self.detach_reset,
        }

    @staticmethod
    def _state(name: str, x: Any, want: tuple[int, ...], dtype: np.dtype) -> Tensor:
        if x is None:
            return Tensor(np.zeros(want, dtype=dtype))
        x = as_tensor(x, dtype=dtype)
        if x.shape != want:
            raise ShapeError(f"{name}: expected shape {want} (got {x.shape})")
        return x

    def _check_current(self, current: Any, size: int | None = None) -> Tensor:
        current = as_tensor(current)
        if current.ndim != 3 or (size is not None and current.shape[2] != size):
            want = "(seq, batch, feature)" if size is None else f"(seq, batch, {size})"
            raise ShapeError(
                f"{type(self).__name__}: input must have shape {want} "
                f"(got {current.shape})"
            )
        return current

    def forward(self, current: Any, mem0: Any = None) -> tuple[Tensor, Tensor]:
        """Run the neurons over a sequence of input currents.

        Parameters
        ----------
        current : (seq, batch, size) Tensor or array_like
            Input current :math:`I_t` of each step (membrane units).
        mem0 : (batch, size) Tensor or array_like, optional
            Initial membrane :math:`u_0` (default zeros).

        Returns
        -------
        spikes : (seq, batch, size) Tensor
            :math:`s_t` (0 or 1), with the surrogate gradient.
        mem : (seq, batch, size) Tensor
            Membrane :math:`u_t` after each step.
        """
        current = self._check_current(current)
        _, N, H = current.shape
        u0 = self._state("mem0", mem0, (N, H), current.dtype)
        return LIFSequenceFn.apply(current, u0, **self._options(H, current.dtype))

    def extra_repr(self) -> str:
        return (
            f"beta={self.beta!r}, threshold={self.threshold!r}, "
            f"surrogate={self.surrogate!r}, reset={self.reset!r}"
        )


class RLeaky(Leaky):
    r"""Recurrent leaky integrate-and-fire layer (snnTorch's ``RLeaky``).

    As :class:`Leaky`, with an all-to-all recurrent current
    :math:`W s_{t-1} + b` added to the input current of step t. The recurrent
    weights sit in ``recurrent.weight`` (size, size) and ``recurrent.bias``
    (size,), snnTorch's names, so ``load_state_dict`` copies them across;
    they are drawn as PyTorch's ``nn.Linear`` does.

    Call with currents (seq, batch, size) and optional ``spk0`` and ``mem0``
    (batch, size); returns ``(spikes, mem)``.

    Parameters
    ----------
    size : int
        Number of neurons (the input's last axis).
    beta, threshold, surrogate, reset, reset_delay, detach_reset
        As for :class:`Leaky`.
    seed : int, numpy.random.Generator or None
        Seed of the recurrent weights' initialisation.
    dtype : numpy dtype
        Data type of the recurrent weights (default float64).

    Notes
    -----
    Reset to zero follows :class:`Leaky`'s equation,
    :math:`u_t = \beta (1 - r_t) u_{t-1} + I_t + W s_{t-1} + b`. snnTorch's
    ``RLeaky`` instead zeroes the whole new membrane, input included,
    :math:`u_t = (1 - r_t)(\beta u_{t-1} + I_t + W s_{t-1} + b)`, unlike its own
    ``Leaky``; with reset by subtraction the two libraries agree.
    """

    def __init__(
        self,
        size: int,
        beta: float | Any = 0.9,
        threshold: float = 1.0,
        surrogate: str | Surrogate = "atan",
        reset: str = "subtract",
        reset_delay: bool = True,
        detach_reset: bool = True,
        *,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__(beta, threshold, surrogate, reset, reset_delay, detach_reset)
        self.size = int(check_number("size", size, low=1, integer=True))
        self.recurrent = Linear(self.size, self.size, seed=seed, dtype=dtype)

    def forward(
        self, current: Any, spk0: Any = None, mem0: Any = None
    ) -> tuple[Tensor, Tensor]:
        """Run the recurrent layer over a sequence of input currents.

        Parameters
        ----------
        current : (seq, batch, size) Tensor or array_like
            Input current of each step, before the recurrent current
            :math:`W s_{t-1} + b` is added.
        spk0 : (batch, size) Tensor or array_like, optional
            Spikes :math:`s_0` before the first step (default zeros).
        mem0 : (batch, size) Tensor or array_like, optional
            Initial membrane :math:`u_0` (default zeros).

        Returns
        -------
        spikes : (seq, batch, size) Tensor
            :math:`s_t` (0 or 1), with the surrogate gradient.
        mem : (seq, batch, size) Tensor
            Membrane :math:`u_t` after each step.
        """
        current = self._check_current(current, self.size)
        _, N, H = current.shape
        dt = current.dtype
        u0 = self._state("mem0", mem0, (N, H), dt)
        s0 = self._state("spk0", spk0, (N, H), dt)
        return LIFSequenceFn.apply(
            current,
            u0,
            s0,
            self.recurrent.weight,
            self.recurrent.bias,
            **self._options(H, dt),
        )

    def extra_repr(self) -> str:
        return f"{self.size}, " + super().extra_repr()


class SpikingMLP(Module):
    r"""Feed-forward spiking classifier: Linear + :class:`Leaky` per hidden layer.

    ``sizes = [64, 128, 10]`` is 64 inputs, one layer of 128 LIF neurons and 10
    outputs. The output layer does not spike: it integrates its input current,
    and the logits are the time average
    :math:`y = \frac{1}{T} \sum_t (W s_t + b)`, to be fed to ``cross_entropy``.

    Input: currents or spikes (seq, batch, sizes[0]). With ``n_steps`` set, a
    static input (batch, sizes[0]) is also accepted and given as a constant
    current at every one of ``n_steps`` steps ("direct" encoding), so
    :func:`~neurosim.ann.fit` trains the network on static samples. Use
    :func:`rate_encode` for Bernoulli spike trains; with ``spike_input=True``
    the input is checked to be 0/1.

    Parameters are named ``layers.0.weight``, ``layers.0.bias`` ... like
    :class:`~neurosim.ann.nn.MLP`. The hidden activity of the last call is
    kept in ``spike_counts_`` (spikes per sample per layer), for reporting.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first, output last (at least two).
    beta, threshold, surrogate, reset
        The hidden neurons' parameters, as for :class:`Leaky`.
    n_steps : int, optional
        Number of steps a static (batch, sizes[0]) input is repeated for; None
        (default) accepts sequences only.
    spike_input : bool
        The input is spike trains: check that it holds only 0 and 1 (default
        False).
    seed : int, numpy.random.Generator or None
        Seed of the weights' initialisation.
    dtype : numpy dtype
        Data type of the weights (default float64).

    Attributes
    ----------
    spike_counts_ : list of float
        Spikes per sample in each hidden layer, from the last call.
    """

    def __init__(
        self,
        sizes: Any,
        beta: float = 0.9,
        threshold: float = 1.0,
        surrogate: str | Surrogate = "atan",
        reset: str = "subtract",
        *,
        n_steps: int | None = None,
        spike_input: bool = False,
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        sizes = [int(check_number("sizes", s, low=1, integer=True)) for s in sizes]
        self.n_steps = (
            None
            if n_steps is None
            else int(check_number("n_steps", n_steps, low=1, integer=True))
        )
        if len(sizes) < 2:
            raise ValidationError(
                f"sizes: need at least input and output sizes (got {sizes})"
            )
        self.sizes = sizes
        self.spike_input = bool(spike_input)
        rng = as_rng(seed)
        self.layers = [
            Linear(a, b, seed=rng, dtype=dtype)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        self.lif = Leaky(beta, threshold, surrogate, reset)
        self.spike_counts_: list[float] = []

    def named_children(self):
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def forward(self, x: Any) -> Tensor:
        """Classify a batch of input sequences.

        Parameters
        ----------
        x : (seq, batch, sizes[0]) or (batch, sizes[0]) Tensor or array_like
            Input currents or spikes; the 2-D form is a static input repeated
            over ``n_steps`` steps (only when ``n_steps`` is set).

        Returns
        -------
        (batch, sizes[-1]) Tensor
            Logits: the output layer's current averaged over time.
        """
        ndim = x.ndim if isinstance(x, Tensor) else np.ndim(x)
        if self.n_steps is not None and ndim == 2 and not self.spike_input:
            x = Tensor(repeat_current(x, self.n_steps))
        if self.spike_input:
            x = Tensor(check_spikes("x", x, self.sizes[0]))
        else:
            x = self.lif._check_current(x, self.sizes[0])
        counts = []
        for layer in self.layers[:-1]:
            x, _ = self.lif(layer(x))
            counts.append(float(x.data.sum()) / x.shape[1])
        self.spike_counts_ = counts
        return self.layers[-1](x).mean(axis=0)

    def extra_repr(self) -> str:
        return f"{self.sizes}, {self.lif.extra_repr()}"


def repeat_current(x: Any, n_steps: int) -> np.ndarray:
    """Direct encoding: the static input ``x`` (batch, feature) at every step.

    Parameters
    ----------
    x : (batch, feature) array_like or Tensor
        The static input.
    n_steps : int
        Number of steps (>= 1).

    Returns
    -------
    (n_steps, batch, feature) ndarray
        A read-only broadcast view of ``x`` (no copy).
    """
    x = np.asarray(x.data if isinstance(x, Tensor) else x)
    if x.ndim != 2:
        raise ShapeError(f"x: expected shape (batch, feature) (got {x.shape})")
    n_steps = int(check_number("n_steps", n_steps, low=1, integer=True))
    return np.broadcast_to(x, (n_steps, *x.shape))


__all__ = [
    "ATan",
    "FastSigmoid",
    "HeavisideFn",
    "LIFSequenceFn",
    "Leaky",
    "RLeaky",
    "SpikingMLP",
    "Surrogate",
    "check_spikes",
    "get_surrogate",
    "leaky_integrator",
    "rate_encode",
    "repeat_current",
    "spike",
]
