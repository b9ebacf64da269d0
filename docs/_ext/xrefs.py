"""Resolve the short cross-references docstrings use, and only real ones.

Docstrings are written where the code lives (``:class:`RecallInfo``` inside
``neurosim.energy.hopfield``), but the API pages show names where users reach
them (``neurosim.energy.RecallInfo``). A Python reference that Sphinx cannot
resolve is tried, in order:

1. as the same object as a documented name (``neurosim.ann.functions.relu``
   documented as ``neurosim.ann.relu``), found by importing it;
2. as the unique documented name that ends with it (``RecallInfo``,
   ``Model.run``);
3. as an importable neurosim object outside the API reference (the numba
   kernels, private helpers): rendered as code without a link.

Anything else stays unresolved, and ``nitpicky`` makes it a build error.
"""

from __future__ import annotations

import importlib

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode


def resolve(dotted: str) -> object | None:
    """The object a dotted name reaches as attributes, as users see it.

    Attributes win over submodules: ``neurosim.ann.tensor`` is the function
    ``ann`` exports, not the module ``neurosim/ann/tensor.py``.
    """
    parts = dotted.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i in range(1, len(parts)):
        try:
            obj = getattr(obj, parts[i])
        except AttributeError:
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
            except ImportError:
                return None
    return obj


def _candidates(node: pending_xref) -> list[str]:
    """Dotted names the target may mean, innermost scope first.

    The scopes are the documented object whose docstring holds the reference
    (``node.source`` ends in "docstring of neurosim.nef.encoding.Population")
    and its parents, then the page's current class and module.
    """
    target = node["reftarget"].lstrip("~.")
    scopes = []
    source = node.source or ""
    if "docstring of " in source:
        owner = source.rsplit("docstring of ", 1)[1].split(":")[0].split()[0]
        parts = owner.split(".")
        scopes += [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    module = node.get("py:module") or ""
    cls = node.get("py:class") or ""
    if module and cls:
        scopes.append(f"{module}.{cls}")
    if module:
        scopes.append(module)
    return [f"{s}.{target}" for s in scopes] + [target]


# id(object) -> documented name; the objects are kept alive in _KEEP so that
# no id is reused while the build runs. Filled once, after every page is read.
_BY_ID: dict[int, str] = {}
_KEEP: list[object] = []


def _by_identity(app: Sphinx, env: BuildEnvironment) -> dict[int, str]:
    if not _BY_ID:
        for name in env.get_domain("py").objects:
            obj = resolve(name)
            if obj is not None:
                _KEEP.append(obj)
                _BY_ID.setdefault(id(obj), name)
    return _BY_ID


def _link(app, env, node, contnode, name):
    """A reference to the documented object ``name``."""
    entry = env.get_domain("py").objects[name]
    return make_refnode(
        app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name
    )


def _missing(app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    target = node["reftarget"].lstrip("~.")
    by_id = _by_identity(app, env)
    # 1. the same object as a documented name
    for cand in _candidates(node):
        obj = resolve(cand)
        if obj is not None and id(obj) in by_id:
            return _link(app, env, node, contnode, by_id[id(obj)])
    # 2. the unique documented name ending in the target
    matches = [n for n in domain.objects if n.endswith("." + target)]
    if len(matches) == 1:
        return _link(app, env, node, contnode, matches[0])
    # 3. a real neurosim object that is not part of the API reference
    for cand in _candidates(node):
        if cand.startswith("neurosim") and resolve(cand) is not None:
            return contnode if isinstance(contnode, nodes.Node) else None
    return None


def setup(app: Sphinx) -> dict:
    app.connect("missing-reference", _missing)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
