"""Who acts: the actor of the writes in this task or thread (:mod:`bot.audit` records them).

Kept apart from the audit trail's ORM listeners so that a command line can say who acts without
importing the ORM (a command that only reads the plans, BENCHMARKS.md); :mod:`bot.audit`
re-exports every name.
"""

from __future__ import annotations

import getpass
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Actor",
    "acting",
    "begin_acting",
    "command_line_actor",
    "current_actor",
    "message_actor",
]


@dataclass(frozen=True)
class Actor:
    """Who acts, and from which message or command."""

    who: str
    source: str | None = None


_current: ContextVar[Actor | None] = ContextVar("planbot_audit_actor", default=None)


@contextmanager
def acting(who: str, source: str | None = None) -> Iterator[Actor]:
    """Within this block, writes are audited as made by ``who`` from ``source``."""
    actor = Actor(who=who, source=source)
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def begin_acting(who: str, source: str | None = None) -> None:
    """From here on in this task (or thread), writes are audited as made by ``who``."""
    _current.set(Actor(who=who, source=source))


def message_actor(incoming: Any) -> tuple[str, str]:
    """(who, source) of an incoming chat message: ``telegram:<user>``, ``telegram:<chat>:<id>``."""
    channel = str(getattr(incoming, "channel", "?"))
    who = f"{channel}:{getattr(incoming, 'user_id', '?')}"
    message = getattr(incoming, "message_id", None) or "-"
    return who, f"{channel}:{getattr(incoming, 'chat_id', '?')}:{message}"


def current_actor() -> Actor:
    return _current.get() or Actor(who="system")


def command_line_actor() -> Actor:
    """The person at a command line: ``cli:<user>@<host>``, from the command typed."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "?"
    command = " ".join(["planbot", *sys.argv[1:]])[:300]
    return Actor(who=f"cli:{user}@{socket.gethostname()}", source=f"cli:{command}")
