"""Small data sets for the artificial-network examples and benchmarks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_choice


def load_digits_split(
    test_size: int = 360,
    random_state: int = 0,
    scale: str = "standard",
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (1797 images), split 1437 / 360.

    Returns ``(X_train, X_test, y_train, y_test)``: X of shape (n, 64), y integer
    labels 0..9. The split is ``sklearn.model_selection.train_test_split(
    test_size=360, random_state=0)`` (shuffled, not stratified), the standard
    split of the neurosim benchmarks.

    Parameters
    ----------
    scale : {"standard", "unit", "none"}
        ``"standard"``: z-score every pixel with the training set's mean and
        standard deviation (constant pixels are only centred); ``"unit"``: divide
        the raw values 0..16 by 16; ``"none"``: raw values.

    Raises
    ------
    ImportError
        When scikit-learn (an optional extra, ``pip install scikit-learn``) is
        not installed.
    """
    check_choice("scale", scale, ("standard", "unit", "none"))
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as e:
        raise ImportError(
            "load_digits_split needs scikit-learn, an optional extra: "
            "pip install scikit-learn"
        ) from e
    digits = load_digits()
    X = digits.data.astype(np.float64)
    y = digits.target.astype(np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, random_state=random_state
    )
    if scale == "unit":
        X_tr, X_te = X_tr / 16.0, X_te / 16.0
    elif scale == "standard":
        mu = X_tr.mean(axis=0)
        sd = X_tr.std(axis=0)
        sd[sd == 0] = 1.0
        X_tr, X_te = (X_tr - mu) / sd, (X_te - mu) / sd
    return X_tr.astype(dtype), X_te.astype(dtype), y_tr, y_te
