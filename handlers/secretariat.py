"""The secretariat's commands: the digest (/tonghop, /digest, "ai chưa báo cáo?") and the
consolidated report (/baocao); and the same sent on schedule.

Only the secretariat (and admins) and the focal points of the consolidating unit (Sở KH&ĐT) may
see them; everyone else gets a refusal in their language. The chat router calls these functions
with the registered user (or ``None``), a translator and the round the person typed, if any.

Scheduled sending goes through the extension points of :class:`scheduler.runner.SchedulerRunner`
(:func:`install_scheduled` adds both):

- extras: the digest (chart and text) follows the secretariat's ``overdue`` list; the digest and
  the .docx draft follow every ``before-consolidation`` reminder to the consolidating unit;
- a contributor: the weekly digest (``digest_weekly``, on ``digest_weekday`` at ``digest_time``,
  only in a reporting month), one message per chat of those allowed to see it, through the same
  ledger; its chart follows as an extra.

"What changed since the last digest" is kept per chat (``chat:<channel>:<chat id>``).

The secretariat's shorthand is answered here too, with the same rights as the digest:
"đơn vị nào quá hạn" (:func:`overdue_replies`), "việc nào đang vướng" (:func:`blocked_replies`),
"2.8 đến đâu rồi" (:func:`task_across_units`), "tình hình Sở Y tế" (:func:`unit_status_replies`),
and "nhiệm vụ của tôi" asked by the secretariat (:func:`tasks_hint`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.bootstrap import Services
from bot.digest import (
    Digest,
    build_digest,
    can_see_digest,
    consolidator_ids,
    default_round,
    parse_round,
    record_snapshot,
)
from bot.i18n import Translator, translator
from bot.messages import Attachment, Reply
from bot.models import User
from bot.registration import active_users
from bot.reports import (
    DOCX_MIME,
    PNG_MIME,
    render_chart_png,
    render_docx,
    render_headline,
    render_text,
)
from bot.reports.labels import bucket_label, role_label, status_label
from bot.sent import unknown_reminders_note
from bot.text import split_text
from scheduler.calendar import Round, UnknownPeriod, deadline_text
from scheduler.reminders import OwedMessage

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "WEEKLY_KIND",
    "audience_of",
    "blocked_replies",
    "digest_replies",
    "digest_with_chart",
    "install_scheduled",
    "overdue_replies",
    "report_attachment",
    "report_replies",
    "resolve_round",
    "scheduled_extras",
    "task_across_units",
    "tasks_hint",
    "unit_status_replies",
    "weekly_digests",
    "weekly_instant",
]

CAPTION_LIMIT = 1024  # Telegram photo caption
TEXT_LIMIT = 4000  # below Telegram's 4096; a channel with a lower limit splits further


WEEKLY_KIND = "weekly-digest"


def chat_audience(channel: str, chat_id: str) -> str:
    return f"chat:{channel}:{chat_id}"


def audience_of(user: User) -> str:
    """The snapshot audience of a person's chat: "what changed since the last digest I saw"."""
    return chat_audience(user.channel, user.chat_id)


def resolve_round(services: Services, t: Translator, period: str | None) -> Round | str:
    """The round asked for (default: the current one), or a message saying why there is none."""
    calendar = services.calendar
    if period is None or not period.strip():
        return default_round(calendar, services.clock.now())
    try:
        return parse_round(calendar, period)
    except UnknownPeriod:
        return t.gettext(
            "There is no reporting round «{period}». Write it like 2021-Q1, 2021-H1 (6 months), "
            "2021-Q3 or 2021-Y (the year)."
        ).format(period=period.strip())


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


def digest_with_chart(digest: Digest, t: Translator, context: dict[str, str]) -> list[Reply]:
    """The chart as a photo with the digest text as caption if it fits, else photo then text."""
    text = render_text(digest, t)
    photo = Attachment(
        filename=f"tong-hop-{digest.round.id}.png",
        content=render_chart_png(digest, t),
        mime_type=PNG_MIME,
        kind="photo",
    )
    if len(text) <= CAPTION_LIMIT:
        return [Reply(text=text, attachment=photo, context=context)]
    headline = render_headline(digest, t)
    caption = headline if len(headline) <= CAPTION_LIMIT else digest.round.label(t)
    replies = [Reply(text=caption, attachment=photo, context=context)]
    replies += [Reply(text=piece, context=context) for piece in split_text(text, TEXT_LIMIT)]
    return replies


