"""bench/turn_floor.py does the database work of a status update it claims to measure.

No figure is asserted (they live in BENCHMARKS.md): the floor's statements must store one report
and its audit row per update, on the bot's own engine, like planbot's turn does.
"""

from __future__ import annotations

from bench import turn_floor


def test_the_floor_stores_one_audited_report_per_update() -> None:
    result = turn_floor.floor(30)
    stored = 30 + turn_floor.WARM_UP
    assert result["stored"] == {"reports": stored, "audited": stored}
    assert result["cpu_per_update_ms"] > 0
