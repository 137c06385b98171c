"""Data growth: a synthetic plan of ``units`` reporting units x ``items`` task items (every unit
leads every item, through a group), and ``years`` of quarterly rounds, each round holding
``per_item`` reports per unit and item (100 x 50 x 2 x 20 rounds = 200,000 status updates, a
tenth of them corrected). Measured, on SQLite and PostgreSQL, at 10 %, 50 % and 100 % of the
history (the newest round is the one reported on):

- the digest of the newest round, in process (``build_digest``) and as ``planbot digest``;
- the .docx of that round (``render_docx``), also for plans of 10 %, 50 % and 100 % of the units
  (it should grow linearly with the plan, not with the history);
- "what's my task" (``/nhiemvu`` through the chat handlers, for one unit's focal point);
- ``planbot schedule --year``.

In-process figures are medians of ``repeats`` runs, wall time (the CPU time is given beside).

On PostgreSQL the table is analyzed after each step's rows are added (:meth:`DataSet.analyze`:
a real database's autovacuum keeps its statistics up to date as it grows, which the benchmark's
bulk growth outruns).

``python -m bench.data --in-process`` measures the in-process figures alone (digest, .docx,
"what's my task"), without the command lines and the .docx steps by plan size.
``python -m bench.data --commands-only`` measures only the command lines (``planbot digest``,
``planbot schedule --year`` and the start alone), with ``--before`` beside them, at the shares of
history ``--steps`` names (default 100 %): the figures of issue 12's targets 3 and 5 without the
in-process and .docx ones (``python -m bench --only data`` measures everything).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, database, median

START_YEAR = 2021


def synthetic_plan(units: int, items: int) -> dict[str, Any]:
    seed = json.loads((REPO_ROOT / "data" / "plan_tasks.json").read_text(encoding="utf-8"))
    keep = {"ubnd-tinh", "so-khdt"}
    agencies = [a for a in seed["agencies"] if a["id"] in keep]
    unit_ids = [f"don-vi-{n:03d}" for n in range(1, units + 1)]
    for number, unit in enumerate(unit_ids, start=1):
        agencies.append(
            {
                "id": unit,
                "name": f"Đơn vị thử nghiệm số {number}",
                "short_name": f"Đơn vị {number}",
                "aliases": [f"don vi {number}"],
                "kind": "department",
                "source": "plan",
            }
        )
    agencies.append(
        {
            "id": "cac-don-vi",
            "name": "Các đơn vị thử nghiệm",
            "short_name": "Các đơn vị",
            "aliases": ["cac don vi"],
            "kind": "group",
            "members": unit_ids,
            "source": "plan",
        }
    )
    tasks = [
        {
            "id": f"2.{n}",
            "section": "II.2",
            "title": f"Nhiệm vụ thử nghiệm số {n} về phát triển kinh tế - xã hội",
            "text": f"2.{n}. Các đơn vị chủ trì triển khai nhiệm vụ thử nghiệm số {n}.",
            "general": False,
            "assignments": [
                {"agency": "cac-don-vi", "role": "lead"},
                {"agency": "so-khdt", "role": "coordinate"},
            ],
        }
        for n in range(1, items + 1)
    ]
    reporting = [dict(rule) for rule in seed["reporting"]]
    reporting[0]["who"] = ["cac-don-vi"]
    plan = dict(seed["plan"], id=f"bench-{units}x{items}")
    return {"plan": plan, "agencies": agencies, "tasks": tasks, "reporting": reporting}


class DataSet:
    """One database with the synthetic plan, one focal point per unit, and rounds added."""

    def __init__(
        self, url: str, folder: Path, units: int, items: int, per_item: int, *, fresh: bool = True
    ) -> None:
        """``fresh``: a new database (the plan written, the focal points added); else the one
        already there, opened by other code (``--before``)."""
        from bot.bootstrap import bootstrap
        from bot.config import Settings

        self.url = url
        self.folder = folder
        self.units = units
        self.items = items
        self.per_item = per_item
        folder.mkdir(parents=True, exist_ok=True)
        self.plan_path = folder / f"plan-{units}x{items}.json"
        if fresh:
            self.plan_path.write_text(
                json.dumps(synthetic_plan(units, items), ensure_ascii=False), encoding="utf-8"
            )
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            data_dir=folder / "data",
            plan=self.plan_path,
        )
        self.services = bootstrap(self.settings)
        self.rounds: list[Any] = []
        self._next_id = 1
        if fresh:
            self._add_users()

    def _add_users(self) -> None:
        from bot.models import User

        with self.services.db.write() as session:
            for number, unit in enumerate(self.services.plan.reporting_units()):
                session.add(
                    User(
                        channel="telegram",
                        external_id=str(900_000 + number),
                        chat_id=str(900_000 + number),
                        agency_id=unit,
                        role="focal",
                        created_at=datetime(START_YEAR, 1, 2, tzinfo=UTC),
                    )
                )
        with self.services.db.session() as session:
            rows = session.connection().exec_driver_sql("SELECT id FROM app_user").all()
        self.user_ids = [int(row[0]) for row in rows]

    def all_rounds(self, years: int) -> list[Any]:
        calendar = self.services.calendar
        return [r for year in range(START_YEAR, START_YEAR + years) for r in calendar.rounds(year)]

    def add_round(self, round_: Any) -> None:
        """``per_item`` reports per unit and item inside the round, one in ten corrected."""
        from sqlalchemy import insert

        from bot.models import StatusUpdate

        units = self.services.plan.reporting_units()
        items = [task.id for task in self.services.plan.tasks]
        start = round_.deadline - timedelta(days=40)
        rows: list[dict[str, Any]] = []
        for u_index, unit in enumerate(units):
            user = self.user_ids[u_index % len(self.user_ids)]
            for i_index, item in enumerate(items):
                for k in range(self.per_item):
                    moment = start + timedelta(
                        minutes=(u_index * len(items) + i_index) * self.per_item + k
                    )
                    report_id = self._next_id
                    self._next_id += 1
                    rows.append(
                        {
                            "id": report_id,
                            "plan_id": self.services.plan.info.id,
                            "task_id": item,
                            "agency_id": unit,
                            "user_id": user,
                            "period": round_.id,
                            "status": "in_progress" if k < self.per_item - 1 else "done",
                            "text": f"Đã triển khai nội dung {item}, lần {k + 1}",
                            "kind": "report",
                            "refers_to": None,
                            "channel": "telegram",
                            "source_message_id": f"{round_.id}-{report_id}",
                            "created_at": moment,
                            "late": False,
                        }
                    )
                    if report_id % 10 == 0:
                        correction = self._next_id
                        self._next_id += 1
                        rows.append(
                            dict(
                                rows[-1],
                                id=correction,
                                kind="correction",
                                refers_to=report_id,
                                source_message_id=None,
                                text="Điều chỉnh: đã hoàn thành",
                                status="done",
                                created_at=moment + timedelta(seconds=30),
                            )
                        )
        with self.services.db.write() as session:
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(StatusUpdate), rows[chunk : chunk + 5000])
        self.rounds.append(round_)

    def analyze(self) -> None:
        """On PostgreSQL, the table's statistics brought up to date, as autovacuum keeps them on
        a real database: there the table grows a round at a time and autovacuum analyzes it
        each time it has grown by a tenth (``autovacuum_analyze_scale_factor``), while here it
        grows by whole years between two steps and is measured seconds later, before
        autovacuum's next round (``autovacuum_naptime``, a minute). Without this, a step's
        plans were made on the statistics of an earlier step or of none (BENCHMARKS.md, ninth
        session). SQLite gathers no statistics unless told (planbot never runs its ANALYZE), so
        nothing is done there."""
        if self.services.db.is_sqlite:
            return
        with self.services.db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE status_update")
            connection.commit()

    def count(self) -> int:
        with self.services.db.session() as session:
            result = session.connection().exec_driver_sql("SELECT count(*) FROM status_update")
            return int(result.scalar_one())

    def close(self) -> None:
        self.services.db.dispose()


def _in_process_log(figures: dict[str, Any]) -> str:
    return (
        f": digest {figures['digest_s'] * 1000:.0f} ms "
        f"({figures['digest_cpu_s'] * 1000:.0f} CPU), "
        f"docx {figures['docx_s']:.2f} s, my tasks "
        f"{figures['my_tasks_ms']:.1f} ms ({figures['my_tasks_cpu_ms']:.1f} CPU)"
    )


def _cli_log(figures: dict[str, Any]) -> str:
    if "cli_digest_s" not in figures:
        return ""
    return (
        f", planbot digest {figures['cli_digest_s']:.2f} s ({figures['cli_digest_cpu_s']:.2f}"
        f" CPU), schedule --year {figures['cli_schedule_year_s']:.2f} s "
        f"({figures['cli_schedule_year_cpu_s']:.2f} CPU), start alone "
        f"{figures['cli_start_s']:.2f} s ({figures['cli_start_cpu_s']:.2f} CPU), the floor "
        f"command {figures['cli_floor_s']:.2f} s ({figures['cli_floor_cpu_s']:.2f} CPU)"
    )


def _timed(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return median(walls), median(cpus)


# A command's start without its work: the interpreter, the command's module, the settings, the
# database opened and the plans read (what ``planbot digest`` and ``planbot schedule`` do
# before their own work), then nothing.
START_ONLY = (
    "import sys\n"
    "import bot.cli.reports, bot.cli.schedule\n"
    "from bot.cli.common import services\n"
    "with services() as built:\n"
    "    built.plans\n"
)


# The floor of a command that prints the schedule from the stored plans, with the libraries
# planbot is required to use and nothing of planbot's: a Typer command, a pydantic-settings
# class read from PLANBOT_*, the plan table's rows read with SQLAlchemy Core (their JSON
# documents decoded), a date and a time formatted by Babel in Vietnamese, a one-row rich table
# printed. Not the holidays package: the days off it computes can be kept (planbot keeps them in
# the data folder: scheduler/workdays.py). What ``planbot schedule --year`` spends beyond it is
# planbot's own: its modules, the database's opening and migration check, the plans parsed,
# the kept days off read, the year computed and its whole table printed.
FLOOR_COMMAND = """
from datetime import date, datetime

