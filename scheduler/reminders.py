"""What reminders are owed at an instant: pure planning from the calendar, progress and users.

Two steps, both free of I/O:

1. :class:`ReminderSchedule` turns the reporting calendar into *instants*: for every round, the
   ``before-due`` reminders (``lead_days`` before the due day, default 7, 3 and 1, at
   ``at_time``, default 08:00 local), the ``before-consolidation`` reminders (the same lead days
   counted to the consolidation day, day 25 in the seed plan) and one ``overdue`` notice. A
   reminder that falls on a day off moves back to the previous working day; when two reminders of
   one round and kind land on the same day they are one instant, whose ``offset_days`` is the
   largest lead among them. The overdue notice goes out on the first working day on or after the
   due day. Instants that would not come before their deadline are dropped.

2. :func:`plan_messages` decides, for one moment ``now``, which messages are owed and to whom.
   Per round and kind only the *latest* instant at or before ``now`` counts, and only while it is
   still relevant: ``before-due`` until the deadline (00:00 of the due day), ``before-consolidation``
   until the consolidation deadline, ``overdue`` until the consolidation deadline (or for one day
   when the plan has no consolidation). So after downtime the next tick catches up with the
   newest reminder of each kind, never a burst of stale ones. The text says what is missing *now*.

   - ``before-due``: each unit that has not reported everything; sent to its focal points; lists
     the lead items and the general part (1.1–1.9, one report covers them) still missing, and the
     items it coordinates ("phối hợp") for information, then how to reply.
   - ``before-consolidation``: the focal points of the consolidating unit (the rule with
     ``consolidates``: Sở KH&ĐT in the seed plan) get the tally of who has reported.
   - ``overdue``: each late unit's focal points, and the list of late units to every
     ``secretariat`` user.

   Messages to one chat for the same (round, kind, instant) are merged into one (a group chat
   shared by several focal points receives one message). Each message carries the reply context
   ``{"kind": "reminder", "period", "agency", "tasks", ...}`` so that a reply to it is understood.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from bot.i18n import Translator, translator
from bot.labels import role_label
from bot.messages import Reply
from bot.plan import Plan, TaskItem
from scheduler.calendar import ReportingCalendar, Round, TaskDue, deadline_text
from scheduler.workdays import WorkingDays

if TYPE_CHECKING:  # planbot schedule reads no status update: it starts without the ORM
    from bot.progress import UnitProgress

ReminderKind = Literal["before-due", "before-consolidation", "overdue"]
KINDS: tuple[ReminderKind, ...] = ("before-due", "before-consolidation", "overdue")
Audience = Literal["unit", "consolidator", "secretariat"]

DEFAULT_LEAD_DAYS: tuple[int, ...] = (7, 3, 1)
DEFAULT_AT = time(8, 0)

# --------------------------------------------------------------------------- instants


@dataclass(frozen=True, order=True)
class ReminderInstant:
    """One moment the bot acts for a round: a reminder kind at a local date and time."""

    at: datetime
    kind: ReminderKind
    round: Round = field(compare=False)
    due: date = field(compare=False)  # the day the report is due "before" (20, or 25)
    offset_days: int | None = field(compare=False)  # lead days before ``due``; None for overdue
    moved_from: date | None = field(default=None, compare=False)  # the day off it moved from

    @property
    def period(self) -> str:
        return self.round.id

    @property
    def relevant_until(self) -> datetime:
        """After this moment the instant is stale: a late tick no longer sends it."""
        if self.kind == "before-due":
            return self.round.deadline
        if self.kind == "before-consolidation":
            deadline = self.round.consolidation_deadline
            assert deadline is not None
            return deadline
        day_after = datetime.combine(
            self.at.date() + timedelta(days=1), time(0), tzinfo=self.at.tzinfo
        )
        consolidation = self.round.consolidation_deadline
        return max(day_after, consolidation) if consolidation is not None else day_after

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "period": self.period,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "offset_days": self.offset_days,
        }


TaskKind = Literal["task-due", "task-overdue"]


@dataclass(frozen=True, order=True)
class TaskInstant:
    """One moment the bot acts for a task's one-off deadline ("trước ngày 30/6/2021"): the
    same lead days as the rounds ("task-due"), and a notice on the first working day on or
    after it ("task-overdue") to its lead units that have not reported it completed."""

    at: datetime
    kind: TaskKind
    task_id: str = field(compare=False)
    due: TaskDue = field(compare=False)
    offset_days: int | None = field(compare=False)

    round = None  # not about a reporting round

    @property
    def period(self) -> str:
        assert self.due.due is not None
        return f"task-{self.task_id}-{self.due.due.isoformat()}"

    @property
    def relevant_until(self) -> datetime:
        if self.kind == "task-due":
            assert self.due.deadline is not None
            return self.due.deadline
        return datetime.combine(self.at.date() + timedelta(days=1), time(0), tzinfo=self.at.tzinfo)


class ReminderSchedule:
    """Every instant the reminders act, from the calendar, working days and the lead days."""

    def __init__(
        self,
        calendar: ReportingCalendar,
        workdays: WorkingDays | None = None,
        *,
        lead_days: Sequence[int] = DEFAULT_LEAD_DAYS,
        at_time: time = DEFAULT_AT,
    ) -> None:
        if any(days < 0 for days in lead_days):
            raise ValueError(f"reminder lead days must not be negative: {tuple(lead_days)}")
        self.calendar = calendar
        self.workdays = workdays or WorkingDays()
        self.lead_days = tuple(sorted(set(lead_days), reverse=True))
        self.at_time = at_time.replace(tzinfo=None)
        self._cache: dict[str, tuple[ReminderInstant, ...]] = {}

    @property
    def tz(self) -> Any:
        return self.calendar.tz

    def _at(self, day: date) -> datetime:
        return datetime.combine(day, self.at_time, tzinfo=self.calendar.tz)

    def _before(self, round_: Round, kind: ReminderKind, due: date) -> list[ReminderInstant]:
        deadline = datetime.combine(due, time(0), tzinfo=self.calendar.tz)
        by_day: dict[date, int] = {}
        for lead in self.lead_days:  # largest first: the first lead to reach a day names it
            day = self.workdays.on_or_before(due - timedelta(days=lead))
            by_day.setdefault(day, lead)
        instants = []
        for day, lead in by_day.items():
            if self._at(day) >= deadline:
                continue
            nominal = due - timedelta(days=lead)
            instants.append(
                ReminderInstant(
                    at=self._at(day),
                    kind=kind,
                    round=round_,
                    due=due,
                    offset_days=lead,
                    moved_from=nominal if nominal != day else None,
                )
            )
        return instants

    def for_round(self, round_: Round) -> tuple[ReminderInstant, ...]:
        """The instants of one round, in time order."""
        cached = self._cache.get(round_.id)
        if cached is not None:
            return cached
        instants = self._before(round_, "before-due", round_.due)
        if round_.consolidation_due is not None:
            instants += self._before(round_, "before-consolidation", round_.consolidation_due)
        overdue_day = self.workdays.on_or_after(round_.due)
        instants.append(
            ReminderInstant(
                at=self._at(overdue_day),
                kind="overdue",
                round=round_,
                due=round_.due,
                offset_days=None,
                moved_from=round_.due if overdue_day != round_.due else None,
            )
        )
        result = tuple(sorted(instants))
        self._cache[round_.id] = result
        return result

    def between(self, first: date, last: date) -> list[ReminderInstant]:
        """Every instant whose local date is in ``first``..``last`` (inclusive), in time order."""
        found: list[ReminderInstant] = []
        for year in range(first.year - 1, last.year + 2):
            for round_ in self.calendar.rounds(year):
                found.extend(i for i in self.for_round(round_) if first <= i.at.date() <= last)
        return sorted(found)

    def year(self, year: int) -> list[ReminderInstant]:
        return self.between(date(year, 1, 1), date(year, 12, 31))

    def current(self, now: datetime) -> list[ReminderInstant]:
        """Per round and kind, the latest instant at or before ``now`` that is still relevant."""
        local = now.astimezone(self.calendar.tz)
        latest: dict[tuple[str, str], ReminderInstant] = {}
        for instant in self.between(local.date() - timedelta(days=120), local.date()):
            if instant.at <= local:
                latest[(instant.period, instant.kind)] = instant  # sorted: later ones win
        return sorted(i for i in latest.values() if local < i.relevant_until)

    def for_task(self, due: TaskDue) -> tuple[TaskInstant, ...]:
        """The instants of one task's dated deadline, in time order."""
        if due.due is None:
            return ()
        deadline = datetime.combine(due.due, time(0), tzinfo=self.calendar.tz)
        by_day: dict[date, int] = {}
        for lead in self.lead_days:
            by_day.setdefault(self.workdays.on_or_before(due.due - timedelta(days=lead)), lead)
        found = [
            TaskInstant(self._at(day), "task-due", due.task_id, due, lead)
            for day, lead in by_day.items()
            if self._at(day) < deadline
        ]
        found.append(
            TaskInstant(
                self._at(self.workdays.on_or_after(due.due)), "task-overdue", due.task_id, due, None
            )
        )
        return tuple(sorted(found))

    def current_tasks(self, tasks: Sequence[TaskItem], now: datetime) -> list[TaskInstant]:
        """Per task and kind, the latest instant at or before ``now`` still relevant."""
        local = now.astimezone(self.calendar.tz)
        latest: dict[tuple[str, str], TaskInstant] = {}
        for due in self.calendar.task_dues(tasks):
            for instant in self.for_task(due):
                if instant.at <= local:
                    latest[(instant.task_id, instant.kind)] = instant
        return sorted(i for i in latest.values() if local < i.relevant_until)


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Recipient:
    """Where a user is reached (from ``bot.models.User``), with what the reminders need."""

    channel: str
    chat_id: str
    agency_id: str | None
    role: str
    locale: str
    user_id: int | None = None
    group: bool = False  # a group chat (the per-group pacing limit applies)


