"""Keep the database in step with plan files, idempotently; several plans side by side.

Each plan has its own tasks and assignments (keyed by the plan's id: task numbers repeat across
plans). The agency directory is province-wide: loading a plan merges its agencies into it (an
agency another plan already names under a different name is an error with its JSON path; new
aliases are added). Loading the same plan twice writes nothing new. Loading a changed plan
updates its tasks and assignments; a task that the new version no longer has is marked inactive,
never deleted, so its status updates (history) stay. Retiring a plan stops its follow-up and
keeps everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.db import Database
from bot.i18n import N_
from bot.models import AgencyMember, AgencyRecord, AssignmentRecord, PlanRecord, TaskRecord
from bot.plan import Agency, Plan, PlanError, problem
from bot.storedplans import (
    PlanNotFound,
    StoredPlan,
    find_stored,
    merged_agencies,
    parsed_plan,
    stored_plans,
)
from bot.text import fold

__all__ = [
    "PlanNotFound",
    "StoredPlan",
    "SyncReport",
    "derive_code",
    "find_stored",
    "merged_agencies",
    "plan_states",
    "retire_plan",
    "retired_plans",
    "stored_plan",
    "stored_plans",
    "sync_plan",
]


@dataclass
class SyncReport:
    """What loading a plan changed."""

    plan_id: str
    unchanged: bool
    code: str = ""
    new_plan: bool = False
    tasks_added: list[str] = field(default_factory=list)
    tasks_changed: list[str] = field(default_factory=list)
    tasks_retired: list[str] = field(default_factory=list)
    agencies_added: list[str] = field(default_factory=list)
    agencies_changed: list[str] = field(default_factory=list)
    aliases_added: int = 0
    assignments_added: int = 0
    assignments_removed: int = 0


def _order(query: Any) -> Any:
    return query.order_by(col(PlanRecord.loaded_at).desc(), col(PlanRecord.id))


PlanState = tuple[str, str, datetime | None]  # (id, checksum, retired_at)


def plan_states(db: Database) -> tuple[PlanState, ...]:
    """Each stored plan's id, checksum and retirement: a cheap look whether plans changed."""
    with db.session() as session:
        rows = session.exec(
            select(PlanRecord.id, PlanRecord.checksum, PlanRecord.retired_at).order_by(
                col(PlanRecord.id)
            )
        ).all()
    return tuple((str(i), str(c), r) for i, c, r in rows)


def retired_plans(db: Database) -> list[StoredPlan]:
    """The plans no longer followed (usually none: one small query)."""
    return stored_plans(db, retired_only=True)


def stored_plan(db: Database) -> Plan | None:
    """The active plan loaded last, or None when the database follows no plan."""
    with db.session() as session:
        query = select(PlanRecord).where(col(PlanRecord.retired_at).is_(None))
        record = session.exec(_order(query)).first()
        if record is None:
            return None
        checksum, document = record.checksum, record.document
    return parsed_plan(checksum, document)


# --------------------------------------------------------------------------- codes


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", fold(text)))


def base_code(plan: Plan) -> str:
    """The code a plan asks for: ``plan.code``, else from its number ("38/KH-UBND" -> "kh38"),
    else the first letters-and-digits part of its id ("tuyen-quang-tb38-2021" -> "tb38")."""
    if plan.info.code and _slug(plan.info.code):
        return _slug(plan.info.code)
    if plan.info.number:
        match = re.match(r"\s*(\d+)\s*/\s*([^\W\d_]+)", plan.info.number)
        if match:
            return _slug(match.group(2)) + match.group(1).lstrip("0")
    for part in plan.info.id.split("-"):
        if re.fullmatch(r"[a-z]+[0-9]+", part):
            return part
    return plan.info.id


def derive_code(plan: Plan, taken: Iterable[str]) -> str:
    """A code no other plan has: the plan's own, else with its year, else numbered."""
    used = set(taken)
    base = base_code(plan)
    if base not in used:
        return base
    year = (plan.info.date or "")[:4] or next(
        (part for part in plan.info.id.split("-") if re.fullmatch(r"(19|20)\d\d", part)), ""
    )
    if year and f"{base}-{year}" not in used:
        return f"{base}-{year}"
    suffix = 2
    while f"{base}-{suffix}" in used:
        suffix += 1
    return f"{base}-{suffix}"


