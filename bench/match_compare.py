"""This tree's matching beside an older checkout's, on one database, without writing
BENCHMARKS.md or the database: a quick side-by-side while working on the engine.

    PYTHONPATH=$PWD .venv/bin/python -m bench.match_compare URL BEFORE_TREE [ROUNDS] [PROFILE]
        [BEFORE_URL]

Both trees answer the same requests in turn (``bench.matching``'s runners, the order swapped
at each place, each place asked twice: the second pass is timed), read-only, so the shared
benchmark databases can be used as they are: the older tree must run on the same schema
revision, or be given ``BEFORE_URL``, a copy of the same data at its revision (this tree's
then runs on ``URL`` upgraded). ``PROFILE`` keeps the profiles whose label holds it. Prints
per profile both p50s, their ratio, and how many places got the same top ten (ids and
scores) from both, with the load average at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.matching import PROFILES, ROOT, _pct, _places, _Runner, _timed


def compare(
    url: str, before: Path, rounds: int, only: str = "", before_url: str | None = None
) -> list[str]:
    chosen = [p for p in PROFILES if only in p[0]]
    runners = [
        _Runner(ROOT, url, read_only=True),
        _Runner(before, before_url or url, read_only=True),
    ]
    try:
        timed = _timed(runners, _places(url, rounds), chosen)
    finally:
        for runner in runners:
            runner.close()
    lines = [f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"]
    for (label, _), (now, old) in zip(chosen, timed, strict=True):
        new_p50, old_p50 = _pct(now["times"], 0.5), _pct(old["times"], 0.5)
        same = sum(a == b for a, b in zip(old["top"], now["top"], strict=True))
        lines.append(
            f"{label:50.50s} before {old_p50:7.1f}  now {new_p50:7.1f}  "
            f"{old_p50 / new_p50:5.2f}×  same top 10 {same}/{len(now['top'])}"
        )
    return lines


if __name__ == "__main__":
    arguments = sys.argv[1:]
    for line in compare(
        arguments[0],
        Path(arguments[1]),
        int(arguments[2]) if len(arguments) > 2 else 20,
        arguments[3] if len(arguments) > 3 else "",
        arguments[4] if len(arguments) > 4 else None,
    ):
        print(line, flush=True)
