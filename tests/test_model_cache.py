"""The compile and cache contract of generated model kernels.

Code is keyed by what changes it (the model's source, layout, method, what is
recorded, versions), never by sizes or values: a parameter sweep reuses one
compiled kernel, a warm process loads it from disk, and an edited model
source is compiled afresh (numba's own cache would not notice the edit).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.kernels import models

ROOT = Path(__file__).resolve().parent.parent


def test_parameter_sweep_reuses_one_compiled_kernel():
    layout = models.Layout("euler", ("v",))
    module = models.compile_model(ns.Izhikevich(), layout)
    for a in (0.02, 0.03, np.array([0.02, 0.05, 0.1])):
        for n in (1, 7):
            model = ns.Izhikevich(a=a)
            ns.simulate_neurons(model, 10.0, dt=1e-4, t_end=0.01, n_neurons=None
                                if np.ndim(a) else n)  # fmt: skip
            assert models.compile_model(model, layout) is module
    # one compiled signature for every size and value
    assert len(module.run_cpu.signatures) == 1
    other = models.compile_model(ns.Izhikevich(), models.Layout("rk4", ("v",)))
    assert other is not module  # a method changes the code


SCRIPT = """
import json, sys
import neurosim as ns

K = {k}


class RS(ns.NeuronModel):
    time_unit = 1e-3
    state = {{"v": -65.0, "u": -13.0}}
    params = {{"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0}}
    threshold = ("v", 30.0)

    @staticmethod
    def derivatives(v, u, I, a, b):
        return 0.04 * v * v + 5.0 * v + K - u + I, a * (b * v - u)

    @staticmethod
    def reset(v, u, c, d):
        return c, u + d


rec = ns.simulate_neurons(RS(), 10.0, dt=1e-4, t_end=0.2)
name = next(m for m in sys.modules if m.startswith("neurosim_gen_RS"))
stats = sys.modules[name].run_cpu.stats
print(json.dumps({{"module": name, "times": rec.spike_times[0].tolist(),
                  "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values())}}))
"""


@pytest.mark.slow
def test_edited_model_source_recompiles_and_warm_processes_load_from_disk(tmp_path):
    # A model defined in __main__ (a script), in a file edited between runs.
    env = dict(os.environ, NEUROSIM_CODEGEN_DIR=str(tmp_path / "gen"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba"))  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    script = tmp_path / "model.py"

    def run(k):
        script.write_text(textwrap.dedent(SCRIPT.format(k=k)))
        out = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run(140.0)
    warm = run(140.0)
    edited = run(150.0)  # the same file, another constant
    assert first["misses"] == 1 and first["hits"] == 0  # compiled
    assert warm["module"] == first["module"]
    assert warm["hits"] == 1 and warm["misses"] == 0  # loaded, not compiled
    assert warm["times"] == first["times"]
    assert edited["module"] != first["module"] and edited["misses"] == 1
    # 150 + I is 140 + (I + 10): the edit is live, not a stale kernel.
    ref = {I: ns.simulate_neurons(ns.Izhikevich(), I, dt=1e-4, t_end=0.2)
           for I in (10.0, 20.0)}  # fmt: skip
    np.testing.assert_allclose(first["times"], ref[10.0].spike_times[0], atol=1e-12)
    np.testing.assert_allclose(edited["times"], ref[20.0].spike_times[0], atol=1e-12)
    assert len(edited["times"]) > len(first["times"])
