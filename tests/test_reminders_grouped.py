"""The sender's ledger writes asked for while its ledger thread is busy commit together (group
commit), on SQLite and PostgreSQL: each caller learns its result only once it is stored, a write
that fails undoes only itself, and a group whose transaction fails is written one by one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.models import Reminder
from bot.sent import context_of
from scheduler.outbox import Claim, LedgerKey
from scheduler.runner import SchedulerRunner
from tests.conftest import SeededDatabase, local, make_settings
from tests.support.recording_channel import RecordingChannel

NOW = local(2021, 3, 17, 8, 0)


@pytest.fixture
def services(tmp_path: Path, seeded_db: SeededDatabase) -> Iterator[Services]:
    clock = FrozenClock(NOW)
    built = bootstrap(make_settings(tmp_path, seeded_db(clock)), clock=clock)
    yield built
    built.db.dispose()


def _key(chat: int) -> LedgerKey:
    return ("telegram", str(chat), "2021-Q1", "before-deadline", NOW)


def _rows(services: Services) -> dict[str, Reminder]:
    with services.db.session() as session:
        return {row.chat_id: row for row in session.exec(select(Reminder)).all()}


class _Begins:
    """Counts the transactions begun on a database."""

    def __init__(self, services: Services) -> None:
        self.count = 0
        event.listen(services.db.engine, "begin", self._begun)

    def _begun(self, _connection: Any) -> None:
        self.count += 1


async def _grouped_while_busy(runner: SchedulerRunner, calls: list[Any]) -> list[Any]:
    """Ask for ``calls`` (each ``(function, *args)``) while the ledger thread is busy, so they
    wait for it together; their results (or errors) in order."""
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    held = asyncio.ensure_future(runner._write(hold))
    await asyncio.to_thread(busy.wait, 10)
    asked = [asyncio.ensure_future(runner._grouped(*call)) for call in calls]
    await asyncio.sleep(0)
    release.set()
    await held
    return list(await asyncio.gather(*asked, return_exceptions=True))


async def test_claims_asked_together_are_one_transaction_and_each_stored(
    services: Services,
) -> None:
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    begins = _Begins(services)
    claim = partial(runner.outbox.claim, sending=True)
    calls = [(claim, _key(chat), NOW, f"text {chat}") for chat in range(10)]

    results = await _grouped_while_busy(runner, calls)

    assert all(isinstance(claim, Claim) for claim in results)
    assert len({claim.id for claim in results}) == 10
    assert begins.count == 1  # ten claims, one transaction
    rows = _rows(services)
    assert sorted(rows) == sorted(str(chat) for chat in range(10))
    assert {row.state for row in rows.values()} == {"sending"}
    assert rows["3"].text == "text 3"
    await runner.shutdown()


async def test_a_failing_write_in_a_group_undoes_only_itself(services: Services) -> None:
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    claim = partial(runner.outbox.claim, sending=True)

    def fails_after_writing() -> None:
        with services.db.write() as session:
            session.add(
                Reminder(
                    channel="telegram",
                    chat_id="broken",
                    period="2021-Q1",
                    kind="before-deadline",
                    instant=NOW,
                    claimed_at=NOW,
                )
            )
            session.flush()
            raise RuntimeError("the write's own failure")

    calls: list[Any] = [(claim, _key(1), NOW, "one")]
    calls.append((fails_after_writing,))
    calls.append((claim, _key(2), NOW, "two"))

    first, failed, second = await _grouped_while_busy(runner, calls)

    assert isinstance(first, Claim)
    assert isinstance(second, Claim)
    assert isinstance(failed, RuntimeError)
    assert sorted(_rows(services)) == ["1", "2"]  # the failed write's row is not stored
    await runner.shutdown()


async def test_a_group_whose_transaction_fails_is_written_one_by_one(services: Services) -> None:
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    claim = partial(runner.outbox.claim, sending=True)

    def loses_the_unit() -> None:
        # A failed read inside the group's writing transaction: the transaction cannot commit
        # (bot/db.py: the unit is lost), so nothing of the group was stored.
        with services.db.session() as session:
            session.execute(text("SELECT no_such_column FROM reminder"))

    calls: list[Any] = [(claim, _key(1), NOW, "one")]
    calls.append((loses_the_unit,))
    calls.append((claim, _key(2), NOW, "two"))

    first, failed, second = await _grouped_while_busy(runner, calls)

    assert isinstance(first, Claim)
    assert isinstance(second, Claim)
    assert isinstance(failed, Exception)
    rows = _rows(services)
    assert sorted(rows) == ["1", "2"]  # written again alone, each once
    assert {row.id for row in rows.values()} == {first.id, second.id}
    assert {row.attempts for row in rows.values()} == {1}
    await runner.shutdown()


async def test_settled_reminder_and_its_context_commit_together(services: Services) -> None:
    """Marked sent and its sent-message context: one transaction (both or neither)."""
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    got = await runner._grouped(runner.outbox.claim, _key(7), NOW, "t", frozenset(), sending=True)
    assert isinstance(got, Claim)
    begins = _Begins(services)
    context = {"kind": "reminder", "tasks": ["2.2"]}
    message = SimpleNamespace(
        channel="telegram", chat_id="7", reply=SimpleNamespace(context=context)
    )

    when = datetime(2021, 3, 17, 1, 0, tzinfo=NOW.tzinfo)
    await runner._grouped(runner._settle, got, message, ["555"], when)

    assert begins.count == 1
    assert _rows(services)["7"].state == "sent"
    assert context_of(services.db, "telegram", "7", "555") == {"kind": "reminder", "tasks": ["2.2"]}
    await runner.shutdown()


def _sent_to(chat: int) -> Any:
    return SimpleNamespace(
        channel="telegram",
        chat_id=str(chat),
        reply=SimpleNamespace(context={"kind": "reminder", "tasks": [f"2.{chat}"]}),
    )


async def _claimed(runner: SchedulerRunner, chats: range) -> list[Claim]:
    claims = []
    for chat in chats:
        got = await runner._grouped(
            runner.outbox.claim, _key(chat), NOW, "t", frozenset(), sending=True
        )
        assert isinstance(got, Claim)
        claims.append(got)
    return claims


async def test_reminders_marked_sent_together_are_each_stored_with_their_context(
    services: Services,
) -> None:
    """Settled together (one statement for the rows, one for the contexts): every reminder is
    sent with its own message ids and its own context, in one transaction."""
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    claims = await _claimed(runner, range(1, 9))
    begins = _Begins(services)
    when = datetime(2021, 3, 17, 1, 0, tzinfo=NOW.tzinfo)
    calls = [
        (runner._settle, claim, _sent_to(chat), [str(500 + chat)], when)
        for chat, claim in zip(range(1, 9), claims, strict=True)
    ]

    results = await _grouped_while_busy(runner, calls)

    assert results == [None] * 8
    assert begins.count == 1
    rows = _rows(services)
    assert {row.state for row in rows.values()} == {"sent"}
    assert rows["3"].message_ids == ["503"]
    assert rows["8"].sent_at == when
    for chat in range(1, 9):
        assert context_of(services.db, "telegram", str(chat), str(500 + chat)) == {
            "kind": "reminder",
            "tasks": [f"2.{chat}"],
        }
    await runner.shutdown()


async def test_a_reminder_whose_context_cannot_be_stored_leaves_the_others_sent(
    services: Services,
) -> None:
    """One of the reminders settled together cannot be recorded: the others are sent with
    their contexts; that one is neither marked sent nor recorded (both or neither), and its
    caller gets the error."""
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    claims = await _claimed(runner, range(1, 4))
    broken = SimpleNamespace(
        channel="telegram", chat_id="2", reply=SimpleNamespace(context={"bad": object()})
    )
    when = datetime(2021, 3, 17, 1, 0, tzinfo=NOW.tzinfo)
    calls = [
        (runner._settle, claims[0], _sent_to(1), ["501"], when),
        (runner._settle, claims[1], broken, ["502"], when),
        (runner._settle, claims[2], _sent_to(3), ["503"], when),
    ]

    first, failed, third = await _grouped_while_busy(runner, calls)

    assert first is None
    assert third is None
    assert isinstance(failed, Exception)
    rows = _rows(services)
    assert (rows["1"].state, rows["2"].state, rows["3"].state) == ("sent", "sending", "sent")
    assert rows["2"].message_ids == []
    assert context_of(services.db, "telegram", "2", "502") is None
    assert context_of(services.db, "telegram", "3", "503") == {"kind": "reminder", "tasks": ["2.3"]}
    await runner.shutdown()


async def test_claims_asked_together_leave_a_sent_reminder_alone(services: Services) -> None:
    """Claims written together (one statement reads the rows, one inserts the new ones): a
    reminder already sent is not claimed again, the others are each claimed once."""
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    (sent,) = await _claimed(runner, range(2, 3))
    await runner._grouped(runner._settle, sent, _sent_to(2), ["502"], NOW)
    claim = partial(runner.outbox.claim, sending=True)
    calls: list[Any] = [
        (claim, _key(chat), NOW, f"text {chat}", frozenset()) for chat in range(1, 5)
    ]

    first, again, third, fourth = await _grouped_while_busy(runner, calls)

    assert again is None  # already sent: not sent twice
    assert all(isinstance(got, Claim) for got in (first, third, fourth))
    rows = _rows(services)
    assert {chat: row.state for chat, row in rows.items()} == {
        "1": "sending",
        "2": "sent",
        "3": "sending",
        "4": "sending",
    }
    assert (rows["2"].text, rows["2"].message_ids, rows["4"].text) == ("t", ["502"], "text 4")
    await runner.shutdown()
