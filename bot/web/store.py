"""What the web channel keeps: sign-in sessions and each web chat's messages.

Both live in the ``conversation`` table under channel names of their own (``web#session``,
``web#chat``), as the Zalo adapter keeps its menus (``zalo#menu``): no table of its own, apart
from the handlers' conversation state of the same chat.

A session row is keyed by a random session id (the signed cookie carries it); it names the
user it signed in. Signing out or revoking the user ends it: every request reads the row and
the user again, so a revoked user is out at once.

A chat row holds the latest :data:`HISTORY_LIMIT` messages of one web chat (the person's and
the bot's), with the files the bot sent, and the form nonces already handled (a form sent twice
is answered once).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.models import Conversation, User

__all__ = [
    "HISTORY_LIMIT",
    "SESSION_CHANNEL",
    "SESSION_LIFETIME",
    "ChatMessage",
    "ChatStore",
    "FileRef",
    "SessionStore",
    "WebSession",
]

SESSION_CHANNEL = "web#session"
CHAT_CHANNEL = "web#chat"
SESSION_LIFETIME = timedelta(days=30)
HISTORY_LIMIT = 200
NONCE_LIMIT = 100


@dataclass(frozen=True)
class WebSession:
    id: str
    user: User


class SessionStore:
    """Sign-in sessions: created at sign-in, ended at sign-out, checked on every request."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, user_id: int, now: datetime) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._db.write() as session:
            session.add(
                Conversation(
                    channel=SESSION_CHANNEL,
                    chat_id=session_id,
                    state="active",
                    data={"user_id": user_id, "created_at": now.isoformat()},
                    updated_at=now,
                )
            )
        return session_id

    def get(self, session_id: str, now: datetime) -> WebSession | None:
        """The live session and its user; None when unknown, ended, expired or revoked."""
        with self._db.session() as session:
            row = session.get(Conversation, (SESSION_CHANNEL, session_id))
            if row is None or row.state != "active":
                return None
            if now - row.updated_at > SESSION_LIFETIME:
                return None
            user_id = row.data.get("user_id")
            user = session.get(User, int(user_id)) if isinstance(user_id, int) else None
            if user is None or not user.active or user.revoked_at is not None:
                return None
            return WebSession(session_id, user)

    def end(self, session_id: str) -> None:
        with self._db.write() as session:
            row = session.get(Conversation, (SESSION_CHANNEL, session_id))
            if row is not None:
                session.delete(row)


@dataclass(frozen=True)
class FileRef:
    """A file the bot sent in a web chat, kept on disk under an unguessable name."""

    token: str
    filename: str
    mime_type: str
    kind: str  # "document" or "photo"

    def to_data(self) -> dict[str, str]:
        return {
            "token": self.token,
            "filename": self.filename,
            "mime_type": self.mime_type,
            "kind": self.kind,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> FileRef:
        return cls(
            str(data["token"]), str(data["filename"]), str(data["mime_type"]), str(data["kind"])
        )


@dataclass(frozen=True)
class ChatMessage:
    """One message of a web chat, as shown: the person's (``mine``) or the bot's."""

    id: str
    mine: bool
    text: str
    at: datetime
    choices: tuple[tuple[str, str], ...] = ()
    file: FileRef | None = None
    edited: bool = False

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mine": self.mine,
            "text": self.text,
            "at": self.at.isoformat(),
            "choices": [list(choice) for choice in self.choices],
            "file": self.file.to_data() if self.file is not None else None,
            "edited": self.edited,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ChatMessage:
        file = data.get("file")
        return cls(
            id=str(data["id"]),
            mine=bool(data.get("mine")),
            text=str(data.get("text", "")),
            at=datetime.fromisoformat(str(data["at"])),
            choices=tuple((str(c[0]), str(c[1])) for c in data.get("choices", [])),
            file=FileRef.from_data(file) if isinstance(file, dict) else None,
            edited=bool(data.get("edited")),
        )


@dataclass
class _History:
    messages: list[ChatMessage] = field(default_factory=list)
    counter: int = 0
    nonces: list[str] = field(default_factory=list)


class ChatStore:
    """The messages of each web chat, and the files the bot sent in it."""

    def __init__(self, db: Database, files_dir: Path) -> None:
        self._db = db
        self.files_dir = files_dir

    def messages(self, chat_id: str) -> list[ChatMessage]:
        with self._db.session() as session:
            row = session.get(Conversation, (CHAT_CHANNEL, chat_id))
            return _load(row).messages if row is not None else []

    def seen(self, chat_id: str, nonce: str) -> bool:
        with self._db.session() as session:
            row = session.get(Conversation, (CHAT_CHANNEL, chat_id))
            return row is not None and nonce in _load(row).nonces

    def save_file(self, filename: str, content: bytes, mime_type: str, kind: str) -> FileRef:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        (self.files_dir / token).write_bytes(content)
        return FileRef(token, filename, mime_type, kind)

    def file_path(self, chat_id: str, token: str) -> FileRef | None:
        """The file sent in this chat under ``token`` (None for another chat's or a gone one)."""
        for message in self.messages(chat_id):
            file = message.file
            if file is not None and file.token == token and (self.files_dir / token).is_file():
                return file
        return None

    def append(
        self,
        chat_id: str,
        now: datetime,
        *,
        add: list[ChatMessage] | None = None,
        edits: dict[str, ChatMessage] | None = None,
        nonce: str | None = None,
        new_ids: int = 0,
    ) -> tuple[list[str], list[ChatMessage]]:
        """Add messages (ids given by the store when empty) and apply edits, in one write.

        ``new_ids`` reserves ids without adding anything (returned first). Returns the ids
        reserved and the messages as stored (added and edited).
        """
        with self._db.write() as session:
            row = session.get(Conversation, (CHAT_CHANNEL, chat_id), with_for_update=True)
            if row is None:
                row = Conversation(
                    channel=CHAT_CHANNEL, chat_id=chat_id, state="chat", updated_at=now
                )
            history = _load(row)
            reserved: list[str] = []
            for _ in range(new_ids):
                history.counter += 1
                reserved.append(f"w{history.counter}")
            stored: list[ChatMessage] = []
            for message in add or []:
                if not message.id:
                    history.counter += 1
                    message = ChatMessage(
                        id=f"w{history.counter}",
                        mine=message.mine,
                        text=message.text,
                        at=message.at,
                        choices=message.choices,
                        file=message.file,
                    )
                history.messages.append(message)
                stored.append(message)
            for message_id, edited in (edits or {}).items():
                for index, existing in enumerate(history.messages):
                    if existing.id == message_id:
                        history.messages[index] = edited
                        stored.append(edited)
                        break
            if nonce is not None:
                history.nonces = [*history.nonces, nonce][-NONCE_LIMIT:]
            dropped = history.messages[:-HISTORY_LIMIT]
            history.messages = history.messages[-HISTORY_LIMIT:]
            row.data = {
                "messages": [message.to_data() for message in history.messages],
                "counter": history.counter,
                "nonces": history.nonces,
            }
            row.updated_at = now
            session.add(row)
        for message in dropped:
            if message.file is not None:
                (self.files_dir / message.file.token).unlink(missing_ok=True)
        return reserved, stored


def _load(row: Conversation) -> _History:
    data = dict(row.data or {})
    return _History(
        messages=[ChatMessage.from_data(item) for item in data.get("messages", [])],
        counter=int(data.get("counter", 0)),
        nonces=[str(n) for n in data.get("nonces", [])],
    )
