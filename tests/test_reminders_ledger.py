"""The ledger and the sender lease, on SQLite and PostgreSQL: two senders never both send."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.db import Database
from bot.models import Reminder
from scheduler.outbox import Claim, Orphaned, Outbox
from scheduler.runner import SchedulerRunner
from tests.conftest import SeededDatabase, local, make_settings
from tests.support.recording_channel import RecordingChannel
from tests.test_reminders_sending import HEALTH, seed_users


@pytest.fixture
def shared(
    tmp_path: Path, seeded_db: SeededDatabase
) -> Iterator[tuple[Services, Services, FrozenClock]]:
    """Two processes' worth of services on one database."""
    clock = FrozenClock(local(2021, 3, 17, 8, 0))
    url = seeded_db(clock)
    first = bootstrap(make_settings(tmp_path, url), clock=clock)
    second = bootstrap(make_settings(tmp_path, url), clock=clock)
    yield first, second, clock
    first.db.dispose()
    second.db.dispose()


async def test_two_runners_on_one_database_send_once(
    shared: tuple[Services, Services, FrozenClock],
) -> None:
    one, two, clock = shared
    seed_users(one.db)
    channel = RecordingChannel("telegram", delay=0.01)
    a = SchedulerRunner(one, {"telegram": channel}, holder="process-a")
    b = SchedulerRunner(two, {"telegram": channel}, holder="process-b")

    results = await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())

    assert sum(result.lease for result in results) >= 1
    assert {result.holder for result in results if result.lease} in ({"process-a"}, {"process-b"})
    chats = [record.chat_id for record in channel.delivered]
    assert sorted(chats) == sorted(set(chats))  # nobody got anything twice
    assert len(chats) == 4
    # When the holder stops, the other process takes over at once.
    holder = a if results[0].lease else b
    other = b if holder is a else a
    await holder.shutdown()
    clock.advance(timedelta(minutes=1))
    taken = await other.tick()
    assert taken.lease
    assert taken.sent == 0


def test_lease_is_exclusive_until_it_expires(any_db_url: str, tmp_path: Path) -> None:
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        a = Outbox(db, holder="a", lease_ttl=timedelta(minutes=5))
        b = Outbox(db, holder="b", lease_ttl=timedelta(minutes=5))
        assert a.acquire_lease(now)
        assert not b.acquire_lease(now + timedelta(minutes=4))
        assert a.acquire_lease(now + timedelta(minutes=4))  # renewed until 8:09
        assert not b.acquire_lease(now + timedelta(minutes=8))
        assert b.acquire_lease(now + timedelta(minutes=9))  # expired: taken over
        assert not a.acquire_lease(now + timedelta(minutes=9))
        assert a.lease_holder(now + timedelta(minutes=9)) == "b"
        b.release_lease()
        assert a.acquire_lease(now + timedelta(minutes=9))
    finally:
        db.dispose()


