"""The floor of a status update's database work on the required stack, beside planbot's turn.

``python -m bench.turn_floor [--updates N]`` registers 100 focal points on a SQLite file (as
``bench.inbound`` does), then, on the same database and in one run:

- **floor**: exactly the statements a status update's turn issues (read: the user, the
  conversation state; write: the re-delivery check, the report, its audit row, the state),
  each in the transaction the turn puts it in, with SQLAlchemy Core on the bot's own engine
  (``bot.db.Database``: its pool, its PRAGMAs, ``BEGIN IMMEDIATE``), no ORM, no reading of the
  message, no reply: what storing one status update durably and audited costs with
  SQLAlchemy, the library the project is required to use;
- **turn**: planbot's whole turn for the same messages (``bench.handler_path``'s measure).

It prints the CPU per update of each (process CPU, back to back, after a warm-up), so that
BENCHMARKS.md can say how far planbot's turn is above what its database work costs at least.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from bench import handler_path, inbound

WARM_UP = 20


def floor(updates: int) -> dict[str, Any]:
    from sqlalchemy import bindparam, func, insert, select

    from bot.db import Database
    from bot.models import AuditEntry, Conversation, StatusUpdate
    from bot.plan import load_plan

    plan_id = load_plan().info.id  # the seed plan, as bench.inbound registers its units

    # The turn's own statements (built once in their modules), on a plain connection.
    from bot.conversation_state import _LOAD as load_state
    from bot.conversation_state import _UPDATE
    from bot.registration import _ACTIVE_USER as find_user
    from bot.updates import _BY_SOURCE as by_source

    conversations = Conversation.__table__  # type: ignore[attr-defined]
    reports, audit = StatusUpdate.__table__, AuditEntry.__table__  # type: ignore[attr-defined]
    save_state = _UPDATE.values(state="idle", data=bindparam("data"), updated_at=bindparam("at"))
    with tempfile.TemporaryDirectory(prefix="planbot-floor-") as folder:
        url = f"sqlite:///{folder}/planbot.db"
        people = inbound.prepare(url, f"{folder}/data", 100)
        db = Database(url)
        writing = db.engine.execution_options(planbot_immediate=True)
        with writing.begin() as connection:  # every chat has a state row, as after a turn
            connection.execute(
                insert(conversations),
                [
                    {
                        "channel": "telegram",
                        "chat_id": str(user_id),
                        "state": "idle",
                        "data": {},
                        "updated_at": datetime.now(UTC),
                    }
                    for user_id, _name, _tasks in people
                ],
            )

        def one(number: int) -> None:
            user_id, _name, tasks = people[number % len(people)]
            turn = number // len(people)
            chat, now = str(user_id), datetime.now(UTC)
            with db.engine.connect() as connection, connection.begin():
                user = connection.execute(
                    find_user, {"channel": "telegram", "external_id": chat}
                ).first()
                connection.execute(
                    load_state, {"key_channel": "telegram", "key_chat_id": chat}
                ).first()
            assert user is not None
            source = f"{chat}:{1000 + number}"
            values = {
                "plan_id": plan_id,
                "task_id": tasks[turn % len(tasks)],
                "agency_id": user.agency_id,
                "user_id": user.id,
                "period": "2026-Y",
                "status": "in_progress",
                "text": f"đang triển khai, đã họp lần {turn + 1}",
                "kind": "report",
                "refers_to": None,
                "channel": "telegram",
                "source_message_id": source,
                "created_at": now,
                "late": False,
                "percent": None,
            }
            with writing.begin() as connection:
                connection.execute(
                    by_source, {"channel": "telegram", "source": source, "agency": user.agency_id}
                ).first()
                inserted = connection.execute(insert(reports), values).inserted_primary_key
                assert inserted is not None
                new_id = inserted[0]
                detail = {**{k: str(v) for k, v in values.items()}, "id": new_id}
                connection.execute(
                    insert(audit),
                    {
                        "at": now,
                        "actor": f"telegram:{chat}",
                        "action": "insert",
                        "subject": "status_update:?",
                        "source": f"telegram:{source}",
                        "detail": detail,
                    },
                )
                connection.execute(
                    save_state,
                    {
                        "key_channel": "telegram",
                        "key_chat_id": chat,
                        "data": {"undo": {"update_id": new_id, "at": now.isoformat()}},
                        "at": now,
                    },
                )

        for number in range(WARM_UP):
            one(number)
        started = time.process_time()
        for number in range(WARM_UP, WARM_UP + updates):
            one(number)
        cpu = time.process_time() - started
        with db.engine.connect() as connection:  # what was stored (the test checks it)
            stored = {
                "reports": connection.execute(select(func.count()).select_from(reports)).scalar(),
                "audited": connection.execute(
                    select(func.count())
                    .select_from(audit)
                    .where(audit.c.subject.like("status_update:%"))
                ).scalar(),
            }
        db.dispose()
    return {"updates": updates, "cpu_per_update_ms": 1000 * cpu / updates, "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_floor", description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    options = parser.parse_args()
    low = floor(options.updates)
    turn = handler_path.measure(options.updates)
    print(
        json.dumps(
            {
                "floor_cpu_per_update_ms": low["cpu_per_update_ms"],
                "turn_cpu_per_update_ms": turn["cpu_per_update_ms"],
                "turn_over_floor": turn["cpu_per_update_ms"] / low["cpu_per_update_ms"],
                "updates": options.updates,
            }
        )
    )


if __name__ == "__main__":
    main()
