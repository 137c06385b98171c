"""Invitations and users: single-use codes bind a chat user to an agency with a role.

A code is random, 12 characters of the deep-link alphabet (``A-Za-z0-9_-``), so it fits in a
Telegram ``/start`` payload. A code can be redeemed once, before it expires and unless it was
revoked. Redeeming binds (or re-binds) the user of that channel to the code's agency and role.
Revoking a user keeps the row (history refers to it) and marks it inactive.

Users of ``planbot shell`` (channel :data:`SHELL_CHANNEL`) are someone trying the bot, or a
script, at the terminal: their status updates are real, but they are nobody to list, remind or
send a digest to. :func:`listed` is that one rule, as a SQL condition; :func:`list_users` and
:func:`active_users` apply it, and every list of users or chats goes through them.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import USER_ROLES, Invitation, User, as_loaded

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "SHELL_CHANNEL",
    "InvitationError",
    "RedeemFailure",
    "Redeemed",
    "active_users",
    "create_invitations",
    "find_user",
    "invite_link",
    "is_listed",
    "list_users",
    "listed",
    "looks_like_code",
    "redeem",
    "revoke_invitation",
    "revoke_user",
    "set_language",
]

SHELL_CHANNEL = "shell"
"""The channel of ``planbot shell`` users: never listed, reminded or sent a digest."""

CODE_ALPHABET = string.ascii_letters + string.digits + "-_"
CODE_LENGTH = 12
MAX_CODES = 500

RedeemFailure = Literal["unknown", "used", "expired", "revoked"]


class InvitationError(ValueError):
    """Invalid arguments for creating invitations (the message is shown to the operator)."""


@dataclass(frozen=True)
class Redeemed:
    """The outcome of redeeming a code: the bound user, or why it failed."""

    user: User | None
    failure: RedeemFailure | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


_FIRST_ALPHABET = string.ascii_letters + string.digits


def new_code() -> str:
    """A fresh single-use code; it starts with a letter or digit, so that no command line
    (``planbot revoke -fX…``) or chat client reads it as an option or a command."""
    first = secrets.choice(_FIRST_ALPHABET)
    return first + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 1))


def looks_like_code(text: str) -> bool:
    """True for a single token that could be an invitation code."""
    token = text.strip()
    return len(token) >= 10 and len(token) <= 64 and all(ch in CODE_ALPHABET for ch in token)


def invite_link(bot_username: str | None, code: str) -> str | None:
    """The Telegram deep link that starts the bot with this code (None without a bot name)."""
    if not bot_username:
        return None
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def create_invitations(
    db: Database,
    agency_id: str,
    *,
    role: str,
    count: int,
    expires_days: int | None,
    now: datetime,
) -> list[Invitation]:
    """Create ``count`` single-use codes for one agency and role."""
    if role not in USER_ROLES:
        raise InvitationError(f"role {role!r}")
    if not 1 <= count <= MAX_CODES:
        raise InvitationError(f"count {count}")
    if expires_days is not None and expires_days < 1:
        raise InvitationError(f"expires_days {expires_days}")
    expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
    created: list[Invitation] = []
    with db.write() as session:
        for _ in range(count):
            invitation = Invitation(
                code=new_code(),
                agency_id=agency_id,
                role=role,
                created_at=now,
                expires_at=expires_at,
            )
            session.add(invitation)
            created.append(invitation)
    return created


def redeem(
    db: Database,
    code: str,
    *,
    channel: str,
    external_id: str,
    chat_id: str,
    display_name: str,
    language: str | None,
    now: datetime,
    chat_type: str = "private",
) -> Redeemed:
    """Use a code: bind this channel user to its agency and role, in one transaction."""
    code = code.strip()
    with db.write() as session:
        invitation = session.get(Invitation, code) if looks_like_code(code) else None
        if invitation is None:
            return Redeemed(None, "unknown")
        if invitation.revoked_at is not None:
            return Redeemed(None, "revoked")
        if invitation.used_at is not None:
            return Redeemed(None, "used")
        if invitation.expires_at is not None and now >= invitation.expires_at:
            return Redeemed(None, "expired")
        user = session.exec(
            select(User).where(col(User.channel) == channel, col(User.external_id) == external_id)
        ).first()
        if user is None:
            user = User(channel=channel, external_id=external_id, chat_id=chat_id, created_at=now)
        user.chat_id = chat_id
        user.chat_type = chat_type
        user.display_name = display_name
        user.agency_id = invitation.agency_id
        user.role = invitation.role
        user.active = True
        user.revoked_at = None
        if user.language is None and language is not None:
            user.language = language
        session.add(user)
        session.flush()
        invitation.used_at = now
        invitation.used_by = user.id
        session.add(invitation)
        return Redeemed(user)


# Read at every incoming message: the statement is built once (its parameters bound per call),
# a plain row (SQLAlchemy Core), not an ORM query.
_USER_TABLE = User.__table__  # type: ignore[attr-defined]
_ACTIVE_USER = sa_select(_USER_TABLE).where(
    _USER_TABLE.c.channel == bindparam("channel"),
    _USER_TABLE.c.external_id == bindparam("external_id"),
    _USER_TABLE.c.active.is_(True),
)


def find_user(db: Database, channel: str, external_id: str) -> User | None:
    """The active user of this channel account, or None."""
    with db.reading() as connection:
        row = connection.execute(
            _ACTIVE_USER, {"channel": channel, "external_id": external_id}
        ).first()
    # Not attached to a session: a copy to read (a change to a user goes through its own
    # session: redeem, revoke_user, set_language).
    return as_loaded(User, row._mapping) if row is not None else None


def listed() -> ColumnElement[bool]:
    """The users planbot lists, reminds and sends digests to: everyone but ``planbot shell``'s."""
    return col(User.channel) != SHELL_CHANNEL


