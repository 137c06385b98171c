"""The command line's own help and usage errors: Vietnamese by default, English with
PLANBOT_LOCALE=en, from the Babel catalogs (bot.cli.localized)."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.core
import typer.main
from typer._click.core import Command
from typer.testing import CliRunner

from bot.cli import COMMAND_MODULES, app
from bot.i18n import translator
from tests.conftest import REPO_ROOT

# What Click and Typer write in English when nothing translates them.
ENGLISH_CLICK = (
    "Usage:",
    "Options:",
    "Arguments:",
    "Commands:",
    "Show this message and exit.",
    "[default:",
    "[required]",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "Error:",
    "Try '",
    "for help.",
    "No such command",
    "No such option",
    "Missing argument",
    "Invalid value",
    "Did you mean",
    "Got unexpected",
    "Input should be",
)
VIETNAMESE_LETTERS = re.compile(r"[à-ỹÀ-Ỹ]")  # letters with diacritics, đ and Đ included
VI = translator("vi")


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand, by the words that name it on the command line."""
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    assert set(root.commands) == set(COMMAND_MODULES)
    paths: list[tuple[str, ...]] = []
    for name in COMMAND_MODULES:
        command = root.commands[name]
        paths.append((name,))
        if isinstance(command, typer.core.TyperGroup):
            paths.extend((name, sub) for sub in command.commands)
    return paths


def _command(path: tuple[str, ...]) -> Command:
    """The command ``path`` names, as Typer builds it (English message ids)."""
    command: Command = typer.main.get_command(app)
    for word in path:
        assert isinstance(command, typer.core.TyperGroup)
        command = command.commands[word]
    return command


def _visible_params(command: Command) -> list[typer.core.TyperOption | typer.core.TyperArgument]:
    params = [
        p
        for p in command.params
        if isinstance(p, typer.core.TyperOption | typer.core.TyperArgument)
    ]
    return [p for p in params if not p.hidden]


def _squeezed(text: str) -> str:
    """Without any whitespace: a help text wrapped at any column still matches."""
    return re.sub(r"\s+", "", text)


def _run(args: list[str], locale: str | None, tmp_path: Path) -> tuple[int, str]:
    env = {
        "PLANBOT_LOCALE": locale,
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
    }
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.output


PATHS = [(), *_command_paths()]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "planbot")
def test_help_is_vietnamese_by_default(path: tuple[str, ...], tmp_path: Path) -> None:
    code, output = _run([*path, "--help"], None, tmp_path)
    assert code == 0, output
    assert output.startswith("Cách dùng: planbot"), output
    assert "Hiện hướng dẫn này rồi thoát." in output
    for phrase in ENGLISH_CLICK:
        assert phrase not in output, (phrase, output)
    command = _command(path)
    assert command.help, f"planbot {' '.join(path)} has no help"
    texts = [command.help] + [param.help or "" for param in _visible_params(command)]
    for text in texts:
        assert text, f"an option of planbot {' '.join(path)} has no help:\n{output}"
        vietnamese = VI.gettext(text)
        assert vietnamese != text, f"not in the Vietnamese catalog: {text!r}"
        assert _squeezed(vietnamese) in _squeezed(output), (vietnamese, output)
    if isinstance(command, typer.core.TyperGroup):
        assert "Lệnh:" in output
        for name in command.commands:
            assert re.search(rf"^  {re.escape(name)}\s", output, re.M), (name, output)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "planbot")
def test_help_is_english_with_planbot_locale_en(path: tuple[str, ...], tmp_path: Path) -> None:
    code, output = _run([*path, "--help"], "en", tmp_path)
    assert code == 0, output
    assert output.startswith("Usage: planbot"), output
    assert "Show this message and exit." in output
    assert "Options:" in output
    command = _command(path)
    for param in _visible_params(command):
        assert param.help, f"an option of planbot {' '.join(path)} has no help"
        assert not VIETNAMESE_LETTERS.search(param.help), param.help
        assert _squeezed(param.help) in _squeezed(output), (param.help, output)
    options = output.split("Options:", 1)[1]
    assert not VIETNAMESE_LETTERS.search(options), options  # options, their help, commands
    arguments = output.partition("Arguments:")[2].partition("Options:")[0]
    assert not VIETNAMESE_LETTERS.search(arguments), arguments


