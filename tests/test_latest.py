"""The latest status per task, read through the indexes, is exactly what folding the unit's
whole history gives: corrections applied, retracted reports giving way to the one before."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.latest import latest_effective_updates
from bot.models import StatusUpdate
from bot.progress import effective_updates
from tests.conftest import local, make_settings

UNIT = "so-y-te"
OTHER = "so-khdt"
TASKS = ["2.2.1", "2.2.2", "2.7.1", "1.1"]


def _full_fold(
    session: object, agency_id: str, as_of: datetime | None = None, plan_id: str | None = None
) -> dict[str, object]:
    latest: dict[str, object] = {}
    for update in effective_updates(
        session,  # type: ignore[arg-type]
        agency_ids=[agency_id],
        as_of=as_of,
        plan_id=plan_id,
    ):
        latest[update.task_id] = update
    return latest


def test_latest_per_task_equals_the_full_fold(tmp_path: Path, any_db_url: str) -> None:
    services = bootstrap(make_settings(tmp_path, any_db_url))
    try:
        chance = random.Random(20211220)
        moment = start = local(2021, 1, 4, 8)
        reports: list[StatusUpdate] = []
        with services.db.write() as session:
            for _ in range(400):
                moment += timedelta(minutes=chance.randint(0, 90))  # equal times happen too
                agency = UNIT if chance.random() < 0.8 else OTHER
                live = [r for r in reports if r.agency_id == agency]
                roll = chance.random()
                if live and roll < 0.25:
                    target = chance.choice(live)
                    row = StatusUpdate(
                        plan_id=target.plan_id,
                        task_id=target.task_id,
                        agency_id=agency,
                        period=target.period,
                        status=chance.choice(["done", "blocked", "in_progress"]),
                        text=chance.choice(["", "đã sửa lại"]),
                        kind="correction",
                        refers_to=target.id,
                        created_at=moment,
                        percent=chance.choice([None, 40, 80]),
                    )
                elif live and roll < 0.3:
                    target = chance.choice(live)
                    row = StatusUpdate(
                        plan_id=target.plan_id,
                        task_id=target.task_id,
                        agency_id=agency,
                        period="2026-Q2",
                        status=target.status,
                        text="",
                        kind="refile",
                        refers_to=target.id,
                        created_at=moment,
                        late=chance.random() < 0.5,
                    )
                elif live and roll < 0.45:
                    target = chance.choice(live[-12:])  # runs of retractions at the end
                    row = StatusUpdate(
                        plan_id=target.plan_id,
                        task_id=target.task_id,
                        agency_id=agency,
                        period=target.period,
                        status=target.status,
                        text="",
                        kind="retraction",
                        refers_to=target.id,
                        created_at=moment,
                    )
                else:
                    row = StatusUpdate(
                        task_id=chance.choice(TASKS),
                        agency_id=agency,
                        period=f"{2021 + chance.randint(0, 4)}-Q1",
                        status="in_progress",
                        text=f"báo cáo {len(reports)}",
                        created_at=moment,
                        percent=chance.choice([None, 10]),
                        late=chance.random() < 0.3,
                    )
                session.add(row)
                session.flush()
                if row.kind == "report":
                    reports.append(row)
        with services.db.session() as session:
            for agency in (UNIT, OTHER):
                expected = _full_fold(session, agency)
                for depth in (1, 2, 4):
                    got = latest_effective_updates(session, agency, TASKS, depth=depth)
                    assert got == expected, (agency, depth)
                # As they stood at instants inside the history, and one plan's tasks only.
                for as_of in (start + timedelta(hours=h) for h in (6, 40, 120, 200)):
                    for plan_id in (None, services.plan.info.id, "ke-hoach-khac"):
                        expected = _full_fold(session, agency, as_of, plan_id)
                        got = latest_effective_updates(
                            session, agency, TASKS, depth=2, as_of=as_of, plan_id=plan_id
                        )
                        assert got == expected, (agency, as_of, plan_id)
                        assert bool(got) == (plan_id != "ke-hoach-khac")
            assert latest_effective_updates(session, UNIT, []) == {}
            assert latest_effective_updates(session, "so-xay-dung", TASKS) == {}
    finally:
        services.db.dispose()


def test_every_task_of_a_unit_at_once_equals_the_full_fold(
    tmp_path: Path, any_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All the plan's tasks asked at once ("what's my task"), some twice, one unknown, read in
    one statement or in several, with and without the table's statistics: each task's answer
    is the full fold's, on a history deeper than the reports read per task (retractions of
    every newest report included)."""
    services = bootstrap(make_settings(tmp_path, any_db_url))
    try:
        plan = services.plan
        tasks = [task.id for task in plan.tasks]
        chance = random.Random(20261204)
        moment = start = local(2021, 1, 4, 8)
        with services.db.write() as session:
            for index, task_id in enumerate(tasks):
                if index % 5 == 4:
                    continue  # never reported
                reports: list[StatusUpdate] = []
                for number in range(chance.randint(1, 9)):
                    moment += timedelta(minutes=chance.randint(0, 30))
                    report = StatusUpdate(
                        plan_id=plan.info.id,
                        task_id=task_id,
                        agency_id=UNIT,
                        period=f"{2021 + number // 4}-Q{number % 4 + 1}",
                        status=chance.choice(["in_progress", "done", "blocked"]),
                        text=f"{task_id}: báo cáo {number}",
                        created_at=moment,
                        percent=chance.choice([None, 30, 70]),
                    )
                    session.add(report)
                    session.flush()
                    reports.append(report)
                    if chance.random() < 0.3:
                        session.add(
                            StatusUpdate(
                                plan_id=plan.info.id,
                                task_id=task_id,
                                agency_id=UNIT,
                                period=report.period,
                                status="done",
                                text="đã sửa lại",
                                kind="correction",
                                refers_to=report.id,
                                created_at=moment + timedelta(seconds=30),
                            )
                        )
                # Every third reported task: its newest reports retracted, as many as 6.
                if index % 3 == 0:
                    for report in reports[-6:]:
                        moment += timedelta(minutes=1)
                        session.add(
                            StatusUpdate(
                                plan_id=plan.info.id,
                                task_id=task_id,
                                agency_id=UNIT,
                                period=report.period,
                                status=report.status,
                                text="",
                                kind="retraction",
                                refers_to=report.id,
                                created_at=moment,
                            )
                        )
        wanted = [*tasks, tasks[3], "9.9", tasks[0]]
        with services.db.session() as session:
            instants = [None, start + timedelta(hours=5), moment - timedelta(minutes=3)]
            for analyzed in (False, True):
                if analyzed:
                    session.connection().exec_driver_sql("ANALYZE status_update")
                for as_of in instants:
                    expected = _full_fold(session, UNIT, as_of, plan.info.id)
                    assert expected
                    for chunk in (200, 7):
                        monkeypatch.setattr("bot.latest.CHUNK", chunk)
                        got = latest_effective_updates(
                            session, UNIT, wanted, as_of=as_of, plan_id=plan.info.id
                        )
                        assert got == expected, (analyzed, as_of, chunk)
    finally:
        services.db.dispose()
