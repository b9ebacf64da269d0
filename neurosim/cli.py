"""Command-line entry point: ``neurosim demo`` and friends.

``neurosim demo --out DIR`` runs every numbered script in ``examples/`` (each
defines ``main(out_dir, quick=False) -> list[Path]``) and writes their figures to
``DIR``. The examples are the single source of the demo, so what users read is
what the demo runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def examples_dir() -> Path:
    """Folder holding the example scripts (``$NEUROSIM_EXAMPLES`` or the checkout's)."""
    env = os.environ.get("NEUROSIM_EXAMPLES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "examples"


def list_examples(folder: Path | None = None) -> list[Path]:
    """The numbered example scripts, in order."""
    folder = examples_dir() if folder is None else folder
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py"))


def load_example(path: Path):
    """Import an example script as a module without running its ``__main__`` block."""
    spec = importlib.util.spec_from_file_location(f"neurosim_example_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load example {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_demo(out: Path, quick: bool = False, only: Sequence[str] = ()) -> list[Path]:
    """Run the examples (all, or those whose name contains one of ``only``)."""
    paths = list_examples()
    if not paths:
        raise FileNotFoundError(
            f"no example scripts found in {examples_dir()}; run from a source "
            "checkout (pip install -e .) or set NEUROSIM_EXAMPLES"
        )
    if only:
        paths = [p for p in paths if any(o in p.stem for o in only)]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in paths:
        t0 = time.perf_counter()
        print(f"[neurosim demo] {path.stem} ...", flush=True)
        module = load_example(path)
        files = module.main(out, quick=quick)
        written.extend(files)
        print(
            f"[neurosim demo] {path.stem}: {len(files)} file(s) in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return written


def _cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    print(f"[neurosim demo] writing figures to {out}", flush=True)
    files = run_demo(out, quick=args.quick, only=args.only or ())
    print(f"[neurosim demo] done: {len(files)} file(s) written to {out}")
    for f in files:
        print(f"  {f}")
    return 0


def _cmd_compare_learning(args: argparse.Namespace) -> int:
    from .learning import compare

    result = compare(
        [r.strip() for r in args.rules.split(",") if r.strip()],
        data=args.data,
        epochs=args.epochs,
        seeds=args.seeds,
        optimizer=args.optimizer,
        lr=args.lr,
    )
    if args.out:
        out = Path(args.out).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        ax = result.plot()
        ax.figure.savefig(out, dpi=120)
        print(f"[neurosim compare-learning] learning curves written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``neurosim`` argument parser (sub-commands register here)."""
    parser = argparse.ArgumentParser(
        prog="neurosim", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the examples and write their figures")
    demo.add_argument("--out", default="neurosim-demo", help="output folder")
    demo.add_argument("--quick", action="store_true", help="short runs (seconds)")
    demo.add_argument(
        "--only", nargs="*", help="run only examples whose name contains these words"
    )
    demo.set_defaults(func=_cmd_demo)
    cmp = sub.add_parser(
        "compare-learning",
        help="train one architecture by backprop, local and spiking rules; "
        "print the table",
    )
    cmp.add_argument("--data", default="digits", help="data set (digits)")
    cmp.add_argument(
        "--rules",
        default="backprop,pc,fa",
        help="comma-separated: backprop, pc, pc-fixed, pc-zil, pc-learned, fa, "
        "snn-bptt, eprop, eprop-readout, ann2snn",
    )
    cmp.add_argument("--epochs", type=int, default=20)
    cmp.add_argument("--seeds", type=int, default=3)
    cmp.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
    cmp.add_argument("--lr", type=float, default=None, help="default 1e-3 / 0.1")
    cmp.add_argument("--out", default=None, help="save the learning curves here")
    cmp.set_defaults(func=_cmd_compare_learning)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurosim`` console script."""
    from . import plotting

    plotting.use_headless()  # the demo writes files; never needs a screen
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
