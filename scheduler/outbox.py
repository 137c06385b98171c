"""The reminder ledger and the sender lease: sending that is never doubled and never missed.

Every outgoing scheduled message has one row in the ``reminder`` table, keyed by
(channel, chat_id, period, kind, instant) under a unique constraint. Its life:

- ``claimed``: this process will send it (it waits for its pacing slot). Inserting the row *is*
  the claim: a second process, or a second tick, finds the row and does not send. Nothing has
  left yet, so a ``claimed`` row whose sender is gone is simply claimed again and sent.
- ``sending``: the request is about to leave. The row is moved here right before the sender
  waits for its pacing slot (a fraction of a second at the ceiling; the ledger write must not
  sit between the slot and the request, whose answer clocks the pacer) and only while this
  process holds the lease, in one transaction; the sender checks again that it still holds the
  lease after a long wait, and a stop gives the row back to ``failed`` (sent by the next
  sender). A ``sending`` row whose sender is gone may have arrived and becomes ``unknown``.
- ``sent``: the platform accepted it; ``message_ids`` holds its ids.
- ``failed``: it did not go out. With ``next_attempt_at`` set it is retried after that moment
  (exponential backoff); without it, it is given up (refused for good, or too many attempts).
- ``unknown``: the request left but no answer came (a time-out, a connection dropped after the
  request was written), or the process died while the message was ``sending``. It may or may not
  have arrived, so it is never resent automatically: resending could double it. An operator
  decides (``planbot outbox resend`` / ``drop``, :meth:`Outbox.release`).

Only the holder of the lease ``sender`` (table ``lease``, with an expiry) sends, so two planbot
processes on one database never both send. A lease is taken when it is free, expired, or held by
a process that is provably gone (same host, its pid no longer runs), and renewed by its holder
every few seconds (:data:`DEFAULT_LEASE_TTL` is short); the compare-and-set is one UPDATE (or one
INSERT against the primary key), so it is safe on SQLite (``BEGIN IMMEDIATE``) and PostgreSQL
alike. A request leaves only after :meth:`Outbox.mark_sending` found, in the same transaction,
that this process still holds the lease and still owns the row.

Timestamps here are operational (the injected clock's real time), not the planning instant.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import Database
from bot.models import Lease, Reminder

log = logging.getLogger(__name__)

LedgerKey = tuple[str, str, str, str, datetime]  # channel, chat_id, period, kind, instant
SENDER_LEASE = "sender"
DEFAULT_LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW_SECONDS = 5.0
DEFAULT_BACKOFF = timedelta(minutes=1)
DEFAULT_BACKOFF_CAP = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 6
_ERROR_LIMIT = 500
_REMINDER = Reminder.__table__  # type: ignore[attr-defined]
_LEASE = Lease.__table__  # type: ignore[attr-defined]
# What a claim reads of a ledger row (and its key, to match rows read for several keys).
_CLAIM_COLUMNS = (
    _REMINDER.c.id,
    _REMINDER.c.state,
    _REMINDER.c.attempts,
    _REMINDER.c.claimed_by,
    _REMINDER.c.next_attempt_at,
    _REMINDER.c.channel,
    _REMINDER.c.chat_id,
    _REMINDER.c.period,
    _REMINDER.c.kind,
    _REMINDER.c.instant,
)
# A reminder marked sent, by its claim (one parameter set per row: not IN, an expanding
# parameter cannot be used with several parameter sets).
_MARK_SENT = (
    update(_REMINDER)
    .where(
        _REMINDER.c.id == bindparam("claim_id"),
        or_(_REMINDER.c.state == "claimed", _REMINDER.c.state == "sending"),
        _REMINDER.c.claimed_by == bindparam("holder"),
    )
    .values(
        state="sent",
        sent_at=bindparam("sent_at_"),
        message_ids=bindparam("ids"),
        last_error=None,
    )
)
# A claimed row moved to "sending" while it is still this process's claim.
_MARK_SENDING = (
    update(_REMINDER)
    .where(
        _REMINDER.c.id == bindparam("claim_id"),
        _REMINDER.c.state == "claimed",
        _REMINDER.c.claimed_by == bindparam("holder"),
    )
    .values(state="sending", claimed_at=bindparam("claimed_at_"))
)
# Fresh claims, per dialect (:func:`_fresh_claims`).
_FRESH_CLAIMS: dict[str, Any] = {}
# The lease of one name.
_LEASE_OF = core_select(_LEASE.c.holder, _LEASE.c.expires_at).where(
    _LEASE.c.name == bindparam("name")
)
# The claim columns of the rows of some chats with one (channel, period, kind, instant).
_ROWS_OF_CHATS = core_select(*_CLAIM_COLUMNS).where(
    _REMINDER.c.channel == bindparam("channel"),
    _REMINDER.c.period == bindparam("period"),
    _REMINDER.c.kind == bindparam("kind"),
    _REMINDER.c.instant == bindparam("instant"),
    _REMINDER.c.chat_id.in_(bindparam("chat_ids", expanding=True)),
)


@dataclass(frozen=True)
class Claim:
    """A ledger row this process may now send."""

    id: int
    key: LedgerKey
    attempts: int


@dataclass(frozen=True)
class Orphaned:
    """A row a vanished sender left ``sending``: now ``unknown``, for an operator to decide."""

    id: int
    key: LedgerKey


def holder_is_gone(holder: str) -> bool:
    """Whether the process named ``holder`` (``host:pid:...``) provably no longer runs.

    Only a holder on this host can be checked; any doubt (another host, a pid that runs, a
    name of another shape) answers False, so the lease is then left to expire.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    try:  # a killed process not yet reaped by its parent (a zombie) is gone too
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Outbox:
    """The ledger of scheduled messages and the lease of the one sender."""

    def __init__(
        self,
        db: Database,
        *,
        holder: str,
        lease_name: str = SENDER_LEASE,
        lease_ttl: timedelta = DEFAULT_LEASE_TTL,
        backoff: timedelta = DEFAULT_BACKOFF,
        backoff_cap: timedelta = DEFAULT_BACKOFF_CAP,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self.db = db
        self.holder = holder
        self.lease_name = lease_name
        self.lease_ttl = lease_ttl
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.max_attempts = max_attempts

    # ------------------------------------------------------------------ the lease

    def acquire_lease(self, now: datetime) -> bool:
        """Take or renew the sender lease; False when another live holder has it."""
        expires = now + self.lease_ttl
        try:
            with self.db.write() as session:
                result = session.exec(
                    update(Lease)
                    .where(
                        col(Lease.name) == self.lease_name,
                        or_(col(Lease.holder) == self.holder, col(Lease.expires_at) <= now),
                    )
                    .values(holder=self.holder, expires_at=expires)
                )
                if result.rowcount == 1:
                    return True
                current = session.get(Lease, self.lease_name)
                if current is not None:
                    if not holder_is_gone(current.holder):
                        return False
                    taken = session.exec(
                        update(Lease)
                        .where(
                            col(Lease.name) == self.lease_name,
                            col(Lease.holder) == current.holder,
                        )
                        .values(holder=self.holder, expires_at=expires)
                    )
                    if taken.rowcount == 1:
                        log.warning("took over the sender lease of %s (gone)", current.holder)
                    return taken.rowcount == 1
                session.add(Lease(name=self.lease_name, holder=self.holder, expires_at=expires))
                session.flush()
        except IntegrityError:  # another process inserted the lease first
            return False
        return True

    def release_lease(self) -> None:
        """Give the lease up (at shutdown) so another process may send at once."""
        with self.db.write() as session:
            lease = session.get(Lease, self.lease_name)
            if lease is not None and lease.holder == self.holder:
                session.delete(lease)

    def lease_holder(self, now: datetime) -> str | None:
        """Who holds the sender lease now (None when free or expired)."""
        with self.db.session() as session:
            lease = session.get(Lease, self.lease_name)
            if lease is None or lease.expires_at <= now:
                return None
            return lease.holder

    # ------------------------------------------------------------------ the ledger

    def rows(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, Reminder]:
        """The ledger rows of these keys (those that exist), as ORM objects (:meth:`states`:
        what a claim reads, cheaper)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        with self.db.session() as session:
            ids = [row.id for row in self._rows_of(session.connection(), wanted).values()]
            found: dict[LedgerKey, Reminder] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row in session.exec(select(Reminder).where(col(Reminder.id).in_(chunk))):
                    found[_key_of(row)] = row
        return found

    def states(self, keys: Iterable[LedgerKey]) -> dict[LedgerKey, Any]:
        """What a claim reads of the ledger rows of these keys (those that exist): ``id``,
        ``state``, ``attempts``, ``claimed_by``, ``next_attempt_at`` and the key's columns, as
        plain rows (Core statements, no ORM objects: a tick reads its whole roster's rows)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        with self.db.reading() as connection:
            return self._rows_of(connection, wanted)

    def claimable(self, row: Any, now: datetime) -> bool:
        """Whether a claim of this key could succeed now (a cheap check before waiting);
        ``row`` as :meth:`rows` or :meth:`states` gives it, or None."""
        if row is None:
            return True
        return self._claimable(row.state, row.next_attempt_at, row.attempts, now)

    def _claimable(
        self, state: str, next_attempt_at: datetime | None, attempts: int, now: datetime
    ) -> bool:
        return (
            state == "failed"
            and next_attempt_at is not None
            and next_attempt_at <= now
            and attempts < self.max_attempts
        )

    def claim(
        self,
        key: LedgerKey,
        now: datetime,
        text: str,
        in_flight: Iterable[int] = (),
        *,
        sending: bool = False,
    ) -> Claim | Orphaned | None:
        """Claim a message for sending; None when it was sent, is owned, or must wait, or when
        this process does not hold the lease (only the lease holder claims). With ``sending``
        the row is claimed straight into ``sending`` (:meth:`mark_sending` in the same
        transaction: the sender is about to send it).

        A row left ``claimed`` by a sender that is gone (not among this process's ``in_flight``
        claims; only the lease holder claims) never left: it is claimed again. A row left
        ``sending`` may have arrived: it becomes ``unknown`` (returned as :class:`Orphaned`),
        never resent. A key another process inserted first (even while this claim was being
        written) is theirs: None.
        """
        try:
            with self.db.writing() as connection:
                return self.claim_many_on(
                    connection, [(key, text)], now, in_flight, sending=sending
                )[0]
        except IntegrityError:  # (a fresh row breaking another constraint: nothing stored)
            return None

    def claim_many(
        self,
        wanted: Sequence[tuple[LedgerKey, str]],
        now: datetime,
        in_flight: Iterable[int] = (),
        *,
        sending: bool = False,
    ) -> list[Claim | Orphaned | None]:
        """:meth:`claim` for several messages, each ``(key, text)``, in one transaction: the
        lease read once, the new rows inserted with one statement that leaves the keys already
        in the ledger alone (the usual case, a tick's first attempt, reads no row), the others'
        rows read with one; each result as :meth:`claim` gives it. A key asked for twice is
        claimed once (the second answers None: the row is this process's claim now)."""
        if not wanted:
            return []
        try:
            with self.db.writing() as connection:
                return self.claim_many_on(connection, wanted, now, in_flight, sending=sending)
        except IntegrityError:  # (a fresh row breaking another constraint: nothing stored)
            return [self.claim(key, now, text, in_flight, sending=sending) for key, text in wanted]

    def claim_many_on(
        self,
        connection: Connection,
        wanted: Sequence[tuple[LedgerKey, str]],
        now: datetime,
        in_flight: Iterable[int] = (),
        *,
        sending: bool = False,
        lease: bool | None = None,
    ) -> list[Claim | Orphaned | None]:
        """:meth:`claim_many` in ``connection``'s transaction (the caller's: a group commit),
        without a savepoint of its own. ``lease``: whether this process holds the lease, as
        read in this transaction at ``now`` or later (:meth:`holds_lease_on`); None reads it.

        Every key is first inserted as a fresh claim with ``INSERT … ON CONFLICT DO NOTHING
        RETURNING`` (SQLite 3.35+, PostgreSQL): a key whose row exists, or that another
        process inserts meanwhile (PostgreSQL waits for that transaction, SQLite's writers
        queue on its lock), is left alone by it, and only those keys' rows are read and
        judged: a tick's first attempt costs one statement a batch, not a read and an insert,
        and a race for a key is no error that would roll the caller's transaction back."""
        results: list[Claim | Orphaned | None] = [None] * len(wanted)
        if not wanted:
            return results
        if lease is None:
            lease = self.holds_lease_on(connection, now)
        if not lease:
            return results  # only the lease holder claims
        mine = set(in_flight)
        first: dict[LedgerKey, int] = {}
        for number, (key, _text) in enumerate(wanted):
            first.setdefault(key, number)
        inserted = connection.execute(
            _fresh_claims(connection.dialect.name),
            [self._new_row(key, now, wanted[number][1], sending) for key, number in first.items()],
        ).all()
        fresh: dict[LedgerKey, int] = {}
        for new in inserted:
            mine.add(int(new.id))  # (any row inserted here is this claim's, matched or not)
            fresh[(new.channel, new.chat_id, new.period, new.kind, new.instant)] = int(new.id)
        for key, number in first.items():
            row_id = fresh.get(key)
            if row_id is not None:
                results[number] = Claim(id=row_id, key=key, attempts=1)
        rest = [key for key in first if key not in fresh]
        existing: dict[LedgerKey, Any] = self._rows_of(connection, rest) if rest else {}
        for number, (key, text) in enumerate(wanted):
            if first[key] == number and key in fresh:
                continue
            # An existing row, or a key asked for again: read it as it is now.
            row: Any = existing.pop(key, None) if first[key] == number else None
            if row is None:
                row = self._rows_of(connection, [key]).get(key)
            if row is not None:
                results[number] = self._claim_row(connection, key, row, now, text, mine, sending)
        return results

    def _new_row(self, key: LedgerKey, now: datetime, text: str, sending: bool) -> dict[str, Any]:
        channel, chat_id, period, kind, instant = key
        return {
            "channel": channel,
            "chat_id": chat_id,
            "period": period,
            "kind": kind,
            "instant": instant,
            "state": "sending" if sending else "claimed",
            "attempts": 1,
            "claimed_by": self.holder,
            "claimed_at": now,
            "text": text,
            "message_ids": [],
        }

    def _rows_of(self, connection: Connection, keys: Sequence[LedgerKey]) -> dict[LedgerKey, Any]:
        """The claim's columns of the ledger rows of these keys (those that exist): one
        statement per (channel, period, kind, instant) and 500 chats, compiled once (an
        expanding IN of chat ids; an OR of one condition per key was compiled anew each time,
        0.13 ms a key)."""
        chats: dict[tuple[str, str, str, datetime], list[str]] = {}
        for channel, chat_id, period, kind, instant in keys:
            chats.setdefault((channel, period, kind, instant), []).append(chat_id)
        found: dict[LedgerKey, Any] = {}
        for (channel, period, kind, instant), ids in chats.items():
            for start in range(0, len(ids), 500):
                rows = connection.execute(
                    _ROWS_OF_CHATS,
                    {
                        "channel": channel,
                        "period": period,
                        "kind": kind,
                        "instant": instant,
                        "chat_ids": ids[start : start + 500],
                    },
                )
                for row in rows:
                    found[(row.channel, row.chat_id, row.period, row.kind, row.instant)] = row
        return found

    def _claim_row(
        self,
        connection: Connection,
        key: LedgerKey,
        row: Any,
        now: datetime,
        text: str,
        mine: set[int],
        sending: bool,
    ) -> Claim | Orphaned | None:
        """The claim of a key whose ledger row exists (``row``: its claim columns), inside the
        claim's transaction."""
        row_id: int = row.id
        if row.state == "sending" and row_id not in mine:
            result = connection.execute(
                update(_REMINDER)
                .where(_REMINDER.c.id == row_id, _REMINDER.c.state == "sending")
                .values(
                    state="unknown",
                    last_error="the sender stopped while the message was being sent",
                )
            )
            if result.rowcount != 1:
                return None
            log.warning("reminder %s was being sent when its sender stopped", row_id)
            return Orphaned(id=row_id, key=key)
        orphan = row.state == "claimed" and row_id not in mine
        if not orphan and not self._claimable(row.state, row.next_attempt_at, row.attempts, now):
            return None
        attempts = row.attempts if orphan else row.attempts + 1
        result = connection.execute(
            update(_REMINDER)
            .where(
                _REMINDER.c.id == row_id,
                _REMINDER.c.state == row.state,
                _REMINDER.c.claimed_by == row.claimed_by,
                _REMINDER.c.attempts == row.attempts,
            )
            .values(
                state="sending" if sending else "claimed",
                attempts=attempts,
                claimed_by=self.holder,
                claimed_at=now,
                next_attempt_at=None,
                text=text,
            )
        )
        if result.rowcount != 1:
            return None
        if orphan:
            log.info("reminder %s was claimed by a stopped sender; it never left", row_id)
        return Claim(id=row_id, key=key, attempts=attempts)

    def mark_sending(self, claim: Claim, now: datetime) -> Literal["ok", "lease", "taken"]:
        """Right before the request leaves: "ok" only while this process holds the lease and
        the row is still its claim (one transaction); the caller must not send otherwise.
        "lease": the lease is lost; "taken": another sender took the row over."""
        with self.db.writing() as connection:
            return self.mark_sending_on(connection, claim, now)

    def mark_sending_on(
        self, connection: Connection, claim: Claim, now: datetime, *, lease: bool | None = None
    ) -> Literal["ok", "lease", "taken"]:
        """:meth:`mark_sending` in ``connection``'s transaction; ``lease`` as
        :meth:`claim_many_on` takes it."""
        if lease is None:
            lease = self.holds_lease_on(connection, now)
        if not lease:
            return "lease"
        result = connection.execute(
            _MARK_SENDING, {"claim_id": claim.id, "holder": self.holder, "claimed_at_": now}
        )
        return "ok" if result.rowcount == 1 else "taken"

    def holds_lease_on(self, connection: Connection, now: datetime) -> bool:
        """Whether this process holds the lease at ``now``, read in ``connection``'s
        transaction (a plain statement: no ORM object, so a lease changed by another process
        is read as it is)."""
        lease = connection.execute(_LEASE_OF, {"name": self.lease_name}).first()
        return lease is not None and lease.holder == self.holder and lease.expires_at > now

    def not_sent(self, claim: Claim, connection: Connection | None = None) -> None:
        """The platform answered that nothing was sent (a 429): the row is claimed again
        (in ``connection``'s transaction, when given: the caller's)."""
        if connection is None:
            self._finish(claim, state="claimed")
            return
        self._finish_on(connection, claim, {"state": "claimed"})

    def mark_sent(self, claim: Claim, now: datetime, message_ids: Iterable[str]) -> None:
        self._finish(
            claim, state="sent", sent_at=now, message_ids=list(message_ids), last_error=None
        )

    def mark_sent_many(
        self,
        sends: Sequence[tuple[Claim, datetime, Iterable[str]]],
        connection: Connection | None = None,
    ) -> None:
        """Several messages the platform accepted, each ``(claim, at, message_ids)``: marked
        sent in one statement (one parameter set per row) and one transaction (``connection``'s,
        when given: the caller's)."""
        if not sends:
            return
        if connection is None:
            with self.db.write() as session:
                self.mark_sent_many(sends, session.connection())
            return
        result = connection.execute(
            _MARK_SENT,
            [
                {"claim_id": claim.id, "holder": self.holder, "sent_at_": at, "ids": list(ids)}
                for claim, at, ids in sends
            ],
        )
        if 0 <= result.rowcount < len(sends):
            log.warning(
                "%d of %d reminders were no longer claimed when they finished",
                len(sends) - result.rowcount,
                len(sends),
            )

    def mark_unknown(self, claim: Claim, error: str) -> None:
        self._finish(claim, state="unknown", last_error=error[:_ERROR_LIMIT])

    def mark_failed(self, claim: Claim, now: datetime, error: str, *, retry: bool) -> None:
        """A failed attempt: retried after a backoff, or given up."""
        next_attempt: datetime | None = None
        if retry and claim.attempts < self.max_attempts:
            next_attempt = now + self.backoff_after(claim.attempts)
        self._finish(
            claim, state="failed", next_attempt_at=next_attempt, last_error=error[:_ERROR_LIMIT]
        )

    def postpone(self, claim: Claim, until: datetime, error: str) -> None:
        """Give a claim back without counting the attempt (the platform said: not now)."""
        self._finish(
            claim,
            state="failed",
            attempts=claim.attempts - 1,
            next_attempt_at=until,
            last_error=error[:_ERROR_LIMIT],
        )

    def backoff_after(self, attempts: int) -> timedelta:
        """1, 2, 4, 8... times the base backoff after each failed attempt, capped."""
        delay: timedelta = self.backoff * (2 ** max(attempts - 1, 0))
        return min(delay, self.backoff_cap)

    def release(self, row_id: int, now: datetime) -> bool:
        """An operator's decision: send an ``unknown`` or ``failed`` message again at the next
        tick (a fresh count of attempts)."""
        with self.db.write() as session:
            result = session.exec(
                update(Reminder)
                .where(col(Reminder.id) == row_id, col(Reminder.state).in_(("unknown", "failed")))
                .values(state="failed", next_attempt_at=now, attempts=0)
            )
            return result.rowcount == 1

    def release_unknown(self, row_id: int, now: datetime) -> bool:
        """An operator's decision: send an ``unknown`` message again at the next tick."""
        with self.db.write() as session:
            result = session.exec(
                update(Reminder)
                .where(col(Reminder.id) == row_id, col(Reminder.state) == "unknown")
                .values(state="failed", next_attempt_at=now, attempts=0)
            )
            return result.rowcount == 1

    def drop(self, row_id: int, note: str) -> bool:
        """An operator's decision: an ``unknown`` or ``failed`` message is settled, never sent."""
        with self.db.write() as session:
            result = session.exec(
                update(Reminder)
                .where(col(Reminder.id) == row_id, col(Reminder.state).in_(("unknown", "failed")))
                .values(state="dropped", next_attempt_at=None, last_error=note[:_ERROR_LIMIT])
            )
            return result.rowcount == 1

    def listing(self, states: Iterable[str]) -> list[Reminder]:
        """The ledger rows in these states, oldest first."""
        with self.db.session() as session:
            return list(
                session.exec(
                    select(Reminder)
                    .where(col(Reminder.state).in_(list(states)))
                    .order_by(col(Reminder.instant), col(Reminder.id))
                ).all()
            )

    def _finish(self, claim: Claim, **values: object) -> None:
        with self.db.writing() as connection:
            self._finish_on(connection, claim, values)

    def _finish_on(self, connection: Connection, claim: Claim, values: dict[str, object]) -> None:
        result = connection.execute(
            update(_REMINDER)
            .where(
                _REMINDER.c.id == claim.id,
                _REMINDER.c.state.in_(("claimed", "sending")),
                _REMINDER.c.claimed_by == self.holder,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            log.warning("reminder %s was no longer claimed when it finished", claim.id)


def _fresh_claims(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` the id and key of each row inserted: new
    ledger rows, the keys already in the ledger left alone (built once per dialect)."""
    statement = _FRESH_CLAIMS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            fresh: Any = postgresql_insert(_REMINDER).on_conflict_do_nothing()
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            fresh = sqlite_insert(_REMINDER).on_conflict_do_nothing()
        statement = _FRESH_CLAIMS[dialect] = fresh.returning(
            _REMINDER.c.id,
            _REMINDER.c.channel,
            _REMINDER.c.chat_id,
            _REMINDER.c.period,
            _REMINDER.c.kind,
            _REMINDER.c.instant,
        )
    return statement


def _key_of(row: Reminder) -> LedgerKey:
    return (row.channel, row.chat_id, row.period, row.kind, row.instant)
