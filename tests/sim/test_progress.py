"""Progress bar and compile notice: on stderr, silenced by progress=False."""

import threading

import numba

import neurosim as ns
from neurosim import _jit
from neurosim.sim import neurons


def _net():
    net = ns.Network(seed=0)
    net.add(ns.NeuronGroup(10, ns.LIF()))
    return net


def test_bar_when_asked_even_for_a_short_run(capsys):
    sim = ns.Simulator(_net(), dt=1e-3, backend="cpu", progress=True)
    sim.run(0.01)
    err = capsys.readouterr().err
    assert "100.0%" in err and "s left" in err
    sim.run(0.01, progress=False)
    assert capsys.readouterr().err == ""
    ns.Simulator(_net(), dt=1e-3, backend="cpu").run(0.01)  # default: only if long
    assert "%" not in capsys.readouterr().err
    ns.Simulator(_net(), dt=1e-3, backend="cpu", progress=False).run(0.01, True)
    assert "100.0%" in capsys.readouterr().err


def _fresh_function():
    def f(x):
        return x * 2.0 + 1.0

    return numba.njit(cache=False)(f)


def test_compile_notice_once_and_only_when_allowed(capsys, monkeypatch):
    monkeypatch.setattr(_jit, "COMPILE_NOTICE_AFTER_S", 0.0)
    monkeypatch.setattr(_jit, "_compile_announced", threading.Event())
    with _jit.watch_compiles(notice=False) as watch:
        assert _fresh_function()(1.0) == 3.0
    assert watch.seconds > 0
    assert capsys.readouterr().err == ""
    for _ in range(2):
        with _jit.watch_compiles(notice=True) as watch:
            _fresh_function()(1.0)
        assert watch.seconds > 0
    err = capsys.readouterr().err
    assert err.count("compiling kernels, first run only") == 1
    # a compile that ends before the threshold is not announced
    monkeypatch.setattr(_jit, "COMPILE_NOTICE_AFTER_S", 60.0)
    monkeypatch.setattr(_jit, "_compile_announced", threading.Event())
    with _jit.watch_compiles(notice=True):
        _fresh_function()(1.0)
    assert capsys.readouterr().err == ""
    # calls of compiled code are not compiles
    g = _fresh_function()
    g(1.0)
    with _jit.watch_compiles(notice=True) as watch:
        g(2.0)
    assert watch.seconds == 0.0


def test_simulate_neurons_announces_its_compiles_once(capsys, monkeypatch):
    # A cold numba cache makes the first call compile for tens of seconds; a
    # fresh function compiled inside the call stands in for those kernels, so
    # the test does not depend on what this process has compiled already.
    monkeypatch.setattr(_jit, "COMPILE_NOTICE_AFTER_S", 0.0)
    monkeypatch.setattr(_jit, "_compile_announced", threading.Event())
    real_run = neurons._run

    def run_that_compiles(*args, **kwargs):
        assert _fresh_function()(1.0) == 3.0
        return real_run(*args, **kwargs)

    monkeypatch.setattr(neurons, "_run", run_that_compiles)
    for _ in range(2):
        rec = ns.simulate_neurons(ns.LIF(), 1.5, dt=1e-3, t_end=0.1, backend="cpu")
        assert rec.spike_counts.tolist() == [4]  # 41.7 Hz for 0.1 s
    out = capsys.readouterr()
    assert out.err.count("compiling kernels, first run only") == 1
    assert out.out == ""
    # a call that compiles nothing says nothing
    monkeypatch.setattr(_jit, "_compile_announced", threading.Event())
    monkeypatch.setattr(neurons, "_run", real_run)
    ns.simulate_neurons(ns.LIF(), 1.5, dt=1e-3, t_end=0.1, backend="cpu")
    assert capsys.readouterr().err == ""
