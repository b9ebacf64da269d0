r"""e-prop: eligibility propagation for a recurrent spiking network (Bellec 2020).

The network is the one :class:`neurosim.ann.RLeaky` runs: input currents
:math:`W^{in} x_t`, recurrent LIF neurons with the delayed, detached reset
(which is Bellec et al.'s LIF model), and a non-spiking leaky readout

.. math::
    u_t = \beta u_{t-1} + W^{in} x_t + W^{rec} z_{t-1} + b - \vartheta z_{t-1},
    \quad z_t = H(u_t - \vartheta), \quad
    y_t = \kappa y_{t-1} + W^{out} z_t + b^{out},

trained on :math:`E = \frac{1}{TB} \sum_{t,b} \mathrm{CE}(y_t, \text{label})`.
e-prop writes the gradient as (their eq. 1)

.. math::
    \frac{dE}{dW_{ji}} = \sum_t L_t^j e_t^{ji}, \qquad
    e_t^{ji} = \psi_t^j \epsilon_t^{i}, \qquad
    \epsilon_t^{i} = \beta \epsilon_{t-1}^{i} + p_t^{i},

with :math:`\psi` the surrogate derivative, :math:`p_t` the presynaptic input
(:math:`x_t`, :math:`z_{t-1}` or 1) and :math:`L_t^j = dE/dz_t^j` the learning
signal. With the exact :math:`L` (the total derivative, which BPTT computes)
this is exactly the BPTT gradient; online e-prop replaces it by the readout
error fed back at the same time step,
:math:`L_t^j = \sum_k B_{jk} (\pi_t^k - \pi_t^{*k})/(TB)`, with :math:`B =
W^{out\top}` (symmetric) or a fixed random matrix (random e-prop), and filters
the traces with the readout's :math:`\kappa`. All quantities run forward in
time; nothing is stored for a backward pass except in :meth:`EProp.bptt_loss`.

References
----------
Bellec, Scherr, Subramoney, Hajek, Salaj, Legenstein & Maass (2020). A solution
to the learning dilemma for recurrent networks of spiking neurons. Nat Commun
11:3625, doi:10.1038/s41467-020-17236-y.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._validation import SeedLike, as_rng, check_choice, check_number
from ..exceptions import ShapeError, ValidationError
from ._network import cosine

ENCODINGS = ("current", "rate")


class EProp:
    r"""Recurrent LIF network (:class:`~neurosim.ann.RLeaky`) trained by e-prop.

    Parameters
    ----------
    layer_sizes : (n_in, n_rec, n_out)
        Inputs, recurrent LIF neurons, readout units.
    n_steps : int
        Time steps per sample.
    encoding : {"current", "rate"}
        How :meth:`fit`/:meth:`predict` turn a static sample (n_in,) into a
        sequence: the same current at every step, or Bernoulli spikes with
        probability equal to the value (values must lie in [0, 1]).
    beta : float
        Membrane decay per step, in [0, 1).
    kappa : float
        Readout decay per step, in [0, 1].
    threshold : float
        Firing threshold :math:`\vartheta` > 0 (dimensionless membrane units).
    surrogate : str or ann.Surrogate
        Pseudo-derivative :math:`\psi` (default fast sigmoid, slope 25).
    feedback : {"symmetric", "random"}
        :math:`B = W^{out\top}` or a fixed random matrix of the same scale.
    train : {"all", "readout"}
        ``"readout"`` trains only :math:`W^{out}, b^{out}`: the control that
        shows what the recurrent layer learns.
    seed : int, Generator or None
        Initial weights, feedback matrix, then batch order and input spikes.
    dtype : numpy dtype
        Data type of the weights and of the simulation (default float64).

    Attributes
    ----------
    net_ : dict of ann modules
        ``"input"`` (Linear, no bias), ``"rnn"`` (RLeaky), ``"readout"`` (Linear).
    feedback_ : (n_rec, n_out) ndarray
        The random feedback matrix (``feedback="random"``).
    history_ : dict
        Per epoch: ``loss``, ``val_accuracy``, ``time`` (cumulative seconds),
        ``spikes`` (recurrent spikes per validation sample).
    """

    def __init__(
        self,
        layer_sizes: Any = (64, 128, 10),
        n_steps: int = 30,
        encoding: str = "current",
        *,
        beta: float = 0.9,
        kappa: float = 0.9,
        threshold: float = 1.0,
        surrogate: Any = "fast_sigmoid",
        feedback: str = "symmetric",
        train: str = "all",
        seed: SeedLike = None,
        dtype: Any = np.float64,
    ) -> None:
        from .. import ann

        sizes = [
            int(check_number("layer_sizes", s, low=1, integer=True))
            for s in layer_sizes
        ]
        if len(sizes) != 3:
            raise ValidationError(
                f"layer_sizes: expected (n_in, n_rec, n_out) (got {sizes})"
            )
        self.layer_sizes = sizes
        self.n_steps = int(check_number("n_steps", n_steps, low=1, integer=True))
        self.encoding = check_choice("encoding", encoding, ENCODINGS)
        self.beta = check_number("beta", beta, low=0.0, high=1.0, high_open=True)
        self.kappa = check_number("kappa", kappa, low=0.0, high=1.0)
        self.feedback = check_choice("feedback", feedback, ("symmetric", "random"))
        self.train = check_choice("train", train, ("all", "readout"))
        self.seed = seed
        rng = as_rng(seed)
        n_in, n_rec, n_out = sizes
        self.net_ = {
            "input": ann.Linear(n_in, n_rec, bias=False, seed=rng, dtype=dtype),
            "rnn": ann.RLeaky(
                n_rec, self.beta, threshold, surrogate, seed=rng, dtype=dtype
            ),
            "readout": ann.Linear(n_rec, n_out, seed=rng, dtype=dtype),
        }
        bound = 1.0 / np.sqrt(n_rec)
        self.feedback_ = rng.uniform(-bound, bound, (n_rec, n_out)).astype(dtype)
        self.rng_ = rng
        self.history_: dict[str, list[float]] = {}

    # ------------------------------------------------------------- structure
    def parameters(self) -> list:
        """The trainable tensors, in the order :meth:`gradients` returns them.

        Returns
        -------
        list of ann.Tensor
            :math:`W^{in}` (n_rec, n_in), :math:`W^{rec}` (n_rec, n_rec),
            :math:`b` (n_rec,), :math:`W^{out}` (n_out, n_rec) and
            :math:`b^{out}` (n_out,): the modules' own tensors, so an optimiser
            built on them updates the network.
        """
        rnn, out = self.net_["rnn"], self.net_["readout"]
        return [
            self.net_["input"].weight,
            rnn.recurrent.weight,
            rnn.recurrent.bias,
            out.weight,
            out.bias,
        ]

    def encode(self, X: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        """Turn static samples into input sequences (the model's ``encoding``).

        Parameters
        ----------
        X : (n, n_in) array_like
            Static samples (values in [0, 1] for ``encoding="rate"``).
        rng : numpy.random.Generator, optional
            Source of the input spikes for ``encoding="rate"``; default the
            model's own generator (seeded by ``seed``). Unused for
            ``"current"``.

        Returns
        -------
        (n_steps, n, n_in) ndarray
            The same current at every step (a read-only view), or Bernoulli
            spikes with probability ``X`` per step.

        Raises
        ------
        ShapeError
            ``X`` is not (n, n_in).
        """
        from .. import ann

        X = np.asarray(X, dtype=self.net_["readout"].weight.dtype)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ShapeError(
                f"X: expected shape (n_samples, {self.layer_sizes[0]}) (got {X.shape})"
            )
        if self.encoding == "current":
            return ann.repeat_current(X, self.n_steps)
        return ann.rate_encode(
            X, self.n_steps, seed=self.rng_ if rng is None else rng, dtype=X.dtype
        )

    def _check_seq(self, x: Any) -> np.ndarray:
        from .. import ann

        if self.encoding == "rate":
            return ann.check_spikes("x", x, self.layer_sizes[0])
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.layer_sizes[0]:
            raise ShapeError(
                f"x: expected shape (seq, batch, {self.layer_sizes[0]}) (got {x.shape})"
            )
        return x

    # --------------------------------------------------------------- forward
    def _forward(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Run the network on arrays; keep what the traces need."""
        from ..ann.spiking import LIFSequenceFn

        rnn = self.net_["rnn"]
        dt = rnn.recurrent.weight.dtype
        x = np.ascontiguousarray(x, dtype=dt)  # BLAS, not a loop over a broadcast view
        T, N, _ = x.shape
        H = self.layer_sizes[1]
        current = x @ self.net_["input"].weight.data.T
        fn = LIFSequenceFn()
        fn.needs = (False,) * 5
        z, _ = fn.forward(
            current,
            np.zeros((N, H), dt),
            np.zeros((N, H), dt),
            rnn.recurrent.weight.data,
            rnn.recurrent.bias.data,
            **rnn._options(H, dt),
        )
        out = self.net_["readout"]
        drive = z @ out.weight.data.T + out.bias.data
        y = np.empty_like(drive)
        acc = np.zeros_like(drive[0])
        for t in range(T):
            acc = self.kappa * acc + drive[t]
            y[t] = acc
        return {"x": x, "z": z, "psi": fn.SG, "y": y}

    def _errors(self, y: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean cross entropy over (t, b) and dE/dy_t (T, B, C)."""
        T, N, C = y.shape
        z = y - y.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        onehot = np.zeros((N, C), dtype=y.dtype)
        onehot[np.arange(N), labels] = 1
        loss = -float((logp * onehot).sum()) / (T * N)
        return loss, (np.exp(logp) - onehot) / (T * N)

    def _filter(self, a: np.ndarray, decay: float) -> np.ndarray:
        out = np.empty_like(a)
        acc = np.zeros_like(a[0])
        for t in range(len(a)):
            acc = decay * acc + a[t]
            out[t] = acc
        return out

    def _presynaptic(self, f: dict[str, np.ndarray]) -> np.ndarray:
        """Eligibility vectors (T, B, n_in + n_rec + 1): filtered x, z_{t-1}, 1."""
        x, z = f["x"], f["z"]
        T, N, _ = z.shape
        z_prev = np.concatenate([np.zeros_like(z[:1]), z[:-1]], axis=0)
        ones = np.ones((T, N, 1), dtype=z.dtype)
        return self._filter(np.concatenate([x, z_prev, ones], axis=2), self.beta)

    def _split(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_in, n_rec, _ = self.layer_sizes
        return g[:, :n_in], g[:, n_in : n_in + n_rec], g[:, -1]

    # ------------------------------------------------------------- gradients
    def gradients(
        self, x: Any, labels: Any, learning_signal: Any = None
    ) -> tuple[float, list[np.ndarray]]:
        """e-prop's estimate of dE/d(each of :meth:`parameters`) on one batch.

        Parameters
        ----------
        x : (seq, batch, n_in) array
            Input sequence (spikes 0/1 when ``encoding="rate"``).
        labels : (batch,) int array
        learning_signal : (seq, batch, n_rec) array, optional
            The exact :math:`L_t = dE/dz_t` (as from :meth:`exact_learning_signal`):
            then eq. 1 with unfiltered traces. Default: online e-prop.

        Returns
        -------
        loss, [dW_in, dW_rec, db_rec, dW_out, db_out]
        """
        from ..ann.spiking import one_blas_thread

        with one_blas_thread():
            return self._gradients(x, labels, learning_signal)

    def _gradients(
        self, x: Any, labels: Any, learning_signal: Any = None
    ) -> tuple[float, list[np.ndarray]]:

        x = self._check_seq(x)
        labels = np.asarray(labels)
        f = self._forward(x)
        loss, err = self._errors(f["y"], labels)
        z = f["z"]
        T, N, H = z.shape
        # readout: its exact gradient is local (filtered presynaptic spikes)
        zbar = self._filter(z, self.kappa)
        e2 = err.reshape(T * N, -1)
        g_wout = e2.T @ zbar.reshape(T * N, H)
        ones_bar = self._filter(np.ones(T, dtype=z.dtype), self.kappa)
        g_bout = ones_bar @ err.sum(axis=1)
        if self.train == "readout":
            zeros = [np.zeros_like(p.data) for p in self.parameters()[:3]]
            return loss, [*zeros, g_wout, g_bout]
        eps = self._presynaptic(f)
        psi = f["psi"]
        K = eps.shape[2]
        if learning_signal is not None:
            L = np.asarray(learning_signal, dtype=z.dtype)
            if L.shape != z.shape:
                raise ShapeError(
                    f"learning_signal: expected shape {z.shape} (got {L.shape})"
                )
            g = (L * psi).reshape(T * N, H).T @ eps.reshape(T * N, K)
        else:
            from ..kernels.eprop import eprop_accumulate

            B = (
                self.net_["readout"].weight.data.T
                if self.feedback == "symmetric"
                else self.feedback_
            )
            L = np.ascontiguousarray(err @ B.T)
            g = np.zeros((H, K), dtype=z.dtype)
            eprop_accumulate(
                np.ascontiguousarray(psi),
                np.ascontiguousarray(eps),
                L,
                z.dtype.type(self.kappa),
                g,
            )
        g_in, g_rec, g_b = self._split(g)
        return loss, [g_in, g_rec, g_b, g_wout, g_bout]

    def bptt_loss(self, x: Any, labels: Any):
        """The same loss through the autodiff (backpropagation through time).

        Parameters
        ----------
        x : (seq, batch, n_in) array_like
            Input sequence.
        labels : (batch,) array_like of int
            Class labels.

        Returns
        -------
        ann.Tensor
            The scalar loss :math:`E`, recorded in the autodiff graph:
            ``loss.backward()`` puts BPTT's gradient in each of
            :meth:`parameters`' ``grad``.
        """
        from .. import ann

        x = self._check_seq(x)
        current = self.net_["input"](ann.Tensor(x))
        z, _ = self.net_["rnn"](current)
        y = ann.leaky_integrator(self.net_["readout"](z), self.kappa)
        T, N, C = y.shape
        return ann.cross_entropy(y.reshape(T * N, C), np.tile(np.asarray(labels), T))

    def exact_learning_signal(self, x: Any, labels: Any) -> np.ndarray:
        r"""BPTT's :math:`L_t = dE/dz_t` (T, B, n_rec): readout path plus recurrence.

        :math:`L_t = \sum_{t' \ge t} \kappa^{t'-t} W^{out\top}
        \partial E/\partial y_{t'} + W^{rec\top} \delta_{t+1}`, with
        :math:`\delta_{t+1} = dE/du_{t+1}` taken from the autodiff's gradient of
        the input current.

        Parameters
        ----------
        x : (seq, batch, n_in) array_like
            Input sequence.
        labels : (batch,) array_like of int
            Class labels.

        Returns
        -------
        (seq, batch, n_rec) ndarray
            :math:`L_t^j`, to pass to :meth:`gradients` as ``learning_signal``.
        """
        from .. import ann

        x = self._check_seq(x)
        f = self._forward(x)
        _, err = self._errors(f["y"], np.asarray(labels))
        readout = (
            self._filter(err[::-1], self.kappa)[::-1] @ self.net_["readout"].weight.data
        )
        current = ann.Tensor(x @ self.net_["input"].weight.data.T, requires_grad=True)
        z, _ = self.net_["rnn"](current)
        y = ann.leaky_integrator(self.net_["readout"](z), self.kappa)
        T, N, C = y.shape
        loss = ann.cross_entropy(y.reshape(T * N, C), np.tile(np.asarray(labels), T))
        for p in self.parameters():
            p.grad = None
        loss.backward()
        for p in self.parameters():
            p.grad = None
        delta = current.grad  # dE/du_t
        rec = np.zeros_like(readout)
        rec[:-1] = delta[1:] @ self.net_["rnn"].recurrent.weight.data
        return readout + rec

    def bptt_cosine(self, x: Any, labels: Any) -> dict[str, float]:
        """Cosine between this rule's update and BPTT's gradient, per weight.

        Parameters
        ----------
        x : (seq, batch, n_in) array_like
            Input sequence.
        labels : (batch,) array_like of int
            Class labels.

        Returns
        -------
        dict of str to float
            ``{"input", "recurrent", "readout"}``: the cosine similarity in
            [-1, 1] between :meth:`gradients` (online e-prop) and the exact
            gradient of :meth:`bptt_loss`, for :math:`W^{in}`, :math:`W^{rec}`
            and :math:`W^{out}` (the readout's gradient is exact in both, so
            its cosine is 1 up to rounding).
        """
        names = ("input", "recurrent", "readout")
        _, g = self.gradients(x, labels)
        loss = self.bptt_loss(x, labels)
        for p in self.parameters():
            p.grad = None
        loss.backward()
        ref = [p.grad for p in self.parameters()]
        for p in self.parameters():
            p.grad = None
        return {n: cosine(g[i], ref[i]) for n, i in zip(names, (0, 1, 3), strict=True)}

    # --------------------------------------------------------------- training
    def predict_logits(self, X: Any, batch_size: int = 512) -> np.ndarray:
        """Time-averaged readout for static samples.

        Parameters
        ----------
        X : (n, n_in) array_like
            Static samples, encoded by :meth:`encode`.
        batch_size : int
            Samples simulated at once (memory only; default 512).

        Returns
        -------
        (n, n_out) ndarray
            :math:`\\frac{1}{T} \\sum_t y_t` per sample. Also sets
            ``spikes_per_sample_``, the recurrent spikes per sample.
        """
        from ..ann.spiking import one_blas_thread

        outs, spikes = [], 0.0
        for i in range(0, len(X), batch_size):
            with one_blas_thread():
                f = self._forward(self.encode(X[i : i + batch_size]))
            outs.append(f["y"].mean(axis=0))
            spikes += float(f["z"].sum())
        self.spikes_per_sample_ = spikes / max(len(X), 1)
        return np.concatenate(outs, axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels for static samples.

        Parameters
        ----------
        X : (n, n_in) array_like
            Static samples.

        Returns
        -------
        (n,) ndarray of int
            The index of the largest time-averaged readout of each sample.
        """
        return np.argmax(self.predict_logits(X), axis=-1)

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        optimizer: Any = None,
        epochs: int = 10,
        batch_size: int = 32,
        validation_data: tuple[Any, Any] | None = None,
        seed: SeedLike = None,
    ) -> EProp:
        """Train on static samples with online e-prop (or the readout only).

        Parameters
        ----------
        X : (n, n_in) array_like
            Static samples, encoded by :meth:`encode` batch by batch.
        y : (n,) array_like of int
            Class labels.
        optimizer : ann optimiser, optional
            Built on :meth:`parameters`; default ``ann.Adam(lr=1e-3)``.
        epochs : int
            Passes over the data (>= 1).
        batch_size : int
            Samples per update (>= 1).
        validation_data : (X_val, y_val), optional
            Accuracy and recurrent spikes per sample after every epoch, in
            ``history_``.
        seed : int, numpy.random.Generator or None
            Seeds the sample order and the input spikes. Default: the model's
            own ``seed``, so the same script trains the same way every run.

        Returns
        -------
        EProp
            ``self``, trained; ``history_`` holds the per-epoch metrics.

        Raises
        ------
        ShapeError
            ``X`` and ``y`` differ in length, or ``X`` is not (n, n_in).
        """
        from .. import ann

        epochs = int(check_number("epochs", epochs, low=1, integer=True))
        batch_size = int(check_number("batch_size", batch_size, low=1, integer=True))
        X = np.asarray(X, dtype=self.net_["readout"].weight.dtype)
        y = np.asarray(y)
        if len(X) != len(y):
            raise ShapeError(f"y: {len(y)} labels for {len(X)} samples")
        params = self.parameters()
        opt = optimizer if optimizer is not None else ann.Adam(params, lr=1e-3)
        rng = as_rng(self.seed if seed is None else seed)
        hist: dict[str, list[float]] = {
            "loss": [],
            "val_accuracy": [],
            "time": [],
            "spikes": [],
        }
        elapsed = 0.0
        for _ in range(epochs):
            t0 = time.perf_counter()
            order = rng.permutation(len(X))
            total = 0.0
            for s in range(0, len(X), batch_size):
                idx = order[s : s + batch_size]
                loss, grads = self.gradients(self.encode(X[idx], rng), y[idx])
                for p, g in zip(params, grads, strict=True):
                    p.grad = g
                opt.step()
                total += loss * len(idx)
            elapsed += time.perf_counter() - t0
            hist["loss"].append(total / len(X))
            hist["time"].append(elapsed)
            if validation_data is not None:
                Xv, yv = validation_data
                acc = float(np.mean(self.predict(Xv) == np.asarray(yv)))
                hist["val_accuracy"].append(acc)
                hist["spikes"].append(self.spikes_per_sample_)
        for p in params:
            p.grad = None
        self.history_ = hist
        return self
