"""The digest as chat text (plain text with a few symbols; no markup)."""

from __future__ import annotations

from datetime import tzinfo

from bot.digest import Digest, ItemLine, UnitLine
from bot.i18n import Translator
from bot.overview import Overview, PlanOverview
from bot.progress import BUCKETS
from bot.reports.labels import (
    BUCKET_ICONS,
    bucket_label,
    missing_label,
    names,
    percent,
    role_label,
    status_label,
)
from bot.reports.titles import sentence_case
from scheduler.calendar import deadline_text

TITLE_WIDTH = 70
QUOTE_WIDTH = 160


def shorten(text: str, width: int) -> str:
    """One line of at most ``width`` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1].rsplit(" ", 1)[0]
    return cut + "…"


def render_headline(digest: Digest, t: Translator) -> str:
    """The first lines: round, deadline, and the four buckets with counts and percentages."""
    _ = t.gettext
    lines = [
        _("DIGEST OF REPORTS — {round}").format(round=digest.round.label(t)),
        *([plan_line(digest, t)] if digest.plan_code else []),
        _("Deadline for the units: {deadline}").format(deadline=deadline_text(t, digest.round.due)),
    ]
    if digest.round.consolidation_due is not None:
        lines[-1] += _("; consolidated report: {deadline}").format(
            deadline=deadline_text(t, digest.round.consolidation_due)
        )
    lines[-1] += "."
    lines.append(
        _("As of {moment}, {total} units:").format(
            moment=t.format_datetime(digest.generated_at, digest.tz), total=digest.total
        )
    )
    for bucket in BUCKETS:
        lines.append(
            f"{BUCKET_ICONS[bucket]} {bucket_label(t, bucket)}: {digest.count(bucket)} "
            f"({percent(t, digest.percent(bucket))})"
        )
    return "\n".join(lines)


def _unit_missing_line(digest: Digest, unit: UnitLine, t: Translator) -> str:
    _ = t.gettext
    return "• " + _("{unit} — owes {items}").format(
        unit=unit.short_name, items=missing_label(t, digest, unit.missing)
    )


def render_missing(digest: Digest, t: Translator) -> str:
    """Only the units that have not reported (the answer to "ai chưa báo cáo?")."""
    _ = t.gettext
    missing = digest.missing_units
    head = _("Units that have not reported — {round}").format(round=digest.round.label(t))
    if not missing:
        return head + "\n" + _("Every unit has reported.")
    overdue = digest.units_in("overdue")
    pending = digest.units_in("pending")
    lines = [head]
    if overdue:
        lines.append(
            f"{BUCKET_ICONS['overdue']} "
            + _("Overdue ({count}/{total}):").format(count=len(overdue), total=digest.total)
        )
        lines.extend(_unit_missing_line(digest, unit, t) for unit in overdue)
    if pending:
        lines.append(
            f"{BUCKET_ICONS['pending']} "
            + _("Not yet, deadline {deadline} ({count}/{total}):").format(
                deadline=deadline_text(t, digest.round.due),
                count=len(pending),
                total=digest.total,
            )
        )
        lines.extend(_unit_missing_line(digest, unit, t) for unit in pending)
    return "\n".join(lines)


def _item_units(digest: Digest, item: ItemLine, t: Translator) -> str:
    _ = t.gettext
    parts = []
    if item.leads:
        parts.append(_("lead: {units}").format(units=names(digest, item.leads)))
    if item.coordinators:
        parts.append(_("with: {units}").format(units=names(digest, item.coordinators)))
    return "; ".join(parts)


def _blocked_lines(digest: Digest, t: Translator) -> list[str]:
    _ = t.gettext
    blocked = digest.blocked_items
    if not blocked:
        return []
    lines = ["", "⛔ " + _("Blocked items ({count}):").format(count=len(blocked))]
    for item in blocked:
        lines.append(f"• {item.task_id} {shorten(item.title, TITLE_WIDTH)}")
        for update in item.blocking:
            lines.append(
                f"  – {update.short_name} ({role_label(t, update.role)}): "
                f"«{shorten(update.text, QUOTE_WIDTH)}»"
            )
    return lines


def _item_lines(digest: Digest, t: Translator) -> list[str]:
    _ = t.gettext
    lines = ["", _("Task items:")]
    general = digest.general_items
    if general:
        lines.append(
            "• "
            + _("General tasks {range}: {count}/{total} units have reported").format(
                range=digest.general_range,
                count=len(digest.general_reporters()),
                total=digest.total,
            )
        )
    for item in digest.items_in_plan_order:
        if item.general:
            continue
        head = f"• {item.task_id} [{status_label(t, item.status)}]"
        units = _item_units(digest, item, t)
        if units:
            head += f" ({units})"
        lines.append(head)
        statuses = [
            f"{update.short_name}: {status_label(t, update.status)}"
            + (f" ({update.percent}%)" if update.percent is not None else "")
            + (" ✎" if update.corrected else "")
            for update in item.updates
        ]
        if statuses:
            lines.append("  " + "; ".join(statuses))
    return lines


def _change_lines(digest: Digest, t: Translator) -> list[str]:
    _ = t.gettext
    changes = digest.changes
    if changes is None:
        return []
    lines = [
        "",
        _("Since the last digest ({moment}):").format(
            moment=t.format_datetime(changes.since, digest.tz)
        ),
    ]
    if changes.empty:
        lines.append("• " + _("nothing has changed."))
        return lines
    for change in changes.buckets:
        was = bucket_label(t, change.before, short=True) if change.before else "—"
        lines.append(f"• {change.short_name}: {was} → {bucket_label(t, change.after, short=True)}")
    if changes.new_updates:
        lines.append(
            "• "
            + _("New updates ({count}): {units}").format(
                count=len(changes.new_updates),
                units=", ".join(
                    f"{u.short_name} ({item})"
                    for u, item in (
                        (update, _task_of(digest, update.update_id))
                        for update in changes.new_updates
                    )
                ),
            )
        )
    for task_id, before, after in changes.items:
        lines.append(
            "• "
            + _("Item {task}: {before} → {after}").format(
                task=task_id,
                before=status_label(t, before or "no_report"),
                after=status_label(t, after),
            )
        )
    return lines


def _task_of(digest: Digest, update_id: int) -> str:
    for item in digest.items:
        if any(update.update_id == update_id for update in item.updates):
            return item.task_id
    return "?"


def _late_unit(unit: UnitLine, t: Translator) -> str:
    """ "Sở Y tế (muộn 1 ngày)": how late, counted like every confirmation counts it."""
    if unit.days_late == 1:
        template = t.gettext("{unit} (1 day late)")
    else:
        template = t.gettext("{unit} ({days} days late)")
    return template.format(unit=unit.short_name, days=unit.days_late)


def render_text(digest: Digest, t: Translator, *, missing_only: bool = False) -> str:
    """The digest for a chat: buckets, who has not reported, blocked items, items, changes."""
    if missing_only:
        return render_missing(digest, t)
    _ = t.gettext
    lines = [render_headline(digest, t)]
    late = digest.units_in("late")
    if late:
        lines += [
            "",
            _("Reported late: {units}").format(units=", ".join(_late_unit(u, t) for u in late)),
        ]
    if digest.missing_units:
        lines += ["", render_missing(digest, t)]
    lines += _blocked_lines(digest, t)
    lines += _item_lines(digest, t)
    lines += _change_lines(digest, t)
    return "\n".join(lines)


# --------------------------------------------------------------------------- several plans


def plan_line(digest: Digest, t: Translator) -> str:
    """ "Kế hoạch kh12: Kế hoạch thực hiện chuyển đổi số…" (when several plans are followed)."""
    return t.gettext("Plan {code}: {title}").format(code=digest.plan_code, title=plan_title(digest))


def plan_title(digest: Digest) -> str:
    """The plan's title in sentence case, on one short line."""
    return shorten(sentence_case(digest.plan.info.title, digest.plan), TITLE_WIDTH)


