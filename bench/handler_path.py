"""The handler path of a status update in process: no platform, no event loop, no threads.

``python -m bench.handler_path [--updates N]`` registers 100 focal points on a SQLite file (as
``bench.inbound`` does), then answers ``N`` status updates through ``ChatHandlers`` the way a
channel does (the turn, then the sent-message record of each reply, deferred to the next turn
where the checkout defers it) and prints, per update:
the process CPU time, and the database transactions begun, by kind (a read, or a writing
``BEGIN IMMEDIATE``). It separates planbot's own work from python-telegram-bot's and from the
cost of the worker threads that ``bench.inbound`` measures together. Run it on another
checkout with ``PYTHONPATH=<checkout>`` from that checkout.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import inbound

WARM_UP = 20


def measure(updates: int, url: str | None = None) -> dict[str, Any]:
    """``url``: an empty database to use instead of a new SQLite file (PostgreSQL)."""
    from sqlalchemy import event

    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from bot.messages import Incoming

    try:  # the channels' own way: deferred to the next turn's transaction
        from bot.sent import defer_sent as record_sent
    except ImportError:  # a checkout before that: a transaction per reply
        from bot.sent import record_sent  # type: ignore[assignment]
    from handlers import ChatHandlers

    with tempfile.TemporaryDirectory(prefix="planbot-handler-") as folder:
        url = url or f"sqlite:///{folder}/planbot.db"
        people = inbound.prepare(url, f"{folder}/data", 100)
        settings = Settings(_env_file=None, database_url=url, data_dir=Path(f"{folder}/data"))  # type: ignore[call-arg]
        services = bootstrap(settings)
        chat = ChatHandlers(services, flood_limit=10**9)
        begun: list[str] = []

        def on_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("planbot_immediate", False)
            begun.append("write" if immediate else "read")

        event.listen(services.db.engine, "begin", on_begin)
        messages = []
        for number in range(updates + WARM_UP):
            user_id, name, tasks = people[number % len(people)]
            turn = number // len(people)
            messages.append(
                Incoming(
                    channel="telegram",
                    chat_id=str(user_id),
                    user_id=str(user_id),
                    display_name=name,
                    received_at=services.clock.now(),
                    text=f"nv {tasks[turn % len(tasks)]} đang triển khai, đã họp lần {turn + 1}",
                    message_id=str(1000 + number),
                    language="vi",
                )
            )
        answer = getattr(chat, "_turn", None)

        def one(number: int, incoming: Incoming) -> int:
            if answer is not None:
                replies = answer(incoming)
            else:  # a checkout before the turn was one unit of work
                replies = chat._converse(chat._begin(incoming))  # type: ignore[arg-type]
            for reply in replies:
                record_sent(
                    services.db,
                    "telegram",
                    incoming.chat_id,
                    [str(10**6 + number)],
                    reply.context,
                    services.clock.now(),
                )
            return len(replies)

        for number, incoming in enumerate(messages[:WARM_UP]):
            one(number, incoming)
        begun.clear()
        started = time.process_time()
        replies = sum(one(number, m) for number, m in enumerate(messages[WARM_UP:], WARM_UP))
        cpu = time.process_time() - started
        services.db.dispose()
    counted = len(messages) - WARM_UP
    return {
        "updates": counted,
        "replies": replies,
        "cpu_per_update_ms": 1000 * cpu / counted,
        "read_transactions_per_update": begun.count("read") / counted,
        "write_transactions_per_update": begun.count("write") / counted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.handler_path", description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--url", default=None, help="an empty database (default: a SQLite file)")
    options = parser.parse_args()
    print(json.dumps(measure(options.updates, options.url)))


if __name__ == "__main__":
    main()
