"""How roles and statuses are named: the one place for their labels, per kind of use.

- :data:`ROLE_LABELS`, :data:`STATUS_LABELS`: in reports, digests and reminders ("chủ trì",
  "Đang thực hiện");
- the chat forms: lower case inside a sentence or on a button ("2.2.1 (chủ trì)", "đang thực
  hiện"), and the general tasks named as binding every unit;
- the heading forms: a column or cell of the command line's tables ("Chủ trì", "Phối hợp").

The strings are message ids of the catalogs; the functions translate them.
"""

from __future__ import annotations

from bot.i18n import N_, Translator

__all__ = [
    "ROLE_LABELS",
    "STATUS_LABELS",
    "chat_role_label",
    "chat_status_label",
    "heading_role_label",
    "role_label",
    "status_label",
]

ROLE_LABELS: dict[str, str] = {
    "lead": N_("lead"),
    "coordinate": N_("coordinating"),
    "general": N_("general task"),
    "other": N_("other unit"),
}
STATUS_LABELS: dict[str, str] = {
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
    "blocked": N_("Blocked"),
    "no_report": N_("No report yet"),
}
_CHAT_ROLES: dict[str, str] = {**ROLE_LABELS, "general": N_("general (every unit)")}
_CHAT_STATUSES: dict[str, str] = {
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "blocked": N_("blocked"),
}
_HEADING_ROLES: dict[str, str] = {
    "lead": N_("Lead"),
    "coordinate": N_("Coordinate"),
    "general": N_("General (all units)"),
}


def _label(t: Translator, labels: dict[str, str], key: str) -> str:
    return t.gettext(labels.get(key, key))


def role_label(t: Translator, role: str) -> str:
    return _label(t, ROLE_LABELS, role)


def status_label(t: Translator, status: str) -> str:
    return _label(t, STATUS_LABELS, status)


def chat_role_label(t: Translator, role: str) -> str:
    return _label(t, _CHAT_ROLES, role)


def chat_status_label(t: Translator, status: str) -> str:
    return _label(t, _CHAT_STATUSES, status)


def heading_role_label(t: Translator, role: str) -> str:
    return _label(t, _HEADING_ROLES, role)
