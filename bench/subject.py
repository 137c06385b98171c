"""The system under test, run as a child process by the benchmarks (``python -m bench.subject``).

One JSON argument says what to run:

- ``{"role": "inbound", "bot": "planbot" | "bare", ...}``: a python-telegram-bot application
  long-polling the fake Bot API; planbot's is built by ``build_application`` on a bootstrapped
  database, the bare one answers every text with one ``reply_text`` (the baseline: PTB's own
  cost for an update and its reply). It prints ``READY`` once polling, counts handled updates,
  and after ``updates`` of them prints ``RESULT`` with its process CPU time since READY.
- ``{"role": "fanout", "sender": "planbot" | "bare", ...}``: one reminder tick of planbot's
  runner for every focal point in the database (or, bare: PTB's ``AIORateLimiter`` and one
  ``send_message`` per chat, all at once), then ``RESULT``.

Peak RSS is ``ru_maxrss`` of this process.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROLE_TIMEOUT = 1800.0
# Set to a file name to write a pyinstrument profile of the subject there (BENCHMARKS.md).
PROFILE_ENV = "PLANBOT_BENCH_PROFILE"


def _emit(tag: str, data: dict[str, Any]) -> None:
    sys.stdout.write(f"{tag} {json.dumps(data)}\n")
    sys.stdout.flush()


def _peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the forking parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _inbound(config: dict[str, Any]) -> None:
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        MessageHandler,
        TypeHandler,
        filters,
    )

    expected = int(config["updates"])
    done = asyncio.Event()
    handled = 0

    async def count(_update: Update, _context: Any) -> None:
        nonlocal handled
        handled += 1
        if handled >= expected:
            done.set()

    if config["bot"] == "planbot":
        from bot.bootstrap import bootstrap
        from bot.channels.telegram import build_application
        from bot.config import Settings

        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=config["database_url"],
            data_dir=config["data_dir"],
            telegram_token=config["token"],
            telegram_api_url=config["api_url"],
        )
        services = bootstrap(settings)
        application: Any = build_application(
            services, rate_limiter=bool(config["limiter"]), request_timeout=30.0
        )
    else:
        builder = (
            ApplicationBuilder()
            .token(config["token"])
            .base_url(f"{config['api_url']}/bot")
            .base_file_url(f"{config['api_url']}/file/bot")
            .connect_timeout(30.0)
            .read_timeout(30.0)
            .write_timeout(30.0)
            .pool_timeout(30.0)
        )
        if config["limiter"]:
            builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
        application = builder.build()

        async def echo(update: Update, _context: Any) -> None:
            assert update.effective_message is not None
            await update.effective_message.reply_text("Đã ghi nhận: " + str(update.message.text))  # type: ignore[union-attr]

        application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(TypeHandler(Update, count), group=99)
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=10)
        cpu_start = time.process_time()
        wall_start = time.perf_counter()
        _emit("READY", {})
        if expected == 0:  # idle: what the bot holds once started, waiting for updates
            await asyncio.sleep(float(config.get("idle_seconds", 2.0)))
            done.set()
        await asyncio.wait_for(done.wait(), ROLE_TIMEOUT)
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - wall_start
        await application.updater.stop()
        await application.stop()
    _emit("RESULT", {"cpu": cpu, "wall": wall, "handled": handled, "rss_mib": _peak_rss_mib()})


async def _fanout(config: dict[str, Any]) -> None:
    from datetime import datetime

    if config["sender"] == "bare":
        from telegram.ext import AIORateLimiter, ExtBot

        chats: list[int] = list(config["chats"])
        bot: Any = ExtBot(
            config["token"],
            base_url=f"{config['api_url']}/bot",
            rate_limiter=AIORateLimiter(
                overall_max_rate=int(config.get("ceiling", 30)), max_retries=2
            ),
        )
        async with bot:
            _emit("READY", {})
            cpu_start = time.process_time()
            wall_start = time.perf_counter()
            failed = 0

            async def one(chat_id: int) -> None:
                nonlocal failed
                try:
                    await bot.send_message(chat_id, "Nhắc báo cáo")
                except Exception:
                    failed += 1

            await asyncio.gather(*(one(chat) for chat in chats))
            cpu = time.process_time() - cpu_start
            wall = time.perf_counter() - wall_start
        sent = len(chats) - failed
        _emit(
            "RESULT",
            {"cpu": cpu, "wall": wall, "sent": sent, "failed": failed, "rss_mib": _peak_rss_mib()},
        )
        return

    from bot.bootstrap import bootstrap
    from bot.channels.telegram import build_channel
    from bot.clock import FrozenClock
    from bot.config import Settings
    from scheduler.runner import SchedulerRunner

    at = datetime.fromisoformat(config["at"])
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=config["database_url"],
        data_dir=config["data_dir"],
        telegram_token=config["token"],
        telegram_api_url=config["api_url"],
    )
    services = bootstrap(settings, clock=FrozenClock(at))
    ceiling = int(config.get("ceiling", 30))
    # The channel's one flood limiter (shared by the runner and PTB's rate limiter), at the
    # ceiling the server allows.
    pacer = None if ceiling == 30 else _ceiling_pacer(ceiling)
    channel = build_channel(settings, request_timeout=30.0, pacer=pacer)
    assert channel is not None
    async with channel:
        runner = SchedulerRunner(services, {"telegram": channel}, holder="bench")
        _emit("READY", {})
        cpu_start = time.process_time()
        wall_start = time.perf_counter()
        # As ``planbot run`` ticks: only the counts are kept (code before that: every delivery).
        keep = {"keep": False} if "keep" in inspect.signature(runner.tick).parameters else {}
        result = await runner.tick(at, **keep)
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - wall_start
        await runner.shutdown()
    services.db.dispose()
    _emit(
        "RESULT",
        {
            "cpu": cpu,
            "wall": wall,
            "sent": result.sent,
            "failed": result.count("failed"),
            "rss_mib": _peak_rss_mib(),
        },
    )


def _ceiling_pacer(ceiling: int) -> Any:
    """The pacer a channel would have with Telegram's limits but ``ceiling`` per second."""
    from scheduler.pacing import TELEGRAM

    return replace(TELEGRAM, overall_per_second=ceiling).pacer()


def main() -> None:
    config = json.loads(sys.argv[1])
    role = config["role"]
    runner = {"inbound": _inbound, "fanout": _fanout}[role]
    profile = os.environ.get(PROFILE_ENV)
    if not profile:
        asyncio.run(runner(config))
        return
    from pyinstrument import Profiler  # a developer tool: pip install pyinstrument

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    with profiler:
        asyncio.run(runner(config))
    Path(profile).write_text(profiler.output_text(show_all=False), encoding="utf-8")


if __name__ == "__main__":
    main()
