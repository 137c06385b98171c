"""Commands about the plans: validate, load, list, show, retire, agencies, tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from bot.agencies import AgencyDirectory
from bot.bootstrap import load_plan_file, open_database
from bot.cli.common import (
    FORMAT_OPTION,
    Clamped,
    OutputFormat,
    app,
    console,
    fail,
    pick_plan,
    print_json,
    report_plan_error,
    services,
    settings,
    tr,
)
from bot.clock import SystemClock
from bot.i18n import N_, Translator
from bot.labels import heading_role_label
from bot.plan import Agency, Plan, PlanError, ReportingRule, TaskItem, load_plan
from bot.plans import rule_summary, when_text
from bot.storedplans import PlanNotFound, StoredPlan, find_stored, merged_agencies, stored_plans
from scheduler.calendar import ReportingCalendar, deadline_text

if TYPE_CHECKING:
    from bot.planstore import SyncReport

PLAN_HELP = N_(
    "The plans followed: load a plan file, list and show the plans, retire one; import a "
    "plan's text for review."
)
LOAD_HELP = N_(
    "Load a plan file into the database: validated first, nothing written when it has errors; "
    "loading it again changes nothing. A new plan is followed beside the others (its code is "
    "shown); a changed one is updated, its history kept."
)
LIST_HELP = N_(
    "The plans in the database: code, title, issuer, reporting rule, tasks, units, when loaded "
    "and when retired."
)
SHOW_HELP = N_(
    "One plan: its header, reporting rules, the rounds of a year with their deadlines, and its "
    "tasks."
)
RETIRE_HELP = N_(
    "Stop following a plan: no more reminders, digests or new reports for it; its tasks and "
    "reports are kept. --undo follows it again."
)

plan_app = typer.Typer(help=PLAN_HELP)
app.add_typer(plan_app, name="plan")

FILE_ARGUMENT = typer.Argument(
    None,
    metavar=N_("FILE"),
    help=N_(
        "The plan file (JSON); default: the configured file (PLANBOT_PLAN) or the one shipped."
    ),
)


@plan_app.command(
    "validate",
    help=N_("Check a plan file: every error with its JSON path; nothing is written."),
)
def plan_validate(file: Path | None = FILE_ARGUMENT) -> None:
    _ = tr().gettext
    path = file or settings().resolved_plan_path()
    try:
        plan = load_plan(path)
    except PlanError as error:
        report_plan_error(error)
    console.print(
        _("The plan file is valid: {tasks} task items, {agencies} agencies.").format(
            tasks=len(plan.tasks), agencies=len(plan.agencies)
        ),
        markup=False,
    )


LOAD_DRY_RUN = typer.Option(
    False, "--dry-run", help=N_("Show what loading would change; write nothing.")
)


@plan_app.command("load", help=LOAD_HELP)
def plan_load(file: Path | None = FILE_ARGUMENT, dry_run: bool = LOAD_DRY_RUN) -> None:
    _ = tr().gettext
    current = settings()
    path = file or current.resolved_plan_path()
    db = open_database(current)
    try:
        plan, report = load_plan_file(db, path, SystemClock(current.tz), dry_run=dry_run)
    except PlanError as error:
        report_plan_error(error)
    finally:
        db.dispose()
    if report.unchanged:
        console.print(
            _("Plan {plan} is already loaded; nothing changed.").format(plan=plan.info.id)
        )
        return
    if dry_run:
        console.print(_("Nothing was written (--dry-run). Loading would change:"), markup=False)
    else:
        console.print(
            _(
                "Loaded plan {plan}: {added} tasks added, {changed} changed, {retired} retired; "
                "{assignments} assignments added, {removed} removed."
            ).format(
                plan=plan.info.id,
                added=len(report.tasks_added),
                changed=len(report.tasks_changed),
                retired=len(report.tasks_retired),
                assignments=report.assignments_added,
                removed=report.assignments_removed,
            ),
            markup=False,
        )
    _print_changes(report)


def _print_changes(report: SyncReport) -> None:
    _ = tr().gettext
    lines = [
        (_("New plan, code {code}") if report.new_plan else _("Plan code {code}")).format(
            code=report.code
        )
    ]
    for label, ids in (
        (_("Tasks added"), report.tasks_added),
        (_("Tasks changed"), report.tasks_changed),
        (_("Tasks no longer in the plan (history kept)"), report.tasks_retired),
        (_("Agencies added to the directory"), report.agencies_added),
        (_("Agencies changed in the directory"), report.agencies_changed),
    ):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    if report.aliases_added:
        lines.append(_("Aliases added: {count}").format(count=report.aliases_added))
    lines.append(
        _("Assignments: {added} added, {removed} removed").format(
            added=report.assignments_added, removed=report.assignments_removed
        )
    )
    for line in lines:
        console.print("  " + line, markup=False, highlight=False, soft_wrap=True)


ACTIVE_OPTION = typer.Option(
    False, "--active", help=N_("Only the plans followed now (not the retired ones).")
)


WIDE_OPTION = typer.Option(
    False,
    "--wide",
    help=N_("Also the issuer and the reporting rule, whatever the terminal's width."),
)
# Below this width the issuer and the rule (planbot plan show has both) leave the table, so the
# title keeps room and no date or count is cut.
WIDE_TABLE_COLUMNS = 150


@plan_app.command("list", help=LIST_HELP)
def plan_list(
    active: bool = ACTIVE_OPTION, wide: bool = WIDE_OPTION, output: OutputFormat = FORMAT_OPTION
) -> None:
    translator_ = tr()
    _ = translator_.gettext
    with services() as built:
        rows = stored_plans(built.db, include_retired=not active)
        tz = built.settings.tz
    if output is OutputFormat.json:
        print_json([_plan_json(stored, translator_) for stored in rows])
        return
    wide = wide or console.width >= WIDE_TABLE_COLUMNS
    table = Table(title=_("Plans"))
    # Codes, counts and dates never wrap nor shrink (narrow: their headers wrap instead); the
    # title takes the rest, two lines at most.
    table.add_column(_("Code"), no_wrap=True)
    table.add_column(_("Title"))
    if wide:
        table.add_column(_("Issuer"))
        table.add_column(_("Reporting rule"))
    for header in (_("Tasks"), _("Units")):
        table.add_column(header, justify="right", min_width=4, max_width=None if wide else 6)
    # Narrow: the retired column only when a plan listed is retired.
    retired = wide or any(stored.retired_at is not None for stored in rows)
    for header in (_("Loaded"), _("Retired")) if retired else (_("Loaded"),):
        table.add_column(header, min_width=10, max_width=None if wide else 10)
    for stored in rows:
        plan = stored.plan
        table.add_row(
            stored.code,
            Clamped(plan.info.title, 2),
            *([_issuer(plan), rule_summary(plan, translator_)] if wide else []),
            str(len(plan.tasks)),
            str(len(plan.reporting_units())),
            translator_.format_date(stored.loaded_at.astimezone(tz).date(), "short"),
            *(
                [
                    translator_.format_date(stored.retired_at.astimezone(tz).date(), "short")
                    if stored.retired_at is not None
                    else ""
                ]
                if retired
                else []
            ),
        )
    console.print(table)
    if not wide and rows:
        console.print(
            _("Issuer and reporting rule: planbot plan list --wide, or planbot plan show CODE."),
            markup=False,
            highlight=False,
        )


PLAN_ARGUMENT = typer.Argument(..., metavar=N_("CODE"), help=N_('The plan\'s code, e.g. "kh38".'))
YEAR_OPTION = typer.Option(
    None, "--year", help=N_("The year whose rounds to show; default: this year.")
)


@plan_app.command("show", help=SHOW_HELP)
def plan_show(
    code: str = PLAN_ARGUMENT, year: int | None = YEAR_OPTION, output: OutputFormat = FORMAT_OPTION
) -> None:
    translator_ = tr()
    _ = translator_.gettext
    with services() as built:
        stored = _find(stored_plans(built.db, include_retired=True), code)
        tz = built.settings.tz
        now = built.clock.now()
    plan = stored.plan
    calendar = ReportingCalendar(plan.reporting, tz)
    rounds = calendar.rounds(year or now.astimezone(tz).year)
    if output is OutputFormat.json:
        data = _plan_json(stored, translator_)
        data["reporting"] = plan.to_dict()["reporting"]
        data["rounds"] = [
            {
                "id": r.id,
                "label": r.label(translator_),
                "due": r.due.isoformat(),
                "consolidation_due": r.consolidation_due.isoformat()
                if r.consolidation_due
                else None,
            }
            for r in rounds
        ]
        data["tasks"] = _tasks_json(plan)
        print_json(data)
        return
    lines = [
        f"{stored.code} — {plan.info.title}",
        _("Issuer: {issuer}").format(issuer=_issuer(plan)),
    ]
    if plan.info.number or plan.info.date:
        lines.append(
            _("Number {number}, dated {date}").format(
                number=plan.info.number or "—",
                date=translator_.format_date(date.fromisoformat(plan.info.date), "short")
                if plan.info.date
                else "—",
            )
        )
    lines.append(
        _("Plan id {id}; source {source}").format(id=plan.info.id, source=plan.info.source)
    )
    lines.append(
        _("Loaded {date}").format(
            date=translator_.format_date(stored.loaded_at.astimezone(tz).date(), "short")
        )
    )
    if stored.retired_at is not None:
        lines.append(
            _("Retired {date}: no reminders, history kept").format(
                date=translator_.format_date(stored.retired_at.astimezone(tz).date(), "short")
            )
        )
    lines.append(_("Reporting rules:"))
    for rule in plan.reporting:
        lines.append("  - " + _rule_line(plan, rule, translator_))
    lines.append(_("Rounds of {year}:").format(year=rounds[0].year if rounds else year))
    for round_ in rounds:
        line = f"  - {round_.label(translator_)} ({round_.id}): {deadline_text(translator_, round_.due)}"
        if round_.consolidation_due is not None:
            line += "; " + _("consolidation {deadline}").format(
                deadline=deadline_text(translator_, round_.consolidation_due)
            )
        lines.append(line)
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    _print_all_tasks(plan, OutputFormat.table)


UNDO_OPTION = typer.Option(False, "--undo", help=N_("Follow a retired plan again."))


@plan_app.command("retire", help=RETIRE_HELP)
def plan_retire(code: str = PLAN_ARGUMENT, undo: bool = UNDO_OPTION) -> None:
    translator_ = tr()
    _ = translator_.gettext
    with services() as built:
        tz = built.settings.tz
        known = stored_plans(built.db, include_retired=True)
        stored = _find(known, code)
        try:
            from bot.planstore import retire_plan  # the ORM: only to write

            changed = retire_plan(built.db, stored.id, built.clock.now(), undo=undo)
        except ValueError as error:
            reason = str(error)
            if reason == "retired":
                assert stored.retired_at is not None
                fail(
                    _("Plan {code} was already retired on {date}; nothing changed.").format(
                        code=stored.code,
                        date=translator_.format_date(
                            stored.retired_at.astimezone(tz).date(), "short"
                        ),
                    )
                )
            if reason == "active":
                fail(
                    _("Plan {code} is followed already; nothing changed.").format(code=stored.code)
                )
            fail(
                _(
                    "Plan {code} is the only plan followed: load another plan before retiring "
                    "it; nothing changed."
                ).format(code=stored.code)
            )
    if undo:
        console.print(
            _("Plan {code} is followed again: its reminders resume.").format(code=changed.code),
            markup=False,
        )
        return
    console.print(
        _(
            "Plan {code} is retired: no more reminders or digests for it; its tasks and reports "
            "are kept. Undo with: planbot plan retire {code} --undo"
        ).format(code=changed.code),
        markup=False,
        highlight=False,
    )


def _find(known: list[StoredPlan], code: str) -> StoredPlan:
    try:
        return find_stored(known, code)
    except PlanNotFound:
        _ = tr().gettext
        fail(
            _("No plan has the code «{code}». Plans: {codes}.").format(
                code=code, codes=", ".join(s.code for s in known) or "—"
            )
        )


def _issuer(plan: Plan) -> str:
    try:
        return plan.agency(plan.info.issuer).short_name
    except KeyError:
        return plan.info.issuer


def _rule_line(plan: Plan, rule: ReportingRule, t: Translator) -> str:
    _ = t.gettext
    who = ", ".join(_short(plan, agency) for agency in rule.who)
    to = _short(plan, rule.to)
    line = _("{who} report to {to} {when}").format(who=who, to=to, when=when_text(rule, t))
    if rule.cc:
        line += "; " + _("copy to {cc}").format(cc=", ".join(_short(plan, a) for a in rule.cc))
    return line


def _short(plan: Plan, agency_id: str) -> str:
    try:
        return plan.agency(agency_id).short_name
    except KeyError:
        return agency_id


def _plan_json(stored: StoredPlan, t: Translator) -> dict[str, object]:
    plan = stored.plan
    return {
        "code": stored.code,
        "id": plan.info.id,
        "title": plan.info.title,
        "issuer": plan.info.issuer,
        "number": plan.info.number,
        "date": plan.info.date,
        "rule": rule_summary(plan, t),
        "tasks": len(plan.tasks),
        "units": len(plan.reporting_units()),
        "loaded_at": stored.loaded_at.isoformat(),
        "retired_at": stored.retired_at.isoformat() if stored.retired_at else None,
    }


@app.command(
    "agencies", help=N_("The agencies in the plans (name, short name, kind, other names).")
)
def agencies(output: OutputFormat = FORMAT_OPTION) -> None:
    _ = tr().gettext
    with services() as built:
        directory = merged_agencies(built.plans.plans)  # shared by every plan
    if output is OutputFormat.json:
        print_json([_agency_json(agency) for agency in directory])
        return
    table = Table(title=_("Agencies"), show_lines=False)
    for header in (_("ID"), _("Name"), _("Short name"), _("Kind"), _("Members")):
        table.add_column(header)
    for agency in directory:
        table.add_row(
            agency.id, agency.name, agency.short_name, agency.kind, ", ".join(agency.members)
        )
    console.print(table)


PLAN_OPTION = typer.Option(
    None,
    "--plan",
    "-p",
    help=N_('The plan\'s code, e.g. "kh38"; needed when several plans are followed.'),
)


@app.command(
    "tasks",
    help=N_("The plan's tasks; with --agency: one agency's tasks and its role in each."),
)
def tasks(
    agency: str | None = typer.Option(
        None,
        "--agency",
        "-a",
        help=N_('The code, name or another name of the agency, e.g. "so y te".'),
    ),
    plan_code: str | None = PLAN_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    _ = tr().gettext
    with services() as built:
        plan = pick_plan(built.plans, plan_code)
        directory = built.agencies
    if agency is None:
        _print_all_tasks(plan, output)
        return
    found = resolve_agency(directory, agency)
    items = agency_items(plan, found.id)
    if output is OutputFormat.json:
        print_json(
            {
                "agency": _agency_json(found),
                "tasks": [
                    {
                        "id": item.id,
                        "parent": item.parent,
                        "section": item.section,
                        "title": item.title,
                        "role": "general" if item.general else role,
                        "general": item.general,
                    }
                    for item, role in items
                ],
            }
        )
        return
    table = Table(title=_("Tasks of {agency}").format(agency=found.name))
    for header in (_("Task"), _("Role"), _("Title")):
        table.add_column(header)
    for item, role in items:
        table.add_row(item.id, _role_label(role, item.general), item.title)
    console.print(table)


def resolve_agency(directory: AgencyDirectory, query: str) -> Agency:
    """The agency a person meant, or exit 2 with suggestions."""
    _ = tr().gettext
    found = directory.find(query)
    if found is None:
        suggestions = directory.suggest(query)
        message = _("No agency matches «{query}».").format(query=query)
        if suggestions:
            message += " " + _("Did you mean: {names}?").format(
                names=", ".join(s.name for s in suggestions)
            )
        fail(message)
    return found


def agency_items(plan: Plan, agency_id: str) -> list[tuple[TaskItem, str]]:
    """The general tasks (they bind every reporting unit), then the agency's own assignments."""
    items: list[tuple[TaskItem, str]] = []
    if agency_id in plan.reporting_units():
        items.extend((task, "lead") for task in plan.tasks if task.general)
    items.extend(plan.assignments_of(agency_id))
    return items


