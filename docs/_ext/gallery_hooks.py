"""sphinx-gallery hooks for neurosim's examples (named by string in conf.py).

The gallery runs the scripts of ``neurosim/examples`` (the ones ``neurosim
demo`` runs) as they are, through their command line: ``reset_argv`` gives
each one ``--quick`` (short runs) and ``--out`` (a folder outside the
repository). The scripts leave their figures open for sphinx-gallery's
matplotlib scraper to collect. Building with ``NEUROSIM_DOCS_FULL=1`` runs the
full forms instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def reset_argv(gallery_conf: dict, script_vars: dict) -> list[str]:
    """Command-line arguments for one example script."""
    stem = Path(script_vars["src_file"]).stem
    out = Path(tempfile.gettempdir()) / "neurosim-gallery" / stem
    quick = [] if os.environ.get("NEUROSIM_DOCS_FULL") == "1" else ["--quick"]
    return [*quick, "--out", str(out)]
