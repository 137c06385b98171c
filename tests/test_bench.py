"""``python -m bench --quick`` runs every benchmark at tiny sizes and reports every figure.

Speeds are never asserted (they live in BENCHMARKS.md); what is asserted is what the runs must
have done: every status update stored and answered, every reminder delivered, the digest and
the .docx built, and the figures reported.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def test_quick_bench_completes_and_reports_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "done in" in done.stdout
    figures = json.loads(out.read_text())
    assert figures["quick"] is True

    inbound = figures["inbound"]
    for bot in ("bare", "planbot/sqlite"):
        for name in ("cpu_per_update_ms", "p95_ms", "throughput", "burst_max_per_second"):
            assert _finite(inbound[bot][name]), (bot, name)
    assert inbound["planbot/sqlite"]["stored"] == 20  # every status update was written
    assert _finite(inbound["planbot/sqlite"]["cpu_ratio"])

    fanout = figures["fanout"]
    for key in ("bare/40", "planbot/40", "planbot/40@1000"):
        assert _finite(fanout[key]["rate"]), key
        assert _finite(fanout[key]["rss_mib"]), key
    assert fanout["planbot/40"]["accepted"] == 40  # every focal point got its reminder
    assert fanout["planbot/40"]["sent"] == 40

    data = figures["data"]
    history = data["sqlite/history 100%"]
    assert history["updates"] > data["sqlite/history 50%"]["updates"] > 0
    for name in ("digest_s", "docx_s", "my_tasks_ms", "cli_digest_s", "cli_schedule_year_s"):
        assert _finite(history[name]), name

    startup = figures["startup"]
    assert startup["planbot agencies"]["heavy_loaded"] == []
    assert startup["planbot --version"]["heavy_loaded"] == []
    assert all(_finite(step["peak_rss_mib"]) for step in startup["floor"].values())
    assert _finite(startup["idle"]["planbot_run_peak_rss_mib"])
    assert _finite(startup["idle"]["bare_ptb_peak_rss_mib"])
    assert _finite(startup["idle"]["floor_bot_peak_rss_mib"])
    assert _finite(startup["idle"]["floor_bot_lean_peak_rss_mib"])
    assert _finite(startup["idle"]["planbot_run_no_web_peak_rss_mib"])
