"""Several plans in one database, on a real SQLite file and a real PostgreSQL: the migration of a
single-plan database, plans side by side, the shared agency directory, retiring a plan."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import col, select

from bot.db import Database, alembic_config
from bot.models import AssignmentRecord, DigestSnapshot, PlanRecord, StatusUpdate, TaskRecord
from bot.plan import PlanError, parse_plan
from bot.plans import PlanSet
from bot.planstore import PlanNotFound, retire_plan, stored_plan, stored_plans, sync_plan
from bot.progress import effective_updates
from tests.conftest import local
from tests.support.plans import SEED_ID, second_document, seed_document

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def database(any_db_url: str) -> Iterator[Database]:
    db = Database(any_db_url)
    db.upgrade()
    yield db
    db.dispose()


def load(db: Database, document: dict[str, Any], at: datetime) -> Any:
    return sync_plan(db, parse_plan(document), document, at)


def _migrate(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_a_single_plan_database_becomes_the_first_plan(any_db_url: str) -> None:
    """A database at 0007 with a plan, its tasks, reports and a correction upgrades: every row
    belongs to that plan, its history reads the same, and history is still append-only."""
    db = Database(any_db_url)
    _migrate(db, "0007")
    document = seed_document()
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO plan (id, title, issuer, source, timezone, province, checksum, "
                "document, loaded_at) VALUES (:id, 'Kế hoạch', 'ubnd-tinh', 'seed', "
                "'Asia/Ho_Chi_Minh', 'Tuyên Quang', 'x', :document, :at)"
            ),
            {"id": SEED_ID, "document": json.dumps(document), "at": datetime(2021, 3, 1, 2)},
        )
        for agency in ("so-y-te", "so-khdt"):
            connection.execute(
                text(
                    "INSERT INTO agency (id, name, short_name, kind, aliases, source, active) "
                    "VALUES (:id, :id, :id, 'department', '[]', 'plan', true)"
                ),
                {"id": agency},
            )
        for position, task in enumerate(("2.1", "2.2")):
            connection.execute(
                text(
                    "INSERT INTO task (id, parent_id, section, title, text, general, position, "
                    "active, updated_at) VALUES (:id, NULL, 'II.2', 't', 't', false, :p, true, "
                    ":at)"
                ),
                {"id": task, "p": position, "at": datetime(2021, 3, 1, 2)},
            )
        connection.execute(
            text(
                "INSERT INTO assignment (task_id, agency_id, role) VALUES "
                "('2.2', 'so-y-te', 'lead'), ('2.1', 'so-khdt', 'lead')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO status_update (id, task_id, agency_id, period, status, text, kind, "
                "refers_to, channel, created_at, late) VALUES "
                "(1, '2.2', 'so-y-te', '2021-Q1', 'in_progress', 'Đang triển khai', 'report', "
                "NULL, 'telegram', :at, false), "
                "(2, '2.2', 'so-y-te', '2021-Q1', 'completed', 'Đang triển khai', 'correction', "
                "1, 'telegram', :later, false)"
            ),
            {"at": datetime(2021, 3, 10, 2), "later": datetime(2021, 3, 10, 3)},
        )
        connection.execute(
            text(
                "INSERT INTO digest_snapshot (period, audience, data, created_at) "
                "VALUES ('2021-Q1', 'secretariat', '{}', :at)"
            ),
            {"at": datetime(2021, 3, 15, 2)},
        )
    db.upgrade()

    with db.session() as session:
        (plan,) = session.exec(select(PlanRecord)).all()
        assert (plan.id, plan.code, plan.retired_at) == (SEED_ID, "tb38", None)
        tasks = session.exec(select(TaskRecord).order_by(col(TaskRecord.position))).all()
        assert [(t.plan_id, t.id) for t in tasks] == [(SEED_ID, "2.1"), (SEED_ID, "2.2")]
        assert {a.plan_id for a in session.exec(select(AssignmentRecord))} == {SEED_ID}
        assert {s.plan_id for s in session.exec(select(DigestSnapshot))} == {SEED_ID}
        (update,) = effective_updates(session, period="2021-Q1", plan_id=SEED_ID)
        assert (update.task_id, update.status, update.corrected) == ("2.2", "completed", True)
    with pytest.raises(Exception, match="append-only"), db.write() as session:
        session.execute(text("UPDATE status_update SET text = 'x'"))
    # The migrated database takes a second plan with its own 2.2 beside the first.
    load(db, second_document(), local(2022, 1, 11, 9))
    with db.session() as session:
        plans = {r.code for r in session.exec(select(PlanRecord))}
        assert plans == {"tb38", "kh12"}
        twos = session.exec(select(TaskRecord).where(col(TaskRecord.id) == "2.2")).all()
        assert sorted(t.plan_id for t in twos) == ["tuyen-quang-kh12-2022", SEED_ID]
    db.dispose()


def test_two_plans_keep_their_own_tasks_and_history(database: Database) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    second = load(database, second_document(), local(2022, 1, 11, 9))
    assert second.new_plan
    assert second.code == "kh12"
    assert second.tasks_added == ["1.1", "2.1", "2.2"]
    with database.write() as session:
        session.add(
            StatusUpdate(
                plan_id="tuyen-quang-kh12-2022",
                task_id="2.2",
                agency_id="so-khdt",
                period="2022-Q1",
                status="in_progress",
                text="Đang thu thập dữ liệu",
                created_at=local(2022, 2, 1, 9),
            )
        )
    # Reloading the first plan leaves the second alone (its tasks are not "retired").
    changed = seed_document()
    changed["tasks"] = [t for t in changed["tasks"] if t["id"] != "2.8"]
    report = load(database, changed, local(2022, 2, 2, 9))
    assert report.tasks_retired == ["2.8"]
    with database.session() as session:
        other = session.get(TaskRecord, ("tuyen-quang-kh12-2022", "2.2"))
        assert other is not None
        assert other.active
        ours = effective_updates(session, plan_id="tuyen-quang-kh12-2022")
        theirs = effective_updates(session, plan_id=SEED_ID)
    assert [u.text for u in ours] == ["Đang thu thập dữ liệu"]
    assert theirs == []

    plans = PlanSet.from_stored(stored_plans(database), TZ)
    assert [p.info.id for p in plans.plans] == ["tuyen-quang-kh12-2022", SEED_ID]  # newest first
    assert plans.get("KH12") is plans.get("kh 12") is plans["tuyen-quang-kh12-2022"]
    assert plans.get("tb38") is plans[SEED_ID]
    assert plans.get("kh99") is None
    found = plans.find_task("so-y-te", "2.2")
    assert [(p.info.id, t.id, role) for p, t, role in found] == [
        ("tuyen-quang-kh12-2022", "2.2", "coordinate"),
        (SEED_ID, "2.2", "lead"),  # 2.2 is split: Sở Y tế leads 2.2.1
    ]
    assert [p.info.id for p in plans.plans_of("so-y-te")] == ["tuyen-quang-kh12-2022", SEED_ID]
    assert plans.calendar(SEED_ID).rounds(2021)[0].id == "2021-Q1"


def test_a_status_update_that_names_no_plan_needs_a_task_only_one_plan_has(
    database: Database,
) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    load(database, second_document(), local(2022, 1, 11, 9))
    with database.write() as session:  # 2.8 is only in the first plan
        row = StatusUpdate(
            task_id="2.8",
            agency_id="so-nnptnt",
            period="2021-Q1",
            status="in_progress",
            text="Đang rà soát",
            created_at=local(2021, 3, 5, 9),
        )
        session.add(row)
    assert row.plan_id == SEED_ID

    def ambiguous() -> None:
        with database.write() as session:
            session.add(
                StatusUpdate(
                    task_id="2.2",
                    agency_id="so-y-te",
                    period="2021-Q1",
                    status="in_progress",
                    text="x",
                    created_at=local(2021, 3, 5, 9),
                )
            )

    with pytest.raises(ValueError, match="names no plan and 2 plans have it"):
        ambiguous()


def test_the_agency_directory_is_shared_and_checked(database: Database) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    document = second_document()
    so_y_te = next(a for a in document["agencies"] if a["id"] == "so-y-te")
    so_y_te["aliases"] = [*so_y_te["aliases"], "Sở YT tỉnh"]
    report = load(database, document, local(2022, 1, 11, 9))
    assert report.aliases_added == 1
    plans = PlanSet.from_stored(stored_plans(database), TZ)
    found = plans.agencies.find("so yt tinh")
    assert found is not None
    assert found.id == "so-y-te"

    conflicting = second_document(id="tuyen-quang-kh13-2022", number="13/KH-UBND")
    index = next(i for i, a in enumerate(conflicting["agencies"]) if a["id"] == "so-y-te")
    conflicting["agencies"][index]["name"] = "Sở Giáo dục và Đào tạo"
    with pytest.raises(PlanError) as raised:
        load(database, conflicting, local(2022, 1, 12, 9))
    (problem,) = raised.value.problems
    assert problem.path == f"$.agencies[{index}].name"
    assert "«so-y-te» đã có trong danh mục với tên «Sở Y tế»" in problem.message
    with database.session() as session:  # nothing of the refused plan was written
        assert session.get(PlanRecord, "tuyen-quang-kh13-2022") is None
        assert (
            session.exec(
                select(TaskRecord).where(col(TaskRecord.plan_id) == "tuyen-quang-kh13-2022")
            ).all()
            == []
        )


def test_codes_are_unique_and_a_plan_can_ask_for_its_own(database: Database) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    first = load(database, second_document(), local(2022, 1, 11, 9))
    again = second_document(id="tuyen-quang-kh12-2023", date="2023-01-05")
    second = load(database, again, local(2023, 1, 6, 9))
    assert (first.code, second.code) == ("kh12", "kh12-2023")
    asked = second_document(id="tuyen-quang-cds-2024", code="cds24")
    assert load(database, asked, local(2024, 1, 6, 9)).code == "cds24"
    taken = second_document(id="tuyen-quang-x-2024", code="kh12")
    with pytest.raises(PlanError, match="mã kế hoạch «kh12» đã dùng"):
        load(database, taken, local(2024, 1, 7, 9))


def test_retiring_a_plan_stops_following_it_and_keeps_its_rows(database: Database) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    load(database, second_document(), local(2022, 1, 11, 9))
    retired = retire_plan(database, "KH12", local(2022, 6, 1, 9))
    assert retired.retired_at == local(2022, 6, 1, 9)
    active = stored_plans(database)
    assert [s.code for s in active] == ["tb38"]
    current = stored_plan(database)
    assert current is not None
    assert current.info.id == SEED_ID
    everything = stored_plans(database, include_retired=True)
    assert [(s.code, s.active) for s in everything] == [("kh12", False), ("tb38", True)]
    with database.session() as session:
        assert session.get(TaskRecord, ("tuyen-quang-kh12-2022", "2.2")) is not None
    with pytest.raises(ValueError, match="retired"):
        retire_plan(database, "kh12", local(2022, 6, 2, 9))
    with pytest.raises(PlanNotFound):
        retire_plan(database, "kh99", local(2022, 6, 2, 9))
    retire_plan(database, "kh12", local(2022, 6, 3, 9), undo=True)
    assert [s.code for s in stored_plans(database)] == ["kh12", "tb38"]
    with pytest.raises(ValueError, match="active"):
        retire_plan(database, "kh12", local(2022, 6, 3, 9), undo=True)


def test_loading_a_plan_again_keeps_its_code(database: Database) -> None:
    load(database, seed_document(), local(2021, 3, 1, 9))
    changed = copy.deepcopy(seed_document())
    changed["tasks"][0]["title"] = "Tiêu đề mới"
    report = load(database, changed, local(2021, 4, 1, 9))
    assert report.code == "tb38"
    assert not report.new_plan
    assert report.tasks_changed == [changed["tasks"][0]["id"]]
