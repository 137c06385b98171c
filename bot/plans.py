"""The plans a deployment follows: several at once, each with its own tasks and calendar.

A :class:`PlanSet` holds the active plans (newest loaded first) by id and by code, the
province-wide :class:`AgencyDirectory` they share, and one :class:`ReportingCalendar` per plan,
built from that plan's own reporting rules. A plan added beside plans already followed is
followed from when it was loaded: a round whose deadline had passed by then is not owed (the
deployment's first plan owes all its rounds, as a deployment that starts just after a deadline
still collects that round's late reports). It is pure: built from stored plans
(:func:`bot.planstore.stored_plans`), it reads no database itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.agencies import AgencyDirectory
from bot.i18n import Translator
from bot.plan import Plan, ReportingRule, Role, TaskItem
from bot.storedplans import StoredPlan, merged_agencies
from bot.text import compact
from scheduler.calendar import ReportingCalendar

__all__ = ["PlanEntry", "PlanSet", "rule_summary", "when_text"]


@dataclass(frozen=True)
class PlanEntry:
    """One followed plan: the plan, its code and when it was loaded."""

    plan: Plan
    code: str
    loaded_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.plan.info.id


class PlanSet:
    """The active plans, newest first; lookups by id or code; one calendar per plan."""

    def __init__(
        self, entries: Iterable[PlanEntry], tz: ZoneInfo, *, started: datetime | None = None
    ) -> None:
        """``started``: when the deployment loaded its first plan (retired ones included);
        by default the earliest load among ``entries``."""
        self._entries: tuple[PlanEntry, ...] = tuple(entries)
        self.tz = tz
        loads = [entry.loaded_at for entry in self._entries if entry.loaded_at is not None]
        self.started = started if started is not None else min(loads, default=None)
        self._by_id = {entry.id: entry for entry in self._entries}
        self._by_key: dict[str, PlanEntry] = {}
        for entry in self._entries:
            self._by_key.setdefault(compact(entry.code), entry)
        for entry in self._entries:
            self._by_key.setdefault(compact(entry.id), entry)
        self._calendars: dict[str, ReportingCalendar] = {}

    @classmethod
    def from_stored(cls, stored: Iterable[StoredPlan], tz: ZoneInfo) -> PlanSet:
        stored = tuple(stored)
        return cls(
            (PlanEntry(s.plan, s.code, s.loaded_at) for s in stored if s.active),
            tz,
            started=min((s.loaded_at for s in stored), default=None),
        )

    # -- the plans

    @property
    def plans(self) -> tuple[Plan, ...]:
        """The active plans, newest loaded first."""
        return tuple(entry.plan for entry in self._entries)

    @property
    def entries(self) -> tuple[PlanEntry, ...]:
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)

    def __contains__(self, plan_id: object) -> bool:
        return plan_id in self._by_id

    @property
    def only(self) -> Plan | None:
        """The plan when exactly one is followed (a single-plan deployment), else None."""
        return self._entries[0].plan if len(self._entries) == 1 else None

    @property
    def newest(self) -> Plan:
        """The plan loaded last (``IndexError`` when no plan is followed)."""
        return self._entries[0].plan

    def get(self, id_or_code: str) -> Plan | None:
        """The plan with this id or code ("KH38", "kh 38" and "kh38" alike), or None."""
        entry = self.entry(id_or_code)
        return entry.plan if entry is not None else None

    def entry(self, id_or_code: str) -> PlanEntry | None:
        if id_or_code in self._by_id:
            return self._by_id[id_or_code]
        key = compact(id_or_code)
        return self._by_key.get(key) if key else None

    def code(self, plan_id: str) -> str:
        """The code of a plan ("kh38"); ``KeyError`` for a plan not followed."""
        return self._by_id[plan_id].code

    def __getitem__(self, plan_id: str) -> Plan:
        return self._by_id[plan_id].plan

    # -- shared directory, calendars

    @cached_property
    def agencies(self) -> AgencyDirectory:
        """The province-wide directory: every plan's agencies, aliases merged."""
        return AgencyDirectory(merged_agencies(self.plans))

    def calendar(self, plan_id: str) -> ReportingCalendar:
        """The reporting calendar of one plan, from its own rules, in the deployment's zone."""
        calendar = self._calendars.get(plan_id)
        if calendar is None:
            entry = self._by_id[plan_id]
            calendar = ReportingCalendar(
                entry.plan.reporting, self.tz, followed_from=self.followed_from(plan_id)
            )
            self._calendars[plan_id] = calendar
        return calendar

    def followed_from(self, plan_id: str) -> datetime | None:
        """When the deployment began to follow this plan, if it was added after the first one
        (its earlier rounds are not owed); ``None`` for the first plan."""
        loaded = self._by_id[plan_id].loaded_at
        if loaded is None or self.started is None or loaded <= self.started:
            return None
        return loaded

    # -- an agency across plans

    def plans_of(self, agency_id: str) -> tuple[Plan, ...]:
        """The plans in which this agency has work (an assignment or the general tasks it must
        report on), newest first."""
        return tuple(plan for plan in self.plans if _concerns(plan, agency_id))

    def find_task(self, agency_id: str, number: str) -> list[tuple[Plan, TaskItem, Role]]:
        """Every plan's task ``number`` that this agency has, with its role, newest plan first.

        A general task (it binds every reporting unit) counts as led; a container's number is
        found too (its sub-items are the agency's own, the caller picks among them).
        """
        found: list[tuple[Plan, TaskItem, Role]] = []
        for plan in self.plans:
            try:
                task = plan.task(number)
            except KeyError:
                continue
            role = _role(plan, agency_id, task)
            if role is not None:
                found.append((plan, task, role))
        return found


