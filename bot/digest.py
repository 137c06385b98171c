"""The secretariat's digest of one reporting round (pure domain, no rendering).

A :class:`Digest` says, for one round and one moment:

- each reporting unit's state in the four buckets of government task tracking (reported on time,
  reported late, not yet but within the deadline, overdue), with counts and percentages;
- each task item's latest status, unit by unit (its lead and coordinating units, and for the
  general tasks 1.1–1.9 every unit that reported on them), blocked items first with the blocking
  text;
- the general tasks 1.1–1.9 as the units owe them: one report on any of them covers the group
  (:meth:`Digest.general_update`), so every renderer shows a unit's general report on each of
  them, as the buckets count it;
- what changed since the last digest produced for the same audience (``digest_snapshot``).

Who may see it: users with the secretariat or admin role, and the focal points of the
consolidating unit that the plan's reporting rules name (the rule with ``consolidates``).
Renderers live in :mod:`bot.reports`.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import JSON, Connection, Integer, String, column, insert, table
from sqlalchemy import select as sa_select

from bot.audit_rows import AUDIT, audit_row, plain
from bot.db import Database
from bot.dbtypes import AwareDateTime
from bot.plan import Plan, ReportingRule, TaskItem
from bot.progress import (
    BUCKETS,
    Bucket,
    EffectiveUpdate,
    UnitProgress,
    progress_of_heads,
    round_heads,
)
from bot.text import fold
from scheduler.calendar import ReportingCalendar, Round, UnknownPeriod

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import User

__all__ = [
    "DIGEST_ROLES",
    "BucketChange",
    "Changes",
    "Digest",
    "ItemLine",
    "ItemStatus",
    "Snapshot",
    "UnitLine",
    "UnitUpdate",
    "build_digest",
    "can_see_digest",
    "consolidation_rule",
    "consolidator_ids",
    "default_round",
    "latest_snapshot",
    "parse_round",
    "record_snapshot",
]

DIGEST_ROLES = frozenset({"secretariat", "admin"})
ItemStatus = Literal["blocked", "in_progress", "completed", "no_report"]
UpdateRole = Literal["lead", "coordinate", "general", "other"]
SNAPSHOT_VERSION = 1

# The digest reads the round (bot.progress) and reads and writes its snapshots with SQLAlchemy
# Core, not the ORM: ``planbot digest`` then starts without SQLModel and the tables (as
# bot.storedplans reads the plans). The columns of bot.models.DigestSnapshot and AuditEntry
# used here, of the same types (tests/test_core_tables.py checks them against the models).
DIGEST_SNAPSHOT = table(
    "digest_snapshot",
    column("id", Integer),
    column("plan_id", String),
    column("period", String),
    column("audience", String),
    column("data", JSON),
    column("created_at", AwareDateTime()),
)


# --------------------------------------------------------------------------- who sees it


def consolidation_rule(plan: Plan) -> ReportingRule | None:
    """The reporting rule that consolidates the units' reports (Sở KH&ĐT's day-25 report)."""
    return next((rule for rule in plan.reporting if rule.consolidates is not None), None)


def consolidator_ids(plan: Plan) -> tuple[str, ...]:
    """The concrete agencies that consolidate (the ``who`` of the consolidation rule)."""
    rule = consolidation_rule(plan)
    return plan.rule_units([rule]) if rule is not None else ()


def can_see_digest(plan: Plan, user: User | None) -> bool:
    """Secretariat and admins, and the focal points of the consolidating unit."""
    if user is None or not user.active or user.revoked_at is not None:
        return False
    if user.role in DIGEST_ROLES:
        return True
    return user.agency_id is not None and user.agency_id in consolidator_ids(plan)


# --------------------------------------------------------------------------- which round


def default_round(calendar: ReportingCalendar, now: datetime) -> Round:
    """The round a digest is about by default.

    The round that is open now, except during the rest of a reporting month after its due day
    (days 20–31 of March, June...): then the round just due, which is being consolidated, if
    the plan was followed then (a plan added after that deadline starts with the open round).
    """
    current = calendar.round_at(now)
    previous = calendar.previous(current)
    local = now.astimezone(calendar.tz)
    if (local.year, local.month) == (
        previous.due.year,
        previous.due.month,
    ) and calendar.follows(previous):
        return previous
    return current


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = re.compile(r"^(?:quy|q)\s*([1-4]|iv|iii|ii|i)\s*[/\- ]?\s*(\d{4})$")
_QUARTER_YEAR_FIRST = re.compile(r"^(\d{4})\s*[/\- ]?\s*(?:quy|q)\s*([1-4]|iv|iii|ii|i)$")
_HALF = re.compile(r"^(?:6\s*thang(?:\s*dau\s*nam)?|h1|6t)\s*[/\- ]?\s*(\d{4})$")
_YEAR = re.compile(r"^(?:nam|ca\s*nam|y)\s*[/\- ]?\s*(\d{4})$")
_MONTH = re.compile(r"^(?:thang|t|m)\s*(\d{1,2})\s*(?:[/\- ]|\s*nam\s)?\s*(\d{4})$")
_CODE_FOR_QUARTER = {1: "Q1", 2: "H1", 3: "Q3", 4: "Y"}


def parse_round(calendar: ReportingCalendar, text: str) -> Round:
    """A round from what a person types: "2021-Q1", "Q1/2021", "quý I/2021", "6 tháng 2021"...

    Raises :class:`UnknownPeriod` when the text names no round of the calendar.
    """
    cleaned = " ".join(fold(text or "").replace(".", " ").split())
    try:
        return calendar.parse(cleaned)
    except UnknownPeriod:
        pass
    year: str | None = None
    code: str | None = None
    if match := _QUARTER.match(cleaned):
        quarter, year = match.group(1), match.group(2)
        code = _CODE_FOR_QUARTER[int(quarter) if quarter.isdigit() else _ROMAN[quarter]]
    elif match := _QUARTER_YEAR_FIRST.match(cleaned):
        year, quarter = match.group(1), match.group(2)
        code = _CODE_FOR_QUARTER[int(quarter) if quarter.isdigit() else _ROMAN[quarter]]
    elif match := _HALF.match(cleaned):
        year, code = match.group(1), "H1"
    elif match := _YEAR.match(cleaned):
        year, code = match.group(1), "Y"
    elif match := _MONTH.match(cleaned):  # a monthly plan's round: "tháng 3/2026"
        year, code = match.group(2), f"M{match.group(1)}"
    if year is None or code is None:
        raise UnknownPeriod(text)
    return calendar.parse(f"{year}-{code}")


# --------------------------------------------------------------------------- the digest


@dataclass(frozen=True)
class UnitLine:
    """One reporting unit's state for the round."""

    agency_id: str
    name: str
    short_name: str
    bucket: Bucket
    reported_at: datetime | None
    required: int  # lead items + the general part
    done: int
    missing: tuple[str, ...]  # task ids, and "general" for the general tasks 1.1–1.9
    updates: int  # effective updates of the round (all items, coordinating ones too)
    days_late: int = 0  # for a late unit: calendar days past the last day allowed (day 19)

    @property
    def reported(self) -> bool:
        return self.bucket in ("on_time", "late")


