"""Compile a :class:`~neurosim.learning.PlasticityRule` into the network loop.

For each rule class of a network, :func:`render_rule` renders the rule's
``on_pre`` / ``on_post`` (their source copied in, as for neuron models, see
:mod:`neurosim.kernels.codegen`) and ``_plastic<k>_cpu``: one step of one
plastic connection (step 4b of :func:`neurosim.kernels.network.network_run`):

1. every trace decays, ``x <- x exp(-dt/tau)``;
2. ``on_pre`` for every synapse of each presynaptic spike *arriving* this
   step (emitted ``delay`` steps ago);
3. ``on_post`` for every synapse onto each postsynaptic neuron that spiked
   this step;
4. the arrivals and spikes add 1 to their traces (``"nearest"`` traces are
   set to 1).

The generated loop calls it through ``plasticity_step``, a dispatcher on the
rule kind ``pl_i[p, 1]``, once per step for each plastic connection: before
the step's spikes propagate for ``transmit = "after"`` rules, after it
otherwise.

Layout (built by :mod:`neurosim.sim.backends`): ``pl_i[p]`` is
``[con, kind, post0, npost, cptr, cpos, cpre, toff, soff, nsyn, foff, sbase,
phase]``. ``con`` is the connection (dense or CSR); ``post0`` the global
index of its first post neuron; for CSR, ``pl_ix[cptr:cptr + npost + 1]``
are column pointers into ``pl_ix[cpos:]`` (the synapses' positions in
``sdat``) and ``pl_ix[cpre:]`` (their pre indices). Trace ``i`` of the pre
side, for pre neuron ``j``, is ``trace[toff + i * npre + j]``; post traces
follow the pre traces. Synapse variable ``l`` (after ``w``) of synapse ``e``
(``j * n_post + q`` for dense weights, the CSR position minus ``sbase``) is
``syn[soff + l * nsyn + e]``. ``pl_f[foff:]`` holds the parameters, then the
weight scale ``s`` and ``1 / s`` (weights are stored as ``s w``; a rule sees
``w`` in the connection's units, and a weight its function leaves unchanged
is not rewritten), then one decay factor per trace.
"""

from __future__ import annotations

from typing import Any

from ..learning.rule import rule_functions, trace_spec
from ..neurons.model import function_args
from .codegen import function_source

#: Columns of a ``pl_i`` row.
PL_COLS = 13
_ARGS = (
    "_p, _pl_i, _pl_f, _pl_ix, _trace, _syn, _con_i, _ring, _ring_cnt, _step, dt, "
    "_wdat, _sdat, _sidx, _sptr"
)


def render_functions(cls: type, k: int) -> tuple[list[str], dict[str, str]]:
    """The rule's functions renamed ``_r<k>_<name>``, and the globals they bind."""
    bindings: dict[str, str] = {}
    sources: list[str] = []
    for name, fn in rule_functions(cls).items():
        src, header = function_source(fn, f"_r{k}_{name}", f"{cls.__name__}.{name}")
        for line in header:
            key = line.split(" as ")[-1] if line.startswith("import") else line
            bindings[key.split(" = ")[0]] = line
        sources += [src, ""]
    return sources, bindings


def _event(cls: type, k: int, fname: str) -> list[str]:
    """The body run for one synapse (``_pos``, ``_e``, ``_j``, ``_q`` set)."""
    fn = rule_functions(cls)[fname]
    args = function_args(cls, fname, fn)
    synapse = list(cls.synapse)
    pre, post = list(cls.pre), list(cls.post)
    lines = ["_w0 = _W[_pos] * _isc", "w = _w0"]
    lines += [f"{x} = _syn[_so + {l} * _ns + _e]" for l, x in enumerate(synapse)]
    for i, x in enumerate(pre):
        if x in args:
            lines.append(f"{x} = _trace[_to + {i} * _npre + _j]")
    for i, x in enumerate(post):
        if x in args:
            lines.append(f"{x} = _trace[_tq + {i} * _npost + _q]")
    lines.append(f"{', '.join(['w', *synapse])} = _r{k}_{fname}({', '.join(args)})")
    lines += ["if w != _w0:", "    _W[_pos] = w * _sc"]
    lines += [f"_syn[_so + {l} * _ns + _e] = {x}" for l, x in enumerate(synapse)]
    return lines


def _indent(lines: list[str], n: int) -> list[str]:
    return [" " * n + line for line in lines]


def _bump(traces: dict[str, Any], base: str, size: str, index: str) -> list[str]:
    out = []
    for i, spec in enumerate(traces.values()):
        op = "=" if trace_spec(spec)[1] == "nearest" else "+="
        out.append(f"_trace[{base} + {i} * {size} + {index}] {op} 1.0")
    return out


