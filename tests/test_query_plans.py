"""A unit's round, a whole round and "what's my task" are read through the indexes on both
databases, never by scanning the status history: the database's own plan (EXPLAIN) of each
statement they send is checked. With "id IN (…) OR refers_to IN (…)" PostgreSQL scanned the
whole table (a unit's "what's my task" took 150 ms on five years of rounds: BENCHMARKS.md,
sixth session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from bot.bootstrap import bootstrap
from bot.latest import latest_effective_updates
from bot.models import StatusUpdate
from bot.progress import round_heads
from tests.conftest import local, make_settings

UNIT = "so-y-te"


@contextmanager
def _statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def note(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "status_update" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _scans(session: Session, statement: str, params: Any) -> list[str]:
    """The steps of the statement's plan that read the status history whole."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return [str(row[-1]) for row in rows if str(row[-1]).startswith("SCAN status_update")]
    # Tiny tables are cheapest to scan: forbid it, so that only a plan with no other way
    # than a scan keeps one. Such a plan then reads every row through some index and filters
    # them by the sub-selects ("(hashed SubPlan 1) OR (hashed SubPlan 2)"): that is a scan too.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    lines = [str(row[0]) for row in connection.exec_driver_sql("EXPLAIN " + statement, params)]
    return [
        line
        for line in lines
        if "Seq Scan on status_update" in line or ") OR (hashed SubPlan" in line
    ]


def test_rounds_and_latest_reports_are_read_through_indexes(
    tmp_path: Path, any_db_url: str
) -> None:
    services = bootstrap(make_settings(tmp_path, any_db_url))
    try:
        plan = services.plan
        round_ = services.calendar.round_at(local(2026, 6, 10, 9))
        tasks = [task.id for task in plan.tasks[:5]]
        with services.db.write() as session:
            for number, task_id in enumerate(tasks):
                report = StatusUpdate(
                    plan_id=plan.info.id,
                    task_id=task_id,
                    agency_id=UNIT,
                    period=round_.id,
                    status="in_progress",
                    text="đang làm",
                    kind="report",
                    created_at=local(2026, 6, 1, 8, number),
                )
                session.add(report)
                session.flush()
                session.add(
                    StatusUpdate(
                        plan_id=plan.info.id,
                        task_id=task_id,
                        agency_id=UNIT,
                        period=round_.id,
                        status="done",
                        text="",
                        kind="correction",
                        refers_to=report.id,
                        created_at=local(2026, 6, 2, 8, number),
                    )
                )
        now = local(2026, 6, 10, 9)
        reads: list[Callable[[Session], object]] = [
            lambda s: round_heads(s, round_.id, plan_id=plan.info.id, agency_ids=[UNIT], as_of=now),
            lambda s: round_heads(s, round_.id, plan_id=plan.info.id, as_of=now),
            lambda s: latest_effective_updates(s, UNIT, tasks, as_of=now, plan_id=plan.info.id),
        ]
        for read in reads:
            with services.db.session() as session:
                with _statements(session) as sent:
                    answer = read(session)
                assert answer  # the rows are found
                assert sent
                for statement, params in sent:
                    assert _scans(session, statement, params) == [], statement
    finally:
        services.db.dispose()
