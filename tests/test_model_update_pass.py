"""The CPU network loop's vectorised update pass against the plain step.

A model group's CPU step runs a flat update pass (the step and the model's
functions pasted into one loop over neurons, so LLVM vectorises it) and then
a scalar pass for the spike rule. The update pass must give, bit for bit, the
state that the generated per-neuron step function gives when called on each
neuron alone (the un-inlined evaluation, the one the CUDA kernels call), for
every integration method, refractory or not, with the vector loop's tail.
"""

import numpy as np
import pytest

import neurosim as ns
from neurosim.kernels.models import compile_network_loop, param_names

N = 37  # a vector body and a scalar remainder

CASES = [
    (ns.TraubMiles(), "exponential_euler", {"v": (-80.0, 30.0)}),
    (ns.Izhikevich.from_set("CH"), "euler", {"v": (-70.0, 35.0)}),
    (ns.AdEx(), "rk4", {"v": (-70.0, -45.0)}),
    (ns.AdaptiveLIF(), "exact", {"v": (0.0, 1.2)}),
    (ns.AdaptiveThresholdLIF(), "update", {"v": (0.0, 1.2)}),
]


def _arrays(model, method, ranges, rng):
    cls = type(model)
    state = np.concatenate([
        rng.uniform(*ranges.get(x, (0.0, 1.0)), N) for x in cls.state
    ])  # fmt: skip
    values = model.param_values()
    par = np.concatenate([
        np.broadcast_to(values[p], N) * rng.uniform(0.9, 1.1, N)
        if p in values else rng.uniform(-0.1, 0.1, N)  # hidden (propagators)
        for p in param_names(cls, method)
    ])  # fmt: skip
    n_ports = len(cls.inputs)
    syn = rng.uniform(0.0, 2.0, N * n_ports) * 10.0 ** rng.integers(-1, 3)
    ref = rng.integers(0, 3, N) * rng.integers(0, 2, N)  # some refractory
    return state, par, syn, ref.astype(np.int64)


@pytest.fixture(scope="module")
def module():
    """One generated network loop with every case's kind (kind k = CASES[k])."""
    return compile_network_loop([c[0] for c in CASES], [c[1] for c in CASES])


IDS = [f"{type(c[0]).__name__}-{c[1]}" for c in CASES]


@pytest.mark.parametrize("k", range(len(CASES)), ids=IDS)
def test_update_pass_equals_per_neuron_step(module, k):
    model, method, ranges = CASES[k]
    cls = type(model)
    update, step = getattr(module, f"_update{k}_cpu"), getattr(module, f"_step{k}_cpu")
    rng = np.random.default_rng(5)
    state, par, syn, ref = _arrays(model, method, ranges, rng)
    gain, bias = rng.uniform(0.5, 1.5, N), rng.uniform(-1.0, 1.0, N)
    dt = 0.1 if cls.time_unit == 1e-3 else 1e-4
    f = np.array([dt, 1e-4, 0.0, 0.0])
    S, P = len(cls.state), len(param_names(cls, method))

    got = state.copy()
    with np.errstate(all="ignore"):
        update(0, N, 0, 0, 0, N, f, got, par, ref, syn, gain, bias)
    want = state.copy().reshape(S, N)
    for j in range(N):
        ports = [gain[j] * syn[j] + bias[j]]
        ports += [syn[N + (p - 1) * N + j] for p in range(1, len(cls.inputs))]
        nr = 1.0 if ref[j] == 0 else 0.0
        new = step(*want[:, j], *ports, *par.reshape(P, N)[:, j], dt, nr)
        want[:, j] = new
    np.testing.assert_array_equal(got.reshape(S, N), want)
    assert not np.array_equal(got, state)


def test_traub_miles_update_pass_is_flat_and_vectorised(module):
    """No call left in the loop body; LLVM emits vector arithmetic for it."""
    mod = module
    src = mod._update0_cpu.py_func.__code__.co_names
    assert not any(n.startswith(("_step0", "_m0_")) for n in src)
    assert "vec_exp" in src and "vec_expm1" in src
    f = np.array([0.1, 1e-4, -20.0, 3.0])
    state, par, ref = np.zeros(4 * N), np.ones(10 * N), np.zeros(N, np.int64)
    syn, gain, bias = np.zeros(3 * N), np.ones(N), np.zeros(N)
    mod._update0_cpu(0, N, 0, 0, 0, N, f, state, par, ref, syn, gain, bias)
    ir = "".join(mod._update0_cpu.inspect_llvm().values())
    assert "x double>" in ir