@dataclass(frozen=True)
class OwedMessage:
    """One message owed to one chat. The ledger key is (channel, chat_id, period, kind, instant).

    ``kind`` is a reminder kind, or any kind a contributor defines (e.g. "weekly-digest");
    ``round`` is None for messages that are not about one round.
    """

    channel: str
    chat_id: str
    period: str
    kind: str
    instant: datetime
    reply: Reply
    audience: str
    agency_ids: tuple[str, ...]
    locale: str
    round: Round | None = None
    group: bool = False
    # The plans the message is about, each with its round (several when merged across plans);
    # empty for a message that names no plan.
    rounds: tuple[tuple[str, Round], ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str, datetime]:
        return (self.channel, self.chat_id, self.period, self.kind, self.instant)


@dataclass(frozen=True)
class _Part:
    recipient: Recipient
    instant: ReminderInstant | TaskInstant
    audience: Audience
    agency_id: str | None
    text: str
    tasks: tuple[str, ...]
    coordinate: tuple[str, ...] = ()
    plan_id: str = ""


@dataclass(frozen=True)
class PlanReminders:
    """One plan's share of a tick: its current instants and its units' progress per round.

    ``heading`` names the plan above its part of a message ("[kh38] Kế hoạch …"); empty when
    one plan is followed (the messages read as they always did). A plan no longer followed
    (``followed`` False: retired since) sends nothing; its instants still count for the
    ledger key of the messages of that instant, so retiring it never re-sends another plan's.
    """

    plan: Plan
    instants: Sequence[ReminderInstant]
    progress: Mapping[str, Sequence[UnitProgress]]
    code: str = ""
    heading: str = ""
    followed: bool = True
    tasks: Sequence[TaskInstant] = ()  # current instants of the plan's one-off task deadlines
    completed: frozenset[tuple[str, str]] = frozenset()  # (agency, task) reported completed


