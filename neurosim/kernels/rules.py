"""Compile a :class:`~neurosim.learning.PlasticityRule` into the network loop.

For each rule class of a network, :func:`render_rule` renders the rule's
``on_pre`` / ``on_post`` (their source copied in, as for neuron models, see
:mod:`neurosim.kernels.codegen`) and ``_plastic<k>_cpu``: one step of one
plastic connection (step 4b of :func:`neurosim.kernels.network.network_run`):

1. every trace decays, ``x <- x exp(-dt/tau)``;
2. ``on_pre`` for every synapse of each presynaptic spike *arriving* this
   step (emitted ``delay`` steps ago; with per-synapse delays, the synapses
   of delay ``L`` of the spikes emitted ``L`` steps ago, for each ``L``);
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
phase, hist]``. ``con`` is the connection (dense or CSR); ``post0`` the global
index of its first post neuron; for CSR, ``pl_ix[cptr:cptr + npost + 1]``
are column pointers into ``pl_ix[cpos:]`` (the synapses' positions in
``sdat``) and ``pl_ix[cpre:]`` (their pre indices). Trace ``i`` of the pre
side, for pre neuron ``j``, is ``trace[toff + (i * hist + s % hist) * npre +
j]`` at step ``s``; post traces follow the pre traces. ``hist`` is 1 for a
connection with one delay (its pre traces count arrivals). With per-synapse
delays (``CON_DCSR``) the pre traces count *emissions* and keep ``hist = max
delay + 2`` steps: the pre trace at a synapse of delay ``d`` (the arrivals
at that synapse, as Brian2's per-synapse ``x`` updated by ``on_pre``) is
the pre neuron's trace ``d`` steps earlier, read as the row of step
``s - d - 1`` times the decay factor. Synapse variable ``l`` (after ``w``)
of synapse ``e`` (``j * n_post + q`` for dense weights, the CSR position
minus ``sbase``) is ``syn[soff + l * nsyn + e]``. ``pl_f[foff:]`` holds the
parameters, then the weight scale ``s`` and ``1 / s`` (weights are stored as
``s w``; a rule sees ``w`` in the connection's units, and a weight its
function leaves unchanged is not rewritten), then one decay factor per trace.
"""

from __future__ import annotations

from typing import Any

from ..learning.rule import rule_functions, trace_spec
from ..neurons.model import function_args
from .codegen import function_source

#: Columns of a ``pl_i`` row.
PL_COLS = 14
_ARGS = (
    "_p, _pl_i, _pl_f, _pl_ix, _trace, _syn, _con_i, _ring, _ring_cnt, _step, dt, "
    "_wdat, _sdat, _sidx, _sptr, _sdel"
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


def _event(cls: type, k: int, fname: str, target: str = "cpu") -> list[str]:
    """The body run for one synapse (``_pos``, ``_e``, ``_j``, ``_q`` set).

    On the CPU the traces have decayed in place before the events; the CUDA
    kernel reads them from before the decay and multiplies by their factor
    ``_d<i>`` (the same product, so the same bits).
    """
    fn = rule_functions(cls)[fname]
    args = function_args(cls, fname, fn)
    synapse = list(cls.synapse)
    pre, post = list(cls.pre), list(cls.post)
    cuda = target == "cuda"
    lines = ["_w0 = _W[_pos] * _isc", "w = _w0"]
    lines += [f"{x} = _syn[_so + {l} * _ns + _e]" for l, x in enumerate(synapse)]
    if not cuda and any(x in args for x in pre):
        # the pre trace at the synapse: with per-synapse delays, the pre
        # neuron's trace ``delay`` steps ago (history row ``_hx``)
        lines.append(
            "_hx = _hr if _H == 1 else (_step - np.int64(_sdel[_dd + _pos]) - 1) % _H"
        )
    for i, x in enumerate(pre):
        if x in args:
            if cuda:
                lines.append(f"{x} = _trace[_to + {i} * _npre + _j] * _d{i}")
            else:
                lines.append(
                    f"{x} = _trace[_to + ({i} * _H + _hx) * _npre + _j] * _dh{i}"
                )
    for i, x in enumerate(post):
        if x in args:
            decay = f" * _d{len(pre) + i}" if cuda else ""
            lines.append(f"{x} = _trace[_tq + {i} * _npost + _q]{decay}")
    call = f"_r{k}_{fname}{'_cuda' if cuda else ''}({', '.join(args)})"
    lines.append(f"{', '.join(['w', *synapse])} = {call}")
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
        # pre traces: _H rows of history (1 without per-synapse delays), the
        # current one _hr; _sdel[_dd + _pos] is the delay of synapse _pos
        "_H = _pl_i[_p, 13]",
        "_hr = _step % _H",
        "_hp = (_step - 1) % _H",
        "_dd = _con_i[_c, 10] - _sptr[_con_i[_c, 7]]",
        f"_tq = _to + {n_pre} * _H * _npre",
        "_W = _wdat if _kind == CON_DENSE else _sdat",
    ]
    b += [f"{x} = _pl_f[_fo + {i}]" for i, x in enumerate(params)]
    np_ = len(params)
    b += [f"_sc = _pl_f[_fo + {np_}]", f"_isc = _pl_f[_fo + {np_ + 1}]"]
    b.append("t = (_step + 1) * dt")
    # 1. decay (a history row is written from the previous one; the row of
    # step s - 1 - delay times the decay is the trace of step s - delay
    # before its spikes, the same product, so the same bits)
    for i in range(n_pre):
        b += [
            f"_d = _pl_f[_fo + {np_ + 2 + i}]",
            f"_dh{i} = 1.0 if _H == 1 else _d",
            f"_tn = _trace[_to + ({i} * _H + _hr) * _npre : _to + ({i} * _H + _hr + 1) "
            "* _npre]",
            f"_tp = _trace[_to + ({i} * _H + _hp) * _npre : _to + ({i} * _H + _hp + 1) "
            "* _npre]",
            "for _j in range(_npre):",
            "    _tn[_j] = _tp[_j] * _d",
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
                "    elif _kind != CON_DCSR:",
                "        _po = _con_i[_c, 7]",
                "        for _pos in range(_sptr[_po + _j], _sptr[_po + _j + 1]):",
                "            _q = _sidx[_pos]",
                "            _e = _pos - _sb",
                *_indent(body, 12),
            ],
            4,
        )
        b += [
            "if _kind == CON_DCSR:",  # per synapse: arrivals of each delay
            "    _po = _con_i[_c, 7]",
            "    for _li in range(_con_i[_c, 12]):",
            "        _L = np.int64(_sdel[_con_i[_c, 11] + _li])",
            "        if _step < _L:",
            "            break",
            "        _ra = _ring[(_step - _L) % _n_slot]",
            "        _na = _ring_cnt[(_step - _L) % _n_slot]",
            "        for _a in range(_first_at_least(_ra, _na, _pre0),",
            "                        _first_at_least(_ra, _na, _pre0 + _npre)):",
            "            _j = _ra[_a] - _pre0",
            "            _lo, _hi = delay_range(_sdel, _dd, _sptr[_po + _j],",
            "                                   _sptr[_po + _j + 1], _L)",
            "            for _pos in range(_lo, _hi):",
            "                _q = _sidx[_pos]",
            "                _e = _pos - _sb",
            *_indent(body, 16),
        ]
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
            *_indent(_bump(cls.pre, "_to", "_H * _npre", "_hr * _npre + _j"), 8),
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


