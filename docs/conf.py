"""Sphinx configuration for neurosim's documentation site.

Built with ``make -C docs html`` (see ``docs/Makefile``), warnings as errors.
Everything the pages load comes from this build: the PyData theme's own assets
and MathJax 3 from the npm registry (``docs/package.json``), copied into
``_build/html/_static/mathjax``. No intersphinx, no CDN.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
# Import the package from this checkout, not from another install.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import neurosim  # noqa: E402

project = "neurosim"
author = "the neurosim developers"
copyright = "the neurosim developers"  # noqa: A001
release = neurosim.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "vendor_mathjax",
    "api_coverage",
    "xrefs",
    "warnings_as_sphinx",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "node_modules", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# -- Cross-references: every explicit reference must resolve -----------------
nitpicky = True
# No intersphinx (the build is offline): references into the standard library,
# numpy, scipy and matplotlib are allowed to stay unresolved.
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|matplotlib|collections|typing|pathlib)\..*"),
    (r"py:.*", r"(int|float|bool|str|bytes|list|tuple|dict|set|callable|object)"),
    (r"py:.*", r"(ndarray|array_like|array-like|optional|sequence|Generator)"),
]

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # types are in the numpydoc Parameters sections
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"neurosim {release}"
html_static_path = ["_static"]
html_css_files = ["neurosim.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
# An explicit colour mode (the theme logs a console error when none is set).
html_context = {"default_mode": "auto"}
html_favicon = "_static/favicon.svg"
# The vendored MathJax (see _ext/vendor_mathjax.py), relative to _static.
mathjax_path = "mathjax/tex-mml-chtml.js"