_AUDIENCE_KINDS: dict[str, tuple[str, ...]] = {
    "unit": ("before-due", "overdue", "task-due", "task-overdue"),
    "consolidator": ("before-consolidation",),
    "secretariat": ("overdue",),
}


def consolidators(plan: Plan) -> tuple[str, ...]:
    """The concrete agencies of the rules that consolidate another rule (Sở KH&ĐT)."""
    return plan.consolidating_units()


def plan_messages(
    now: datetime,
    instants: Iterable[ReminderInstant],
    plan: Plan,
    progress: Mapping[str, Sequence[UnitProgress]],
    recipients: Sequence[Recipient],
) -> list[OwedMessage]:
    """The messages owed at ``now`` for these (current) instants of one plan.

    ``progress`` maps each instant's round id to every reporting unit's progress;
    ``recipients`` are the active users. Pure: the same inputs give the same messages.
    """
    return messages_across(now, [PlanReminders(plan, tuple(instants), progress)], recipients)


def messages_across(
    now: datetime, plans: Sequence[PlanReminders], recipients: Sequence[Recipient]
) -> list[OwedMessage]:
    """The messages owed at ``now`` across plans (newest plan first): ONE message per chat,
    audience and instant, listing what is owed in every plan, each plan under its heading with
    its own round and deadline.

    Every current instant's part for a chat is in that one message (a round still owed whose
    reminder went out days ago is listed again beside today's). The message's ledger key is
    that of its *anchor*: the newest current moment of the audience in any plan, and among
    the plans with an instant then, the oldest one (the last in ``plans``), with its round and
    kind. The anchor comes from the calendars alone, never from who still owes what, so the key
    stays the same all day (a unit that reports one plan's part does not make the rest a new
    message) and a new key comes with the next reminder moment; with one plan it is the key
    reminders always had.
    """
    parts: list[_Part] = []
    for share in plans:
        if share.followed:
            parts.extend(_parts(now, share, recipients))
    anchors = _anchors(plans)
    return _merge(parts, anchors, {share.plan.info.id: share for share in plans})


