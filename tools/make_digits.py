"""Write ``neurosim/data/digits.npz``: the 8x8 digits and their standard split.

The data are the 1,797 8x8 images of handwritten digits that scikit-learn ships
as ``sklearn.datasets.load_digits``: the test set of the UCI "Optical
Recognition of Handwritten Digits" data set (E. Alpaydin, C. Kaynak, 1998;
https://doi.org/10.24432/C50P49), licensed under CC BY 4.0. The split is
``train_test_split(test_size=360, random_state=0)`` (1,437 / 360), the split of
neurosim's examples and benchmarks.

Run once, with scikit-learn installed, from the repository root::

    python tools/make_digits.py

``tests/ann/test_data.py`` checks the shipped file against scikit-learn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = Path(__file__).resolve().parent.parent / "neurosim" / "data" / "digits.npz"


def main() -> Path:
    """Write the file; return its path."""
    digits = load_digits()
    images = digits.data.astype(np.uint8).reshape(-1, 8, 8)
    if not np.array_equal(images.reshape(-1, 64), digits.data):
        raise RuntimeError("digits pixels are not integers 0..16")
    index = np.arange(len(digits.target))
    train, test = train_test_split(index, test_size=360, random_state=0)
    np.savez_compressed(
        OUT,
        images=images,
        target=digits.target.astype(np.uint8),
        train_index=train.astype(np.uint16),
        test_index=test.astype(np.uint16),
    )
    return OUT


if __name__ == "__main__":
    path = main()
    print(f"{path}: {path.stat().st_size} bytes")
