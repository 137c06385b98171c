"""An agency's own task items and how a typed task number maps to one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.i18n import Translator
from bot.messages import Reply
from bot.plan import Plan, TaskItem
from bot.progress import unit_items

__all__ = ["Resolution", "own_items", "resolve_task", "unknown_task"]


def own_items(plan: Plan, agency_id: str) -> dict[str, tuple[TaskItem, str]]:
    """task id -> (item, role) for every item the agency may report on, in plan order.

    Roles: "lead", "coordinate", "general" (the general tasks bind every unit).
    """
    lead, coordinate, general = unit_items(plan, agency_id)
    result: dict[str, tuple[TaskItem, str]] = {}
    for item in lead:
        result[item.id] = (item, "lead")
    for item in coordinate:
        result[item.id] = (item, "coordinate")
    for item in general:
        result.setdefault(item.id, (item, "general"))
    order = {task.id: index for index, task in enumerate(plan.tasks)}
    return dict(sorted(result.items(), key=lambda entry: order.get(entry[0], 0)))


@dataclass(frozen=True)
class Resolution:
    """``ok`` (one item), ``ambiguous`` (several own sub-items), ``unknown`` or ``not_yours``."""

    outcome: Literal["ok", "ambiguous", "unknown", "not_yours"]
    task_ids: tuple[str, ...] = ()

    @property
    def task_id(self) -> str:
        return self.task_ids[0]


def resolve_task(plan: Plan, agency_id: str, number: str) -> Resolution:
    """A typed number to the agency's item: a parent number maps to its own item under it."""
    try:
        plan.task(number)
    except KeyError:
        return Resolution("unknown")
    own = own_items(plan, agency_id)
    if number in own:
        return Resolution("ok", (number,))
    under = [task_id for task_id in own if task_id.startswith(number + ".")]
    if not under:
        return Resolution("not_yours")
    if len(under) == 1:
        return Resolution("ok", (under[0],))
    leads = [task_id for task_id in under if own[task_id][1] == "lead"]
    if len(leads) == 1:
        return Resolution("ok", (leads[0],))
    return Resolution("ambiguous", tuple(under))


def unknown_task(t: Translator, task_ref: str) -> list[Reply]:
    """The answer to a task number the plan does not have."""
    return [
        Reply(
            t.gettext(
                "There is no task {task} in the plan. Type /nhiemvu to see your tasks."
            ).format(task=task_ref)
        )
    ]