def test_concurrent_lease_and_claims_have_one_winner(any_db_url: str) -> None:
    """Eight threads race for a fresh lease and for the same ledger key."""
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        key = ("telegram", HEALTH, "2021-Q1", "before-due", now)
        outboxes = [Outbox(db, holder=f"h{n}") for n in range(8)]
        barrier = threading.Barrier(len(outboxes))
        leases: list[bool] = []
        claims: list[Claim | Orphaned | None] = []
        lock = threading.Lock()

        def race(outbox: Outbox) -> None:
            barrier.wait()
            leased = outbox.acquire_lease(now)
            barrier.wait()
            claimed = outbox.claim(key, now, "text")
            with lock:
                leases.append(leased)
                claims.append(claimed)

        threads = [threading.Thread(target=race, args=(o,)) for o in outboxes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert leases.count(True) == 1
        assert sum(claim is not None for claim in claims) == 1
        with db.session() as session:
            assert len(session.exec(select(Reminder)).all()) == 1
    finally:
        db.dispose()


def test_a_stopped_senders_rows_never_sent_are_sent_and_those_being_sent_become_unknown(
    any_db_url: str,
) -> None:
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        waiting = ("telegram", HEALTH, "2021-Q1", "before-due", now)
        leaving = ("telegram", "5002", "2021-Q1", "before-due", now)
        crashed = Outbox(db, holder="crashed")
        assert crashed.acquire_lease(now)
        first = crashed.claim(waiting, now, "text")
        second = crashed.claim(leaving, now, "text")
        assert isinstance(first, Claim)
        assert isinstance(second, Claim)
        assert crashed.mark_sending(second, now) == "ok"  # then the process died
        successor = Outbox(db, holder="successor")
        later = now + timedelta(minutes=10)
        assert successor.claim(waiting, later, "text") is None  # not the lease holder: waits
        assert successor.acquire_lease(later)  # the dead process's lease expired
        again = successor.claim(waiting, later, "text")
        assert isinstance(again, Claim)  # it never left: sent now
        assert again.id == first.id
        orphan = successor.claim(leaving, later, "text")
        assert isinstance(orphan, Orphaned)  # it may have arrived: never resent
        assert successor.claim(leaving, now + timedelta(hours=5), "text") is None
        # The crashed process, were it only paused, can no longer send either row.
        assert crashed.mark_sending(first, later) == "lease"
        with db.session() as session:
            row = session.get(Reminder, second.id)
        assert row is not None
        assert row.state == "unknown"
        # An operator may decide to send it again.
        assert successor.release_unknown(second.id, now + timedelta(hours=6))
        assert successor.acquire_lease(now + timedelta(hours=6))
        resent = successor.claim(leaving, now + timedelta(hours=6), "text")
        assert isinstance(resent, Claim)
        successor.mark_sent(resent, now + timedelta(hours=6), ["77"])
        with db.session() as session:
            row = session.get(Reminder, second.id)
        assert row is not None
        assert (row.state, row.message_ids) == ("sent", ["77"])
    finally:
        db.dispose()


def test_backoff_doubles_and_gives_up(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        key = ("telegram", HEALTH, "2021-Q1", "before-due", now)
        outbox = Outbox(
            db,
            holder="h",
            max_attempts=3,
            backoff=timedelta(minutes=1),
            lease_ttl=timedelta(days=9),
        )
        assert outbox.acquire_lease(now)
        moment = now
        delays = []
        for _ in range(3):
            claim = outbox.claim(key, moment, "text")
            assert isinstance(claim, Claim)
            outbox.mark_failed(claim, moment, "boom", retry=True)
            with db.session() as session:
                (row,) = session.exec(select(Reminder)).all()
            if row.next_attempt_at is None:
                break
            delays.append(row.next_attempt_at - moment)
            assert outbox.claim(key, moment, "text") is None  # not before the backoff
            moment = row.next_attempt_at
        assert delays == [timedelta(minutes=1), timedelta(minutes=2)]
        assert row.state == "failed"
        assert row.next_attempt_at is None
        assert outbox.claim(key, moment + timedelta(days=1), "text") is None
    finally:
        db.dispose()


def test_a_dead_holders_lease_is_taken_over_at_once(any_db_url: str) -> None:
    """Same host and its pid no longer runs: provably gone; anything else waits for expiry."""
    import os
    import socket
    import subprocess
    import sys

    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()  # reaped: its pid runs no more
        host = socket.gethostname()
        dead = Outbox(db, holder=f"{host}:{child.pid}:dead")
        assert dead.acquire_lease(now)
        successor = Outbox(db, holder=f"{host}:{os.getpid()}:next")
        assert successor.acquire_lease(now + timedelta(seconds=1))  # not 30 s later
        assert successor.lease_holder(now + timedelta(seconds=1)) == successor.holder
        alive = Outbox(db, holder=f"{host}:{os.getppid()}:other")  # a running process
        assert not alive.acquire_lease(now + timedelta(seconds=2))
        elsewhere = Outbox(db, holder="another-host:1:x")
        assert not elsewhere.acquire_lease(now + timedelta(seconds=3))
        successor.release_lease()
        assert elsewhere.acquire_lease(now + timedelta(seconds=4))
        assert not successor.acquire_lease(now + timedelta(seconds=5))  # other host: may live
        assert successor.acquire_lease(now + timedelta(seconds=40))  # expired after 30 s
    finally:
        db.dispose()


async def test_a_failed_lease_renewal_is_logged_and_retried_while_the_tick_sends(
    shared: tuple[Services, Services, FrozenClock],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database away for one renewal during a long tick: the operator is told, the renewer
    keeps renewing (before, it died silently at the first error), and every reminder goes out
    once."""
    one, _two, _clock = shared
    seed_users(one.db)
    monkeypatch.setattr("scheduler.runner.LEASE_RENEW_SECONDS", 0.02)
    channel = RecordingChannel("telegram", delay=0.05)
    runner = SchedulerRunner(one, {"telegram": channel}, holder="process-a")
    renewals = 0
    acquire = runner.outbox.acquire_lease

    def flaky(*args: object, **kwargs: object) -> bool:
        nonlocal renewals
        renewals += 1
        if renewals == 2:  # the first renewal during the tick
            raise OSError("database is locked")
        return acquire(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner.outbox, "acquire_lease", flaky)

    with caplog.at_level("WARNING", logger="scheduler.runner"):
        result = await runner.tick()

    assert result.lease
    assert sorted(record.chat_id for record in channel.delivered) == sorted(
        {record.chat_id for record in channel.delivered}
    )
    assert len(channel.delivered) == 4
    assert "renewing the sender lease failed: database is locked" in caplog.text
    assert renewals > 2  # renewed again after the failure
    await runner.shutdown()


def test_claims_asked_together_are_each_judged_as_a_claim_alone(any_db_url: str) -> None:
    """A batch of claims (the sender's group commit) gives every key what its own claim would:
    a fresh key claimed, a row a stopped sender never sent claimed again, one it was sending
    unknown (never resent), a sent one and one waiting for its backoff left alone."""
    db = Database(any_db_url)
    db.upgrade()
    try:
        now = local(2021, 3, 17, 8)

        def key(chat: str) -> tuple[str, str, str, str, datetime]:
            return ("telegram", chat, "2021-Q1", "before-due", now)

        crashed = Outbox(db, holder="crashed")
        assert crashed.acquire_lease(now)
        waiting = crashed.claim(key("1"), now, "text")
        leaving = crashed.claim(key("2"), now, "text", sending=True)
        sent = crashed.claim(key("3"), now, "text")
        backing_off = crashed.claim(key("4"), now, "text")
        assert isinstance(waiting, Claim)
        assert isinstance(leaving, Claim)
        assert isinstance(sent, Claim)
        assert isinstance(backing_off, Claim)
        crashed.mark_sent(sent, now, ["9"])
        crashed.mark_failed(backing_off, now, "boom", retry=True)  # again after 1 minute
        successor = Outbox(db, holder="successor")
        later = now + timedelta(seconds=40)  # the crashed lease (30 s) expired, the backoff not
        wanted = [(key(chat), f"text {chat}") for chat in ("1", "2", "3", "4", "5", "5")]
        assert successor.claim_many(wanted, later, sending=True) == [None] * 6  # no lease
        assert successor.acquire_lease(later)

        got = successor.claim_many(wanted, later, sending=True)

        again, orphan, done, early, fresh, twice = got
        assert isinstance(again, Claim)
        assert again.id == waiting.id
        assert isinstance(orphan, Orphaned)
        assert orphan.id == leaving.id
        assert done is None
        assert early is None
        assert isinstance(fresh, Claim)
        assert twice is None  # one key asked for twice is claimed once
        with db.session() as session:
            rows = {row.chat_id: row for row in session.exec(select(Reminder)).all()}
        assert {chat: row.state for chat, row in rows.items()} == {
            "1": "sending",
            "2": "unknown",
            "3": "sent",
            "4": "failed",
            "5": "sending",
        }
        assert (rows["5"].text, rows["5"].claimed_by, rows["5"].attempts) == (
            "text 5",
            "successor",
            1,
        )
        assert (rows["1"].text, rows["1"].claimed_by) == ("text 1", "successor")
    finally:
        db.dispose()


def test_claims_together_racing_another_senders_insert_leave_its_key_alone(
    any_db_url: str,
) -> None:
    """Another process writes one of the keys (sent) while a batch of claims is being written,
    its transaction not yet committed when the batch starts: the batch waits for it, leaves
    that key alone (not claimed, its row untouched) and claims the others, in one
    transaction."""
    db = Database(any_db_url)
    db.upgrade()
    other_db = Database(any_db_url)
    try:
        now = local(2021, 3, 17, 8)
        keys = [("telegram", chat, "2021-Q1", "before-due", now) for chat in ("1", "2", "3")]
        outbox = Outbox(db, holder="h")
        assert outbox.acquire_lease(now)
        got: list[Claim | Orphaned | None] = []
        with other_db.writing() as connection:  # the other process, its insert not committed
            connection.execute(
                Reminder.__table__.insert(),  # type: ignore[attr-defined]
                {
                    "channel": "telegram",
                    "chat_id": "2",
                    "period": "2021-Q1",
                    "kind": "before-due",
                    "instant": now,
                    "state": "sent",
                    "attempts": 1,
                    "claimed_by": "theirs",
                    "claimed_at": now,
                    "sent_at": now,
                    "text": "theirs",
                    "message_ids": ["9"],
                },
            )
            batch = threading.Thread(
                target=lambda: got.extend(
                    outbox.claim_many([(key, "text") for key in keys], now, sending=True)
                )
            )
            batch.start()
            batch.join(0.5)
            assert batch.is_alive()  # waiting for the other transaction
        batch.join(30)
        assert not batch.is_alive()

        assert isinstance(got[0], Claim)
        assert got[1] is None
        assert isinstance(got[2], Claim)
        with db.session() as session:
            rows = {row.chat_id: row for row in session.exec(select(Reminder)).all()}
        assert {chat: (row.state, row.claimed_by, row.text) for chat, row in rows.items()} == {
            "1": ("sending", "h", "text"),
            "2": ("sent", "theirs", "theirs"),
            "3": ("sending", "h", "text"),
        }
    finally:
        other_db.dispose()
        db.dispose()
