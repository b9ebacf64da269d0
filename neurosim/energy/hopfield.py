"""Hopfield networks: discrete (Hopfield 1982), continuous (Hopfield 1984), modern.

Each class is an estimator: the constructor stores hyperparameters only,
``fit(patterns)`` stores the memories in fitted attributes (ending in ``_``),
and ``predict(cues)`` recalls, vectorised over many cues at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import (
    SeedLike,
    as_float_array,
    as_rng,
    check_alloc,
    check_choice,
    check_count,
    check_number,
    check_positive,
    check_steps,
)
from ..exceptions import ShapeError, ValidationError
from ..kernels import hopfield as _k


def _check_patterns(
    name: str, patterns: Any, n_neurons: int | None, *, binary: bool
) -> np.ndarray:
    """``(M, N)`` float array with ``M >= 1`` (and only +-1 entries if ``binary``)."""
    X = as_float_array(name, patterns, ndim=2)
    if X.shape[0] == 0:
        raise ValidationError(f"{name}: needs at least one pattern (got M = 0)")
    if X.shape[1] == 0:
        raise ShapeError(f"{name}: patterns have no units (got shape {X.shape})")
    if n_neurons is not None and X.shape[1] != n_neurons:
        raise ShapeError(
            f"{name}: expected shape (M, {n_neurons}) for n_neurons={n_neurons} "
            f"(got {X.shape})"
        )
    if binary and not np.all(np.abs(X) == 1.0):
        bad = X[np.abs(X) != 1.0][:3]
        raise ValidationError(
            f"{name}: entries must be +1 or -1 (found e.g. {bad.tolist()}); "
            "map 0/1 data with 2 * x - 1"
        )
    return X


def _check_states(
    name: str, x: Any, n: int, *, binary: bool
) -> tuple[np.ndarray, bool]:
    """Cues as a C-contiguous ``(n_cues, N)`` array, and whether one was given."""
    arr = as_float_array(name, x, ndim=(1, 2))
    single = arr.ndim == 1
    arr2 = np.ascontiguousarray(arr[None, :] if single else arr)
    if arr2.shape[1] != n:
        raise ShapeError(
            f"{name}: expected shape ({n},) or (n_cues, {n}) (got {arr.shape})"
        )
    if binary and not np.all(np.abs(arr2) == 1.0):
        raise ValidationError(f"{name}: entries must be +1 or -1")
    return arr2.copy(), single


def _check_fitted(model: Any, attr: str) -> None:
    if not hasattr(model, attr):
        raise ValidationError(
            f"{type(model).__name__}: call fit(patterns) before using the network"
        )


def storage_weights(X: np.ndarray, rule: str) -> np.ndarray:
    """Weights storing the +-1 rows of ``X`` (M, N); zero diagonal.

    ``"hebbian"``: ``W = X^T X / M - I`` (the diagonal of ``X^T X / M`` is 1).
    ``"pseudo_inverse"``: the projection ``W = X^+ X`` onto the span of the
    patterns (Personnaz et al. 1985), with its diagonal then set to zero.
    """
    M, N = X.shape
    if rule == "hebbian":
        W = X.T @ X / M
    else:
        W = np.linalg.pinv(X) @ X
        W = 0.5 * (W + W.T)  # exact symmetry, which the energy argument needs
    np.fill_diagonal(W, 0.0)
    return np.ascontiguousarray(W)


@dataclass(frozen=True)
class RecallInfo:
    """How each cue's recall ended.

    Attributes
    ----------
    n_iter : (n_cues,) int array
        Sweeps (asynchronous) or synchronous steps performed, including the
        last one that found nothing to change.
    status : (n_cues,) str array
        ``"fixed_point"`` (no unit wants to change), ``"cycle"`` (synchronous
        updates entered a 2-cycle ``x -> y -> x``) or ``"max_iter"`` (stopped
        after ``n_iter`` without either).
    """

    n_iter: np.ndarray
    status: np.ndarray

    @property
    def converged(self) -> np.ndarray:
        """True where a fixed point was reached."""
        return self.status == "fixed_point"


@dataclass(frozen=True)
class HopfieldTrajectory:
    """States and energies along one recall.

    ``states`` is ``(n_records, N)`` and ``energies`` ``(n_records,)``. For
    asynchronous updates a record is taken after every single-unit update (row
    0 is the cue); for synchronous updates after every step.
    """

    states: np.ndarray
    energies: np.ndarray
    n_iter: int
    status: str


class Hopfield:
    """Discrete Hopfield network of +-1 units.

    Dynamics: ``x_i <- sign(sum_j W_ij x_j + b_i)``, a tie (a field within
    rounding of 0, ``|h| <= tie_tol_``) keeping the current state.
    Energy, a Lyapunov function of asynchronous updates for symmetric ``W``
    with zero diagonal::

        E(x) = -1/2 x W x^T - b x^T

    Parameters
    ----------
    n_neurons : int, optional
        Number of units N; taken from the patterns when omitted.
    rule : {"hebbian", "pseudo_inverse"}
        Storage rule: Hebbian ``W = X^T X / M - I`` or the projection
        (pseudo-inverse) rule, both with zero diagonal.
    bias : float or (N,) array
        Bias ``b`` added to every local field.

    Attributes
    ----------
    weights_ : (N, N) array
    bias_ : (N,) array
    n_patterns_ : int
    tie_tol_ : float
        Fields this close to zero count as ties (a bound on float64 rounding).
    """

    def __init__(
        self,
        n_neurons: int | None = None,
        *,
        rule: str = "hebbian",
        bias: float | np.ndarray = 0.0,
    ) -> None:
        self.n_neurons = n_neurons
        self.rule = rule
        self.bias = bias

    def fit(self, patterns: Any) -> Hopfield:
        """Store ``patterns`` ``(M, N)`` of +-1; returns ``self``.

        Parameters
        ----------
        patterns : (M, N) array_like
            +-1 patterns to store, one per row.

        Returns
        -------
        Hopfield
            ``self``, with ``weights_`` and ``bias_`` set.
        """
        n = self.n_neurons
        if n is not None:
            n = check_number("Hopfield.n_neurons", n, low=1, integer=True)
        rule = check_choice("Hopfield.rule", self.rule, ("hebbian", "pseudo_inverse"))
        X = _check_patterns("patterns", patterns, n, binary=True)
        N = X.shape[1]
        b = as_float_array("Hopfield.bias", self.bias, ndim=(0, 1))
        if b.ndim == 1 and b.shape != (N,):
            raise ShapeError(f"Hopfield.bias: expected shape ({N},) (got {b.shape})")
        self.weights_ = storage_weights(X, rule)
        self.bias_ = np.ascontiguousarray(np.broadcast_to(b, (N,)), dtype=float)
        self.n_patterns_ = X.shape[0]
        # a field sums N + 1 terms; its rounding error (in any summation order)
        # is below N * eps * sum of their magnitudes, so smaller fields are ties
        scale = np.max(np.abs(self.weights_).sum(axis=1) + np.abs(self.bias_))
        self._eps_scale = float(np.finfo(float).eps * scale)
        self.tie_tol_ = N * self._eps_scale
        return self

    def energy(self, x: Any) -> float | np.ndarray:
        """``E = -1/2 x W x^T - b x^T`` for one state ``(N,)`` or many ``(n, N)``.

        Parameters
        ----------
        x : (N,) or (n, N) array_like
            States (+-1, or any real values).

        Returns
        -------
        float or numpy.ndarray
            The energy of one state, or ``(n,)`` energies.
        """
        _check_fitted(self, "weights_")
        X, single = _check_states("x", x, self.weights_.shape[0], binary=False)
        E = -0.5 * np.einsum("ij,ij->i", X @ self.weights_, X) - X @ self.bias_
        return float(E[0]) if single else E

    def predict(
        self,
        cues: Any,
        n_iter: int = 100,
        *,
        update: str = "async",
        seed: SeedLike = None,
        return_info: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, RecallInfo]:
        """Recall from +-1 cues ``(N,)`` or ``(n_cues, N)``.

        Parameters
        ----------

        cues : (N,) or (n_cues, N) array_like

            +-1 starting states.
        n_iter : int
            Maximum number of sweeps (async: every unit once, in a random
            order drawn anew per sweep and per cue) or synchronous steps.
        update : {"async", "sync"}
            Asynchronous updates (a numba kernel, parallel over cues) never
            raise the energy and reach a fixed point in finitely many sweeps;
            synchronous updates (all units at once, vectorised) may end in a
            2-cycle, which is detected and reported.
        seed : int, Generator or None
            Visiting orders of asynchronous updates (reproducible).
        return_info : bool
            Also return a :class:`RecallInfo` (iterations used and status).

        Returns
        -------
        states : array, shaped like ``cues``
        info : RecallInfo, only if ``return_info``
        """
        _check_fitted(self, "weights_")
        n_iter = check_count("n_iter", n_iter, low=1)
        update = check_choice("update", update, ("async", "sync"))
        X, single = _check_states("cues", cues, self.weights_.shape[0], binary=True)
        if update == "async":
            steps, conv = self._async(X, n_iter, as_rng(seed))
            status = np.where(conv, "fixed_point", "max_iter")
        else:
            steps, status = self._sync(X, n_iter)
        out = X[0] if single else X
        if return_info:
            return out, RecallInfo(n_iter=steps, status=status)
        return out

    def _fields(self, X: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(X @ self.weights_ + self.bias_)

    def _async(
        self, X: np.ndarray, n_iter: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Asynchronous updates of all cues in place; returns (sweeps, converged)."""
        n = X.shape[0]
        steps = np.zeros(n, dtype=np.int64)
        conv = np.zeros(n, dtype=bool)
        _k.hopfield_async_run(
            self.weights_,
            self.bias_,
            self.tie_tol_,
            self._eps_scale,
            X,
            self._fields(X),
            n_iter,
            _k.draw_seeds(rng, n),
            steps,
            conv,
        )
        return steps, conv

    def _sync(
        self, X: np.ndarray, n_iter: int, trace: list | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Synchronous updates of all cues in place; returns (steps, status).

        With ``trace`` (a list), the state of cue 0 after each step is appended.
        """
        n = X.shape[0]
        steps = np.zeros(n, dtype=np.int64)
        status = np.full(n, "max_iter", dtype="<U11")
        prev = np.full_like(X, np.nan)
        active = np.arange(n)
        for it in range(1, n_iter + 1):
            xa = X[active]
            h = xa @ self.weights_ + self.bias_
            tol = self.tie_tol_
            new = np.where(h > tol, 1.0, np.where(h < -tol, -1.0, xa))
            steps[active] = it
            fixed = (new == xa).all(axis=1)
            cycle = ~fixed & (new == prev[active]).all(axis=1)
            prev[active] = xa
            X[active] = new
            status[active[fixed]] = "fixed_point"
            status[active[cycle]] = "cycle"
            active = active[~(fixed | cycle)]
            if trace is not None:
                trace.append(X[0].copy())
            if active.size == 0:
                break
        return steps, status

    def run(
        self,
        cue: Any,
        n_iter: int = 20,
        *,
        update: str = "async",
        seed: SeedLike = None,
    ) -> HopfieldTrajectory:
        """Recall from one cue ``(N,)``, keeping every state and its energy (for plots).

        Asynchronous runs record after every single-unit update, so they need
        ``(n_iter * N + 1) * N`` numbers at most; keep ``N`` modest.

        Parameters
        ----------
        cue : (N,) array_like
            +-1 starting state.
        n_iter : int
            Most sweeps. Default 20.
        update : {"async", "sync"}
            Update order, as in :meth:`predict`.
        seed : int, numpy.random.Generator or None
            Seeds the asynchronous update order.

        Returns
        -------
        HopfieldTrajectory
            Every state, its energy and the run's status.
        """
        _check_fitted(self, "weights_")
        n_iter = check_count("n_iter", n_iter, low=1)
        update = check_choice("update", update, ("async", "sync"))
        N = self.weights_.shape[0]
        x = as_float_array("cue", cue, shape=(N,))
        X, _ = _check_states("cue", x, N, binary=True)
        if update == "async":
            trace = np.empty((n_iter * N + 1, N))
            seed64 = _k.draw_seeds(as_rng(seed), 1)[0]
            steps, conv = _k.hopfield_async_trace(
                self.weights_,
                self.bias_,
                self.tie_tol_,
                self._eps_scale,
                X[0],
                self._fields(X)[0],
                n_iter,
                seed64,
                trace,
            )
            states = trace[: steps * N + 1]
            status = "fixed_point" if conv else "max_iter"
        else:
            rows = [X[0].copy()]
            steps_a, status_a = self._sync(X, n_iter, trace=rows)
            states = np.array(rows)
            steps, status = int(steps_a[0]), str(status_a[0])
        return HopfieldTrajectory(
            states=states,
            energies=np.asarray(self.energy(states)),
            n_iter=int(steps),
            status=status,
        )


def _logcosh(z: np.ndarray) -> np.ndarray:
    """``log(cosh(z))`` without overflow."""
    a = np.abs(z)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


@dataclass(frozen=True)
class ContinuousTrajectory:
    """A continuous Hopfield run: ``t`` (n_records,) in seconds, potentials ``x``
    (n_records, n_cues, N) or (n_records, N) for one cue, and ``energies``
    (n_records,) or (n_records, n_cues)."""

    t: np.ndarray
    x: np.ndarray
    energies: np.ndarray


class ContinuousHopfield:
    """Continuous (graded-response) Hopfield network (Hopfield 1984).

    Dynamics of the potentials ``x`` with activities ``v = tanh(gain x)``::

        tau dx/dt = -x + W tanh(gain x) + b

    integrated by fixed-step RK4 in a numba kernel (all cues at once, one BLAS
    product per stage).
    For symmetric ``W`` the Lyapunov energy::

        E(x) = -1/2 v W v^T - b v^T + sum_i (1/gain) int_0^{v_i} atanh(s) ds
             = -1/2 v W v^T - b v^T + sum_i [v_i x_i - log(cosh(gain x_i)) / gain]

    obeys ``dE/dt = -tau sum_i (dv_i/dx_i) (dx_i/dt)^2 <= 0``.

    Parameters
    ----------
    n_neurons : int, optional
        Number of units (taken from the patterns when omitted).
    tau : float
        Time constant in seconds.
    gain : float
        Slope of ``tanh`` at 0; large gains approach the discrete network.
    rule : {"hebbian", "pseudo_inverse"}
        Storage rule, as in :class:`Hopfield` (zero diagonal).
    bias : float or (N,) array

    Attributes
    ----------
    weights_ : (N, N) array
    bias_ : (N,) array
    """

    def __init__(
        self,
        n_neurons: int | None = None,
        *,
        tau: float = 0.01,
        gain: float = 4.0,
        rule: str = "hebbian",
        bias: float | np.ndarray = 0.0,
    ) -> None:
        self.n_neurons = n_neurons
        self.tau = tau
        self.gain = gain
        self.rule = rule
        self.bias = bias

    def fit(self, patterns: Any) -> ContinuousHopfield:
        """Store ``patterns`` ``(M, N)`` of +-1; returns ``self``.

        Parameters
        ----------
        patterns : (M, N) array_like
            +-1 patterns to store, one per row.

        Returns
        -------
        ContinuousHopfield
            ``self``, with ``weights_`` and ``bias_`` set.
        """
        check_positive("ContinuousHopfield.tau", self.tau)
        check_positive("ContinuousHopfield.gain", self.gain)
        proto = Hopfield(self.n_neurons, rule=self.rule, bias=self.bias).fit(patterns)
        self.weights_ = proto.weights_
        self.bias_ = proto.bias_
        self.n_patterns_ = proto.n_patterns_
        return self

    def energy(self, x: Any) -> float | np.ndarray:
        """Lyapunov energy of potentials ``x`` ``(N,)`` or ``(n, N)``.

        Parameters
        ----------
        x : (N,) or (n, N) array_like
            Membrane potentials.

        Returns
        -------
        float or numpy.ndarray
            The energy of one state, or ``(n,)`` energies.
        """
        _check_fitted(self, "weights_")
        g = check_positive("ContinuousHopfield.gain", self.gain)
        X, single = _check_states("x", x, self.weights_.shape[0], binary=False)
        V = np.tanh(g * X)
        E = (
            -0.5 * np.einsum("ij,ij->i", V @ self.weights_, V)
            - V @ self.bias_
            + np.sum(V * X - _logcosh(g * X) / g, axis=1)
        )
        return float(E[0]) if single else E

    def run(
        self,
        cues: Any,
        t_end: float,
        *,
        dt: float | None = None,
        every: int = 1,
    ) -> ContinuousTrajectory:
        """Integrate from initial potentials ``cues`` ``(N,)`` or ``(n_cues, N)``.

        Parameters
        ----------

        cues : (N,) or (n_cues, N) array_like

            Initial potentials.
        t_end : float
            Duration in seconds (rounded to a whole number of steps).
        dt : float, optional
            RK4 step in seconds (default ``tau / 20``).
        every : int
            Keep every ``every``-th step.

        Returns
        -------
        ContinuousTrajectory
            Recorded times, potentials and energies.
        """
        X, out, dt, every = self._integrate(cues, t_end, dt, every)
        n_rec = out.shape[0]
        E = self.energy(out.reshape(-1, X.shape[1])).reshape(n_rec, X.shape[0])
        t = np.arange(n_rec) * every * dt
        if out.shape[1] == 1 and np.ndim(cues) == 1:
            return ContinuousTrajectory(t=t, x=out[:, 0], energies=E[:, 0])
        return ContinuousTrajectory(t=t, x=out, energies=E)

    def predict(
        self, cues: Any, t_end: float, *, dt: float | None = None
    ) -> np.ndarray:
        """Activities ``tanh(gain x)`` after ``t_end`` seconds, shaped like ``cues``.

        Parameters
        ----------
        cues : (N,) or (n_cues, N) array_like
            Initial potentials.
        t_end : float
            Duration in seconds.
        dt : float, optional
            RK4 step in seconds (default as in :meth:`run`).

        Returns
        -------
        numpy.ndarray
            Activities, shaped like ``cues``.
        """
        X, _, _, _ = self._integrate(cues, t_end, dt, None)
        V = np.tanh(self.gain * X)
        return V[0] if np.ndim(cues) == 1 else V

    def _integrate(
        self, cues: Any, t_end: float, dt: float | None, every: int | None
    ) -> tuple[np.ndarray, np.ndarray, float, int]:
        """Run the RK4 kernel; returns (final x, records, dt, every).

        ``every=None`` keeps only the first and last states.
        """
        _check_fitted(self, "weights_")
        tau = check_positive("ContinuousHopfield.tau", self.tau)
        gain = check_positive("ContinuousHopfield.gain", self.gain)
        t_end = check_positive("t_end", t_end)
        when = "t_end" if dt is not None else "t_end (with dt = tau / 20)"
        dt = tau / 20.0 if dt is None else check_positive("dt", dt)
        X, _ = _check_states("cues", cues, self.weights_.shape[0], binary=False)
        n_steps = max(1, check_steps(when, t_end, dt))
        if every is None:
            every = n_steps
        every = check_count("every", every, low=1)
        check_alloc("every", (n_steps // every + 1) * X.size, what="the trajectory")
        out = np.empty((n_steps // every + 1, X.shape[0], X.shape[1]))
        _k.continuous_hopfield_run(
            self.weights_, self.bias_, X, gain, tau, dt, n_steps, every, out
        )
        return X, out, dt, every


class ModernHopfield:
    """Modern (dense) Hopfield network with continuous states (Ramsauer et al. 2020).

    Update of a state (query) ``xi`` given stored patterns ``X`` (M, N)::

        xi <- X^T softmax(beta X xi)

    which never raises the energy::

        E(xi) = -lse(beta, X xi) + 1/2 xi^T xi + log(M) / beta + 1/2 max_mu |x_mu|^2

    with ``lse(beta, z) = log(sum_mu exp(beta z_mu)) / beta``. Well-separated
    patterns are retrieved in one update, with a capacity exponential in N.

    Parameters
    ----------
    beta : float
        Inverse temperature (> 0); larger values separate memories more sharply.

    Attributes
    ----------
    patterns_ : (M, N) array
        The stored patterns (any finite real values).
    """

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = beta

    def fit(self, patterns: Any) -> ModernHopfield:
        """Store ``patterns`` ``(M, N)``; returns ``self``.

        Parameters
        ----------
        patterns : (M, N) array_like
            Real-valued patterns to store, one per row.

        Returns
        -------
        ModernHopfield
            ``self``, with ``patterns_`` set.
        """
        check_positive("ModernHopfield.beta", self.beta)
        self.patterns_ = _check_patterns("patterns", patterns, None, binary=False)
        return self

    def _scores(self, Q: np.ndarray) -> np.ndarray:
        return self.beta * (Q @ self.patterns_.T)

    def energy(self, xi: Any) -> float | np.ndarray:
        """Energy of states ``(N,)`` or ``(n, N)``.

        Parameters
        ----------
        xi : (N,) or (n, N) array_like
            States.

        Returns
        -------
        float or numpy.ndarray
            The energy of one state, or ``(n,)`` energies.
        """
        _check_fitted(self, "patterns_")
        beta = check_positive("ModernHopfield.beta", self.beta)
        Q, single = _check_states("xi", xi, self.patterns_.shape[1], binary=False)
        S = self._scores(Q)
        smax = S.max(axis=1)
        lse = (smax + np.log(np.exp(S - smax[:, None]).sum(axis=1))) / beta
        M = self.patterns_.shape[0]
        E = (
            -lse
            + 0.5 * np.einsum("ij,ij->i", Q, Q)
            + np.log(M) / beta
            + 0.5 * np.max(np.einsum("ij,ij->i", self.patterns_, self.patterns_))
        )
        return float(E[0]) if single else E

    def predict(self, cues: Any, n_iter: int = 1, *, tol: float = 1e-10) -> np.ndarray:
        """Apply the update to cues ``(N,)`` or ``(n_cues, N)`` up to ``n_iter`` times.

        Stops early when no state moves by more than ``tol`` (max-norm).

        Parameters
        ----------
        cues : (N,) or (n_cues, N) array_like
            Starting states.
        n_iter : int
            Most updates (>= 1). Default 1.
        tol : float
            Stop when no state moves by more than this (max-norm). Default 1e-10.

        Returns
        -------
        numpy.ndarray
            The updated states, shaped like ``cues``.
        """
        _check_fitted(self, "patterns_")
        check_positive("ModernHopfield.beta", self.beta)
        n_iter = check_count("n_iter", n_iter, low=1)
        tol = check_number("tol", tol, low=0.0)
        Q, single = _check_states("cues", cues, self.patterns_.shape[1], binary=False)
        if Q.shape[0] == 0:
            raise ShapeError("cues: no cue to recall from (got an empty array)")
        for _ in range(n_iter):
            S = self._scores(Q)
            P = np.exp(S - S.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            new = P @ self.patterns_
            moved = np.max(np.abs(new - Q))
            Q = new
            if moved <= tol:
                break
        return Q[0] if single else Q


@dataclass(frozen=True)
class CapacityResult:
    """Outcome of :func:`hopfield_capacity`, one entry per load.

    Attributes
    ----------
    loads : (n_loads,) array
        M / N as asked for.
    n_patterns : (n_loads,) int array
        M actually stored, ``round(load * N)``.
    recall : (n_loads,) array
        Fraction of cues recalled (final overlap >= threshold).
    n_cues : (n_loads,) int array
        Cues tried per load (``n_trials * M``).
    mean_overlap : (n_loads,) array
        Mean final overlap ``x . xi / N``.
    """

    loads: np.ndarray
    n_patterns: np.ndarray
    recall: np.ndarray
    n_cues: np.ndarray
    mean_overlap: np.ndarray

    @property
    def stderr(self) -> np.ndarray:
        """Binomial standard error of ``recall`` (cues treated as independent)."""
        p = self.recall
        return np.sqrt(p * (1.0 - p) / self.n_cues)


def hopfield_capacity(
    n_neurons: int,
    loads: Any,
    *,
    n_trials: int = 5,
    flip: float = 0.05,
    threshold: float = 0.99,
    n_iter: int = 50,
    update: str = "async",
    rule: str = "hebbian",
    seed: SeedLike = None,
) -> CapacityResult:
    """The capacity experiment: recall fraction against load M/N.

    For each load, ``n_trials`` times: draw ``M = round(load * N)`` random
    +-1 patterns, store them, cue the network with every stored pattern with
    exactly ``round(flip * N)`` bits flipped, update until a fixed point (or
    ``n_iter`` sweeps), and count a recall when the overlap
    ``m = x . xi / N`` with the cued pattern is ``>= threshold``. For Hebbian
    storage with N -> infinity, recall collapses at load 0.138 (Amit,
    Gutfreund & Sompolinsky 1985).

    Parameters
    ----------
    n_neurons : int
        Network size N.
    loads : (n_loads,) array_like
        Loads M / N (> 0).
    n_trials : int
        Networks per load. Default 5.
    flip : float
        Fraction of bits flipped in each cue. Default 0.05.
    threshold : float
        Overlap counted as a recall. Default 0.99.
    n_iter : int
        Most sweeps per recall. Default 50.
    update : {"async", "sync"}
        Update order, as in :meth:`Hopfield.predict`.
    rule : {"hebbian", "pseudo_inverse"}
        Storage rule. Default Hebbian.
    seed : int, numpy.random.Generator or None
        Seeds patterns, cues and update orders.

    Returns
    -------
    CapacityResult
        Loads, patterns per load, recall fraction and mean overlap.
    """
    N = check_number("n_neurons", n_neurons, low=1, integer=True)
    check_alloc("n_neurons", N * N, what="the (n_neurons, n_neurons) weights")
    L = as_float_array("loads", loads, ndim=1)
    if L.size == 0 or np.any(L <= 0):
        raise ValidationError(f"loads: expected positive values (got {L.tolist()})")
    n_trials = check_count("n_trials", n_trials, low=1)
    flip = check_number("flip", flip, low=0.0, high=1.0)
    threshold = check_number("threshold", threshold, low=-1.0, high=1.0)
    rng = as_rng(seed)
    n_flip = round(flip * N)
    Ms = np.maximum(1, np.round(L * N).astype(int))
    recall = np.empty(L.size)
    overlap = np.empty(L.size)
    for k, M in enumerate(Ms):
        hits, total, osum = 0, 0, 0.0
        for _ in range(n_trials):
            X = rng.choice(np.array([-1.0, 1.0]), size=(M, N))
            net = Hopfield(N, rule=rule).fit(X)
            cues = X.copy()
            idx = rng.permuted(np.tile(np.arange(N), (M, 1)), axis=1)[:, :n_flip]
            np.multiply.at(cues, (np.arange(M)[:, None], idx), -1.0)
            out = net.predict(cues, n_iter, update=update, seed=rng)
            m = np.einsum("ij,ij->i", out, X) / N
            hits += int(np.sum(m >= threshold))
            osum += float(m.sum())
            total += M
        recall[k] = hits / total
        overlap[k] = osum / total
    return CapacityResult(
        loads=L,
        n_patterns=Ms,
        recall=recall,
        n_cues=Ms * n_trials,
        mean_overlap=overlap,
    )
