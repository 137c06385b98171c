"""The digests sent on schedule, through the extension points of
:class:`scheduler.runner.SchedulerRunner` (:func:`install_scheduled` adds both):

- extras: the digest (chart and text) follows the secretariat's ``overdue`` list; the digest and
  the .docx draft follow every ``before-consolidation`` reminder to the consolidating unit;
- a contributor: the weekly digest (``digest_weekly``, on ``digest_weekday`` at ``digest_time``,
  only in a reporting month), one message per chat of those allowed to see it, through the same
  ledger; its chart follows as an extra.

The replies are the ones a person asking gets (:mod:`bot.reports.replies`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
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
    record_snapshot,
)
from bot.i18n import translator
from bot.messages import Attachment, Reply
from bot.models import User
from bot.overview import build_overview
from bot.plan import Plan
from bot.registration import active_users
from bot.reports import PNG_MIME, render_chart_png, render_text
from bot.reports.replies import chat_audience, digest_with_chart, report_attachment
from bot.reports.text import render_overview
from scheduler.calendar import Round
from scheduler.reminders import OwedMessage

__all__ = [
    "WEEKLY_KIND",
    "install_scheduled",
    "scheduled_extras",
    "weekly_digests",
    "weekly_instant",
]

WEEKLY_KIND = "weekly-digest"


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


def _chat_digest(
    services: Services, message: OwedMessage, round_: Round, plan: Plan | None = None
) -> Digest:
    with services.db.session() as session:
        return build_digest(
            session,
            plan or services.plan,
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
    extras: list[Attachment | Reply] = []
    for plan, plan_round in _plans_of(services, message, round_):
        # A message merged across plans: each plan's digest (and draft) for its own round.
        digest = _chat_digest(services, message, plan_round, plan)
        context = {"kind": "digest", "period": plan_round.id}
        if len(services.plans) > 1:
            context["plan"] = plan.info.id
            digest = replace(digest, plan_code=services.plans.code(plan.info.id))
        extras.extend(digest_with_chart(digest, t, context))
        if message.kind == "before-consolidation":
            extras.append(
                Reply(
                    text=t.gettext(
                        "Draft consolidated report for {round}: fill in the number, the "
                        "proposals and the signature before sending."
                    ).format(round=plan_round.label(t)),
                    attachment=report_attachment(digest, t),
                    context={**context, "kind": "report"},
                )
            )
        record_snapshot(services.db, digest)
    return extras


def _plans_of(services: Services, message: OwedMessage, round_: Round) -> list[tuple[Plan, Round]]:
    """The plans a scheduled message is about, each with its round (the plan loaded for a
    message that names none)."""
    found = [
        (services.plans[plan_id], plan_round)
        for plan_id, plan_round in message.rounds
        if plan_id in services.plans
    ]
    return found or [(services.plan, round_)]


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
    plans = services.plans
    if all(day.month not in plans.calendar(plan.info.id).months for plan in plans.plans):
        return None  # no plan has a reporting round this month
    return instant


def _weekly_recipients(services: Services) -> list[User]:
    with services.db.session() as session:
        users = active_users(session)  # never planbot shell's (bot/registration.py)
    return [user for user in users if can_see_digest(services.plan, user)]


def weekly_digests(services: Services, now: datetime) -> list[OwedMessage]:
    """The weekly digest owed at ``now``: one message per chat allowed to see it (with several
    plans, the overview of the plans it may see)."""
    instant = weekly_instant(services, now)
    if instant is None:
        return []
    if len(services.plans) > 1:
        return _weekly_overviews(services, now, instant)
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


OVERVIEW_PERIOD = "all-plans"


def _weekly_overviews(services: Services, now: datetime, instant: datetime) -> list[OwedMessage]:
    """One overview per chat, of the plans whose digest its user may see."""
    with services.db.session() as session:
        users = active_users(session)
        overview = build_overview(session, services.plans, now)
    messages: dict[tuple[str, str], OwedMessage] = {}
    for user in users:
        key = (user.channel, user.chat_id)
        visible = [p for p in overview.plans if can_see_digest(p.digest.plan, user)]
        if key in messages or not visible:
            continue
        locale = user.language or services.settings.locale
        shown = replace(overview, plans=tuple(visible))
        consolidating = any(user.agency_id in consolidator_ids(p.digest.plan) for p in visible)
        messages[key] = OwedMessage(
            channel=user.channel,
            chat_id=user.chat_id,
            period=OVERVIEW_PERIOD,
            kind=WEEKLY_KIND,
            instant=instant,
            reply=Reply(
                text=render_overview(shown, translator(locale)),
                context={"kind": "overview", "plans": [p.digest.plan.info.id for p in visible]},
            ),
            audience="consolidator" if consolidating else "secretariat",
            agency_ids=(),
            locale=locale,
        )
    return list(messages.values())
