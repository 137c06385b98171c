"""The secretariat's commands: the digest (/tonghop, /digest, "ai chưa báo cáo?") and the
consolidated report (/baocao).

Only the secretariat (and admins) and the focal points of the consolidating unit (Sở KH&ĐT) may
see them; everyone else gets a refusal in their language. The chat router calls these functions
with the registered user (or ``None``), a translator and the round the person typed, if any.

The same digests sent on schedule are :mod:`scheduler.digests`; the replies both send are
:mod:`bot.reports.replies`.

The secretariat's shorthand is answered here too, with the same rights as the digest:
"đơn vị nào quá hạn" (:func:`overdue_replies`), "việc nào đang vướng" (:func:`blocked_replies`),
"2.8 đến đâu rồi" (:func:`task_across_units`), "tình hình Sở Y tế" (:func:`unit_status_replies`),
and "nhiệm vụ của tôi" asked by the secretariat (:func:`tasks_hint`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.bootstrap import Services
from bot.digest import (
    Digest,
    build_digest,
    can_see_digest,
    default_round,
    parse_round,
    record_snapshot,
)
from bot.i18n import Translator
from bot.messages import Reply
from bot.models import User
from bot.overview import build_overview
from bot.plan import Plan
from bot.reports import (
    render_text,
)
from bot.reports.labels import bucket_label, role_label, status_label
from bot.reports.replies import TEXT_LIMIT, audience_of, digest_with_chart, report_attachment
from bot.reports.text import render_overview
from bot.sent import unknown_reminders_note
from bot.text import split_text
from handlers import plans
from scheduler.calendar import Round, UnknownPeriod, deadline_text, not_owed_text

__all__ = [
    "blocked_replies",
    "digest_replies",
    "overdue_replies",
    "report_replies",
    "resolve_round",
    "task_across_units",
    "tasks_hint",
    "unit_status_replies",
]


def resolve_round(
    services: Services, t: Translator, period: str | None, plan: Plan | None = None
) -> Round | str:
    """The round asked for (default: the current one), or a message saying why there is none."""
    calendar = services.calendar_of(plan) if plan is not None else services.calendar
    if period is None or not period.strip():
        return default_round(calendar, services.clock.now())
    try:
        asked = parse_round(calendar, period)
    except UnknownPeriod:
        if calendar.months != (3, 6, 9, 12):
            year = services.clock.now().year
            examples = ", ".join(r.label(t) for r in calendar.rounds(year)[:3])
            return t.gettext(
                "There is no reporting round «{period}» in this plan. Its rounds are like: "
                "{examples}."
            ).format(period=period.strip(), examples=examples)
        return t.gettext(
            "There is no reporting round «{period}». Write it like 2021-Q1, 2021-H1 (6 months), "
            "2021-Q3 or 2021-Y (the year)."
        ).format(period=period.strip())
    return not_owed_text(t, calendar, asked) or asked


def _refusal(t: Translator, user: User | None) -> list[Reply]:
    if user is None:
        return [
            Reply(
                t.gettext(
                    "Only registered secretariat staff and the consolidating unit can see the "
                    "digest. Please register with your invitation code first."
                )
            )
        ]
    return [
        Reply(
            t.gettext(
                "Sorry, the digest and the consolidated report are only for the secretariat and "
                "the consolidating unit."
            )
        )
    ]


def digest_replies(
    services: Services,
    user: User | None,
    t: Translator,
    period: str | None,
    missing_only: bool,
    plan: Plan | None = None,
) -> list[Reply]:
    """/tonghop [round] (or "ai chưa báo cáo?" with ``missing_only``); ``plan``: one plan's
    ("/tonghop kh38"). With several plans and none named, the overview across plans."""
    if plan is None and plans.several(services):
        if not missing_only:
            return overview_replies(services, user, t, hint=True)
        visible = [e for e in plans.followed(services) if can_see_digest(e.plan, user)]
        if not visible:
            return _refusal(t, user)
        # "ai chưa báo cáo": each plan's list, newest plan first, in that plan's round
        return [
            reply
            for entry in visible
            for reply in digest_replies(services, user, t, None, True, plan=entry.plan)
        ]
    plan = plan if plan is not None else services.plan
    if not can_see_digest(plan, user):
        return _refusal(t, user)
    assert user is not None
    target = resolve_round(services, t, period, plan)
    if isinstance(target, str):
        return [Reply(target)]
    audience = audience_of(user)
    with services.db.session() as session:
        digest = build_digest(session, plan, target, services.clock.now(), audience=audience)
    context = {"kind": "digest", "period": target.id}
    if plans.several(services):
        context["plan"] = plan.info.id
    if missing_only:
        text = render_text(digest, t, missing_only=True)
        if plans.several(services):
            entry = plans.Followed(plan, plans.code_of(services, plan))
            text = plans.heading(t, entry) + "\n" + text
        return [Reply(text=piece, context=context) for piece in split_text(text, TEXT_LIMIT)]
    replies = digest_with_chart(digest, t, context)
    record_snapshot(services.db, digest)
    note = unknown_reminders_note(services.db, target.id, t.gettext)
    if note is not None:  # reminders the ledger could not confirm (bot/sent.py)
        replies.append(Reply(text=note, context=context))
    return replies


def report_replies(
    services: Services,
    user: User | None,
    t: Translator,
    period: str | None,
    plan: Plan | None = None,
) -> list[Reply]:
    """/baocao [round]: the .docx draft of the consolidated report (of ``plan``; with several
    plans and none named, the person is asked to name one)."""
    if plan is None and plans.several(services):
        if not any(can_see_digest(entry.plan, user) for entry in plans.followed(services)):
            return _refusal(t, user)
        return [Reply(_name_a_plan(services, t, "/baocao"))]
    plan = plan if plan is not None else services.plan
    if not can_see_digest(plan, user):
        return _refusal(t, user)
    target = resolve_round(services, t, period, plan)
    if isinstance(target, str):
        return [Reply(target)]
    with services.db.session() as session:
        digest = build_digest(session, plan, target, services.clock.now())
    text = t.gettext(
        "Draft consolidated report for {round} ({reported}/{total} units reported). "
        "Fill in the number, the proposals and the signature before sending."
    ).format(
        round=target.label(t),
        reported=digest.count("on_time") + digest.count("late"),
        total=digest.total,
    )
    return [
        Reply(
            text=text,
            attachment=report_attachment(digest, t),
            context={"kind": "report", "period": target.id},
        )
    ]


# --------------------------------------------------------------------------- shorthand questions


def each_plan(
    services: Services,
    user: User | None,
    t: Translator,
    answer: Callable[[Plan | None], list[Reply]],
    plan: Plan | None = None,
    having: Callable[[Plan], bool] | None = None,
) -> list[Reply]:
    """The secretariat's shorthand for one plan (named, or the only one), or with several plans
    for each plan the person may see (that ``having`` keeps), newest first, each headed by it."""
    if plan is not None or not plans.several(services):
        return answer(plan)
    entries = [
        entry
        for entry in plans.followed(services)
        if can_see_digest(entry.plan, user) and (having is None or having(entry.plan))
    ]
    if not entries:
        return answer(None)
    replies: list[Reply] = []
    for entry in entries:
        for index, reply in enumerate(answer(entry.plan)):
            if index == 0:
                reply = replace(reply, text=plans.heading(t, entry) + "\n" + reply.text)
            replies.append(reply)
    return replies


def _name_a_plan(services: Services, t: Translator, command: str) -> str:
    codes = [entry.code for entry in plans.followed(services)]
    return t.gettext(
        "Several plans are followed; name one after {command}, e.g. {example}. Plans: {codes}."
    ).format(command=command, example=f"{command} {codes[0]}", codes=", ".join(codes))


def overview_replies(
    services: Services, user: User | None, t: Translator, *, hint: bool = False
) -> list[Reply]:
    """ "tổng hợp tất cả kế hoạch": the overview across plans (bot.overview), each plan in its
    own current round with its units not reported and its blocked items."""
    _ = t.gettext
    visible = {entry.id for entry in plans.followed(services) if can_see_digest(entry.plan, user)}
    if not visible:
        return _refusal(t, user)
    with services.db.session() as session:
        overview = build_overview(session, services.plans, services.clock.now())
    shown = replace(
        overview, plans=tuple(p for p in overview.plans if p.digest.plan.info.id in visible)
    )
    text = render_overview(shown, t)
    if hint or len(shown.plans) > 1:
        text += "\n\n" + _("One plan's digest: /tonghop {code}.").format(code=shown.plans[0].code)
    context = {"kind": "overview", "plans": [p.digest.plan.info.id for p in shown.plans]}
    return [Reply(piece, context=context) for piece in split_text(text, TEXT_LIMIT)]


def _visible_digest(
    services: Services, user: User | None, t: Translator, plan: Plan | None = None
) -> Digest | list[Reply]:
    plan = plan if plan is not None else services.plan
    if not can_see_digest(plan, user):
        return _refusal(t, user)
    target = resolve_round(services, t, None, plan)
    assert not isinstance(target, str)
    with services.db.session() as session:
        return build_digest(session, plan, target, services.clock.now())


def overdue_replies(
    services: Services, user: User | None, t: Translator, plan: Plan | None = None
) -> list[Reply]:
    """ "đơn vị nào quá hạn": the units past the deadline without their report."""
    digest = _visible_digest(services, user, t, plan)
    if isinstance(digest, list):
        return digest
    _ = t.gettext
    overdue = digest.units_in("overdue")
    head = _("Overdue units — {round} (deadline {deadline}):").format(
        round=digest.round.label(t), deadline=deadline_text(t, digest.round.due)
    )
    if not overdue:
        pending = digest.units_in("pending")
        if pending and services.clock.now() < digest.round.deadline:
            text = _(
                "No unit is overdue for {round}: the deadline has not passed yet "
                "({count} units still to report)."
            ).format(round=digest.round.label(t), count=len(pending))
        else:
            text = _("No unit is overdue for {round}.").format(round=digest.round.label(t))
        return [Reply(text, context={"kind": "digest", "period": digest.round.id})]
    lines = [head]
    lines += [f"• {unit.name}: {_missing_text(digest, unit.missing, t)}" for unit in overdue]
    return [
        Reply(piece, context={"kind": "digest", "period": digest.round.id})
        for piece in split_text("\n".join(lines), TEXT_LIMIT)
    ]


def _missing_text(digest: Digest, missing: tuple[str, ...], t: Translator) -> str:
    _ = t.gettext
    parts = [_("general tasks") if key == "general" else key for key in missing]
    return _("missing {items}").format(items=", ".join(parts))


def blocked_replies(
    services: Services, user: User | None, t: Translator, plan: Plan | None = None
) -> list[Reply]:
    """ "việc nào đang vướng": the items some unit reports blocked, with what it said."""
    digest = _visible_digest(services, user, t, plan)
    if isinstance(digest, list):
        return digest
    _ = t.gettext
    blocked = digest.blocked_items
    context = {"kind": "digest", "period": digest.round.id}
    if not blocked:
        return [
            Reply(
                _("No task is reported blocked for {round}.").format(round=digest.round.label(t)),
                context=context,
            )
        ]
    lines = [_("Blocked tasks — {round}:").format(round=digest.round.label(t))]
    for item in blocked:
        lines.append(f"• {item.task_id}: {_cut(item.title, 100)}")
        for update in item.blocking:
            lines.append(f"  – {update.short_name}: «{_cut(update.text, 200)}»")
    return [Reply(piece, context=context) for piece in split_text("\n".join(lines), TEXT_LIMIT)]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def task_across_units(
    services: Services, user: User | None, t: Translator, task_ref: str, plan: Plan | None = None
) -> list[Reply]:
    """ "2.8 đến đâu rồi" (secretariat): one task and its items, unit by unit."""
    digest = _visible_digest(services, user, t, plan)
    if isinstance(digest, list):
        return digest
    _ = t.gettext
    items = [
        item
        for item in digest.items_in_plan_order
        if item.task_id == task_ref or item.task_id.startswith(task_ref + ".")
    ]
    if not items:
        return [Reply(_("There is no task {task} in the plan.").format(task=task_ref))]
    lines = [_("Task {task} — {round}:").format(task=task_ref, round=digest.round.label(t))]
    for item in items:
        lines.append(f"• {item.task_id} [{status_label(t, item.status)}]: {_cut(item.title, 100)}")
        units = {update.agency_id: update for update in item.updates}
        for agency_id in (*item.lead_units, *item.coordinate_units):
            update = units.pop(agency_id, None)
            name = digest.plan.agency(agency_id).short_name
            role = role_label(t, "lead" if agency_id in item.lead_units else "coordinate")
            if update is None:
                if agency_id in item.lead_units:
                    lines.append(f"  – {name} ({role}): {status_label(t, 'no_report')}")
                continue
            status = status_label(t, update.status)
            if update.percent is not None:
                status += f" ({update.percent}%)"
            lines.append(f"  – {name} ({role}): {status} «{_cut(update.text, 160)}»")
        for update in units.values():
            lines.append(
                f"  – {update.short_name}: {status_label(t, update.status)} "
                f"«{_cut(update.text, 160)}»"
            )
    context = {"kind": "digest", "period": digest.round.id}
    return [Reply(piece, context=context) for piece in split_text("\n".join(lines), TEXT_LIMIT)]


def unit_status_replies(
    services: Services,
    user: User | None,
    t: Translator,
    unit_text: str,
    plan: Plan | None = None,
) -> list[Reply]:
    """ "tình hình Sở Y tế" (secretariat): one unit's round, matched through bot/agencies.py."""
    _ = t.gettext
    if not can_see_digest(plan if plan is not None else services.plan, user):
        return _refusal(t, user)
    agency = services.agencies.find(unit_text)
    if agency is None:
        suggestions = services.agencies.suggest(unit_text)
        if suggestions:
            return [
                Reply(
                    _("I do not know the unit «{unit}». Did you mean: {names}?").format(
                        unit=unit_text.strip(), names=", ".join(a.name for a in suggestions)
                    )
                )
            ]
        return [Reply(_("I do not know the unit «{unit}».").format(unit=unit_text.strip()))]
    digest = _visible_digest(services, user, t, plan)
    if isinstance(digest, list):
        return digest
    try:
        line = digest.unit(agency.id)
    except KeyError:
        return [Reply(_("{unit} does not report under the plan.").format(unit=agency.name))]
    lines = [
        _("{unit} — {round}: {bucket}.").format(
            unit=agency.name, round=digest.round.label(t), bucket=bucket_label(t, line.bucket)
        )
    ]
    if line.missing:
        lines.append(_missing_text(digest, line.missing, t).capitalize() + ".")
    for item in digest.items_in_plan_order:
        for update in item.updates:
            if update.agency_id != agency.id:
                continue
            status = status_label(t, update.status)
            if update.percent is not None:
                status += f" ({update.percent}%)"
            lines.append(f"• {item.task_id}: {status} «{_cut(update.text, 160)}»")
    context = {"kind": "digest", "period": digest.round.id}
    return [Reply(piece, context=context) for piece in split_text("\n".join(lines), TEXT_LIMIT)]


def tasks_hint(t: Translator) -> list[Reply]:
    """The secretariat asking "nhiệm vụ của tôi": what it can ask instead."""
    _ = t.gettext
    lines = [
        _("The secretariat follows up every unit rather than tasks of its own. You can ask:"),
        _('• "tổng hợp" or /tonghop: the digest of the round;'),
        _('• "ds chưa bc", "đơn vị nào quá hạn": who has not reported, who is overdue;'),
        _('• "việc nào đang vướng": the tasks reported blocked;'),
        _('• "2.8 đến đâu rồi": one task across its units;'),
        _('• "tình hình Sở Y tế": one unit;'),
        _("• /baocao: the draft consolidated report (.docx)."),
    ]
    return [Reply("\n".join(lines))]
