"""One turn of a conversation: the incoming message and everything needed to answer it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.bootstrap import Services
from bot.conversation_state import ChatState
from bot.i18n import Translator
from bot.labels import chat_role_label, chat_status_label
from bot.messages import Incoming
from bot.models import User

__all__ = ["Turn"]


@dataclass
class Turn:
    """The context a feature handler works in; ``state`` is saved after the turn if changed."""

    services: Services
    incoming: Incoming
    user: User | None
    t: Translator
    now: datetime
    state: ChatState = field(default_factory=ChatState)
    state_changed: bool = False

    @property
    def agency_id(self) -> str | None:
        return self.user.agency_id if self.user is not None else None

    def role_label(self, role: str) -> str:
        return chat_role_label(self.t, role)

    def status_label(self, status: str) -> str:
        return chat_status_label(self.t, status)

    def changed(self) -> None:
        self.state_changed = True
