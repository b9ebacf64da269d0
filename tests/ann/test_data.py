"""The shipped digits equal scikit-learn's, and so does the shipped split."""

import numpy as np
import pytest

from neurosim import ann


def test_digits_shapes_and_scales():
    X, y = ann.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))
    # class counts of the UCI test set (optdigits.tes)
    counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.array_equal(np.bincount(y), counts)
    Xtr, Xte, ytr, yte = ann.load_digits_split()
    assert Xtr.shape == (1437, 64) and Xte.shape == (360, 64)
    assert ytr.shape == (1437,) and yte.shape == (360,)
    np.testing.assert_allclose(Xtr.mean(0), 0, atol=1e-12)
    Xu = ann.load_digits_split(scale="unit")[0]
    assert Xu.min() == 0 and Xu.max() == 1
    Xr, Xr_te, _, _ = ann.load_digits_split(scale="none")
    # the split is a partition: every image once, in train or test
    rows = np.concatenate([Xr, Xr_te])
    assert sorted(map(bytes, rows.astype(np.uint8))) == sorted(
        map(bytes, X.astype(np.uint8))
    )
    assert ann.load_digits_split(dtype=np.float32)[0].dtype == np.float32


def test_bad_scale_is_rejected():
    with pytest.raises(ValueError, match="scale"):
        ann.load_digits_split(scale="minmax")


def test_digits_and_split_equal_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    digits = datasets.load_digits()
    X, y = ann.load_digits()
    np.testing.assert_array_equal(X, digits.data)
    np.testing.assert_array_equal(y, digits.target)
    ref = model_selection.train_test_split(
        digits.data, digits.target, test_size=360, random_state=0
    )
    for ours, theirs in zip(ann.load_digits_split(scale="none"), ref, strict=True):
        np.testing.assert_array_equal(ours, theirs)