def _role_label(role: str, general: bool) -> str:
    return heading_role_label(tr(), "general" if general else role)


def _agency_json(agency: Agency) -> dict[str, object]:
    return {
        "id": agency.id,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "aliases": list(agency.aliases),
        "members": list(agency.members),
        "source": agency.source,
    }


def _tasks_json(plan: Plan) -> list[dict[str, object]]:
    return [
        {
            "id": task.id,
            "parent": task.parent,
            "section": task.section,
            "title": task.title,
            "general": task.general,
            "assignments": [{"agency": a.agency, "role": a.role} for a in task.assignments],
        }
        for task in plan.tasks
    ]


def _print_all_tasks(plan: Plan, output: OutputFormat) -> None:
    _ = tr().gettext
    if output is OutputFormat.json:
        print_json(_tasks_json(plan))
        return
    table = Table(title=plan.info.title[:80])
    for header in (_("Task"), _("Title"), _("Lead"), _("Coordinate")):
        table.add_column(header)
    for task in plan.tasks:
        leads = [plan.agency(a.agency).short_name for a in task.assignments if a.role == "lead"]
        coordinators = [
            plan.agency(a.agency).short_name for a in task.assignments if a.role == "coordinate"
        ]
        table.add_row(task.id, task.title, ", ".join(leads), ", ".join(coordinators))
    console.print(table)


