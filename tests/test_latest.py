"""The latest status per task, read through the indexes, is exactly what folding the unit's
whole history gives: corrections applied, retracted reports giving way to the one before."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.latest import latest_effective_updates
from bot.models import StatusUpdate
from bot.progress import effective_updates
from tests.conftest import local, make_settings

UNIT = "so-y-te"
OTHER = "so-khdt"
TASKS = ["2.2.1", "2.2.2", "2.7.1", "1.1"]


def _full_fold(session: object, agency_id: str) -> dict[str, object]:
    latest: dict[str, object] = {}
    for update in effective_updates(session, agency_ids=[agency_id]):  # type: ignore[arg-type]
        latest[update.task_id] = update
    return latest


def test_latest_per_task_equals_the_full_fold(tmp_path: Path, any_db_url: str) -> None:
    services = bootstrap(make_settings(tmp_path, any_db_url))
    try:
        chance = random.Random(20211220)
        moment = local(2021, 1, 4, 8)
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
                        task_id=target.task_id,
                        agency_id=agency,
                        period=target.period,
                        status=chance.choice(["done", "blocked", "in_progress"]),
                        text=chance.choice(["", "đã sửa lại"]),
                        kind="correction",
                        refers_to=target.id,
                        created_at=moment,
                    )
                elif live and roll < 0.45:
                    target = chance.choice(live[-12:])  # runs of retractions at the end
                    row = StatusUpdate(
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
            assert latest_effective_updates(session, UNIT, []) == {}
            assert latest_effective_updates(session, "so-xay-dung", TASKS) == {}
    finally:
        services.db.dispose()
