"""Exponential Euler's coefficients from per-variable slices of the derivatives.

References: the model's own ``derivatives`` evaluated in full at the shifted
point (the slices must reproduce it to the last bit), and the closed form of
one exponential-Euler step, ``x' = x_inf + (x - x_inf) exp(B dt)`` with
``x_inf = -A / B``, for a model whose coefficients ``A`` and ``B`` are known
functions of the state and inputs.
"""

import ast
import inspect
import math
import textwrap

import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError
from neurosim.kernels.slicing import render_shifted


def _tree(fn):
    return ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]


def _compiled(fn, n_state, shifted):
    out = render_shifted(_tree(fn), n_state, shifted)
    assert out is not None
    node, extra = out
    node.decorator_list = []
    scope = {"math": math, "np": np}
    exec(compile(ast.Module([node], []), "<shifted>", "exec"), scope)
    return scope[node.name], extra


def _check_slices(fn, state, shifted, rng, n_points=50, scale=1.0):
    """Every g_j equals fn's j-th entry at the shifted arguments, bit for bit."""
    compiled, extra = _compiled(fn, len(state), shifted)
    args = list(inspect.signature(fn).parameters)
    assert [len(e) for e in extra] == [len(s) for s in shifted]
    for _ in range(n_points):
        values = dict(zip(args, rng.uniform(-1.0, 1.0, len(args)) * scale, strict=True))
        moved = [
            {a: values[a] + rng.uniform(0.5, 2.0) for a in names} for names in shifted
        ]
        got = compiled(*values.values(), *[m[a] for m in moved for a in m])
        f = fn(*values.values())
        f = f if isinstance(f, tuple) else (f,)
        assert got[: len(state)] == f
        for j, m in enumerate(moved):
            full = fn(*{**values, **m}.values())
            full = full if isinstance(full, tuple) else (full,)
            assert got[len(state) + j] == full[j], (state[j], got, full)


def _tricky(x, y, w, I, a):
    z = x * a
    t = z + 1.0 + I
    z = w * 2.0  # x no longer reaches z
    if y > 0.0:
        t += y * x
    else:
        q = y
        t = t - q
    acc = 0.0
    for k in range(3):
        acc += x * k + w
    acc *= a
    return z * x + t + acc, (y - t) * a + z, -w * acc


def test_slices_reproduce_full_evaluations_with_reassignments_branches_and_loops(rng):
    # shifting x also moves the input I (as a conductance port on x does)
    _check_slices(_tricky, ["x", "y", "w"], [["x", "I"], ["y"], ["w"]], rng)


@pytest.mark.parametrize(
    "model", [ns.TraubMiles, ns.AdaptiveLIF, ns.AdEx, ns.ExpIF, ns.Izhikevich]
)
def test_slices_of_the_zoo_reproduce_full_evaluations(model, rng):
    from neurosim.neurons.model import function_args, raw_function

    fn = raw_function(model, "derivatives")
    args = function_args(model, "derivatives", fn)
    shifted = [[x] if x in args else [] for x in model.state]
    if model is ns.TraubMiles:  # ge, gi feed I, so shifting v moves I
        shifted[0].append("I")
    # values of the model's own scale keep exp() finite and rates nonzero
    _check_slices(fn, list(model.state), shifted, rng, scale=0.5)


def test_a_step_is_the_closed_form_of_linear_coefficients():
    # v: tau dv/dt = E_l - v + R (I + ge (E_e - v))  (ge a conductance port)
    # m: dm/dt = a(v) (1 - m) - b(v) m, rates held at the step's start v
    # Each equation is linear in its own variable, so an exponential-Euler step
    # is x' = x_inf + (x - x_inf) exp(B dt), B and x_inf from the start values.
    dt, n_steps, I, ge = 0.05, 400, 2.0, 0.3

    class Gate(ns.NeuronModel):
        time_unit = 1e-3
        state = {"v": -65.0, "m": 0.05}
        params = {"tau": 10.0, "E_l": -65.0, "R": 5.0, "E_e": 0.0}
        inputs = {"I": ns.Current(), "ge": ns.Conductance(E="E_e")}
        method = "exponential_euler"

        @staticmethod
        def derivatives(v, m, I, tau, E_l, R):
            u = v + 40.0
            z = u / 10.0
            a = 0.1 * math.exp(z)
            z = -u / 20.0  # a reused name, as in Traub-Miles' rates
            b = 0.2 * math.exp(z)
            dv = (E_l - v + R * I) / tau
            dm = a * (1.0 - m) - b * m
            return dv, dm

    rec = ns.simulate_neurons(
        Gate(), {"I": I, "ge": ge}, dt=dt * 1e-3, t_end=n_steps * dt * 1e-3,
        record=True,
    )  # fmt: skip
    v, m = -65.0, 0.05
    ref = np.empty((n_steps, 2))
    for k in range(n_steps):
        Bv = -(1.0 + 5.0 * ge) / 10.0
        v_inf = (-65.0 + 5.0 * (I + ge * 0.0)) / (1.0 + 5.0 * ge)
        a, b = 0.1 * math.exp((v + 40.0) / 10.0), 0.2 * math.exp(-(v + 40.0) / 20.0)
        m_inf = a / (a + b)
        v, m = (
            v_inf + (v - v_inf) * math.exp(Bv * dt),
            (m_inf + (m - m_inf) * math.exp(-(a + b) * dt)),
        )
        ref[k] = v, m
    assert abs(ref[-1, 0] - ref[0, 0]) > 10.0  # the test moves far from the start
    # B comes from a difference quotient over h = 1 + |x| (~66 mV for v):
    # rounding of f(x + h) - f(x) is ~eps |f| / (|B| h) relative, ~1e-15 here,
    # and each step contracts; 1e-12 is a thousand times that. A wrong B
    # (e.g. missing the conductance's -ge R / tau) errs by ~1e-3 per step.
    np.testing.assert_allclose(rec.state["v"][:, 0], ref[:, 0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(rec.state["m"][:, 0], ref[:, 1], rtol=1e-12, atol=0)


def test_a_nonlinear_gate_is_refused_naming_the_variable():
    class SquaredGate(ns.NeuronModel):
        time_unit = 1e-3
        state = {"v": -65.0, "m": 0.1}
        params = {"tau": 10.0}
        inputs = ("I",)
        method = "exponential_euler"

        @staticmethod
        def derivatives(v, m, I, tau):
            return (-65.0 - v + I) / tau, 0.5 * (1.0 - m) - 2.0 * m * m

    with pytest.raises(ValidationError, match=r"SquaredGate.*dm/dt linear in m"):
        ns.simulate_neurons(SquaredGate(), 1.0, dt=1e-4, t_end=1e-3)


def test_a_derivatives_with_an_early_return_is_not_sliced_and_still_exact():
    def early(v, I):
        if v > 1e9:
            return 0.0
        return I - v

    assert render_shifted(_tree(early), 1, [["v"]]) is None

    class Early(ns.NeuronModel):
        state = {"v": 0.0}
        inputs = ("I",)
        method = "exponential_euler"

        @staticmethod
        def derivatives(v, I):
            if v > 1e9:
                return 0.0
            return (I - v) / 0.02

    rec = ns.simulate_neurons(Early(), 1.5, dt=1e-4, t_end=0.01, record=True)
    t = np.arange(1, 101) * 1e-4
    # exact for constant coefficients: v = 1.5 (1 - exp(-t / 20 ms))
    np.testing.assert_allclose(
        rec.state["v"][:, 0], 1.5 * -np.expm1(-t / 0.02), rtol=1e-12, atol=0
    )
