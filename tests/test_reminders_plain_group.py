"""The send path's ledger writes of one group commit (claims, claims marked sending, claims
given back after a 429, reminders marked sent) as plain statements on one connection, on SQLite
and PostgreSQL: one transaction, the lease read once and judged for every write, each write's
answer as alone, and a group that fails written again one by one."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import Services
from bot.models import Lease
from scheduler.outbox import Claim
from scheduler.runner import SchedulerRunner
from tests.support.recording_channel import RecordingChannel
from tests.test_reminders_grouped import (
    NOW,
    _Begins,
    _claimed,
    _grouped_while_busy,
    _key,
    _rows,
    _sent_to,
    services,
)

__all__ = ["services"]  # the fixture, shared with test_reminders_grouped


def _statements(services: Services) -> list[str]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(services.db.engine, "before_cursor_execute", note)
    return seen


async def test_marks_429s_claims_and_settles_of_a_group_are_one_transaction(
    services: Services,
) -> None:
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    first, second, third = await _claimed(runner, range(1, 4))
    await runner._grouped(runner.outbox.not_sent, first)  # a 429: claimed again
    begins = _Begins(services)
    statements = _statements(services)
    claim = partial(runner.outbox.claim, sending=True)
    calls: list[Any] = [
        (runner.outbox.mark_sending, first, NOW),
        (claim, _key(4), NOW, "four", frozenset()),
        (runner.outbox.not_sent, third),
        (runner._settle, second, _sent_to(2), ["502"], NOW),
        (runner.outbox.mark_sending, first, NOW),  # marked already: taken
        (claim, _key(5), NOW, "five", frozenset()),
    ]

    marked, four, given_back, settled, again, five = await _grouped_while_busy(runner, calls)

    assert (marked, given_back, settled, again) == ("ok", None, None, "taken")
    assert isinstance(four, Claim)
    assert isinstance(five, Claim)
    assert begins.count == 1
    assert "SAVEPOINT" not in statements
    assert statements.count("SELECT") == 1  # the lease once; fresh claims read no row
    assert statements.count("INSERT") == 2  # the claims together, the sent message's context
    rows = _rows(services)
    assert {chat: row.state for chat, row in rows.items()} == {
        "1": "sending",
        "2": "sent",
        "3": "claimed",
        "4": "sending",
        "5": "sending",
    }
    assert rows["2"].message_ids == ["502"]
    await runner.shutdown()


async def test_a_group_without_the_lease_claims_and_marks_nothing(services: Services) -> None:
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    (first,) = await _claimed(runner, range(1, 2))
    await runner._grouped(runner.outbox.not_sent, first)
    with services.db.write() as session:  # another process took the lease over
        session.exec(update(Lease).values(holder="b"))
    claim = partial(runner.outbox.claim, sending=True)
    calls: list[Any] = [
        (runner.outbox.mark_sending, first, NOW),
        (claim, _key(2), NOW, "two", frozenset()),
    ]

    marked, two = await _grouped_while_busy(runner, calls)

    assert (marked, two) == ("lease", None)
    assert {chat: row.state for chat, row in _rows(services).items()} == {"1": "claimed"}
    await runner.shutdown()


async def test_a_plain_group_that_fails_is_written_one_by_one(services: Services) -> None:
    """A claim of the group fails (a database error: here an IntegrityError raised in its
    place): nothing of the group is stored, and each write is done again alone, with its own
    answer."""
    runner = SchedulerRunner(services, {"telegram": RecordingChannel("telegram")}, holder="a")
    assert await runner._acquire_lease(NOW)
    (sent,) = await _claimed(runner, range(1, 2))
    original = runner.outbox.claim_many_on
    raced: list[bool] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(True)
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return original(*args, **kwargs)

    runner.outbox.claim_many_on = racing  # type: ignore[method-assign]
    claim = partial(runner.outbox.claim, sending=True)
    calls: list[Any] = [
        (claim, _key(2), NOW, "two", frozenset()),
        (runner._settle, sent, _sent_to(1), ["501"], NOW),
        (claim, _key(3), NOW, "three", frozenset()),
    ]

    two, settled, three = await _grouped_while_busy(runner, calls)

    assert raced
    assert isinstance(two, Claim)
    assert isinstance(three, Claim)
    assert settled is None
    rows = _rows(services)
    assert {chat: row.state for chat, row in rows.items()} == {
        "1": "sent",
        "2": "sending",
        "3": "sending",
    }
    assert {row.attempts for row in rows.values()} == {1}
    await runner.shutdown()
