"""The audit trail's rows, without the ORM: one place that says what an ``audit`` row holds.

``bot.audit`` writes them from the ORM's flush hook and for plain inserts; ``bot.digest`` writes
one beside its snapshot with SQLAlchemy Core, so that ``planbot digest`` starts without the ORM
(tests/test_core_tables.py checks :data:`AUDIT` against the model).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String, column, table

from bot.actors import current_actor
from bot.dbtypes import AwareDateTime

# The columns of bot.models.AuditEntry written here, of the same types.
AUDIT = table(
    "audit",
    column("at", AwareDateTime()),
    column("actor", String),
    column("action", String),
    column("subject", String),
    column("source", String),
    column("detail", JSON),
)

DETAIL_LIMIT = 500  # characters of one detail value


def plain(value: Any) -> Any:
    """A column's value as the trail keeps it: numbers and booleans as they are, else text."""
    return value if isinstance(value, int | float | bool) else str(value)


def bounded(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail with every text value cut to :data:`DETAIL_LIMIT` characters."""
    return {
        key: (value[:DETAIL_LIMIT] if isinstance(value, str) else value)
        for key, value in detail.items()
    }


def audit_row(
    action: str, subject: str, detail: dict[str, Any], *, now: datetime | None = None
) -> dict[str, Any]:
    """One ``audit`` row for a write by the current actor (``bot.actors``), its detail bounded."""
    actor = current_actor()
    return {
        "at": now or datetime.now(UTC),
        "actor": actor.who,
        "action": action,
        "subject": subject,
        "source": actor.source,
        "detail": bounded(detail),
    }
