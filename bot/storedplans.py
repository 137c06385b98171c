"""The plans stored in the database, read with SQLAlchemy Core: no ORM, no SQLModel.

Every command and the running bot read the followed plans at start (:func:`stored_plans`). The
commands that only read the plans (``planbot agencies``, ``tasks``, ``plan list``, ``schedule``)
then start without the ORM layer (SQLModel's session, the tables, the audit trail: about 0.15 s
of CPU and 8 MiB, BENCHMARKS.md). Writing plans stays in :mod:`bot.planstore` (the ORM), which
re-exports these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, column, select, table

from bot.db import Database
from bot.dbtypes import AwareDateTime
from bot.plan import Agency, Plan, parse_plan, rebuild_checked_plan
from bot.text import compact

__all__ = [
    "PlanNotFound",
    "StoredPlan",
    "find_stored",
    "merged_agencies",
    "parsed_plan",
    "stored_plans",
]

# The columns of bot.models.PlanRecord that a read of the plans needs (the same types).
_PLAN = table(
    "plan",
    column("id", String),
    column("code", String),
    column("checksum", String),
    column("document", JSON),
    column("loaded_at", AwareDateTime()),
    column("retired_at", AwareDateTime()),
)


@dataclass(frozen=True)
class StoredPlan:
    """A plan as stored: the parsed plan and its row's bookkeeping."""

    plan: Plan
    code: str
    loaded_at: datetime
    retired_at: datetime | None

    @property
    def id(self) -> str:
        return self.plan.info.id

    @property
    def active(self) -> bool:
        return self.retired_at is None


class PlanNotFound(LookupError):
    """No stored plan has this id or code."""


_PARSED: dict[str, Plan] = {}  # checksum -> plan: validating the document costs ~0.1 s
_PARSED_KEEP = 32


def parsed_plan(checksum: str, document: dict[str, Any]) -> Plan:
    """A document is validated and parsed once per process (kept by its checksum)."""
    plan = _PARSED.get(checksum)
    if plan is None:
        plan = rebuild_checked_plan(document, checksum) or parse_plan(document)
        if plan.checksum() == checksum:
            if len(_PARSED) >= _PARSED_KEEP:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[checksum] = plan
    return plan


def stored_plans(
    db: Database, *, include_retired: bool = False, retired_only: bool = False
) -> list[StoredPlan]:
    """The plans in the database, newest loaded first (active ones only by default; with
    ``retired_only`` the retired ones), each rebuilt from its document."""
    query = select(
        _PLAN.c.checksum,
        _PLAN.c.document,
        _PLAN.c.code,
        _PLAN.c.loaded_at,
        _PLAN.c.retired_at,
    ).order_by(_PLAN.c.loaded_at.desc(), _PLAN.c.id)
    if retired_only:
        query = query.where(_PLAN.c.retired_at.is_not(None))
    elif not include_retired:
        query = query.where(_PLAN.c.retired_at.is_(None))
    with db.reading() as connection:
        rows = connection.execute(query).all()
    return [
        StoredPlan(
            plan=parsed_plan(checksum, document), code=code, loaded_at=at, retired_at=retired
        )
        for checksum, document, code, at, retired in rows
    ]


def find_stored(plans: Iterable[StoredPlan], query: str) -> StoredPlan:
    """The plan whose code or id is ``query`` (case and diacritics ignored)."""
    wanted = compact(query)
    for stored in plans:
        if wanted and wanted in (compact(stored.code), compact(stored.id)):
            return stored
    raise PlanNotFound(query)


def merged_agencies(plans: Iterable[Plan]) -> tuple[Agency, ...]:
    """The province-wide directory from these plans (earlier plans name an agency first):
    aliases and group members are the union of every plan's."""
    merged: dict[str, Agency] = {}
    for plan in plans:
        for agency in plan.agencies:
            known = merged.get(agency.id)
            if known is None:
                merged[agency.id] = agency
                continue
            aliases = tuple(dict.fromkeys((*known.aliases, *agency.aliases)))
            members = tuple(dict.fromkeys((*known.members, *agency.members)))
            if aliases != known.aliases or members != known.members:
                merged[agency.id] = Agency(
                    id=known.id,
                    name=known.name,
                    short_name=known.short_name,
                    aliases=aliases,
                    kind=known.kind,
                    members=members,
                    source=known.source,
                )
    return tuple(merged.values())
