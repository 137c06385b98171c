"""A chat turn is one unit of work: its reads share one session, its writes one transaction.

What a user would notice: a status update is stored with its conversation state in one
transaction (a turn that fails half-way stores nothing, so a resend is not a duplicate and
nothing is half-recorded); within the turn the report just written is seen by what follows.
Checked on SQLite and PostgreSQL, and by counting the transactions a status update begins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.db import Database, UnitLost
from bot.messages import Incoming
from bot.models import Conversation, SentMessage, StatusUpdate
from bot.registration import create_invitations
from bot.sent import context_of, record_sent
from handlers import ChatHandlers
from tests.conftest import SeededDatabase, make_settings


@pytest.fixture
def seeded(seeded_db: SeededDatabase, clock: FrozenClock, tmp_path: Path) -> Iterator[Services]:
    built = bootstrap(make_settings(tmp_path, seeded_db(clock)), clock=clock)
    yield built
    built.db.dispose()


def _sent(db: Database, message_id: str, now: Any) -> None:
    record_sent(db, "test", "chat-1", [message_id], {"kind": "x", "n": message_id}, now)


def _other_connection_sees(db: Database, message_id: str) -> bool:
    """Whether a connection outside the unit sees the row (what another process would)."""
    other = Database(str(db.url.render_as_string(hide_password=False)))
    try:
        return context_of(other, "test", "chat-1", message_id) is not None
    finally:
        other.dispose()


def test_writes_of_a_unit_are_committed_together_at_its_end(
    seeded: Services, clock: FrozenClock
) -> None:
    db = seeded.db
    with db.unit():
        _sent(db, "1", clock.now())
        _sent(db, "2", clock.now())
        assert context_of(db, "test", "chat-1", "1") == {"kind": "x", "n": "1"}  # seen inside
        assert not _other_connection_sees(db, "1")  # not yet outside
    assert _other_connection_sees(db, "1")
    assert _other_connection_sees(db, "2")


def test_a_unit_ending_with_an_error_writes_nothing(seeded: Services, clock: FrozenClock) -> None:
    db = seeded.db

    def turn() -> None:
        with db.unit():
            _sent(db, "1", clock.now())
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        turn()
    assert context_of(db, "test", "chat-1", "1") is None


def test_a_failed_write_inside_a_unit_undoes_only_its_own_part(
    seeded: Services, clock: FrozenClock
) -> None:
    db = seeded.db

    def refused_write() -> None:
        with db.write() as session:
            session.add(
                SentMessage(
                    channel="test",
                    chat_id="chat-1",
                    message_id="2",
                    context={"kind": "x"},
                    created_at=clock.now(),
                )
            )
            session.flush()
            raise ValueError("refused")

    with db.unit():
        _sent(db, "1", clock.now())
        with pytest.raises(ValueError, match="refused"):
            refused_write()
        _sent(db, "3", clock.now())
    assert context_of(db, "test", "chat-1", "1") is not None
    assert context_of(db, "test", "chat-1", "2") is None
    assert context_of(db, "test", "chat-1", "3") is not None


def test_a_unit_whose_writes_a_database_error_lost_cannot_commit(
    seeded: Services, clock: FrozenClock
) -> None:
    """A duplicate key in the unit's last write (no savepoint) caught by a careless caller: the
    unit refuses to commit rather than pretend the writes before it were kept."""
    db = seeded.db
    _sent(db, "1", clock.now())

    def careless_turn() -> None:
        with db.unit():
            _sent(db, "2", clock.now())
            try:
                with db.write(savepoint=False) as session:
                    session.add(
                        SentMessage(
                            channel="test",
                            chat_id="chat-1",
                            message_id="1",
                            context={},
                            created_at=clock.now(),
                        )
                    )
            except Exception:  # the careless caller under test
                pass

    with pytest.raises(UnitLost):
        careless_turn()
    assert context_of(db, "test", "chat-1", "2") is None


def _register(services: Services, clock: FrozenClock, chat: ChatHandlers) -> None:
    code = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=clock.now()
    )[0].code
    replies = _run(chat, _incoming(clock, f"/start {code}", "1"))
    assert replies


def _incoming(clock: FrozenClock, text: str, message_id: str) -> Incoming:
    return Incoming(
        channel="test",
        chat_id="chat-1",
        user_id="user-1",
        display_name="Chị Lan",
        received_at=clock.now(),
        text=text,
        message_id=message_id,
        language="vi",
    )


def _run(chat: ChatHandlers, incoming: Incoming) -> list[Any]:
    import asyncio

    return asyncio.run(chat.handle(incoming))


@contextmanager
def _transactions(db: Database) -> Iterator[list[str]]:
    """The transactions begun on ``db`` (each "write" or "read") while the block runs."""
    begun: list[str] = []

    def on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        begun.append("write" if options.get("planbot_immediate") else "read")

    event.listen(db.engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(db.engine, "begin", on_begin)


def _reports(db: Database) -> list[StatusUpdate]:
    with db.session() as session:
        return list(
            session.exec(
                select(StatusUpdate).where(col(StatusUpdate.kind) == "report").order_by("id")
            ).all()
        )


def test_a_status_update_is_one_read_session_and_one_write_transaction(
    seeded: Services, clock: FrozenClock
) -> None:
    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    with _transactions(seeded.db) as begun:
        replies = _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))
    assert "2.2.1" in replies[0].text
    assert "ĐANG THỰC HIỆN" in replies[0].text
    # Who, the state; then the report and the state: on SQLite a read transaction, then a
    # writing one (BEGIN IMMEDIATE); on PostgreSQL (read committed) one transaction for both.
    assert begun == (["read", "write"] if seeded.db.is_sqlite else ["read"])
    assert [(r.task_id, r.text) for r in _reports(seeded.db)] == [
        ("2.2.1", "đã trình UBND tỉnh hồ sơ")
    ]
    with seeded.db.session() as session:
        state = session.get(Conversation, ("test", "chat-1"))
    assert state is not None
    assert state.data["undo"]["update_id"] == _reports(seeded.db)[0].id


def test_a_turn_that_fails_after_writing_the_report_stores_nothing(
    seeded: Services, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("handlers.core.save_state", broken)
    with pytest.raises(OSError, match="disk full"):
        _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))
    assert _reports(seeded.db) == []
    monkeypatch.undo()
    replies = _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))  # resent
    assert "2.2.1" in replies[0].text
    assert len(_reports(seeded.db)) == 1


def test_a_status_update_is_written_with_plain_statements_and_audited_as_before(
    seeded: Services, clock: FrozenClock
) -> None:
    """The report and its audit row are two INSERTs (no ORM object flushed), and the audit
    row is exactly the one the ORM hook writes for the same row: who, from which message,
    every column."""
    from bot.models import AuditEntry

    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    flushed: list[object] = []

    def on_flush(session: Any, _context: Any, _instances: Any) -> None:
        flushed.extend(o for o in session.new if isinstance(o, StatusUpdate))

    event.listen(Session, "before_flush", on_flush)
    try:
        replies = _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ 70%", "2"))
    finally:
        event.remove(Session, "before_flush", on_flush)
    assert "2.2.1" in replies[0].text
    assert flushed == []
    (report,) = _reports(seeded.db)
    # The same row through the ORM, its audit row written by the flush hook.
    with seeded.db.write() as session:
        twin = StatusUpdate(
            **{
                name: getattr(report, name)
                for name in StatusUpdate.model_fields
                if name not in ("id", "source_message_id", "created_at")
            },
            source_message_id="chat-1:twin",
            created_at=clock.now(),  # the turn's time, as the handler had it
        )
        session.add(twin)
    with seeded.db.session() as session:
        entries = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.subject).startswith("status_update:"))
            .order_by(col(AuditEntry.id))
        ).all()
    mine, hooks = entries
    assert (mine.actor, mine.source, mine.action) == ("test:user-1", "test:chat-1:2", "insert")
    assert mine.subject == hooks.subject
    assert mine.detail["id"] == report.id
    assert hooks.detail["id"] == twin.id
    assert mine.detail["percent"] == 70
    assert mine.detail["created_at"] == str(clock.now())
    mine_detail = {k: v for k, v in mine.detail.items() if k not in ("id", "source_message_id")}
    hooks_detail = {k: v for k, v in hooks.detail.items() if k not in ("id", "source_message_id")}
    assert list(mine.detail) == list(hooks.detail)
    assert mine_detail == hooks_detail


def test_the_reads_of_a_unit_see_one_snapshot_whether_plain_or_orm(any_db_url: str) -> None:
    """The turn reads who is writing and its state with plain statements, and a feature may
    read with the ORM after them: both read through one connection, so on SQLite they see one
    moment of the database, not a row another process committed in between."""
    db = Database(any_db_url)
    db.upgrade()
    other = Database(any_db_url)
    try:
        with db.unit():
            with db.reading() as connection:
                first = connection.execute(select(SentMessage.message_id)).all()
            _sent(other, "late", datetime.now(UTC))  # committed by another connection meanwhile
            with db.session() as session:
                orm = session.exec(select(SentMessage)).all()
            with db.reading() as connection:
                again = connection.execute(select(SentMessage.message_id)).all()
        assert first == []
        # One connection: the ORM read and the plain one after it agree (on SQLite, one
        # snapshot: the unit does not see the other's row; PostgreSQL reads committed rows).
        assert [row.message_id for row in orm] == [row[0] for row in again]
        assert again == ([] if db.is_sqlite else [("late",)])
        with db.reading() as connection:  # outside the unit: the other's row is there
            assert [row[0] for row in connection.execute(select(SentMessage.message_id))] == [
                "late"
            ]
    finally:
        other.dispose()
        db.dispose()


def test_the_user_of_a_turn_and_its_stored_report_are_the_rows_as_stored(
    seeded: Services, clock: FrozenClock
) -> None:
    """The user found for a message and the report a status update returns are built from
    plain rows; every field reads as the ORM loads it from the database."""
    from bot.models import User
    from bot.registration import find_user
    from bot.updates import file_report

    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    found = find_user(seeded.db, "test", "user-1")
    assert found is not None
    with seeded.db.session() as session:
        stored = session.get(User, found.id)
        assert stored is not None
        assert found.model_dump() == stored.model_dump()
    filing = file_report(
        seeded.db,
        seeded.plan,
        seeded.calendar,
        task_id="2.2.1",
        agency_id=str(found.agency_id),
        user_id=found.id,
        text="đã trình UBND tỉnh hồ sơ 70%",
        now=clock.now(),
        channel="test",
        source_message_id="chat-1:9",
    )
    with seeded.db.session() as session:
        row = session.get(StatusUpdate, filing.row.id)
        assert row is not None
        assert filing.row.model_dump() == row.model_dump()
    assert filing.row.percent == 70
    assert filing.row.kind == "report"
