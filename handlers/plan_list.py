"""Which plans are followed, and which concern me ("kế hoạch nào đang theo dõi?", "danh sách kế
hoạch", "có mấy kế hoạch", "tôi phải báo cáo những kế hoạch nào").

A focal point is told each followed plan its unit has work in (newest first): its code in
brackets and title, its reporting rule in words, and what the unit still owes in it (the round,
its deadline, the tasks); then the followed plans that concern the unit not at all, by code; then
how to ask for one plan's tasks. The secretariat is told every followed plan, with its tasks and
reporting units counted, and how to ask for one plan's digest. A plan named in the message
("zika là kế hoạch gì") narrows the answer to it. Nothing is written.
"""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Reply
from bot.plans import rule_summary
from handlers import ask, plans
from handlers.tasks import missing_text
from handlers.turn import Turn

__all__ = ["plan_list"]


def plan_list(turn: Turn, secretariat: bool) -> list[Reply]:
    """The followed plans as this user sees them (see the module docstring)."""
    _ = turn.t.gettext
    services = turn.services
    every = plans.followed(services)
    scope = turn.scope
    if scope is not None:  # "zika là kế hoạch gì": that plan only
        every = tuple(entry for entry in every if entry.id == scope.info.id)
    if not every:
        return [Reply(_("No plan is followed yet."))]
    agency_id = turn.agency_id
    if secretariat or agency_id is None:
        return [_secretariat_list(turn, every)]
    having = {entry.id for entry in plans.plans_for(services, agency_id)}
    mine = [entry for entry in every if entry.id in having]
    others = [entry for entry in every if entry.id not in having]
    agency = services.agencies.get(agency_id)
    name = agency.name if agency is not None else agency_id
    lines = [
        _("Plans followed: {count}; {agency} has work in {mine} of them:").format(
            count=len(every), agency=name, mine=len(mine)
        )
    ]
    if scope is not None:
        lines = []
    for entry in mine:
        if lines:
            lines.append("")
        lines.append(plans.heading(turn.t, entry))
        lines.append("  " + _("Reporting: {rule}.").format(rule=rule_summary(entry.plan, turn.t)))
        lines.append("  " + _owed_line(replace(turn, scope=entry.plan), name))
    if others:
        lines.append("")
        lines.append(
            _("Also followed, with no task of {agency}: {codes}.").format(
                agency=name, codes=", ".join(f"[{entry.code}]" for entry in others)
            )
        )
    example = (mine or list(every))[0].code
    lines.append("")
    lines.append(
        _('To see one plan\'s tasks, type e.g. "{code} nhiệm vụ" or /nhiemvu {code}.').format(
            code=example
        )
    )
    return [Reply("\n".join(lines), context={"kind": "plan_list"})]


def _owed_line(turn: Turn, agency: str) -> str:
    """What the unit still owes in the turn's plan: the round, its deadline and the tasks."""
    _ = turn.t.gettext
    round_, progress = ask.owing(turn)
    if progress.missing:
        return _("{agency} still owes for {round} ({due}): {items}.").format(
            agency=agency,
            round=round_.label(turn.t),
            due=ask.due_text(turn, round_),
            items=missing_text(turn, progress),
        )
    upcoming = turn.calendar.next_due(turn.now)
    return _("{agency} owes nothing for {round}; next report: {next}, {due}.").format(
        agency=agency,
        round=round_.label(turn.t),
        next=upcoming.label(turn.t),
        due=ask.due_text(turn, upcoming),
    )


def _secretariat_list(turn: Turn, every: tuple[plans.Followed, ...]) -> Reply:
    _ = turn.t.gettext
    header = _("Plans followed: {count}.").format(count=len(every))
    lines = [] if turn.scope is not None else [header]
    for entry in every:
        plan = entry.plan
        if lines:
            lines.append("")
        lines.append(plans.heading(turn.t, entry))
        lines.append("  " + _("Reporting: {rule}.").format(rule=rule_summary(plan, turn.t)))
        lines.append(
            "  "
            + _("{tasks} tasks, {units} reporting units.").format(
                tasks=len(plan.tasks), units=len(plan.reporting_units())
            )
        )
    lines.append("")
    lines.append(_("For one plan's digest, type e.g. /tonghop {code}.").format(code=every[0].code))
    return Reply("\n".join(lines), context={"kind": "plan_list"})
