"""Every ```python block of the README runs as written (in order, one namespace)."""

import linecache
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_readme_block_runs(i):
    # Register the block's text as a notebook does, so that the source of a
    # model defined in it can be read (ns.NeuronModel compiles that source).
    name = f"README.md block {i}"
    lines = BLOCKS[i].splitlines(keepends=True)
    linecache.cache[name] = (len(BLOCKS[i]), None, lines, name)
    exec(compile(BLOCKS[i], name, "exec"), {})