@dataclass(frozen=True)
class UnitUpdate:
    """A unit's latest effective update on one item."""

    update_id: int
    agency_id: str
    short_name: str
    role: UpdateRole
    status: str
    text: str
    created_at: datetime
    late: bool
    corrected: bool
    task_id: str = ""  # the item it was sent under
    percent: int | None = None  # the share done the update gives, if any


@dataclass(frozen=True)
class ItemLine:
    """One task item with its units' latest updates."""

    task_id: str
    parent_id: str | None
    section: str
    title: str
    general: bool
    leads: tuple[str, ...]  # agency ids as the plan names them (groups unexpanded)
    coordinators: tuple[str, ...]
    lead_units: tuple[str, ...]  # concrete agencies (groups expanded)
    coordinate_units: tuple[str, ...]
    status: ItemStatus
    updates: tuple[UnitUpdate, ...]  # leads first, then coordinators, then others

    @property
    def blocking(self) -> tuple[UnitUpdate, ...]:
        return tuple(update for update in self.updates if update.status == "blocked")


@dataclass(frozen=True)
class BucketChange:
    agency_id: str
    short_name: str
    before: str | None
    after: Bucket


@dataclass(frozen=True)
class Changes:
    """What changed since the previous digest for the same audience."""

    since: datetime
    buckets: tuple[BucketChange, ...]
    new_updates: tuple[UnitUpdate, ...]
    items: tuple[tuple[str, str | None, ItemStatus], ...]  # (task id, before, after)

    @property
    def empty(self) -> bool:
        return not (self.buckets or self.new_updates or self.items)


