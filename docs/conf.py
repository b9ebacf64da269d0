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
    "performance",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_gallery_src", "node_modules", "Thumbs.db", ".DS_Store"]
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
# The API pages, listed here rather than taken from Sphinx's saved environment,
# which does not know a newly added page yet when autosummary writes the stubs.
autosummary_generate = sorted(
    p.relative_to(DOCS).as_posix() for p in (DOCS / "api").glob("*.rst")
)
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

# -- Gallery -------------------------------------------------------------------
# The example scripts live in one place, neurosim/examples (installed with the
# package; `neurosim demo` runs them). The gallery groups them as the package
# is: _gallery_src/<group>/ holds a header and links to the scripts, remade on
# every build; an example missing from GROUPS lands in "More examples".
EXAMPLES = ROOT / "neurosim" / "examples"
GROUPS = {
    "neurons": (
        "Neurons",
        ["01_lif_tuning_curves", "02_hodgkin_huxley", "15_write_your_own_model"],
    ),
    "synapses": ("Synapses and spike trains", ["03_synaptic_filters"]),
    "networks": ("Spiking networks", ["04_cuba_network", "16_plasticity_rules"]),
    "population_coding": (
        "Population coding (NEF)",
        ["05_population_coding", "06_neural_dynamics"],
    ),
    "energy": ("Energy-based networks", ["09_hopfield_memory", "10_rbm"]),
    "artificial_networks": (
        "Artificial networks",
        ["07_mlp_digits", "08_sequence_models"],
    ),
    "learning": (
        "Biological vs backprop learning",
        ["11_pc_vs_backprop", "12_local_rules"],
    ),
    "sweeps": (
        "Parameter sweeps",
        ["13_fi_sweeps", "14_network_phase_diagram"],
    ),
    "more": ("More examples", []),
}
# Examples that need a GPU, a cluster or worker processes: shown, never run by
# the build. Their figures, made once by the same script (--quick), are stored
# in _static/stored/ (see its README) and shown under their group's heading.
NOT_RUN = ["13_fi_sweeps", "14_network_phase_diagram"]
STORED = DOCS / "_static" / "stored"


def _stage_gallery() -> Path:
    import shutil

    src = DOCS / "_gallery_src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir()
    (src / "GALLERY_HEADER.rst").write_text(
        "Gallery\n=======\n\n"
        "Every script of ``neurosim/examples`` (the ones ``neurosim demo`` runs), "
        "with its code, its printed output and its figures. The build runs each "
        "one in its short form (``--quick``); ``neurosim demo --only NAME "
        "--out DIR`` runs the full form.\n"
    )
    scripts = sorted(p for p in EXAMPLES.glob("[0-9][0-9]_*.py"))
    grouped = {s for _, stems in GROUPS.values() for s in stems}
    for group, (title, stems) in GROUPS.items():
        members = [p for p in scripts if p.stem in stems]
        if group == "more":
            members = [p for p in scripts if p.stem not in grouped]
        if not members:
            continue
        (src / group).mkdir()
        header = f"{title}\n{'-' * len(title)}\n"
        for p in members:
            if p.stem in NOT_RUN and (STORED / f"{p.stem}.png").is_file():
                header += (
                    f"\n.. figure:: /_static/stored/{p.stem}.png\n"
                    f"   :width: 100%\n\n"
                    f"   Stored output of ``{p.name} --quick`` (not run by this "
                    f"build; see ``docs/_static/stored/README.txt``).\n"
                )
        (src / group / "GALLERY_HEADER.rst").write_text(header)
        for p in members:
            (src / group / p.name).symlink_to(p)
    return src


sphinx_gallery_conf = {
    "examples_dirs": str(_stage_gallery()),
    "gallery_dirs": "auto_examples",
    "subsection_order": [f"_gallery_src/{g}" for g in GROUPS],
    "within_subsection_order": "FileNameSortKey",
    # every numbered script runs, except those that need a GPU or a cluster
    "filename_pattern": r"/(?!({})\.py)\d\d_".format("|".join(NOT_RUN or ["$^"])),
    "reset_argv": "gallery_hooks.reset_argv",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "capture_repr": (),
    "reference_url": {},
    "backreferences_dir": None,
}