import typer
from pydantic_settings import BaseSettings, SettingsConfigDict
import sqlalchemy as sa
from babel.dates import format_date, format_datetime
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLANBOT_", env_file=".env", extra="ignore")
    database_url: str
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"


PLAN = sa.table(
    "plan", sa.column("id", sa.String), sa.column("document", sa.JSON),
    sa.column("retired_at", sa.String),
)


@app.command()
def schedule(year: int = typer.Option(..., "--year")) -> None:
    settings = Settings()
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(PLAN.c.id, PLAN.c.document).where(PLAN.c.retired_at.is_(None))
        ).all()
    assert rows and all(isinstance(row.document, dict) for row in rows)
    table = Table(title="Lịch nhắc")
    for header in ("Lúc", "Kỳ", "Hạn"):
        table.add_column(header)
    table.add_row(
        format_datetime(datetime(year, 3, 10, 8), locale=settings.locale),
        rows[0].id,
        format_date(date(year, 3, 15), "short", locale=settings.locale),
    )
    Console().print(table)


app()
"""


def _cli(data: DataSet, *args: str) -> tuple[float, float]:
    """``planbot`` with these arguments on this data: (wall seconds, CPU seconds); with
    ``START_ONLY`` or ``FLOOR_COMMAND`` as the first argument, that script instead (with the
    other arguments).

    Each runs with a bytecode cache of the benchmark's own (``PYTHONPYCACHEPREFIX``), as an
    installed planbot has its ``.pyc`` files, whether or not ``PYTHONDONTWRITEBYTECODE`` is set
    here (bench/startup.py does the same)."""
    if args and args[0] in (START_ONLY, FLOOR_COMMAND):
        command = [sys.executable, "-P", "-c", *args]  # -P: not the cwd's planbot
    else:
        command = [str(Path(sys.executable).parent / "planbot"), *args]
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPYCACHEPREFIX": str(data.folder / "pycache"),
        "PLANBOT_DATABASE_URL": data.url,
        "PLANBOT_DATA_DIR": str(data.folder / "data"),
        "PLANBOT_PLAN": str(data.plan_path),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"planbot {' '.join(args)[-200:]} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def measure(
    data: DataSet, repeats: int, cli_repeats: int, *, commands_only: bool = False
) -> dict[str, Any]:
    """The figures on ``data`` as it stands; ``commands_only``: the command lines' alone."""
    if commands_only:
        figures: dict[str, Any] = {"updates": data.count(), "rounds": len(data.rounds)}
        figures.update(measure_commands(data, cli_repeats))
        return figures
    import asyncio

    from bot.digest import build_digest
    from bot.i18n import translator
    from bot.messages import Incoming
    from bot.reports import render_docx
    from handlers import ChatHandlers

    services = data.services
    newest = data.rounds[-1]
    now = newest.deadline - timedelta(days=1)
    t = translator("vi")

    def digest() -> Any:
        with services.db.session() as session:
            return build_digest(session, services.plan, newest, now)

    built = digest()
    digest_wall, digest_cpu = _timed(digest, repeats)
    docx_wall, docx_cpu = _timed(lambda: render_docx(built, t), repeats)
    chat = ChatHandlers(services, flood_limit=10_000)
    tz = services.settings.tz

    def my_tasks() -> None:
        incoming = Incoming(
            channel="telegram",
            chat_id="900000",
            user_id="900000",
            display_name="Cán bộ",
            received_at=now.astimezone(tz),
            text="/nhiemvu",
        )
        replies = loop.run(chat.handle(incoming))
        if not replies or "2.1" not in replies[0].text:
            raise RuntimeError(f"unexpected answer to /nhiemvu: {replies!r}")

    # One event loop for every call, as in the bot (a new loop per call cost more than the
    # answer: BENCHMARKS.md, third session); the answer still goes through the chat handlers.
    with asyncio.Runner() as loop:
        my_tasks()
        tasks_wall, tasks_cpu = _timed(my_tasks, max(repeats, 10))
    figures = {
        "updates": data.count(),
        "rounds": len(data.rounds),
        "digest_s": digest_wall,
        "digest_cpu_s": digest_cpu,
        "docx_s": docx_wall,
        "docx_cpu_s": docx_cpu,
        "my_tasks_ms": 1000 * tasks_wall,
        "my_tasks_cpu_ms": 1000 * tasks_cpu,
    }
    if cli_repeats:
        figures.update(measure_commands(data, cli_repeats))
    return figures


