"""The `neurosim` command line: argparse-style errors, version, the demo contract."""

from pathlib import Path

import pytest

import neurosim
from neurosim import cli


def _fails(capsys, argv):
    """Run ``neurosim argv``; return its stderr, asserting exit status 2."""
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"neurosim {neurosim.__version__}"


@pytest.mark.parametrize(
    "argv, match",
    [
        (["compare-learning", "--rules", "bogus"], "argument --rules: invalid rule"),
        (["compare-learning", "--rules", ","], "argument --rules"),
        (["compare-learning", "--rules", "all,stdp"], "invalid rule(s) ['all']"),
        (["compare-learning", "--epochs", "0"], "argument --epochs: expected a pos"),
        (["compare-learning", "--epochs", "two"], "argument --epochs"),
        (["compare-learning", "--seeds", "-1"], "argument --seeds"),
        (["compare-learning", "--lr", "0"], "argument --lr"),
        (["compare-learning", "--data", "mnist"], "argument --data: invalid choice"),
        (["demo", "--only", "no-such-example"], "argument --only: no example matches"),
        (["demo", "--bogus"], "unrecognized arguments"),
        ([], "required"),
    ],
)
def test_bad_arguments_are_one_line_errors(capsys, argv, match):
    line = _fails(capsys, argv)
    assert line.startswith("neurosim") and ": error: " in line, line
    assert match in line, line


def test_unwritable_out_is_caught_before_any_work(capsys, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    ran = []
    monkeypatch.setattr(cli, "run_demo", lambda *a, **k: ran.append(a))
    line = _fails(capsys, ["demo", "--out", str(blocker / "figures")])
    assert "argument --out: cannot write to" in line
    line = _fails(
        capsys, ["compare-learning", "--epochs", "1", "--out", str(blocker / "c.png")]
    )
    assert "argument --out: cannot write to" in line
    assert ran == []


def test_help_shows_defaults_without_markup(capsys):
    for argv in (["--help"], ["demo", "--help"], ["compare-learning", "--help"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert "``" not in text and ":func:" not in text
    assert "(default: 20)" in text and "(default: adam)" in text
    assert "(default: backprop,pc,fa)" in text


def _write_examples(folder: Path) -> None:
    folder.mkdir()
    (folder / "01_fails.py").write_text(
        "def main(out_dir, quick=False):\n    raise ImportError('needs foo')\n"
    )
    (folder / "02_works.py").write_text(
        "from pathlib import Path\n"
        "def main(out_dir, quick=False):\n"
        "    p = Path(out_dir) / 'ok.txt'\n"
        "    p.write_text('quick' if quick else 'full')\n"
        "    return [p]\n"
    )


def test_failing_example_does_not_stop_the_demo(capsys, tmp_path, monkeypatch):
    _write_examples(tmp_path / "ex")
    monkeypatch.setattr(cli, "examples_dir", lambda: tmp_path / "ex")
    out = tmp_path / "out"
    assert cli.main(["demo", "--quick", "--out", str(out)]) == 1
    assert (out / "ok.txt").read_text() == "quick"
    err = capsys.readouterr().err
    assert "01_fails: ImportError: needs foo" in err
    assert "02_works" not in err.split("failed:")[1]
    assert cli.main(["demo", "--only", "works", "--out", str(out)]) == 0
    assert (out / "ok.txt").read_text() == "full"


def test_examples_are_installed_with_the_package():
    folder = cli.examples_dir()
    assert folder.parent == Path(neurosim.__file__).parent
    assert len(cli.list_examples()) >= 12


def test_run_example_parses_out_and_quick(tmp_path, capsys):
    seen = {}

    def main(out_dir, quick=False):
        seen.update(out=out_dir, quick=quick)
        return [Path(out_dir) / "x.png"]

    files = cli.run_example(main, "Title line.\n\nMore.", ["--out", str(tmp_path)])
    assert seen == {"out": tmp_path.resolve(), "quick": False}
    assert files == [tmp_path.resolve() / "x.png"]
    cli.run_example(main, None, ["--out", str(tmp_path), "--quick"])
    assert seen["quick"] is True
    with pytest.raises(SystemExit) as exc:
        cli.run_example(main, "Title.", ["--help"])
    assert exc.value.code == 0
    assert "Title." in capsys.readouterr().out


def test_installed_examples_import_under_the_package_name():
    """So that functions they define pickle by reference (sweeps send them to
    worker processes; without cloudpickle that needs an importable module)."""
    import pickle

    path = next(p for p in cli.list_examples() if p.stem == "07_mlp_digits")
    mod = cli.load_example(path)
    assert mod.__name__ == "neurosim.examples.07_mlp_digits"
    assert pickle.loads(pickle.dumps(mod.main)) is mod.main


def test_compare_learning_all_means_every_rule(monkeypatch):
    from neurosim import learning
    from neurosim.learning.compare import RULES

    asked = []
    monkeypatch.setattr(learning, "compare", lambda rules, **kw: asked.append(rules))
    assert cli.main(["compare-learning", "--rules", "all", "--epochs", "1"]) == 0
    assert asked == [list(RULES)]
    assert {"stdp", "stdp-off", "eprop", "snn-bptt", "ann2snn"} <= set(RULES)
