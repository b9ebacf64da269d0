"""Pair-based spike-timing-dependent plasticity with the classic exponential window."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    as_float_array,
    check_dt,
    check_nonnegative,
    check_number,
    check_positive,
)
from ..exceptions import ShapeError, ValidationError
from ..kernels.stdp import stdp_run
from .rule import PlasticityRule


class STDP(PlasticityRule):
    r"""Pair-based STDP (Bi & Poo 1998; Song, Miller & Abbott 2000).

    Every pair of a presynaptic spike at :math:`t_{pre}` and a postsynaptic spike
    at :math:`t_{post}` changes the weight by the window

    .. math:: W(\Delta t) = \begin{cases}
              A_+\, e^{-\Delta t/\tau_+} & \Delta t > 0 \\
              -A_-\, e^{\Delta t/\tau_-} & \Delta t < 0 \\
              0 & \Delta t = 0 \end{cases}, \qquad \Delta t = t_{post} - t_{pre}

    summed over all pairs (additive, all-to-all pairing), with the weight kept in
    ``[w_min, w_max]``. :meth:`run` implements it online with one exponential
    trace per neuron (decayed exactly, :math:`e^{-dt/\tau}` per step), which
    gives the same sum as :meth:`weight_change` when no bound is hit.

    Parameters
    ----------
    a_plus, a_minus : float
        Amplitudes :math:`A_\pm` (weight units).
    tau_plus, tau_minus : float
        Window time constants, in seconds.
    w_min, w_max : float
        Hard bounds (``-inf``/``inf`` for none).

    Notes
    -----
    Inside a network (``connect(..., plasticity=STDP(...))``) the rule is a
    :class:`~neurosim.learning.PlasticityRule` like any user-written one: a
    presynaptic trace ``x`` (``tau_plus``) and a postsynaptic trace ``y``
    (``tau_minus``), ``on_pre: w <- clip(w - A_- y)`` and
    ``on_post: w <- clip(w + A_+ x)``, with the traces incremented after the
    step's updates, in the order of :meth:`run`.

    References
    ----------
    Bi & Poo (1998) J Neurosci 18:10464, doi:10.1523/JNEUROSCI.18-24-10464.1998.
    Song, Miller & Abbott (2000) Nat Neurosci 3:919, doi:10.1038/78829.
    """

    pre = {"x": "tau_plus"}
    post = {"y": "tau_minus"}
    params = {
        "a_plus": 0.01,
        "a_minus": 0.0105,
        "tau_plus": 0.02,
        "tau_minus": 0.02,
        "w_min": 0.0,
        "w_max": 1.0,
    }

    @staticmethod
    def on_pre(w, y, a_minus, w_min, w_max):
        """Depression at a presynaptic arrival (compiled into the network loop).

        Parameters
        ----------
        w : float
            The weight.
        y : float
            The postsynaptic trace.
        a_minus, w_min, w_max : float
            The rule's parameters.

        Returns
        -------
        float
            The new weight, ``clip(w - a_minus y, w_min, w_max)``.
        """
        return min(max(w - a_minus * y, w_min), w_max)

    @staticmethod
    def on_post(w, x, a_plus, w_min, w_max):
        """Potentiation at a postsynaptic spike (compiled into the network loop).

        Parameters
        ----------
        w : float
            The weight.
        x : float
            The presynaptic trace.
        a_plus, w_min, w_max : float
            The rule's parameters.

        Returns
        -------
        float
            The new weight, ``clip(w + a_plus x, w_min, w_max)``.
        """
        return min(max(w + a_plus * x, w_min), w_max)

    def __init__(
        self,
        a_plus: float = 0.01,
        a_minus: float = 0.0105,
        tau_plus: float = 0.02,
        tau_minus: float = 0.02,
        *,
        w_min: float = 0.0,
        w_max: float = 1.0,
    ) -> None:
        self.a_plus = check_nonnegative("STDP.a_plus", a_plus)
        self.a_minus = check_nonnegative("STDP.a_minus", a_minus)
        self.tau_plus = check_positive("STDP.tau_plus", tau_plus)
        self.tau_minus = check_positive("STDP.tau_minus", tau_minus)
        self.w_min = check_number("STDP.w_min", w_min, allow_inf=True)
        self.w_max = check_number("STDP.w_max", w_max, allow_inf=True)
        if not self.w_min <= self.w_max:
            raise ValidationError(
                f"STDP.w_min: must be <= w_max (got {w_min!r} > {w_max!r})"
            )

    def window(self, delta_t: Any) -> np.ndarray:
        """:math:`W(\\Delta t)` for ``delta_t = t_post - t_pre`` in seconds.

        Parameters
        ----------
        delta_t : array_like
            Spike-time differences ``t_post - t_pre`` in seconds.

        Returns
        -------
        numpy.ndarray
            Weight changes, the shape of ``delta_t``.
        """
        d = as_float_array("delta_t", delta_t)
        return np.where(
            d > 0,
            self.a_plus * np.exp(-np.abs(d) / self.tau_plus),
            np.where(d < 0, -self.a_minus * np.exp(-np.abs(d) / self.tau_minus), 0.0),
        )

    def weight_change(self, pre_times: Any, post_times: Any) -> float:
        """Total change of one synapse: the window summed over all spike pairs.

        Parameters
        ----------
        pre_times : (n_pre_spikes,) array_like
            Presynaptic spike times in seconds.
        post_times : (n_post_spikes,) array_like
            Postsynaptic spike times in seconds.

        Returns
        -------
        float
            The summed weight change.
        """
        pre = as_float_array("pre_times", pre_times, ndim=1)
        post = as_float_array("post_times", post_times, ndim=1)
        return float(self.window(post[:, None] - pre[None, :]).sum())

    def run(self, pre_spikes: Any, post_spikes: Any, dt: float, w0: Any) -> np.ndarray:
        """Apply the rule online to spike rasters; returns the final weights.

        Parameters
        ----------
        pre_spikes : (n_steps, n_pre) array of bool
            Presynaptic spikes, one row per step.
        post_spikes : (n_steps, n_post) array of bool
            Postsynaptic spikes, one row per step.
        dt : float
            Step, in seconds.
        w0 : (n_post, n_pre) array
            Initial weights (copied).

        Returns
        -------
        numpy.ndarray
            ``(n_post, n_pre)`` final weights, clipped to ``[w_min, w_max]``.
        """
        dt = check_dt(dt)
        pre = np.asarray(pre_spikes)
        post = np.asarray(post_spikes)
        if pre.ndim != 2 or post.ndim != 2 or len(pre) != len(post):
            raise ShapeError(
                "pre_spikes, post_spikes: expected (n_steps, n) arrays with the same "
                f"n_steps (got {pre.shape} and {post.shape})"
            )
        w = as_float_array("w0", w0, shape=(post.shape[1], pre.shape[1])).copy()
        stdp_run(
            pre != 0,
            post != 0,
            w,
            np.exp(-dt / self.tau_plus),
            np.exp(-dt / self.tau_minus),
            self.a_plus,
            self.a_minus,
            self.w_min,
            self.w_max,
        )
        return w
