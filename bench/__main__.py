"""Every benchmark in one command: ``python -m bench`` (full sizes, several minutes) or
``python -m bench --quick`` (tiny sizes, a smoke run the test suite executes; its figures mean
nothing). ``--only inbound,fanout,data,startup`` picks some; ``--postgres`` adds PostgreSQL
beside SQLite for the inbound and data benchmarks (``PLANBOT_BENCH_POSTGRES_URL``, default the
CI server on 127.0.0.1:55432); ``--json FILE`` writes every figure. BENCHMARKS.md reports them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import data, fanout, inbound, startup
from bench.common import postgres_available

BENCHES = ("inbound", "fanout", "data", "startup")


def _log(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_average_1m": round(load[0], 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benchmarks")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL beside SQLite")
    parser.add_argument("--repeats", type=int, default=None, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--updates", type=int, default=None, help="inbound updates (1,000)")
    parser.add_argument("--chats", default=None, help="fan-out sizes, comma-separated (1000,10000)")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout of planbot (e.g. git archive of an older commit) to measure "
        "beside this one in the inbound, fan-out, data and start-up benchmarks",
    )
    options = parser.parse_args(argv)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    databases: tuple[str, ...] = ("sqlite",)
    if options.postgres:
        if not postgres_available():
            parser.error("no PostgreSQL server answers (PLANBOT_BENCH_POSTGRES_URL)")
        databases = ("sqlite", "postgresql")
    quick = options.quick
    repeats = options.repeats or (1 if quick else 3)
    results: dict[str, Any] = {"machine": _machine(), "quick": quick}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="planbot-bench-") as folder:
        root = Path(folder)
        if "inbound" in chosen:
            _log("inbound status updates (planbot vs bare PTB, same updates, same fake Bot API)")
            results["inbound"] = asyncio.run(
                inbound.run(
                    root / "inbound",
                    users=10 if quick else 100,
                    updates=options.updates or (20 if quick else 1000),
                    rate=50.0 if quick else 25.0,
                    burst=20 if quick else 300,
                    repeats=repeats,
                    databases=databases,
                    before=options.before,
                    log=_log,
                )
            )
        if "fanout" in chosen:
            _log("fan-out (server judging 30/s overall, 1/s per chat, 20/min per group)")
            results["fanout"] = asyncio.run(
                fanout.run(
                    root / "fanout",
                    sizes=tuple(int(n) for n in options.chats.split(","))
                    if options.chats
                    else (40,)
                    if quick
                    else (1000, 10_000),
                    fast=40 if quick else 1000,
                    before=options.before,
                    log=_log,
                )
            )
        if "data" in chosen:
            _log("data growth (synthetic plan, rounds of history)")
            results["data"] = data.run(
                root / "data",
                units=4 if quick else 100,
                items=3 if quick else 50,
                years=1 if quick else 5,
                steps=(0.5, 1.0) if quick else (0.1, 0.5, 1.0),
                databases=databases,
                repeats=options.repeats or (1 if quick else 5),
                cli_repeats=min(options.repeats or 3, 3) if not quick else 1,
                before=options.before,
                log=_log,
            )
        if "startup" in chosen:
            _log("start-up and memory")
            (root / "startup").mkdir()
            results["startup"] = startup.commands(
                root / "startup", repeats, log=_log, before=options.before
            )
            results["startup"]["floor"] = startup.floor(
                root / "startup", repeats, log=_log, steps=3 if quick else len(startup.FLOOR_STEPS)
            )
            sides = [("idle", None)]
            if options.before is not None:
                sides.insert(0, ("idle-before", options.before))
            for key, code in sides:
                results["startup"][key] = idle = asyncio.run(
                    startup.idle_run(
                        root / "startup", idle_seconds=0.5 if quick else 3.0, code=code
                    )
                )
                _log(
                    f"  {key} planbot run: peak RSS {idle['planbot_run_peak_rss_mib']:.0f} MiB "
                    f"(bare PTB bot {idle['bare_ptb_peak_rss_mib']:.0f} MiB, floor bot "
                    f"{idle['floor_bot_peak_rss_mib']:.0f} MiB: planbot - floor "
                    f"{idle['planbot_minus_floor_mib']:.1f} MiB)"
                    + (
                        f"; without the web {idle['planbot_run_no_web_peak_rss_mib']:.1f} MiB"
                        f", lean floor bot (Core, no holidays) "
                        f"{idle['floor_bot_lean_peak_rss_mib']:.1f} MiB"
                        if "planbot_run_no_web_peak_rss_mib" in idle
                        else ""
                    )
                )
    results["seconds"] = time.perf_counter() - started
    if options.json is not None:
        options.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    _log(f"done in {results['seconds']:.0f} s")
    return results


if __name__ == "__main__":
    main()
