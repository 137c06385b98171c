"""The command line loads only what the named command needs, and still knows every command."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import typer.core
import typer.main

from bot.cli import COMMAND_HELP, COMMAND_MODULES, app
from bot.db import alembic_config, head_revision
from tests.conftest import REPO_ROOT
from tests.support.cli_process import run_python


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert set(group.list_commands(None)) == set(COMMAND_MODULES)  # type: ignore[arg-type]
    for name, module in COMMAND_MODULES.items():
        command = group.commands[name]
        callback = command.callback
        if callback is None:  # a sub-app: its commands' callbacks live in the module
            assert isinstance(command, typer.core.TyperGroup)
            callback = next(iter(command.commands.values())).callback
        assert callback is not None
        assert callback.__module__ == module, name


def test_head_revision_read_from_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_root_help_lists_every_command_with_its_own_help() -> None:
    """``planbot --help`` imports no command module: it lists them from COMMAND_HELP, which
    must name every command, in the order Typer lists them, with the command's own help."""
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert list(COMMAND_HELP) == group.list_commands(None)  # type: ignore[arg-type]
    for name, help_text in COMMAND_HELP.items():
        original = group.commands[name].__dict__.get("_planbot_msgids", {})
        assert original.get("help", group.commands[name].help) == help_text, name


def _run_probe(argv: list[str], tmp_path: Path, **env_extra: str) -> tuple[set[str], str]:
    """The modules a command line imported, and what it wrote on stdout before."""
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['planbot', *{argv!r}]\n"
        "from bot.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    env = {
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "100",
        **env_extra,
    }
    done = run_python(probe, env=env, check=False)
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    assert "Traceback" not in done.stderr, done.stderr
    output = done.stdout[: done.stdout.index("MODULES ")] + done.stderr
    return set(line.split()[1:]), output


def _imported_after(argv: list[str], tmp_path: Path) -> set[str]:
    return _run_probe(argv, tmp_path)[0]


# What the help, the version and a mistyped command name must not load: the database layer,
# the settings, the plan, the scheduler, the platforms and rich (they print and exit).
NOT_FOR_HELP = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic_settings",
    "alembic",
    "bot.db",
    "bot.models",
    "bot.config",
    "bot.plan",
    "apscheduler",
    "holidays",
    "telegram",
    "aiohttp",
    "jinja2",
    "rich",
    "jsonschema",
    "matplotlib",
    "docx",
    "openpyxl",
)


def _loaded(modules: set[str], names: tuple[str, ...]) -> set[str]:
    return {name for name in names if name in modules}


def test_help_lists_every_command_without_the_database_layer(tmp_path: Path) -> None:
    for argv in (["--help"], []):
        modules, output = _run_probe(argv, tmp_path, PLANBOT_LOCALE="en")
        assert not _loaded(modules, NOT_FOR_HELP), argv
        assert not {m for m in modules if m.startswith("bot.cli.") and m != "bot.cli.common"} - {
            "bot.cli.localized"
        }
        for name in COMMAND_MODULES:
            assert f"  {name} " in output, (name, output)
        assert "Run the Telegram bot" in output
        assert "--version" in output


def test_version_is_printed_without_the_database_layer(tmp_path: Path) -> None:
    from importlib.metadata import version

    modules, output = _run_probe(["--version"], tmp_path)
    assert output.strip() == f"planbot {version('planbot')}"
    assert not _loaded(modules, NOT_FOR_HELP)
    assert not (tmp_path / "p.db").exists()  # nothing was created either


def test_a_mistyped_command_is_suggested_without_the_database_layer(tmp_path: Path) -> None:
    modules, output = _run_probe(["agncies"], tmp_path, PLANBOT_LOCALE="en")
    assert "No such command 'agncies'. Did you mean 'agencies'?" in output
    assert not _loaded(modules, NOT_FOR_HELP)


