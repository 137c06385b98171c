"""The consolidated report as Markdown, for people who paste into other tools."""

from __future__ import annotations

from bot.digest import Digest, ItemLine, UnitUpdate
from bot.i18n import Translator
from bot.progress import BUCKETS
from bot.reports.labels import (
    bucket_label,
    missing_label,
    names,
    percent,
    role_label,
    status_label,
)
from bot.reports.titles import report_summary, section_heading


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _item_block(digest: Digest, item: ItemLine, t: Translator, level: str) -> list[str]:
    _ = t.gettext
    lines = [f"{level} {item.task_id}. {_cell(item.title)}", ""]
    if not item.general:
        if item.leads:
            lines.append(f"- **{_('Lead')}:** {names(digest, item.leads, full=True)}")
        if item.coordinators:
            lines.append(
                f"- **{_('Coordinating')}:** {names(digest, item.coordinators, full=True)}"
            )
        lines.append(f"- **{_('Status')}:** {status_label(t, item.status)}")
        lines.append("")
    if item.general:
        return lines  # the units' general reports follow the group
    if not item.updates:
        lines += [f"_{_('No unit has reported on this item yet.')}_", ""]
        return lines
    return lines + _update_lines(item.updates, t)


def _general_block(digest: Digest, t: Translator) -> list[str]:
    """After the general tasks: every unit's report on them (one report covers the group)."""
    _ = t.gettext
    general = digest.general_items
    span = f"{general[0].task_id}–{general[-1].task_id}" if len(general) > 1 else general[0].task_id
    head = _(
        "Results reported on the general tasks {range} (one report covers them): "
        "{count}/{total} units have reported."
    ).format(range=span, count=len(digest.general_reporters()), total=digest.total)
    return [f"_{head}_", "", *_update_lines(digest.general_updates, t)]


def _update_lines(updates: tuple[UnitUpdate, ...], t: Translator) -> list[str]:
    _ = t.gettext
    lines: list[str] = []
    for update in updates:
        role = "" if update.role == "general" else f" ({role_label(t, update.role)})"
        flags = f" — {_('corrected')}" if update.corrected else ""
        lines.append(
            f"- **{update.short_name}**{role} [{status_label(t, update.status)}{flags}]: "
            f"{_cell(update.text)}"
        )
    lines.append("")
    return lines


def render_markdown(digest: Digest, t: Translator) -> str:
    """The report's content: summary, units table, items task by task, blocked, proposals."""
    _ = t.gettext
    lines = [
        f"# {_('REPORT')}",
        "",
        f"**{report_summary(digest, t)}**",
        "",
        _("As of {moment}.").format(moment=t.format_datetime(digest.generated_at, digest.tz)),
        "",
        f"## I. {_('Reporting by the units')}",
        "",
        f"| {_('State')} | {_('Units')} | {_('Share')} |",
        "|---|---:|---:|",
    ]
    for bucket in BUCKETS:
        lines.append(
            f"| {bucket_label(t, bucket)} | {digest.count(bucket)} | "
            f"{percent(t, digest.percent(bucket))} |"
        )
    lines.append(f"| **{_('Total')}** | **{digest.total}** | |")
    lines += [
        "",
        f"| {_('No.')} | {_('Unit')} | {_('State')} | {_('Reported at')} | {_('Still owed')} |",
        "|---:|---|---|---|---|",
    ]
    for index, unit in enumerate(digest.units, start=1):
        reported = (
            t.format_datetime(unit.reported_at, digest.tz) if unit.reported_at is not None else ""
        )
        lines.append(
            f"| {index} | {_cell(unit.name)} | {bucket_label(t, unit.bucket)} | {reported} | "
            f"{missing_label(t, digest, unit.missing)} |"
        )
    lines += ["", f"## II. {_('Results task by task')}", ""]
    sections: list[str] = []
    for item in digest.items_in_plan_order:
        if item.section not in sections:
            sections.append(item.section)
            lines += [f"### {section_heading(digest, item.section, t, len(sections))}", ""]
        parent = item.parent_id
        if parent is not None and not any(line.startswith(f"#### {parent}. ") for line in lines):
            lines += [f"#### {parent}. {_cell(digest.plan.task(parent).title)}", ""]
        lines += _item_block(digest, item, t, "#####" if parent else "####")
        if item.general and item.task_id == digest.general_items[-1].task_id:
            lines += _general_block(digest, t)
    lines += [f"## III. {_('Difficulties and obstacles')}", ""]
    if digest.blocked_items:
        for item in digest.blocked_items:
            for update in item.blocking:
                lines.append(f"- **{item.task_id}** — {update.short_name}: {_cell(update.text)}")
    else:
        lines.append(_("No unit has reported an obstacle."))
    lines += [
        "",
        f"## IV. {_('Proposals and recommendations')}",
        "",
        _("[Proposals and recommendations: …]"),
        "",
    ]
    return "\n".join(lines)