# --------------------------------------------------------------------------- loading


class _DryRun(Exception):
    def __init__(self, report: SyncReport) -> None:
        super().__init__("dry run")
        self.report = report


def sync_plan(
    db: Database, plan: Plan, document: dict[str, Any], now: datetime, *, dry_run: bool = False
) -> SyncReport:
    """Write ``plan`` (parsed from ``document``) into the database in one transaction.

    :class:`PlanError` (nothing written) when an agency conflicts with the directory, or when
    the plan asks for a code another plan has. With ``dry_run`` the report says what loading
    would change and the transaction is rolled back.
    """
    try:
        report = _sync(db, plan, document, now, dry_run=dry_run)
    except _DryRun as stopped:
        return stopped.report
    return report


def _sync(
    db: Database, plan: Plan, document: dict[str, Any], now: datetime, *, dry_run: bool
) -> SyncReport:
    with db.write() as session:
        existing = session.get(PlanRecord, plan.info.id)
        checksum = plan.checksum()
        if existing is not None and existing.checksum == checksum:
            return SyncReport(plan_id=plan.info.id, unchanged=True, code=existing.code)
        others = _other_plans(session, plan.info.id)
        code = existing.code if existing is not None else None
        if plan.info.code and (code is None or _slug(plan.info.code) != code):
            code = _slug(plan.info.code)
            holder = next((o for o in others if o.code == code), None)
            if holder is not None:
                raise PlanError(
                    [
                        problem(
                            "$.plan.code",
                            N_("plan code «{code}» is already used by plan «{plan}»"),
                            code=code,
                            plan=holder.id,
                        )
                    ]
                )
        if code is None:
            code = derive_code(plan, (o.code for o in others))
        report = SyncReport(
            plan_id=plan.info.id, unchanged=False, code=code, new_plan=existing is None
        )
        _check_agencies(plan, others)
        record = existing or PlanRecord(
            id=plan.info.id,
            code=code,
            title=plan.info.title,
            issuer=plan.info.issuer,
            source=plan.info.source,
            timezone=plan.info.timezone,
            province=plan.info.province,
            checksum=checksum,
            document=document,
            loaded_at=now,
        )
        record.code = code
        record.title = plan.info.title
        record.issuer = plan.info.issuer
        record.source = plan.info.source
        record.timezone = plan.info.timezone
        record.province = plan.info.province
        record.checksum = checksum
        record.document = document  # loaded_at stays the first load: plans keep their order
        session.add(record)
        session.flush()
        _sync_agencies(session, plan, others, report)
        _sync_tasks(session, plan, now, report)
        _sync_assignments(session, plan, report)
        if dry_run:
            session.flush()
            raise _DryRun(report)
        return report


def retire_plan(db: Database, query: str, now: datetime, *, undo: bool = False) -> StoredPlan:
    """Retire a plan (or, with ``undo``, follow it again); its rows and history stay.

    :class:`PlanNotFound` for an unknown code; :class:`ValueError` ("retired" / "active") when
    the plan is already in the state asked for, ("last") for the only plan still followed.
    Nothing is written then.
    """
    with db.write() as session:
        rows = session.exec(_order(select(PlanRecord))).all()
        stored = [
            StoredPlan(parsed_plan(r.checksum, r.document), r.code, r.loaded_at, r.retired_at)
            for r in rows
        ]
        found = find_stored(stored, query)
        record = next(r for r in rows if r.id == found.id)
        if undo and record.retired_at is None:
            raise ValueError("active")
        if not undo and record.retired_at is not None:
            raise ValueError("retired")
        if not undo and not any(r.retired_at is None and r.id != record.id for r in rows):
            raise ValueError("last")
        record.retired_at = None if undo else now
        session.add(record)
        return StoredPlan(found.plan, record.code, record.loaded_at, record.retired_at)


@dataclass(frozen=True)
class _Other:
    id: str
    code: str
    plan: Plan


def _other_plans(session: Session, plan_id: str) -> list[_Other]:
    rows = session.exec(select(PlanRecord).where(col(PlanRecord.id) != plan_id)).all()
    return [_Other(r.id, r.code, parsed_plan(r.checksum, r.document)) for r in rows]


