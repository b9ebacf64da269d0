"""Numba kernels: plain functions on arrays and scalars, no classes.

Each model's per-element update is one undecorated Python function here,
compiled for the CPU (``njit``) and, in a ``*_cuda.py`` sibling, as a
``numba.cuda`` device function. ``*_cuda`` modules are imported lazily.
"""
