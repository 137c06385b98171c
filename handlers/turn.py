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
from bot.plan import Plan
from scheduler.calendar import ReportingCalendar

__all__ = ["Turn"]


@dataclass
class Turn:
    """The context a feature handler works in; ``state`` is saved after the turn if changed.

    ``scope`` is the plan this turn is about once it is known (named in the message, the plan
    of the message replied to, the last plan discussed, or the one the person chose); until
    then :attr:`plan` is the deployment's only (or newest) plan.
    """

    services: Services
    incoming: Incoming
    user: User | None
    t: Translator
    now: datetime
    state: ChatState = field(default_factory=ChatState)
    state_changed: bool = False
    scope: Plan | None = None

    @property
    def plan(self) -> Plan:
        return self.scope if self.scope is not None else self.services.plan

    @property
    def calendar(self) -> ReportingCalendar:
        """The reporting calendar of :attr:`plan` (each plan has its own rule)."""
        return self.services.calendar_of(self.plan)

    @property
    def agency_id(self) -> str | None:
        return self.user.agency_id if self.user is not None else None

    def role_label(self, role: str) -> str:
        return chat_role_label(self.t, role)

    def status_label(self, status: str) -> str:
        return chat_status_label(self.t, status)

    def changed(self) -> None:
        self.state_changed = True