# --- the same rule on the GPU ---------------------------------------------------

#: Arguments of a rule's synapse kernel: the step, one plastic connection's
#: ``pl_i`` row ``_pi`` and its connection's GPU row ``_con``
#: (:func:`neurosim.kernels.network_cuda.gpu_arrays`), the spike flags, and
#: the arrays the rule reads and writes.
_CUDA_ARGS = (
    "_step, dt, _pi, _pf, _con, _flags, _trace, _syn, _wdat, _cdat, _cidx, _cptr, "
    "_cperm"
)
_TRACE_ARGS = "_step, _pi, _pf, _con, _flags, _trace"


def _cuda_head(cls: type) -> list[str]:
    """Locals shared by a rule's two kernels (one plastic connection)."""
    return [
        "_post0 = _pi[2]",
        "_npost = _pi[3]",
        "_to = _pi[7]",
        "_fo = _pi[10]",
        "_pre0 = _con[1]",
        "_npre = _con[2]",
        "_delay = _con[5]",
        "_n_slot = _flags.shape[0]",
        "_sa = (_step - _delay) % _n_slot",
        "_sq = _step % _n_slot",
        f"_np = {len(cls.pre)} * _npre",
    ]


def render_rule_cuda(cls: type, k: int) -> list[str]:
    """``_plastic<k>_cuda``: the events of one step, one thread per synapse.

    Steps 2 and 3 of the module docstring for one plastic connection: a
    synapse whose presynaptic spike arrives runs ``on_pre``, then, if its
    postsynaptic neuron spiked, ``on_post``. A synapse is touched by its own
    events only and the traces are only read, so the synapses are
    independent and each does the CPU's operations in the CPU's order (bit
    for bit). The traces are read from before this step's decay, times the
    decay factor (:func:`render_trace_cuda` then decays and bumps them).
    Dense synapse ``e`` is ``(j, q) = divmod(e, n_post)``; a CSR connection's
    synapses are taken in the GPU's CSC order (``_cdat``, the weights its
    propagation reads): pre index ``_cidx``, post column by binary search in
    ``_cptr``, position in the CPU's ``sdat`` order ``_cperm`` (for ``_syn``).
    """
    params = list(cls.params)
    fns = rule_functions(cls)
    np_ = len(params)
    n_tr = len(cls.pre) + len(cls.post)
    b = _cuda_head(cls) + [
        "_so = _pi[8]",
        "_ns = _pi[9]",
        "_sb = _pi[11]",
        "_kind = _con[0]",
        "_wo = _con[6]",
        "_po = _con[7]",
        "_nc = _con[8]",
        "_tq = _to + _np",
        "_W = _wdat if _kind == CON_DENSE else _cdat",
        "_c0 = _cptr[_po]",
    ]
    b += [f"{x} = _pf[_fo + {i}]" for i, x in enumerate(params)]
    b += [f"_sc = _pf[_fo + {np_}]", f"_isc = _pf[_fo + {np_ + 1}]"]
    b += [f"_d{i} = _pf[_fo + {np_ + 2 + i}]" for i in range(n_tr)]
    b.append("t = (_step + 1) * dt")
    loop = [
        "if _kind == CON_DENSE:",
        "    _j = _i // _nc",
        "    _q = _i - _j * _nc",
        "    _pos = _wo + _i",
        "    _e = _i",
        "else:",
        "    _pos = _c0 + _i",
        "    _j = _cidx[_pos]",
        "    _lo = 0",
        "    _hi = _npost",
        "    while _hi - _lo > 1:",
        "        _mid = (_lo + _hi) >> 1",
        "        if _cptr[_po + _mid] <= _pos:",
        "            _lo = _mid",
        "        else:",
        "            _hi = _mid",
        "    _q = _lo",
        "    _e = _cperm[_pos] - _sb",
    ]
    if "on_pre" in fns:
        loop += [
            "if _step >= _delay and _flags[_sa, _pre0 + _j] != 0:",
            *_indent(_event(cls, k, "on_pre", "cuda"), 4),
        ]
    if "on_post" in fns:
        loop += [
            "if _flags[_sq, _post0 + _q] != 0:",
            *_indent(_event(cls, k, "on_post", "cuda"), 4),
        ]
    b += ["for _i in range(cuda.grid(1), _ns, cuda.gridsize(1)):", *_indent(loop, 4)]
    return [f"def _plastic{k}_cuda({_CUDA_ARGS}):", *_indent(b, 4)]


