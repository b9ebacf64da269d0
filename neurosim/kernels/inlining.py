"""Source-level rewriting of generated model code: inlined calls, vector math.

LLVM vectorises a loop over neurons only when its body is straight-line
arithmetic: no calls it cannot see through, no library calls. The generated
CPU update pass (:mod:`neurosim.kernels.models`) therefore has the model's
step and the model's functions pasted into its loop body
(:func:`inline_calls`, rather than left to LLVM's inliner, which gives up on
a function as large as a Hodgkin-Huxley right-hand side), and ``math.exp``
and ``math.expm1`` replaced by the branch-free functions of
:mod:`neurosim.kernels.vecmath` (:func:`vector_math`). An inlined body
performs the same operations on the same values as the call it replaces, so
the results are the same to the last bit.
"""

from __future__ import annotations

import ast
import copy

from .slicing import _Rename
from .vecmath import REPLACEMENTS


class _VectorMath(ast.NodeTransformer):
    def __init__(self, modules: set[str]):
        self.modules = modules

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id in self.modules
            and f.attr in REPLACEMENTS
        ):
            node.func = ast.copy_location(ast.Name(REPLACEMENTS[f.attr], ast.Load()), f)
        return node


def vector_math(fn: ast.FunctionDef, modules: set[str]) -> ast.FunctionDef:
    """``fn`` with ``<m>.exp``/``<m>.expm1`` calls (``m`` in ``modules``) replaced.

    The replacements are :data:`neurosim.kernels.vecmath.REPLACEMENTS`;
    ``modules`` are the names under which the function sees ``math`` or
    ``numpy``. Returns a new tree.
    """
    return ast.fix_missing_locations(_VectorMath(modules).visit(copy.deepcopy(fn)))


def _inlinable(fn: ast.FunctionDef) -> bool:
    """One ``return <value>`` at the end and no other exit or nested scope."""
    *body, last = fn.body
    if not isinstance(last, ast.Return) or last.value is None:
        return False
    if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs or fn.args.defaults:
        return False
    bad = (ast.Return, ast.Global, ast.Nonlocal, ast.FunctionDef, ast.Lambda, ast.Yield)
    return not any(isinstance(n, bad) for s in body for n in ast.walk(s))


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _expand(
    stmt: ast.stmt, callees: dict[str, ast.FunctionDef], prefix: str
) -> list[ast.stmt] | None:
    """``target = f(args)`` as ``f``'s body, or None if not such a call."""
    if not (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id in callees
        and not stmt.value.keywords
        and not any(isinstance(a, ast.Starred) for a in stmt.value.args)
    ):
        return None
    fn = callees[stmt.value.func.id]
    params = [a.arg for a in fn.args.args]
    if len(params) != len(stmt.value.args):
        return None
    *body, last = fn.body
    body = [  # the docstring
        s
        for s in body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    local = set(params) | {
        n.id
        for s in body
        for n in ast.walk(s)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    rename = _Rename({name: prefix + name for name in local})
    out: list[ast.stmt] = [
        ast.Assign([ast.Name(prefix + p, ast.Store())], arg)
        for p, arg in zip(params, stmt.value.args, strict=True)
    ]
    out += [rename.visit(copy.deepcopy(s)) for s in body]
    assert isinstance(last, ast.Return) and last.value is not None
    value = rename.visit(copy.deepcopy(last.value))
    out.append(ast.Assign(stmt.targets, value))
    return out


def inline_calls(
    fn: ast.FunctionDef, callees: dict[str, ast.FunctionDef]
) -> ast.FunctionDef:
    """``fn`` with its top-level ``target = f(args)`` statements expanded.

    Every statement of ``fn``'s body (at its top level, or in the body of a
    top-level ``for``) that assigns the result of calling one of
    ``callees`` by name, with positional arguments, is replaced by the
    callee's body: its parameters assigned from the arguments, its local
    names prefixed (``_in<k>_``, a prefix no name of ``fn`` or the callees
    starts with), its final ``return`` value assigned to the target. The
    expansion repeats inside the pasted bodies (a step calling the model's
    derivatives). Callees with another ``return``, ``global`` or nested
    scopes stay calls. Returns a new tree.
    """
    fn = copy.deepcopy(fn)
    usable = {k: v for k, v in callees.items() if _inlinable(v)}
    taken = _names(fn) | {n for c in usable.values() for n in _names(c)}
    taken |= {a.arg for c in usable.values() for a in c.args.args}
    base = "_in"
    while any(n.startswith(base) for n in taken):
        base += "_"
    count = 0

    def expand(stmts: list[ast.stmt]) -> list[ast.stmt]:
        nonlocal count
        out: list[ast.stmt] = []
        work = list(stmts)
        while work:
            s = work.pop(0)
            if isinstance(s, ast.For):
                s.body = expand(s.body)
                out.append(s)
                continue
            new = _expand(s, usable, f"{base}{count}_")
            if new is None:
                out.append(s)
            else:
                count += 1
                work = new + work
        return out

    fn.body = expand(fn.body)
    return ast.fix_missing_locations(fn)