_Anchor = tuple[str, ReminderInstant | TaskInstant]  # (plan id, instant)


def _anchors(plans: Sequence[PlanReminders]) -> dict[str, _Anchor]:
    """audience -> the anchor of its messages now: the newest current moment of that audience
    in any plan, and the oldest plan with an instant then (its kinds in order)."""
    anchors: dict[str, _Anchor] = {}
    for audience, kinds in _AUDIENCE_KINDS.items():
        candidates: list[tuple[datetime, int, int, str, ReminderInstant | TaskInstant]] = []
        for index, share in enumerate(plans):  # newest plan first: the oldest has the top index
            moments: list[ReminderInstant | TaskInstant] = [*share.instants, *share.tasks]
            candidates.extend(
                (instant.at, index, -kinds.index(instant.kind), share.plan.info.id, instant)
                for instant in moments
                if instant.kind in kinds
            )
        if candidates:
            *_, plan_id, instant = max(candidates, key=lambda c: c[:3])
            anchors[audience] = (plan_id, instant)
    return anchors


def _parts(now: datetime, share: PlanReminders, recipients: Sequence[Recipient]) -> list[_Part]:
    plan, instants, progress = share.plan, share.instants, share.progress
    focal_by_agency: dict[str, list[Recipient]] = {}
    secretariat: list[Recipient] = []
    for recipient in recipients:
        if recipient.role == "focal" and recipient.agency_id is not None:
            focal_by_agency.setdefault(recipient.agency_id, []).append(recipient)
        elif recipient.role == "secretariat":
            secretariat.append(recipient)
    consolidating = consolidators(plan)
    parts: list[_Part] = []
    for instant in instants:
        now = now.astimezone(instant.round.deadline.tzinfo)  # dates in texts are local dates
        units = progress.get(instant.period, ())
        missing_units = [unit for unit in units if not unit.complete]
        if instant.kind in ("before-due", "overdue"):
            for unit in missing_units:
                parts.extend(
                    _addressed(
                        focal_by_agency.get(unit.agency.id, ()),
                        instant,
                        "unit",
                        unit.agency.id,
                        partial(
                            _unit_text,
                            instant=instant,
                            unit=unit,
                            now=now,
                            code=share.code if share.heading else "",
                        ),
                        tasks=tuple(item.id for item in unit.missing_items),
                        coordinate=tuple(item.id for item in unit.coordinate_items),
                    )
                )
        if instant.kind == "overdue" and missing_units:
            parts.extend(
                _addressed(
                    secretariat,
                    instant,
                    "secretariat",
                    None,
                    partial(_secretariat_text, instant=instant, units=units, late=missing_units),
                )
            )
        if instant.kind == "before-consolidation":
            for agency_id in consolidating:
                parts.extend(
                    _addressed(
                        focal_by_agency.get(agency_id, ()),
                        instant,
                        "consolidator",
                        agency_id,
                        partial(
                            _consolidation_text, instant=instant, plan=plan, units=units, now=now
                        ),
                    )
                )
    parts.extend(_task_parts(now, share, focal_by_agency))
    return [replace(part, plan_id=plan.info.id) for part in parts]


