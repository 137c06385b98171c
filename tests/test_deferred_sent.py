"""The context of a reply to a person costs no transaction of its own.

What a user would notice: a reply to a message the bot has just sent is understood at once
(its context is seen while it waits in memory); the context is kept (written by the next turn
that writes, within half a second otherwise, and at stop); a turn that fails keeps it waiting;
it never makes a status update fail. Checked on SQLite and PostgreSQL, and by counting the
transactions a status update begins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.db import Database
from bot.delivery import FLUSH_AFTER, record_replies
from bot.messages import Reply
from bot.sent import context_of, defer_sent, record_sent
from handlers import ChatHandlers
from tests.conftest import SeededDatabase, make_settings
from tests.test_unit_of_work import _incoming, _register, _reports, _run, _transactions


@pytest.fixture
def seeded(seeded_db: SeededDatabase, clock: FrozenClock, tmp_path: Path) -> Iterator[Services]:
    built = bootstrap(make_settings(tmp_path, seeded_db(clock)), clock=clock)
    yield built
    built.db.dispose()


def _stored(db: Database, message_id: str) -> dict[str, Any] | None:
    """The context another process would read (a second engine on the same database)."""
    other = Database(str(db.url.render_as_string(hide_password=False)))
    try:
        return context_of(other, "test", "chat-1", message_id)
    finally:
        other.dispose()


def _defer(db: Database, message_id: str, clock: FrozenClock, kind: str = "reminder") -> None:
    defer_sent(db, "test", "chat-1", [message_id], {"kind": kind, "n": message_id}, clock.now())


def test_a_deferred_context_is_seen_at_once_and_written_by_the_next_status_update(
    seeded: Services, clock: FrozenClock
) -> None:
    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    seeded.db.flush_deferred()
    _defer(seeded.db, "900", clock)
    assert context_of(seeded.db, "test", "chat-1", "900") == {"kind": "reminder", "n": "900"}
    assert _stored(seeded.db, "900") is None  # in memory only, so far
    with _transactions(seeded.db) as begun:
        replies = _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))
    assert "2.2.1" in replies[0].text
    # No transaction of its own: the turn's (SQLite: a read, then a write; PostgreSQL: one).
    assert begun == (["read", "write"] if seeded.db.is_sqlite else ["read"])
    assert _stored(seeded.db, "900") == {"kind": "reminder", "n": "900"}
    assert seeded.db.deferred(_table()) == []


def test_a_failed_turn_keeps_the_deferred_contexts_waiting(
    seeded: Services, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    _defer(seeded.db, "901", clock)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("handlers.core.save_state", broken)
    with pytest.raises(OSError, match="disk full"):
        _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))
    assert _reports(seeded.db) == []
    assert _stored(seeded.db, "901") is None
    assert context_of(seeded.db, "test", "chat-1", "901") == {"kind": "reminder", "n": "901"}
    seeded.db.flush_deferred()
    assert _stored(seeded.db, "901") == {"kind": "reminder", "n": "901"}


def test_a_context_already_stored_is_not_written_twice_and_the_report_is_kept(
    seeded: Services, clock: FrozenClock
) -> None:
    """A platform message id recorded before (a reminder's, by the sender): the deferred twin is
    skipped, and the status update that carries it is stored all the same."""
    chat = ChatHandlers(seeded)
    _register(seeded, clock, chat)
    record_sent(seeded.db, "test", "chat-1", ["902"], {"kind": "reminder"}, clock.now())
    _defer(seeded.db, "902", clock, kind="confirmation")
    replies = _run(chat, _incoming(clock, "2.2.1: đã trình UBND tỉnh hồ sơ", "2"))
    assert "2.2.1" in replies[0].text
    assert len(_reports(seeded.db)) == 1
    assert _stored(seeded.db, "902") == {"kind": "reminder"}


def test_a_reply_context_is_written_within_half_a_second_without_a_turn(
    seeded: Services, clock: FrozenClock
) -> None:
    async def answered() -> None:
        sent = [(Reply("Đã ghi nhận", context={"kind": "confirmation"}), ["903"])]
        await record_replies(seeded.db, "test", "chat-1", sent, clock.now())
        assert _stored(seeded.db, "903") is None
        assert context_of(seeded.db, "test", "chat-1", "903") == {"kind": "confirmation"}
        await asyncio.sleep(FLUSH_AFTER + 0.5)

    asyncio.run(answered())
    assert _stored(seeded.db, "903") == {"kind": "confirmation"}


def test_stopping_writes_what_waits(seeded: Services, clock: FrozenClock) -> None:
    _defer(seeded.db, "904", clock)
    seeded.db.dispose()
    assert _stored(seeded.db, "904") == {"kind": "reminder", "n": "904"}


def test_an_edited_reply_keeps_its_first_context(seeded: Services, clock: FrozenClock) -> None:
    """On Telegram an edit keeps the message id: the edit's context is not recorded."""

    async def edited() -> None:
        first = [(Reply("Chọn kỳ", context={"kind": "choices"}), ["905"])]
        await record_replies(seeded.db, "test", "chat-1", first, clock.now(), edits_in_place=True)
        edit = Reply("Đã chọn", context={"kind": "chosen"}, edit_message_id="905")
        await record_replies(
            seeded.db, "test", "chat-1", [(edit, ["905"])], clock.now(), edits_in_place=True
        )

    asyncio.run(edited())
    assert context_of(seeded.db, "test", "chat-1", "905") == {"kind": "choices"}


def _table() -> Any:
    from bot.models import SentMessage

    return SentMessage.__table__  # type: ignore[attr-defined]


def test_a_second_event_loop_still_flushes_within_half_a_second(
    seeded: Services, clock: FrozenClock
) -> None:
    """A flush scheduled on a loop that ended (a command that ran its own loop) does not stop
    the next loop's replies from being written."""

    async def answered(message_id: str, wait: float) -> None:
        sent = [(Reply("Đã ghi nhận", context={"kind": "confirmation"}), [message_id])]
        await record_replies(seeded.db, "test", "chat-1", sent, clock.now())
        await asyncio.sleep(wait)

    asyncio.run(answered("906", 0))  # the loop ends before its flush
    asyncio.run(answered("907", FLUSH_AFTER + 0.5))
    assert _stored(seeded.db, "907") == {"kind": "confirmation"}