def test_a_command_on_sqlite_loads_no_postgresql_dialect_nor_catalog_compiler(
    tmp_path: Path,
) -> None:
    _imported_after(["agencies"], tmp_path)
    modules, output = _run_probe(["agencies", "--format", "json"], tmp_path)
    assert '"short_name"' in output  # the command ran
    assert "sqlalchemy.dialects.sqlite" in modules
    assert "sqlalchemy.dialects.postgresql" not in modules
    catalogs = list((REPO_ROOT / "bot" / "locale").glob("*/LC_MESSAGES/*.po"))
    compiled = all(
        po.with_suffix(".mo").exists()
        and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
        for po in catalogs
    )
    if compiled:  # compiled catalogs are read as they are, without Babel's catalog code
        assert "babel.messages.pofile" not in modules


def test_listing_agencies_loads_no_renderer_platform_or_scheduler(tmp_path: Path) -> None:
    _imported_after(["agencies"], tmp_path)  # first run creates and migrates the database
    modules = _imported_after(["agencies", "--format", "json"], tmp_path)
    assert "bot.cli.plan_commands" in modules
    heavy = {"matplotlib", "docx", "openpyxl", "telegram", "apscheduler", "alembic", "handlers"}
    assert not heavy & {name.split(".")[0] for name in modules}


def test_digest_as_text_loads_no_document_library(tmp_path: Path) -> None:
    _imported_after(["agencies"], tmp_path)
    modules = _imported_after(["digest", "--at", "2021-03-10"], tmp_path)
    assert "bot.cli.reports" in modules
    assert not {"matplotlib", "docx", "openpyxl", "telegram"} & {m.split(".")[0] for m in modules}


def test_a_stored_plan_is_not_validated_again_at_start(tmp_path: Path) -> None:
    """The document was validated when it was stored; a start rebuilds it and checks that it
    is still the plan that was validated (its checksum), without the schema validator."""
    _imported_after(["agencies"], tmp_path)  # first run: the plan file validated and stored
    modules = _imported_after(["agencies", "--format", "json"], tmp_path)
    assert "jsonschema" not in {name.split(".")[0] for name in modules}


