"""Copy MathJax 3 from ``docs/node_modules`` into the built site's ``_static``.

``make -C docs html`` installs the pinned package from the npm registry
(``npm ci``, see ``docs/package.json``); this extension copies the combined
``tex-mml-chtml.js`` and the components it loads on demand (CHTML fonts, TeX
extensions, menu and accessibility), so math renders with no network access.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

ES5 = Path(__file__).resolve().parents[1] / "node_modules" / "mathjax" / "es5"
# What tex-mml-chtml.js loads relative to itself (the speech engine is left out).
PARTS = ["tex-mml-chtml.js", "input", "output", "ui", "a11y"]


def _check(app: Sphinx) -> None:
    if app.builder.format == "html" and not (ES5 / PARTS[0]).is_file():
        raise ConfigError(
            f"MathJax not found at {ES5}: run `npm ci --prefix docs` "
            "(make -C docs html does it)"
        )


def _copy(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    dest = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src = ES5 / part
        if src.is_dir():
            shutil.copytree(src, dest / part, dirs_exist_ok=True)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _check)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
