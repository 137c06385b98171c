"""Column types shared by the tables (:mod:`bot.models`) and the plain SQLAlchemy Core reads.

Kept apart from the SQLModel tables so that a read with SQLAlchemy Core alone (the stored plans
at start-up, :mod:`bot.storedplans`) converts times as the tables do without importing the ORM.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["AwareDateTime"]


class AwareDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
