"""Compile gate: every CUDA kernel compiles to SASS for sm_80 and sm_90, no spills.

Needs the real compilers (``pip install -e ".[gpu-compile]"``: NVVM and ptxas);
skipped without them, unless ``NEUROSIM_REQUIRE_COMPILE_GATE=1`` (the
``.ci/run`` step that installs them sets it), which turns the skip into a
failure. The report (registers, local memory per kernel) is written to
``$NEUROSIM_COMPILE_REPORT_DIR`` (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import numba
import pytest
from numba.core import types

from neurosim.kernels import compile_gate as gate

HERE = Path(__file__).resolve().parent
SIGNATURES = HERE / "cuda_signatures.json"

if numba.config.ENABLE_CUDASIM:
    pytest.skip("the gate needs the real numba.cuda target", allow_module_level=True)


@pytest.fixture(scope="module")
def ptxas():
    path, why = gate.find_tools()
    if path is None:
        if os.environ.get("NEUROSIM_REQUIRE_COMPILE_GATE") == "1":
            pytest.fail(f"compile gate required but {why}")
        pytest.skip(f"compile gate: {why}")
    return path


def test_types_round_trip():
    from collections import namedtuple

    Params = namedtuple("Params", ["tau", "vth"])
    for ty in (
        types.float64,
        types.int64,
        types.boolean,
        types.uint8,
        types.float32[:, ::1],
        types.Array(types.int64, 1, "A"),
        types.Array(types.float64, 2, "F", readonly=True),
        types.UniTuple(types.float64, 8),
        types.Tuple([types.int64, types.float32]),
        numba.typeof(Params(1.0, 2.0)),
    ):
        back = gate.decode_type(json.loads(json.dumps(gate.encode_type(ty))))
        assert back == ty or (  # a named tuple comes back as an equal-looking class
            isinstance(ty, types.BaseNamedTuple)
            and back.types == ty.types
            and back.instance_class._fields == ty.instance_class._fields
        ), (ty, back)


def test_signature_file_covers_every_kernel():
    """Every kernel of the package has a signature; the file has no stale key."""
    table = gate.load_signatures(SIGNATURES)
    gate.run_recipes(table)  # generated kernels register when generated
    kernels = gate.discover()
    assert kernels
    todo, problems = gate.plan(kernels, table)
    assert problems == []
    assert all(todo.values())


def _fixture_package(root: Path) -> None:
    """A package with the cases the gate must tell apart."""
    pkg = root / "gatefx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from numba import cuda

        from neurosim._jit import cuda_kernel


        def _sync(x):  # grid synchronisation: links libcudadevrt
            g = cuda.cg.this_grid()
            i = cuda.grid(1)
            if i < x.size:
                x[i] += 1.0
            g.sync()


        def _spill(x):  # 20 live doubles under a 16-register cap: spills
            i = cuda.grid(1)
            v = (x[i], x[i + 1], x[i + 2], x[i + 3], x[i + 4], x[i + 5], x[i + 6],
                 x[i + 7], x[i + 8], x[i + 9], x[i + 10], x[i + 11], x[i + 12],
                 x[i + 13], x[i + 14], x[i + 15], x[i + 16], x[i + 17], x[i + 18],
                 x[i + 19])
            s = 0.0
            for k in range(20):
                for j in range(20):
                    s += v[k] * v[j] / (1.0 + v[(k + j) % 20])
            x[i] = s


        def _untyped(x):
            x[0] = 1.0


        def _bad(x):  # does not type: a string into a float array
            x[0] = "one"


        def make_scaled(n):
            """A generated kernel: registered under a type-level key, with a recipe."""
            def _scaled(x):
                i = cuda.grid(1)
                if i < x.size:
                    x[i] *= n
            return cuda_kernel(_scaled, key=f"gatefx.scaled[{n}]",
                               recipe=("gatefx:make_scaled", {"n": n}))


        sync = cuda_kernel(_sync, signatures=["void(float64[::1])"])
        spill = cuda_kernel(_spill, signatures=["void(float64[::1])"], max_registers=16)
        untyped = cuda_kernel(_untyped)
        bad = cuda_kernel(_bad, signatures=["void(float64[::1])"])
    '''))  # fmt: skip


def test_gate_tells_compiles_spills_links_and_gaps_apart(ptxas, tmp_path, monkeypatch):
    _fixture_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    sigs = tmp_path / "sigs.json"
    arr = gate.encode_type(types.float64[::1])
    gate.save_signatures(sigs, {
        "gatefx.scaled[3]": {"signatures": [[arr]],
                             "recipe": ["gatefx:make_scaled", {"n": 3}]},
        "gatefx:gone": {"signatures": [[arr]]},
    })  # fmt: skip
    failures, rows = gate.run_gate([(8, 0)], sigs, tmp_path / "out", package="gatefx")
    by = {r["kernel"]: r for r in rows}
    assert "error" not in by["gatefx:_sync"] and by["gatefx:_sync"]["devrt"]
    assert "error" not in by["gatefx.scaled[3]"]  # generated again from its recipe
    assert by["gatefx:_spill"]["spill_stores"] > 0
    assert "register spills" in by["gatefx:_spill"]["error"]
    assert "compile_ptx" in by["gatefx:_bad"]["error"]
    text = "\n".join(failures)
    assert "gatefx:_untyped: no declared or recorded signature" in text
    assert "gatefx:gone: recorded in the signature file but no such kernel" in text
    assert len(failures) == 4  # spill, bad, untyped, gone
    assert (tmp_path / "out" / "report.txt").read_text().count("sm_80") == 4


def test_stray_cuda_jit_kernel_is_an_error(tmp_path, monkeypatch):
    pkg = tmp_path / "strayfx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from numba import cuda\n\n\n@cuda.jit\ndef k(x):\n    x[0] = 1.0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match=r"not compiled through.*strayfx\.k"):
        gate.discover("strayfx")


@pytest.mark.slow
def test_every_kernel_compiles_for_sm80_and_sm90_without_spills(ptxas, tmp_path):
    out = Path(os.environ.get("NEUROSIM_COMPILE_REPORT_DIR", tmp_path))
    failures, rows = gate.run_gate(gate.DEFAULT_CCS, SIGNATURES, out)
    print(gate.format_table(rows))
    assert failures == [], "\n".join(failures)
    table = gate.load_signatures(SIGNATURES)
    gate.run_recipes(table)  # as the workers do
    todo, _ = gate.plan(gate.discover(), table)
    assert len(rows) == len(gate.DEFAULT_CCS) * sum(map(len, todo.values()))
    for r in rows:
        assert r["registers"] > 0 and r["spill_stores"] == r["spill_loads"] == 0
