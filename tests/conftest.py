"""Shared fixtures: a per-test seeded Generator, and headless matplotlib."""

from __future__ import annotations

import hashlib

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


def pytest_addoption(parser):
    parser.addoption(
        "--seed-salt",
        default="",
        help="re-seed every test's rng at once (shows results don't hang on one seed)",
    )


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A Generator seeded from a hash of the test id (plus ``--seed-salt``)."""
    salt = request.config.getoption("--seed-salt")
    digest = hashlib.sha256((request.node.nodeid + salt).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
