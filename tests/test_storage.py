"""Storage on a real SQLite file and a real PostgreSQL: migrations, idempotent plan loading,
history that survives a changed plan, and timezone-aware datetimes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import col, func, select

from bot.db import Database, alembic_config
from bot.models import (
    AgencyMember,
    AgencyRecord,
    AssignmentRecord,
    StatusUpdate,
    TaskRecord,
    User,
)
from bot.plan import default_plan_path, parse_plan
from bot.planstore import stored_plan, sync_plan
from tests.conftest import local

SEED_ID = "tuyen-quang-tb38-2021"

EXPECTED_TABLES = {
    "plan",
    "agency",
    "agency_member",
    "task",
    "assignment",
    "app_user",
    "invitation",
    "status_update",
    "reminder",
    "lease",
    "conversation",
    "sent_message",
    "processed_message",
    "digest_snapshot",
}


def seed_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_plan_path().read_text(encoding="utf-8"))
    return data


def counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (AgencyRecord, AgencyMember, TaskRecord, AssignmentRecord)
        }


@pytest.fixture
def database(any_db_url: str) -> Iterator[Database]:
    db = Database(any_db_url)
    db.upgrade()
    yield db
    db.dispose()


def test_migrations_create_every_table_from_empty(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert tables >= EXPECTED_TABLES | {"alembic_version"}
    with database.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    database.upgrade()  # a second start is a no-op
    assert set(inspect(database.engine).get_table_names()) == tables


def test_loading_the_same_plan_twice_writes_the_same_rows(database: Database) -> None:
    document = seed_document()
    plan = parse_plan(document)
    first = sync_plan(database, plan, document, local(2021, 3, 1, 9, 0))
    after_first = counts(database)
    second = sync_plan(database, plan, document, local(2021, 3, 2, 9, 0))

    assert not first.unchanged
    assert len(first.tasks_added) == len(plan.tasks)
    assert second.unchanged
    assert counts(database) == after_first
    assert after_first["TaskRecord"] == len(plan.tasks)
    reloaded = stored_plan(database)
    assert reloaded is not None
    assert reloaded.checksum() == plan.checksum()


def test_a_changed_plan_changes_tasks_and_keeps_their_history(database: Database) -> None:
    document = seed_document()
    sync_plan(database, parse_plan(document), document, local(2021, 3, 1, 9, 0))
    with database.write() as session:
        session.add(
            StatusUpdate(
                task_id="2.8",
                agency_id="so-nnptnt",
                period="2021-Q1",
                status="in_progress",
                text="Đang rà soát vị trí hồ, đập",
                created_at=local(2021, 3, 5, 10, 0),
            )
        )

    changed = copy.deepcopy(document)
    changed["tasks"] = [t for t in changed["tasks"] if t["id"] != "2.8"]
    task_21 = next(t for t in changed["tasks"] if t["id"] == "2.1")
    task_21["title"] = task_21["title"] + " (sửa đổi)"
    task_21["assignments"] = [a for a in task_21["assignments"] if a["agency"] != "so-tai-chinh"]
    report = sync_plan(database, parse_plan(changed), changed, local(2021, 4, 1, 9, 0))

    assert report.tasks_retired == ["2.8"]
    assert report.tasks_changed == ["2.1"]
    assert report.assignments_removed >= 2  # 2.8's assignments and Sở Tài chính on 2.1
    with database.session() as session:
        retired = session.get(TaskRecord, (SEED_ID, "2.8"))
        assert retired is not None
        assert retired.active is False
        history = session.exec(select(StatusUpdate).where(col(StatusUpdate.task_id) == "2.8")).all()
        assert [h.text for h in history] == ["Đang rà soát vị trí hồ, đập"]
        assert (
            session.exec(
                select(AssignmentRecord).where(
                    col(AssignmentRecord.task_id) == "2.1",
                    col(AssignmentRecord.agency_id) == "so-tai-chinh",
                )
            ).first()
            is None
        )

    # Loading the original again brings the task back, with its history.
    back = sync_plan(database, parse_plan(document), document, local(2021, 5, 1, 9, 0))
    assert "2.8" in back.tasks_changed
    with database.session() as session:
        task = session.get(TaskRecord, (SEED_ID, "2.8"))
        assert task is not None
        assert task.active


def test_datetimes_are_stored_in_utc_and_come_back_aware(database: Database) -> None:
    document = seed_document()
    sync_plan(database, parse_plan(document), document, local(2021, 3, 1, 9, 0))
    moment = local(2021, 3, 19, 23, 59)
    with database.write() as session:
        row = StatusUpdate(
            task_id="2.1",
            agency_id="so-khdt",
            period="2021-Q1",
            status="completed",
            text="Đã trình",
            created_at=moment,
        )
        session.add(row)
    with database.session() as session:
        stored = session.exec(select(StatusUpdate)).one()
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == moment


def test_naive_datetimes_are_refused(database: Database) -> None:
    document = seed_document()
    sync_plan(database, parse_plan(document), document, local(2021, 3, 1, 9, 0))
    naive = StatusUpdate(
        task_id="2.1",
        agency_id="so-khdt",
        period="2021-Q1",
        status="completed",
        text="x",
        created_at=datetime(2021, 3, 1, 9, 0),
    )

    def write_naive() -> None:
        with database.write() as session:
            session.add(naive)

    with pytest.raises(Exception, match="naive datetime"):
        write_naive()
    with database.session() as session:
        assert session.exec(select(StatusUpdate)).all() == []


def test_sqlite_file_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x' / 'planbot.db'}")
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "x" / "planbot.db").exists()
    db.dispose()


def test_concurrent_read_then_write_transactions_queue_instead_of_failing(tmp_path: Path) -> None:
    """Without BEGIN IMMEDIATE a read lock upgraded to a write fails at once ("locked")."""
    import threading

    from bot.models import Lease

    db = Database(f"sqlite:///{tmp_path / 'planbot.db'}")
    db.upgrade()
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for index in range(15):
                with db.write() as session:
                    existing = session.exec(select(func.count()).select_from(Lease)).one()
                    session.add(
                        Lease(
                            name=f"{name}-{index}-{existing}",
                            holder=name,
                            expires_at=local(2021, 1, 1, 0, 0),
                        )
                    )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Lease)).one() == 60
    db.dispose()


def test_an_older_database_is_upgraded_at_start_and_keeps_its_rows(any_db_url: str) -> None:
    """A database left at the first migration (as deployed then) upgrades with its users."""
    db = Database(any_db_url)
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO agency (id, name, short_name, kind, aliases, source, active) "
                "VALUES ('so-y-te', 'Sở Y tế', 'Sở Y tế', 'department', '[]', 'plan', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO app_user (channel, external_id, chat_id, display_name, agency_id, "
                "role, active, created_at) VALUES ('telegram', '42', '42', 'Chị Lan', 'so-y-te', "
                "'focal', true, :at)"
            ),
            {"at": datetime(2021, 3, 1, 2, 0)},
        )
    db.upgrade()
    with db.session() as session:
        (user,) = session.exec(select(User)).all()
    assert (user.display_name, user.agency_id, user.chat_type) == ("Chị Lan", "so-y-te", "private")
    db.dispose()


@pytest.mark.parametrize(
    "statement", ["UPDATE status_update SET text = 'x'", "DELETE FROM status_update"]
)
def test_the_database_refuses_to_rewrite_history(database: Database, statement: str) -> None:
    document = seed_document()
    sync_plan(database, parse_plan(document), document, local(2021, 3, 1, 9, 0))
    with database.write() as session:
        session.add(
            StatusUpdate(
                task_id="2.1",
                agency_id="so-khdt",
                period="2021-Q1",
                status="completed",
                text="Đã trình UBND tỉnh",
                created_at=local(2021, 3, 10, 9, 0),
            )
        )

    def rewrite() -> None:
        with database.write() as session:
            session.execute(text(statement))

    with pytest.raises(Exception, match="append-only"):
        rewrite()
    with database.session() as session:
        (row,) = session.exec(select(StatusUpdate)).all()
    assert row.text == "Đã trình UBND tỉnh"


def test_the_migrations_build_exactly_the_tables_the_models_describe(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
