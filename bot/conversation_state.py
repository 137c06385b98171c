"""Per-chat conversation state, in the database (channels without buttons depend on it).

One row per (channel, chat): what the bot is waiting for (``state``) and its data. The data
holds at most three things, each optional:

- ``choices``: the numbered options of the bot's last message ([label, payload] pairs), so an
  answer by number or by label text works where there are no buttons;
- ``pending``: an update waiting for its task ("which task?"): {"text", "message_id"};
- ``undo``: the last report that may still be undone: {"update_id", "until" (ISO time)};
- ``plan``: the id of the last plan discussed (where a report named it, or the plan chosen), so
  that "2.2: …" right after is for the same plan when several plans have a 2.2.

State older than :data:`STATE_TTL` is ignored. The table is bookkeeping (not audited), read and
written with plain statements, not ORM objects: a chat turn reads and saves it every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from bot.db import Database
from bot.models import Conversation

__all__ = ["STATE_TTL", "ChatState", "load_state", "save_state"]

STATE_TTL = timedelta(hours=2)


@dataclass
class ChatState:
    """The state of one chat, as the handlers use it."""

    choices: list[tuple[str, str]] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    undo: dict[str, Any] | None = None
    plan: str | None = None

    @property
    def empty(self) -> bool:
        return not self.choices and self.pending is None and self.undo is None and not self.plan

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.choices:
            data["choices"] = [[label, payload] for label, payload in self.choices]
        if self.pending is not None:
            data["pending"] = self.pending
        if self.undo is not None:
            data["undo"] = self.undo
        if self.plan:
            data["plan"] = self.plan
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ChatState:
        choices = [(str(item[0]), str(item[1])) for item in data.get("choices", [])]
        plan = data.get("plan")
        return cls(
            choices=choices,
            pending=data.get("pending"),
            undo=data.get("undo"),
            plan=plan if isinstance(plan, str) else None,
        )

    def undo_id(self, now: datetime) -> int | None:
        """The report that may still be undone at ``now``, if any."""
        if self.undo is None:
            return None
        until = datetime.fromisoformat(str(self.undo["until"]))
        return int(self.undo["update_id"]) if now < until else None


_TABLE = Conversation.__table__  # type: ignore[attr-defined]
_ROW = (_TABLE.c.channel == bindparam("key_channel")) & (
    _TABLE.c.chat_id == bindparam("key_chat_id")
)
_LOAD = select(_TABLE.c.data, _TABLE.c.updated_at).where(_ROW)
# The SET clause comes from the parameters' column names (state, data, updated_at).
_UPDATE = update(_TABLE).where(_ROW)
_INSERT = _TABLE.insert()
_DELETE = delete(_TABLE).where(_ROW)


def load_state(db: Database, channel: str, chat_id: str, now: datetime) -> ChatState:
    with db.reading() as connection:
        row = connection.execute(_LOAD, {"key_channel": channel, "key_chat_id": chat_id}).first()
    if row is None or now - row.updated_at > STATE_TTL:
        return ChatState()
    return ChatState.from_data(dict(row.data))


def save_state(db: Database, channel: str, chat_id: str, state: ChatState, now: datetime) -> None:
    """Store the state (an empty state removes the row). In a turn's unit of work this is its
    last write, without a savepoint of its own (``Database.write``)."""
    key = {"key_channel": channel, "key_chat_id": chat_id}
    with db.write(savepoint=False) as session:
        connection = session.connection()  # plain statements: no ORM object is involved
        if state.empty:
            connection.execute(_DELETE, key)
            return
        values = {
            "state": "pending" if state.pending is not None else "idle",
            "data": state.to_data(),
            "updated_at": now,
        }
        changed = connection.execute(_UPDATE, {**values, **key})
        if not changed.rowcount:
            connection.execute(_INSERT, {"channel": channel, "chat_id": chat_id, **values})