def render_trace_cuda(cls: type, k: int) -> list[str] | None:
    """``_trace<k>_cuda``: decay and spike bumps of the traces, one thread each.

    Steps 1 and 4 of the module docstring in one pass (after
    :func:`render_rule_cuda`'s kernel has read the traces): ``x <- x d``, then
    ``x <- x + 1`` (``"nearest"``: ``x <- 1``) for an arriving presynaptic
    spike or a postsynaptic spike, as the CPU does. None for a rule without
    traces.
    """
    n_pre = len(cls.pre)
    specs = [*cls.pre.values(), *cls.post.values()]
    if not specs:
        return None
    d0 = len(cls.params) + 2
    ops = ["_x = 1.0" if trace_spec(s)[1] == "nearest" else "_x = _x + 1.0"
           for s in specs]  # fmt: skip
    bump = [ops[0]]
    if len(set(ops)) > 1:
        bump = []
        for i, op in enumerate(ops):
            bump += [f"{'if' if i == 0 else 'elif'} _l == {i}:", f"    {op}"]
    b = _cuda_head(cls) + [
        f"for _i in range(cuda.grid(1), _np + {len(cls.post)} * _npost, "
        "cuda.gridsize(1)):",
        "    if _i < _np:",
        "        _l = _i // _npre",
        "        _hit = _step >= _delay and _flags[_sa, _pre0 + _i - _l * _npre] != 0",
        "    else:",
        f"        _l = {n_pre} + (_i - _np) // _npost",
        f"        _q = _i - _np - (_l - {n_pre}) * _npost",
        "        _hit = _flags[_sq, _post0 + _q] != 0",
        f"    _x = _trace[_to + _i] * _pf[_fo + {d0} + _l]",
        "    if _hit:",
        *_indent(bump, 8),
        "    _trace[_to + _i] = _x",
    ]
    return [f"def _trace{k}_cuda({_TRACE_ARGS}):", *_indent(b, 4)]


def gate_args(cls: type, what: str) -> str:
    """``key=..., recipe=...`` of a rule's kernel for the compile gate.

    The key names the kernel's type (the rule class); the recipe generates
    it again from an importable class (None for one defined in ``__main__``
    or inside a function: such a kernel is the same template as the
    package's rules, which the gate compiles).
    """
    path = f"{cls.__module__}:{cls.__qualname__}"
    key = f"neurosim.kernels.rules:{what}[{path}]"
    importable = cls.__module__ != "__main__" and "<locals>" not in cls.__qualname__
    recipe = ("neurosim.kernels.rules:gate_rule", {"rule": path})
    return f"key={key!r}, recipe={recipe if importable else None!r}"


def gate_rule(rule: str) -> None:
    """Recipe of the compile gate: generate a rule's CUDA kernels again."""
    import importlib

    from .models import compile_network_loop

    module, qualname = rule.split(":")
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    compile_network_loop([], [], (cls(),)).build_cuda()
