"""Izhikevich (2003) simple spiking model, written through :class:`NeuronModel`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .model import NeuronModel


class Izhikevich(NeuronModel):
    r"""Izhikevich's simple model (2003), in its own units (mV, ms).

    .. math::

        \frac{dv}{dt} = 0.04 v^2 + 5 v + 140 - u + I, \qquad
        \frac{du}{dt} = a (b v - u)

    with ``v`` in mV and ``t`` in ms (the API stays in seconds: ``dt`` and
    spike times are converted at the boundary by ``time_unit = 1e-3``). When
    ``v`` exceeds 30 mV the neuron spikes and ``v <- c``, ``u <- u + d``.
    ``I`` is the paper's dimensionless input (mV/ms). Integrated by forward
    Euler by default (the paper's own scheme, there with 0.5 ms half steps
    for ``v``); ``method="rk4"`` is more accurate at the same ``dt``.

    Parameters
    ----------
    a, b, c, d : float or (n,) array
        Recovery time scale (1/ms), recovery sensitivity, reset voltage (mV)
        and reset jump of ``u``. Defaults: regular spiking.

    Notes
    -----
    ``PARAMETER_SETS`` holds the paper's regular-spiking (``"RS"``),
    intrinsically-bursting (``"IB"``), chattering (``"CH"``) and fast-spiking
    (``"FS"``) sets; ``Izhikevich.from_set("CH")`` builds one. The initial
    state is ``v = -65`` mV, ``u = b v``.

    References
    ----------
    Izhikevich, E. M. (2003). Simple model of spiking neurons. IEEE Trans.
    Neural Netw. 14(6), 1569-1572. doi:10.1109/TNN.2003.820440
    """

    time_unit = 1e-3
    state: ClassVar[dict[str, float]] = {"v": -65.0, "u": -13.0}
    params: ClassVar[dict[str, float]] = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}
    inputs = ("I",)
    units: ClassVar[dict[str, str]] = {"v": "mV", "u": "mV", "I": "mV/ms"}
    threshold = ("v", 30.0)
    method = "euler"
    rate_options: ClassVar[dict[str, Any]] = {"dt": 1e-4, "t_end": 1.0, "settle": 0.2}

    PARAMETER_SETS: ClassVar[dict[str, dict[str, float]]] = {
        "RS": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
        "IB": {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0},
        "CH": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
        "FS": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
    }

    @staticmethod
    def derivatives(v, u, I, a, b):
        """Right-hand side.

        Parameters
        ----------
        v, u : float
            Membrane potential and recovery variable, mV.
        I : float
            Input, mV/ms.
        a, b : float
            Recovery rate (1/ms) and sensitivity.

        Returns
        -------
        dv, du : float
            Derivatives, mV/ms.
        """
        return 0.04 * v * v + 5.0 * v + 140.0 - u + I, a * (b * v - u)

    @staticmethod
    def reset(v, u, c, d):
        """After a spike: ``v <- c``, ``u <- u + d``.

        Parameters
        ----------
        v, u : float
            State at the spike, mV.
        c, d : float
            Reset voltage and jump of ``u``, mV.

        Returns
        -------
        v, u : float
            State after the reset.
        """
        return c, u + d

    @classmethod
    def from_set(cls, name: str) -> Izhikevich:
        """The model with one of the paper's parameter sets.

        Parameters
        ----------
        name : {"RS", "IB", "CH", "FS"}
            Regular spiking, intrinsically bursting, chattering, fast spiking.

        Returns
        -------
        Izhikevich
        """
        from .._validation import check_choice

        return cls(**cls.PARAMETER_SETS[check_choice("name", name, cls.PARAMETER_SETS)])

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """``v = -65`` mV and ``u = b v`` (the paper's initial condition).

        Parameters
        ----------
        n : int
            Number of neurons.

        Returns
        -------
        dict of str to (n,) ndarray
            ``{"v": ..., "u": ...}``.
        """
        v = np.full(n, -65.0)
        return {"v": v, "u": np.broadcast_to(self.b, (n,)) * v}
