"""The audit trail: every write to the plan's data, who made it, when, from which message.

Whoever starts a unit of work says who acts (:func:`acting`): the chat handlers for an incoming
message (``telegram:<user>``, from ``telegram:<chat>:<message id>``), a command line
(``cli:<user>@<host>``, from the command), the scheduler. The context is a ``ContextVar``, so it
follows ``asyncio.to_thread`` and tasks. Every ORM flush (insert, update, delete) and every bulk
UPDATE/DELETE statement on an audited table then writes one ``audit`` row in the same
transaction: the trail cannot miss a write that was committed, nor keep one that was rolled
back. Operators' decisions (``planbot outbox resend``...) are recorded with :func:`record`.

Bookkeeping tables that change at every message (the reminder ledger, the lease, processed
message ids, sent-message contexts, conversation steps) are not audited row by row: the ledger
keeps its own who (``claimed_by``) and when, and operator actions on it are recorded.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Table, event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from bot.actors import (
    Actor,
    acting,
    begin_acting,
    command_line_actor,
    current_actor,
    message_actor,
)
from bot.audit_rows import audit_row, plain
from bot.models import AuditEntry

__all__ = [
    "NOT_AUDITED",
    "Actor",
    "acting",
    "begin_acting",
    "command_line_actor",
    "current_actor",
    "insert_audited",
    "message_actor",
    "record",
]

log = logging.getLogger(__name__)

NOT_AUDITED = frozenset(
    {"audit", "reminder", "lease", "processed_message", "sent_message", "conversation"}
)
_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


def record(
    session: Session,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """An explicit entry (an operator's decision), in the caller's transaction."""
    actor = current_actor()
    session.add(
        AuditEntry(
            at=now or datetime.now(UTC),
            actor=actor.who,
            action=action,
            subject=subject,
            source=actor.source,
            detail=dict(detail or {}),
        )
    )


def insert_audited(
    session: Session, model: type[Any], values: Mapping[str, Any], *, key: str = "id"
) -> Any:
    """Insert one row of an audited table with a plain statement, and its audit row, in the
    session's transaction; returns the new row's ``key`` (its primary key).

    For a row written on every message (a status update), without building and flushing an
    ORM object. The audit row is the one the flush hook (:func:`_after_flush`) writes for the
    same row inserted through the ORM: same actor, source, subject and detail (every column,
    in the model's order, the new key included). ``values`` names every column but ``key``.
    """
    table: Table = model.__table__
    connection = session.connection()
    inserted = connection.execute(_insert_into(table), dict(values)).inserted_primary_key
    assert inserted is not None
    new_key = inserted[0]
    written = {**values, key: new_key}
    detail = {name: plain(written[name]) for name in _columns_of(model) if name in written}
    # "<table>:?": as the flush hook names a new row (see below).
    connection.execute(_insert_into(_TABLE), [audit_row("insert", f"{table.name}:?", detail)])
    return new_key


@functools.cache
def _insert_into(table: Table) -> Insert:
    return insert(table)


_COLUMNS: dict[type[Any], tuple[str, ...]] = {}


def _columns_of(model: type[Any]) -> tuple[str, ...]:
    """The model's column attributes in the order the flush hook lists them."""
    columns = _COLUMNS.get(model)
    if columns is None:
        columns = _COLUMNS[model] = tuple(a.key for a in inspect(model).column_attrs)
    return columns


def _subject(instance: object) -> str | None:
    table = getattr(instance, "__tablename__", None)
    if not isinstance(table, str) or table in NOT_AUDITED:
        return None
    identity = inspect(instance).identity
    key = ",".join(str(part) for part in identity) if identity else "?"
    return f"{table}:{key}"


def _changes(instance: object) -> dict[str, Any]:
    state = inspect(instance)
    changed: dict[str, Any] = {}
    for attribute in state.attrs:
        history = attribute.history
        if history.has_changes() and history.added:
            value = history.added[0]
            changed[attribute.key] = plain(value)
    return changed


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for action, instances in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for instance in instances:
            if isinstance(instance, AuditEntry):
                continue
            if action == "update" and not session.is_modified(instance):
                continue
            subject = _subject(instance)
            if subject is None:
                continue
            detail = _changes(instance) if action != "delete" else {}
            rows.append(audit_row(action, subject, detail, now=now))
    if rows:
        session.connection().execute(insert(_TABLE), rows)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if not isinstance(name, str) or name in NOT_AUDITED:
        return
    action = "update" if state.is_update else "delete"
    detail = {"statement": str(state.statement)}
    state.session.connection().execute(insert(_TABLE), [audit_row(action, name, detail)])
