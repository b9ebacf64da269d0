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

The converted network is a :class:`~neurosim.Network` run by
:class:`~neurosim.Simulator` (CPU backend), with time step :math:`\Delta t`:

* hidden layer :math:`l` is a group of :class:`IntegrateAndFire` neurons
  (threshold 1, reset by subtraction, no refractory period, no leak), with
  the bias :math:`b'_l / \Delta t` as a constant current;
* the input enters the first hidden layer as the constant current
  :math:`W'_1 x / \Delta t` (set per sample, between runs);
* layer :math:`l - 1` drives layer :math:`l` through connections of weights
  :math:`W'_l` with no synapse filter: a spike of weight :math:`w` is the
  current :math:`w / \Delta t` during the next step;
* the output layer is an :class:`Integrator` group (no spikes) with bias
  :math:`b'_L / \Delta t`; the class is its largest integrated potential.

So, per step, with inputs constant within a step (no discretisation error),

.. math::
    v_l \leftarrow v_l + W'_l s_{l-1}^{(t-1)} + b'_l, \quad
    s_l = [v_l \ge 1], \quad v_l \leftarrow v_l - s_l,

(:math:`s_0 = x`, current input, no delay), and the output potential
:math:`V \leftarrow V + W'_L s_{L-1}^{(t-1)} + b'_L`: each layer sees the
previous layer's spikes one step later. Each sample starts from the
network's initial state (:meth:`Simulator.restore <neurosim.Simulator.restore>`).

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
from typing import Any, ClassVar

import numpy as np

from .._validation import as_float_array, check_dt, check_number
from ..exceptions import ShapeError, ValidationError
from ..neurons.model import NeuronModel
from ..sim import Network, NeuronGroup, Simulator
from .nn import MLP

# The engine's threshold test is strict (v > threshold); the IF neuron fires at
# v >= 1. Testing v > 1 - 1e-9 gives that for potentials that are sums of a
# few hundred O(1) increments, whose rounding stays far below 1e-9.
_THRESHOLD = 1.0 - 1e-9


class IntegrateAndFire(NeuronModel):
    r"""Integrate-and-fire neuron with reset by subtraction (dimensionless).

    .. math:: \frac{dv}{dt} = J + i_{ext}

    with a spike when :math:`v \ge 1` (tested as :math:`v > 1 - 10^{-9}`),
    after which :math:`v \leftarrow v - 1`; no leak and no refractory period,
    so the firing rate is :math:`J` (in Hz) for :math:`0 \le J \le 1/\Delta t`
    and the spike count after :math:`n` steps of a constant :math:`J` is
    :math:`\lfloor n J \Delta t \rfloor`. The step is exact (Euler on a
    constant right-hand side). The state ``count`` counts the spikes.

    Parameters
    ----------
    i_ext : float or (n,) array
        Extra constant input, 1/s (the converted network's input current).
    """

    state: ClassVar[dict[str, float]] = {"v": 0.0, "count": 0.0}
    params: ClassVar[dict[str, float]] = {"i_ext": 0.0}
    inputs = ("J",)
    units: ClassVar[dict[str, str]] = {
        "v": "1 (threshold 1)",
        "count": "spikes so far",
        "J": "1/s",
    }
    threshold = ("v", _THRESHOLD)

    @staticmethod
    def update(v, count, J, i_ext, dt):
        """Integrate the held input over the step.

        Parameters
        ----------
        v : float
            Potential (dimensionless).
        count : float
            Spikes so far (unchanged here).
        J, i_ext : float
            Inputs, 1/s.
        dt : float
            Step, s.

        Returns
        -------
        v, count : float
            The state at the end of the step.
        """
        return v + (J + i_ext) * dt, count

    @staticmethod
    def reset(v, count):
        """Reset by subtraction, ``v <- v - 1``, and count the spike.

        Parameters
        ----------
        v, count : float
            State at the spike.

        Returns
        -------
        v, count : float
            State after the reset.
        """
        return v - 1.0, count + 1.0


class Integrator(NeuronModel):
    r"""A non-spiking unit that integrates its input: :math:`dV/dt = J`.

    The converted network's output layer (its potential after :math:`n`
    steps, divided by :math:`n`, estimates the ANN's logits).
    """

    state: ClassVar[dict[str, float]] = {"V": 0.0}
    inputs = ("J",)
    units: ClassVar[dict[str, str]] = {"V": "1", "J": "1/s"}

    @staticmethod
    def update(V, J, dt):
        """Integrate the held input over the step.

        Parameters
        ----------
        V : float
            Potential (dimensionless).
        J : float
            Input, 1/s.
        dt : float
            Step, s.

        Returns
        -------
        float
            The potential at the end of the step.
        """
        return V + J * dt


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

    def network(self) -> tuple[Network, list[NeuronGroup], NeuronGroup]:
        """The converted network as a :class:`~neurosim.Network` description.

        Returns
        -------
        net : Network
            Hidden :class:`IntegrateAndFire` groups and an output
            :class:`Integrator` group, connected by the normalised weights
            with no synapse filter; biases are the groups' constant currents
            (``bias / dt``). The input current of the first hidden layer is
            its parameter ``i_ext`` (0 here; :meth:`run` sets it per sample).
        hidden : list of NeuronGroup
            The hidden layers, in order.
        output : NeuronGroup
            The integrating output layer (state ``"V"``).
        """
        dt = self.dt
        net = Network(seed=0)
        hidden = []
        for k, (w, b) in enumerate(
            zip(self.weights_[:-1], self.biases_[:-1], strict=True)
        ):
            n = w.shape[0]
            model = IntegrateAndFire(i_ext=np.zeros(n))
            g = net.add(NeuronGroup(n, model, bias=b / dt, name=f"hidden{k + 1}"))
            if hidden:
                net.connect(hidden[-1], g, w.T)
            hidden.append(g)
        w, b = self.weights_[-1], self.biases_[-1]
        out = net.add(NeuronGroup(w.shape[0], Integrator(), bias=b / dt, name="output"))
        net.connect(hidden[-1], out, w.T)
        return net, hidden, out

    def run(self, X: Any, duration: float) -> ConversionRun:
        """Present each row of ``X`` as constant input current for ``duration`` s.

        Every sample runs in the simulator from the network's initial state.

        Parameters
        ----------
        X : (n_samples, n_in) array_like
            The same inputs the ANN takes (analog values, any sign).
        duration : float
            Simulated time per sample, in seconds (rounded to whole steps).

        Returns
        -------
        ConversionRun
            Output potential after each step and hidden spike counts.
        """
        n_in = self.weights_[0].shape[1]
        X = as_float_array("X", X, shape=(None, n_in))
        duration = check_number("duration", duration, low=0.0, low_open=True)
        n_steps = max(1, round(duration / self.dt))
        net, hidden, out_group = self.network()
        potential = net.monitor_state(out_group, "V", record=True)
        sim = Simulator(net, dt=self.dt, backend="cpu", progress=False)
        start = sim.snapshot()
        # the first layer's input current, constant over a sample
        drive = X @ self.weights_[0].T / self.dt
        n = len(X)
        counts = [np.zeros((n, g.n)) for g in hidden]
        for i in range(n):
            sim.restore(start)
            sim.set_param(hidden[0], "i_ext", drive[i])
            sim.run(n_steps * self.dt)
            for k, g in enumerate(hidden):
                counts[k][i] = sim.get_state(g, "count")
        # one row per step, sample after sample
        out = sim.data[potential].V.reshape(n, n_steps, out_group.n).transpose(1, 0, 2)
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
