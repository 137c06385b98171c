"""The latest status per task, read through the indexes, is exactly what folding the unit's
whole history gives: corrections applied, retracted reports giving way to the one before."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

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
