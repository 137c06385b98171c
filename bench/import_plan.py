"""Plan import time against plan size: ``python -m bench.import_plan [--sizes 1,10,50]``.

The seed plan's text, with its section II repeated ``k`` times (items renumbered 1..2k), is
imported as .txt with the seed's directory; the median of ``--repeat`` runs is printed per size
with the time per task item, to show that the importer is linear in the text (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.importer import import_plan
from bot.plan import load_plan

SEED_TEXT = Path(__file__).resolve().parents[1] / "tests" / "data" / "plans"
SEED_TEXT = SEED_TEXT / "seed_tuyen_quang_tb38.txt"
_ITEM = re.compile(r"^(\d+)(\.\d+)*\.\s")


def scaled_text(copies: int) -> str:
    """The seed text with section II's numbered items repeated ``copies`` times."""
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("II. "))
    end = next(i for i, line in enumerate(lines) if line.startswith("III. "))
    body = lines[start + 1 : end]
    repeated: list[str] = []
    for copy in range(copies):
        for line in body:
            match = _ITEM.match(line)
            if match:
                top = int(match.group(1)) + 2 * copy
                line = f"{top}{line[len(match.group(1)) :]}"
            repeated.append(line)
    return "\n".join([*lines[: start + 1], *repeated, *lines[end:]]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,10,50")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    agencies = load_plan().agencies
    sys.stdout.write("| copies | text (KB) | task items | median import | per item |\n")
    sys.stdout.write("|---:|---:|---:|---:|---:|\n")
    with tempfile.TemporaryDirectory() as folder:
        for copies in (int(size) for size in args.sizes.split(",")):
            path = Path(folder) / f"plan-{copies}.txt"
            path.write_text(scaled_text(copies), encoding="utf-8")
            timings: list[float] = []
            items = 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = import_plan(path, agencies)
                timings.append(time.perf_counter() - started)
                items = len(result.tasks)
            median = statistics.median(timings)
            sys.stdout.write(
                f"| {copies} | {path.stat().st_size / 1024:.0f} | {items} | "
                f"{median * 1000:.0f} ms | {median / items * 1000:.1f} ms |\n"
            )


if __name__ == "__main__":
    main()
