"""Report numpydoc's parse warnings as Sphinx warnings, so ``-W`` fails on them.

numpydoc raises a Python ``UserWarning`` for a docstring it cannot parse (an
unknown section, say) and renders the rest; without this hook the build
would pass with the section silently dropped.
"""

from __future__ import annotations

import warnings

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
_show = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if "numpydoc" in str(filename):
        logger.warning("numpydoc: %s", message, type="neurosim", subtype="numpydoc")
    else:
        _show(message, category, filename, lineno, file, line)


def setup(app: Sphinx) -> dict:
    warnings.showwarning = _showwarning
    # numpydoc warns once per docstring; make sure no filter hides a repeat
    warnings.filterwarnings("always", category=UserWarning, module="numpydoc")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
