"""Commands about the plan itself: validate, load, agencies, tasks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from bot.agencies import AgencyDirectory
from bot.bootstrap import load_plan_file, open_database
from bot.cli.common import (
    FORMAT_OPTION,
    OutputFormat,
    app,
    console,
    fail,
    print_json,
    report_plan_error,
    services,
    settings,
    tr,
)
from bot.clock import SystemClock
from bot.labels import heading_role_label
from bot.plan import Agency, Plan, PlanError, TaskItem, load_plan

plan_app = typer.Typer(help="Kiểm tra và nạp tệp kế hoạch (data/plan_tasks.json).")
app.add_typer(plan_app, name="plan")

FILE_ARGUMENT = typer.Argument(
    None, help="Tệp kế hoạch JSON; mặc định: tệp đã cấu hình (PLANBOT_PLAN) hoặc tệp kèm theo."
)


@plan_app.command("validate")
def plan_validate(file: Path | None = FILE_ARGUMENT) -> None:
    """Kiểm tra tệp kế hoạch: liệt kê mọi lỗi kèm đường dẫn JSON; không ghi gì."""
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


@plan_app.command("load")
def plan_load(file: Path | None = FILE_ARGUMENT) -> None:
    """Nạp tệp kế hoạch vào cơ sở dữ liệu (nạp lại nhiều lần không sinh bản ghi trùng)."""
    _ = tr().gettext
    current = settings()
    path = file or current.resolved_plan_path()
    db = open_database(current)
    try:
        plan, report = load_plan_file(db, path, SystemClock(current.tz))
    except PlanError as error:
        report_plan_error(error)
    finally:
        db.dispose()
    if report.unchanged:
        console.print(
            _("Plan {plan} is already loaded; nothing changed.").format(plan=plan.info.id)
        )
        return
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


@app.command("agencies")
def agencies(output: OutputFormat = FORMAT_OPTION) -> None:
    """Danh sách đơn vị trong kế hoạch (tên, tên ngắn, loại, tên gọi khác)."""
    _ = tr().gettext
    with services() as built:
        plan = built.plan
    if output is OutputFormat.json:
        print_json([_agency_json(agency) for agency in plan.agencies])
        return
    table = Table(title=_("Agencies"), show_lines=False)
    for header in (_("ID"), _("Name"), _("Short name"), _("Kind"), _("Members")):
        table.add_column(header)
    for agency in plan.agencies:
        table.add_row(
            agency.id, agency.name, agency.short_name, agency.kind, ", ".join(agency.members)
        )
    console.print(table)


@app.command("tasks")
def tasks(
    agency: str | None = typer.Option(
        None, "--agency", "-a", help='Mã, tên hoặc tên gọi khác của đơn vị, ví dụ "so y te".'
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Nhiệm vụ của kế hoạch; với --agency: nhiệm vụ của một đơn vị và vai trò của đơn vị."""
    _ = tr().gettext
    with services() as built:
        plan = built.plan
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


def _print_all_tasks(plan: Plan, output: OutputFormat) -> None:
    _ = tr().gettext
    if output is OutputFormat.json:
        print_json(
            [
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
        )
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


IMPORT_FILE = typer.Argument(..., help="Văn bản kế hoạch: .docx, .pdf hoặc .txt.")
IMPORT_OUTPUT = typer.Option(
    None, "--output", "-o", help="Tệp dự thảo JSON; mặc định: cạnh tệp văn bản (.draft.json)."
)
IMPORT_DIRECTORY = typer.Option(
    None,
    "--directory",
    help="Tệp kế hoạch có danh sách đơn vị dùng để đối chiếu; mặc định: kế hoạch đã cấu hình.",
)


@plan_app.command("import")
def plan_import(
    file: Path = IMPORT_FILE,
    output: Path | None = IMPORT_OUTPUT,
    directory: Path | None = IMPORT_DIRECTORY,
) -> None:
    """Đọc văn bản kế hoạch, viết tệp dự thảo để rà soát (chưa nạp gì vào cơ sở dữ liệu)."""
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