@dataclass(frozen=True)
class Digest:
    """The state of one round at one moment."""

    plan: Plan
    round: Round
    generated_at: datetime
    units: tuple[UnitLine, ...]
    items: tuple[ItemLine, ...]  # blocked first, then in plan order
    changes: Changes | None = None
    audience: str = ""
    counts: Mapping[Bucket, int] = field(default_factory=dict)
    plan_code: str = ""  # set when several plans are followed: the headline names the plan

    @property
    def total(self) -> int:
        return len(self.units)

    def count(self, bucket: Bucket) -> int:
        return self.counts.get(bucket, 0)

    def percent(self, bucket: Bucket) -> float:
        """Share of the units in a bucket, in percent with one decimal."""
        if not self.units:
            return 0.0
        return round(100.0 * self.count(bucket) / self.total, 1)

    def units_in(self, *buckets: Bucket) -> tuple[UnitLine, ...]:
        return tuple(unit for unit in self.units if unit.bucket in buckets)

    @property
    def missing_units(self) -> tuple[UnitLine, ...]:
        """Units that have not (fully) reported: pending and overdue."""
        return self.units_in("pending", "overdue")

    @property
    def items_in_plan_order(self) -> tuple[ItemLine, ...]:
        return tuple(sorted(self.items, key=lambda i: _plan_position(self.plan, i.task_id)))

    @property
    def blocked_items(self) -> tuple[ItemLine, ...]:
        return tuple(item for item in self.items if item.status == "blocked")

    @property
    def tz(self) -> Any:
        return self.round.deadline.tzinfo

    @property
    def general_items(self) -> tuple[ItemLine, ...]:
        """The general tasks (1.1–1.9), in plan order."""
        return tuple(item for item in self.items_in_plan_order if item.general)

    @property
    def general_range(self) -> str:
        """The general tasks as one reader's range: "1.1–1.9", or "1.1" when there is one."""
        general = self.general_items
        if len(general) > 1:
            return f"{general[0].task_id}–{general[-1].task_id}"
        return general[0].task_id if general else ""

    @property
    def general_updates(self) -> tuple[UnitUpdate, ...]:
        """Every unit's latest update on each general task, oldest first."""
        found = [update for item in self.general_items for update in item.updates]
        return tuple(sorted(found, key=lambda u: (u.created_at, u.update_id)))

    def general_update(self, agency_id: str) -> UnitUpdate | None:
        """A unit's newest report on the general tasks: one report covers the whole group."""
        mine = [u for u in self.general_updates if u.agency_id == agency_id]
        return mine[-1] if mine else None

    def general_reporters(self) -> tuple[str, ...]:
        """The reporting units that have reported on the general tasks, in unit order."""
        reported = {update.agency_id for update in self.general_updates}
        return tuple(unit.agency_id for unit in self.units if unit.agency_id in reported)

    def item(self, task_id: str) -> ItemLine:
        for item in self.items:
            if item.task_id == task_id:
                return item
        raise KeyError(task_id)

    def unit(self, agency_id: str) -> UnitLine:
        for unit in self.units:
            if unit.agency_id == agency_id:
                return unit
        raise KeyError(agency_id)

    def snapshot(self) -> dict[str, Any]:
        """The figures kept to tell what changed by the next digest."""
        return {
            "version": SNAPSHOT_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "buckets": {unit.agency_id: unit.bucket for unit in self.units},
            "updates": sorted({update.update_id for item in self.items for update in item.updates}),
            "items": {item.task_id: item.status for item in self.items},
        }

    def to_json(self) -> dict[str, Any]:
        """Every number of the digest, for ``planbot digest --format json``."""
        return {
            "plan": self.plan.info.id,
            **({"plan_code": self.plan_code} if self.plan_code else {}),
            "round": self.round.id,
            "deadline": self.round.deadline.isoformat(),
            "consolidation_due": (
                self.round.consolidation_due.isoformat() if self.round.consolidation_due else None
            ),
            "generated_at": self.generated_at.isoformat(),
            "totals": {
                "units": self.total,
                **{
                    bucket: {"count": self.count(bucket), "percent": self.percent(bucket)}
                    for bucket in BUCKETS
                },
            },
            "units": [
                {
                    "agency": unit.agency_id,
                    "name": unit.name,
                    "bucket": unit.bucket,
                    "reported_at": unit.reported_at.isoformat() if unit.reported_at else None,
                    "required": unit.required,
                    "done": unit.done,
                    "missing": list(unit.missing),
                    "updates": unit.updates,
                    "days_late": unit.days_late,
                }
                for unit in self.units
            ],
            "items": [
                {
                    "task": item.task_id,
                    "section": item.section,
                    "title": item.title,
                    "status": item.status,
                    "leads": list(item.leads),
                    "coordinators": list(item.coordinators),
                    "updates": [_update_json(update) for update in item.updates],
                }
                for item in self.items
            ],
            "general": {
                "tasks": [item.task_id for item in self.general_items],
                "reported": list(self.general_reporters()),
                "count": len(self.general_reporters()),
                "total": self.total,
            },
            "changes": _changes_json(self.changes),
        }