def _known(plan: Plan, agency_id: str) -> bool:
    try:
        plan.agency(agency_id)
    except KeyError:
        return False
    return True


def _concerns(plan: Plan, agency_id: str) -> bool:
    if not _known(plan, agency_id):
        return False
    return agency_id in plan.reporting_units() or bool(plan.assignments_of(agency_id))


def _role(plan: Plan, agency_id: str, task: TaskItem) -> Role | None:
    if not _known(plan, agency_id):
        return None
    if task.general:
        return "lead" if agency_id in plan.reporting_units() else None
    own = {
        item.id: role
        for item, role in plan.assignments_of(agency_id)
        if item.id == task.id or item.id.startswith(task.id + ".")
    }
    if task.id in own:
        return own[task.id]
    roles: Sequence[Role] = list(own.values())
    if not roles:
        return None
    return "lead" if "lead" in roles else "coordinate"


# --------------------------------------------------------------------------- wording


def when_text(rule: ReportingRule, t: Translator) -> str:
    """When a rule's report is due, as a plan says it: "trước ngày 20 các tháng 3, 6, 9, 12",
    "trước ngày 25 hằng tháng", "trước ngày 15/12 hằng năm"."""
    _ = t.gettext
    months = sorted(set(rule.months))
    if len(months) == 12:
        return _("before day {day} of every month").format(day=rule.day)
    if len(months) == 1:
        return _("before {day}/{month} every year").format(
            day=f"{rule.day:02d}", month=f"{months[0]:02d}"
        )
    return _("before day {day} of months {months}").format(
        day=rule.day, months=", ".join(str(m) for m in months)
    )


def rule_summary(plan: Plan, t: Translator) -> str:
    """A plan's reporting rules in one line: the units' deadlines, then the consolidation's."""
    _ = t.gettext
    units = [when_text(rule, t) for rule in plan.reporting if rule.consolidates is None]
    consolidation = [when_text(rule, t) for rule in plan.reporting if rule.consolidates is not None]
    text = "; ".join(dict.fromkeys(units)) or "—"
    if consolidation:
        text += "; " + _("consolidated {when}").format(when="; ".join(dict.fromkeys(consolidation)))
    return text
