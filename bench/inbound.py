"""Inbound status updates: planbot against a bare python-telegram-bot bot, side by side.

Both bots run in a child process (``bench.subject``) and long-poll the same fake Bot API server
(tests/support/telegram_server.py, in this process) for the same updates: ``users`` focal points
(each bound to a reporting unit of the seed plan) each send ``updates / users`` status updates
on tasks of their unit ("nv 2.2.1 đang triển khai, đã họp lần 3"). The bare bot answers each
with one ``reply_text``; planbot understands, stores and confirms it (and records the sent
message), on a SQLite file or a PostgreSQL database. Three runs per bot:

- paced: updates offered at ``rate``/s with the rate limiter on; process CPU time per update
  (CPU of the child from its first poll to its last handled update, divided by the updates) and
  update->reply latency (from the update being queued to the reply's arrival at the server);
- backlog, limiter off: every update queued at once; throughput (updates/s);
- backlog, limiter on: ``burst`` updates queued at once (several per user); the most replies
  that arrived in any 1 s window (Telegram: 30) and in any 1 s window of one chat (1).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.common import (
    BenchTelegram,
    call_in,
    database,
    max_in_window,
    median,
    percentile,
    subject,
)
from tests.support.telegram_server import TgUser

FIRST_USER = 500_000


def prepare(url: str, data_dir: str, users: int) -> list[tuple[int, str, list[str]]]:
    """Register ``users`` focal points; returns each (id, name) with the task ids of its unit."""
    from datetime import UTC, datetime

    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from bot.models import User

    settings = Settings(_env_file=None, database_url=url, data_dir=Path(data_dir))  # type: ignore[call-arg]
    services = bootstrap(settings)
    plan = services.plan
    units = [u for u in plan.reporting_units() if plan.assignments_of(u)]
    result = []
    with services.db.write() as session:
        for number in range(users):
            unit = units[number % len(units)]
            user = TgUser(FIRST_USER + number, f"Cán bộ {number}", "vi")
            session.add(
                User(
                    channel="telegram",
                    external_id=str(user.id),
                    chat_id=str(user.id),
                    agency_id=unit,
                    role="focal",
                    display_name=user.first_name,
                    created_at=datetime(2026, 1, 5, 2, tzinfo=UTC),
                )
            )
            tasks = [task.id for task, _role in plan.assignments_of(unit)]
            result.append((user.id, user.first_name, tasks))
    services.db.dispose()
    return result


def _updates(
    fake: BenchTelegram, people: list[tuple[TgUser, list[str]]], count: int, run: int
) -> list[dict[str, Any]]:
    updates = []
    for number in range(count):
        user, tasks = people[number % len(people)]
        turn = number // len(people)
        task = tasks[turn % len(tasks)]
        text = f"nv {task} đang triển khai, đã họp lần {run * 1000 + turn + 1}"
        updates.append(fake.text_update(user, text))
    return updates


async def _one_run(
    bot: str,
    db_kind: str,
    folder: Path,
    *,
    users: int,
    updates: int,
    limiter: bool,
    rate: float | None,
    run: int,
    code: Path | None = None,
) -> dict[str, Any]:
    with database(db_kind, folder) as url:
        data_dir = folder / "data"
        prepared = await call_in(code, "bench.inbound:prepare", url, str(data_dir), users)
        people = [(TgUser(uid, name, "vi"), list(tasks)) for uid, name, tasks in prepared]
        async with BenchTelegram() as fake:
            batch = _updates(fake, people, updates, run)
            config = {
                "role": "inbound",
                "bot": bot,
                "updates": updates,
                "limiter": limiter,
                "token": fake.token,
                "api_url": fake.url,
                "database_url": url,
                "data_dir": str(data_dir),
            }
            queued: dict[int, list[float]] = {}
            async with subject(config, code=code) as child:
                await asyncio.sleep(0.3)  # let the first getUpdates arrive
                if rate is None:
                    now = time.monotonic()
                    for update in batch:
                        queued.setdefault(update["message"]["chat"]["id"], []).append(now)
                    await fake.push_many(batch)
                else:
                    start = time.monotonic()
                    for index, update in enumerate(batch):
                        delay = start + index / rate - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        chat = update["message"]["chat"]["id"]
                        queued.setdefault(chat, []).append(time.monotonic())
                        await fake.push_many([update])
                result = await child.result(1800.0)
            stored = await asyncio.to_thread(_stored_updates, url) if bot == "planbot" else None
        sends = fake.arrivals.sends
    by_chat: dict[int, list[float]] = {}
    for moment, chat in sends:
        by_chat.setdefault(chat, []).append(moment)
    latencies = []
    for chat, pushes in queued.items():
        replies = sorted(by_chat.get(chat, []))
        for pushed in pushes:
            later = [r for r in replies if r >= pushed]
            if later:
                latencies.append(later[0] - pushed)
    moments = [moment for moment, _chat in sends]
    span = max(moments) - min(moments) if len(moments) > 1 else float("nan")
    return {
        "cpu_per_update_ms": 1000 * result["cpu"] / updates,
        "wall": result["wall"],
        "throughput": updates / result["wall"],
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p95_ms": 1000 * percentile(latencies, 0.95),
        "replies": len(sends),
        "reply_span": span,
        "max_per_second": max_in_window(moments, 1.0),
        "max_per_chat_second": max((max_in_window(v, 1.0) for v in by_chat.values()), default=0),
        "rss_mib": result["rss_mib"],
        "stored": stored,
    }


def _stored_updates(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM status_update")).scalar_one()
    engine.dispose()
    return int(count)


async def run(
    folder: Path,
    *,
    users: int = 100,
    updates: int = 1000,
    rate: float = 25.0,
    burst: int = 300,
    repeats: int = 3,
    databases: tuple[str, ...] = ("sqlite",),
    before: Path | None = None,
    log: Any = print,
) -> dict[str, Any]:
    """Every run, both bots (and planbot from ``before``, another checkout, on SQLite); returns
    the medians of each figure over ``repeats``."""
    results: dict[str, Any] = {}
    subjects: list[tuple[str, str, Path | None]] = [("bare", "sqlite", None)]
    if before is not None:
        subjects.append(("planbot", "sqlite", before))
    subjects += [("planbot", kind, None) for kind in databases]
    for bot, kind, code in subjects:
        name = bot if bot == "bare" else f"planbot/{kind}"
        if code is not None:
            name = "planbot-before/sqlite"
        paced, loose, bursts = [], [], []
        for number in range(repeats):
            paced.append(
                await _one_run(
                    bot,
                    kind,
                    folder,
                    users=users,
                    updates=updates,
                    limiter=True,
                    rate=rate,
                    run=number,
                    code=code,
                )
            )
            loose.append(
                await _one_run(
                    bot,
                    kind,
                    folder,
                    users=users,
                    updates=updates,
                    limiter=False,
                    rate=None,
                    run=number,
                    code=code,
                )
            )
            log(
                f"  inbound {name} #{number + 1}: "
                f"{paced[-1]['cpu_per_update_ms']:.2f} ms CPU/update, "
                f"p95 {paced[-1]['p95_ms']:.0f} ms, {loose[-1]['throughput']:.0f} updates/s"
            )
        bursts.append(
            await _one_run(
                bot,
                kind,
                folder,
                users=users,
                updates=burst,
                limiter=True,
                rate=None,
                run=repeats,
                code=code,
            )
        )
        results[name] = {
            "cpu_per_update_ms": median([r["cpu_per_update_ms"] for r in paced]),
            "cpu_runs": [round(r["cpu_per_update_ms"], 2) for r in paced],
            "p50_ms": median([r["p50_ms"] for r in paced]),
            "p95_ms": median([r["p95_ms"] for r in paced]),
            "throughput": median([r["throughput"] for r in loose]),
            "throughput_runs": [round(r["throughput"], 1) for r in loose],
            "rss_mib": max(r["rss_mib"] for r in paced + loose),
            "stored": paced[0]["stored"],
            "burst_updates": burst,
            "burst_max_per_second": bursts[0]["max_per_second"],
            "burst_max_per_chat_second": bursts[0]["max_per_chat_second"],
            "burst_rate": bursts[0]["replies"] / bursts[0]["reply_span"]
            if bursts[0]["reply_span"]
            else float("nan"),
        }
    bare = results["bare"]
    for name, figures in results.items():
        if name != "bare":
            figures["cpu_ratio"] = figures["cpu_per_update_ms"] / bare["cpu_per_update_ms"]
            figures["throughput_ratio"] = figures["throughput"] / bare["throughput"]
    return results
