r"""Unsupervised digit recognition with STDP in the simulator (Diehl & Cook 2015).

The network runs in :class:`~neurosim.Simulator`:

* ``n_inputs`` :class:`~neurosim.PoissonSource` neurons, one per pixel, firing
  at ``x * max_rate`` (``x`` the pixel intensity in [0, 1]) while a sample is
  shown and silent in the rest period after it;
* ``n_neurons`` excitatory :class:`~neurosim.AdaptiveThresholdLIF` neurons,
  driven through a ``Lowpass(tau_e)`` synapse by all inputs with weights
  :math:`W` (input ``j`` to neuron ``i``) that pair STDP
  (:class:`~neurosim.learning.STDP`) changes online inside
  :meth:`Simulator.run <neurosim.Simulator.run>`;
* lateral inhibition as direct connections: every excitatory spike inhibits
  every *other* excitatory neuron with charge ``w_inh`` through a
  ``Lowpass(tau_i)`` synapse (Diehl & Cook route it through an inhibitory
  layer, one inhibitory neuron per excitatory one, which inhibits all the
  others: the same competition without the extra synaptic step).

Training follows Diehl & Cook: each sample is shown for ``t_present`` and
followed by ``t_rest`` of silence; after every sample each neuron's input
weights are scaled to sum to ``weight_sum`` (their normalisation,
:math:`\sum_j W_{ji} = 78` for 784 inputs, i.e. 0.1 per input; here
``weight_sum`` is in the network's charge units); a sample that drives fewer
than ``min_spikes`` excitatory spikes is shown again with the input rates
raised by half the starting rate each time (their intensity 2, 3, 4, ...).
Then learning stops (weights fixed, thresholds frozen), each neuron is labelled
by the class it answers most on the training data (highest mean spike count),
and a sample is classified by the class whose labelled neurons fire most on
average. No readout weights are trained.

References
----------
Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition
using spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99,
doi:10.3389/fncom.2015.00099.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._validation import SeedLike, as_float_array, as_rng, check_number
from ..exceptions import ShapeError, ValidationError
from .stdp import STDP

# the threshold offsets are frozen after training: this time constant makes
# exp(-dt / tau) exactly 1 in float64 for any step
_FROZEN = 1e300


class DiehlCook:
    r"""STDP network with adaptive thresholds, lateral inhibition and a vote readout.

    Parameters
    ----------
    n_neurons : int
        Excitatory neurons. Default 100.
    max_rate : float
        Input rate of a pixel of intensity 1, in Hz. Default 128, twice
        Diehl & Cook's 255 / 4 Hz (an 8x8 digit has far fewer inked pixels
        than a 28x28 one).
    t_present, t_rest : float
        Time each sample is shown and silent time after it, in seconds.
        Defaults 0.35 and 0.15 (Diehl & Cook).
    dt : float
        Simulation step in seconds. Default 5e-4 (Diehl & Cook's 0.5 ms).
    weight_sum : float
        Sum of each neuron's input weights after normalisation (charge,
        dimensionless input times seconds). Default 0.1.
    w_inh : float
        Charge of one lateral inhibitory spike (> 0; it is subtracted).
        Default 0.1.
    tau_e, tau_i : float
        Time constants of the excitatory and inhibitory Lowpass synapses, in
        seconds. Defaults 0.001 and 0.002 (Diehl & Cook).
    tau_rc, tau_ref, inc_theta, tau_theta : float
        The excitatory neurons' :class:`~neurosim.AdaptiveThresholdLIF`
        parameters. Defaults 0.1 s, 0.005 s, 0.01, 1e4 s (Diehl & Cook's,
        except ``inc_theta``: 0.004 in their units, raised here because 1437
        digits give far fewer spikes than their 60,000 to 180,000).
    stdp : STDP or None
        The plasticity rule of the input weights; None switches learning off
        (the control: random weights, same thresholds and labelling).
        Default ``STDP(a_plus=2e-4, a_minus=2e-6, tau_plus=0.02,
        tau_minus=0.02, w_min=0, w_max=0.02)``: depression 100 times weaker
        than potentiation, Diehl & Cook's ratio of their pre and post
        learning rates.
    min_spikes, max_repeats : int
        A sample that drives fewer than ``min_spikes`` excitatory spikes is
        shown again with stronger input, at most ``max_repeats`` times.
        Defaults 5 and 5.
    seed : int, Generator or None
        Initial weights, then the presentation order and the Poisson trains.

    Attributes
    ----------
    weights_ : (n_inputs, n_neurons) ndarray
        Input weights after training.
    theta_ : (n_neurons,) ndarray
        Threshold offsets after training.
    labels_ : (n_neurons,) ndarray of int
        Each neuron's class, as an index into ``classes_``; -1 for neurons
        that fired on no training digit (they take no part in the vote).
    classes_ : (n_classes,) ndarray
        The class labels seen in :meth:`fit`.
    train_s_ : float
        Wall time of the training runs (simulator builds excluded), seconds.
    spikes_per_sample_ : float
        Mean excitatory spikes per sample in the labelling pass.

    Notes
    -----
    A neuron's drive is :math:`J_i = \sum_j W_{ji}\, (h_e * s_j)(t) - w_{inh}
    \sum_{k \neq i} (h_i * s_k)(t)`, with :math:`s` spike trains and
    :math:`h` the unit-area synaptic kernels, so a weight is the charge of one
    spike. The STDP rule acts on every presentation (including repeated ones),
    as in Diehl & Cook, whose own rule is a trace-based variant with a
    weight-dependent potentiation; pair STDP with the normalisation does the
    same job here.
    """

    def __init__(
        self,
        n_neurons: int = 100,
        *,
        max_rate: float = 128.0,
        t_present: float = 0.35,
        t_rest: float = 0.15,
        dt: float = 5e-4,
        weight_sum: float = 0.1,
        w_inh: float = 0.1,
        tau_e: float = 0.001,
        tau_i: float = 0.002,
        tau_rc: float = 0.1,
        tau_ref: float = 0.005,
        inc_theta: float = 0.01,
        tau_theta: float = 1e4,
        stdp: STDP | None | str = "default",
        min_spikes: int = 5,
        max_repeats: int = 5,
        seed: SeedLike = None,
    ) -> None:
        self.n_neurons = int(check_number("n_neurons", n_neurons, low=1, integer=True))
        self.max_rate = check_number("max_rate", max_rate, low=0.0, low_open=True)
        self.t_present = check_number("t_present", t_present, low=0.0, low_open=True)
        self.t_rest = check_number("t_rest", t_rest, low=0.0)
        self.dt = check_number("dt", dt, low=0.0, low_open=True)
        if self.max_rate * self.dt * (1 + 0.5 * max_repeats) > 1.0:
            raise ValidationError(
                f"max_rate: the raised rates must keep rate * dt <= 1 (got "
                f"{max_rate!r} Hz, dt = {dt!r} s, max_repeats = {max_repeats!r})"
            )
        for name in ("t_present", "t_rest"):
            steps = getattr(self, name) / self.dt
            if abs(steps - round(steps)) > 1e-6:
                raise ValidationError(
                    f"{name}: must be a whole number of steps of dt = {dt!r} s"
                )
        self.weight_sum = check_number("weight_sum", weight_sum, low=0.0, low_open=True)
        self.w_inh = check_number("w_inh", w_inh, low=0.0)
        self.tau_e = check_number("tau_e", tau_e, low=0.0, low_open=True)
        self.tau_i = check_number("tau_i", tau_i, low=0.0, low_open=True)
        self.tau_rc = check_number("tau_rc", tau_rc, low=0.0, low_open=True)
        self.tau_ref = check_number("tau_ref", tau_ref, low=0.0)
        self.inc_theta = check_number("inc_theta", inc_theta, low=0.0)
        self.tau_theta = check_number("tau_theta", tau_theta, low=0.0, low_open=True)
        if isinstance(stdp, str) and stdp == "default":
            stdp = STDP(2e-4, 2e-6, 0.02, 0.02, w_min=0.0, w_max=0.02)
        if stdp is not None and not isinstance(stdp, STDP):
            raise TypeError(
                f"stdp: expected an ns.learning.STDP rule or None (got "
                f"{type(stdp).__name__})"
            )
        self.stdp = stdp
        self.min_spikes = int(
            check_number("min_spikes", min_spikes, low=0, integer=True)
        )
        self.max_repeats = int(
            check_number("max_repeats", max_repeats, low=0, integer=True)
        )
        self.seed = seed

    # ------------------------------------------------------------- network
    def _network(self, n_inputs: int, weights: np.ndarray, learn: bool, seed: int):
        """The network description; returns (net, inputs, exc, conn, monitor).

        ``learn``: STDP (if any) on and adaptive thresholds; else fixed
        weights and frozen thresholds.
        """
        from .. import synapses
        from ..neurons import AdaptiveThresholdLIF, PoissonSource
        from ..sim import Network, NeuronGroup

        net = Network(seed=seed)
        inp = net.add(NeuronGroup(n_inputs, PoissonSource(rate=0.0), name="input"))
        model = AdaptiveThresholdLIF(
            tau_rc=self.tau_rc,
            tau_ref=self.tau_ref,
            inc_theta=self.inc_theta if learn else 0.0,
            tau_theta=self.tau_theta if learn else _FROZEN,
        )
        exc = net.add(NeuronGroup(self.n_neurons, model, name="excitatory"))
        rule = self.stdp if learn else None
        conn = net.connect(
            inp, exc, weights, synapse=synapses.Lowpass(self.tau_e), plasticity=rule
        )
        if self.w_inh > 0 and self.n_neurons > 1:
            inh = -self.w_inh * (1.0 - np.eye(self.n_neurons))
            net.connect(exc, exc, inh, synapse=synapses.Lowpass(self.tau_i))
        return net, inp, exc, conn, net.monitor_spikes(exc)

    def _normalise(self, w: np.ndarray) -> np.ndarray:
        s = w.sum(axis=0, keepdims=True)
        return w * (self.weight_sum / np.where(s > 0, s, 1.0))

    def _present_all(
        self,
        sim: Any,
        inp: Any,
        mon: Any,
        X: np.ndarray,
        order: np.ndarray,
        conn: Any = None,
    ) -> np.ndarray:
        """Show the samples ``X[order]``; returns (len(order), n_neurons) counts.

        With ``conn`` (training) the input weights are normalised after every
        sample.
        """
        n_show = round(self.t_present / self.dt)
        mon = sim.data[mon]  # this simulator's records
        counts = np.zeros((len(order), self.n_neurons))
        for k, s in enumerate(order):
            for repeat in range(self.max_repeats + 1):
                sim.set_rates(inp, X[s] * self.max_rate * (1.0 + 0.5 * repeat))
                start = sim.n_steps
                n_before = mon.steps.size
                sim.run(self.t_present)
                if self.t_rest > 0:
                    sim.set_rates(inp, 0.0)
                    sim.run(self.t_rest)
                if conn is not None:
                    sim.set_weights(conn, self._normalise(sim.weights(conn)))
                steps = mon.steps[n_before:]
                idx = mon.indices[n_before:][steps < start + n_show]
                if idx.size >= self.min_spikes or repeat == self.max_repeats:
                    counts[k] = np.bincount(idx, minlength=self.n_neurons)
                    break
        return counts

    # ------------------------------------------------------------- learning
    def _check_X(self, X: Any) -> np.ndarray:
        X = as_float_array("X", X, ndim=2)
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValidationError(
                f"X: pixel intensities must lie in [0, 1] (got {X.min():g} .. "
                f"{X.max():g}); divide by the maximum value"
            )
        if hasattr(self, "weights_") and X.shape[1] != self.weights_.shape[0]:
            raise ShapeError(
                f"X: expected {self.weights_.shape[0]} features (got {X.shape[1]})"
            )
        return X

    def fit(self, X: Any, y: Any, n_epochs: int = 1) -> DiehlCook:
        """Train the weights by STDP on ``X``, then label the neurons with ``y``.

        Parameters
        ----------
        X : (n_samples, n_inputs) array_like
            Pixel intensities in [0, 1].
        y : (n_samples,) array_like
            Class labels (used only for the labelling pass, after learning).
        n_epochs : int
            Passes over ``X`` with STDP (each in a new random order).

        Returns
        -------
        DiehlCook
            ``self``.
        """
        X = as_float_array("X", X, ndim=2)
        self.__dict__.pop("weights_", None)
        X = self._check_X(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ShapeError(f"y: expected shape ({X.shape[0]},) (got {y.shape})")
        n_epochs = int(check_number("n_epochs", n_epochs, low=1, integer=True))
        from ..sim import Simulator

        rng = as_rng(self.seed)
        w0 = self._normalise(rng.uniform(0.0, 1.0, (X.shape[1], self.n_neurons)))
        plastic = self.stdp is not None
        net, inp, exc, conn, mon = self._network(
            X.shape[1], w0, True, int(rng.integers(2**31))
        )
        sim = Simulator(net, dt=self.dt, backend="cpu", progress=False)
        t0 = time.perf_counter()
        for _ in range(n_epochs):
            order = rng.permutation(X.shape[0])
            self._present_all(sim, inp, mon, X, order, conn if plastic else None)
        self.train_s_ = time.perf_counter() - t0
        self.weights_ = sim.weights(conn) if plastic else w0
        self.theta_ = sim.get_state(exc, "theta")
        self._net_seed = int(rng.integers(2**31))
        counts = self.responses(X)
        self.spikes_per_sample_ = float(counts.sum(axis=1).mean())
        self.classes_, yi = np.unique(y, return_inverse=True)
        mean = np.stack(
            [counts[yi == c].mean(axis=0) for c in range(len(self.classes_))]
        )
        # a neuron silent on every training digit gets no label (Diehl & Cook's
        # assignment -1), so it does not drag down the vote of a class
        self.labels_ = np.where(mean.max(axis=0) > 0, mean.argmax(axis=0), -1)
        return self

    def responses(self, X: Any) -> np.ndarray:
        """Spike counts of the trained network (learning off, thresholds frozen).

        Parameters
        ----------
        X : (n_samples, n_inputs) array_like
            Pixel intensities in [0, 1].

        Returns
        -------
        (n_samples, n_neurons) ndarray
            Excitatory spikes during each sample's presentation.
        """
        self._require_fit()
        X = self._check_X(X)
        from ..sim import Simulator

        net, inp, exc, _conn, mon = self._network(
            X.shape[1], self.weights_, False, self._net_seed
        )
        sim = Simulator(net, dt=self.dt, backend="cpu", progress=False)
        sim.set_state(exc, "theta", self.theta_)
        sim.set_state(exc, "u", -self.theta_)
        return self._present_all(sim, inp, mon, X, np.arange(X.shape[0]))

    def predict(self, X: Any) -> np.ndarray:
        """Classify by the vote of the labelled neurons.

        Parameters
        ----------
        X : (n_samples, n_inputs) array_like
            Pixel intensities in [0, 1].

        Returns
        -------
        (n_samples,) ndarray
            ``vote(responses(X))``.
        """
        return self.vote(self.responses(X))

    def vote(self, counts: Any) -> np.ndarray:
        """Classify spike counts by the vote of the labelled neurons.

        Parameters
        ----------
        counts : (n_samples, n_neurons) array_like
            Excitatory spike counts, as :meth:`responses` returns them.

        Returns
        -------
        (n_samples,) ndarray
            For each sample the class whose neurons have the highest mean
            spike count (classes without neurons score 0).
        """
        if not hasattr(self, "labels_"):
            raise ValidationError("DiehlCook: call fit(X, y) first")
        counts = as_float_array("counts", counts, ndim=2)
        if counts.shape[1] != self.n_neurons:
            raise ShapeError(
                f"counts: expected {self.n_neurons} columns (got {counts.shape[1]})"
            )
        votes = np.zeros((counts.shape[0], len(self.classes_)))
        for c in range(len(self.classes_)):
            members = self.labels_ == c
            if members.any():
                votes[:, c] = counts[:, members].mean(axis=1)
        return self.classes_[votes.argmax(axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``.

        Parameters
        ----------
        X : (n_samples, n_inputs) array_like
            Pixel intensities in [0, 1].
        y : (n_samples,) array_like
            True labels.

        Returns
        -------
        float
            Fraction classified correctly.
        """
        y = np.asarray(y)
        pred = self.predict(X)
        if y.shape != pred.shape:
            raise ShapeError(f"y: expected shape {pred.shape} (got {y.shape})")
        return float(np.mean(pred == y))

    def _require_fit(self) -> None:
        if not hasattr(self, "labels_") and not hasattr(self, "weights_"):
            raise ValidationError("DiehlCook: call fit(X, y) first")
