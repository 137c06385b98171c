"""Vietnam's days off kept in the data folder: the holidays package's answers, day for day, read
back without importing the package (scheduler/workdays.py, BENCHMARKS.md: start-up and memory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

import holidays

from scheduler.workdays import WorkingDays
from tests.support.cli_process import run_python


def _every_day_as_the_package_says(ours: WorkingDays, first: int, last: int) -> None:
    theirs = holidays.country_holidays("VN", expand=True)
    assert ours.years == (theirs.start_year, theirs.end_year)
    day = date(first, 1, 1)
    while day.year <= last:
        assert ours.holiday_name(day) == theirs.get(day), day
        assert ours.is_working_day(day) == theirs.is_working_day(day), day
        day += timedelta(days=1)


def test_kept_days_off_are_the_packages_every_day_computed_then_read_back(tmp_path: Path) -> None:
    """Tết, Giỗ Tổ, 30/4, 1/5, 2/9, the substitute days off and the Saturdays made working
    days, 1990–2100: as the package computes them, then as the file gives them back."""
    _every_day_as_the_package_says(WorkingDays(kept_in=tmp_path), 1990, 2100)
    kept = tmp_path / f"holidays-VN-{version('holidays')}.json"
    assert [path.name for path in tmp_path.iterdir()] == [kept.name]
    document = json.loads(kept.read_text(encoding="utf-8"))
    assert document["holidays"] == version("holidays")
    assert len(document["days"]) == 111
    _every_day_as_the_package_says(WorkingDays(kept_in=tmp_path), 1990, 2100)


def test_a_second_process_reads_the_days_off_without_the_holidays_package(
    tmp_path: Path,
) -> None:
    probe = (
        "import sys, datetime\n"
        "from pathlib import Path\n"
        "from scheduler.workdays import WorkingDays\n"
        f"days = WorkingDays(kept_in=Path({str(tmp_path)!r}))\n"
        "print(days.holiday_name(datetime.date(2026, 9, 2)), days.years)\n"
        "print(days.is_working_day(datetime.date(2026, 2, 17)))\n"
        "print('holidays' in sys.modules)\n"
    )
    first = run_python(probe).stdout.splitlines()
    second = run_python(probe).stdout.splitlines()
    theirs = holidays.country_holidays("VN", expand=True)
    assert first[:2] == second[:2]
    assert first[0] == f"{theirs.get(date(2026, 9, 2))} ({theirs.start_year}, {theirs.end_year})"
    assert first[1] == "False"  # Tết 2026
    assert (first[2], second[2]) == ("True", "False")  # computed once, then read


def test_an_unreadable_or_foreign_file_is_computed_again(tmp_path: Path) -> None:
    kept = tmp_path / f"holidays-VN-{version('holidays')}.json"
    kept.write_text("{not json", encoding="utf-8")
    assert not WorkingDays(kept_in=tmp_path).is_working_day(date(2026, 4, 30))
    assert json.loads(kept.read_text(encoding="utf-8"))["holidays"] == version("holidays")
    # A file that says it is another version's (copied by hand) is not believed.
    document = json.loads(kept.read_text(encoding="utf-8"))
    document["holidays"] = "0.0"
    document["days"]["2026"]["names"] = []
    kept.write_text(json.dumps(document), encoding="utf-8")
    assert not WorkingDays(kept_in=tmp_path).is_working_day(date(2026, 4, 30))


def test_a_folder_that_cannot_be_written_costs_only_the_time(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be", encoding="utf-8")
    _every_day_as_the_package_says(WorkingDays(kept_in=not_a_folder), 2025, 2027)
    assert [path.name for path in tmp_path.iterdir()] == ["data"]


def test_planbot_schedule_prints_the_same_bytes_with_the_days_off_kept(
    tmp_path: Path, any_db_url: str
) -> None:
    """The year's schedule (table and json) from a data folder that keeps the days off equals
    the one computed by the package, and is printed without importing it."""
    env = {
        **os.environ,
        "PLANBOT_DATABASE_URL": any_db_url,
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "120",
    }
    env.pop("PLANBOT_PLAN", None)
    # As before the days off were kept: the package's calendar asked directly, day by day.
    as_before = (
        "import scheduler.workdays as w\n"
        "w._KeptDaysOff.open = classmethod(lambda cls, folder: None)\n"
    )
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('HOLIDAYS %s' % ('holidays' in sys.modules)))\n"
        "from bot.cli import main\n"
        "main()\n"
    )

    def schedule(*args: str, before: bool = False) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", (as_before if before else "") + probe, "schedule", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        return done.stdout, done.stderr.rsplit("HOLIDAYS ", 1)[1]

    for args in (
        ["--year", "2026"],
        ["--year", "2021", "-f", "json"],
        ["--from", "2025-01-01", "--to", "2025-03-31"],
    ):
        for kept in (tmp_path / "data").glob("holidays-*.json"):
            kept.unlink()
        package, _imported = schedule(*args, before=True)
        computed, imported = schedule(*args)
        read_back, imported_again = schedule(*args)
        assert (imported, imported_again) == ("True", "False")
        assert computed == package
        assert read_back == package
        assert args[1][:4] in package