def _update_json(update: UnitUpdate) -> dict[str, Any]:
    return {
        "id": update.update_id,
        "agency": update.agency_id,
        "role": update.role,
        "status": update.status,
        "text": update.text,
        "created_at": update.created_at.isoformat(),
        "late": update.late,
        "corrected": update.corrected,
        "percent": update.percent,
    }


def _changes_json(changes: Changes | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "since": changes.since.isoformat(),
        "buckets": [
            {"agency": c.agency_id, "before": c.before, "after": c.after} for c in changes.buckets
        ],
        "new_updates": [_update_json(update) for update in changes.new_updates],
        "items": [
            {"task": task_id, "before": before, "after": after}
            for task_id, before, after in changes.items
        ],
    }


# --------------------------------------------------------------------------- building


def build_digest(
    session: Session | Connection,
    plan: Plan,
    round_: Round,
    now: datetime,
    *,
    audience: str | None = None,
) -> Digest:
    """The digest of a round at ``now``; with an audience, compared with its last snapshot.

    It counts what was written by ``now`` and nothing later (a digest ``--at`` a past moment).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime")
    with paused_collection():
        digest = _build(session, plan, round_, now, audience)
    if audience:
        previous = latest_snapshot(session, round_.id, audience, as_of=now, plan_id=plan.info.id)
        if previous is not None:
            digest = _with_changes(digest, previous)
    return digest


@contextlib.contextmanager
def paused_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a digest is built.

    A digest allocates some 20,000 containers (rows, folded reports, item lines) that live
    until it is built; their allocations made the collector traverse the whole heap (the
    plans, SQLAlchemy's and every library's objects) about once per digest, which cost the
    median digest 40 % of its CPU (BENCHMARKS.md, fourth session). Nothing they hold is a
    cycle to collect. The collector is left as it was found (another thread may have paused
    it too).
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _build(
    session: Session | Connection, plan: Plan, round_: Round, now: datetime, audience: str | None
) -> Digest:
    # One read of the round, folded by the database, serves both the units and the items:
    # each unit's item's newest update and when it first reported on it.
    heads = round_heads(session, round_.id, as_of=now, plan_id=plan.info.id)
    progress = progress_of_heads(plan, round_, heads)
    updates = [head.update for head in heads]
    units = tuple(_unit_line(unit, now) for unit in progress)
    counts: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
    for unit in units:
        counts[unit.bucket] += 1
    items = _item_lines(plan, updates)
    return Digest(
        plan=plan,
        round=round_,
        generated_at=now,
        units=units,
        items=items,
        audience=audience or "",
        counts=counts,
    )


def _unit_line(unit: UnitProgress, now: datetime) -> UnitLine:
    required = len(unit.lead_items) + 1
    bucket = unit.bucket(now)
    late_by = (
        unit.round.days_late(unit.reported_at)
        if bucket == "late" and unit.reported_at is not None
        else 0
    )
    return UnitLine(
        agency_id=unit.agency.id,
        name=unit.agency.name,
        short_name=unit.agency.short_name,
        bucket=bucket,
        reported_at=unit.reported_at,
        required=required,
        done=required - len(unit.missing),
        missing=unit.missing,
        updates=len(unit.latest),
        days_late=late_by,
    )


def _concrete(plan: Plan, agency_ids: Iterable[str]) -> list[str]:
    return list(
        dict.fromkeys(member for agency_id in agency_ids for member in plan.expand(agency_id))
    )


_STATUS_ORDER: dict[str, int] = {"blocked": 0, "in_progress": 1, "completed": 2}


def _item_lines(plan: Plan, updates: Iterable[EffectiveUpdate]) -> tuple[ItemLine, ...]:
    latest: dict[tuple[str, str], EffectiveUpdate] = {}
    for update in updates:  # oldest first: the newest wins
        latest[(update.task_id, update.agency_id)] = update
    by_task: dict[str, list[EffectiveUpdate]] = {}
    for (task_id, _agency), update in latest.items():
        by_task.setdefault(task_id, []).append(update)
    lines: list[ItemLine] = []
    agency_order = {agency.id: index for index, agency in enumerate(plan.agencies)}
    short_names = {agency.id: agency.short_name for agency in plan.agencies}
    for task in plan.tasks:
        if plan.is_container(task.id):
            continue
        lines.append(_item_line(plan, task, by_task.get(task.id, []), agency_order, short_names))
    order = {line.task_id: index for index, line in enumerate(lines)}
    lines.sort(key=lambda line: (line.status != "blocked", order[line.task_id]))
    return tuple(lines)


def _item_line(
    plan: Plan,
    task: TaskItem,
    updates: list[EffectiveUpdate],
    agency_order: Mapping[str, int],
    short_names: Mapping[str, str],
) -> ItemLine:
    leads = tuple(a.agency for a in task.assignments if a.role == "lead")
    coordinators = tuple(a.agency for a in task.assignments if a.role == "coordinate")
    lead_units = _concrete(plan, leads)
    lead_set = set(lead_units)
    coordinate_units = [u for u in _concrete(plan, coordinators) if u not in lead_set]
    coordinate_set = set(coordinate_units)

    def role_of(agency_id: str) -> UpdateRole:
        if task.general:
            return "general"
        if agency_id in lead_set:
            return "lead"
        if agency_id in coordinate_set:
            return "coordinate"
        return "other"

    role_rank = {"lead": 0, "general": 0, "coordinate": 1, "other": 2}
    unit_updates = sorted(
        (
            UnitUpdate(
                update_id=update.id,
                agency_id=update.agency_id,
                short_name=short_names.get(update.agency_id, update.agency_id),
                role=role_of(update.agency_id),
                status=update.status,
                text=update.text,
                created_at=update.created_at,
                late=update.late,
                corrected=update.corrected,
                task_id=update.task_id,
                percent=update.percent,
            )
            for update in updates
        ),
        key=lambda u: (
            u.status != "blocked",
            role_rank[u.role],
            agency_order.get(u.agency_id, len(agency_order)),
        ),
    )
    return ItemLine(
        task_id=task.id,
        parent_id=task.parent,
        section=task.section,
        title=task.title,
        general=task.general,
        leads=leads,
        coordinators=coordinators,
        lead_units=tuple(lead_units),
        coordinate_units=tuple(coordinate_units),
        status=_item_status(task, lead_units, unit_updates),
        updates=tuple(unit_updates),
    )


def _item_status(task: TaskItem, lead_units: list[str], updates: list[UnitUpdate]) -> ItemStatus:
    """Blocked if any unit says so; completed when every lead (or reporter) says completed."""
    if not updates:
        return "no_report"
    if any(update.status == "blocked" for update in updates):
        return "blocked"
    deciding = [u for u in updates if u.role == "lead"] if not task.general else list(updates)
    if deciding and all(u.status == "completed" for u in deciding):
        reported_leads = {u.agency_id for u in deciding}
        if task.general or reported_leads >= set(lead_units):
            return "completed"
    return "in_progress"


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """A digest's figures as stored (``digest_snapshot``): what the next one is compared with."""

    id: int
    plan_id: str
    period: str
    audience: str
    data: dict[str, Any]
    created_at: datetime


