"""COBA benchmark (Brette et al. 2007): neurosim against Brian2 cpp_standalone.

Prints one JSON line per implementation and duration (1 s and 10 s; 0.2 s with
``--quick``): wall time of the simulation loop (``run_s``) and its process CPU
time (``cpu_s``), network build time (``build_s``, connectivity included) and
compile time apart, and the mean firing rate as the check that both simulated
the same network. neurosim and the Brian2 binary (one thread) run in turn, so
both share the machine's load; the Brian2 line's ``ratio`` is its CPU time
over neurosim's (above 1: neurosim is faster).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _brette import main

if __name__ == "__main__":
    main("coba", __doc__)
