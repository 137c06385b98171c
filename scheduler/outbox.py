"""The reminder ledger and the sender lease: sending that is never doubled and never missed.

Every outgoing scheduled message has one row in the ``reminder`` table, keyed by
(channel, chat_id, period, kind, instant) under a unique constraint. Its life:

- ``claimed``: this process is about to send it (or is sending it). Inserting the row *is* the
  claim: a second process, or a second tick, finds the row and does not send.
- ``sent``: the platform accepted it; ``message_ids`` holds its ids.
- ``failed``: it did not go out. With ``next_attempt_at`` set it is retried after that moment
  (exponential backoff); without it, it is given up (refused for good, or too many attempts).
- ``unknown``: the request left but no answer came (a time-out), or the process died while the
  message was claimed. It may or may not have arrived, so it is never resent automatically:
  resending could double it. An operator decides (:meth:`Outbox.release_unknown`).

Only the holder of the lease ``sender`` (table ``lease``, with an expiry) sends, so two planbot
processes on one database never both send. A lease is taken when it is free or expired, and
renewed by its holder; the compare-and-set is one UPDATE (or one INSERT against the primary key),
so it is safe on SQLite (``BEGIN IMMEDIATE``) and PostgreSQL alike.

Timestamps here are operational (the injected clock's real time), not the planning instant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import Database
from bot.models import Lease, Reminder

log = logging.getLogger(__name__)

LedgerKey = tuple[str, str, str, str, datetime]  # channel, chat_id, period, kind, instant
SENDER_LEASE = "sender"
DEFAULT_LEASE_TTL = timedelta(minutes=5)
DEFAULT_BACKOFF = timedelta(minutes=1)
DEFAULT_BACKOFF_CAP = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 6
_ERROR_LIMIT = 500


@dataclass(frozen=True)
class Claim:
    """A ledger row this process may now send."""

    id: int
    key: LedgerKey
    attempts: int


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
                if session.get(Lease, self.lease_name) is not None:
                    return False
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
        """The ledger rows of these keys (those that exist)."""
        wanted = list(keys)
        if not wanted:
            return {}
        found: dict[LedgerKey, Reminder] = {}
        with self.db.session() as session:
            conditions = [
                and_(
                    col(Reminder.channel) == channel,
                    col(Reminder.chat_id) == chat_id,
                    col(Reminder.period) == period,
                    col(Reminder.kind) == kind,
                    col(Reminder.instant) == instant,
                )
                for channel, chat_id, period, kind, instant in wanted
            ]
            for start in range(0, len(conditions), 200):
                chunk = conditions[start : start + 200]
                for row in session.exec(select(Reminder).where(or_(*chunk))).all():
                    found[_key_of(row)] = row
        return found

    def claimable(self, row: Reminder | None, now: datetime) -> bool:
        """Whether a claim of this key could succeed now (a cheap check before waiting)."""
        if row is None:
            return True
        return (
            row.state == "failed"
            and row.next_attempt_at is not None
            and row.next_attempt_at <= now
            and row.attempts < self.max_attempts
        )

    def claim(
        self, key: LedgerKey, now: datetime, text: str, in_flight: Iterable[int] = ()
    ) -> Claim | None:
        """Claim a message for sending; None when it was sent, is owned, or must not be resent.

        A row left ``claimed`` by a sender that is gone (it is not among this process's
        ``in_flight`` claims, and this process holds the lease) may have been sent: it becomes
        ``unknown``, never resent.
        """
        channel, chat_id, period, kind, instant = key
        try:
            with self.db.write() as session:
                row = session.exec(
                    select(Reminder).where(
                        col(Reminder.channel) == channel,
                        col(Reminder.chat_id) == chat_id,
                        col(Reminder.period) == period,
                        col(Reminder.kind) == kind,
                        col(Reminder.instant) == instant,
                    )
                ).first()
                if row is None:
                    new = Reminder(
                        channel=channel,
                        chat_id=chat_id,
                        period=period,
                        kind=kind,
                        instant=instant,
                        state="claimed",
                        attempts=1,
                        claimed_by=self.holder,
                        claimed_at=now,
                        text=text,
                    )
                    session.add(new)
                    session.flush()
                    assert new.id is not None
                    return Claim(id=new.id, key=key, attempts=1)
                assert row.id is not None
                if row.state == "claimed" and row.id not in set(in_flight):
                    session.exec(
                        update(Reminder)
                        .where(col(Reminder.id) == row.id, col(Reminder.state) == "claimed")
                        .values(
                            state="unknown",
                            last_error="the sender stopped while the message was being sent",
                        )
                    )
                    log.warning("reminder %s was in flight when its sender stopped", row.id)
                    return None
                if not self.claimable(row, now):
                    return None
                attempts = row.attempts + 1  # read before the UPDATE refreshes ``row``
                result = session.exec(
                    update(Reminder)
                    .where(
                        col(Reminder.id) == row.id,
                        col(Reminder.state) == "failed",
                        col(Reminder.attempts) == attempts - 1,
                    )
                    .values(
                        state="claimed",
                        attempts=attempts,
                        claimed_by=self.holder,
                        claimed_at=now,
                        next_attempt_at=None,
                        text=text,
                    )
                )
                if result.rowcount != 1:
                    return None
                return Claim(id=row.id, key=key, attempts=attempts)
        except IntegrityError:  # another process inserted the same key first
            return None

    def mark_sent(self, claim: Claim, now: datetime, message_ids: Iterable[str]) -> None:
        self._finish(
            claim, state="sent", sent_at=now, message_ids=list(message_ids), last_error=None
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

    def release_unknown(self, row_id: int, now: datetime) -> bool:
        """An operator's decision: send an ``unknown`` message again at the next tick."""
        with self.db.write() as session:
            result = session.exec(
                update(Reminder)
                .where(col(Reminder.id) == row_id, col(Reminder.state) == "unknown")
                .values(state="failed", next_attempt_at=now, attempts=0)
            )
            return result.rowcount == 1

    def _finish(self, claim: Claim, **values: object) -> None:
        with self.db.write() as session:
            result = session.exec(
                update(Reminder)
                .where(col(Reminder.id) == claim.id, col(Reminder.state) == "claimed")
                .values(**values)
            )
            if result.rowcount != 1:
                log.warning("reminder %s was no longer claimed when it finished", claim.id)


def _key_of(row: Reminder) -> LedgerKey:
    return (row.channel, row.chat_id, row.period, row.kind, row.instant)
