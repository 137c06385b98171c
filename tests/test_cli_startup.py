"""The command line loads only what the named command needs, and still knows every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.core
import typer.main

from bot.cli import COMMAND_MODULES, app
from bot.db import alembic_config, head_revision
from tests.conftest import REPO_ROOT


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


def _imported_after(argv: list[str], tmp_path: Path) -> set[str]:
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
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    assert "Traceback" not in done.stderr, done.stderr
    return set(line.split()[1:])


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