def measure_commands(data: DataSet, cli_repeats: int) -> dict[str, Any]:
    """``planbot digest`` of the newest round the day before its deadline (as text), ``planbot
    schedule --year`` of its year and the start alone (:data:`START_ONLY`): medians of
    ``cli_repeats`` runs, wall and CPU seconds."""
    newest = data.rounds[-1]
    now = newest.deadline - timedelta(days=1)
    period = newest.id
    figures: dict[str, Any] = {}
    year = str(newest.deadline.year)
    if cli_repeats:
        # One unmeasured run of each first: the bytecode cache is then warm, as installed.
        _cli(data, "digest", "--period", period, "--at", now.isoformat())
        _cli(data, "schedule", "--year", year)
        _cli(data, START_ONLY)
        _cli(data, FLOOR_COMMAND, "--year", year)
        runs = [
            _cli(data, "digest", "--period", period, "--at", now.isoformat())
            for _ in range(cli_repeats)
        ]
        figures["cli_digest_s"] = median([wall for wall, _cpu in runs])
        figures["cli_digest_cpu_s"] = median([cpu for _wall, cpu in runs])
        runs = [_cli(data, "schedule", "--year", year) for _ in range(cli_repeats)]
        figures["cli_schedule_year_s"] = median([wall for wall, _cpu in runs])
        figures["cli_schedule_year_cpu_s"] = median([cpu for _wall, cpu in runs])
        runs = [_cli(data, START_ONLY) for _ in range(cli_repeats)]
        figures["cli_start_s"] = median([wall for wall, _cpu in runs])
        figures["cli_start_cpu_s"] = median([cpu for _wall, cpu in runs])
        runs = [_cli(data, FLOOR_COMMAND, "--year", year) for _ in range(cli_repeats)]
        figures["cli_floor_s"] = median([wall for wall, _cpu in runs])
        figures["cli_floor_cpu_s"] = median([cpu for _wall, cpu in runs])
    return figures