def _task_leads(plan: Plan, task_id: str) -> tuple[str, ...]:
    """The concrete lead agencies of a task (of its sub-items for a task split into them)."""
    tasks = [plan.task(task_id), *plan.children(task_id)]
    leads = [a.agency for task in tasks for a in task.assignments if a.role == "lead"]
    return tuple(dict.fromkeys(unit for lead in leads for unit in plan.expand(lead)))


def _task_parts(
    now: datetime, share: PlanReminders, focal_by_agency: Mapping[str, Sequence[Recipient]]
) -> list[_Part]:
    parts: list[_Part] = []
    for instant in share.tasks:
        task = share.plan.task(instant.task_id)
        for agency_id in _task_leads(share.plan, task.id):
            if (agency_id, task.id) in share.completed:
                continue
            parts.extend(
                _addressed(
                    focal_by_agency.get(agency_id, ()),
                    instant,
                    "unit",
                    agency_id,
                    partial(
                        _task_text,
                        instant=instant,
                        task=task,
                        now=now,
                        code=share.code if share.heading else "",
                    ),
                    tasks=(task.id,),
                )
            )
    return parts


def _addressed(
    recipients: Iterable[Recipient],
    instant: ReminderInstant | TaskInstant,
    audience: Audience,
    agency_id: str | None,
    text: Callable[[Translator], str],
    *,
    tasks: tuple[str, ...] = (),
    coordinate: tuple[str, ...] = (),
) -> Iterator[_Part]:
    """One part for each recipient, its text (``text(translator)``) in the recipient's
    language: built once per language, and the one string shared by every recipient of it (a
    province's thousands of focal points of one unit cost one text, not thousands)."""
    texts: dict[str, str] = {}
    for recipient in recipients:
        written = texts.get(recipient.locale)
        if written is None:
            written = texts[recipient.locale] = text(translator(recipient.locale))
        yield _Part(
            recipient=recipient,
            instant=instant,
            audience=audience,
            agency_id=agency_id,
            text=written,
            tasks=tasks,
            coordinate=coordinate,
        )


def _task_text(
    t: Translator, instant: TaskInstant, task: TaskItem, now: datetime, code: str
) -> str:
    _ = t.gettext
    due = instant.due
    assert due.due is not None
    if instant.kind == "task-due":
        head = _("Task {number} is due {deadline} ({left}): {title}").format(
            number=task.id,
            deadline=due.describe(t),
            left=_days_left(t, due.due, now),
            title=task.title,
        )
    else:
        head = _("Task {number} was due {deadline} and is not reported completed: {title}").format(
            number=task.id, deadline=due.describe(t), title=task.title
        )
    example = f"{code} {task.id}" if code else task.id
    return "\n".join(
        [head, _("Reply to this message or type: {example} <progress>").format(example=example)]
    )