def digest_replies(
    services: Services,
    user: User | None,
    t: Translator,
    period: str | None,
    missing_only: bool,
) -> list[Reply]:
    """/tonghop [round] (or "ai chưa báo cáo?" with ``missing_only``)."""
    if not can_see_digest(services.plan, user):
        return _refusal(t, user)
    assert user is not None
    target = resolve_round(services, t, period)
    if isinstance(target, str):
        return [Reply(target)]
    audience = audience_of(user)
    with services.db.session() as session:
        digest = build_digest(
            session, services.plan, target, services.clock.now(), audience=audience
        )
    context = {"kind": "digest", "period": target.id}
    if missing_only:
        text = render_text(digest, t, missing_only=True)
        return [Reply(text=piece, context=context) for piece in split_text(text, TEXT_LIMIT)]
    replies = digest_with_chart(digest, t, context)
    record_snapshot(services.db, digest)
    note = unknown_reminders_note(services.db, target.id, t.gettext)
    if note is not None:  # reminders the ledger could not confirm (bot/sent.py)
        replies.append(Reply(text=note, context=context))
    return replies


def report_attachment(digest: Digest, t: Translator) -> Attachment:
    """The consolidated report draft as a .docx attachment."""
    return Attachment(
        filename=f"bao-cao-{digest.round.id}.docx",
        content=render_docx(digest, t),
        mime_type=DOCX_MIME,
        kind="document",
    )


def report_replies(
    services: Services, user: User | None, t: Translator, period: str | None
) -> list[Reply]:
    """/baocao [round]: the .docx draft of the consolidated report."""
    if not can_see_digest(services.plan, user):
        return _refusal(t, user)
    target = resolve_round(services, t, period)
    if isinstance(target, str):
        return [Reply(target)]
    with services.db.session() as session:
        digest = build_digest(session, services.plan, target, services.clock.now())
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


# --------------------------------------------------------------------------- scheduled sending


class _Runner(Protocol):
    """What :func:`install_scheduled` needs of ``scheduler.runner.SchedulerRunner``."""

    services: Services

    def add_extras(self, extras: Callable[[OwedMessage], Sequence[Attachment | Reply]]) -> None: ...

    def add_contributor(self, contributor: Callable[[datetime], Sequence[OwedMessage]]) -> None: ...


def install_scheduled(runner: _Runner) -> None:
    """Attach the digest and the report to the reminders, and add the weekly digest."""
    runner.add_extras(partial(scheduled_extras, runner.services))
    if runner.services.settings.digest_weekly:
        runner.add_contributor(partial(weekly_digests, runner.services))


def _chat_digest(services: Services, message: OwedMessage, round_: Round) -> Digest:
    with services.db.session() as session:
        return build_digest(
            session,
            services.plan,
            round_,
            services.clock.now(),
            audience=chat_audience(message.channel, message.chat_id),
        )


def scheduled_extras(services: Services, message: OwedMessage) -> list[Attachment | Reply]:
    """What follows a scheduled message that went out (an extra of the runner)."""
    round_ = message.round
    if round_ is None:
        return []
    t = translator(message.locale)
    context = {"kind": "digest", "period": round_.id}
    if message.kind == WEEKLY_KIND:
        digest = _chat_digest(services, message, round_)
        photo = Attachment(
            filename=f"tong-hop-{round_.id}.png",
            content=render_chart_png(digest, t),
            mime_type=PNG_MIME,
            kind="photo",
        )
        record_snapshot(services.db, digest)
        return [Reply(text=digest.round.label(t), attachment=photo, context=context)]
    wanted = (message.kind, message.audience) in {
        ("overdue", "secretariat"),
        ("before-consolidation", "consolidator"),
    }
    if not wanted:
        return []
    digest = _chat_digest(services, message, round_)
    extras: list[Attachment | Reply] = list(digest_with_chart(digest, t, context))
    if message.kind == "before-consolidation":
        extras.append(
            Reply(
                text=t.gettext(
                    "Draft consolidated report for {round}: fill in the number, the proposals "
                    "and the signature before sending."
                ).format(round=round_.label(t)),
                attachment=report_attachment(digest, t),
                context={"kind": "report", "period": round_.id},
            )
        )
    record_snapshot(services.db, digest)
    return extras


