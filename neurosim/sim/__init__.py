"""Simulators: turn model descriptions into arrays and run compiled kernels."""
