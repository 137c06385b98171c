"""Fan-out: one reminder tick to every focal point, against a server that judges the flood limits
on arrival (``bench.common.BenchTelegram`` with ``Limits``: 30 in any second overall, one per
second per chat, 20 per minute per group; anything beyond answered 429, retry after 1 s).

planbot: the real ``SchedulerRunner`` (ledger, lease, pacer) over ``build_channel``'s PTB bot,
in a child process, for every focal point registered on a SQLite file. Bare: PTB's
``AIORateLimiter`` and one ``send_message`` per chat, all scheduled at once (the library's own
answer to the same job). Figures: sends accepted per second between the first and the last
arrival, as a share of the ceiling; 429 answers; the child's CPU time and peak RSS. With
``ceiling`` 1,000 the server and planbot's pacer both allow 1,000/s: the rate then shows what
the sender itself can do.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import BenchTelegram, Limits, call_in, database, subject
from tests.support.telegram_server import TgUser

FIRST_CHAT = 700_000
TICK_AT = "2021-03-17T08:00:00+07:00"  # the 3-days-before reminder of Quý I/2021


def prepare(url: str, data_dir: str, chats: int) -> list[int]:
    from datetime import UTC, datetime

    from bot.bootstrap import bootstrap
    from bot.config import Settings
    from bot.models import User

    settings = Settings(_env_file=None, database_url=url, data_dir=Path(data_dir))  # type: ignore[call-arg]
    services = bootstrap(settings)
    units = services.plan.reporting_units()
    ids = []
    with services.db.write() as session:
        for number in range(chats):
            chat = FIRST_CHAT + number
            ids.append(chat)
            session.add(
                User(
                    channel="telegram",
                    external_id=str(chat),
                    chat_id=str(chat),
                    agency_id=units[number % len(units)],
                    role="focal",
                    created_at=datetime(2021, 1, 5, 2, tzinfo=UTC),
                )
            )
    services.db.dispose()
    return ids


async def one_run(
    sender: str, folder: Path, *, chats: int, ceiling: int = 30, code: Path | None = None
) -> dict[str, Any]:
    with database("sqlite", folder) as url:
        data_dir = folder / "data"
        ids = list(await call_in(code, "bench.fanout:prepare", url, str(data_dir), chats))
        async with BenchTelegram(limits=Limits(overall_per_second=ceiling)) as fake:
            for chat in ids:
                fake.private_chat(TgUser(chat, f"u{chat}"))
            config: dict[str, Any] = {
                "role": "fanout",
                "sender": sender,
                "token": fake.token,
                "api_url": fake.url,
                "database_url": url,
                "data_dir": str(data_dir),
                "at": TICK_AT,
                "ceiling": ceiling,
            }
            if sender == "bare":
                config["chats"] = ids
            async with subject(config, code=code) as child:
                server_start = time.process_time()
                result = await child.result(3600.0)
                server_cpu = time.process_time() - server_start
            moments = sorted(moment for moment, _chat in fake.arrivals.sends)
            refused = fake.arrivals.refused
    span = moments[-1] - moments[0] if len(moments) > 1 else float("nan")
    rate = (len(moments) - 1) / span if span else float("nan")
    return {
        "chats": chats,
        "ceiling": ceiling,
        "accepted": len(moments),
        "sent": result["sent"],
        "refused_429": refused,
        "rate": rate,
        "share_of_ceiling": rate / ceiling,
        "cpu_s": result["cpu"],
        # The fake server's side (this process, while the subject ran): what answering the
        # subject's requests cost, to tell a sender's limit from the server's.
        "server_cpu_s": server_cpu,
        "wall_s": result["wall"],
        "rss_mib": result["rss_mib"],
    }


async def run(
    folder: Path,
    *,
    sizes: tuple[int, ...] = (1000, 10_000),
    fast: int = 1000,
    fast_ceiling: int = 1000,
    before: Path | None = None,
    log: Any = print,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    senders: list[tuple[str, str, Path | None]] = [("bare", "bare", None)]
    if before is not None:
        senders.append(("planbot-before", "planbot", before))
    senders.append(("planbot", "planbot", None))
    for number, chats in enumerate(sizes):
        for label, sender, code in senders:
            if label == "bare" and number > 0:
                continue  # the bare sender: the first size is enough (the code before: all)
            figures = await one_run(sender, folder, chats=chats, code=code)
            results[f"{label}/{chats}"] = figures
            log(
                f"  fan-out {label} {chats} chats: {figures['rate']:.1f}/s "
                f"({figures['share_of_ceiling']:.3f} of 30), {figures['refused_429']} x 429, "
                f"{figures['rss_mib']:.0f} MiB, CPU {figures['cpu_s']:.1f} s"
            )
    # At a ceiling the sender cannot reach: the bare sender too (PTB's AIORateLimiter at that
    # rate), so the sender's own limit shows beside the floor of one PTB request per send and
    # beside what the fake server spent answering (``server_cpu_s``).
    for label, sender, code in senders:
        figures = await one_run(sender, folder, chats=fast, ceiling=fast_ceiling, code=code)
        results[f"{label}/{fast}@{fast_ceiling}"] = figures
        log(
            f"  fan-out {label} {fast} chats at a ceiling of {fast_ceiling}/s: "
            f"{figures['rate']:.0f}/s, {figures['refused_429']} x 429, "
            f"CPU {figures['cpu_s']:.1f} s ({1000 * figures['cpu_s'] / fast:.2f} ms a send), "
            f"server CPU {figures['server_cpu_s']:.1f} s"
        )
    return results
