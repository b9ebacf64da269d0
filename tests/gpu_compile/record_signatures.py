"""Regenerate ``cuda_signatures.json``: one command, no arguments needed.

``python tests/gpu_compile/record_signatures.py``

Runs ``tests/cuda`` under the CUDA simulator with
``NEUROSIM_RECORD_CUDA_SIGNATURES=1``; ``tests/cuda/conftest.py`` then writes
the argument types of every kernel launch (typed as the real dispatcher types
them) to ``tests/gpu_compile/cuda_signatures.json``, which the compile gate
reads. Extra arguments are passed to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["NEUROSIM_RECORD_CUDA_SIGNATURES"] = "1"
    path = [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join(path)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           str(ROOT / "tests" / "cuda"), *argv]  # fmt: skip
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
