"""Per-variable slices of a model's derivatives, for exponential Euler.

Exponential Euler needs, for every state variable ``x``, the coefficient
``B_x`` of ``dx/dt = A_x + B_x x``. For an equation linear in ``x`` it is the
difference quotient ``(f_x(x + h) - f_x(x)) / h``, exact up to rounding; the
cost is in the shifted evaluation ``f_x(x + h)``. Evaluating the whole
right-hand side once more per variable costs ``1 + n`` evaluations per step
(for a Hodgkin-Huxley model almost all of it rate functions that do not
depend on the shifted variable at all). Brian2 gets ``A`` and ``B``
symbolically (sympy); this module gets the same saving from the model's own
source, without asking the user for anything:

:func:`render_shifted` turns ``derivatives(...)`` into one function that
returns ``f`` and, for every ``x``, ``f_x`` at ``x + h``. The shifted value is
recomputed only through the statements that both *depend on* ``x`` (a forward
pass, following reassignments) and *feed* ``dx/dt`` (a backward slice of
the return value's ``x`` entry); everything else is read from the unshifted
evaluation. For Traub-Miles this recomputes ``i_ion`` and ``dv`` (shift of
``v``) and one line each for ``m``, ``h`` and ``n``, instead of the whole
function four more times. The shifted statements perform the same operations
on the same values as a full evaluation at the shifted point, so the result
is the same to the last bit.

Compound statements (``if``, ``for``, ``while``, ``with``) are treated as one
unit that reads every name it assigns (an assignment in a branch may not
happen); a body that returns anywhere but at its end, deletes names or
stores into subscripts or attributes is not split (``None``: the caller
falls back to full evaluations).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import TypeVar

_N = TypeVar("_N", bound=ast.AST)


@dataclass
class _Unit:
    """One top-level statement: the names it may assign and the names it reads."""

    node: ast.stmt
    defs: set[str]
    uses: set[str]
    #: True when every assigned name is certainly overwritten (a plain ``=``).
    plain: bool


def _names(node: ast.AST, ctx: type) -> set[str]:
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)
    }


def _unit(node: ast.stmt) -> _Unit | None:
    """Definitions and uses of one statement, or None if it cannot be sliced."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Return | ast.Delete | ast.Global | ast.Nonlocal):
            return None
        if isinstance(sub, ast.Subscript | ast.Attribute) and isinstance(
            sub.ctx, ast.Store | ast.Del
        ):
            return None
    defs = _names(node, ast.Store)
    uses = _names(node, ast.Load)
    plain = isinstance(node, ast.Assign | ast.AnnAssign | ast.Expr) and not any(
        isinstance(sub, ast.NamedExpr | ast.comprehension) for sub in ast.walk(node)
    )
    if not plain:
        # may keep a name's earlier value (a branch, a loop that runs zero
        # times, ``x += 1``): the earlier value is an input of the statement
        uses |= defs
    return _Unit(node, defs, uses, plain)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        new = self.mapping.get(node.id)
        return ast.copy_location(ast.Name(new, node.ctx), node) if new else node


def _renamed(node: _N, mapping: dict[str, str]) -> _N:
    return ast.fix_missing_locations(_Rename(mapping).visit(copy.deepcopy(node)))


def _prefix(fn: ast.FunctionDef) -> str:
    """A prefix no name of ``fn`` starts with (for the shifted copies' names)."""
    taken = {a.arg for a in fn.args.args} | _names(fn, ast.Store) | _names(fn, ast.Load)
    prefix = "_s"
    while any(n.startswith(prefix) for n in taken):
        prefix += "_"
    return prefix


def render_shifted(
    fn: ast.FunctionDef, n_state: int, shifted: list[list[str]]
) -> tuple[ast.FunctionDef, list[list[str]]] | None:
    """``fn`` extended to return each ``f_x`` also at a shifted point.

    Parameters
    ----------
    fn : ast.FunctionDef
        The derivatives, ``f(args) -> (f_0, ..., f_{n-1})`` (one value when
        ``n_state`` is 1); not modified.
    n_state : int
        Number of state variables (entries of the returned tuple).
    shifted : list of list of str
        ``shifted[j]``: the arguments of ``fn`` whose value changes when state
        variable ``j`` is shifted (the variable itself; an input current that
        a conductance port computes from it).

    Returns
    -------
    (ast.FunctionDef, list of list of str) or None
        A function with the arguments of ``fn`` followed, for every ``j`` in
        order, by the shifted values of ``shifted[j]``, returning
        ``(f_0, ..., f_{n-1}, g_0, ..., g_{n-1})`` where ``g_j`` is ``f_j``
        with the arguments ``shifted[j]`` replaced by their shifted values;
        and the names of those extra arguments. None when the body's form is
        not supported (see the module docstring).
    """
    fn = copy.deepcopy(fn)
    *body, last = fn.body
    if not isinstance(last, ast.Return) or last.value is None:
        return None
    value = last.value
    if n_state == 1:
        outs = [value]
    elif isinstance(value, ast.Tuple) and len(value.elts) == n_state:
        outs = list(value.elts)
    else:
        return None
    units_ = [u for u in map(_unit, body) if u is not None]
    if len(units_) < len(body):
        return None
    prefix = _prefix(fn)
    args = [a.arg for a in fn.args.args]
    before: list[list[ast.stmt]] = [[] for _ in units_]
    after: list[list[ast.stmt]] = [[] for _ in units_]
    shifted_outs: list[ast.expr] = []
    extra: list[list[str]] = []
    for j, names in enumerate(shifted):
        unknown = set(names) - set(args)
        if unknown:
            raise ValueError(f"shifted: {sorted(unknown)} are not arguments of fn")

        def s(name: str, j: int = j) -> str:
            return f"{prefix}{j}_{name}"

        extra.append([s(a) for a in names])
        # backward: statements whose assignments reach f_j
        needed = _names(outs[j], ast.Load)
        keep = [False] * len(units_)
        for i in range(len(units_) - 1, -1, -1):
            u = units_[i]
            if u.defs & needed:
                keep[i] = True
                needed = (needed - u.defs) | u.uses
        # forward: which names hold shifted values, statement by statement
        dep = set(names)
        defined = set(args)
        for i, u in enumerate(units_):
            if u.uses & dep:
                if keep[i]:
                    if not u.plain:  # the statement may read a name's old value
                        fresh = (u.defs - dep) & defined
                        before[i] += [
                            ast.Assign(
                                [ast.Name(s(d), ast.Store())], ast.Name(d, ast.Load())
                            )
                            for d in sorted(fresh)
                        ]
                    mapping = {d: s(d) for d in dep | u.defs}
                    after[i].append(_renamed(u.node, mapping))
                dep |= u.defs
            else:
                dep -= u.defs
            defined |= u.defs
        shifted_outs.append(_renamed(outs[j], {d: s(d) for d in dep}))
    new_body: list[ast.stmt] = []
    for i, u in enumerate(units_):
        new_body += before[i] + [u.node] + after[i]
    new_body.append(ast.Return(ast.Tuple([*outs, *shifted_outs], ast.Load())))
    fn.args.args += [ast.arg(e) for names in extra for e in names]
    fn.body = new_body
    return ast.fix_missing_locations(fn), extra
