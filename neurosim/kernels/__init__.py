"""numba kernels: plain functions on arrays and scalars, compiled through ``_jit``."""