def measure_existing(
    url: str,
    folder: str,
    units: int,
    items: int,
    per_item: int,
    rounds: list[str],
    repeats: int,
    cli_repeats: int,
    commands_only: bool = False,
) -> dict[str, Any]:
    """:func:`measure` on a database that :class:`DataSet` filled (with the ``rounds`` named),
    by whichever planbot this process imports: ``--before`` runs it in a child on the
    older checkout, on the same rows as this checkout's figures."""
    data = DataSet(url, Path(folder), units, items, per_item, fresh=False)
    try:
        years = max(int(round_id[:4]) for round_id in rounds) - START_YEAR + 1
        wanted = set(rounds)
        data.rounds = [r for r in data.all_rounds(years) if r.id in wanted]
        return measure(data, repeats, cli_repeats, commands_only=commands_only)
    finally:
        data.close()


def _measure_before(
    code: Path, data: DataSet, repeats: int, cli_repeats: int, commands_only: bool = False
) -> dict[str, Any]:
    """:func:`measure_existing` in a child process on the planbot of ``code``."""
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('bench_data', {str(Path(__file__))!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "result = module.measure_existing(*json.loads(sys.argv[1]))\n"
        "sys.stdout.write('RESULT ' + json.dumps(result) + '\\n')\n"
    )
    args = [
        data.url, str(data.folder), data.units, data.items, data.per_item, [r.id for r in data.rounds],
        repeats, cli_repeats, commands_only,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(REPO_ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
        timeout=1800,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise RuntimeError(f"the data benchmark failed on {code}: {done.stderr[-3000:]}")


def run(
    folder: Path,
    *,
    units: int = 100,
    items: int = 50,
    per_item: int = 2,
    years: int = 5,
    steps: tuple[float, ...] = (0.1, 0.5, 1.0),
    databases: tuple[str, ...] = ("sqlite",),
    repeats: int = 5,
    cli_repeats: int = 3,
    before: Path | None = None,
    log: Any = print,
    unit_steps: tuple[float, ...] | None = None,
    commands_only: bool = False,
) -> dict[str, Any]:
    """Every figure; with ``before`` (another checkout), the same figures of that checkout on
    the same databases, measured alternately with this one's (``planbot-before/...`` keys).
    ``unit_steps``: the plan sizes of the .docx steps (``steps`` unless given; ``()`` none).
    ``commands_only``: only the command lines' figures (:func:`measure_commands`), no .docx
    steps."""
    if commands_only:
        unit_steps = ()
    results: dict[str, Any] = {}
    for kind in databases:
        with database(kind, folder) as url:
            data = DataSet(url, folder / f"history-{kind}", units, items, per_item)
            try:
                rounds = data.all_rounds(years)
                for share in steps:
                    wanted = max(1, round(share * len(rounds)))
                    for round_ in rounds[len(data.rounds) : wanted]:
                        data.add_round(round_)
                    data.analyze()
                    sides = [("", None)] if before is None else [("before ", before), ("", None)]
                    for label, code in sides:
                        if code is None:
                            figures = measure(
                                data, repeats, cli_repeats, commands_only=commands_only
                            )
                        else:
                            figures = _measure_before(
                                code, data, repeats, cli_repeats, commands_only
                            )
                        figures["load_average_1m"] = round(os.getloadavg()[0], 2)
                        prefix = "planbot-before/" if code is not None else ""
                        results[f"{prefix}{kind}/history {share:.0%}"] = figures
                        log(
                            f"  data {label}{kind} {share:.0%} ({figures['updates']} rows)"
                            + ("" if commands_only else _in_process_log(figures))
                            + _cli_log(figures)
                            + f", load {figures['load_average_1m']}"
                        )
            finally:
                data.close()
    # The .docx against the plan's size: one round, 10 % .. 100 % of the units.
    for share in steps if unit_steps is None else unit_steps:
        size = max(1, round(share * units))
        with database("sqlite", folder) as url:
            data = DataSet(url, folder / f"size-{size}", size, items, per_item)
            try:
                data.add_round(data.all_rounds(1)[0])
                figures = measure(data, repeats, 0)
            finally:
                data.close()
        results[f"sqlite/units {size}"] = figures
        log(f"  data {size} units: docx {figures['docx_s']:.2f} s")
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``python -m bench.data``: the data benchmark alone, or its command lines alone."""
    import tempfile

    from bench.common import postgres_available

    parser = argparse.ArgumentParser(prog="python -m bench.data", description=__doc__)
    parser.add_argument("--commands-only", action="store_true", help="only the command lines")
    parser.add_argument(
        "--in-process", action="store_true", help="only the in-process figures (no commands)"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL beside SQLite")
    parser.add_argument("--before", type=Path, default=None, help="another checkout beside")
    parser.add_argument("--steps", default="1.0", help="shares of the history (0.1,0.5,1.0)")
    parser.add_argument("--years", type=int, default=5, help="years of quarterly rounds")
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    options = parser.parse_args(argv)
    if options.in_process and options.commands_only:
        parser.error("--in-process and --commands-only exclude each other")
    databases: tuple[str, ...] = ("sqlite",)
    if options.postgres:
        if not postgres_available():
            parser.error("no PostgreSQL server answers (PLANBOT_BENCH_POSTGRES_URL)")
        databases = ("sqlite", "postgresql")
    load = os.getloadavg()[0]
    print(f"data benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="planbot-bench-data-") as folder:
        results = run(
            Path(folder),
            years=options.years,
            steps=tuple(float(step) for step in options.steps.split(",")),
            databases=databases,
            repeats=options.repeats,
            cli_repeats=0 if options.in_process else options.repeats,
            before=options.before,
            commands_only=options.commands_only,
            unit_steps=() if options.in_process else None,
        )
    if options.json is not None:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