def is_listed(user: User) -> bool:
    """:func:`listed` for a user already loaded."""
    return user.channel != SHELL_CHANNEL


def list_users(db: Database, *, include_revoked: bool = True) -> list[User]:
    """The registered users (``planbot users``), oldest first; shell users are not among them."""
    with db.session() as session:
        query = select(User).where(listed()).order_by(col(User.id))
        if not include_revoked:
            query = query.where(col(User.active).is_(True))
        return list(session.exec(query).all())


def active_users(session: Session) -> list[User]:
    """The users that may be sent something (reminders, overdue lists, digests), oldest first."""
    query = (
        select(User)
        .where(listed(), col(User.active).is_(True), col(User.revoked_at).is_(None))
        .order_by(col(User.id))
    )
    return list(session.exec(query).all())


def revoke_user(db: Database, reference: str, now: datetime) -> User | None:
    """Deactivate a user given by id or ``channel:external_id``; None if there is none."""
    with db.write() as session:
        user: User | None
        if reference.isdigit():
            user = session.get(User, int(reference))
        elif ":" in reference:
            channel, external_id = reference.split(":", 1)
            user = session.exec(
                select(User).where(
                    col(User.channel) == channel, col(User.external_id) == external_id
                )
            ).first()
        else:
            user = None
        if user is None:
            return None
        if user.active:
            user.active = False
            user.revoked_at = now
            session.add(user)
        return user


def revoke_invitation(db: Database, code: str, now: datetime) -> Invitation | None:
    """Revoke an invitation code so that it can no longer be redeemed; None if there is none.

    A code already used stays as it was (revoke the user it bound instead).
    """
    if not looks_like_code(code):
        return None
    with db.write() as session:
        invitation = session.get(Invitation, code.strip())
        if invitation is None:
            return None
        if invitation.used_at is None and invitation.revoked_at is None:
            invitation.revoked_at = now
            session.add(invitation)
        return invitation


def set_language(db: Database, user_id: int, language: str) -> None:
    with db.write() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.language = language
            session.add(user)
