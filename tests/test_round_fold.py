"""A round's effective updates, read through the round's chains and folded on plain values, are
exactly what folding every row of the database one by one gives (the fold as it was written
before it was made fast): corrections, retractions and re-filings into and out of the round,
two plans sharing task numbers and round ids, as they stood at a past moment (``as_of``)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from bot.bootstrap import bootstrap
from bot.models import StatusUpdate
from bot.plan import parse_plan
from bot.planstore import sync_plan
from bot.progress import EffectiveUpdate, RoundHead, effective_updates, fold_updates, round_heads
from tests.conftest import local, make_settings
from tests.support.plans import SECOND_ID, SEED_ID, second_document

UNITS = ["so-y-te", "so-khdt"]
TASKS = {SEED_ID: ["1.1", "2.1", "2.2.1"], SECOND_ID: ["1.1", "2.1", "2.2"]}
PERIODS = ["2022-Q1", "2022-H1", "2022-M03"]


def _reference(
    session: Session, period: str, plan_id: str, as_of: datetime | None, unit: str | None = None
) -> list[EffectiveUpdate]:
    """Every row of the database, ORM objects in time order, folded one by one."""
    rows = session.exec(
        select(StatusUpdate).order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
    ).all()
    reports: dict[int, EffectiveUpdate] = {}
    for row in rows:
        assert row.id is not None
        if row.plan_id != plan_id or (as_of is not None and row.created_at > as_of):
            continue
        if unit is not None and row.agency_id != unit:
            continue
        if row.kind == "report":
            reports[row.id] = EffectiveUpdate(
                id=row.id,
                task_id=row.task_id,
                agency_id=row.agency_id,
                user_id=row.user_id,
                period=row.period,
                status=row.status,
                text=row.text,
                created_at=row.created_at,
                late=row.late,
                percent=row.percent,
                plan_id=row.plan_id,
            )
            continue
        original = reports.get(row.refers_to) if row.refers_to is not None else None
        if original is None:
            continue
        assert row.refers_to is not None
        if row.kind == "retraction":
            del reports[row.refers_to]
        elif row.kind == "correction":
            reports[row.refers_to] = replace(
                original,
                status=row.status,
                text=row.text or original.text,
                corrected=True,
                percent=row.percent if row.percent is not None else original.percent,
            )
        elif row.kind == "refile":
            reports[row.refers_to] = replace(
                original,
                period=row.period,
                late=row.late,
                refiled_from=original.refiled_from or original.period,
            )
    ordered = sorted(reports.values(), key=lambda u: (u.created_at, u.id))
    return [update for update in ordered if update.period == period]


def _heads(reference: list[EffectiveUpdate]) -> list[RoundHead]:
    """Each unit's item's newest standing update and its first one's time, from the reference."""
    newest: dict[tuple[str, str], EffectiveUpdate] = {}
    first: dict[tuple[str, str], datetime] = {}
    for update in reference:  # oldest first
        key = (update.agency_id, update.task_id)
        newest[key] = update
        first.setdefault(key, update.created_at)
    heads = [RoundHead(update, first[key]) for key, update in newest.items()]
    return sorted(heads, key=lambda head: (head.update.created_at, head.update.id))


def test_a_rounds_fold_equals_folding_every_row(tmp_path: Path, any_db_url: str) -> None:
    services = bootstrap(make_settings(tmp_path, any_db_url))
    try:
        document = second_document()
        sync_plan(services.db, parse_plan(document), document, local(2022, 1, 11, 9))
        chance = random.Random(20221202)
        moment = local(2022, 1, 12, 8)
        reports: list[StatusUpdate] = []
        with services.db.write() as session:
            for number in range(500):
                moment += timedelta(minutes=chance.randint(0, 60))  # equal times happen too
                plan_id = chance.choice([SEED_ID, SECOND_ID])
                live = [r for r in reports if r.plan_id == plan_id]
                roll = chance.random()
                if live and roll < 0.45:
                    target = chance.choice(live[-30:])
                    kind = chance.choice(["correction", "correction", "retraction", "refile"])
                    row = StatusUpdate(
                        plan_id=plan_id,
                        task_id=target.task_id,
                        agency_id=target.agency_id,
                        period=chance.choice(PERIODS) if kind == "refile" else target.period,
                        status=chance.choice(["completed", "blocked", "in_progress"]),
                        text=chance.choice(["", f"sửa lần {number}"]),
                        kind=kind,
                        refers_to=target.id,
                        late=chance.random() < 0.5,
                        percent=chance.choice([None, 30, 80]),
                        created_at=moment,
                    )
                else:
                    row = StatusUpdate(
                        plan_id=plan_id,
                        task_id=chance.choice(TASKS[plan_id]),
                        agency_id=chance.choice(UNITS),
                        period=chance.choice(PERIODS),
                        status="in_progress",
                        text=f"báo cáo {number}",
                        percent=chance.choice([None, 10]),
                        created_at=moment,
                    )
                session.add(row)
                session.flush()
                if row.kind == "report":
                    reports.append(row)
        middle = local(2022, 1, 12, 8) + (moment - local(2022, 1, 12, 8)) / 2
        with services.db.session() as session:
            compared = 0
            seen: list[EffectiveUpdate] = []
            heads_seen: list[RoundHead] = []
            for plan_id in (SEED_ID, SECOND_ID):
                for period in PERIODS:
                    for as_of in (None, middle):
                        expected = _reference(session, period, plan_id, as_of)
                        got = effective_updates(
                            session, period=period, plan_id=plan_id, as_of=as_of
                        )
                        assert got == expected, (plan_id, period, as_of)
                        # The fold in SQL: each unit's item's newest update and first time.
                        heads = round_heads(session, period, plan_id=plan_id, as_of=as_of)
                        assert heads == _heads(expected), (plan_id, period, as_of)
                        heads_seen.extend(heads)
                        compared += len(expected)
                        seen.extend(got)
                        for unit in UNITS:  # one unit's round ("what's my task", a report)
                            assert effective_updates(
                                session,
                                period=period,
                                plan_id=plan_id,
                                as_of=as_of,
                                agency_ids=[unit],
                            ) == _reference(session, period, plan_id, as_of, unit)
                            assert round_heads(
                                session, period, plan_id=plan_id, as_of=as_of, agency_ids=[unit]
                            ) == _heads(_reference(session, period, plan_id, as_of, unit))
                        assert (
                            effective_updates(
                                session,
                                period=period,
                                plan_id=plan_id,
                                as_of=as_of,
                                agency_ids=UNITS,
                            )
                            == expected
                        )
            assert compared > 200  # the comparison saw many standing reports
            assert any(u.corrected for u in seen)  # corrections and re-filings were folded
            assert any(u.refiled_from for u in seen)
            # The SQL fold met superseded reports, corrections, re-filings and percents too.
            assert len(heads_seen) < len(seen)
            assert any(h.update.corrected for h in heads_seen)
            assert any(h.update.refiled_from for h in heads_seen)
            assert any(h.first_at < h.update.created_at for h in heads_seen)
            # The fold of ORM objects (a report's chain) is the same fold.
            rows = session.exec(
                select(StatusUpdate).order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
            ).all()
            seed_rows = [row for row in rows if row.plan_id == SEED_ID]
            assert [u for u in fold_updates(seed_rows) if u.period == "2022-Q1"] == _reference(
                session, "2022-Q1", SEED_ID, None
            )
    finally:
        services.db.dispose()
