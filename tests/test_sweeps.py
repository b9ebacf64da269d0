"""Parameter sweeps: local worker processes and a real Dask LocalCluster.

The swept functions live at the top level of this module, so worker processes
(spawned, and Dask's nannies) import them by name; the Ctrl-C / resume test
runs a sweep of a function defined in ``python -c`` code (no file: the
notebook case, sent by value with cloudpickle).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import pytest

import neurosim as ns
from neurosim.exceptions import ValidationError

GRID = {"x": [-1.0, 0.5, 2.0], "y": [1, 3]}  # x < 0 raises: one failing point


def noisy(x, y, seed):
    """A result with noise from ``seed``, a vector result, and an error for x < 0."""
    if x < 0:
        raise ValueError(f"x must be >= 0 (got {x})")
    rng = np.random.default_rng(seed)
    return {"z": x * y + rng.normal(), "v": rng.random(3) + x, "n": y * 2}


def plain_loop(table):
    """The same rows computed one after another in this process."""
    out = []
    for i in range(table.n_rows):
        p = table.row_params(i)
        try:
            out.append(noisy(**p, seed=int(table["seed"][i])))
        except ValueError as e:
            out.append(f"ValueError: {e}")
    return out


def assert_same_rows(a, b):
    """Two tables hold the same rows (in any order), results bit for bit."""
    key = lambda t, i: (json.dumps(t.row_params(i), sort_keys=True), t["repeat"][i])  # noqa: E731
    ia = sorted(range(a.n_rows), key=lambda i: key(a, i))
    ib = sorted(range(b.n_rows), key=lambda i: key(b, i))
    for name in ("repeat", "seed", "error", *a.parameters, *a.results):
        np.testing.assert_array_equal(a[name][ia], b[name][ib], err_msg=name)


def check_against_loop(table):
    for i, expected in enumerate(plain_loop(table)):
        if isinstance(expected, str):
            assert table["error"][i] == expected
            assert np.isnan(table["z"][i]) and np.isnan(table["n"][i])
        else:
            assert table["error"][i] == ""
            for name, value in expected.items():
                np.testing.assert_array_equal(table[name][i], value)


@pytest.fixture(scope="module")
def pool():
    with ns.sweeps.LocalWorkers(2) as workers:
        yield workers


@pytest.fixture(scope="module")
def local_table(pool):
    return ns.sweep(noisy, GRID, n_seeds=2, client=pool, progress=False)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"NUMBA_NUM_THREADS": "1"},
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


# --- seeds ---------------------------------------------------------------------


def test_seed_is_the_documented_sha256_seedsequence():
    point = {"y": 3, "x": 0.1}
    text = '{"x":0.1,"y":3}'  # sorted keys, shortest float repr
    words = np.frombuffer(hashlib.sha256(text.encode()).digest()[:16], "<u4")
    for base, r in [(0, 0), (0, 4), (7, 1)]:
        ss = np.random.SeedSequence([base, *words.tolist(), r])
        expected = int(ss.generate_state(1, np.uint64)[0])
        assert ns.sweeps.point_seed(point, r, base) == expected


def test_seed_does_not_depend_on_the_process():
    code = "import neurosim as ns; print(ns.sweeps.point_seed({'x': 0.1, 'y': 3}, 2))"
    seeds = set()
    for hashseed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env
        )
        assert res.returncode == 0, res.stderr
        seeds.add(int(res.stdout))
    assert seeds == {ns.sweeps.point_seed({"x": 0.1, "y": 3}, 2)}


# --- local workers ---------------------------------------------------------------


def test_local_sweep_equals_plain_loop(local_table):
    t = local_table
    assert t.n_rows == 12 and t.parameters == ("x", "y")
    assert set(t.results) == {"z", "v", "n"} and t["v"].shape == (12, 3)
    # rows in the order given: grid order (y fastest), repeats together
    assert t["x"].tolist() == [-1.0] * 4 + [0.5] * 4 + [2.0] * 4
    assert t["y"].tolist() == [1, 1, 3, 3] * 3 and t["repeat"].tolist() == [0, 1] * 6
    for i in range(t.n_rows):
        seed = ns.sweeps.point_seed(t.row_params(i), int(t["repeat"][i]))
        assert int(t["seed"][i]) == seed
    check_against_loop(t)
    assert (~t.ok).sum() == 4 and t["n"].dtype == np.float64  # NaN in failed rows
    assert len(set(t["worker"][t.ok])) >= 1


def test_one_worker_and_shuffled_points_give_the_same_table(local_table):
    points = [{"x": x, "y": y} for x in GRID["x"] for y in GRID["y"]][::-1]
    t1 = ns.sweep(noisy, points, n_seeds=2, n_workers=1, progress=False)
    assert_same_rows(local_table, t1)


def test_table_aggregate_where_and_load(local_table, pool, tmp_path):
    t = local_table
    levels, mean, std, count = t.aggregate("z", by=["x"])
    assert levels[0].tolist() == [-1.0, 0.5, 2.0] and count.tolist() == [0, 4, 4]
    for k, x in enumerate(levels[0][1:], start=1):
        rows = t["z"][t["x"] == x]
        np.testing.assert_allclose(mean[k], rows.mean(), rtol=1e-12)
        np.testing.assert_allclose(std[k], rows.std(ddof=1), rtol=1e-12)
    assert np.isnan(mean[0]) and np.isnan(std[0])
    sub = t.where(x=2.0, y=3)
    assert sub.n_rows == 2 and np.all(sub["x"] == 2.0) and np.all(sub["y"] == 3)
    levels2, mean2, _, _ = t.aggregate("v", by=["x", "y"])
    assert mean2.shape == (3, 2, 3)
    np.testing.assert_allclose(mean2[2, 1], sub["v"].mean(axis=0), rtol=1e-12)
    # a folder read back gives the same rows
    out = tmp_path / "s"
    t2 = ns.sweep(noisy, GRID, n_seeds=2, client=pool, out=out, progress=False)
    assert_same_rows(t, t2)
    assert_same_rows(t, ns.sweeps.load(out))


def test_to_pandas(local_table):
    pd = pytest.importorskip("pandas")
    df = local_table.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == local_table.n_rows
    np.testing.assert_array_equal(df["z"].to_numpy(), local_table["z"])


def sleepy(x, nap=20.0):
    if x == 1:
        time.sleep(nap)
    return float(x)


def test_local_time_limit_marks_the_point_failed(pool):
    t = ns.sweep(sleepy, {"x": [0, 1, 2]}, client=pool, timeout=1.0, progress=False)
    assert t["error"][1].startswith("TimeoutError")
    assert t["error"][0] == t["error"][2] == ""
    assert t["result"][[0, 2]].tolist() == [0.0, 2.0]


def dies_once(x, marker_dir):
    """Kills its own worker process the first time it runs point x == 2."""
    if x == 2:
        try:
            os.close(os.open(Path(marker_dir) / "died", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return float(x) ** 2


def dies_always(x):
    if x == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return float(x)


def test_local_dead_worker_reruns_its_point(pool, tmp_path):
    fn = functools.partial(dies_once, marker_dir=str(tmp_path))
    t = ns.sweep(fn, {"x": [0, 1, 2, 3]}, client=pool, progress=False)
    assert (tmp_path / "died").exists()  # a worker did die
    assert t.ok.all() and t["result"].tolist() == [0.0, 1.0, 4.0, 9.0]
    t = ns.sweep(dies_always, {"x": [0, 1]}, client=pool, max_crashes=2, progress=False)
    assert t["error"][1].startswith("WorkerDied") and t["result"][0] == 0.0


@numba.njit(cache=False)
def _kernel(x, n):
    acc = 0.0
    for i in range(n):
        acc += np.sin(x * i)
    return acc


def jitted(x):
    return _kernel(x, 100)


def test_numba_compiles_once_per_worker_never_between_points(pool):
    # only this test runs _kernel (cache=False) on the pool: each worker compiles
    t = ns.sweep(jitted, {"x": np.linspace(0, 1, 6)}, client=pool, progress=False)
    np.testing.assert_allclose(
        t["result"], [_kernel.py_func(x, 100) for x in t["x"]], rtol=1e-12
    )
    for w in set(t["worker"]):
        c = t["compiles"][t["worker"] == w]
        assert c[0] > 0 and np.all(c[1:] == 0), (w, c)


def numba_threads(x):
    return numba.config.NUMBA_NUM_THREADS


def test_local_workers_run_one_numba_thread(pool):
    t = ns.sweep(numba_threads, {"x": [0, 1, 2]}, client=pool, progress=False)
    assert t["result"].tolist() == [1, 1, 1]


def parallel_kernels(tau_rc, seed):
    """A point run by two parallel (prange) kernels: LIF neurons and a Lowpass."""
    rng = np.random.default_rng(seed)
    current = 1.0 + rng.random((2000, 300))  # 300 neurons: several blocks of 64
    rec = ns.simulate_neurons(
        ns.LIF(tau_rc=tau_rc), current, dt=1e-4, t_end=0.2, backend="cpu"
    )
    filtered = ns.Lowpass(0.005).filt(current, dt=1e-4)
    return {
        "threads": numba.get_num_threads(),
        "counts": rec.spike_counts,
        "v": rec.v[::100],
        "spike_times": np.sort(rec.spike_times_flat)[:500],
        "filtered": filtered[::100],
    }


def test_kernels_give_the_same_result_whatever_their_thread_count():
    tables = []
    for threads in (1, 2):
        with ns.sweeps.LocalWorkers(1, threads_per_worker=threads) as workers:
            t = ns.sweep(
                parallel_kernels,
                {"tau_rc": [0.02, 0.05]},
                client=workers,
                progress=False,
            )
        assert t.ok.all(), t["error"]
        assert t["threads"].tolist() == [threads, threads]
        tables.append(t)
    one, two = tables
    assert one["counts"].sum() > 0
    for name in ("counts", "v", "spike_times", "filtered"):
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


# --- Ctrl-C, crash, resume ------------------------------------------------------

SCRIPT = """
import os, sys, time
import numpy as np
import neurosim as ns
def slow(x, seed):
    with open(os.environ["SWEEP_CALLS"], "a") as f:
        f.write(f"{x}\\n")
    time.sleep(0.25)
    return {"y": 2.0 * x + np.random.default_rng(seed).random()}