def weekly_instant(services: Services, now: datetime) -> datetime | None:
    """The latest weekly digest moment at or before ``now`` still worth sending, if any.

    On ``digest_weekday`` at ``digest_time`` (local), in a month with a reporting round; it
    stays owed until the end of that day (after downtime the next tick catches up, later not).
    """
    settings = services.settings
    tz = settings.tz
    local = now.astimezone(tz)
    back = (local.weekday() - settings.digest_weekday) % 7
    day = local.date() - timedelta(days=back)
    instant = datetime.combine(day, settings.digest_time, tzinfo=tz)
    if instant > local:
        return None  # this week's moment is later today; last week's is no longer relevant
    if back != 0:
        return None
    if day.month not in services.calendar.months:
        return None
    return instant


def _weekly_recipients(services: Services) -> list[User]:
    with services.db.session() as session:
        users = active_users(session)  # never planbot shell's (bot/registration.py)
    return [user for user in users if can_see_digest(services.plan, user)]


def weekly_digests(services: Services, now: datetime) -> list[OwedMessage]:
    """The weekly digest owed at ``now``: one message per chat allowed to see it."""
    instant = weekly_instant(services, now)
    if instant is None:
        return []
    round_ = default_round(services.calendar, instant)
    consolidating = set(consolidator_ids(services.plan))
    messages: dict[tuple[str, str], OwedMessage] = {}
    digests: dict[str, Digest] = {}
    for user in _weekly_recipients(services):
        key = (user.channel, user.chat_id)
        if key in messages:
            continue
        locale = user.language or services.settings.locale
        t = translator(locale)
        audience = chat_audience(user.channel, user.chat_id)
        if audience not in digests:
            with services.db.session() as session:
                digests[audience] = build_digest(
                    session, services.plan, round_, now, audience=audience
                )
        text = render_text(digests[audience], t)  # whole: the channel splits a long text
        messages[key] = OwedMessage(
            channel=user.channel,
            chat_id=user.chat_id,
            period=round_.id,
            kind=WEEKLY_KIND,
            instant=instant,
            reply=Reply(text=text, context={"kind": "digest", "period": round_.id}),
            audience="consolidator" if user.agency_id in consolidating else "secretariat",
            agency_ids=(),
            locale=locale,
            round=round_,
        )
    return list(messages.values())


# --------------------------------------------------------------------------- shorthand questions


def _visible_digest(services: Services, user: User | None, t: Translator) -> Digest | list[Reply]:
    if not can_see_digest(services.plan, user):
        return _refusal(t, user)
    target = resolve_round(services, t, None)
    assert not isinstance(target, str)
    with services.db.session() as session:
        return build_digest(session, services.plan, target, services.clock.now())


def overdue_replies(services: Services, user: User | None, t: Translator) -> list[Reply]:
    """ "đơn vị nào quá hạn": the units past the deadline without their report."""
    digest = _visible_digest(services, user, t)
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


def blocked_replies(services: Services, user: User | None, t: Translator) -> list[Reply]:
    """ "việc nào đang vướng": the items some unit reports blocked, with what it said."""
    digest = _visible_digest(services, user, t)
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
    services: Services, user: User | None, t: Translator, task_ref: str
) -> list[Reply]:
    """ "2.8 đến đâu rồi" (secretariat): one task and its items, unit by unit."""
    digest = _visible_digest(services, user, t)
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
    services: Services, user: User | None, t: Translator, unit_text: str
) -> list[Reply]:
    """ "tình hình Sở Y tế" (secretariat): one unit's round, matched through bot/agencies.py."""
    _ = t.gettext
    if not can_see_digest(services.plan, user):
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
    digest = _visible_digest(services, user, t)
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
