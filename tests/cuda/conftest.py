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

The ``parity`` fixture compares a CPU result with a CUDA one: bit for bit
under the simulator (the same operations in the same order), and on a real
GPU within ``NEUROSIM_DEVICE_ULPS`` (default 64) units of the dtype's epsilon
times the signal's scale: fused multiply-adds and a different math library
change the last bits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numba
import numpy as np
import pytest

SIGNATURES = Path(__file__).parents[1] / "gpu_compile" / "cuda_signatures.json"
#: Device tolerance in units of the dtype's epsilon times the signal's scale.
DEVICE_ULPS = float(os.environ.get("NEUROSIM_DEVICE_ULPS", "64"))
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


@pytest.fixture
def parity():
    """``check(cpu, gpu)``: equal under the simulator, within the bound on a GPU."""

    def check(cpu, gpu):
        cpu, gpu = np.asarray(cpu), np.asarray(gpu)
        assert cpu.shape == gpu.shape
        if numba.config.ENABLE_CUDASIM:
            np.testing.assert_array_equal(gpu, cpu)
            return
        scale = np.abs(cpu).max() if cpu.size else 0.0
        tol = DEVICE_ULPS * np.finfo(cpu.dtype).eps * scale
        np.testing.assert_allclose(gpu, cpu, rtol=0, atol=tol)

    return check


def pytest_sessionfinish(session, exitstatus):
    if not numba.config.ENABLE_CUDASIM or not _launched:
        return
    from neurosim import _jit
    from neurosim.kernels import compile_gate as gate

    # signatures declared next to a kernel need no recording
    launched = {}
    for key, sigs in _launched.items():
        declared = {
            json.dumps([gate.encode_type(t) for t in gate.signature_types(s)])
            for s in _jit.CUDA_KERNELS[key].signatures
        }
        if sigs - declared:
            launched[key] = sigs - declared
    if os.environ.get("NEUROSIM_RECORD_CUDA_SIGNATURES") == "1":
        table = {
            k: {"signatures": [json.loads(s) for s in v], "recipe": _recipes.get(k)}
            for k, v in launched.items()
        }
        gate.save_signatures(SIGNATURES, table)
        return
    table = gate.load_signatures(SIGNATURES)
    missing = []
    for key, sigs in sorted(launched.items()):
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