ns.sweep(slow, {"x": list(range(16))}, out=sys.argv[1], n_workers=2, progress=False)
"""


def _run_script(out, calls):
    env = dict(os.environ, SWEEP_CALLS=str(calls))
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)], env=env)


def _wait_for_rows(proc, out, n):
    deadline = time.monotonic() + 120
    while len(list((out / "points").glob("*.npz"))) < n:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)


def test_interrupted_sweep_keeps_rows_and_resumes_only_missing(tmp_path):
    """Ctrl-C (SIGINT), then a crash (SIGKILL), then a run that completes."""
    out = tmp_path / "out"
    done: set[int] = set()
    for i, sig in enumerate(["SIGINT", "SIGKILL"]):
        proc = _run_script(out, tmp_path / f"calls{i}")
        _wait_for_rows(proc, out, len(done) + 3)
        proc.send_signal(getattr(signal, sig))
        assert proc.wait(timeout=60) != 0
        calls = [int(s) for s in (tmp_path / f"calls{i}").read_text().split()]
        assert not done & set(calls)  # stored points never run again
        done = {int(x) for x in ns.sweeps.load(out)["x"]}
    kept = {p.name: p.read_bytes() for p in (out / "points").glob("*.npz")}
    assert 6 <= len(kept) < 16
    proc = _run_script(out, tmp_path / "calls")
    assert proc.wait(timeout=120) == 0
    calls = [int(s) for s in (tmp_path / "calls").read_text().split()]
    assert sorted(calls) == sorted(set(range(16)) - done)  # each missing one once
    for name, data in kept.items():  # finished rows untouched
        assert (out / "points" / name).read_bytes() == data
    t = ns.sweeps.load(out)
    assert t["x"].tolist() == list(range(16)) and t.ok.all()
    for i in range(16):
        rng = np.random.default_rng(int(t["seed"][i]))
        assert t["y"][i] == 2.0 * t["x"][i] + rng.random()


# --- Dask ----------------------------------------------------------------------


def test_dask_equals_local_and_plain_loop(client, local_table):
    t = ns.sweep(noisy, GRID, n_seeds=2, client=client, progress=False)
    assert_same_rows(local_table, t)
    check_against_loop(t)
    assert t["error"][0] == "ValueError: x must be >= 0 (got -1.0)"


DASK_SCRIPT = """
import sys, time
import numpy as np
import neurosim as ns
def slow(x, seed, calls=sys.argv[3]):
    with open(calls, "a") as f:
        f.write(f"{x}\\n")
    time.sleep(0.25)
    return {"y": 2.0 * x + np.random.default_rng(seed).random()}
