"""``python -m bench.data --commands-only``: the command lines' figures alone (tiny sizes)."""

from __future__ import annotations

from pathlib import Path

from bench import data


def test_the_commands_only_run_measures_the_command_lines_and_nothing_else(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    results = data.run(
        tmp_path,
        units=3,
        items=2,
        years=1,
        steps=(1.0,),
        repeats=1,
        cli_repeats=1,
        commands_only=True,
        log=lines.append,
    )
    assert list(results) == ["sqlite/history 100%"]  # no .docx steps by plan size
    figures = results["sqlite/history 100%"]
    assert figures["updates"] > 0
    for name in ("cli_digest", "cli_schedule_year", "cli_start", "cli_floor"):
        assert figures[f"{name}_s"] > 0
        assert figures[f"{name}_cpu_s"] > 0
    assert not {"digest_s", "docx_s", "my_tasks_ms"} & set(figures)
    assert len(lines) == 1
    assert "planbot digest" in lines[0]
    assert "docx" not in lines[0]
