"""Predictive coding networks: local learning rules, and when they equal backprop."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._validation import SeedLike, as_float_array, check_choice, check_number
from ..exceptions import ShapeError, UnstableStepError, ValidationError
from ._network import LayeredLearner, loss_and_error

VARIANTS = ("standard", "fixed_prediction", "z_il")
FEEDBACK = ("tied", "learned", "random")


class PredictiveCoding(LayeredLearner):
    r"""A predictive coding network (Whittington & Bogacz 2017) on an MLP's weights.

    Every layer has value nodes :math:`x^i` and error nodes :math:`\epsilon^i`.
    Counting layers from the top (output :math:`i = 0`, input :math:`i = L`) as
    in the seed,

    .. math:: \mu^i = \sigma(x^{i+1}) M^i + \beta^i, \qquad
              \epsilon^i = (x^i - \mu^i) / v^i, \qquad
              F = \tfrac12 \sum_i v^i \|\epsilon^i\|^2

    (with unit variances :math:`v^i = 1`, :math:`F = \tfrac12\sum\|\epsilon^i\|^2`).
    :math:`M^i` is ``W.T`` of the matching ``ann.Linear`` layer and :math:`\sigma`
    is the identity on the input layer, so the feedforward pass is exactly
    ``ann.MLP(layer_sizes, activation)`` and the parameters *are* such an MLP's
    (built with the same seed as a backprop baseline, they start equal). With
    ``loss="cross_entropy"`` the output's Gaussian term is replaced by the cross
    entropy of :math:`\mu^0` against the target (its error node is
    :math:`t - \mathrm{softmax}(\mu^0)`); ``loss="mse"`` clamps :math:`x^0 = t`.

    **Inference** lowers :math:`F` in the free value nodes by Euler steps of
    :math:`\tau\,\dot x^i = -\partial F/\partial x^i
    = -\epsilon^i + \sigma'(x^i) \odot \epsilon^{i-1} (M^{i-1})^\top`, with
    ``inference_rate`` :math:`= dt/\tau`, from the feedforward values, until
    :math:`\max|\partial F/\partial x| <` ``inference_tol`` or ``inference_steps``.
    **Learning** then changes each weight from the two ends of its synapse only:
    :math:`\Delta M^i \propto \sigma(x^{i+1})^\top \epsilon^i`,
    :math:`\Delta\beta^i \propto \epsilon^i` (batch means), handed to the optimiser
    as ``grad = -ΔM``. Modes: training clamps input and target
    (:meth:`fit`, :meth:`infer` with ``y``), inference clamps the input
    (:meth:`predict`), generation clamps the top (:meth:`generate`).

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths, input first (``[64, 128, 10]``).
    activation : {"tanh", "logistic", "relu", "linear"}
    loss : {"cross_entropy", "mse"}
    variant : {"standard", "fixed_prediction", "z_il"}
        ``"standard"`` relaxes the full energy. ``"fixed_prediction"`` holds the
        predictions :math:`\mu` and slopes :math:`\sigma'` at their feedforward
        values during inference (Millidge et al. 2020); at equilibrium its errors
        are backprop's deltas. ``"z_il"`` (Song et al. 2020) starts from the
        feedforward values, takes unit steps (:math:`dt/\tau = v^i`) and reads the
        update of the weights below layer :math:`i` at inference step :math:`i`
        (``L - 1`` steps in all): the result equals backprop's gradient exactly.
        Variants change training only; prediction and generation always relax
        the full energy.
    feedback : {"tied", "learned", "random"}
        Weights carrying errors down: ``"tied"`` uses :math:`M^\top` (symmetric);
        ``"random"`` fixed random matrices (feedback alignment inside PC);
        ``"learned"`` separate matrices :math:`B` that receive the same local
        increment as their forward partners, both decaying by ``feedback_decay``
        each step (Kolen-Pollack rule), so :math:`M^\top - B` shrinks as
        :math:`(1-\lambda)^t`.
    inference_steps : int
        Most Euler steps per relaxation.
    inference_rate : float
        :math:`dt/\tau`. Above the stability bound (:meth:`stability_bound`) the
        energy may rise; see ``on_unstable``.
    inference_tol : float
        Equilibrium: largest :math:`|\partial F/\partial x|` below this.
    variances : float or sequence of float
        :math:`v^i` of the non-input layers (input first order, ``len(layer_sizes)
        - 1`` values, or one for all).
    on_unstable : {"clip", "raise"}
        Inference rate above the bound: warn and use the bound, or raise
        :class:`~neurosim.exceptions.UnstableStepError`.
    feedback_decay : float
        :math:`\lambda` of the learned feedback rule.
    seed : int, Generator or None
        Initial weights (as ``ann.MLP(..., seed=seed)``) and random feedback.

    Attributes
    ----------
    energy_history_ : (n_steps + 1,) ndarray
        Batch-mean free energy at each step of the most recent relaxation.
    n_inference_steps_ : int
        Steps that relaxation took.
    inference_rate_ : float
        The rate it used (below ``inference_rate`` if clipped).
    feedback_ : list of ndarray or None
        Feedback matrices (``W``'s shape) unless ``feedback="tied"``.
    history_ : dict of lists
        Per-epoch ``loss``, ``accuracy``, ``val_accuracy``, ``time`` (from :meth:`fit`).
    alignment_ : (epochs, n_layers) ndarray
        Cosine to backprop's gradient (``fit(track_alignment=True)``).

    Notes
    -----
    Stability bound of the Euler step, from the descent lemma: :math:`F` cannot
    rise when :math:`dt/\tau \le 2/\Lambda` with :math:`\Lambda` an upper bound
    of the Hessian norm over :math:`\{F \le F_0\}`:
    :math:`\Lambda = (\max_i v_i^{-1/2} + \max_i s_i \|M^i\| c_i)^2
    + \max_i \kappa \|\epsilon^i\|_{\max} \|M^i\|`, where :math:`s` and
    :math:`\kappa` bound :math:`|\sigma'|` and :math:`|\sigma''|`, :math:`c_i` is
    :math:`v_i^{-1/2}` (:math:`2^{-1/2}` for the cross-entropy output, whose
    Hessian is at most 1/2) and :math:`\|\epsilon^i\| \le \sqrt{2F_0/v_i}`
    (:math:`\sqrt2` for cross entropy). It is computed per relaxation from the
    current weights and the largest per-sample :math:`F_0`. It guarantees
    descent for tied feedback only (other feedback is not a gradient flow).

    References
    ----------
    Whittington & Bogacz (2017) Neural Comput 29:1229, doi:10.1162/NECO_a_00949.
    Millidge, Tschantz & Buckley (2022) Neural Comput 34:1329,
    doi:10.1162/neco_a_01497. Song, Lukasiewicz, Xu & Bogacz (2020) NeurIPS 33,
    "Can the brain do backpropagation?". Akrout et al. (2019) NeurIPS 32
    (Kolen-Pollack feedback).
    """

    def __init__(
        self,
        layer_sizes: Any,
        activation: str = "tanh",
        *,
        loss: str = "cross_entropy",
        variant: str = "standard",
        feedback: str = "tied",
        inference_steps: int = 20,
        inference_rate: float = 0.1,
        inference_tol: float = 1e-6,
        variances: float | Any = 1.0,
        on_unstable: str = "clip",
        feedback_decay: float = 1e-3,
        seed: SeedLike = None,
    ) -> None:
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.loss = loss
        self.variant = check_choice("PredictiveCoding.variant", variant, VARIANTS)
        self.feedback = check_choice("PredictiveCoding.feedback", feedback, FEEDBACK)
        self.inference_steps = check_number(
            "PredictiveCoding.inference_steps", inference_steps, low=0, integer=True
        )
        self.inference_rate = check_number(
            "PredictiveCoding.inference_rate", inference_rate, low=0.0, low_open=True
        )
        self.inference_tol = check_number(
            "PredictiveCoding.inference_tol", inference_tol, low=0.0
        )
        self.on_unstable = check_choice(
            "PredictiveCoding.on_unstable", on_unstable, ("clip", "raise")
        )
        self.feedback_decay = check_number(
            "PredictiveCoding.feedback_decay",
            feedback_decay,
            low=0.0,
            high=1.0,
            high_open=True,
        )
        self.seed = seed
        self._build(layer_sizes, activation, loss, seed)
        n = self.n_layers
        v = as_float_array("variances", variances, ndim=(0, 1))
        v = np.broadcast_to(v, (n,)) if v.ndim == 0 else v
        if v.shape != (n,):
            raise ShapeError(
                f"variances: expected one value or {n} (one per non-input layer), "
                f"got {v.shape[0]}"
            )
        if np.any(v <= 0):
            raise ValidationError(f"variances: must be > 0 (got {v.tolist()})")
        self.variances = variances
        self.v_ = np.concatenate([[np.inf], v])  # v_[k] of value layer k; input none
        self.feedback_: list[np.ndarray] | None = None
        if self.feedback != "tied":
            # same distribution as the forward weights, drawn independently
            self.feedback_ = [
                self.rng_.uniform(-1.0, 1.0, W.shape) / np.sqrt(W.shape[1])
                for W, _ in self.weights()
            ]
        self.energy_history_ = np.zeros(0)
        self.n_inference_steps_ = 0
        self.inference_rate_ = self.inference_rate

    # ------------------------------------------------------------ energy
    def _back(self, k: int) -> np.ndarray:
        """Matrix carrying errors from layer k+1 down to layer k (W's shape)."""
        return self.weights()[k][0] if self.feedback_ is None else self.feedback_[k]

    def _errors(
        self,
        xs: list[np.ndarray],
        T: np.ndarray | None,
        fixed: dict[int, np.ndarray] | None = None,
    ) -> tuple[list[np.ndarray | None], np.ndarray]:
        """Error nodes ``eps[k]`` (k = 1..L; ``eps[0]`` is None) and per-sample F.

        ``fixed`` maps a clamped layer ``k`` to its (constant) prediction of
        layer ``k + 1``, which relaxation then need not recompute every step.
        """
        L = self.n_layers
        eps: list[np.ndarray | None] = [None]
        F = np.zeros(len(xs[0]))
        for k, (W, b) in enumerate(self.weights()):
            if fixed is not None and k in fixed:
                mu = fixed[k]
            else:
                mu = self._f(k, xs[k]) @ W.T + b
            if k + 1 == L and T is not None and self.loss == "cross_entropy":
                losses, e = loss_and_error(self.loss, mu, T)
                F += losses
            else:
                r = (T if k + 1 == L and T is not None else xs[k + 1]) - mu
                F += 0.5 * np.einsum("ij,ij->i", r, r) / self.v_[k + 1]
                e = r / self.v_[k + 1]
            eps.append(e)
        return eps, F

    def _dF_dx(self, k: int, xs: list[np.ndarray], eps: list) -> np.ndarray:
        """:math:`\\partial F / \\partial x^k` (the input layer has no own error)."""
        g = np.zeros_like(xs[k]) if k == 0 else eps[k].copy()
        if k < self.n_layers:
            g -= self._df(k, xs[k]) * (eps[k + 1] @ self._back(k))
        return g

    def energy(
        self, X: Any, y: Any = None, *, per_sample: bool = False
    ) -> float | np.ndarray:
        """Free energy of the feedforward state (input, and target if given, clamped).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_inputs)
            Inputs.
        y : array_like, optional
            Targets (labels or one row per sample); the top layer is free when
            omitted.
        per_sample : bool
            Return every sample's free energy instead of the batch mean.

        Returns
        -------
        float or numpy.ndarray
            The batch-mean free energy, or the ``(n_samples,)`` free energies.
        """
        X = self._check_X(X)
        T = None if y is None else self._targets(y, len(X))
        F = self._errors(self.forward_values(X), T)[1]
        return F if per_sample else float(F.mean())

    def stability_bound(
        self, F0: float = 0.0, *, clamp_input: bool = True, clamp_top: bool = True
    ) -> float:
        """Largest ``inference_rate`` for which F cannot rise (see Notes).

        Parameters
        ----------
        F0 : float
            Largest per-sample free energy at the start of the relaxation.
        clamp_input, clamp_top : bool
            Which ends are clamped (training: both; prediction: input;
            generation: top).

        Returns
        -------
        float
            The largest stable ``inference_rate`` (infinity when nothing is free).
        """
        L = self.n_layers
        free = [k for k in range(L + 1) if (k > 0 or not clamp_input)]
        free = [k for k in free if (k < L or not clamp_top)]
        ce_top = clamp_top and self.loss == "cross_entropy"
        diag = max((self.v_[k] ** -0.5 for k in free if k > 0), default=0.0)
        off, curv = 0.0, 0.0
        for k in free:
            if k == L:
                continue
            norm = np.linalg.norm(self._back(k), 2)
            c = np.sqrt(0.5) if (k + 1 == L and ce_top) else self.v_[k + 1] ** -0.5
            slope = 1.0 if k == 0 else self.act_.slope
            off = max(off, slope * norm * c)
            if k > 0:
                e = (
                    np.sqrt(2.0)
                    if (k + 1 == L and ce_top)
                    else np.sqrt(2.0 * F0 / self.v_[k + 1])
                )
                curv = max(curv, self.act_.curvature * e * norm)
        lam = (diag + off) ** 2 + curv
        return float("inf") if lam == 0 else 2.0 / lam

    def _rate(self, bound: float) -> float:
        if self.inference_rate <= bound:
            return self.inference_rate
        msg = (
            f"PredictiveCoding.inference_rate: {self.inference_rate:g} is above the "
            f"stability bound {bound:.4g} of the current weights, so the free energy "
            "could rise during inference"
        )
        if self.on_unstable == "raise":
            raise UnstableStepError(msg + "; lower inference_rate")
        if not self._warned:
            warnings.warn(msg + "; clipped to the bound", RuntimeWarning, stacklevel=4)
            self._warned = True
        return bound

    # ------------------------------------------------------------ relaxation
    def _relax(
        self,
        xs: list[np.ndarray],
        T: np.ndarray | None,
        free: list[int],
        clamp_input: bool,
    ) -> list[np.ndarray]:
        """Euler steps of the full dynamics on the ``free`` layers (in place)."""
        fixed = {
            k: self._f(k, xs[k]) @ W.T + b
            for k, (W, b) in enumerate(self.weights())
            if k not in free
        }
        eps, F = self._errors(xs, T, fixed)
        eta = self._rate(
            self.stability_bound(
                float(F.max(initial=0.0)),
                clamp_input=clamp_input,
                clamp_top=T is not None,
            )
        )
        energies = [F.mean()]
        steps = 0
        for steps in range(1, self.inference_steps + 1):
            grads = [self._dF_dx(k, xs, eps) for k in free]
            largest = max((np.abs(g).max(initial=0.0) for g in grads), default=0.0)
            if largest < self.inference_tol:
                steps -= 1
                break
            for k, g in zip(free, grads, strict=True):
                xs[k] = xs[k] - eta * g
            eps, F = self._errors(xs, T, fixed)
            energies.append(F.mean())
        self.energy_history_ = np.asarray(energies)
        self.n_inference_steps_ = steps
        self.inference_rate_ = eta
        self._eps = eps
        return xs

    def infer(self, X: Any, y: Any = None) -> list[np.ndarray]:
        """Relax with the input clamped (and the target, when ``y`` is given).

        Returns the value nodes of every layer, input first; the free energy
        along the way is in ``energy_history_``.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.
        y : array_like, optional
            Targets (labels or rows); the top layer is free when omitted.

        Returns
        -------
        list of numpy.ndarray
            The relaxed value nodes of every layer, input first.
        """
        self._warned = False
        X = self._check_X(X)
        T = None if y is None else self._targets(y, len(X))
        L = self.n_layers
        free = list(range(1, L if T is not None else L + 1))
        return self._relax(self.forward_values(X), T, free, clamp_input=True)

    def decision_function(self, X: Any) -> np.ndarray:
        """Top layer after relaxing with the input clamped, (n_samples, n_out).

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.

        Returns
        -------
        numpy.ndarray
            ``(n_samples, n_out)`` relaxed top-layer values.
        """
        return self.infer(X)[-1]

    def generate(self, y: Any, X0: Any = None) -> np.ndarray:
        """Clamp the top to ``y`` (labels or values), relax, return the bottom layer.

        The input layer starts at ``X0`` (zeros by default) and the hidden layers
        at its feedforward values.

        Parameters
        ----------
        y : array_like
            Labels or top-layer values to clamp.
        X0 : (n, n_in) array_like, optional
            Starting input layer (zeros by default).

        Returns
        -------
        numpy.ndarray
            ``(n, n_in)`` relaxed input layer.
        """
        self._warned = False
        T = self._targets(y)
        X = (
            np.zeros((len(T), self.sizes_[0]))
            if X0 is None
            else self._check_X(X0, "X0")
        )
        if len(X) != len(T):
            raise ShapeError(f"X0: has {len(X)} samples but y has {len(T)}")
        free = list(range(0, self.n_layers))
        xs = self._relax(self.forward_values(X), T, free, clamp_input=False)
        return xs[0]

    # ------------------------------------------------------------ learning
    def _batch_grads(self, X: np.ndarray, T: np.ndarray):
        L = self.n_layers
        xs = self.forward_values(X)
        logits = xs[-1]
        losses = loss_and_error(self.loss, logits, T)[0]
        if self.variant == "standard":
            xs = self._relax(list(xs), T, list(range(1, L)), clamp_input=True)
            pairs = [(k, xs[k], self._eps[k + 1]) for k in range(L)]
        elif self.variant == "fixed_prediction":
            pairs = self._fixed_prediction(xs, T)
        else:
            pairs = self._z_il(xs, T)
        n = len(X)
        grads = [None] * L
        for k, x, e in pairs:
            grads[k] = (-(e.T @ self._f(k, x)) / n, -e.sum(axis=0) / n)
        if self.feedback == "learned":
            self._w_before = [W.copy() for W, _ in self.weights()]
        return grads, losses, logits

    def _fixed_prediction(self, xs: list[np.ndarray], T: np.ndarray):
        """Inference with predictions and slopes frozen at their feedforward values."""
        L = self.n_layers
        eps, _ = self._errors(xs, T)
        mus = [
            x - e * v for x, e, v in zip(xs[1:L], eps[1:L], self.v_[1:L], strict=True)
        ]
        slopes = [self._df(k, xs[k]) for k in range(L)]
        top = eps[L]  # the output error is fixed with the predictions
        x = [xk.copy() for xk in xs]
        # the dynamics are linear with eigenvalues -1/v: stable for rate < 2 min v
        eta = self._rate(2.0 * float(self.v_[1:L].min(initial=np.inf)))
        energies = []
        steps = 0
        for steps in range(1, self.inference_steps + 1):
            e = [None] + [(x[k] - mus[k - 1]) / self.v_[k] for k in range(1, L)] + [top]
            energies.append(self._errors(x, T)[1].mean())
            g = {k: e[k] - slopes[k] * (e[k + 1] @ self._back(k)) for k in range(1, L)}
            if max((np.abs(gk).max() for gk in g.values()), default=0.0) < (
                self.inference_tol
            ):
                steps -= 1
                break
            for k, gk in g.items():
                x[k] = x[k] - eta * gk
        e = [None] + [(x[k] - mus[k - 1]) / self.v_[k] for k in range(1, L)] + [top]
        energies.append(self._errors(x, T)[1].mean())
        self.energy_history_ = np.asarray(energies)
        self.n_inference_steps_ = steps
        self.inference_rate_ = eta
        # weights see their feedforward presynaptic activity and the settled errors
        return [(k, xs[k], e[k + 1]) for k in range(L)]

    def _z_il(self, xs: list[np.ndarray], T: np.ndarray):
        """Zero-divergence inference learning: layer i's update read at step i."""
        L = self.n_layers
        x = list(xs)
        pairs = []
        energies = []
        for t in range(L):
            eps, F = self._errors(x, T)
            energies.append(F.mean())
            k = L - 1 - t  # weights below value layer L - t
            pairs.append((k, x[k], eps[k + 1]))
            if t == L - 1:
                break
            # unit step (rate = v) so the leak cancels and errors move one layer
            x = [
                xk - self.v_[j] * self._dF_dx(j, x, eps) if 0 < j < L else xk
                for j, xk in enumerate(x)
            ]
        self.energy_history_ = np.asarray(energies)
        self.n_inference_steps_ = L - 1
        self.inference_rate_ = 1.0
        return pairs

    def _after_step(self, grads) -> None:
        if self.feedback != "learned":
            return
        keep = 1.0 - self.feedback_decay
        for (W, _), W0, B in zip(
            self.weights(), self._w_before, self.feedback_, strict=True
        ):
            B += W - W0  # the increment the forward synapse received
            B *= keep
            W *= keep

    def _validate(self, X: np.ndarray, labels: np.ndarray) -> float:
        # keep the training relaxation's record: validation is not part of it
        kept = self.energy_history_, self.n_inference_steps_, self.inference_rate_
        acc = self.score(X, labels)
        self.energy_history_, self.n_inference_steps_, self.inference_rate_ = kept
        return acc

    def fit(self, X: Any, y: Any, **kwargs: Any) -> PredictiveCoding:
        """Train: clamp input and target, relax, apply the local updates.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs.
        y : (n_samples,) int labels or (n_samples, n_out) targets
            Targets.
        **kwargs
            As :meth:`LayeredLearner.fit`: ``epochs``, ``batch_size``,
            ``optimizer``, ``shuffle``, ``validation_data``,
            ``track_alignment`` and ``seed`` (default: the learner's own
            ``seed``, so two runs give the same numbers).

        Returns
        -------
        PredictiveCoding
            ``self``, trained; ``history_`` holds the per-epoch metrics.
        """
        self._warned = False
        return super().fit(X, y, **kwargs)