ns.sweep(slow, {"x": list(range(16))}, out=sys.argv[1], client=sys.argv[2],
         progress=False)
"""


def test_dask_ctrl_c_cancels_pending_points_and_resume_runs_only_missing(
    client, tmp_path
):
    """SIGINT to a sweep on a cluster that outlives it, then the same sweep again."""
    out = tmp_path / "out"
    address = client.scheduler.address

    def start(calls):
        return subprocess.Popen(
            [sys.executable, "-c", DASK_SCRIPT, str(out), address, str(calls)],
            stderr=subprocess.PIPE,
            text=True,
        )

    def calls(name):
        path = tmp_path / name
        return [int(s) for s in path.read_text().split()] if path.exists() else []

    proc = start(tmp_path / "calls0")
    _wait_for_rows(proc, out, 3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    kept = {p.name: p.read_bytes() for p in (out / "points").glob("*.npz")}
    done = {int(x) for x in ns.sweeps.load(out)["x"]}
    assert 3 <= len(kept) == len(done) < 16
    # the 16 points take 2 s on the 2 workers: after 3 s every pending point
    # would have started. Besides the stored ones, only points already on a
    # worker ran: per worker one result in flight, one running, one queued
    time.sleep(3.0)
    started = calls("calls0")
    assert len(started) == len(set(started)) <= len(done) + 6 < 16
    proc = start(tmp_path / "calls1")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert sorted(calls("calls1")) == sorted(set(range(16)) - done)
    for name, data in kept.items():  # finished rows untouched
        assert (out / "points" / name).read_bytes() == data
    t = ns.sweeps.load(out)
    assert t["x"].tolist() == list(range(16)) and t.ok.all()
    for i in range(16):
        rng = np.random.default_rng(int(t["seed"][i]))
        assert t["y"][i] == 2.0 * t["x"][i] + rng.random()


def test_dask_worker_killed_loses_no_point(client, tmp_path):
    fn = functools.partial(dies_once, marker_dir=str(tmp_path))
    out = tmp_path / "out"
    t = ns.sweep(fn, {"x": [0, 1, 2, 3, 4]}, client=client, out=out, progress=False)
    assert (tmp_path / "died").exists()
    assert t.ok.all() and t["result"].tolist() == [0.0, 1.0, 4.0, 9.0, 16.0]
    assert len(list((out / "points").glob("*.npz"))) == 5  # no duplicate rows


def test_dask_time_limit(client):
    # Dask cannot stop a running task: the worker thread naps on for 4 s
    fn = functools.partial(sleepy, nap=4.0)
    t = ns.sweep(fn, {"x": [0, 1, 2]}, client=client, timeout=1.0, progress=False)
    assert t["error"][1].startswith("TimeoutError")
    assert t["result"][[0, 2]].tolist() == [0.0, 2.0]


def test_dask_scheduler_address(client):
    address = client.scheduler.address
    t = ns.sweep(jitted, {"x": [0.25, 0.5]}, client=address, progress=False)
    np.testing.assert_allclose(
        t["result"], [_kernel.py_func(x, 100) for x in (0.25, 0.5)], rtol=1e-12
    )


# --- bad input: clear errors before any work ---------------------------------------


def never(x, seed=0):
    raise AssertionError("must not run")


@pytest.mark.parametrize(
    "points, kwargs, exc, match",
    [
        ({"z": [1]}, {}, ValidationError, "no parameter 'z'"),
        ({"x": []}, {}, ValidationError, "axis is empty"),
        ([], {}, ValidationError, "list of points is empty"),
        ({}, {}, ValidationError, "no parameters"),
        ([{"x": 1}, {"y": 2}], {}, ValidationError, "same parameters"),
        ({"x": [1, 1]}, {}, ValidationError, "duplicates"),
        ([{"x": np.zeros(2)}], {}, TypeError, "point values must be"),
        ({"x": [float("nan")]}, {}, ValidationError, "finite"),
        ({"seed": [1]}, {}, ValidationError, "fills itself"),
        ({"x": [1]}, {"n_seeds": 0}, ValidationError, "n_seeds"),
        ({"x": [1]}, {"timeout": -1}, ValidationError, "timeout"),
        ({"x": [1]}, {"client": 3}, TypeError, "client"),
        ("x", {}, TypeError, "points"),
    ],
)
def test_bad_input(points, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ns.sweep(never, points, progress=False, **kwargs)


def no_seed(x):
    return x


def needs_y(x, y):
    return x


def test_bad_function_arguments():
    with pytest.raises(ValidationError, match="takes no 'seed'"):
        ns.sweep(no_seed, {"x": [1]}, n_seeds=2, progress=False)
    with pytest.raises(ValidationError, match=r"needs \['y'\]"):
        ns.sweep(needs_y, {"x": [1]}, progress=False)
    with pytest.raises(TypeError, match="callable"):
        ns.sweep(3, {"x": [1]}, progress=False)


def test_lambda_without_cloudpickle_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "cloudpickle", None)  # import fails
    with pytest.raises(TypeError, match="cloudpickle"):
        ns.sweep(lambda x: x, {"x": [1]}, progress=False)


def test_foreign_or_unrelated_folder_is_refused(pool, tmp_path):
    out = tmp_path / "s"
    ns.sweep(no_seed, {"x": [1, 2]}, out=out, client=pool, progress=False)
    before = sorted(p.name for p in (out / "points").iterdir())
    with pytest.raises(ValidationError, match="different sweep.*function"):
        ns.sweep(never, {"x": [1, 2]}, out=out, progress=False)
    with pytest.raises(ValidationError, match="different sweep.*seed"):
        ns.sweep(no_seed, {"x": [1, 2]}, out=out, seed=1, progress=False)
    assert sorted(p.name for p in (out / "points").iterdir()) == before
    # a partial's bound values are part of the sweep
    ns.sweep(functools.partial(needs_y, y=1), {"x": [1]}, out=tmp_path / "p",
             client=pool, progress=False)  # fmt: skip
    with pytest.raises(ValidationError, match=r"different sweep.*y=1.*y=2"):
        ns.sweep(functools.partial(needs_y, y=2), {"x": [1]}, out=tmp_path / "p")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not a sweep folder"):
        ns.sweep(no_seed, {"x": [1]}, out=tmp_path / "other", progress=False)


def ragged(x):
    return {"r": np.zeros(x)}


def stringy(x):
    return {"s": "text"}


def test_ragged_or_non_numeric_results_stop_the_sweep(pool, tmp_path):
    out = tmp_path / "r"
    with pytest.raises(ValidationError, match="one shape per column"):
        ns.sweep(ragged, {"x": [2, 3]}, client=pool, out=out, progress=False)
    assert len(list((out / "points").glob("*.npz"))) == 1  # the first is kept
    with pytest.raises(TypeError, match="not numbers"):
        ns.sweep(stringy, {"x": [1, 2]}, client=pool, progress=False)


def test_random_points():
    pts = ns.sweeps.random_points(
        50, {"a": (0.0, 1.0), "tau": (1e-3, 1e-1)}, seed=3, log=["tau"]
    )
    assert pts == ns.sweeps.random_points(
        50, {"a": (0.0, 1.0), "tau": (1e-3, 1e-1)}, seed=3, log=["tau"]
    )
    a = np.array([p["a"] for p in pts])
    tau = np.array([p["tau"] for p in pts])
    assert a.min() >= 0 and a.max() < 1 and tau.min() >= 1e-3 and tau.max() < 1e-1
    # log-uniform: about half the points below the geometric middle 1e-2
    assert 10 < (tau < 1e-2).sum() < 40
    with pytest.raises(ValidationError, match="low < high"):
        ns.sweeps.random_points(3, {"a": (1.0, 0.0)})


# --- plots ------------------------------------------------------------------------


def _grid_table():
    """A hand-made table: 3 a-values x 2 b-values x 3 repeats, one failed row."""
    a, b, rep = np.meshgrid([0.1, 1.0, 10.0], [1, 2], [0, 1, 2], indexing="ij")
    a, b, rep = a.ravel(), b.ravel(), rep.ravel()
    z = a * b + 0.1 * rep
    error = np.array([""] * a.size, dtype=object)
    error[0] = "ValueError: bad"
    z[0] = np.nan
    cols = {"a": a, "b": b, "repeat": rep, "error": error.astype(str), "z": z}
    return ns.sweeps.Table(cols, ["a", "b"], ["z"])


def test_sweep_line_draws_means_and_error_bars():
    from neurosim import plotting

    t = _grid_table()
    ax = plotting.sweep_line(t, "z", x="a", by="b", error="std")
    lines = [c.lines[0] for c in ax.containers]
    assert len(lines) == 2
    for line, b in zip(lines, [1, 2], strict=True):
        expected = [
            t["z"][(t["a"] == a) & (t["b"] == b) & t.ok].mean() for a in [0.1, 1, 10]
        ]
        np.testing.assert_allclose(line.get_xdata(), [0.1, 1.0, 10.0])
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-12)
    # the error bar of (a=1, b=2) spans mean +- std of its 3 repeats
    bars = ax.containers[1].lines[2][0].get_segments()[1]
    zs = t["z"][(t["a"] == 1.0) & (t["b"] == 2)]
    np.testing.assert_allclose(
        bars[:, 1], [zs.mean() - zs.std(ddof=1), zs.mean() + zs.std(ddof=1)]
    )
    import matplotlib.pyplot as plt

    plt.close("all")


def test_sweep_heatmap_shows_the_mean_grid():
    from neurosim import plotting

    t = _grid_table()
    ax = plotting.sweep_heatmap(t, "z", x="a", y="b")
    grid = ax.images[0].get_array()
    assert grid.shape == (2, 3)
    for i, b in enumerate([1, 2]):
        for j, a in enumerate([0.1, 1.0, 10.0]):
            sel = (t["a"] == a) & (t["b"] == b) & t.ok
            np.testing.assert_allclose(grid[i, j], t["z"][sel].mean(), rtol=1e-12)
    assert [tl.get_text() for tl in ax.get_xticklabels()] == ["0.1", "1", "10"]
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("cloudpickle", [True, False])
def test_function_of_a_script_loaded_by_path(pool, tmp_path, monkeypatch, cloudpickle):
    """As ``neurosim demo`` loads the examples: a made-up module name."""
    import importlib.util

    path = tmp_path / "script.py"
    path.write_text("def cube(x):\n    return float(x) ** 3\n")
    name = f"sweep_test_script_{cloudpickle}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, name, module)
    if not cloudpickle:
        monkeypatch.setitem(sys.modules, "cloudpickle", None)  # import fails
    t = ns.sweep(module.cube, {"x": [1, 2, 3]}, client=pool, progress=False)
    assert t.ok.all() and t["result"].tolist() == [1.0, 8.0, 27.0]