def _merge(
    parts: Sequence[_Part],
    anchors: Mapping[str, _Anchor],
    shares: Mapping[str, PlanReminders],
) -> list[OwedMessage]:
    """One message per (chat, audience); texts of a shared chat are joined, each plan's under
    its heading when several plans are followed."""
    grouped: dict[tuple[str, str, str], list[_Part]] = {}
    for part in parts:
        key = (part.recipient.channel, part.recipient.chat_id, part.audience)
        bucket = grouped.setdefault(key, [])
        if not any(
            p.text == part.text and p.agency_id == part.agency_id and p.plan_id == part.plan_id
            for p in bucket
        ):
            bucket.append(part)
    messages: list[OwedMessage] = []
    for (channel, chat_id, audience), group in grouped.items():
        _, anchor = anchors[audience]
        at = anchor.at
        first = group[0]
        by_plan: dict[str, list[_Part]] = {}
        for part in group:
            by_plan.setdefault(part.plan_id, []).append(part)
        order = [plan_id for plan_id in shares if plan_id in by_plan]  # newest plan first
        agencies = tuple(dict.fromkeys(p.agency_id for p in group if p.agency_id is not None))
        tasks = tuple(dict.fromkeys(task for p in group for task in p.tasks))
        coordinate = tuple(dict.fromkeys(task for p in group for task in p.coordinate))
        single = len(order) == 1
        rounds = {
            plan_id: next((p.instant.round for p in by_plan[plan_id] if p.instant.round), None)
            for plan_id in order
        }
        context: dict[str, Any] = {
            "kind": "reminder",
            "reminder": group[0].instant.kind if single else anchor.kind,
            "period": (round_ := rounds[order[0]]) and round_.id if single else None,
            "agency": agencies[0] if agencies else None,
            "tasks": list(tasks),
            "audience": first.audience,
        }
        if single and shares[order[0]].heading:
            context["plan"] = order[0]  # several plans followed: a reply names its plan
        if context["period"] is None:
            del context["period"]  # a reply to it files by the time, or asks
        if not single:
            context["plans"] = [
                {
                    "plan": plan_id,
                    "period": (round_ := rounds[plan_id]) and round_.id,
                    "reminder": by_plan[plan_id][0].instant.kind,
                    "tasks": list(dict.fromkeys(t for p in by_plan[plan_id] for t in p.tasks)),
                }
                for plan_id in order
            ]
        if coordinate:
            context["coordinate"] = list(coordinate)
        if len(agencies) > 1:
            context["agencies"] = list(agencies)
        texts = []
        for plan_id in order:
            joined = "\n\n".join(p.text for p in by_plan[plan_id])
            heading = shares[plan_id].heading
            texts.append(f"{heading}\n{joined}" if heading else joined)
        messages.append(
            OwedMessage(
                channel=channel,
                chat_id=chat_id,
                period=anchor.period,
                kind=anchor.kind,
                instant=at,
                reply=Reply(text="\n\n".join(texts), context=context),
                audience=first.audience,
                agency_ids=agencies,
                locale=first.recipient.locale,
                round=rounds[order[0]] if single else anchor.round,
                group=first.recipient.group,
                rounds=tuple((plan_id, round_) for plan_id in order if (round_ := rounds[plan_id])),
            )
        )
    messages.sort(key=lambda m: (m.instant, m.kind, m.channel, m.chat_id))
    return messages


# --------------------------------------------------------------------------- texts


def _days_left(t: Translator, due: date, now: datetime) -> str:
    """Days left counting today: on the last day allowed (the day before ``due``), 1."""
    left = (due - now.date()).days
    return t.gettext("days left: {n}").format(n=left)


def _general_range(items: Sequence[TaskItem]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0].id
    return f"{items[0].id}–{items[-1].id}"


def _item_lines(t: Translator, unit: UnitProgress) -> list[str]:
    from bot.progress import GENERAL

    _ = t.gettext
    lines = [
        _("• {number} {title} ({role})").format(
            number=item.id, title=item.title, role=role_label(t, "lead")
        )
        for item in unit.lead_items
        if item.id in unit.missing
    ]
    if GENERAL in unit.missing:
        lines.append(
            _("• {number} General tasks of every unit; one report covers them ({role})").format(
                number=_general_range(unit.general_items), role=role_label(t, "general")
            )
        )
    return lines


