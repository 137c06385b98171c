"""Which plan a web page is about, and the links that keep it.

With several plans followed, a secretariat page names its plan in its address
(``/plan/<code>/round``, ``/plan/<code>/task/2.2`` ...): task numbers and rounds repeat across
plans, so a page never guesses. A single-plan deployment keeps its plain addresses (``/round``,
``/task/2.2``), and links are written that way there.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from bot.plan import Plan
from bot.plans import PlanEntry, PlanSet
from bot.reports.titles import sentence_case

__all__ = ["PLAN_PREFIX", "SwitchLink", "plan_path", "short_title", "switch_links"]

PLAN_PREFIX = "/plan/"
SHORT_TITLE = 80


def short_title(plan: Plan, limit: int = SHORT_TITLE) -> str:
    """A plan's title in sentence case, cut to ``limit`` characters with an ellipsis."""
    title = sentence_case(plan.info.title, plan)
    if len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return title


def plan_path(plans: PlanSet, plan_id: str | None, path: str) -> str:
    """``path`` within a plan: ``/plan/<code><path>`` when several plans are followed."""
    if plan_id is None or len(plans) <= 1 or plan_id not in plans:
        return path
    return f"{PLAN_PREFIX}{quote(plans.code(plan_id), safe='')}{path}"


@dataclass(frozen=True)
class SwitchLink:
    """One plan in the header's switcher."""

    code: str
    title: str
    href: str
    current: bool


def switch_links(
    entries: tuple[PlanEntry, ...], current: str | None, section: str
) -> tuple[SwitchLink, ...]:
    """The switcher's plans (newest first), each linked to the same ``section`` of its pages."""
    return tuple(
        SwitchLink(
            entry.code,
            short_title(entry.plan),
            f"{PLAN_PREFIX}{quote(entry.code, safe='')}/{section}",
            entry.id == current,
        )
        for entry in entries
    )
