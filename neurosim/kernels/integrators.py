"""Integration methods for model derivatives, registered by name.

An integrator renders the body of one step as Python source lines (the
engine compiles them with the rest of the generated module, for the CPU and
for CUDA). It receives an :class:`IntegratorContext` and returns the lines
that assign ``ctx.new[x]`` for every state variable ``x`` from the values at
the start of the step (all variables advance together, from the same start:
an explicit scheme on the whole vector). ``_dt`` is the step in the model's
time unit. Register another method with :func:`register_integrator`, as
Brian2's ``StateUpdateMethod.register``:

``euler``
    ``x' = x + dt f(x)`` (first order).
``rk2``
    The midpoint method, Brian2's ``rk2``:
    ``k = dt f(x)``, ``x' = x + dt f(x + k / 2)`` (second order).
``rk4``
    Classic Runge-Kutta, in Brian2's form ``k_i = dt f(...)``,
    ``x' = x + (k_1 + 2 k_2 + 2 k_3 + k_4) / 6`` (fourth order).
``exponential_euler``
    For equations linear in their own variable, ``dx/dt = A + B x`` with
    ``A``, ``B`` depending on the other variables (held at their values at
    the step start): ``x' = x + f(x) dt phi(B dt)``, ``phi(z) = (e^z - 1) / z``,
    which is Brian2's ``-A/B + (x + A/B) exp(B dt)`` written so that it stays
    accurate as ``B -> 0``. ``B = (f(x + h) - f(x)) / h`` (``h = 1 + |x|``) is
    exact up to rounding for a linear equation; linearity is checked when the
    model is compiled (:func:`neurosim.kernels.models.check_linear`). The
    shifted values come from :attr:`IntegratorContext.coefficients` (only
    the statements of the derivatives that depend on ``x`` and feed
    ``dx/dt`` are evaluated again, :mod:`neurosim.kernels.slicing`), or,
    for derivatives whose source cannot be sliced, from one more call of
    the derivatives per variable.

Refractory clamping multiplies the derivatives of held variables by
``_nr`` (0.0 while refractory, else 1.0) at every stage, as Brian2's
``(unless refractory)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class IntegratorContext:
    """What an integrator needs to render one step.

    Attributes
    ----------
    state : list of str
        State variables, in order.
    new : dict
        ``{x: local name}`` the rendered lines must assign.
    derivs : callable
        ``derivs(tag, values)`` renders a call of the model's derivatives at
        ``values`` (``{x: expression}``; missing ones are the start values)
        and returns ``(lines, {x: local name of dx/dt})``.
    coefficients : callable or None
        For methods registered ``linear``: ``coefficients(tag)`` renders, at
        the start values, every ``dx/dt`` and its coefficient ``B`` in
        ``dx/dt = A + B x`` and returns ``(lines, {x: dx/dt}, {x: B})``,
        at about the cost of one evaluation of the derivatives. None when
        the derivatives' source cannot be sliced per variable
        (:func:`neurosim.kernels.slicing.render_shifted`).
    """

    state: list[str]
    new: dict[str, str]
    derivs: Callable[[str, dict[str, str]], tuple[list[str], dict[str, str]]]
    coefficients: (
        Callable[[str], tuple[list[str], dict[str, str], dict[str, str]]] | None
    ) = None


def euler(ctx: IntegratorContext) -> list[str]:
    """Forward Euler."""
    lines, f = ctx.derivs("_f", {})
    lines += [f"{ctx.new[x]} = {x} + _dt * {f[x]}" for x in ctx.state]
    return lines


def rk2(ctx: IntegratorContext) -> list[str]:
    """Midpoint method (Brian2's ``rk2``)."""
    lines, f1 = ctx.derivs("_f1", {})
    lines += [f"_k1_{x} = _dt * {f1[x]}" for x in ctx.state]
    more, f2 = ctx.derivs("_f2", {x: f"{x} + 0.5 * _k1_{x}" for x in ctx.state})
    lines += more
    lines += [f"{ctx.new[x]} = {x} + _dt * {f2[x]}" for x in ctx.state]
    return lines


def rk4(ctx: IntegratorContext) -> list[str]:
    """Classic fourth-order Runge-Kutta (Brian2's ``rk4``)."""
    lines: list[str] = []
    # stage s evaluates f at x + c k_{s-1}: c = 0.5, 0.5, 1
    for s, c in ((1, ""), (2, "0.5 * "), (3, "0.5 * "), (4, "")):
        at = {x: f"{x} + {c}_k{s - 1}_{x}" for x in ctx.state} if s > 1 else {}
        more, f = ctx.derivs(f"_f{s}", at)
        lines += more
        lines += [f"_k{s}_{x} = _dt * {f[x]}" for x in ctx.state]
    lines += [
        f"{ctx.new[x]} = {x} + (_k1_{x} + 2.0 * _k2_{x} + 2.0 * _k3_{x} + _k4_{x})"
        " / 6.0"
        for x in ctx.state
    ]
    return lines


def exponential_euler(ctx: IntegratorContext) -> list[str]:
    """Exponential Euler for equations linear in their own variable."""
    if ctx.coefficients is not None:
        lines, f, B = ctx.coefficients("_f")
        lines += [f"_z_{x} = {B[x]} * _dt" for x in ctx.state]
    else:  # one more evaluation of the whole right-hand side per variable
        lines, f = ctx.derivs("_f", {})
        for x in ctx.state:
            lines.append(f"_h_{x} = 1.0 + abs({x})")
            more, fh = ctx.derivs(f"_fh_{x}", {x: f"{x} + _h_{x}"})
            lines += more
            lines.append(f"_z_{x} = (({fh[x]}) - ({f[x]})) / _h_{x} * _dt")
    # phi(z) = (e^z - 1) / z through exp, about a third of the cost of expm1
    # (measured: Traub-Miles steps 11 % faster). For |z| > 0.01 the
    # cancellation in e^z - 1 costs at most ~eps / |z| ~ 2e-14 relative;
    # below, the Taylor series to z^5 errs by under z^6 / 5040 ~ 2e-16.
    for x in ctx.state:
        z = f"_z_{x}"
        taylor = f"{z} / 720.0"
        for k in (120.0, 24.0, 6.0, 2.0):
            taylor = f"{z} * ({1 / k!r} + {taylor})"
        lines.append(
            f"_phi_{x} = (math.exp({z}) - 1.0) / {z} if abs({z}) > 0.01 "
            f"else 1.0 + {taylor}"
        )
    lines += [f"{ctx.new[x]} = {x} + {f[x]} * _dt * _phi_{x}" for x in ctx.state]
    return lines


#: name -> renderer; :func:`register_integrator` adds more.
INTEGRATORS: dict[str, Callable[[IntegratorContext], list[str]]] = {
    "euler": euler,
    "rk2": rk2,
    "rk4": rk4,
    "exponential_euler": exponential_euler,
}

#: Methods that need each derivative linear in its own variable.
LINEAR_METHODS = {"exponential_euler"}


def register_integrator(
    name: str, render: Callable[[IntegratorContext], list[str]], *, linear: bool = False
) -> None:
    """Register an integration method under ``name``.

    ``render(ctx)`` returns source lines (see :class:`IntegratorContext`);
    ``linear=True`` makes models using it pass the linearity check.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name: expected an identifier (got {name!r})")
    INTEGRATORS[name] = render
    if linear:
        LINEAR_METHODS.add(name)