def _reply_hint(t: Translator, unit: UnitProgress, code: str = "") -> str:
    _ = t.gettext
    items = unit.missing_items
    example = items[0].id if items else (unit.lead_items[0].id if unit.lead_items else "1.1")
    if code:  # several plans followed: the plan's code says which plan's task it is
        example = f"{code} {example}"
    return _("Reply to this message or type: {example} <progress>").format(example=example)


def _unit_text(
    t: Translator, instant: ReminderInstant, unit: UnitProgress, now: datetime, code: str = ""
) -> str:
    _ = t.gettext
    round_ = instant.round
    if instant.kind == "before-due":
        lines = [
            _("Reminder: {period} report of {agency}").format(
                period=round_.label(t), agency=unit.agency.name
            ),
            _("Deadline: {deadline} ({left}).").format(
                deadline=deadline_text(t, round_.due), left=_days_left(t, round_.due, now)
            ),
        ]
    else:
        lines = [
            _("Overdue: {period} report of {agency}").format(
                period=round_.label(t), agency=unit.agency.name
            ),
            _("The deadline was {deadline}; the report is not complete yet.").format(
                deadline=deadline_text(t, round_.due)
            ),
            _("Send it now: it is still filed under {period}, counted as late.").format(
                period=round_.label(t)
            ),
        ]
    lines.append(_("Still missing for this round:"))
    lines.extend(_item_lines(t, unit))
    if unit.coordinate_items:
        lines.append(_("For information, items you coordinate on:"))
        lines.extend(
            _("• {number} {title} ({role})").format(
                number=item.id, title=item.title, role=role_label(t, "coordinate")
            )
            for item in unit.coordinate_items
        )
    lines.append(_reply_hint(t, unit, code))
    return "\n".join(lines)


def _tally(units: Sequence[UnitProgress], now: datetime) -> dict[str, int]:
    counts = {"on_time": 0, "late": 0, "pending": 0, "overdue": 0}
    for unit in units:
        counts[unit.bucket(now)] += 1
    return counts


def _consolidation_text(
    t: Translator,
    instant: ReminderInstant,
    plan: Plan,
    units: Sequence[UnitProgress],
    now: datetime,
) -> str:
    _ = t.gettext
    round_ = instant.round
    counts = _tally(units, now)
    done = counts["on_time"] + counts["late"]
    missing = [unit for unit in units if not unit.complete]
    rule = next(r for r in plan.reporting if r.consolidates is not None)
    to = plan.agency(rule.to).name
    lines = [
        _("Reminder: consolidated {period} report").format(period=round_.label(t)),
        _("Due to {to}: {deadline} ({left}).").format(
            to=to, deadline=deadline_text(t, instant.due), left=_days_left(t, instant.due, now)
        ),
        _("Units reported: {done}/{total} ({on_time} on time, {late} late).").format(
            done=done, total=len(units), on_time=counts["on_time"], late=counts["late"]
        ),
    ]
    if missing:
        lines.append(_("Not reported yet ({count}):").format(count=len(missing)))
        lines.extend(
            _("• {agency}: missing {items}").format(
                agency=unit.agency.short_name, items=_missing_summary(unit)
            )
            for unit in missing
        )
    else:
        lines.append(_("Every unit has reported."))
    return "\n".join(lines)


def _missing_summary(unit: UnitProgress) -> str:
    from bot.progress import GENERAL

    ids = [item.id for item in unit.lead_items if item.id in unit.missing]
    if GENERAL in unit.missing:
        ids.append(_general_range(unit.general_items))
    return ", ".join(ids)


def _secretariat_text(
    t: Translator,
    instant: ReminderInstant,
    units: Sequence[UnitProgress],
    late: Sequence[UnitProgress],
) -> str:
    _ = t.gettext
    round_ = instant.round
    lines = [
        _("Overdue {period} reports: {count}/{total} units have not reported everything.").format(
            period=round_.label(t), count=len(late), total=len(units)
        ),
        _("The deadline was {deadline}.").format(deadline=deadline_text(t, round_.due)),
    ]
    lines.extend(
        _("• {agency}: missing {items}").format(
            agency=unit.agency.short_name, items=_missing_summary(unit)
        )
        for unit in late
    )
    return "\n".join(lines)
