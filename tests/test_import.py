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
