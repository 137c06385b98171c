"""Button payloads checked before anything else: type, range, then owner.

Telegram hands back whatever ``callback_data`` a client sends, and a client can send any
string up to 64 bytes, not only what planbot put on its buttons. :func:`parse_payload` turns a
payload into a typed value or ``None`` without touching the database: the kind must be known,
an id must be a decimal integer that fits a 64-bit column (``undo:99999999999999999999`` never
reaches SQLite), a task id must look like one and exist in the plan, a status code must be one
of the codes planbot uses. :func:`owns_update` then checks that the update belongs to the
caller's agency before any other detail (its age, its task) is looked at or told: another
agency's update gets the same answer as one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlmodel import select

from bot.db import Database
from bot.models import StatusUpdate
from bot.plan import Plan

MAX_ID = 2**63 - 1  # the largest id a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds
_ID = re.compile(r"[1-9][0-9]{0,18}")
_PERIOD = re.compile(r"[0-9]{4}-[A-Z0-9]{1,3}")
_TASK = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,5}")
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")


@dataclass(frozen=True)
class Pick:
    """ "Which task?" (or "which plan?") answered: record the pending update on ``task_id``
    (of plan ``plan_id`` when the button named one: ``pick:<plan code>:<task>``)."""

    task_id: str
    plan_id: str | None = None


@dataclass(frozen=True)
class Correct:
    """A status correction on a confirmation."""

    update_id: int
    code: str


@dataclass(frozen=True)
class Undo:
    """Undo a report."""

    update_id: int


@dataclass(frozen=True)
class Refile:
    """File a report into the other plausible round (``period``: a round id)."""

    update_id: int
    period: str


Payload = Pick | Correct | Undo | Refile


def _update_id(text: str) -> int | None:
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_payload(
    payload: object,
    plan: Plan,
    codes: Collection[str],
    round_of: Callable[[str], object] | None = None,
    plan_of: Callable[[str], Plan | None] | None = None,
) -> Payload | None:
    """The typed payload, or None for anything planbot did not (or could not) put on a button."""
    if not isinstance(payload, str) or not 1 <= len(payload.encode("utf-8")) <= 64:
        return None
    kind, sep, rest = payload.partition(":")
    if not sep:
        return None
    if kind == "pick":
        return _pick(rest, plan, plan_of)
    if kind == "st":
        number, sep2, code = rest.partition(":")
        update_id = _update_id(number)
        if not sep2 or update_id is None or code not in codes:
            return None
        return Correct(update_id, code)
    if kind == "undo":
        update_id = _update_id(rest)
        return Undo(update_id) if update_id is not None else None
    if kind == "rf":
        number, sep2, period = rest.partition(":")
        update_id = _update_id(number)
        if not sep2 or update_id is None or not _PERIOD.fullmatch(period):
            return None
        if round_of is not None:
            try:
                round_of(period)  # a round the calendar knows
            except (ValueError, KeyError):
                return None
        return Refile(update_id, period)
    return None


def _pick(rest: str, plan: Plan, plan_of: Callable[[str], Plan | None] | None) -> Pick | None:
    """``pick:<task>``, or ``pick:<plan code>:<task>``: a plan followed, a task of that plan."""
    code, named_plan, task = rest.rpartition(":")
    if named_plan:
        named = plan_of(code) if plan_of is not None and _CODE.fullmatch(code) else None
        if named is None:
            return None
        plan = named
    if not _TASK.fullmatch(task):
        return None
    try:
        plan.task(task)
    except KeyError:
        return None
    return Pick(task, plan.info.id if named_plan else None)


def owns_update(db: Database, update_id: int, agency_id: str | None) -> bool:
    """Whether report ``update_id`` exists and belongs to ``agency_id`` (one indexed read)."""
    if agency_id is None or not 1 <= update_id <= MAX_ID:
        return False
    with db.session() as session:
        owner = session.exec(
            select(StatusUpdate.agency_id).where(StatusUpdate.id == update_id)
        ).first()
    return owner is not None and owner == agency_id
