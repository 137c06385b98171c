"""What an idle ``planbot run`` holds: the real command, long-polling a fake Bot API with the web
application on, imports none of what only a page, a plan file, a report or Zalo needs (each is
resident memory of every running bot; BENCHMARKS.md, issue 12 target 4)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.support.telegram_server import FakeTelegram

# Writes the modules the command imported to the file named by its first argument, at exit.
PROBE = (
    "import atexit, sys\n"
    "out = sys.argv[1]\n"
    "atexit.register(lambda: open(out, 'w').write(' '.join(sorted(sys.modules))))\n"
    "sys.argv = ['planbot', 'run']\n"
    "from bot.cli import main\n"
    "main()\n"
)


async def _idle_run_modules(tmp_path: Path, *, web: bool = True, **env_extra: str) -> set[str]:
    """The modules of a ``planbot run`` that has polled the fake Bot API and served nothing
    (``web``: with the web application, as by default; else PLANBOT_WEB_ENABLED=false)."""
    out = tmp_path / "modules.txt"
    async with FakeTelegram() as fake:
        env = {
            "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
            "PLANBOT_TELEGRAM_TOKEN": fake.token,
            "PLANBOT_TELEGRAM_API_URL": fake.url,
            "PLANBOT_WEB_PORT": "0",
            "PLANBOT_WEB_ENABLED": "true" if web else "false",
            "PATH": "/usr/bin:/bin",
            **env_extra,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            PROBE,
            str(out),
            env=env,
            cwd=REPO_ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(120):
                while not fake.calls_of("getUpdates"):
                    if process.returncode is not None:
                        break
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # the web application and the scheduler are up
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            async with asyncio.timeout(60):
                _, stderr = await process.communicate()
    assert fake.calls_of("getUpdates"), stderr.decode()[-3000:]
    assert "Traceback" not in stderr.decode(), stderr.decode()[-3000:]
    # The web application's start is logged with its address.
    assert ("web application on" in stderr.decode()) is web, stderr.decode()[-3000:]
    return set(out.read_text().split())


def _packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


async def test_an_idle_run_loads_no_template_engine_renderer_or_plan_importer(
    tmp_path: Path,
) -> None:
    """Jinja2 is imported at the first page; rich at the first table a command prints; the
    documents' libraries at the first report; the plan importer at the first plan file;
    holidays' other countries never; the data folder's platform lookup (platformdirs) only when
    PLANBOT_DATA_DIR is not set."""
    modules = await _idle_run_modules(tmp_path)
    assert {"bot.runtime", "bot.web.server", "telegram.ext", "apscheduler"} <= modules
    loaded = _packages(modules)
    for package in (
        "jinja2",
        "rich",
        "matplotlib",
        "docx",
        "openpyxl",
        "pdfplumber",
        "platformdirs",
    ):
        assert package not in loaded, package
    assert not {name for name in modules if name.startswith("bot.importer")}
    assert "holidays.countries" not in modules
    assert "cryptography" not in loaded


async def test_an_idle_run_without_the_web_loads_no_web_server_nor_zalo(tmp_path: Path) -> None:
    """With PLANBOT_WEB_ENABLED=false and no Zalo token the bot polls Telegram and keeps its
    reminders without aiohttp, the web application or the Zalo channel in memory; from its
    second start on, without the holidays package either (the days off it computed at the
    first are kept in the data folder: tests/test_workdays_kept.py)."""
    first = await _idle_run_modules(tmp_path, web=False)
    modules = await _idle_run_modules(tmp_path, web=False)
    assert {"bot.runtime", "telegram.ext", "apscheduler", "scheduler.runner"} <= modules
    assert "aiohttp" not in _packages(modules)
    assert not {name for name in modules if name.startswith(("bot.web", "bot.channels.zalo"))}
    assert "holidays" in _packages(first)
    assert not {"holidays", "dateutil"} & _packages(modules)
