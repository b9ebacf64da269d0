"""Population coding: how a population of neurons represents a vector (NEF principle 1).

Neuron ``i`` receives the current ``J_i = gain_i * (e_i . x) / radius + bias_i`` for
the represented value ``x``, where ``e_i`` is its unit-length *encoder* (preferred
direction). Gains and biases are chosen so that the neuron starts firing at
``e_i . x / radius = intercept_i`` and fires at ``max_rate_i`` when
``e_i . x / radius = 1``. Its firing rate as a function of ``x`` is its tuning curve.

References
----------
Eliasmith & Anderson (2003), *Neural Engineering*, MIT Press, ch. 2 and 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import SeedLike, as_float_array, as_rng, check_alloc, check_number
from ..exceptions import ShapeError, ValidationError
from ..kernels.nef import lif_activities
from ..neurons import LIF, LIFRate, NeuronType
from ..sim.neurons import neuron_rates
from .dists import (
    Distribution,
    ScatteredHypersphere,
    Uniform,
    get_samples,
)


@dataclass(frozen=True)
class BuiltPopulation:
    """The arrays drawn for a :class:`Population` (read-only).

    Attributes
    ----------
    encoders : (n_neurons, dimensions) ndarray
        Unit-length preferred directions.
    gain, bias : (n_neurons,) ndarray
        ``J = gain * (encoders @ x) / radius + bias`` (the neuron's current unit).
    max_rates : (n_neurons,) ndarray
        Firing rate (Hz) at ``encoders @ x = radius``.
    intercepts : (n_neurons,) ndarray
        ``encoders @ x / radius`` at which each neuron starts firing.
    eval_points : (n_eval_points, dimensions) ndarray
        Points (in represented units, within ``radius``) used to solve decoders.
    """

    encoders: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    max_rates: np.ndarray
    intercepts: np.ndarray
    eval_points: np.ndarray


def default_n_eval_points(n_neurons: int, dimensions: int) -> int:
    """Evaluation points used when none are given.

    ``clip(max(500 d, n_neurons // 8), 750, 2500 d)``. Nengo uses
    ``max(clip(500 d, 750, 2500), 2 n_neurons)``, which makes the activity
    matrix and the solve grow with the square of the population. Decoders are
    fitted to smooth tuning curves, so with evenly scattered points
    (:class:`~neurosim.nef.dists.ScatteredHypersphere`) far fewer suffice. Measured
    on one 1-D population of 10,000 LIF neurons (same spikes, 3 s of
    ``sin(2 pi t)``, 10 ms lowpass), decoded RMSE with scattered points:
    0.00443 / 0.00443 (1,250 points, two draws), 0.00442 / 0.00443 (2,500),
    0.00443 / 0.00443 (20,000); with random uniform points the same counts
    spread from 0.00437 to 0.00479 between draws. 1,250 points solve a
    1,250 x 1,250 dual system instead of Nengo's 10,000 x 10,000 one.
    """
    return int(np.clip(max(500 * dimensions, n_neurons // 8), 750, 2500 * dimensions))


class Population:
    r"""A population of neurons representing a ``dimensions``-vector.

    Parameters
    ----------
    n_neurons : int
        Number of neurons (>= 1).
    dimensions : int
        Dimension of the represented vector (>= 1).
    neuron : NeuronType, optional
        Neuron model (default ``LIF()``). Models with an analytic inverse rate
        curve (``gain_bias``) get exact gains and biases; others (e.g.
        Hodgkin-Huxley) get them from a numerical inversion of ``rates(J)``.
    seed : int, Generator or None
        Seeds every draw below; the same seed gives the same population.
    max_rates : Distribution or (n_neurons,) array
        Firing rates at ``e . x = radius``, in Hz. Default ``Uniform(200, 400)``.
    intercepts : Distribution or (n_neurons,) array
        Where firing starts, in units of ``radius``; each in ``[-1, 1)``.
        Default ``Uniform(-1, 0.9)``.
    encoders : Distribution or (n_neurons, dimensions) array
        Preferred directions, normalised to unit length. Default
        ``ScatteredHypersphere(surface=True)``: uniform on the sphere, evenly
        spread (in 1-D, as many +1 as -1 encoders to within one, where random
        signs leave one side under-represented; over 20 seeds this lowers the
        100-neuron channel's RMSE from 0.0174 to 0.0169). Use
        ``UniformHypersphere(surface=True)`` for independent draws.
    radius : float
        Magnitude of the largest represented vector (> 0). Default 1.
    eval_points : Distribution or (n_eval_points, dimensions) array
        Points where decoders are fitted, in units of ``radius``. Default
        evenly scattered in the unit ball (``ScatteredHypersphere()``).
    n_eval_points : int, optional
        Number of evaluation points to draw (default
        :func:`default_n_eval_points`).
    label : str, optional

    Attributes
    ----------
    built_ : BuiltPopulation
        Everything drawn, once, at construction.
    encoders_, gain_, bias_, max_rates_, intercepts_, eval_points_ : ndarray
        Shortcuts to the fields of ``built_``.

    Notes
    -----
    For a neuron with rate curve ``r(J)`` and threshold current ``J_th``
    (``r(J) > 0`` only for ``J > J_th``), the gain and bias solve
    ``gain * c + bias = J_th`` and ``r(gain + bias) = max_rate`` for intercept
    ``c``: ``gain = (r^{-1}(max_rate) - J_th) / (1 - c)``,
    ``bias = J_th - gain c``.

    Examples
    --------
    >>> import numpy as np, neurosim as ns
    >>> pop = ns.Population(50, seed=0)
    >>> pop.rates(np.linspace(-1, 1, 5)).shape
    (5, 50)
    """

    def __init__(
        self,
        n_neurons: int,
        dimensions: int = 1,
        neuron: NeuronType | None = None,
        *,
        seed: SeedLike = None,
        max_rates: Distribution | Any = None,
        intercepts: Distribution | Any = None,
        encoders: Distribution | Any = None,
        radius: float = 1.0,
        eval_points: Distribution | Any = None,
        n_eval_points: int | None = None,
        label: str | None = None,
    ) -> None:
        self.n_neurons = check_number(
            "Population.n_neurons", n_neurons, low=1, integer=True
        )
        self.dimensions = check_number(
            "Population.dimensions", dimensions, low=1, integer=True
        )
        check_alloc("Population.n_neurons", self.n_neurons, what="the neurons")
        check_alloc(
            "Population.dimensions",
            self.n_neurons * self.dimensions,
            what="the (n_neurons, dimensions) encoders",
        )
        self.neuron = LIF() if neuron is None else neuron
        if not isinstance(self.neuron, NeuronType):
            raise TypeError(
                f"Population.neuron: expected a NeuronType such as ns.LIF() "
                f"(got {type(self.neuron).__name__})"
            )
        self.seed = seed
        self.max_rates = Uniform(200, 400) if max_rates is None else max_rates
        self.intercepts = Uniform(-1.0, 0.9) if intercepts is None else intercepts
        self.encoders = (
            ScatteredHypersphere(surface=True) if encoders is None else encoders
        )
        self.radius = check_number("Population.radius", radius, low=0, low_open=True)
        self.eval_points = (
            ScatteredHypersphere() if eval_points is None else eval_points
        )
        if n_eval_points is not None:
            n_eval_points = check_number(
                "Population.n_eval_points", n_eval_points, low=1, integer=True
            )
            check_alloc(
                "Population.n_eval_points",
                n_eval_points * (self.n_neurons + self.dimensions),
                what="the evaluation points and their activities",
            )
        self.n_eval_points = n_eval_points
        self.label = label
        self.built_ = self._build()

    def _build(self) -> BuiltPopulation:
        n, d = self.n_neurons, self.dimensions
        rng = as_rng(self.seed)
        max_rates = get_samples(self.max_rates, n, rng=rng, name="Population.max_rates")
        intercepts = get_samples(
            self.intercepts, n, rng=rng, name="Population.intercepts"
        )
        encoders = get_samples(self.encoders, n, d, rng=rng, name="Population.encoders")
        if isinstance(self.eval_points, Distribution):
            n_eval = self.n_eval_points or default_n_eval_points(n, d)
            eval_points = self.eval_points.samples(n_eval, d, rng)
        else:
            eval_points = as_float_array(
                "Population.eval_points", self.eval_points, ndim=(1, 2)
            )
            if eval_points.ndim == 1 and d == 1:
                eval_points = eval_points[:, None]
            if (
                eval_points.ndim != 2
                or eval_points.shape[1] != d
                or not len(eval_points)
            ):
                raise ShapeError(
                    f"Population.eval_points: expected shape (n_eval_points, {d}) "
                    f"(got {eval_points.shape})"
                )
        norms = np.linalg.norm(encoders, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValidationError("Population.encoders: rows must be non-zero")
        encoders = encoders / norms
        if np.any(intercepts < -1) or np.any(intercepts >= 1):
            raise ValidationError(
                "Population.intercepts: must lie in [-1, 1) (got values in "
                f"[{intercepts.min():g}, {intercepts.max():g}]); a neuron whose "
                "intercept is >= 1 never fires inside the radius"
            )
        if np.any(max_rates <= 0):
            raise ValidationError(
                f"Population.max_rates: must be > 0 Hz (got min {max_rates.min():g})"
            )
        tau_ref = getattr(self.neuron, "tau_ref", 0.0)
        if tau_ref > 0 and np.any(max_rates >= 1.0 / tau_ref):
            raise ValidationError(
                f"Population.max_rates: {type(self.neuron).__name__} cannot fire at "
                f"{max_rates.max():g} Hz; rates must be < 1/tau_ref = "
                f"{1.0 / tau_ref:g} Hz"
            )
        gain, bias = neuron_gain_bias(self.neuron, max_rates, intercepts)
        for arr in (encoders, gain, bias, max_rates, intercepts):
            arr.setflags(write=False)
        eval_points = eval_points * self.radius
        eval_points.setflags(write=False)
        return BuiltPopulation(encoders, gain, bias, max_rates, intercepts, eval_points)

    @property
    def encoders_(self) -> np.ndarray:
        return self.built_.encoders

    @property
    def gain_(self) -> np.ndarray:
        return self.built_.gain

    @property
    def bias_(self) -> np.ndarray:
        return self.built_.bias

    @property
    def max_rates_(self) -> np.ndarray:
        return self.built_.max_rates

    @property
    def intercepts_(self) -> np.ndarray:
        return self.built_.intercepts

    @property
    def eval_points_(self) -> np.ndarray:
        return self.built_.eval_points

    @property
    def scaled_encoders_(self) -> np.ndarray:
        """Encoders times ``gain / radius``, so that ``J = x @ E.T + bias``."""
        return self.encoders_ * (self.gain_ / self.radius)[:, None]

    def _check_x(self, x: Any) -> np.ndarray:
        x = as_float_array("x", x, ndim=(1, 2))
        if x.ndim == 1 and self.dimensions == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.dimensions:
            raise ShapeError(
                f"x: expected shape (n_points, {self.dimensions}) to match the "
                f"population's encoders {self.encoders_.shape} (got {x.shape})"
            )
        return x

    def current(self, x: Any) -> np.ndarray:
        """Input currents ``(n_points, n_neurons)`` for represented values ``x``.

        ``x`` is ``(n_points, dimensions)`` (or ``(n_points,)`` when 1-D).

        Parameters
        ----------
        x : (n_points, dimensions) or (n_points,) array
            Represented values.

        Returns
        -------
        numpy.ndarray
            ``(n_points, n_neurons)`` input currents (the neuron model's units).
        """
        J = self._check_x(x) @ self.scaled_encoders_.T
        J += self.bias_
        return J

    def rates(self, x: Any) -> np.ndarray:
        """Tuning curves: firing rates (Hz), ``(n_points, n_neurons)``, at ``x``.

        Uses the neuron's ``rates(J)``: analytic for LIF and rate-LIF, a settled
        simulation for models without a closed form (e.g. Hodgkin-Huxley), run
        only for currents above the threshold.

        Parameters
        ----------
        x : (n_points, dimensions) or (n_points,) array
            Represented values.

        Returns
        -------
        numpy.ndarray
            ``(n_points, n_neurons)`` firing rates in Hz.
        """
        if type(self.neuron) in (LIF, LIFRate):
            x = self._check_x(x)
            out = np.empty((x.shape[0], self.n_neurons))
            lif_activities(
                np.ascontiguousarray(x),
                np.ascontiguousarray(self.scaled_encoders_),
                self.bias_,
                out,
                self.neuron.tau_rc,
                self.neuron.tau_ref,
            )
            return out
        J = self.current(x)
        if hasattr(self.neuron, "gain_bias"):
            return np.asarray(neuron_rates(self.neuron, J), dtype=float)
        # Numerically inverted models: the table showed them silent from 0 up
        # to the threshold current gain * intercept + bias, so only currents
        # above it are simulated (this also keeps unphysiological negative
        # currents out of the simulation).
        j_th = self.gain_ * self.intercepts_ + self.bias_
        out = np.zeros_like(J)
        above = J > j_th
        out[above] = np.asarray(neuron_rates(self.neuron, J[above]), dtype=float)
        return out

    def __repr__(self) -> str:
        return (
            f"Population(n_neurons={self.n_neurons}, dimensions={self.dimensions}, "
            f"neuron={self.neuron!r}, seed={self.seed!r})"
        )


def neuron_gain_bias(
    neuron: NeuronType, max_rates: np.ndarray, intercepts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gains and biases: exact when ``neuron`` has ``gain_bias``, else numeric."""
    if hasattr(neuron, "gain_bias"):
        gain, bias = neuron.gain_bias(max_rates, intercepts)
        return np.array(gain, dtype=float), np.array(bias, dtype=float)
    return numeric_gain_bias(neuron, max_rates, intercepts)


def numeric_gain_bias(
    neuron: NeuronType,
    max_rates: np.ndarray,
    intercepts: np.ndarray,
    *,
    n_grid: int = 401,
    j_start: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gains and biases from a numerical inversion of ``neuron_rates(neuron, J)``.

    1. Bracket: double ``J_hi`` from ``j_start`` until ``rates(J_hi)`` exceeds the
       largest wanted max rate (error if it never does before the curve turns down).
    2. Tabulate ``rates`` on ``n_grid`` currents in ``[0, J_hi]`` in one vectorised
       call; the threshold ``J_th`` is refined by bisection between the last silent
       and the first firing grid point.
    3. ``J_max = r^{-1}(max_rate)`` by linear interpolation at the first
       crossing of the table's running maximum (robust to the one-count dips of
       rates measured by counting spikes).

    Then ``gain = (J_max - J_th) / (1 - intercept)`` and
    ``bias = J_th - gain * intercept``. Works for discontinuous (type II) curves
    such as Hodgkin-Huxley's, whose rate jumps from 0 at ``J_th``.
    """
    max_rates = np.asarray(max_rates, dtype=float)
    intercepts = np.asarray(intercepts, dtype=float)
    target = float(max_rates.max())
    j_hi = j_start
    best = 0.0
    for _ in range(40):
        r_hi = float(np.asarray(neuron_rates(neuron, np.array([j_hi]))).ravel()[0])
        if r_hi > target:
            break
        if r_hi < best:
            raise ValidationError(
                f"max_rates: {type(neuron).__name__} peaks near {best:g} Hz and "
                f"cannot fire at {target:g} Hz"
            )
        best = r_hi
        j_hi *= 2.0
    else:
        raise ValidationError(
            f"max_rates: {type(neuron).__name__} does not reach {target:g} Hz for "
            f"any input current up to {j_hi:g}"
        )
    J = np.linspace(0.0, j_hi, n_grid)
    r = neuron_rates(neuron, J)
    firing = np.flatnonzero(r > 0)
    if not len(firing) or firing[0] == 0:
        raise ValidationError(
            f"{type(neuron).__name__}: fires at zero current; no threshold to place "
            "intercepts at"
        )
    lo, hi = J[firing[0] - 1], J[firing[0]]
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if float(np.asarray(neuron_rates(neuron, np.array([mid]))).ravel()[0]) > 0:
            hi = mid
        else:
            lo = mid
    j_th = hi
    # Rising branch only, from the threshold to the first point above target.
    # Rates from spike counts are quantised and can dip by one count, so use
    # the running maximum and take, for each target, the first crossing.
    k0 = firing[0]
    k1 = k0 + int(np.argmax(r[k0:] > target)) + 1
    J_rise = np.concatenate([[j_th], J[k0:k1]])
    r_rise = np.maximum.accumulate(np.concatenate([[0.0], r[k0:k1]]))
    hi_idx = np.searchsorted(r_rise, max_rates, side="left")
    lo_idx = hi_idx - 1
    frac = (max_rates - r_rise[lo_idx]) / (r_rise[hi_idx] - r_rise[lo_idx])
    j_max = J_rise[lo_idx] + frac * (J_rise[hi_idx] - J_rise[lo_idx])
    gain = (j_max - j_th) / (1.0 - intercepts)
    bias = j_th - gain * intercepts
    return gain, bias
