"""Example scripts, installed with the package; ``neurosim demo`` runs them all.

Each ``NN_name.py`` defines ``main(out_dir, quick=False) -> list[Path]``, which
draws its figures, saves them under ``out_dir`` and returns their paths; run
alone, ``python NN_name.py --out DIR [--quick]`` does the same and shows the
figures when matplotlib has a screen. They use neurosim's public API and need
only numpy, numba, scipy and matplotlib. They are user scripts, the one place
outside :mod:`neurosim.plotting` that imports matplotlib: ``pyplot`` lays out
the figures and ``ns.plotting`` draws whatever it has a helper for. The
package loads them only to run them (``neurosim demo``).
"""
