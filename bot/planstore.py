"""Keep the database in step with a plan file, idempotently.

Loading the same plan twice writes nothing new. Loading a changed plan updates tasks, agencies and
assignments; a task that the new plan no longer has is marked inactive, never deleted, so its
status updates (history) stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.db import Database
from bot.models import AgencyMember, AgencyRecord, AssignmentRecord, PlanRecord, TaskRecord
from bot.plan import Plan, parse_plan


@dataclass
class SyncReport:
    """What loading a plan changed."""

    plan_id: str
    unchanged: bool
    tasks_added: list[str] = field(default_factory=list)
    tasks_changed: list[str] = field(default_factory=list)
    tasks_retired: list[str] = field(default_factory=list)
    agencies_added: list[str] = field(default_factory=list)
    agencies_changed: list[str] = field(default_factory=list)
    assignments_added: int = 0
    assignments_removed: int = 0


_PARSED: dict[str, Plan] = {}  # checksum -> plan: validating the document costs ~0.1 s
_PARSED_KEEP = 8


def stored_plan(db: Database) -> Plan | None:
    """The plan as last loaded into the database, or None for a fresh database.

    A document is validated and parsed once per process: the plan (frozen) is kept by its
    checksum, and only a document whose parsed checksum matches its row's is kept.
    """
    with db.session() as session:
        record = session.exec(select(PlanRecord).order_by(col(PlanRecord.loaded_at).desc())).first()
        if record is None:
            return None
        checksum, document = record.checksum, record.document
    plan = _PARSED.get(checksum)
    if plan is None:
        plan = parse_plan(document)
        if plan.checksum() == checksum:
            if len(_PARSED) >= _PARSED_KEEP:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[checksum] = plan
    return plan


def sync_plan(db: Database, plan: Plan, document: dict[str, Any], now: datetime) -> SyncReport:
    """Write ``plan`` (parsed from ``document``) into the database in one transaction."""
    with db.write() as session:
        existing = session.get(PlanRecord, plan.info.id)
        checksum = plan.checksum()
        if existing is not None and existing.checksum == checksum:
            return SyncReport(plan_id=plan.info.id, unchanged=True)
        report = SyncReport(plan_id=plan.info.id, unchanged=False)
        _sync_agencies(session, plan, report)
        _sync_tasks(session, plan, now, report)
        _sync_assignments(session, plan, report)
        record = existing or PlanRecord(
            id=plan.info.id,
            title=plan.info.title,
            issuer=plan.info.issuer,
            source=plan.info.source,
            timezone=plan.info.timezone,
            province=plan.info.province,
            checksum=checksum,
            document=document,
            loaded_at=now,
        )
        record.title = plan.info.title
        record.issuer = plan.info.issuer
        record.source = plan.info.source
        record.timezone = plan.info.timezone
        record.province = plan.info.province
        record.checksum = checksum
        record.document = document
        record.loaded_at = now
        session.add(record)
        return report


def _sync_agencies(session: Session, plan: Plan, report: SyncReport) -> None:
    current = {a.id: a for a in session.exec(select(AgencyRecord)).all()}
    wanted_ids = {agency.id for agency in plan.agencies}
    for agency in plan.agencies:
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
            for key, value in values.items():
                setattr(record, key, value)
            session.add(record)
            report.agencies_changed.append(agency.id)
    for agency_id, record in current.items():
        if agency_id not in wanted_ids and record.active:
            record.active = False
            session.add(record)
            report.agencies_changed.append(agency_id)
    session.flush()
    wanted_members = {(a.id, m) for a in plan.agencies for m in a.members}
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
    current = {t.id: t for t in session.exec(select(TaskRecord)).all()}
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
            session.add(TaskRecord(id=task.id, updated_at=now, **values))
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
    stored = {(a.task_id, a.agency_id, a.role): a for a in session.exec(select(AssignmentRecord))}
    wanted = {(t.id, a.agency, a.role) for t in plan.tasks for a in t.assignments}
    for key in stored.keys() - wanted:
        session.delete(stored[key])
        report.assignments_removed += 1
    for task_id, agency_id, role in sorted(wanted - stored.keys()):
        session.add(AssignmentRecord(task_id=task_id, agency_id=agency_id, role=role))
        report.assignments_added += 1