def test_a_stored_plan_changed_behind_planbots_back_is_validated(tmp_path: Path) -> None:
    """A stored document that no longer builds the plan its checksum names is validated like a
    new one: an agency id made invalid in the database is refused at the next start."""
    import json
    import sqlite3

    _imported_after(["agencies"], tmp_path)  # the plan file validated and stored
    connection = sqlite3.connect(tmp_path / "p.db")
    with connection:
        ((raw,),) = connection.execute("SELECT document FROM plan").fetchall()
        document = json.loads(raw)
        document["agencies"][0]["id"] = "Not An Id!"
        connection.execute("UPDATE plan SET document = ?", (json.dumps(document),))
    connection.close()
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "agencies"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={
            "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Not An Id!" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_the_working_days_load_vietnams_holidays_without_the_other_countries() -> None:
    """The reminders' calendar is the holidays package's Vietnam, every day of 1990–2100 (days
    off, substitute days, Saturdays made working days), loaded without its ~300 countries."""
    import holidays

    from scheduler.workdays import WorkingDays

    ours = WorkingDays()
    theirs = holidays.country_holidays("VN", expand=True)
    assert ours.years == (theirs.start_year, theirs.end_year)
    day = date(1990, 1, 1)
    while day.year <= 2100:
        assert ours.holiday_name(day) == theirs.get(day), day
        assert ours.is_working_day(day) == theirs.is_working_day(day), day
        day += timedelta(days=1)
    probe = (
        "import sys, datetime\n"
        "from scheduler.workdays import WorkingDays\n"
        "print(WorkingDays().holiday_name(datetime.date(2021, 4, 30)))\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = run_python(probe)
    name, modules = done.stdout.splitlines()[:2]
    assert name == theirs.get(date(2021, 4, 30))
    assert "holidays.countries" not in modules.split()


def test_the_running_bot_loads_the_plan_importer_only_when_a_plan_is_sent() -> None:
    """``planbot run`` imports bot.runtime (every channel, the handlers, the scheduler, the
    web application); the plan importer is for the secretariat's rare plan file."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, bot.runtime; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=True,
    )
    modules = set(done.stdout.split())
    assert "handlers.plan_import" in modules
    assert not {name for name in modules if name.startswith("bot.importer")}
    assert "holidays.countries" not in modules


def test_the_running_bot_loads_no_cryptography_until_a_plan_pdf_needs_it() -> None:
    """python-telegram-bot imports ``cryptography`` for Telegram Passport (unused by planbot,
    7.7 MiB of memory in every ``planbot run``) whenever it is installed; bot.runtime imports
    PTB without it, and ``cryptography`` (pdfminer's, for encrypted plan PDFs) still loads when
    asked for afterwards."""
    probe = (
        "import sys, bot.runtime, telegram.ext\n"
        "print('cryptography' in sys.modules, 'telegram' in sys.modules)\n"
        "from cryptography.hazmat.primitives.ciphers import Cipher\n"
        "import pdfminer.pdfdocument\n"
        "print('cryptography' in sys.modules, Cipher.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=True,
    )
    assert done.stdout.splitlines() == ["False True", "True Cipher"]


# The ORM layer: SQLModel, its session, the tables and the audit trail's listeners. A command
# that only reads the plans reads them with SQLAlchemy Core (bot/storedplans.py).
ORM = ("sqlmodel", "sqlalchemy.orm", "bot.models", "bot.audit", "bot.planstore")


def test_commands_that_read_only_the_plans_start_without_the_orm(tmp_path: Path) -> None:
    """``agencies``, ``tasks``, ``plan list`` and ``schedule --year`` read only the stored plans:
    they import none of the ORM layer and still print the plan's agencies, tasks and rounds."""
    _imported_after(["agencies"], tmp_path)  # first run: the plan file loaded (with the ORM)
    expected = {
        ("agencies", "--format", "json"): '"short_name"',
        ("tasks", "--format", "json"): '"assignments"',
        ("plan", "list", "--format", "json"): '"code"',
        ("schedule", "--year", "2021", "--format", "json"): '"before-due"',
    }
    for argv, shown in expected.items():
        modules, output = _run_probe(list(argv), tmp_path, PLANBOT_LOCALE="en")
        assert shown in output, (argv, output[:500])
        assert not _loaded(modules, ORM), (argv, _loaded(modules, ORM))


def test_a_command_that_reads_updates_still_loads_the_orm_and_the_audit_trail(
    tmp_path: Path,
) -> None:
    """The ORM is imported at the first session, with the audit trail registered on it."""
    _imported_after(["agencies"], tmp_path)
    modules, output = _run_probe(["updates", "--format", "json"], tmp_path)
    assert output.strip() == "[]"
    assert {"sqlmodel", "bot.models", "bot.audit"} <= modules


def test_the_digest_starts_without_the_orm(tmp_path: Path) -> None:
    """``planbot digest`` (text and json, one plan's or the overview) reads the round and
    writes its snapshot with SQLAlchemy Core: it prints the digest without importing the ORM
    layer (tests/test_digest_core.py checks that the text is the ORM session's)."""
    _imported_after(["agencies"], tmp_path)  # first run: the plan file loaded (with the ORM)
    expected = {
        ("digest", "--at", "2021-03-10"): "2021",
        ("digest", "--at", "2021-03-10", "--format", "json"): '"totals"',
        ("digest", "--all", "--at", "2021-03-10"): "2021",
    }
    for argv, shown in expected.items():
        modules, output = _run_probe(list(argv), tmp_path, PLANBOT_LOCALE="en")
        assert shown in output, (argv, output[:500])
        assert not _loaded(modules, ORM), (argv, _loaded(modules, ORM))


def test_the_plans_read_without_the_orm_name_the_models_columns() -> None:
    """bot.storedplans describes the plan table again (to read it without the ORM): every
    column it reads is the model's, of the same stored type, so the two cannot drift apart."""
    from bot.models import PlanRecord
    from bot.storedplans import _PLAN

    model = PlanRecord.__table__  # type: ignore[attr-defined]
    assert _PLAN.name == model.name
    for light in _PLAN.columns:
        assert light.name in model.columns, light.name

        # The same stored type (SQLModel's AutoString decorates String, say).
        def stored(kind: object) -> type:
            return type(getattr(kind, "impl", kind))

        assert stored(light.type) is stored(model.columns[light.name].type), light.name