def latest_snapshot(
    session: Session | Connection,
    period: str,
    audience: str,
    *,
    as_of: datetime | None = None,
    plan_id: str | None = None,
) -> Snapshot | None:
    """The last snapshot stored for a round and an audience (with ``as_of``: made by then);
    with ``plan_id``, of that plan's digest."""
    c = DIGEST_SNAPSHOT.c
    query = sa_select(c.id, c.plan_id, c.period, c.audience, c.data, c.created_at).where(
        c.period == period, c.audience == audience
    )
    if plan_id is not None:
        query = query.where(c.plan_id == plan_id)
    if as_of is not None:
        query = query.where(c.created_at <= as_of)
    query = query.order_by(c.created_at.desc(), c.id.desc()).limit(1)
    row = session.execute(query).first()
    return Snapshot(*row) if row is not None else None


def record_snapshot(db: Database, digest: Digest, audience: str | None = None) -> None:
    """Remember a digest as produced for an audience (a chat, the weekly send, the CLI).

    Written with plain statements, with the audit row the ORM's flush hook (bot.audit) writes
    for a snapshot added as an object: the same actor, source, subject and detail
    (tests/test_core_tables.py compares the two)."""
    who = audience if audience is not None else digest.audience
    if not who:
        raise ValueError("a snapshot needs an audience")
    values: dict[str, Any] = {
        "plan_id": digest.plan.info.id,
        "period": digest.round.id,
        "audience": who,
        "data": digest.snapshot(),
        "created_at": digest.generated_at,
    }
    with db.writing() as connection:
        new_id = connection.execute(
            insert(DIGEST_SNAPSHOT).returning(DIGEST_SNAPSHOT.c.id), values
        ).scalar_one()
        detail = {"id": new_id, **values}  # the model's columns, in its order
        # "digest_snapshot:?": as the flush hook names a new row.
        row = audit_row("insert", "digest_snapshot:?", {k: plain(v) for k, v in detail.items()})
        connection.execute(insert(AUDIT), row)


