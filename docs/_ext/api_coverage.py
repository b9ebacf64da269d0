"""Fail the build when a public name is missing from the API reference.

Public means: every name in the ``__all__`` of ``neurosim`` and of each of its
subpackages, every public module named there (its own ``__all__``, or the
public names defined in it when it has none), and ``neurosim.plotting``.
``neurosim.kernels`` (numba internals) and ``neurosim.examples`` (the
gallery's scripts) are not API. A name counts as documented when some entry of
the Python domain (an ``autosummary``/``autodoc`` target) is the same object,
so ``neurosim.LIF`` documents ``neurosim.neurons.LIF`` too.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from xrefs import resolve

logger = logging.getLogger(__name__)

PACKAGE = "neurosim"
NOT_API = ("neurosim.kernels", "neurosim.examples")
EXTRA_MODULES = ("neurosim.plotting",)


def _public_module(name: str) -> bool:
    parts = name.split(".")
    return not any(p.startswith("_") for p in parts) and not name.startswith(NOT_API)


def _module_names(mod: types.ModuleType) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is not None:
        return list(names)
    return [
        n
        for n, obj in vars(mod).items()
        if not n.startswith("_") and getattr(obj, "__module__", None) == mod.__name__
    ]


def required() -> dict[str, object]:
    """Map each public dotted name to its object."""
    root = importlib.import_module(PACKAGE)
    todo = [root] + [importlib.import_module(m) for m in EXTRA_MODULES]
    todo += [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, PACKAGE + ".")
        if info.ispkg and _public_module(info.name)
    ]
    out: dict[str, object] = {}
    seen: set[str] = set()
    while todo:
        mod = todo.pop()
        if mod.__name__ in seen or not _public_module(mod.__name__):
            continue
        seen.add(mod.__name__)
        out[mod.__name__] = mod
        for name in _module_names(mod):
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType):
                todo.append(obj)
            else:
                out[f"{mod.__name__}.{name}"] = obj
    return out


def missing(documented: list[str]) -> list[str]:
    """Public names whose object no documented name refers to."""
    ids = set()
    for name in documented:
        obj = resolve(name)
        if obj is not None:
            ids.add(id(obj))
    return sorted(n for n, obj in required().items() if id(obj) not in ids)


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    if not app.builder.format == "html":
        return
    domain = env.get_domain("py")
    documented = list(domain.objects) + list(domain.modules)
    for name in missing(documented):
        logger.warning(
            "public name %s is not documented in the API reference (docs/api/)",
            name,
            type="neurosim",
            subtype="api",
        )


def setup(app: Sphinx) -> dict:
    app.connect("env-check-consistency", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
