"""Every neurosim/examples/NN_*.py runs headless in its quick form, writes figures."""

import pytest

from neurosim import plotting
from neurosim.cli import list_examples, load_example

EXAMPLES = list_examples()


def test_examples_exist():
    names = [p.stem for p in EXAMPLES]
    assert "01_lif_tuning_curves" in names and "02_hodgkin_huxley" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    try:
        files = load_example(path).main(tmp_path, quick=True)
    finally:
        plotting.close_all()
    assert files, f"{path.name} wrote no files"
    for f in files:
        assert f.exists() and f.stat().st_size > 1000, f
