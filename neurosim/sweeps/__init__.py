"""Parameter sweeps: one function over many points and seeds, on local cores or Dask.

:func:`sweep` runs a plain function of keyword parameters over a grid, a list
of points or random samples, times a number of seeds, in worker processes on
this machine (default) or on a ``dask.distributed`` cluster, and returns a
:class:`Table` (one row per point and seed). With ``out=`` every row is
written to disk as it arrives, so an interrupted sweep resumes where it
stopped. :func:`load` reads such a folder back; the plots are
:func:`neurosim.plotting.sweep_line` and :func:`neurosim.plotting.sweep_heatmap`.
"""

from __future__ import annotations

from ._local import LocalWorkers
from ._points import point_seed, random_points
from ._sweep import load, sweep
from ._table import Table

__all__ = ["LocalWorkers", "Table", "load", "point_seed", "random_points", "sweep"]
