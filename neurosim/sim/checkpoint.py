"""Simulator checkpoints: a run's whole state in one plain-array file.

:meth:`~neurosim.Simulator.save_checkpoint` writes the run state (every
array named in ``RUN_STATE``, so neurons, NeuronModel state, synapse states,
the delay ring, random-generator counters, plastic weights and traces; on
the CUDA backend its delay ring too), the NeuronModel parameters and
Poisson rates (which :meth:`~neurosim.Simulator.set_param` and
:meth:`~neurosim.Simulator.set_rates` may have changed), the step count and
every monitor's records through :func:`neurosim.io.write_file` (an ``.npz``
read with ``allow_pickle=False``: loading never runs code from the file).
:meth:`~neurosim.Simulator.load_checkpoint` puts them back into a simulator
of a structurally identical network, for example one built by the same
script in a new process: the arrays fixed at build (connectivity, weights,
parameters, monitor layout) must hash the same, else a
:class:`~neurosim.exceptions.ValidationError` names what differs. A run
continued from a checkpoint equals the uninterrupted run bit for bit,
monitors included.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import numpy as np

from .. import io
from ..exceptions import FileFormatError, ValidationError
from . import backends

KIND = "simulator-checkpoint"
#: Parameters that may change between runs (``set_param``, ``set_rates``):
#: saved and restored, not part of the structure hash.
PARAMS = ("mpar", "p_spike")


def _digests(sim: Any) -> dict[str, str]:
    """A digest of each array fixed at build, and of the monitor layout."""
    a = sim._built.arrays
    out = {}
    for k in sim._static_keys:
        arr = np.ascontiguousarray(a[k])
        h = hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
        out[k] = h.hexdigest()[:16]
    layout = [(type(m).__name__, _width(m)) for m in sim._monitors]
    out["monitors"] = hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:16]
    return out


def _width(mon: Any) -> int:
    """Values per sample of a sampled monitor (0 for a spike monitor)."""
    if hasattr(mon, "decoders"):
        return int(mon.decoders.shape[1])
    rec = getattr(mon, "record", None)
    return 0 if rec is None else int(rec.size)


def save(sim: Any, path: io.PathLike) -> None:
    """Write ``sim``'s run state and records to ``path`` (see the module)."""
    a = backends.host_arrays(sim._built, (*sim._state_keys, *PARAMS))
    arrays = {f"state.{k}": a[k] for k in sim._state_keys}
    arrays.update({f"param.{k}": a[k] for k in PARAMS})
    for i, mon in enumerate(sim._monitors):
        rec = mon._rec
        rec.compact()
        if rec.values:
            arrays[f"monitor{i}.values"] = rec.values[0]
            arrays[f"monitor{i}.steps"] = rec.steps[0]
    digests = _digests(sim)
    payload = {
        "n_steps": int(sim.n_steps),
        "dt": float(sim.dt),
        "backend": sim.backend,
        "structure": hashlib.sha256(
            json.dumps(sorted(digests.items())).encode()
        ).hexdigest(),
        "digests": digests,
        "n_monitors": len(sim._monitors),
    }
    io.write_file(path, KIND, payload, arrays)


def load(sim: Any, path: io.PathLike) -> None:
    """Put the checkpoint at ``path`` into ``sim`` (see the module)."""
    name = os.fspath(path)
    payload, arrays = io.read_file(path, KIND)
    if not isinstance(payload, dict) or not {
        "n_steps", "dt", "backend", "structure", "digests", "n_monitors"
    } <= set(payload):  # fmt: skip
        raise FileFormatError(f"{name}: a checkpoint without its header fields")
    if payload["backend"] != sim.backend:
        raise ValidationError(
            f"{name}: saved by a simulator with backend={payload['backend']!r}; "
            f"load it into one with that backend (this one: {sim.backend!r})"
        )
    if payload["dt"] != sim.dt:
        raise ValidationError(
            f"{name}: saved with dt = {payload['dt']!r} s; this simulator has "
            f"dt = {sim.dt!r} s"
        )
    saved = payload["digests"]
    ours = _digests(sim)
    if saved != ours:
        keys = set(saved) | set(ours)
        differ = sorted(k for k in keys if saved.get(k) != ours.get(k))
        raise ValidationError(
            f"{name}: saved from a network that differs from this simulator's "
            f"(structure hash differs in: {', '.join(differ)}); build the same "
            "Network (groups, connections, inputs, monitors and seed, in the "
            "same order) to continue a checkpoint"
        )
    a = sim._built.arrays
    wanted = [(f"state.{k}", a[k]) for k in sim._state_keys]
    wanted += [(f"param.{k}", a[k]) for k in PARAMS]
    for key, target in wanted:
        got = arrays.get(key)
        if got is None or got.shape != target.shape or got.dtype != target.dtype:
            found = "missing" if got is None else f"{got.dtype} {got.shape}"
            raise FileFormatError(
                f"{name}: entry {key!r} is {found}; expected {target.dtype} "
                f"{target.shape} (damaged file?)"
            )
    records = []
    for i, mon in enumerate(sim._monitors):
        values = arrays.get(f"monitor{i}.values")
        steps = arrays.get(f"monitor{i}.steps")
        if (values is None) != (steps is None) or (
            values is not None and values.shape[0] != steps.shape[0]
        ):
            raise FileFormatError(f"{name}: monitor {i}'s records are damaged")
        records.append((mon, values, steps))
    for key, target in wanted:
        target[...] = arrays[key]
    backends.host_changed(sim._built, (*sim._state_keys, *PARAMS))
    sim.n_steps = int(payload["n_steps"])
    for mon, values, steps in records:
        mon._rec.values = [] if values is None else [values]
        mon._rec.steps = [] if steps is None else [steps]
