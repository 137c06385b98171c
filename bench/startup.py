"""Start-up and memory: CLI commands' start time (wall and CPU, medians), which heavy libraries a
command loads, and the peak RSS of an idle ``planbot run`` (the real command, long-polling the
fake Bot API until it has polled for ``idle_seconds``) beside an idle bare PTB bot and an idle
"floor" bot (:data:`FLOOR_BOT`: the bare bot with every library planbot is required to use
imported and touched, the least an idle ``planbot run`` can hold); and the floor of the imports
(:func:`floor`): the CPU and peak RSS of a fresh interpreter importing the libraries a command
or the running bot needs, step by step.

Every command runs with a bytecode cache of its own in the benchmark's folder
(``PYTHONPYCACHEPREFIX``, warmed by a first run of each side), as an installed planbot has its
``.pyc`` files: with ``PYTHONDONTWRITEBYTECODE`` set (as on the development machine) each start
would compile planbot's sources again (0.1–0.15 s of a command's CPU there).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, BenchTelegram, median, subject

HEAVY = ("matplotlib", "docx", "openpyxl", "telegram", "apscheduler", "alembic")
PROBE = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "sys.stderr.write('LOADED ' + ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
)


def _planbot() -> str:
    return str(Path(sys.executable).parent / "planbot")


def _env(folder: Path, code: Path | None = None, **extra: str) -> dict[str, str]:
    """The command's environment; with ``code``, another checkout's planbot (``--before``)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PLANBOT_")
        and key not in ("PTB_TIMEDELTA", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    if code is not None:
        env["PYTHONPATH"] = str(code)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    env.update(
        PLANBOT_DATABASE_URL=f"sqlite:///{folder / 'startup.db'}",
        PLANBOT_DATA_DIR=str(folder / "data"),
        **extra,
    )
    return env


def _command(
    folder: Path, args: list[str], code: Path | None = None
) -> tuple[float, float, set[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=_env(folder, code),
        cwd=code or REPO_ROOT,
        timeout=300,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next((x for x in done.stderr.splitlines() if x.startswith("LOADED ")), "LOADED")
    loaded = set(line.split()[1:]) & set(HEAVY)
    return wall, cpu, loaded


def commands(
    folder: Path, repeats: int, log: Any = print, before: Path | None = None
) -> dict[str, Any]:
    """Each command ``repeats`` times; with ``before`` (another checkout), that checkout's run
    alternates with this one's on the same database (``planbot-before ...`` keys)."""
    _command(folder, ["agencies"])  # creates, migrates and loads the plan; compiles
    results: dict[str, Any] = {}
    sides: list[tuple[str, Path | None]] = [("planbot", None)]
    if before is not None:
        sides.insert(0, ("planbot-before", before))
        _command(folder, ["agencies"], before)  # compiles that checkout's sources
    for args in (
        ["--help"],
        ["--version"],  # before 2 December 2026: an unknown option (a usage error)
        ["agencies"],
        ["tasks"],
        ["digest", "--at", "2021-03-10"],
        ["schedule", "--year", "2021"],
    ):
        runs: dict[str, list[tuple[float, float, set[str]]]] = {side: [] for side, _ in sides}
        for _ in range(repeats):
            for side, code in sides:
                runs[side].append(_command(folder, args, code))
        for side, _code in sides:
            name = f"{side} " + " ".join(args)
            results[name] = {
                "wall_s": median([r[0] for r in runs[side]]),
                "cpu_s": median([r[1] for r in runs[side]]),
                "heavy_loaded": sorted(runs[side][0][2]),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
            figures = results[name]
            log(
                f"  {name}: {figures['wall_s']:.2f} s ({figures['cpu_s']:.2f} s CPU), loads "
                f"{', '.join(figures['heavy_loaded']) or 'none of ' + '/'.join(HEAVY)}, "
                f"load {figures['load_average_1m']}"
            )
    return results


# Cumulative import steps of a fresh interpreter: what a command and the running bot need.
FLOOR_STEPS: tuple[tuple[str, str], ...] = (
    ("python", "pass"),
    ("+ typer, rich (the command line)", "import typer, rich.console, rich.table"),
    ("+ pydantic, pydantic-settings", "import pydantic, pydantic_settings"),
    ("+ Babel (the catalogs)", "import babel.support, babel.dates, babel.numbers"),
    ("+ sqlalchemy (Core)", "import sqlalchemy"),
    ("+ sqlalchemy.orm, sqlmodel", "import sqlalchemy.orm, sqlmodel"),
    ("+ bot.models (the tables)", "import bot.models"),
    ("+ bot.bootstrap (db, plan, calendar)", "import bot.bootstrap"),
    ("+ bot.cli.plan_commands (agencies)", "import bot.cli.plan_commands"),
    ("+ httpx, telegram, telegram.ext", "import httpx, telegram, telegram.ext"),
    ("+ aiohttp.web, jinja2 (web, Zalo webhook)", "import aiohttp.web, jinja2"),
    ("+ holidays, Vietnam's calendar", "import holidays; holidays.country_holidays('VN')"),
    ("+ bot.runtime (handlers, scheduler, web)", "import bot.runtime"),
)
_FLOOR_PROBE = (
    "import resource, sys\n{imports}\n"
    "u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "sys.stdout.write(f'FLOOR {{u.ru_utime + u.ru_stime}} {{int(hwm) / 1024}}\\n')\n"
)


def floor(
    folder: Path, repeats: int, log: Any = print, steps: int = len(FLOOR_STEPS)
) -> dict[str, Any]:
    """CPU (user + system, minimum of ``repeats``) and peak RSS of a fresh interpreter after
    each cumulative import step of :data:`FLOOR_STEPS` (the first ``steps``), bytecode cached."""
    results: dict[str, Any] = {}
    imports: list[str] = []
    for label, statement in FLOOR_STEPS[:steps]:
        imports.append(statement)
        probe = _FLOOR_PROBE.format(imports="\n".join(imports))
        runs: list[tuple[float, float]] = []
        for _ in range(repeats + 1):  # the first run compiles
            done = subprocess.run(
                [sys.executable, "-c", probe],
                capture_output=True,
                text=True,
                env=_env(folder),
                cwd=REPO_ROOT,
                timeout=300,
                check=True,
            )
            line = next(x for x in done.stdout.splitlines() if x.startswith("FLOOR "))
            runs.append((float(line.split()[1]), float(line.split()[2])))
        cpu = min(run[0] for run in runs[1:])
        rss = min(run[1] for run in runs[1:])
        results[label] = {
            "cpu_s": cpu,
            "peak_rss_mib": rss,
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
        log(f"  floor {label}: {cpu:.3f} s CPU, {rss:.1f} MiB")
    return results


# The floor of an idle ``planbot run``: the bare PTB bot (bench/subject.py's, same builder, same
# rate limiter, same polling, peak RSS read the same way after the same idle time) that also
# imports and touches, as planbot must, the libraries the design requires (python-telegram-bot,
# APScheduler, SQLModel, Babel) and the ones it is built on (pydantic-settings, Typer, holidays).
# It takes the two shortcuts planbot takes, so that planbot - floor is planbot's own: PTB imported
# without Passport's cryptography (bot/telegram_import.py) and holidays' Vietnam loaded without the
# other countries (scheduler/workdays.py). Run as ``python -c FLOOR_BOT <config json>``; prints
# ``RESULT {"rss_mib": ...}``.
FLOOR_BOT = """
import asyncio, importlib.abc, importlib.util, json, sys
from datetime import UTC, date, datetime
from pathlib import Path

config = json.loads(sys.argv[1])
sys.argv[1:] = []


class RefuseCryptography(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] == "cryptography":
            raise ModuleNotFoundError(fullname, name=fullname)
        return None


finder = RefuseCryptography()
sys.meta_path.insert(0, finder)
import telegram
sys.meta_path.remove(finder)
from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, MessageHandler, filters

import typer
import pydantic_settings
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations
import sqlalchemy
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
LEAN = bool(config.get("lean"))  # no SQLModel (Core alone) and no holidays

if not LEAN:
    import holidays

    spec = importlib.util.find_spec("holidays")
    vietnam_file = Path(next(iter(spec.submodule_search_locations))) / "countries" / "vietnam.py"
    vietnam_spec = importlib.util.spec_from_file_location("floor_vietnam", vietnam_file)
    vietnam = importlib.util.module_from_spec(vietnam_spec)
    vietnam_spec.loader.exec_module(vietnam)


class Settings(pydantic_settings.BaseSettings):
    model_config = pydantic_settings.SettingsConfigDict(env_prefix="FLOOR_")
    token: str = ""
    api_url: str = ""
    database_url: str = ""


if not LEAN:  # SQLModel, as required; lean: SQLAlchemy Core alone
    import sqlmodel

    class Row(sqlmodel.SQLModel, table=True):
        id: int | None = sqlmodel.Field(default=None, primary_key=True)
        text: str
        at: datetime

else:
    metadata = sqlalchemy.MetaData()
    ROW = sqlalchemy.Table(
        "row",
        metadata,
        sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
        sqlalchemy.Column("text", sqlalchemy.String, nullable=False),
        sqlalchemy.Column("at", sqlalchemy.DateTime, nullable=False),
    )


def touch(settings: Settings) -> None:
    locale = Locale.parse("vi")
    NullTranslations().gettext("x")
    format_date(date(2026, 12, 3), "full", locale=locale)
    format_datetime(datetime(2026, 12, 3, 8), locale=locale)
    format_decimal(1234.5, locale=locale)
    if not LEAN:
        days_off = vietnam.Vietnam(years=2026, expand=True)
        assert date(2026, 9, 2) in days_off
    engine = sqlalchemy.create_engine(settings.database_url)
    at = datetime(2026, 12, 3, 1, tzinfo=UTC)
    if not LEAN:
        sqlmodel.SQLModel.metadata.create_all(engine)
        with sqlmodel.Session(engine) as session:
            session.add(Row(text="Đã ghi nhận", at=at))
            session.commit()
            session.exec(sqlmodel.select(Row)).all()
    else:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(ROW.insert().values(text="Đã ghi nhận", at=at))
            connection.execute(sqlalchemy.select(ROW)).all()


def vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def serve(settings: Settings) -> None:
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .connect_timeout(30.0)
        .read_timeout(30.0)
        .write_timeout(30.0)
        .pool_timeout(30.0)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .build()
    )

    async def echo(update: Update, _context: object) -> None:
        await update.effective_message.reply_text("Đã ghi nhận: " + str(update.message.text))

    application.add_handler(MessageHandler(filters.TEXT, echo))
    scheduler = AsyncIOScheduler(timezone="Asia/Ho_Chi_Minh")
    scheduler.add_job(lambda: None, IntervalTrigger(seconds=60))
    scheduler.start()
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await asyncio.sleep(float(config["idle_seconds"]))
        await application.updater.stop()
        await application.stop()
    scheduler.shutdown(wait=False)


app = typer.Typer()


@app.command()
def run() -> None:
    settings = Settings(
        token=config["token"], api_url=config["api_url"], database_url=config["database_url"]
    )
    touch(settings)
    asyncio.run(serve(settings))
    sys.stdout.write("RESULT " + json.dumps({"rss_mib": vm_hwm_mib()}) + "\\n")


app()
"""


async def floor_bot(
    folder: Path, token: str, api_url: str, idle_seconds: float, *, lean: bool = False
) -> dict[str, Any]:
    """Peak RSS of the floor bot (:data:`FLOOR_BOT`) once it has polled for ``idle_seconds``;
    ``lean``: its row written and read with SQLAlchemy Core instead of SQLModel, and no holidays
    package (what the floor would be for a bot that keeps its days off, as planbot does, and
    needs no ORM until its first message)."""
    config = {
        "token": token,
        "api_url": api_url,
        "idle_seconds": idle_seconds,
        "database_url": f"sqlite:///{folder / ('floor-lean.db' if lean else 'floor.db')}",
        "lean": lean,
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLANBOT_", "FLOOR_")) and key != "PYTHONPYCACHEPREFIX"
    }
    env.update(PTB_TIMEDELTA="true", PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        FLOOR_BOT,
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=folder,
        env=env,
    )
    async with asyncio.timeout(120):
        stdout, stderr = await process.communicate()
    line = next((x for x in stdout.decode().splitlines() if x.startswith("RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"the floor bot failed: {stderr.decode()[-3000:]}")
    return dict(json.loads(line[7:]))


def _vm(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _planbot_idle(
    fake: BenchTelegram,
    folder: Path,
    code: Path | None,
    idle_seconds: float,
    *,
    web: bool = True,
) -> tuple[float, float, float]:
    """(peak RSS, RSS, seconds to the first poll) of one ``planbot run`` on ``fake``; ``web``:
    with the web application (on a free port), as by default, else PLANBOT_WEB_ENABLED=false."""
    env = _env(
        folder,
        code,
        PLANBOT_TELEGRAM_TOKEN=fake.token,
        PLANBOT_TELEGRAM_API_URL=fake.url,
        PLANBOT_WEB_PORT="0",
        PLANBOT_WEB_ENABLED="true" if web else "false",
    )
    polls = len(fake.calls_of("getUpdates"))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        _planbot(),
        "run",
        env=env,
        cwd=folder,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(120):
            while len(fake.calls_of("getUpdates")) == polls:  # noqa: ASYNC110 (no event)
                await asyncio.sleep(0.05)
        ready = time.perf_counter() - started
        await asyncio.sleep(idle_seconds)
        peak = _vm(process.pid, "VmHWM")
        current = _vm(process.pid, "VmRSS")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
    return peak, current, ready


async def idle_run(
    folder: Path, idle_seconds: float = 3.0, code: Path | None = None
) -> dict[str, Any]:
    """Peak RSS of the real ``planbot run`` once it polls (with ``code``: another checkout's),
    of an idle bare PTB bot and of the floor bot (:data:`FLOOR_BOT`), on the same fake Bot API;
    without ``code`` also of ``planbot run`` with PLANBOT_WEB_ENABLED=false (``..._no_web_...``:
    an older checkout may not know the setting).

    Each runs once unmeasured first: the run path's bytecode (planbot's, PTB's, aiohttp's...)
    is then in the cache, as installed, and compiling it does not raise the measured peak (a
    cold cache raised planbot's by 26 MiB; the side measured first paid 5 MiB for both)."""
    async with BenchTelegram() as fake:
        fake.keep_calls = True
        await _planbot_idle(fake, folder, code, 0.2)  # warms the bytecode cache
        peak, current, ready = await _planbot_idle(fake, folder, code, idle_seconds)
        no_web: dict[str, float] = {}
        if code is None:
            await _planbot_idle(fake, folder, code, 0.2, web=False)
            no_web_peak, no_web_current, _ready = await _planbot_idle(
                fake, folder, code, idle_seconds, web=False
            )
            no_web = {
                "planbot_run_no_web_peak_rss_mib": no_web_peak,
                "planbot_run_no_web_rss_mib": no_web_current,
            }
        config = {
            "role": "inbound",
            "bot": "bare",
            "updates": 0,
            "limiter": True,
            "token": fake.token,
            "api_url": fake.url,
            "idle_seconds": 0.2,
        }
        async with subject(config) as child:
            await child.result(120.0)
        async with subject({**config, "idle_seconds": idle_seconds}) as child:
            bare = await child.result(120.0)
        await floor_bot(folder, fake.token, fake.url, 0.2)
        floor_ = await floor_bot(folder, fake.token, fake.url, idle_seconds)
        if code is None:
            await floor_bot(folder, fake.token, fake.url, 0.2, lean=True)
            lean = await floor_bot(folder, fake.token, fake.url, idle_seconds, lean=True)
            no_web["floor_bot_lean_peak_rss_mib"] = lean["rss_mib"]
    return {
        "planbot_run_peak_rss_mib": peak,
        "planbot_run_rss_mib": current,
        "planbot_run_ready_s": ready,
        "bare_ptb_peak_rss_mib": bare["rss_mib"],
        "floor_bot_peak_rss_mib": floor_["rss_mib"],
        "planbot_minus_floor_mib": peak - floor_["rss_mib"],
        **no_web,
    }
