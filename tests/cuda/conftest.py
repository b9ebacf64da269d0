"""Record the argument types of every kernel launch under the CUDA simulator.

The compile gate (``neurosim.kernels.compile_gate``) compiles each kernel with
the argument types its drivers really pass; they are kept in
``tests/gpu_compile/cuda_signatures.json``. Under ``NUMBA_ENABLE_CUDASIM=1``
this plugin types every launch's arguments as the real dispatcher would and,
at the end of the session:

* with ``NEUROSIM_RECORD_CUDA_SIGNATURES=1`` rewrites the file (one command:
  ``python tests/gpu_compile/record_signatures.py``);
* otherwise fails the session if a launched signature is missing from the file,
  so the gate never compiles stale signatures.

On a real GPU (no simulator) it does nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numba
import pytest

SIGNATURES = Path(__file__).parents[1] / "gpu_compile" / "cuda_signatures.json"
_launched: dict[str, set[str]] = {}
_recipes: dict[str, object] = {}


def _install_recorder() -> None:
    from numba.cuda.simulator import kernel as simkernel

    from neurosim import _jit
    from neurosim.kernels.compile_gate import arg_type, encode_type

    launch = simkernel.FakeCUDAKernel.__call__

    def recording_call(self, *args):
        key = getattr(self, "neurosim_kernel_key", None)
        if key is not None and not self._device and not simkernel._kernel_context:
            sig = json.dumps([encode_type(arg_type(a)) for a in args])
            _launched.setdefault(key, set()).add(sig)
            recipe = _jit.CUDA_KERNELS[key].recipe
            if recipe is not None:
                _recipes[key] = list(recipe)
        return launch(self, *args)

    simkernel.FakeCUDAKernel.__call__ = recording_call


if numba.config.ENABLE_CUDASIM:
    _install_recorder()


def pytest_sessionfinish(session, exitstatus):
    if not numba.config.ENABLE_CUDASIM or not _launched:
        return
    from neurosim.kernels.compile_gate import load_signatures, save_signatures

    if os.environ.get("NEUROSIM_RECORD_CUDA_SIGNATURES") == "1":
        table = {
            k: {"signatures": [json.loads(s) for s in v], "recipe": _recipes.get(k)}
            for k, v in _launched.items()
        }
        save_signatures(SIGNATURES, table)
        return
    table = load_signatures(SIGNATURES)
    missing = []
    for key, sigs in sorted(_launched.items()):
        known = {json.dumps(s) for s in table.get(key, {}).get("signatures", [])}
        missing += [f"{key}: {s}" for s in sorted(sigs - known)]
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        msg = (
            f"kernel launches with argument types not in {SIGNATURES.name} "
            "(run `python tests/gpu_compile/record_signatures.py`):\n"
            + "\n".join(missing)
        )
        if reporter is not None:
            reporter.write_line(msg, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
