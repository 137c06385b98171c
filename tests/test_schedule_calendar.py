"""The reminder instants: every one of 2021, 2026 and 2027, moves off weekends and holidays,
and ``planbot schedule``. Expectations are computed here from the rule, independently."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest
from typer.testing import CliRunner

from bot.bootstrap import Services
from bot.cli import app
from bot.plan import default_plan_path, parse_plan
from scheduler.calendar import ReportingCalendar
from scheduler.reminders import ReminderSchedule
from scheduler.workdays import WorkingDays
from tests.conftest import TZ, local

CODES = {3: "Q1", 6: "H1", 9: "Q3", 12: "Y"}


def _is_working(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.country_holidays("VN", years=day.year)


def _back(day: date) -> date:
    while not _is_working(day):
        day -= timedelta(days=1)
    return day


def _forward(day: date) -> date:
    while not _is_working(day):
        day += timedelta(days=1)
    return day


def expected_year(year: int, leads: tuple[int, ...] = (7, 3, 1)) -> list[dict[str, Any]]:
    """The rule, written out: 7/3/1 days before day 20 and day 25 at 08:00 (moved back to a
    working day, one per day), and the overdue notice on the first working day from day 20."""
    entries: list[dict[str, Any]] = []
    for month, code in CODES.items():
        period = f"{year}-{code}"
        for kind, day in (("before-due", 20), ("before-consolidation", 25)):
            due = date(year, month, day)
            taken: dict[date, int] = {}
            for lead in sorted(leads, reverse=True):
                taken.setdefault(_back(due - timedelta(days=lead)), lead)
            for when, lead in taken.items():
                entries.append(
                    {
                        "at": datetime.combine(when, time(8), tzinfo=TZ).isoformat(),
                        "period": period,
                        "kind": kind,
                        "due": due.isoformat(),
                        "offset_days": lead,
                    }
                )
        overdue = _forward(date(year, month, 20))
        entries.append(
            {
                "at": datetime.combine(overdue, time(8), tzinfo=TZ).isoformat(),
                "period": period,
                "kind": "overdue",
                "due": date(year, month, 20).isoformat(),
                "offset_days": None,
            }
        )
    kind_order = {"before-consolidation": 0, "before-due": 1, "overdue": 2}
    return sorted(entries, key=lambda e: (e["at"], kind_order[e["kind"]]))


def _schedule(services: Services) -> ReminderSchedule:
    return ReminderSchedule(services.calendar, WorkingDays())


@pytest.mark.parametrize("year", [2021, 2026, 2027])
def test_every_instant_of_the_year_follows_the_rule(services: Services, year: int) -> None:
    got = [instant.as_json() for instant in _schedule(services).year(year)]
    assert got == expected_year(year)


def test_2021_first_quarter_written_out(services: Services) -> None:
    """Spot check by hand: 20/3/2021 is a Saturday, so the 7-day reminder of Saturday 13/3
    moves to Friday 12/3 and the overdue notice to Monday 22/3."""
    q1 = [
        (i.at, i.kind, i.offset_days)
        for i in _schedule(services).year(2021)
        if i.period == "2021-Q1"
    ]
    assert q1 == [
        (local(2021, 3, 12, 8), "before-due", 7),
        (local(2021, 3, 17, 8), "before-due", 3),
        (local(2021, 3, 18, 8), "before-consolidation", 7),
        (local(2021, 3, 19, 8), "before-due", 1),
        (local(2021, 3, 22, 8), "before-consolidation", 3),
        (local(2021, 3, 22, 8), "overdue", None),
        (local(2021, 3, 24, 8), "before-consolidation", 1),
    ]


def test_weekend_move_is_reported(services: Services) -> None:
    first = _schedule(services).year(2021)[0]
    assert first.at == local(2021, 3, 12, 8)
    assert first.moved_from == date(2021, 3, 13)  # a Saturday
    overdue = next(i for i in _schedule(services).year(2021) if i.kind == "overdue")
    assert overdue.moved_from == date(2021, 3, 20)


def _tet_plan_calendar(day: int, month: int) -> ReportingCalendar:
    """The seed plan with its reporting rules moved to a day that meets Tết."""
    document = json.loads(Path(default_plan_path()).read_text(encoding="utf-8"))
    modified = copy.deepcopy(document)
    for rule in modified["reporting"]:
        rule["months"] = [month]
        if rule["consolidates"] is None:
            rule["day"] = day
    plan = parse_plan(modified, source="tet-fixture")
    return ReportingCalendar(plan.reporting, TZ)


def test_reminders_move_off_tet() -> None:
    """Due 15/2/2021: Tết holidays run 10–16/2 (with the weekend 13–14/2).

    - 7 days before: Monday 8/2, a working day, stays;
    - 3 days before: Friday 12/2 (Tết) moves back to Tuesday 9/2;
    - 1 day before: Sunday 14/2 (Tết) also lands on 9/2: sent once, as the 3-day reminder;
    - overdue: 15/2 and 16/2 are Tết, so Wednesday 17/2.
    """
    calendar = _tet_plan_calendar(15, 2)
    schedule = ReminderSchedule(calendar, WorkingDays())
    (round_,) = calendar.rounds(2021)
    unit = [
        (i.at, i.offset_days, i.moved_from)
        for i in schedule.for_round(round_)
        if i.kind != "before-consolidation"
    ]
    assert unit == [
        (local(2021, 2, 8, 8), 7, None),
        (local(2021, 2, 9, 8), 3, date(2021, 2, 12)),
        (local(2021, 2, 17, 8), None, date(2021, 2, 15)),
    ]
    assert WorkingDays().holiday_name(date(2021, 2, 12)) is not None


def test_tet_instants_against_the_rule_over_several_years() -> None:
    calendar = _tet_plan_calendar(15, 2)
    schedule = ReminderSchedule(calendar, WorkingDays())
    for year in (2021, 2026, 2027):
        got = [
            (i.at.date(), i.kind)
            for i in schedule.year(year)
            if i.kind in ("before-due", "overdue")
        ]
        due = date(year, 2, 15)
        expected = [
            *sorted({(_back(due - timedelta(days=lead)), "before-due") for lead in (7, 3, 1)}),
            (_forward(due), "overdue"),
        ]
        assert got == expected


def test_custom_lead_days_and_time(services: Services) -> None:
    schedule = ReminderSchedule(
        services.calendar, WorkingDays(), lead_days=(10, 2), at_time=time(14, 30)
    )
    got = [
        i.as_json() for i in schedule.year(2027) if i.kind == "before-due" and i.period == "2027-Q1"
    ]
    # 20/3/2027 is a Saturday: 10/3 (Wednesday) and 18/3 (Thursday).
    assert got == [
        {
            "at": "2027-03-10T14:30:00+07:00",
            "period": "2027-Q1",
            "kind": "before-due",
            "due": "2027-03-20",
            "offset_days": 10,
        },
        {
            "at": "2027-03-18T14:30:00+07:00",
            "period": "2027-Q1",
            "kind": "before-due",
            "due": "2027-03-20",
            "offset_days": 2,
        },
    ]


def test_current_keeps_only_the_latest_relevant_instant(services: Services) -> None:
    schedule = _schedule(services)
    # Before the first reminder of the year: nothing.
    assert schedule.current(local(2021, 3, 12, 7, 59)) == []
    at_19 = schedule.current(local(2021, 3, 19, 9))
    assert [(i.kind, i.at) for i in at_19] == [
        ("before-consolidation", local(2021, 3, 18, 8)),
        ("before-due", local(2021, 3, 19, 8)),
    ]
    # On the due day the before-due reminders are stale; the overdue notice waits for Monday.
    assert [i.kind for i in schedule.current(local(2021, 3, 20, 9))] == ["before-consolidation"]
    at_22 = schedule.current(local(2021, 3, 22, 8))
    assert sorted(i.kind for i in at_22) == ["before-consolidation", "overdue"]
    # After the consolidation deadline the round is closed.
    assert schedule.current(local(2021, 3, 25, 9)) == []


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PLANBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("PLANBOT_ZALO_TOKEN", raising=False)
    monkeypatch.delenv("PLANBOT_REMINDER_DAYS", raising=False)
    return tmp_path


def test_cli_schedule_year_json_is_right_to_the_day(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["schedule", "--year", "2021", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected_year(2021)


def test_cli_schedule_range_is_inclusive(cli_env: Path) -> None:
    result = CliRunner().invoke(
        app, ["schedule", "--from", "2026-06-01", "--to", "19/06/2026", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    wanted = [e for e in expected_year(2026) if "2026-06-01" <= e["at"][:10] <= "2026-06-19"]
    assert json.loads(result.stdout) == wanted
    assert wanted  # the range is not empty


def test_cli_schedule_table_shows_moves_in_vietnamese(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["schedule", "--year", "2021"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Lịch nhắc báo cáo" in result.stdout
    assert "dời từ 13/03/2021 (ngày nghỉ)" in result.stdout
    assert "Báo quá hạn" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2021", "--from", "2021-01-01", "--to", "2021-02-01"], "không dùng cả hai"),
        (["--from", "2021-01-01"], "phải dùng cùng nhau"),
        (["--from", "2021-02-30", "--to", "2021-03-01"], "không phải là ngày"),
        (["--from", "2021-03-02", "--to", "2021-03-01"], "không được sau"),
        # Years without a known holiday calendar (Tết would pass for a working day), and years
        # whose neighbours the calendar cannot even represent: a message, not a traceback.
        (["--year", "2101"], "--year: năm 2101 nằm ngoài khoảng 1901–2100"),
        (["--year", "9999"], "--year: năm 9999 nằm ngoài khoảng 1901–2100"),
        (["--from", "0001-01-01", "--to", "2021-02-01"], "--from: năm 1 nằm ngoài khoảng"),
        (["--from", "2100-12-01", "--to", "9999-12-31"], "--to: năm 9999 nằm ngoài khoảng"),
    ],
)
def test_cli_schedule_bad_input(cli_env: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["schedule", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_schedule_refuses_negative_lead_days(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANBOT_REMINDER_DAYS", "[7, -1]")
    result = CliRunner().invoke(app, ["schedule", "--year", "2021"])
    assert result.exit_code == 2
    assert "Cấu hình không hợp lệ" in result.output
    assert "PLANBOT_REMINDER_DAYS: số ngày nhắc trước hạn phải từ 0 đến 366" in result.output
