r"""ANN-to-SNN conversion: a trained ReLU :class:`~neurosim.ann.MLP` run as spikes.

Each hidden ReLU unit becomes an integrate-and-fire neuron (no leak, reset by
subtraction, no refractory period) whose firing rate approximates the unit's
activation; the output layer does not spike but integrates its input, and the
class is the largest integrated output (Diehl et al. 2015; Rueckauer et al.
2017).

Normalisation (data-based, Rueckauer et al. 2017): with :math:`\lambda_l` the
``percentile``-th percentile of all of layer :math:`l`'s ReLU activations
(zeros included) over the calibration samples (:math:`\lambda_0 = 1`: the
input enters as analog current),

.. math::
    W'_l = W_l \lambda_{l-1} / \lambda_l, \qquad b'_l = b_l / \lambda_l,

so a neuron with threshold 1 fires on average :math:`a_l / \lambda_l` spikes per
step (at most one): :math:`\lambda_l` maps to the top rate :math:`1/\Delta t`.
The output layer keeps :math:`\lambda_L = 1`.

Simulation, per step of length :math:`\Delta t` (discrete-time IF; with inputs
constant within a step the integration has no discretisation error, spike
times are aligned to the steps):

.. math::
    v_l \leftarrow v_l + W'_l s_{l-1} + b'_l, \quad
    s_l = [v_l \ge 1], \quad v_l \leftarrow v_l - s_l,

with :math:`s_0 = x` (input as constant current) and biases as constant
currents; the output potential :math:`V \leftarrow V + W'_L s_{L-1} + b'_L`.

The network engine (``neurosim.Network``) is being rewritten, and its LIF with
``tau_ref = 0`` has open issues, so this module runs the time-stepped IF itself
(numpy, :meth:`ConvertedSNN.run`). The description (:attr:`weights_`,
:attr:`biases_`, threshold 1, reset by subtraction, ``dt``) is all a
``Network`` needs, so the run can move onto the engine later without changing
:func:`convert_mlp`.

References
----------
Diehl, Neil, Binas, Cook, Liu & Pfeiffer (2015), Fast-classifying, high-accuracy
spiking deep networks through weight and threshold balancing, IJCNN,
doi:10.1109/IJCNN.2015.7280696.
Rueckauer, Lungu, Hu, Pfeiffer & Liu (2017), Conversion of continuous-valued deep
networks to efficient event-driven networks for image classification, Front.
Neurosci. 11:682, doi:10.3389/fnins.2017.00682.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_float_array, check_dt, check_number
from ..exceptions import ShapeError, ValidationError
from .nn import MLP


@dataclass(frozen=True)
class ConversionRun:
    """What :meth:`ConvertedSNN.run` returns.

    Attributes
    ----------
    t : (n_steps,) ndarray
        End time of each step, in seconds.
    output : (n_steps, n_samples, n_out) ndarray
        Integrated output potential after each step (divide by the step count
        for an estimate of the ANN's logits).
    spike_counts : list of (n_samples, n_hidden) ndarray
        Spikes of each hidden neuron over the whole run, per hidden layer.
    """

    t: np.ndarray
    output: np.ndarray
    spike_counts: list[np.ndarray]

    def spikes_per_sample(self) -> float:
        """Hidden-layer spikes per sample over the run (all layers).

        Returns
        -------
        float
            Total spikes of all hidden neurons divided by the number of
            samples (0 for no samples): the run's cost in synaptic events per
            sample, up to the fan-out.
        """
        n = self.output.shape[1]
        return float(sum(c.sum() for c in self.spike_counts)) / max(n, 1)


class ConvertedSNN:
    """Integrate-and-fire network made by :func:`convert_mlp`.

    Usually made by :func:`convert_mlp`, which computes the normalised weights;
    the constructor only stores them.

    Parameters
    ----------
    weights : list of (n_out, n_in) ndarray
        Normalised weights :math:`W'_l`, one per layer (the output layer's
        last).
    biases : list of (n_out,) ndarray
        Normalised bias currents :math:`b'_l`, per step, one per layer.
    scales : (n_hidden_layers,) ndarray
        :math:`\\lambda_l`, the activation of each hidden layer that maps to
        one spike per step.
    dt : float
        Step, in seconds (top firing rate ``1/dt``).
    percentile : float
        The activation percentile the scales were taken at (for the record).

    Attributes
    ----------
    weights_, biases_ : list of ndarray
        ``weights`` and ``biases``.
    scales_ : (n_hidden_layers,) ndarray
        ``scales``.
    """

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        scales: np.ndarray,
        dt: float,
        percentile: float,
    ) -> None:
        self.weights_ = weights
        self.biases_ = biases
        self.scales_ = scales
        self.dt = dt
        self.percentile = percentile

    def run(self, X: Any, duration: float) -> ConversionRun:
        """Present each row of ``X`` as constant input current for ``duration`` s.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            The same inputs the ANN takes (analog values, any sign).
        duration : float
            Simulated time per sample, in seconds (> 0), rounded to whole
            steps (at least one).

        Returns
        -------
        ConversionRun
            Time grid, integrated output after every step and hidden spike
            counts (all samples run in parallel, each from rest).
        """
        n_in = self.weights_[0].shape[1]
        X = as_float_array("X", X, shape=(None, n_in))
        duration = check_number("duration", duration, low=0.0, low_open=True)
        n_steps = max(1, round(duration / self.dt))
        W, b = self.weights_, self.biases_
        n = len(X)
        # the first layer's current is constant: compute it once
        drive0 = X @ W[0].T + b[0]
        v = [np.zeros((n, w.shape[0])) for w in W[:-1]]
        counts = [np.zeros((n, w.shape[0])) for w in W[:-1]]
        V = np.zeros((n, W[-1].shape[0]))
        out = np.empty((n_steps, *V.shape))
        for step in range(n_steps):
            s = None
            for k in range(len(W) - 1):
                v[k] += drive0 if k == 0 else s @ W[k].T + b[k]
                s = (v[k] >= 1.0).astype(np.float64)
                v[k] -= s  # reset by subtraction, no refractory period
                counts[k] += s
            V += s @ W[-1].T + b[-1]
            out[step] = V
        t = self.dt * np.arange(1, n_steps + 1)
        return ConversionRun(t, out, counts)

    def accuracy_curve(
        self, X: Any, y: Any, duration: float
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Test accuracy after each step of a run on labelled samples.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            Inputs, as for :meth:`run`.
        y : (n_samples,) array_like of int
            Class labels (indices of the output units).
        duration : float
            Simulated time per sample, in seconds.

        Returns
        -------
        t : (n_steps,) ndarray
            End time of each step, in seconds.
        accuracy : (n_steps,) ndarray
            Fraction of samples whose largest integrated output is the label,
            after each step.
        spikes_per_sample : float
            Hidden-layer spikes per sample over the whole run.
        """
        res = self.run(X, duration)
        y = np.asarray(y)
        if y.shape != (len(res.output[0]),):
            raise ShapeError(
                f"y: expected {len(res.output[0])} labels (got shape {y.shape})"
            )
        acc = np.mean(np.argmax(res.output, axis=-1) == y, axis=-1)
        return res.t, acc, res.spikes_per_sample()

    def __repr__(self) -> str:
        sizes = [self.weights_[0].shape[1]] + [w.shape[0] for w in self.weights_]
        return f"ConvertedSNN({sizes}, dt={self.dt!r}, percentile={self.percentile!r})"


def convert_mlp(
    mlp: MLP, X: Any, *, percentile: float = 99.9, dt: float = 1e-3
) -> ConvertedSNN:
    """Convert a trained ReLU :class:`~neurosim.ann.MLP` into an IF network.

    Parameters
    ----------
    mlp : ann.MLP
        Hidden activation ``"relu"``, no output activation (logits).
    X : (n_samples, n_in) array_like
        Calibration inputs (the training set) for the activation percentiles.
    percentile : float
        Percentile in (0, 100] of each layer's activations that maps to the
        top rate, one spike per step (99.9 after Rueckauer et al. 2017; 100 is
        Diehl et al.'s maximum).
    dt : float
        Step, in seconds.

    Returns
    -------
    ConvertedSNN
        The network with the normalised weights, ready to :meth:`~ConvertedSNN.run`.

    Raises
    ------
    ValidationError
        When the network has an activation that cannot be converted (any
        other than ReLU: tanh and logistic outputs are not firing rates).
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp: expected a neurosim.ann.MLP (got {type(mlp).__name__})")
    if mlp.activation != "relu":
        raise ValidationError(
            f"mlp: hidden activation {mlp.activation!r} cannot be converted to "
            "integrate-and-fire rates; only 'relu' can (rates are >= 0 and "
            "unbounded like ReLU)"
        )
    if mlp.out_act is not None:
        raise ValidationError(
            "mlp: the output layer must have no activation (logits); the "
            "converted output integrates its input"
        )
    percentile = check_number(
        "percentile", percentile, low=0.0, high=100.0, low_open=True
    )
    dt = check_dt(dt)
    W = [layer.weight.data.astype(np.float64) for layer in mlp.layers]
    b = [
        np.zeros(w.shape[0])
        if layer.bias is None
        else layer.bias.data.astype(np.float64)
        for w, layer in zip(W, mlp.layers, strict=True)
    ]
    X = as_float_array("X", X, shape=(None, W[0].shape[1]))
    if len(X) == 0:
        raise ShapeError("X: needs at least one calibration sample")
    scales = []
    a = X
    prev = 1.0
    weights, biases = [], []
    for k in range(len(W) - 1):
        a = np.maximum(a @ W[k].T + b[k], 0.0)
        lam = float(np.percentile(a, percentile))
        if lam <= 0:
            raise ValidationError(
                f"X: layer {k + 1} is silent on the calibration data (its "
                f"{percentile:g}th activation percentile is 0)"
            )
        weights.append(W[k] * (prev / lam))
        biases.append(b[k] / lam)
        scales.append(lam)
        prev = lam
    weights.append(W[-1] * prev)
    biases.append(b[-1].copy())
    return ConvertedSNN(weights, biases, np.array(scales), dt, percentile)
