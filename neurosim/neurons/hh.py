"""Hodgkin-Huxley neuron (classic 1952 squid giant axon)."""

from __future__ import annotations

from typing import Any, ClassVar

from .._validation import check_number, check_positive
from .base import NeuronType


class HodgkinHuxley(NeuronType):
    r"""Hodgkin-Huxley neuron with the classic squid-axon parameters.

    Units: the model keeps its classic units for voltage (**mV**), current
    density (**uA/cm^2**), conductance (mS/cm^2) and capacitance (uF/cm^2);
    **time is in seconds at the API** (``dt``, ``t_end``, spike times, rates in
    Hz), converted to ms at the kernel boundary.

    .. math::

        C \frac{dV}{dt} = I - \bar g_{Na} m^3 h (V - E_{Na})
                          - \bar g_K n^4 (V - E_K) - g_L (V - E_L)

        \frac{dx}{dt} = \alpha_x(V) (1 - x) - \beta_x(V) x, \quad x \in \{m, h, n\}

    with the modern (rest at -65 mV) rate functions, in 1/ms and mV::

        a_m = 0.1 (V+40) / (1 - exp(-(V+40)/10))   b_m = 4 exp(-(V+65)/18)
        a_h = 0.07 exp(-(V+65)/20)                 b_h = 1 / (1 + exp(-(V+35)/10))
        a_n = 0.01 (V+55) / (1 - exp(-(V+55)/10))  b_n = 0.125 exp(-(V+65)/80)

    The removable singularities of ``a_m`` (-40 mV) and ``a_n`` (-55 mV) are
    evaluated through a series, so ``V`` exactly at them is fine. A simulation
    starts at ``V = v_init`` with every gate at its steady state there. A spike
    is an upward crossing of ``v_spike``; its time is located inside the step
    on the cubic Hermite interpolant of ``V``.

    Parameters
    ----------
    C : float
        Membrane capacitance, uF/cm^2. Default 1.
    g_na, g_k, g_l : float
        Maximal sodium, potassium and leak conductances, mS/cm^2 (>= 0).
        Defaults 120, 36, 0.3.
    e_na, e_k, e_l : float
        Reversal potentials, mV. Defaults 50, -77, -54.4.
    v_init : float
        Initial membrane potential, mV. Default -65.
    v_spike : float
        Spike detection threshold (upward crossing), mV. Default -20.

    Notes
    -----
    Integrators (``simulate_neurons(..., method=...)``):
    ``"exponential_euler"`` (Brian2's scheme, first order, bounded for any
    ``dt``) and ``"rk4"`` (fourth order; diverges for steps above about
    0.08 ms, reported as :class:`~neurosim.exceptions.UnstableStepError`).

    References
    ----------
    Hodgkin, A. L. & Huxley, A. F. (1952). J. Physiol. 117, 500-544.
    doi:10.1113/jphysiol.1952.sp004764

    Examples
    --------
    >>> import neurosim as ns
    >>> rec = ns.simulate_neurons(ns.HodgkinHuxley(), 10.0, dt=1e-5, t_end=0.02,
    ...                           method="rk4", record_v=False)
    >>> [round(t * 1e3, 3) for t in rec.spike_times[0]]
    [1.819, 16.72]
    """

    # No closed-form rate curve: :func:`neurosim.neuron_rates` counts settled
    # spikes over 0.8 s, with RK4 at 10 us (rates exact to one count, 1.25 Hz).
    rate_options: ClassVar[dict[str, Any]] = {
        "dt": 1e-5,
        "t_end": 1.0,
        "settle": 0.2,
        "method": "rk4",
    }

    def __init__(
        self,
        C: float = 1.0,
        g_na: float = 120.0,
        g_k: float = 36.0,
        g_l: float = 0.3,
        e_na: float = 50.0,
        e_k: float = -77.0,
        e_l: float = -54.4,
        v_init: float = -65.0,
        v_spike: float = -20.0,
    ) -> None:
        name = type(self).__name__
        self.C = check_positive(f"{name}.C", C)
        self.g_na = check_number(f"{name}.g_na", g_na, low=0.0)
        self.g_k = check_number(f"{name}.g_k", g_k, low=0.0)
        self.g_l = check_positive(f"{name}.g_l", g_l)
        self.e_na = check_number(f"{name}.e_na", e_na)
        self.e_k = check_number(f"{name}.e_k", e_k)
        self.e_l = check_number(f"{name}.e_l", e_l)
        self.v_init = check_number(f"{name}.v_init", v_init)
        self.v_spike = check_number(f"{name}.v_spike", v_spike)

    def kernel_params(self) -> tuple[float, ...]:
        """The parameter tuple of :func:`neurosim.kernels.hh.hh_step`.

        Returns
        -------
        tuple of float
            ``(C, g_na, g_k, g_l, e_na, e_k, e_l, v_spike)`` in the model's units
            (uF/cm^2, mS/cm^2, mV).
        """
        return (
            self.C,
            self.g_na,
            self.g_k,
            self.g_l,
            self.e_na,
            self.e_k,
            self.e_l,
            self.v_spike,
        )

    def initial_state(self) -> tuple[float, float, float, float]:
        """``(V, m, h, n)`` at rest: ``v_init`` and the gates' steady states.

        Returns
        -------
        tuple of float
            ``(V, m, h, n)``: the membrane potential in mV and the gating variables
            (dimensionless).
        """
        from ..kernels.hh import hh_steady_state

        return (self.v_init, *hh_steady_state(self.v_init))
