"""The bad-input sweep: every catalogued public entry point, one argument at a time.

Each argument of a valid call (``_badinput_cases.py``) is replaced by every value
of a battery (NaN, inf, wrong shapes and dtypes, complex, object arrays, None,
negative/zero/huge sizes, ``dt=1e-30`` ...). A case passes when the call raises a
``ValueError``/``TypeError`` (or a neurosim subclass) whose message names the
argument, or returns a finite result. It fails on any other exception, a numba
error, a non-finite result, a raw ``MemoryError`` or running past
``CASE_LIMIT_S``. Compiled code cannot be interrupted in-process, so cases run
in worker processes (``_badinput_worker.py``) that the parent kills and
restarts after a hang; two workers run at once.

``python tests/badinput/test_bad_input.py`` prints every failing case and the
counts by kind (``BADINPUT_WRITE_KNOWN=1`` also rewrites known_failures.txt).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CASE_LIMIT_S = 10.0  # a case's own time; numba may compile one new specialisation
FIRST_LIMIT_S = 180.0  # a valid call also compiles
START_LIMIT_S = 600.0  # a worker's start-up (imports) on a loaded machine
CHUNKS = ("plotting", "neurons", "synapses", "sim", "nef", "energy", "learning", "ann")

# Cases known to fail (known_failures.txt: one case id per line, with the
# outcome after a tab), kept explicit until fixed. A listed case that passes
# fails the sweep too, so the list can only shrink.
KNOWN_FAILURES: set[str] = {
    line.split("\t")[0]
    for line in (HERE / "known_failures.txt").read_text().splitlines()
    if line and not line.startswith("#")
}


def run_chunk(chunk: str) -> dict[str, tuple[str, str]]:
    """Run every case of ``chunk``; ``{case_id: (kind, detail)}``."""
    results: dict[str, tuple[str, str]] = {}
    start = 0
    env = dict(os.environ, MPLBACKEND="Agg", NEUROSIM_QUICK="1")
    ids = _case_ids(chunk)
    while True:
        r, w = os.pipe()
        proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "_badinput_worker.py"),
                chunk,
                str(start),
                str(w),
            ],
            pass_fds=(w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        os.close(w)
        reader = os.fdopen(r)
        current, limit, finished = None, FIRST_LIMIT_S, False
        deadline = time.monotonic() + START_LIMIT_S
        buf = ""
        while True:
            ready, _, _ = select.select(
                [reader], [], [], max(0.0, deadline - time.monotonic())
            )
            if not ready:
                break  # the current case ran past its limit
            data = os.read(r, 65536).decode()
            if not data:
                break  # the worker died (or ended)
            buf += data
            *lines, buf = buf.split("\n")
            for line in lines:
                if line == "ready":
                    deadline = time.monotonic() + FIRST_LIMIT_S
                elif line.startswith("start "):
                    current = int(line.split()[1])
                    # a valid call compiles; other cases reuse what it compiled
                    # (or numba's on-disk cache after a restart)
                    slow = ids[current].endswith("[valid]")
                    limit = FIRST_LIMIT_S if slow else CASE_LIMIT_S
                    deadline = time.monotonic() + limit
                elif line.startswith("done "):
                    _, _, payload = line.split(" ", 2)
                    case_id, kind, detail = json.loads(payload)
                    results[case_id] = (kind, detail)
                    current = None
                    deadline = time.monotonic() + FIRST_LIMIT_S
                elif line == "end":
                    finished = True
        proc.kill()
        proc.wait()
        reader.close()
        if finished:
            return results
        if current is None:  # died between cases: nothing to blame, give up
            results[f"{chunk}[worker]"] = (
                "unclear",
                f"worker exited {proc.returncode}",
            )
            return results
        case_id = ids[current]
        how = "hang" if proc.returncode == -9 else "crash"
        results[case_id] = (how, f"ran past {limit:g} s" if how == "hang" else "")
        start = current + 1


_IDS: dict[str, list[str]] = {}


def _case_ids(chunk: str) -> list[str]:
    if chunk not in _IDS:
        sys.path.insert(0, str(HERE))
        import _badinput_cases as cat

        _IDS[chunk] = [c[0] for c in cat.cases(cat.build_entries()[chunk])]
    return _IDS[chunk]


@pytest.fixture(scope="module")
def sweep() -> dict[str, dict[str, tuple[str, str]]]:
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(CHUNKS, pool.map(run_chunk, CHUNKS), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("chunk", CHUNKS)
def test_bad_input(sweep, chunk):
    results = sweep[chunk]
    assert len(results) == len(_case_ids(chunk))  # every case ran
    bad = {c: r for c, r in results.items() if r[0] != "ok"}
    new = {c: r for c, r in bad.items() if c not in KNOWN_FAILURES}
    fixed = sorted(c for c in results if c in KNOWN_FAILURES and c not in bad)
    lines = [f"{c}: {k}: {d}" for c, (k, d) in sorted(new.items())]
    assert not new, "bad input not rejected clearly:\n" + "\n".join(lines)
    assert not fixed, "now passing, remove from KNOWN_FAILURES: " + ", ".join(fixed)


def main() -> None:
    chunks = sys.argv[1:] or CHUNKS
    counts: dict[str, int] = {}
    known_lines: list[str] = []
    with ThreadPoolExecutor(2) as pool:
        futures = {pool.submit(run_chunk, c): c for c in chunks}
        for fut in as_completed(futures):
            results = fut.result()
            for c, (k, d) in sorted(results.items()):
                counts[k] = counts.get(k, 0) + 1
                if k != "ok":
                    print(f"{c}: {k}: {d}", flush=True)
                    known_lines.append(f"{c}\t{k}")
            print(f"# chunk {futures[fut]} done ({len(results)} cases)", flush=True)
    total = sum(counts.values())
    print(json.dumps({"cases": total, **counts}))
    if os.environ.get("BADINPUT_WRITE_KNOWN"):  # regenerate the debt list
        with open(HERE / "known_failures.txt", "w") as fh:
            fh.write("# bad-input sweep: cases that still fail (case id, outcome)\n")
            for line in sorted(known_lines):
                fh.write(line + "\n")


if __name__ == "__main__":
    main()
