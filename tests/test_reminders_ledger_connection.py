"""The ledger's thread keeps one connection for the group commits of a tick, on SQLite and
PostgreSQL: it is given back when the tick returns, and a connection lost in the middle of a
tick loses and doubles nothing (the group it failed is written again alone, the next groups on
a new connection)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.bootstrap import Services
from bot.messages import Reply
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import RecordingChannel
from tests.test_reminders_grouped import services
from tests.test_reminders_sending import ledger
from tests.test_reminders_settle import CHATS, _runner

__all__ = ["services"]  # the fixture, shared with test_reminders_grouped

AT = local(2021, 3, 17, 8)


async def test_a_tick_gives_its_ledger_connection_back(services: Services) -> None:
    channel = RecordingChannel("telegram")
    runner = _runner(services, channel)

    result = await runner.tick(AT)

    assert result.sent == len(CHATS)
    assert services.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert {row.chat_id: row.state for row in ledger(services.db)} == dict.fromkeys(CHATS, "sent")
    await runner.shutdown()


class _Losing(RecordingChannel):
    """After its second send, the connection the ledger's thread keeps is lost (closed under
    SQLAlchemy on SQLite, its server process ended on PostgreSQL)."""

    runner: SchedulerRunner
    lost = False

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        ids = await super().send(chat_id, reply)
        if len(self.delivered) == 2:
            await self.runner._write(self._lose)
        return ids

    def _lose(self) -> None:
        writer = self.runner._writer
        assert writer is not None
        raw: Any = writer.connection.dbapi_connection
        db = self.runner.services.db
        if db.is_sqlite:
            raw.close()
        else:
            with db.engine.connect() as other:
                other.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid}
                )
        self.lost = True


async def test_a_ledger_connection_lost_in_a_tick_loses_and_doubles_nothing(
    services: Services,
) -> None:
    channel = _Losing("telegram")
    runner = _runner(services, channel)
    channel.runner = runner

    result = await runner.tick(AT)

    assert channel.lost
    assert result.sent == len(CHATS)
    assert sorted(delivered.chat_id for delivered in channel.delivered) == sorted(CHATS)
    rows = ledger(services.db)
    assert {row.chat_id: row.state for row in rows} == dict.fromkeys(CHATS, "sent")
    assert {row.chat_id: len(row.message_ids) for row in rows} == dict.fromkeys(CHATS, 1)
    assert services.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    await runner.shutdown()
