"""The cross-plan overview ("tổng hợp tất cả kế hoạch"): for every plan followed, its current
round, who has not reported and what is blocked.

Each plan is read in its own round (a monthly plan's month, a quarterly plan's quarter: the
round :func:`bot.digest.default_round` picks from that plan's calendar), from one digest per
plan. Pure reading: nothing is written (no digest snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.digest import Digest, ItemLine, UnitLine, build_digest, default_round
from bot.plans import PlanSet

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

__all__ = ["Overview", "PlanOverview", "build_overview"]


@dataclass(frozen=True)
class PlanOverview:
    """One plan in the overview: its code and the digest of its current round."""

    code: str
    digest: Digest

    @property
    def missing_units(self) -> tuple[UnitLine, ...]:
        return self.digest.missing_units

    @property
    def blocked_items(self) -> tuple[ItemLine, ...]:
        return self.digest.blocked_items

    def to_json(self) -> dict[str, Any]:
        digest = self.digest
        return {
            "code": self.code,
            "plan": digest.plan.info.id,
            "title": digest.plan.info.title,
            "round": digest.round.id,
            "due": digest.round.due.isoformat(),
            "consolidation_due": digest.round.consolidation_due.isoformat()
            if digest.round.consolidation_due
            else None,
            "units": digest.total,
            "reported": digest.total - len(digest.missing_units),
            "counts": dict(digest.counts),
            "not_reported": [
                {"agency": unit.agency_id, "name": unit.short_name, "bucket": unit.bucket}
                for unit in digest.missing_units
            ],
            "blocked": [
                {
                    "task": item.task_id,
                    "title": item.title,
                    "units": [
                        {"agency": update.agency_id, "name": update.short_name, "text": update.text}
                        for update in item.blocking
                    ],
                }
                for item in digest.blocked_items
            ],
        }


@dataclass(frozen=True)
class Overview:
    generated_at: datetime
    plans: tuple[PlanOverview, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "plans": [plan.to_json() for plan in self.plans],
        }


def build_overview(session: Session | Connection, plans: PlanSet, now: datetime) -> Overview:
    """Every followed plan (newest first) in its current round, as it stands at ``now``."""
    entries = []
    for entry in plans.entries:
        round_ = default_round(plans.calendar(entry.id), now)
        entries.append(PlanOverview(entry.code, build_digest(session, entry.plan, round_, now)))
    return Overview(generated_at=now, plans=tuple(entries))
