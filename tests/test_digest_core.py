"""The digest read through a plain connection (SQLAlchemy Core, as ``planbot digest`` reads it)
is the digest read through an ORM session (the chat handlers, the scheduler, the web), to the
byte; its snapshot is written with the row and the audit entry the ORM writes for it.

The database: the seed plan's scripted round (on time and late on the boundaries, a blocked
item, a correction, a retraction), a late report filed into the round after its deadline, and a
second plan (reported monthly) with reports of its own; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.bootstrap import Services, bootstrap
from bot.cli import app
from bot.clock import FrozenClock
from bot.digest import Digest, build_digest, latest_snapshot, record_snapshot
from bot.i18n import translator
from bot.models import AuditEntry, DigestSnapshot
from bot.overview import build_overview
from bot.plan import Plan, parse_plan
from bot.planstore import sync_plan
from bot.reports import render_markdown, render_text
from bot.reports.text import render_overview
from bot.updates import file_report
from tests.conftest import SeededDatabase, local, make_settings
from tests.support.plans import SECOND_ID, SEED_ID, second_document
from tests.support.report_round import add_update, script_round

T = translator("vi")


@pytest.fixture
def built(tmp_path: Path, seeded_db: SeededDatabase) -> Iterator[Services]:
    clock = FrozenClock(local(2021, 3, 10, 9, 0))
    services = bootstrap(make_settings(tmp_path, seeded_db(clock)), clock=clock)
    script_round(services.db)
    seed = services.plans[SEED_ID]
    # Sở GTVT's missing 2.7.3 after the deadline, filed into Q1 by its context: a late report.
    file_report(
        services.db,
        seed,
        services.plans.calendar(SEED_ID),
        task_id="2.7.3",
        agency_id="so-gtvt",
        user_id=None,
        text="Đã hoàn thành nghiên cứu tuyến đường",
        now=local(2021, 3, 24, 10),
        context_period="2021-Q1",
    )
    document = second_document()
    sync_plan(services.db, parse_plan(document), document, local(2021, 3, 11, 9))
    services.reload_plan()
    second = services.plans[SECOND_ID]
    for task, agency, text, day in (
        ("1.1", "so-y-te", "Đã tuyên truyền trên cổng thông tin", 2),
        ("2.1", "so-y-te", "Vướng mắc: chưa có kinh phí triển khai nền tảng", 3),
        ("2.2", "so-khdt", "Đang tổng hợp dữ liệu đầu tư công", 4),
    ):
        file_report(
            services.db,
            second,
            services.plans.calendar(SECOND_ID),
            task_id=task,
            agency_id=agency,
            user_id=None,
            text=text,
            now=local(2022, 3, day, 10),
            context_period="2022-M03",
        )
    yield services
    services.db.dispose()


def _both(
    services: Services, plan: Plan, period: str, now: datetime, audience: str | None = None
) -> tuple[Digest, Digest]:
    round_ = services.plans.calendar(plan.info.id).parse(period)
    with services.db.session() as session:
        orm = build_digest(session, plan, round_, now, audience=audience)
    with services.db.reading() as connection:
        core = build_digest(connection, plan, round_, now, audience=audience)
    return orm, core


def _same(orm: Digest, core: Digest) -> None:
    assert core == orm
    assert render_text(core, T) == render_text(orm, T)
    assert render_markdown(core, T) == render_markdown(orm, T)
    assert json.dumps(core.to_json(), ensure_ascii=False) == json.dumps(
        orm.to_json(), ensure_ascii=False
    )


CASES = [
    (SEED_ID, "2021-Q1", local(2021, 3, 15, 9)),  # within the deadline
    (SEED_ID, "2021-Q1", local(2021, 3, 22, 9)),  # after it: on time, late, overdue
    (SEED_ID, "2021-Q1", local(2021, 3, 25, 9)),  # the late report counted
    (SEED_ID, "2021-H1", local(2021, 3, 25, 9)),  # a round with nothing yet
    (SECOND_ID, "2022-M03", local(2022, 3, 22, 9)),
]


@pytest.mark.parametrize(("plan_id", "period", "now"), CASES)
def test_the_digest_read_through_a_connection_is_the_sessions(
    built: Services, plan_id: str, period: str, now: datetime
) -> None:
    orm, core = _both(built, built.plans[plan_id], period, now)
    _same(orm, core)
    if (plan_id, period) == (SEED_ID, "2021-Q1") and now >= local(2021, 3, 25):
        # The case is what it says: reports on time and late, a correction, a retraction.
        assert {"on_time", "late", "overdue"} <= {unit.bucket for unit in core.units}
        assert core.unit("so-gtvt").bucket == "late"
        assert any(u.corrected for item in core.items for u in item.updates)


def test_the_changes_since_a_snapshot_are_the_same(built: Services) -> None:
    seed = built.plans[SEED_ID]
    first, _ = _both(built, seed, "2021-Q1", local(2021, 3, 22, 9), audience="cli")
    record_snapshot(built.db, first)
    add_update(built.db, "1.6", "so-tttt", local(2021, 3, 22, 10), "in_progress", "Đã làm")
    orm, core = _both(built, seed, "2021-Q1", local(2021, 3, 22, 11), audience="cli")
    _same(orm, core)
    assert core.changes is not None
    assert not core.changes.empty
    assert core.changes.since == local(2021, 3, 22, 9)
    # A snapshot made after the moment asked for is not the one compared with.
    earlier, earlier_core = _both(built, seed, "2021-Q1", local(2021, 3, 22, 8), audience="cli")
    assert earlier.changes is None
    assert earlier_core.changes is None


def _audit_rows(services: Services) -> list[AuditEntry]:
    with services.db.session() as session:
        query = select(AuditEntry).where(col(AuditEntry.subject).startswith("digest_snapshot"))
        return list(session.exec(query.order_by(col(AuditEntry.id))).all())


def test_a_snapshot_is_written_as_the_orm_writes_it_with_its_audit_entry(
    built: Services,
) -> None:
    from bot.actors import acting

    seed = built.plans[SEED_ID]
    digest, _ = _both(built, seed, "2021-Q1", local(2021, 3, 22, 9), audience="chat:7")
    with acting("cli:someone@host", "cli:planbot digest"):
        record_snapshot(built.db, digest)
        with built.db.write() as session:  # the same snapshot through the ORM
            session.add(
                DigestSnapshot(
                    plan_id=seed.info.id,
                    period=digest.round.id,
                    audience="chat:7",
                    data=digest.snapshot(),
                    created_at=digest.generated_at,
                )
            )
    with built.db.session() as session:
        core_row, orm_row = session.exec(
            select(DigestSnapshot).order_by(col(DigestSnapshot.id))
        ).all()
    fields = ("plan_id", "period", "audience", "data", "created_at")
    assert [getattr(core_row, f) for f in fields] == [getattr(orm_row, f) for f in fields]
    core_audit, orm_audit = _audit_rows(built)

    def entry(row: AuditEntry, own_id: int | None) -> dict[str, Any]:
        detail = dict(row.detail)
        assert detail.pop("id") == own_id
        return {
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "source": row.source,
            "detail": detail,
            "keys": list(row.detail),
        }

    assert entry(core_audit, core_row.id) == entry(orm_audit, orm_row.id)
    assert core_audit.actor == "cli:someone@host"
    with built.db.reading() as connection:
        found = latest_snapshot(connection, "2021-Q1", "chat:7", plan_id=seed.info.id)
    assert found is not None
    assert found.id == orm_row.id
    assert found.data == orm_row.data
    assert found.created_at == orm_row.created_at


def test_a_snapshot_in_a_unit_of_work_is_undone_with_it(built: Services) -> None:
    seed = built.plans[SEED_ID]
    digest, _ = _both(built, seed, "2021-Q1", local(2021, 3, 22, 9), audience="chat:7")

    def failed_turn() -> None:
        with built.db.unit():
            record_snapshot(built.db, digest)
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        failed_turn()
    assert _audit_rows(built) == []
    with built.db.session() as session:
        assert session.exec(select(DigestSnapshot)).all() == []


def test_the_digest_command_prints_the_sessions_digest(built: Services, tmp_path: Path) -> None:
    """``planbot digest`` (Core) prints, byte for byte, the digest an ORM session builds."""
    env = {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": built.settings.resolved_database_url,
        "COLUMNS": "200",
    }
    for code, period, now in (
        ("tb38", "2021-Q1", local(2021, 3, 25, 9)),
        ("kh12", "2022-M03", local(2022, 3, 22, 9)),
        ("tb38", "2021-Q1", local(2021, 3, 26, 9)),  # against the CLI's snapshot of the first
    ):
        plan = built.plans.get(code)
        assert plan is not None
        orm, _ = _both(built, plan, period, now, audience="cli")
        orm = dataclasses.replace(orm, plan_code=code)  # several plans: the headline names it
        args = ["digest", "--plan", code, "--period", period, "--at", now.isoformat()]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert result.stdout == render_text(orm, T) + "\n"
    assert orm.changes is not None  # the last one was compared with the first's snapshot
    result = CliRunner().invoke(app, ["digest", "--all", "--at", "2021-03-25T09:00"], env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    with built.db.session() as session:
        overview = build_overview(session, built.plans, local(2021, 3, 25, 9))
    assert result.stdout.startswith(render_overview(overview, T) + "\n")
