"""Command-line entry point: ``neurosim demo`` and ``neurosim compare-learning``.

``neurosim demo --out DIR`` runs every numbered script in ``neurosim/examples/``
(each defines ``main(out_dir, quick=False) -> list[Path]``) and writes their
figures to ``DIR``. The examples are installed with the package and are the
single source of the demo, so what users read is what the demo runs. Errors in
the arguments end the program with one line ``neurosim: error: ...`` and exit
status 2, before any work starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType

from . import __version__

#: Where the demo and the example scripts write their figures unless told.
DEFAULT_OUT = Path(tempfile.gettempdir()) / "neurosim-demo"


def examples_dir() -> Path:
    """Folder holding the example scripts (installed with the package).

    Returns
    -------
    pathlib.Path
        ``neurosim/examples`` inside the installed (or editable) package.
    """
    return Path(__file__).resolve().parent / "examples"


def list_examples() -> list[Path]:
    """The numbered example scripts, in order.

    Returns
    -------
    list of pathlib.Path
        Every ``NN_*.py`` in :func:`examples_dir`, sorted by name.
    """
    return sorted(examples_dir().glob("[0-9][0-9]_*.py"))


def load_example(path: Path) -> ModuleType:
    """Import an example script as a module without running its ``__main__`` block.

    The installed examples are imported by their package name
    (``neurosim.examples.13_fi_sweeps``), so that functions they define can be
    pickled by reference and sent to worker processes; a script elsewhere is
    loaded from its file.

    Parameters
    ----------
    path : pathlib.Path
        The script.

    Returns
    -------
    module
        The imported script; call its ``main(out_dir, quick=...)``.
    """
    path = Path(path)
    if path.resolve().parent == Path(__file__).resolve().parent / "examples":
        return importlib.import_module(f"{__package__}.examples.{path.stem}")
    spec = importlib.util.spec_from_file_location(f"neurosim_example_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load example {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def select_examples(only: Sequence[str] = ()) -> list[Path]:
    """The examples whose name contains one of ``only`` (all when empty).

    Parameters
    ----------
    only : sequence of str
        Words to look for in the script names (``"hopfield"``, ``"07"``).

    Returns
    -------
    list of pathlib.Path
        The matching scripts, in order.

    Raises
    ------
    ValueError
        When ``only`` is given and no script matches.
    """
    paths = list_examples()
    if only:
        paths = [p for p in paths if any(o in p.stem for o in only)]
        if not paths:
            names = ", ".join(p.stem for p in list_examples())
            raise ValueError(
                f"only: no example matches {list(only)}; examples: {names}"
            )
    return paths


def run_demo(
    out: Path, quick: bool = False, only: Sequence[str] = ()
) -> tuple[list[Path], dict[str, str]]:
    """Run the examples, each to the end or to its error, and write their figures.

    A failing example does not stop the others: its error is reported and the
    next one runs.

    Parameters
    ----------
    out : pathlib.Path
        Output folder (created if needed).
    quick : bool
        Run every example in its short form.
    only : sequence of str
        Run only the examples whose name contains one of these words.

    Returns
    -------
    written : list of pathlib.Path
        Every file the examples wrote.
    failed : dict
        Example name -> one-line reason, for the examples that raised.
    """
    from . import plotting

    paths = select_examples(only)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    failed: dict[str, str] = {}
    for path in paths:
        t0 = time.perf_counter()
        print(f"[neurosim demo] {path.stem} ...", flush=True)
        try:
            files = load_example(path).main(out, quick=quick)
        except Exception as e:  # report, and run the other examples
            traceback.print_exc()
            why = f"{type(e).__name__}: {e}".splitlines()[0]
            failed[path.stem] = why
            print(f"[neurosim demo] {path.stem} FAILED: {why}", flush=True)
            continue
        finally:
            plotting.close_all()
        written.extend(files)
        print(
            f"[neurosim demo] {path.stem}: {len(files)} file(s) in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return written, failed


def _writable_folder(parser: argparse.ArgumentParser, out: Path) -> Path:
    """``out``, created and checked writable, or a one-line argparse error."""
    out = out.expanduser().resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        parser.error(f"argument --out: cannot write to {out}: {e.strerror or e}")
    return out


def _cmd_demo(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        select_examples(args.only or ())
    except ValueError as e:
        parser.error(f"argument --only: {str(e).removeprefix('only: ')}")
    out = _writable_folder(parser, args.out)
    print(f"[neurosim demo] writing figures to {out}", flush=True)
    files, failed = run_demo(out, quick=args.quick, only=args.only or ())
    print(f"[neurosim demo] done: {len(files)} file(s) written to {out}")
    for f in files:
        print(f"  {f}")
    if failed:
        print(f"[neurosim demo] {len(failed)} example(s) failed:", file=sys.stderr)
        for name, why in failed.items():
            print(f"  {name}: {why}", file=sys.stderr)
        return 1
    return 0


def _cmd_compare_learning(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> int:
    from .learning import compare
    from .learning.compare import RULES

    rules = [r.strip() for r in args.rules.split(",") if r.strip()]
    if rules == ["all"]:
        rules = list(RULES)
    bad = [r for r in rules if r not in RULES]
    if bad or not rules:
        parser.error(
            f"argument --rules: invalid rule(s) {bad or [args.rules]} "
            f"(choose from {', '.join(RULES)}; or all)"
        )
    out = None
    if args.out:
        out = Path(args.out).expanduser().resolve()
        _writable_folder(parser, out.parent)
    result = compare(
        rules,
        data=args.data,
        epochs=args.epochs,
        seeds=args.seeds,
        optimizer=args.optimizer,
        lr=args.lr,
    )
    if out is not None:
        ax = result.plot()
        ax.figure.savefig(out, dpi=120, bbox_inches="tight")  # legend outside
        print(f"[neurosim compare-learning] learning curves written to {out}")
    return 0


def _positive(kind: type) -> Callable[[str], float]:
    """argparse ``type=`` that accepts numbers of ``kind`` above zero."""

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a positive {kind.__name__}, got {text!r}"
            ) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(
                f"expected a positive {kind.__name__}, got {text!r}"
            )
        return value

    convert.__name__ = f"positive {kind.__name__}"
    return convert


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help text that shows every option's default (none for flags)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.nargs == 0 or action.default is None:  # flags; no default
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """The ``neurosim`` argument parser (sub-commands register here).

    Returns
    -------
    argparse.ArgumentParser
        The parser; ``parse_args`` returns a namespace whose ``func`` runs the
        sub-command.
    """
    parser = argparse.ArgumentParser(
        prog="neurosim",
        description="Simulate biological neural networks and compare them with "
        "artificial ones.",
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"neurosim {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run the examples and write their figures",
        description="Run the example scripts and write their figures. A failing "
        "example is reported and the others still run; the exit status is 1 when "
        "any failed.",
        formatter_class=_Formatter,
    )
    demo.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for the figures"
    )
    demo.add_argument(
        "--quick", action="store_true", help="short runs (about two minutes in all)"
    )
    demo.add_argument(
        "--only",
        nargs="+",
        metavar="WORD",
        help="run only the examples whose name contains one of these words "
        "(default: all)",
    )
    demo.set_defaults(func=partial(_cmd_demo, demo))
    cmp = sub.add_parser(
        "compare-learning",
        help="train one architecture by backprop, local and spiking rules; "
        "print the table",
        description="Train one architecture (64-128-10; tanh for the rate "
        "networks, LIF neurons for the spiking ones) by backprop, by local "
        "learning rules and by spiking rules on the same data, seeds and "
        "optimiser; print the table of test accuracies (and spikes per inference) "
        "and optionally save the learning curves.",
        formatter_class=_Formatter,
    )
    cmp.add_argument("--data", default="digits", choices=["digits"], help="data set")
    cmp.add_argument(
        "--rules",
        default="backprop,pc,fa",
        help="comma-separated rules: backprop, pc, pc-fixed, pc-zil, pc-learned, "
        "fa, snn-bptt, eprop, eprop-readout, stdp, stdp-off, ann2snn; or all",
    )
    cmp.add_argument(
        "--epochs", type=_positive(int), default=20, help="training epochs"
    )
    cmp.add_argument(
        "--seeds", type=_positive(int), default=3, help="seeds 0 .. SEEDS-1 per rule"
    )
    cmp.add_argument(
        "--optimizer", default="adam", choices=["adam", "sgd"], help="optimiser"
    )
    cmp.add_argument(
        "--lr",
        type=_positive(float),
        default=None,
        help="learning rate (default: 1e-3 for adam, 0.1 for sgd)",
    )
    cmp.add_argument(
        "--out",
        default=None,
        help="save the learning curves to this image file (default: not saved)",
    )
    cmp.set_defaults(func=partial(_cmd_compare_learning, cmp))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurosim`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 when a demo example failed (argument
        errors exit with status 2 through ``SystemExit``).
    """
    from . import plotting

    parser = build_parser()
    args = parser.parse_args(argv)
    plotting.use_headless()  # the commands write files; they never need a screen
    return args.func(args)


def run_example(
    main: Callable[..., list[Path]],
    description: str | None = None,
    argv: Sequence[str] | None = None,
) -> list[Path]:
    """Command line of one example script: ``--out DIR`` and ``--quick``.

    Every example ends with ``if __name__ == "__main__": run_example(main,
    __doc__)``: it parses the arguments, runs ``main``, prints the paths it
    wrote and shows the figures when matplotlib has a screen.

    Parameters
    ----------
    main : callable
        The example's ``main(out_dir, quick=False) -> list[Path]``.
    description : str, optional
        Help text (the script's docstring; its first line is used).
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    list of pathlib.Path
        The files the example wrote.
    """
    from . import plotting

    first_line = description.strip().splitlines()[0] if description else None
    parser = argparse.ArgumentParser(description=first_line, formatter_class=_Formatter)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for the figures"
    )
    parser.add_argument("--quick", action="store_true", help="short runs (seconds)")
    args = parser.parse_args(argv)
    out = _writable_folder(parser, args.out)
    files = main(out, quick=args.quick)
    for f in files:
        print(f)
    plotting.show()
    return files


if __name__ == "__main__":
    sys.exit(main())