IMPORT_FILE = typer.Argument(
    ..., metavar=N_("FILE"), help=N_("The plan's text: .docx, .pdf or .txt.")
)
IMPORT_OUTPUT = typer.Option(
    None,
    "--output",
    "-o",
    help=N_("The draft file (JSON); default: beside the text (.draft.json)."),
)
IMPORT_DIRECTORY = typer.Option(
    None,
    "--directory",
    help=N_(
        "A plan file whose list of agencies the text is matched against; default: the "
        "configured plan."
    ),
)


@plan_app.command(
    "import",
    help=N_(
        "Read a plan's text and write a draft file for review (nothing is loaded into the "
        "database)."
    ),
)
def plan_import(
    file: Path = IMPORT_FILE,
    output: Path | None = IMPORT_OUTPUT,
    directory: Path | None = IMPORT_DIRECTORY,
) -> None:
    from bot.importer import NoPlanFound, UnreadableFile, import_plan
    from bot.importer.review import failure_message, render_review, write_draft

    translator_ = tr()
    _ = translator_.gettext
    current = settings()
    try:
        known = load_plan(directory or current.resolved_plan_path())
    except PlanError as error:
        report_plan_error(error)
    try:
        result = import_plan(file, known.agencies, timezone=current.timezone)
    except UnreadableFile as error:
        fail(failure_message(error, file.name, translator_))
    except NoPlanFound:
        fail(
            _("No numbered task or task table was found in «{file}»; nothing was written.").format(
                file=file.name
            )
        )
    target = output or file.with_name(file.stem + ".draft.json")
    try:
        write_draft(result, target)
    except OSError as error:
        fail(_("Cannot write «{file}»: {reason}").format(file=target, reason=error.strerror))
    render_review(result, translator_, console)
    console.print(
        _(
            "Draft written to {file}: {tasks} task items, {new} new agencies, {rules} reporting "
            "rules. Review it, then load it with: planbot plan load {file}"
        ).format(
            file=target,
            tasks=len(result.tasks),
            new=len(result.new_agencies),
            rules=len(result.draft["reporting"]),
        ),
        markup=False,
        highlight=False,
    )