def _with_changes(digest: Digest, previous: Snapshot) -> Digest:
    data = previous.data or {}
    before_buckets: dict[str, str] = dict(data.get("buckets", {}))
    seen_updates = set(data.get("updates", []))
    before_items: dict[str, str] = dict(data.get("items", {}))
    bucket_changes = tuple(
        BucketChange(
            unit.agency_id, unit.short_name, before_buckets.get(unit.agency_id), unit.bucket
        )
        for unit in digest.units
        if before_buckets.get(unit.agency_id) != unit.bucket
    )
    new_updates = tuple(
        sorted(
            (
                update
                for item in digest.items
                for update in item.updates
                if update.update_id not in seen_updates
            ),
            key=lambda u: (u.created_at, u.update_id),
        )
    )
    item_changes = tuple(
        (item.task_id, before_items.get(item.task_id), item.status)
        for item in sorted(digest.items, key=lambda i: _plan_position(digest.plan, i.task_id))
        if before_items.get(item.task_id, "no_report") != item.status
    )
    changes = Changes(
        since=previous.created_at,
        buckets=bucket_changes,
        new_updates=new_updates,
        items=item_changes,
    )
    return replace(digest, changes=changes)


def _plan_position(plan: Plan, task_id: str) -> int:
    for index, task in enumerate(plan.tasks):
        if task.id == task_id:
            return index
    return len(plan.tasks)
