"""Translatable labels shared by the renderers: buckets, headings; roles and statuses come from
:mod:`bot.labels` (re-exported here for the renderers)."""

from __future__ import annotations

from datetime import date

from bot.digest import Digest
from bot.i18n import N_, Translator
from bot.labels import ROLE_LABELS, STATUS_LABELS, role_label, status_label
from bot.progress import GENERAL, Bucket

__all__ = [
    "BUCKET_COLORS",
    "BUCKET_ICONS",
    "BUCKET_LABELS",
    "BUCKET_SHORT",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "bucket_label",
    "missing_label",
    "names",
    "percent",
    "role_label",
    "round_heading",
    "short_date",
    "status_label",
]

BUCKET_LABELS: dict[str, str] = {
    "on_time": N_("Reported on time"),
    "late": N_("Reported late"),
    "pending": N_("Not yet reported, within the deadline"),
    "overdue": N_("Not reported, overdue"),
}
BUCKET_SHORT: dict[str, str] = {
    "on_time": N_("On time"),
    "late": N_("Late"),
    "pending": N_("Not yet (within deadline)"),
    "overdue": N_("Overdue"),
}
BUCKET_ICONS: dict[str, str] = {"on_time": "✅", "late": "🕘", "pending": "⏳", "overdue": "❗"}
BUCKET_COLORS: dict[str, str] = {
    "on_time": "#2e7d32",
    "late": "#f9a825",
    "pending": "#90a4ae",
    "overdue": "#c62828",
}


def bucket_label(t: Translator, bucket: Bucket | str, short: bool = False) -> str:
    return t.gettext((BUCKET_SHORT if short else BUCKET_LABELS)[bucket])


def percent(t: Translator, value: float) -> str:
    """ "29,4%" in Vietnamese, "29.4%" in English."""
    return f"{t.format_number(value)}%"


def short_date(t: Translator, value: date) -> str:
    return t.format_date(value, "short")


def missing_label(t: Translator, digest: Digest, missing: tuple[str, ...]) -> str:
    """The items a unit still owes, as ids: "2.1, 2.2.2, nhiệm vụ chung 1.1–1.9"."""
    parts = [
        t.gettext("general tasks {range}").format(range=digest.general_range)
        if key == GENERAL
        else key
        for key in missing
    ]
    return ", ".join(parts)


def names(digest: Digest, agency_ids: tuple[str, ...], *, full: bool = False) -> str:
    result = []
    for agency_id in agency_ids:
        try:
            agency = digest.plan.agency(agency_id)
        except KeyError:
            result.append(agency_id)
            continue
        name = agency.name if full else agency.short_name
        if result and name.startswith("Các "):
            name = "c" + name[1:]  # mid-sentence: "Sở Tài chính, các sở, ban, ngành của tỉnh"
        result.append(name)
    return ", ".join(result)


def round_heading(t: Translator, digest: Digest) -> str:
    return digest.round.label(t)