def _check_agencies(plan: Plan, others: Sequence[_Other]) -> None:
    """An agency that another plan names differently is an error, listed with its JSON path."""
    known: dict[str, tuple[Agency, str]] = {}
    for other in others:
        for agency in other.plan.agencies:
            known.setdefault(agency.id, (agency, other.code))
    problems = []
    for index, agency in enumerate(plan.agencies):
        if agency.id not in known:
            continue
        theirs, code = known[agency.id]
        if fold(theirs.name) != fold(agency.name):
            problems.append(
                problem(
                    f"$.agencies[{index}].name",
                    N_(
                        "agency «{agency}» is already in the directory as «{theirs}» "
                        "(plan {code}); this file says «{name}»"
                    ),
                    agency=agency.id,
                    theirs=theirs.name,
                    code=code,
                    name=agency.name,
                )
            )
    if problems:
        raise PlanError(problems)


def _sync_agencies(
    session: Session, plan: Plan, others: Sequence[_Other], report: SyncReport
) -> None:
    current = {a.id: a for a in session.exec(select(AgencyRecord)).all()}
    directory = merged_agencies([plan, *(other.plan for other in others)])
    for agency in directory:
        values: dict[str, Any] = {
            "name": agency.name,
            "short_name": agency.short_name,
            "kind": agency.kind,
            "aliases": list(agency.aliases),
            "source": agency.source,
            "active": True,
        }
        record = current.get(agency.id)
        if record is None:
            session.add(AgencyRecord(id=agency.id, **values))
            report.agencies_added.append(agency.id)
        elif any(getattr(record, key) != value for key, value in values.items()):
            report.aliases_added += len(set(agency.aliases) - set(record.aliases))
            for key, value in values.items():
                setattr(record, key, value)
            session.add(record)
            report.agencies_changed.append(agency.id)
    wanted_ids = {agency.id for agency in directory}
    for agency_id, record in current.items():
        if agency_id not in wanted_ids and record.active:
            record.active = False
            session.add(record)
            report.agencies_changed.append(agency_id)
    session.flush()
    wanted_members = {(a.id, m) for a in directory for m in a.members}
    stored_members = {(m.group_id, m.member_id) for m in session.exec(select(AgencyMember)).all()}
    for group_id, member_id in stored_members - wanted_members:
        session.exec(
            delete(AgencyMember).where(
                col(AgencyMember.group_id) == group_id, col(AgencyMember.member_id) == member_id
            )
        )
    for group_id, member_id in sorted(wanted_members - stored_members):
        session.add(AgencyMember(group_id=group_id, member_id=member_id))


def _sync_tasks(session: Session, plan: Plan, now: datetime, report: SyncReport) -> None:
    plan_id = plan.info.id
    current = {
        t.id: t
        for t in session.exec(select(TaskRecord).where(col(TaskRecord.plan_id) == plan_id)).all()
    }
    wanted_ids = set()
    for position, task in enumerate(plan.tasks):
        wanted_ids.add(task.id)
        values: dict[str, Any] = {
            "parent_id": task.parent,
            "section": task.section,
            "title": task.title,
            "text": task.text,
            "general": task.general,
            "position": position,
            "active": True,
        }
        record = current.get(task.id)
        if record is None:
            session.add(TaskRecord(plan_id=plan_id, id=task.id, updated_at=now, **values))
            report.tasks_added.append(task.id)
        elif any(getattr(record, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(record, key, value)
            record.updated_at = now
            session.add(record)
            report.tasks_changed.append(task.id)
    for task_id, record in current.items():
        if task_id not in wanted_ids and record.active:
            record.active = False
            record.updated_at = now
            session.add(record)
            report.tasks_retired.append(task_id)
    session.flush()


def _sync_assignments(session: Session, plan: Plan, report: SyncReport) -> None:
    plan_id = plan.info.id
    rows = session.exec(select(AssignmentRecord).where(col(AssignmentRecord.plan_id) == plan_id))
    stored = {(a.task_id, a.agency_id, a.role): a for a in rows}
    wanted = {(t.id, a.agency, a.role) for t in plan.tasks for a in t.assignments}
    for key in stored.keys() - wanted:
        session.delete(stored[key])
        report.assignments_removed += 1
    session.flush()
    for task_id, agency_id, role in sorted(wanted - stored.keys()):
        session.add(
            AssignmentRecord(plan_id=plan_id, task_id=task_id, agency_id=agency_id, role=role)
        )
        report.assignments_added += 1
