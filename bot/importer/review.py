"""The review of an imported plan: a rich table (task, lead, coordinate, deadline, warnings),
the agencies the directory does not know (with suggestions) and the reporting rules.

Used by ``planbot plan import`` (printed) and by the chat (sent back as a text file).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.i18n import Translator
from bot.importer.core import ImportedTask, ImportResult
from bot.importer.reader import UnreadableFile

__all__ = ["draft_json", "failure_message", "render_review", "review_table", "write_draft"]


def draft_json(result: ImportResult) -> str:
    return json.dumps(result.draft, ensure_ascii=False, indent=2) + "\n"


def write_draft(result: ImportResult, path: Path) -> None:
    """Write the draft atomically (a half-written draft never replaces a reviewed one)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(draft_json(result), encoding="utf-8")
    temporary.replace(path)


def _warning(code: str, result: ImportResult, tr: Translator) -> str:
    _ = tr.gettext
    if code == "no-lead":
        return _("no lead agency found")
    if code.startswith("low-confidence:"):
        agency = code.split(":", 1)[1]
        return _("check «{agency}»").format(agency=result.name_of(agency))
    return code


def _deadline(task: ImportedTask, tr: Translator) -> str:
    deadline = task.deadline
    if deadline is None:
        return ""
    if deadline.due is None:
        return deadline.text
    shown = tr.format_date(deadline.due, "short")
    if deadline.before:
        return tr.gettext("before {date}").format(date=shown)
    return tr.gettext("by {date}").format(date=shown)


def review_table(result: ImportResult, tr: Translator) -> Table:
    _ = tr.gettext
    table = Table(title=_("Imported tasks (draft, not loaded)"), show_lines=True)
    for header in (_("Task"), _("Lead"), _("Coordinate"), _("Deadline"), _("Warnings")):
        table.add_column(header, overflow="fold")
    for task in result.tasks:
        if task.container:
            lead = _("(split into sub-items)")
            coordinate = ""
        elif task.general:
            lead = _("(general: every unit)")
            coordinate = ""
        else:
            lead = ", ".join(result.name_of(a) for a in task.agencies("lead"))
            coordinate = ", ".join(result.name_of(a) for a in task.agencies("coordinate"))
        warnings = "; ".join(_warning(code, result, tr) for code in task.warnings)
        title = task.title if len(task.title) <= 60 else task.title[:59] + "…"
        table.add_row(f"{task.id} {title}", lead, coordinate, _deadline(task, tr), warnings)
    return table


def render_review(result: ImportResult, tr: Translator, console: Console) -> None:
    """Print the whole review on ``console``."""
    _ = tr.gettext
    console.print(review_table(result, tr))
    if result.new_agencies:
        console.print(_("Agencies not in the directory (added to the draft as new):"), markup=False)
        for agency in result.new_agencies:
            line = f"  {agency.id}: {agency.name}"
            if agency.suggestions:
                names = ", ".join(result.name_of(s) for s in agency.suggestions)
                line += " — " + _("did you mean: {names}?").format(names=names)
            console.print(line, markup=False, highlight=False)
    rules = result.draft["reporting"]
    if rules:
        console.print(_("Reporting rules:"), markup=False)
        for rule in rules:
            who = ", ".join(result.name_of(w) for w in rule["who"])
            months = ", ".join(str(m) for m in rule["months"])
            console.print(
                "  "
                + _("{who}: before day {day} of months {months}, to {to}").format(
                    who=who, day=rule["day"], months=months, to=result.name_of(rule["to"])
                ),
                markup=False,
                highlight=False,
            )
    else:
        console.print(_("No reporting rule was found; add one before loading."), markup=False)


def review_text(result: ImportResult, tr: Translator, width: int = 140) -> str:
    """The review as plain text (for a file sent in the chat)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, color_system=None)
    render_review(result, tr, console)
    return buffer.getvalue()


def failure_message(error: UnreadableFile, filename: str, tr: Translator) -> str:
    _ = tr.gettext
    if error.kind == "type":
        return _(
            "«{file}» is not a plan file planbot can read: send a .docx, .pdf or .txt."
        ).format(file=filename)
    if error.kind == "missing":
        return _("File «{file}» does not exist.").format(file=filename)
    if error.kind == "empty":
        return _("«{file}» contains no text.").format(file=filename)
    return _("«{file}» cannot be read (damaged or not really a {kind} file).").format(
        file=filename, kind=Path(filename).suffix.lstrip(".").upper() or "?"
    )
