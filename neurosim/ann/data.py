"""Small data sets for the artificial-network examples and benchmarks.

The 8x8 digits ship with the package (``neurosim/data/digits.npz``, 49 kB), so
the examples need no download and no scikit-learn: they are the test set of the
UCI "Optical Recognition of Handwritten Digits" data set (E. Alpaydin and C.
Kaynak, 1998, https://doi.org/10.24432/C50P49, CC BY 4.0), the same 1,797 images
as ``sklearn.datasets.load_digits``.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np

from .._validation import check_choice


def _digits_file() -> dict[str, np.ndarray]:
    with (resources.files("neurosim") / "data" / "digits.npz").open("rb") as f:
        with np.load(f) as data:
            return {k: data[k] for k in data.files}


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 digits, as ``sklearn.datasets.load_digits`` gives them.

    Returns
    -------
    X : numpy.ndarray
        ``(1797, 64)`` float64 pixels, integers 0..16 (row-major 8x8 images).
    y : numpy.ndarray
        ``(1797,)`` int64 labels 0..9.
    """
    data = _digits_file()
    X = data["images"].reshape(-1, 64).astype(np.float64)
    return X, data["target"].astype(np.int64)


def load_digits_split(
    scale: str = "standard",
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits split 1437 / 360, the standard split of neurosim.

    The split is scikit-learn's ``train_test_split(test_size=360,
    random_state=0)`` (shuffled, not stratified); its indices ship with the data,
    so scikit-learn is not needed.

    Parameters
    ----------
    scale : {"standard", "unit", "none"}
        ``"standard"``: z-score every pixel with the training set's mean and
        standard deviation (constant pixels are only centred); ``"unit"``: divide
        the raw values 0..16 by 16; ``"none"``: raw values.
    dtype : numpy dtype, default numpy.float64
        Floating-point type of the returned images.

    Returns
    -------
    X_train, X_test : numpy.ndarray
        ``(1437, 64)`` and ``(360, 64)`` images.
    y_train, y_test : numpy.ndarray
        ``(1437,)`` and ``(360,)`` int64 labels 0..9.
    """
    check_choice("scale", scale, ("standard", "unit", "none"))
    data = _digits_file()
    X = data["images"].reshape(-1, 64).astype(np.float64)
    y = data["target"].astype(np.int64)
    train, test = data["train_index"], data["test_index"]
    X_tr, X_te, y_tr, y_te = X[train], X[test], y[train], y[test]
    if scale == "unit":
        X_tr, X_te = X_tr / 16.0, X_te / 16.0
    elif scale == "standard":
        mu = X_tr.mean(axis=0)
        sd = X_tr.std(axis=0)
        sd[sd == 0] = 1.0
        X_tr, X_te = (X_tr - mu) / sd, (X_te - mu) / sd
    return X_tr.astype(dtype), X_te.astype(dtype), y_tr, y_te