def render_overview(overview: Overview, t: Translator) -> str:
    """Every plan followed: its round and deadline, who has not reported, what is blocked."""
    _ = t.gettext
    lines = [
        _("OVERVIEW OF ALL PLANS — {moment}, {count} plans").format(
            moment=t.format_datetime(overview.generated_at, _tz(overview)),
            count=len(overview.plans),
        )
    ]
    for plan in overview.plans:
        lines += ["", *_plan_overview_lines(plan, t)]
    return "\n".join(lines)


def _tz(overview: Overview) -> tzinfo | None:
    return overview.plans[0].digest.tz if overview.plans else None


def _plan_overview_lines(plan: PlanOverview, t: Translator) -> list[str]:
    _ = t.gettext
    digest = plan.digest
    lines = [
        f"■ {plan.code} — {plan_title(digest)}",
        _("{round}, deadline {deadline}: {reported}/{total} units have reported").format(
            round=digest.round.label(t),
            deadline=deadline_text(t, digest.round.due),
            reported=digest.total - len(digest.missing_units),
            total=digest.total,
        )
        + (
            " (" + _("{late} late").format(late=digest.count("late")) + ")"
            if digest.count("late")
            else ""
        )
        + ".",
    ]
    missing = digest.missing_units
    if missing:
        overdue = [u for u in missing if u.bucket == "overdue"]
        label = (
            _("Overdue ({count}): {units}") if overdue else _("Not yet reported ({count}): {units}")
        )
        lines.append(
            "• " + label.format(count=len(missing), units=", ".join(u.short_name for u in missing))
        )
    else:
        lines.append("• " + _("Every unit has reported."))
    blocked = plan.blocked_items
    if not blocked:
        lines.append("• " + _("Nothing is blocked."))
        return lines
    lines.append("⛔ " + _("Blocked items ({count}):").format(count=len(blocked)))
    for item in blocked:
        units = ", ".join(update.short_name for update in item.blocking)
        lines.append(f"  – {item.task_id} {shorten(item.title, TITLE_WIDTH)} ({units})")
    return lines
