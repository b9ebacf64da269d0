"""Readable engine code: no function under ``neurosim/kernels`` or ``neurosim/sim``
longer than ``MAX_LINES`` lines or with more than ``MAX_PARAMS`` parameters.

Issue 12 ("The engine", readable): kernel arguments go in a few named
structures (namedtuples of arrays work as numba arguments on the CPU and on
CUDA), and long functions are split by concern. ``REMAINING`` lists the
functions not yet brought within the limits; it may only shrink: a function
that is fixed must leave the list, and none may join it.
"""

from __future__ import annotations

import ast
from pathlib import Path

MAX_LINES = 150
MAX_PARAMS = 12
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("neurosim/kernels", "neurosim/sim")

#: ``"path:qualified name"`` of the functions still over a limit.
REMAINING = {
    # fused single-population drivers: the arrays of the old API
    "neurosim/kernels/hh.py:hh_run",
    "neurosim/kernels/hh.py:make_hh_neuron_loop.loop",
    "neurosim/kernels/hh_cuda.py:_hh_run_kernel",
    "neurosim/kernels/hh_cuda.py:hh_run_cuda",
    "neurosim/kernels/lif.py:_lif_run_blocks",
    "neurosim/kernels/lif.py:make_lif_neuron_loop.loop",
    "neurosim/kernels/lif_cuda.py:_lif_run_kernel",
    "neurosim/kernels/lif_cuda.py:lif_run_cuda",
    "neurosim/kernels/spiking.py:lif_forward",
    "neurosim/kernels/spiking.py:lif_backward",
    # the CPU network loop and its LIF passes (positional arrays)
    "neurosim/kernels/network.py:_lif_segment",
    "neurosim/kernels/network.py:_lif_fused",
    "neurosim/kernels/network.py:_lif_cond",
    "neurosim/kernels/network.py:_lif_flagged",
    "neurosim/kernels/network.py:network_run",
    "neurosim/kernels/network.py:model_segments",
    "neurosim/kernels/network.py:plasticity_step",
    # the CUDA network driver (being extended with plasticity)
    "neurosim/kernels/network_cuda.py:_inputs_kernel",
    "neurosim/kernels/network_cuda.py:_neurons_kernel",
    "neurosim/kernels/network_cuda.py:_propagate_kernel",
    "neurosim/kernels/network_cuda.py:_record_kernel",
    "neurosim/kernels/network_cuda.py:network_run_cuda",
}


def _functions(path: Path) -> list[tuple[str, int, int]]:
    """``(qualified name, lines, parameters)`` of every function in ``path``."""
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                a = child.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                n += (a.vararg is not None) + (a.kwarg is not None)
                lines = child.end_lineno - child.lineno + 1
                out.append((prefix + child.name, lines, n))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text()), "")
    return out


def _offenders() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for name, lines, n in _functions(path):
                if lines > MAX_LINES or n > MAX_PARAMS:
                    found[f"{rel}:{name}"] = f"{lines} lines, {n} parameters"
    return found


def test_the_counter_sees_lines_and_parameters(tmp_path):
    src = "def f(a, b, *c, d, **e):\n    x = 1\n    return x\n\n\n"
    src += "class K:\n    def g(self):\n        def h(): pass\n"
    path = tmp_path / "m.py"
    path.write_text(src)
    assert _functions(path) == [("f", 3, 5), ("K.g", 2, 1), ("K.g.h", 1, 0)]


def test_no_new_function_over_the_limits():
    new = {k: v for k, v in _offenders().items() if k not in REMAINING}
    assert not new, (
        f"over {MAX_LINES} lines or {MAX_PARAMS} parameters (group arguments in "
        f"named structures, split by concern): {new}"
    )


def test_fixed_functions_leave_the_list():
    found = _offenders()
    fixed = sorted(REMAINING - set(found))
    assert not fixed, f"within the limits now: remove from REMAINING: {fixed}"