def _assert_vietnamese_usage_error(code: int, output: str, *expected: str) -> None:
    assert code == 2, output
    assert "Cách dùng: planbot" in output
    assert "để xem hướng dẫn." in output
    assert "Lỗi: " in output
    for text in expected:
        assert text in output, (text, output)
    for phrase in ENGLISH_CLICK:
        assert phrase not in output, (phrase, output)


def test_usage_errors_are_vietnamese_and_write_nothing(tmp_path: Path) -> None:
    database = tmp_path / "p.db"
    code, output = _run(["agencis"], None, tmp_path)
    _assert_vietnamese_usage_error(
        code, output, "Không có lệnh 'agencis'.", "Có phải ý bạn là 'agencies'?"
    )
    code, output = _run(["invite"], None, tmp_path)
    _assert_vietnamese_usage_error(
        code, output, "Cách dùng: planbot invite [TUỲ_CHỌN] {ĐƠN_VỊ}", "Thiếu tham số 'ĐƠN_VỊ'."
    )
    code, output = _run(["invite", "so y te", "--count", "ba"], None, tmp_path)
    _assert_vietnamese_usage_error(
        code,
        output,
        "Giá trị không hợp lệ cho '--count' / '-n': «ba» không phải là số nguyên.",
    )
    code, output = _run(["agencies", "--format", "xml"], "vi", tmp_path)
    _assert_vietnamese_usage_error(
        code, output, "«xml» không phải một trong các giá trị: table, json."
    )
    code, output = _run(["plan", "show", "kh38", "--bogus"], None, tmp_path)
    _assert_vietnamese_usage_error(code, output, "Không có tuỳ chọn --bogus")
    code, output = _run(["revoke", "1", "2"], None, tmp_path)
    _assert_vietnamese_usage_error(code, output, "Có tham số thừa (2)")
    assert not database.exists()  # refused before any command ran: no database was created


def test_usage_errors_are_english_with_planbot_locale_en(tmp_path: Path) -> None:
    code, output = _run(["invite", "so y te", "--count", "ba"], "en", tmp_path)
    assert code == 2
    assert "Usage: planbot invite [OPTIONS] {AGENCY}" in output
    assert "Try 'planbot invite --help' for help." in output
    assert "Error: Invalid value for '--count' / '-n': «ba» is not a whole number." in output
    code, output = _run(["agencis"], "en", tmp_path)
    assert code == 2
    assert "Error: No such command 'agencis'. Did you mean 'agencies'?" in output
    assert not VIETNAMESE_LETTERS.search(output), output


def test_the_translation_does_not_outlive_the_command_line(tmp_path: Path) -> None:
    """Typer's gettext answers from our catalog only while a planbot command line runs."""
    code, output = _run(["--help"], "vi", tmp_path)
    assert code == 0
    assert "Tuỳ chọn:" in output
    typer_gettext = typer.core.__dict__["_"]  # the function typer.core translates with
    assert typer_gettext("Options") == gettext.gettext("Options") == "Options"
    assert translator("en").gettext("Options") == "Options"  # the chat's translators are their own


def test_the_installed_command_line_speaks_vietnamese(tmp_path: Path) -> None:
    """The real entry point (only the named command's module loaded) in a fresh process."""
    probe = "import sys\nsys.argv = ['planbot', 'agencies', '--hepl']\nfrom bot.cli import main\nmain()\n"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={"PLANBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Cách dùng: planbot agencies [TUỲ_CHỌN]" in done.stderr
    assert "Lỗi: Không có tuỳ chọn --hepl (có phải: --help?)" in done.stderr
