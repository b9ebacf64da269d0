"""Post-synaptic filters: continuous-time linear filters with unit area.

A synapse is a causal linear time-invariant filter with impulse response
``h(t)`` (in 1/s) and transfer function ``H(s) = num(s) / den(s)``. The named
synapses all have unit area, ``H(0) = integral of h = 1``, so a spike train
written as a sum of Dirac impulses (or as ``1/dt`` impulses in arrays) comes
out of the filter in Hz.

* ``Lowpass(tau)``: ``h = exp(-t/tau) / tau``, ``H = 1 / (tau s + 1)``.
* ``Alpha(tau)``: ``h = t exp(-t/tau) / tau**2``, ``H = 1 / (tau s + 1)**2``.
* ``PSC(n, tau)``: ``h = t**n exp(-t/tau) / (n! tau**(n+1))``,
  ``H = 1 / (tau s + 1)**(n+1)``.
* ``DoubleExp(tr, td)``: ``h = (exp(-t/td) - exp(-t/tr)) / (td - tr)``,
  ``H = 1 / ((tr s + 1)(td s + 1))``.
* ``LinearFilter(num, den)``: ``h = Cc exp(Ac t) Bc`` (plus ``Dc delta(t)``),
  ``H = num(s) / den(s)``.

(``h(t) = 0`` for ``t < 0``.)

Discrete time
-------------
:meth:`LinearFilter.discretize` returns ``(A, B, C, D)`` for a step ``dt``;
every filter then runs as (sample ``k`` is time ``t_k = k dt``)::

    y[k]   = C @ x[k] + D * u[k]
    x[k+1] = A @ x[k] + B * u[k]

Two input models are exact (to rounding), chosen by ``method``:

``"zoh"`` (default): ``u[k]`` is held constant over ``[t_k, t_{k+1})``
    (zero-order hold). ``A = exp(Ac dt)``, ``B = integral_0^dt exp(Ac s) ds Bc``,
    ``C = Cc``, ``D = Dc``. ``y[k]`` is the exact continuous output at ``t_k``.
    Strictly proper filters (all named synapses) have ``D = 0``, so ``u[k]``
    first shows in ``y[k+1]``: **a one-step delay**. The Lowpass step response
    is exactly ``y[k] = 1 - exp(-t_k/tau)`` and the discrete DC gain equals
    ``H(0)``, so ``sum(y) * dt`` of a ``1/dt`` impulse is exactly 1.
    A ``1/dt`` impulse at sample ``j`` is a pulse of area 1 over
    ``[t_j, t_{j+1})``, so ``y[k]`` is the mean of ``h`` over
    ``[t_k - t_j - dt, t_k - t_j]``; it differs from ``h(t_k - t_j)`` by
    ``O(dt)`` and from ``h(t_k - t_j - dt/2)`` by at most
    ``dt**2 / 24 * max|h''|``.

``"impulse"``: ``u[k] = w_k / dt`` stands for a Dirac impulse of weight
    ``w_k`` *at* ``t_k`` (a spike). ``A = exp(Ac dt)``, ``B = A Bc dt``,
    ``C = Cc``, ``D = Dc + Cc Bc dt = Dc + h(0+) dt``. Then
    ``y[k] = sum_{j <= k} w_j h(t_k - t_j)`` exactly: the sampled continuous
    filtered spike train (:func:`neurosim.filtered_spike_train`), which is also
    ``np.convolve(u, h(t_k) * dt)``. There is no delay (a spike at ``t_k``
    contributes ``w h(0+)`` to ``y[k]``); ``sum(y) * dt`` of a unit spike is
    the left Riemann sum of ``h`` (``1 + dt/(2 tau) + O(dt**2)`` for a Lowpass).

Spikes into a Lowpass (the network simulator's current-based synapse)
---------------------------------------------------------------------
A spike of weight ``w`` from neuron ``j`` adds ``w h(t - t_spike)`` to the
synaptic current ``s``; for ``Lowpass(tau)`` this is the event rule::

    s <- s * exp(-dt / tau)          every step
    s <- s + w / tau                 on each spike (weight w) in that step

which is ``method="impulse"`` (``A = a = exp(-dt/tau)``, ``B = a dt/tau``,
``C = 1``, ``D = dt/tau``) with the *output* kept as the variable:
``s[k] = y[k] = a s[k-1] + w_k / tau`` with ``w_k = dt u[k]``. It samples the
continuous filtered spike train exactly (``s`` is in Hz times the unit of
``w``, and ``w h(t)`` integrates to ``w``).

In a network loop that, at each step ``k``, (1) drives the neurons with the
current synaptic value and (2) then feeds in the spikes ``u[k]`` they emitted,
a spike first reaches the neurons at step ``k + 1``:

* event rule above (``s <- a s + w/tau``, i.e. reading ``y = C x + D u``):
  the neurons at step ``k + 1`` see ``w h(0+) = w/tau``, as if the spike
  happened at the end of step ``k``;
* reading the state ``C @ x`` of the ``"impulse"`` discretisation instead
  (``x <- A x + B u``, for a Lowpass ``s <- a (s + w/tau)``): they see
  ``w h(dt)``, as if the spike happened at the start of step ``k``;
* feeding ``1/dt`` impulses through ``"zoh"`` (``s <- a s + (1 - a) w/dt``):
  they see the step-average of ``h``; the sum over samples of ``s dt`` is
  exactly ``w``.

All three are the same filter up to where within the step the spike is
placed; :meth:`LinearFilter.discretize` gives the arrays for any synapse.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
import scipy.linalg
import scipy.signal
from scipy.special import gammaln

from ._validation import (
    as_float_array,
    check_alloc,
    check_choice,
    check_dt,
    check_number,
    check_positive,
    check_shape,
)
from .exceptions import ShapeError, ValidationError
from .kernels.synapses import lti_run, lti_step

_METHODS = ("zoh", "impulse")


def _check_tau(cls: str, name: str, value: Any) -> float:
    return check_positive(f"{cls}.{name}", value)


class LinearFilter:
    """A causal continuous-time filter ``H(s) = num(s) / den(s)``.

    Parameters
    ----------
    num, den : 1-D array_like
        Polynomial coefficients in ``s``, highest power first (as in
        ``scipy.signal``). The filter must be proper, ``deg num <= deg den``.
        Its area is ``H(0) = num[-1] / den[-1]``; it is 1 only when the
        constant terms are equal.

    Notes
    -----
    The continuous state-space realisation ``(Ac, Bc, Cc, Dc)`` comes from
    ``scipy.signal.tf2ss`` here; the named subclasses use cascades of
    first-order sections instead, whose states are themselves unit-area
    filtered signals. See the module docstring for the discretisations.

    Examples
    --------
    >>> import neurosim as ns
    >>> f = ns.LinearFilter([1.0], [0.01, 1.0])   # same as ns.Lowpass(0.01)
    >>> float(f.impulse(0.0)) == 100.0
    True
    """

    def __init__(self, num: Any, den: Any) -> None:
        cls = type(self).__name__
        num = np.trim_zeros(as_float_array(f"{cls}.num", num, ndim=1), "f")
        den = np.trim_zeros(as_float_array(f"{cls}.den", den, ndim=1), "f")
        if den.size == 0:
            raise ValidationError(f"{cls}.den: must have a nonzero coefficient")
        if num.size > den.size:
            raise ValidationError(
                f"{cls}: improper transfer function (numerator degree "
                f"{num.size - 1} > denominator degree {den.size - 1}); a causal "
                "filter needs deg num <= deg den"
            )
        self.num = num if num.size else np.zeros(1)
        self.den = den

    def __repr__(self) -> str:
        return f"LinearFilter(num={self.num.tolist()}, den={self.den.tolist()})"

    @property
    def order(self) -> int:
        """Number of states (degree of the denominator)."""
        return self.den.size - 1

    @property
    def area(self) -> float:
        """``H(0)``, the integral of the impulse response (1 for named synapses)."""
        if self.den[-1] == 0:
            raise ValidationError(
                f"{type(self).__name__}: H(0) is infinite (pole at s = 0)"
            )
        return float(self.num[-1] / self.den[-1])

    def continuous_ss(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Continuous state space ``(Ac (n, n), Bc (n,), Cc (n,), Dc)``.

        Returns
        -------
        Ac, Bc, Cc, Dc : numpy.ndarray and float
            ``dx/dt = Ac x + Bc u``, ``y = Cc x + Dc u``: Ac is (n, n), Bc and Cc
            are (n,), Dc a float.
        """
        if self.order == 0:
            z = np.zeros((0, 0))
            return z, np.zeros(0), np.zeros(0), float(self.num[-1] / self.den[-1])
        Ac, Bc, Cc, Dc = scipy.signal.tf2ss(self.num, self.den)
        return Ac, Bc[:, 0], Cc[0], float(Dc[0, 0])

    def impulse(self, t: Any) -> np.ndarray:
        """Impulse response ``h(t)`` in 1/s (0 for ``t < 0``, ``h(0+)`` at 0).

        For a filter with a direct term ``Dc != 0`` the ``Dc delta(t)`` part
        is not included.

        Parameters
        ----------
        t : array_like
            Times in seconds, any shape.

        Returns
        -------
        numpy.ndarray
            ``h(t)`` in 1/s, the shape of ``t``.
        """
        t = as_float_array("t", t)
        Ac, Bc, Cc, _ = self.continuous_ss()
        flat = t.ravel()
        h = np.zeros(flat.shape)
        pos = flat >= 0
        if self.order and pos.any():
            eA = scipy.linalg.expm(flat[pos, None, None] * Ac)
            h[pos] = eA @ Bc @ Cc
        return h.reshape(t.shape)

    def discretize(
        self, dt: float, method: str = "zoh"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Discrete state space for step ``dt``.

        Parameters
        ----------
        dt : float
            Time step in seconds (> 0).
        method : {"zoh", "impulse"}
            ``"zoh"``: input held over each step (one-step delay for strictly
            proper filters). ``"impulse"``: each input sample ``u[k]`` is an
            impulse of weight ``u[k] * dt`` at ``t_k`` (spikes). See the
            module docstring for the exact formulas and conventions.

        Returns
        -------
        A : (n, n) float64 ndarray
        B : (n,) float64 ndarray
        C : (n,) float64 ndarray
        D : float
            ``y[k] = C @ x[k] + D u[k]``; ``x[k+1] = A @ x[k] + B u[k]``.
        """
        dt = check_dt(dt)
        check_choice("method", method, _METHODS)
        Ac, Bc, Cc, Dc = self.continuous_ss()
        n = Ac.shape[0]
        if method == "zoh":
            # exp([[Ac, Bc], [0, 0]] dt) = [[A, integral_0^dt exp(Ac s) ds Bc], [0, 1]]
            M = np.zeros((n + 1, n + 1))
            M[:n, :n] = Ac * dt
            M[:n, n] = Bc * dt
            E = scipy.linalg.expm(M)
            A, B, D = E[:n, :n], E[:n, n], Dc
        else:
            A = scipy.linalg.expm(Ac * dt) if n else np.zeros((0, 0))
            B = A @ Bc * dt
            D = Dc + float(Cc @ Bc) * dt
        return (
            np.ascontiguousarray(A, dtype=np.float64),
            np.ascontiguousarray(B, dtype=np.float64),
            np.ascontiguousarray(Cc, dtype=np.float64),
            float(D),
        )

    def _initial_state(
        self,
        A: np.ndarray,
        B: np.ndarray,
        C: np.ndarray,
        D: float,
        y0: Any,
        shape: tuple[int, ...],
        dt: float,
    ) -> np.ndarray:
        """States ``(n, n_channels)`` at the steady state whose output is ``y0``."""
        n = A.shape[0]
        y0 = as_float_array("y0", y0)
        try:
            y0 = np.broadcast_to(y0, shape).reshape(-1)
        except ValueError as e:
            raise ShapeError(
                f"y0: shape {y0.shape} does not broadcast to one step of x, {shape}"
            ) from e
        X = np.zeros((n, y0.size))
        if n == 0 or not np.any(y0):
            return X
        # Constant input u0 gives the fixed point x* = (I - A)^-1 B u0 and the
        # output y* = (C (I - A)^-1 B + D) u0 = H_d(1) u0; solve for u0.
        try:
            M = np.linalg.inv(np.eye(n) - A)
        except np.linalg.LinAlgError as e:
            raise ValidationError(
                f"y0: {self!r} has no steady state at dt = {dt:g} s (a pole at "
                "s = 0, or a dt so small that exp(A dt) rounds to the identity); "
                "use y0=0"
            ) from e
        g = M @ B
        gain = float(C @ g) + D
        # Compare with the size of the terms that cancel: a zero DC gain comes
        # out as rounding noise (~1e-16 of them), not as an exact 0.
        scale = float(np.abs(C) @ np.abs(M) @ np.abs(B)) + abs(D)
        if not abs(gain) > 1e-9 * scale:
            raise ValidationError(
                f"y0: {self!r} has zero DC gain (|H(1)| = {abs(gain):.2g}, rounding "
                f"level of {scale:.2g}), so no constant input gives y0; use y0=0"
            )
        return np.outer(g, y0 / gain)

    def filt(
        self,
        x: Any,
        dt: float,
        axis: int = 0,
        y0: Any = 0.0,
        method: str = "zoh",
    ) -> np.ndarray:
        """Filter a signal offline along ``axis`` (time).

        Parameters
        ----------
        x : (n_steps, ...) array_like
            Input samples; spike trains as ``1/dt`` impulses (Hz). NaN or
            infinite samples raise :class:`~neurosim.exceptions.ValidationError`.
        dt : float
            Time step in seconds.
        axis : int
            Time axis of ``x``.
        y0 : float or array_like
            Initial output: the filter starts at the steady state whose output
            is ``y0`` (broadcast to one time step). Default 0 (zero state).
        method : {"zoh", "impulse"}
            Discretisation, see :meth:`discretize`.

        Returns
        -------
        y : ndarray, same shape as ``x``, float64
        """
        # Finiteness is checked after filtering, on the final state: a NaN or
        # inf sample makes every later state non-finite (0 * inf and 0 * NaN are
        # NaN too), so an O(n_channels) check replaces a full pass over x.
        x = as_float_array("x", x, finite=False)
        if x.ndim == 0:
            raise ShapeError("x: expected at least a 1-D (n_steps, ...) array")
        axis = int(check_number("axis", axis, integer=True))
        if not -x.ndim <= axis < x.ndim:
            raise ShapeError(f"axis: {axis} out of range for x of shape {x.shape}")
        A, B, C, D = self.discretize(dt, method)
        xt = np.moveaxis(x, axis, 0)
        if x.size == 0:
            raise ShapeError(f"x: has no samples to filter (shape {x.shape})")
        u = np.ascontiguousarray(xt.reshape(xt.shape[0], -1))
        X = self._initial_state(A, B, C, D, y0, xt.shape[1:], dt)
        y = np.empty_like(u)
        # a few blocks per thread; 256 channels per block at most keeps a
        # block's states and scratch (2 n 256 doubles) in L1/L2
        block = max(8, min(256, -(-u.shape[1] // (2 * numba.get_num_threads()))))
        lti_run(A, B, C, D, u, X, np.empty_like(X), y, block)
        if not np.all(np.isfinite(X if X.shape[0] else y)):
            raise ValidationError("x: contains NaN or infinite values")
        return np.moveaxis(y.reshape(xt.shape), 0, axis)

    def step_function(
        self,
        dt: float,
        shape: int | tuple[int, ...] = (),
        y0: Any = 0.0,
        method: str = "zoh",
    ) -> SynapseStep:
        """Online filter: an object whose call advances one step.

        ``syn.step_function(dt, shape)(u_k)`` returns ``y[k]`` for the input
        ``u_k`` of one step and keeps the state; a sequence of calls gives
        exactly (bit for bit) what :meth:`filt` gives for the stacked inputs.

        Parameters
        ----------
        dt : float
            Time step in seconds (> 0).
        shape : int or tuple of int
            Shape of one step's input (the channels); default a scalar.
        y0 : float or array_like
            Initial output, held as a steady state. Default 0.
        method : {"zoh", "impulse"}
            Discretisation, as in :meth:`discretize`.

        Returns
        -------
        SynapseStep
            Call it with each step's input; it returns that step's output.
        """
        A, B, C, D = self.discretize(dt, method)
        shape = check_shape("shape", shape)
        check_alloc("shape", math.prod(shape) * A.shape[0], what="the filter state")
        X = self._initial_state(A, B, C, D, y0, shape, dt)
        return SynapseStep(A, B, C, D, X, shape)


class SynapseStep:
    """State and step of a discretised filter for many channels.

    Attributes
    ----------
    A, B, C, D : arrays and float
        The discrete state space (see :meth:`LinearFilter.discretize`).
    state : (n, n_channels) ndarray
        One column of filter states per channel, updated in place by each call.
    shape : tuple
        Shape of one step of input and output.
    """

    def __init__(
        self,
        A: np.ndarray,
        B: np.ndarray,
        C: np.ndarray,
        D: float,
        state: np.ndarray,
        shape: tuple[int, ...],
    ) -> None:
        self.A, self.B, self.C, self.D = A, B, C, D
        self.state = state
        self.shape = shape
        self._tmp = np.empty_like(state)

    def __call__(self, u: Any) -> np.ndarray:
        """Advance one step with input ``u`` (shape ``self.shape``); return ``y``."""
        u = as_float_array("u", u)
        if u.shape != self.shape:
            raise ShapeError(f"u: expected shape {self.shape} (got {u.shape})")
        uf = np.ascontiguousarray(u.reshape(1, -1))
        y = np.empty_like(uf)
        lti_step(self.A, self.B, self.C, self.D, uf, self.state, self._tmp, y)
        return y.reshape(self.shape)


Synapse = LinearFilter
"""Base class of all synapses (an alias of :class:`LinearFilter`)."""


class Lowpass(LinearFilter):
    """Exponential post-synaptic current, ``h(t) = exp(-t/tau) / tau``.

    Parameters
    ----------
    tau : float
        Time constant in seconds (> 0).

    Notes
    -----
    ``H(s) = 1 / (tau s + 1)``; one state, the output itself:
    ``ds/dt = (u - s) / tau``. ZOH: ``s[k+1] = a s[k] + (1 - a) u[k]`` with
    ``a = exp(-dt/tau)``; impulse method:
    ``y[k] = a y[k-1] + dt/tau u[k]`` (the event rule ``s += w/tau``).
    """

    def __init__(self, tau: float) -> None:
        self.tau = _check_tau(type(self).__name__, "tau", tau)
        super().__init__([1.0], [self.tau, 1.0])

    def __repr__(self) -> str:
        return f"Lowpass(tau={self.tau!r})"

    def continuous_ss(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """``ds/dt = (u - s)/tau``, ``y = s``.

        Returns
        -------
        Ac, Bc, Cc, Dc : numpy.ndarray and float
            ``dx/dt = Ac x + Bc u``, ``y = Cc x + Dc u``: Ac is (n, n), Bc and Cc
            are (n,), Dc a float.
        """
        return _cascade([self.tau])

    def impulse(self, t: Any) -> np.ndarray:
        """``h(t) = exp(-t/tau) / tau`` for ``t >= 0``, else 0.

        Parameters
        ----------
        t : array_like
            Times in seconds, any shape.

        Returns
        -------
        numpy.ndarray
            ``h(t)`` in 1/s, the shape of ``t``.
        """
        t = as_float_array("t", t)
        tp = np.maximum(t, 0.0)
        return np.where(t >= 0, np.exp(-tp / self.tau) / self.tau, 0.0)

    def discretize(
        self, dt: float, method: str = "zoh"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Closed form of :meth:`LinearFilter.discretize` (see class Notes).

        Parameters
        ----------
        dt : float
            Time step in seconds (> 0).
        method : {"zoh", "impulse"}
            As in :meth:`LinearFilter.discretize`.

        Returns
        -------
        A, B, C, D : numpy.ndarray and float
            The discrete state space, ``y[k] = C @ x[k] + D u[k]``, ``x[k+1] = A @
            x[k] + B u[k]``.
        """
        dt = check_dt(dt)
        check_choice("method", method, _METHODS)
        a = math.exp(-dt / self.tau)
        if method == "zoh":
            # -expm1 keeps 1 - a accurate when dt << tau
            B, D = -math.expm1(-dt / self.tau), 0.0
        else:
            B, D = a * dt / self.tau, dt / self.tau
        return np.array([[a]]), np.array([B]), np.array([1.0]), D


class PSC(LinearFilter):
    """Gamma-shaped post-synaptic current of order ``n``.

    ``h(t) = t**n exp(-t/tau) / (n! tau**(n+1))``: ``n = 0`` is
    :class:`Lowpass`, ``n = 1`` is :class:`Alpha`.

    Parameters
    ----------
    n : int
        Order (>= 0).
    tau : float
        Time constant in seconds (> 0).

    Notes
    -----
    ``H(s) = 1 / (tau s + 1)**(n+1)``, realised as ``n + 1`` identical
    first-order lowpass sections in cascade (each state has unit area).
    The peak is at ``t = n tau``.
    """

    def __init__(self, n: int, tau: float) -> None:
        cls = type(self).__name__
        self.n = check_number(f"{cls}.n", n, low=0, integer=True)
        self.tau = _check_tau(cls, "tau", tau)
        check_alloc(f"{cls}.n", (self.n + 1) ** 2, what="the state matrix")
        # the largest coefficient C(n+1, k) tau^k of (tau s + 1)^(n+1) must fit
        k = np.arange(self.n + 2)
        log_c = (
            gammaln(self.n + 2)
            - gammaln(k + 1)
            - gammaln(self.n + 2 - k)
            + k * np.log(self.tau)
        )
        if log_c.max() > 700.0 or log_c.min() < -700.0:
            raise ValidationError(
                f"{cls}.n: order {self.n} with tau = {self.tau:g} s has denominator "
                "coefficients beyond float64's range"
            )
        den = np.poly1d([self.tau, 1.0]) ** (self.n + 1)
        super().__init__([1.0], den.coeffs)

    def __repr__(self) -> str:
        return f"PSC(n={self.n!r}, tau={self.tau!r})"

    def continuous_ss(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Cascade of ``n + 1`` lowpass sections with time constant ``tau``.

        Returns
        -------
        Ac, Bc, Cc, Dc : numpy.ndarray and float
            ``dx/dt = Ac x + Bc u``, ``y = Cc x + Dc u``: Ac is (n, n), Bc and Cc
            are (n,), Dc a float.
        """
        return _cascade([self.tau] * (self.n + 1))

    def impulse(self, t: Any) -> np.ndarray:
        """``h(t) = t**n exp(-t/tau) / (n! tau**(n+1))`` for ``t >= 0``, else 0.

        Parameters
        ----------
        t : array_like
            Times in seconds, any shape.

        Returns
        -------
        numpy.ndarray
            ``h(t)`` in 1/s, the shape of ``t``.
        """
        t = as_float_array("t", t)
        x = np.maximum(t, 0.0) / self.tau
        n = self.n
        # in logs, so that x**n cannot overflow for large n and x
        with np.errstate(divide="ignore"):
            logh = n * np.log(x) - x - math.lgamma(n + 1) if n else -x
        h = np.exp(logh) / self.tau
        return np.where(t >= 0, h, 0.0)


class Alpha(PSC):
    """Alpha-function post-synaptic current, ``h(t) = t exp(-t/tau) / tau**2``.

    Parameters
    ----------
    tau : float
        Time constant in seconds (> 0); the kernel peaks at ``t = tau``.

    Notes
    -----
    ``H(s) = 1 / (tau s + 1)**2``: :class:`PSC` with ``n = 1``.
    """

    def __init__(self, tau: float) -> None:
        super().__init__(1, tau)

    def __repr__(self) -> str:
        return f"Alpha(tau={self.tau!r})"


class DoubleExp(LinearFilter):
    """Difference of exponentials with rise and decay time constants.

    ``h(t) = (exp(-t/tau_decay) - exp(-t/tau_rise)) / (tau_decay - tau_rise)``,
    which tends to the alpha function when ``tau_rise -> tau_decay``.

    Parameters
    ----------
    tau_rise, tau_decay : float
        Time constants in seconds (> 0).

    Notes
    -----
    ``H(s) = 1 / ((tau_rise s + 1)(tau_decay s + 1))``, realised as a rise
    section followed by a decay section. ``impulse`` evaluates
    ``-exp(-t/td) expm1(-t (td - tr) / (td tr)) / (td - tr)``, which stays
    accurate when the two time constants are close.
    """

    def __init__(self, tau_rise: float, tau_decay: float) -> None:
        cls = type(self).__name__
        self.tau_rise = _check_tau(cls, "tau_rise", tau_rise)
        self.tau_decay = _check_tau(cls, "tau_decay", tau_decay)
        den = np.polymul([self.tau_rise, 1.0], [self.tau_decay, 1.0])
        super().__init__([1.0], den)

    def __repr__(self) -> str:
        return f"DoubleExp(tau_rise={self.tau_rise!r}, tau_decay={self.tau_decay!r})"

    def continuous_ss(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Rise section followed by decay section.

        Returns
        -------
        Ac, Bc, Cc, Dc : numpy.ndarray and float
            ``dx/dt = Ac x + Bc u``, ``y = Cc x + Dc u``: Ac is (n, n), Bc and Cc
            are (n,), Dc a float.
        """
        return _cascade([self.tau_rise, self.tau_decay])

    def impulse(self, t: Any) -> np.ndarray:
        """Closed-form ``h(t)`` (see class docstring), 0 for ``t < 0``.

        Parameters
        ----------
        t : array_like
            Times in seconds, any shape.

        Returns
        -------
        numpy.ndarray
            ``h(t)`` in 1/s, the shape of ``t``.
        """
        t = as_float_array("t", t)
        tp = np.maximum(t, 0.0)
        # h is symmetric in the two time constants; factoring out the slower
        # exponential keeps the expm1 argument negative (no overflow)
        tr, td = sorted((self.tau_rise, self.tau_decay))
        d = td - tr
        if d == 0:
            h = tp * np.exp(-tp / td) / td**2
        else:
            h = -np.exp(-tp / td) * np.expm1(-tp * d / (td * tr)) / d
        return np.where(t >= 0, h, 0.0)


def _cascade(taus: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """State space of first-order sections ``dx_i/dt = (x_{i-1} - x_i)/tau_i``.

    ``x_{-1}`` is the input and the output is the last state.
    """
    n = len(taus)
    Ac = np.zeros((n, n))
    Bc = np.zeros(n)
    for i, tau in enumerate(taus):
        Ac[i, i] = -1.0 / tau
        if i:
            Ac[i, i - 1] = 1.0 / tau
    Bc[0] = 1.0 / taus[0]
    Cc = np.zeros(n)
    Cc[-1] = 1.0
    return Ac, Bc, Cc, 0.0
