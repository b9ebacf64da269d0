"""`import neurosim` stays light: no matplotlib, no numba.cuda."""

import subprocess
import sys


def test_import_does_not_load_matplotlib_or_cuda():
    code = (
        "import sys, neurosim; "
        "mods = ('matplotlib', 'numba.cuda', 'distributed'); "
        "bad = [m for m in mods if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_plotting_is_a_lazy_attribute_and_the_namespace_has_no_stray_names():
    code = (
        "import sys, types, neurosim as ns; "
        "assert 'neurosim.plotting' not in sys.modules; "
        "assert callable(ns.plotting.raster); "
        "assert 'matplotlib' not in sys.modules; "
        "stray = [n for n in dir(ns) if not n.startswith('_') and n not in ns.__all__"
        " and not (isinstance(getattr(ns, n), types.ModuleType)"
        " and getattr(ns, n).__name__ == 'neurosim.' + n)]; "
        "assert not stray, stray; "
        "assert all(hasattr(ns, n) for n in ns.__all__)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _imports(path):
    """Modules imported by a source file (absolute names, relative ones resolved)."""
    import ast
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[1]
    rel = path.relative_to(pkg).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    package = parts if path.name == "__init__.py" else parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)
    return names


def test_layout_descriptions_never_import_the_simulator_and_numba_stays_in_kernels():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "neurosim"
    for path in sorted(root.rglob("*.py")):
        names = _imports(path)
        where = path.relative_to(root).as_posix()
        if where.startswith("neurons/"):
            assert not any(n.startswith("neurosim.sim") for n in names), where
        # numba itself (decorators, prange) only in kernels/ and _jit.py; other
        # modules may ask numba for its thread count, nothing more.
        if not (where.startswith("kernels/") or where == "_jit.py"):
            numba = {n for n in names if n == "numba" or n.startswith("numba.")}
            assert numba <= {"numba", "numba.get_num_threads"}, (where, numba)
            assert "neurosim._jit.njit" not in names, where


def test_only_plotting_and_the_example_scripts_import_matplotlib():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "neurosim"
    importers = set()
    for path in sorted(root.rglob("*.py")):
        names = _imports(path)
        where = path.relative_to(root).as_posix()
        if any(n == "matplotlib" or n.startswith("matplotlib.") for n in names):
            importers.add(where)
    assert "plotting.py" in importers
    others = {w for w in importers if w != "plotting.py"}
    assert others and all(
        w.startswith("examples/") and w[9:11].isdigit() for w in others
    ), sorted(others)