def render_rule(cls: type, k: int) -> list[str]:
    """``_plastic<k>_cpu``: one step of one plastic connection of rule ``cls``."""
    params = list(cls.params)
    fns = rule_functions(cls)
    n_pre, n_post = len(cls.pre), len(cls.post)
    b = [
        "_c = _pl_i[_p, 0]",
        "_post0 = _pl_i[_p, 2]",
        "_npost = _pl_i[_p, 3]",
        "_to = _pl_i[_p, 7]",
        "_so = _pl_i[_p, 8]",
        "_ns = _pl_i[_p, 9]",
        "_fo = _pl_i[_p, 10]",
        "_sb = _pl_i[_p, 11]",
        "_kind = _con_i[_c, 0]",
        "_pre0 = _con_i[_c, 1]",
        "_npre = _con_i[_c, 2]",
        "_delay = _con_i[_c, 5]",
        "_wo = _con_i[_c, 6]",
        "_nc = _con_i[_c, 8]",
        f"_tq = _to + {n_pre} * _npre",
        "_W = _wdat if _kind == CON_DENSE else _sdat",
    ]
    b += [f"{x} = _pl_f[_fo + {i}]" for i, x in enumerate(params)]
    np_ = len(params)
    b += [f"_sc = _pl_f[_fo + {np_}]", f"_isc = _pl_f[_fo + {np_ + 1}]"]
    b.append("t = (_step + 1) * dt")
    # 1. decay
    for i in range(n_pre):
        b += [
            f"_d = _pl_f[_fo + {np_ + 2 + i}]",
            "for _j in range(_npre):",
            f"    _trace[_to + {i} * _npre + _j] *= _d",
        ]
    for i in range(n_post):
        b += [
            f"_d = _pl_f[_fo + {np_ + 2 + n_pre + i}]",
            "for _q in range(_npost):",
            f"    _trace[_tq + {i} * _npost + _q] *= _d",
        ]
    # 2. presynaptic arrivals
    b += [
        "_n_slot = _ring.shape[0]",
        "_a0 = 0",
        "_a1 = 0",
        "if _step >= _delay:",
        "    _pre = _ring[(_step - _delay) % _n_slot]",
        "    _nsp = _ring_cnt[(_step - _delay) % _n_slot]",
        "    _a0 = _first_at_least(_pre, _nsp, _pre0)",
        "    _a1 = _first_at_least(_pre, _nsp, _pre0 + _npre)",
    ]
    if "on_pre" in fns:
        body = _event(cls, k, "on_pre")
        b += _indent(
            [
                "for _a in range(_a0, _a1):",
                "    _j = _pre[_a] - _pre0",
                "    if _kind == CON_DENSE:",
                "        for _q in range(_nc):",
                "            _e = _j * _nc + _q",
                "            _pos = _wo + _e",
                *_indent(body, 12),
                "    else:",
                "        _po = _con_i[_c, 7]",
                "        for _pos in range(_sptr[_po + _j], _sptr[_po + _j + 1]):",
                "            _q = _sidx[_pos]",
                "            _e = _pos - _sb",
                *_indent(body, 12),
            ],
            4,
        )
    # 3. postsynaptic spikes
    if "on_post" in fns or n_post:
        b += [
            "_post = _ring[_step % _n_slot]",
            "_nsq = _ring_cnt[_step % _n_slot]",
            "_b0 = _first_at_least(_post, _nsq, _post0)",
            "_b1 = _first_at_least(_post, _nsq, _post0 + _npost)",
        ]
    if "on_post" in fns:
        body = _event(cls, k, "on_post")
        b += [
            "for _b in range(_b0, _b1):",
            "    _q = _post[_b] - _post0",
            "    if _kind == CON_DENSE:",
            "        for _j in range(_npre):",
            "            _e = _j * _nc + _q",
            "            _pos = _wo + _e",
            *_indent(body, 12),
            "    else:",
            "        _cp = _pl_i[_p, 4]",
            "        for _m in range(_pl_ix[_cp + _q], _pl_ix[_cp + _q + 1]):",
            "            _pos = _pl_ix[_pl_i[_p, 5] + _m]",
            "            _j = _pl_ix[_pl_i[_p, 6] + _m]",
            "            _e = _pos - _sb",
            *_indent(body, 12),
        ]
    # 4. the step's arrivals and spikes enter the traces
    if n_pre:
        b += [
            "if _step >= _delay:",
            "    for _a in range(_a0, _a1):",
            "        _j = _pre[_a] - _pre0",
            *_indent(_bump(cls.pre, "_to", "_npre", "_j"), 8),
        ]
    if n_post:
        b += [
            "for _b in range(_b0, _b1):",
            "    _q = _post[_b] - _post0",
            *_indent(_bump(cls.post, "_tq", "_npost", "_q"), 4),
        ]
    return [f"def _plastic{k}_cpu({_ARGS}):", *_indent(b, 4)]


def render_dispatch(n_kinds: int) -> list[str]:
    """``plasticity_step``: step 4b of connection ``p``, by its rule kind."""
    lines = [
        f"def plasticity_step({_ARGS}):",
        "    _k = _pl_i[_p, 1]",
    ]
    call = f"({_ARGS})"
    for k in range(n_kinds):
        lines += [f"    if _k == {k}:", f"        _plastic{k}_cpu{call}"]
    return lines
