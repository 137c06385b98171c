"""The plan as data: load, validate and parse ``plan_tasks.json`` into frozen dataclasses.

Validation happens in two passes and reports every problem it finds, each with its JSON path
("$.tasks[3].assignments[0].agency"): first the JSON Schema (draft 2020-12, published next to
the data file), then the semantic checks the schema cannot express (unique ids, references to
agencies, tasks and rules that exist, no cycle between groups, a known time zone).
Messages are in Vietnamese: they are shown to the secretariat by the CLI.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import DEFAULT_LOCALE, N_, Translator, translator

if TYPE_CHECKING:  # jsonschema is imported when a plan is validated, not at every start
    from jsonschema import Draft202012Validator, ValidationError


__all__ = [
    "GROUP_KIND",
    "Agency",
    "Assignment",
    "Plan",
    "PlanError",
    "PlanInfo",
    "PlanProblem",
    "ReportingRule",
    "Role",
    "TaskDeadline",
    "TaskItem",
    "Term",
    "agency_to_dict",
    "default_plan_path",
    "load_plan",
    "parse_plan",
    "problem",
    "schema_path",
]

Role = Literal["lead", "coordinate"]
GROUP_KIND = "group"

_PLAN_FILE = "plan_tasks.json"
_SCHEMA_FILE = "plan_tasks.schema.json"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATED_DEADLINES = frozenset({"date", "quarter", "month", "year"})


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Agency:
    """A unit of the registry: a department, a district People's Committee, a group..."""

    id: str
    name: str
    short_name: str
    aliases: tuple[str, ...]
    kind: str
    members: tuple[str, ...]
    source: str

    @property
    def is_group(self) -> bool:
        return self.kind == GROUP_KIND


@dataclass(frozen=True)
class Assignment:
    agency: str
    role: Role


@dataclass(frozen=True)
class TaskDeadline:
    """A task's own one-off deadline as the plan states it ("hoàn thành trong quý I/2021").

    ``kind`` is "date" (``before``: strictly before ``date``, "trước ngày 30/6/2021"; else up to
    and including it, "đến ngày 30/6/2021"), "quarter", "month" or "year" (``date`` is the last
    day of that period), "ongoing" ("thường xuyên") or "text" (not read as a date): those two
    have no ``date``. :meth:`scheduler.calendar.ReportingCalendar.task_due` reads it.
    """

    kind: str
    text: str
    date: date | None = None
    before: bool = False


@dataclass(frozen=True)
class TaskItem:
    id: str
    parent: str | None
    section: str
    title: str
    text: str
    general: bool
    assignments: tuple[Assignment, ...]
    deadline: TaskDeadline | None = None


@dataclass(frozen=True)
class ReportingRule:
    """A periodic report: ``who`` reports to ``to`` strictly before ``day`` of ``months``."""

    id: str
    who: tuple[str, ...]
    day: int
    months: tuple[int, ...]
    to: str
    cc: tuple[str, ...]
    rule: str
    text: str
    consolidates: str | None


@dataclass(frozen=True)
class PlanInfo:
    id: str
    title: str
    issuer: str
    source: str
    timezone: str
    province: str
    code: str | None = None  # the short id people type ("kh38"); derived when not given
    number: str | None = None  # the document's number ("38/KH-UBND")
    date: str | None = None  # the document's date, ISO ("2021-03-05")


@dataclass(frozen=True)
class Plan:
    info: PlanInfo
    agencies: tuple[Agency, ...]
    tasks: tuple[TaskItem, ...]
    reporting: tuple[ReportingRule, ...]

    # -- indexes (computed once; cached_property writes to __dict__, frozen or not)

    @cached_property
    def _agency_index(self) -> dict[str, Agency]:
        return {agency.id: agency for agency in self.agencies}

    @cached_property
    def _task_index(self) -> dict[str, TaskItem]:
        return {task.id: task for task in self.tasks}

    @cached_property
    def _parents(self) -> frozenset[str]:
        return frozenset(task.parent for task in self.tasks if task.parent is not None)

    @cached_property
    def _memo(self) -> dict[tuple[str, str], Any]:
        """Answers of the structural look-ups below, by (look-up, agency): the plan never
        changes, and a digest asked them once per unit and item (BENCHMARKS.md, third
        session)."""
        return {}

    # -- lookups

    def agency(self, agency_id: str) -> Agency:
        """The agency with this id; ``KeyError`` if there is none."""
        return self._agency_index[agency_id]

    def task(self, task_id: str) -> TaskItem:
        """The task item with this id; ``KeyError`` if there is none."""
        return self._task_index[task_id]

    def children(self, task_id: str) -> tuple[TaskItem, ...]:
        """The sub-items of a task, in plan order (empty for an item that is not split)."""
        self.task(task_id)
        return tuple(task for task in self.tasks if task.parent == task_id)

    def is_container(self, task_id: str) -> bool:
        """True for a numbered task whose work is split into sub-items."""
        self.task(task_id)
        return task_id in self._parents

    def expand(self, agency_id: str) -> tuple[str, ...]:
        """A group's concrete member ids (nested groups expanded), or ``(agency_id,)``."""
        key = ("expand", agency_id)
        found: tuple[str, ...] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._expand(agency_id)
        return found

    def _expand(self, agency_id: str) -> tuple[str, ...]:
        agency = self.agency(agency_id)
        if not agency.is_group:
            return (agency.id,)
        result: list[str] = []
        seen_groups: set[str] = set()

        def walk(group: Agency) -> None:
            if group.id in seen_groups:
                return
            seen_groups.add(group.id)
            for member_id in group.members:
                member = self.agency(member_id)
                if member.is_group:
                    walk(member)
                elif member.id not in result:
                    result.append(member.id)

        walk(agency)
        return tuple(result)

    def groups_of(self, agency_id: str) -> tuple[str, ...]:
        """The groups that contain this agency, directly or through a nested group."""
        key = ("groups_of", agency_id)
        found: tuple[str, ...] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._groups_of(agency_id)
        return found

    def _groups_of(self, agency_id: str) -> tuple[str, ...]:
        self.agency(agency_id)
        containing: set[str] = set()
        frontier = {agency_id}
        while frontier:
            found = {
                agency.id
                for agency in self.agencies
                if agency.is_group
                and agency.id not in containing
                and any(member in frontier for member in agency.members)
            }
            containing |= found
            frontier = found
        return tuple(agency.id for agency in self.agencies if agency.id in containing)

    def assignments_of(self, agency_id: str) -> tuple[tuple[TaskItem, Role], ...]:
        """The items this agency has, directly or through a group, with its role, in plan order.

        Lead wins over coordinate. Items split into sub-items are containers and are not
        returned themselves; general items (no assignments) are not returned either.
        """
        key = ("assignments_of", agency_id)
        found: tuple[tuple[TaskItem, Role], ...] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._assignments_of(agency_id)
        return found

    def _assignments_of(self, agency_id: str) -> tuple[tuple[TaskItem, Role], ...]:
        concerned = {agency_id, *self.groups_of(agency_id)}
        result: list[tuple[TaskItem, Role]] = []
        for task in self.tasks:
            if task.id in self._parents:
                continue
            roles = {a.role for a in task.assignments if a.agency in concerned}
            if "lead" in roles:
                result.append((task, "lead"))
            elif "coordinate" in roles:
                result.append((task, "coordinate"))
        return tuple(result)

    def rule_units(self, rules: Iterable[ReportingRule]) -> tuple[str, ...]:
        """The concrete agencies of the ``who`` of these rules (groups expanded), each once."""
        units = (agency_id for rule in rules for who in rule.who for agency_id in self.expand(who))
        return tuple(dict.fromkeys(units))

    def reporting_units(self) -> tuple[str, ...]:
        """The concrete agencies that owe the base report (the rules no rule consolidates)."""
        return self._reporting_units

    @cached_property
    def _reporting_units(self) -> tuple[str, ...]:
        return self.rule_units(rule for rule in self.reporting if rule.consolidates is None)

    def consolidating_units(self) -> tuple[str, ...]:
        """The concrete agencies of the rules that consolidate another rule (Sở KH&ĐT)."""
        return self.rule_units(rule for rule in self.reporting if rule.consolidates is not None)

    def to_dict(self) -> dict[str, Any]:
        """The plan in the JSON shape of ``plan_tasks.json``."""
        header: dict[str, Any] = {
            "id": self.info.id,
            "title": self.info.title,
            "issuer": self.info.issuer,
            "source": self.info.source,
            "timezone": self.info.timezone,
            "province": self.info.province,
        }
        for key in ("code", "number", "date"):  # optional: absent ones leave the checksum as is
            value = getattr(self.info, key)
            if value is not None:
                header[key] = value
        return {
            "plan": header,
            "agencies": [agency_to_dict(agency) for agency in self.agencies],
            "tasks": [_task_to_dict(task) for task in self.tasks],
            "reporting": [
                {
                    "id": rule.id,
                    "who": list(rule.who),
                    "day": rule.day,
                    "months": list(rule.months),
                    "to": rule.to,
                    "cc": list(rule.cc),
                    "rule": rule.rule,
                    "text": rule.text,
                    "consolidates": rule.consolidates,
                }
                for rule in self.reporting
            ],
        }

    def checksum(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`."""
        canonical = json.dumps(
            self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def agency_to_dict(agency: Agency) -> dict[str, Any]:
    """An agency as the plan file writes it (also used by the importer's drafts)."""
    data: dict[str, Any] = {
        "id": agency.id,
        "name": agency.name,
        "short_name": agency.short_name,
        "aliases": list(agency.aliases),
        "kind": agency.kind,
    }
    if agency.is_group:
        data["members"] = list(agency.members)
    data["source"] = agency.source
    return data


def _task_to_dict(task: TaskItem) -> dict[str, Any]:
    data: dict[str, Any] = {"id": task.id}
    if task.parent is not None:
        data["parent"] = task.parent
    data.update(
        {
            "section": task.section,
            "title": task.title,
            "text": task.text,
            "general": task.general,
            "assignments": [{"agency": a.agency, "role": a.role} for a in task.assignments],
        }
    )
    if task.deadline is not None:
        deadline: dict[str, Any] = {"kind": task.deadline.kind, "text": task.deadline.text}
        if task.deadline.date is not None:
            deadline["date"] = task.deadline.date.isoformat()
        deadline["before"] = task.deadline.before
        data["deadline"] = deadline
    return data


def _deadline(data: Mapping[str, Any] | None) -> TaskDeadline | None:
    if data is None:
        return None
    day = data.get("date")
    return TaskDeadline(
        kind=data["kind"],
        text=data["text"],
        date=date.fromisoformat(day) if day is not None else None,
        before=bool(data.get("before", False)),
    )


# --------------------------------------------------------------------------- problems


class Term(str):
    """A value of a :class:`PlanProblem` that is itself a catalog message id ("an integer")."""


@dataclass(frozen=True)
class PlanProblem:
    """One problem of a plan file: where (a JSON path) and what, as a catalog message id and its
    values, so that each reader gets it in their language (:meth:`text`); ``message`` is the
    Vietnamese text."""

    path: str
    template: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self, t: Translator) -> str:
        values = {
            name: t.gettext(value) if isinstance(value, Term) else value
            for name, value in self.params
        }
        return t.gettext(self.template).format(**values)

    @property
    def message(self) -> str:
        return self.text(translator(DEFAULT_LOCALE))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def problem(path: str, template: str, **params: object) -> PlanProblem:
    """A :class:`PlanProblem` at ``path``: ``template`` an ``N_`` message id, ``params`` its
    values (a :class:`Term` is translated too)."""
    return PlanProblem(path, template, tuple(params.items()))


class PlanError(Exception):
    """The plan file cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[PlanProblem], source: str | None = None) -> None:
        self.problems: tuple[PlanProblem, ...] = tuple(problems)
        self.source = source
        super().__init__(self._render())

    def text(self, t: Translator) -> str:
        """Every problem, one a line, in the language of ``t``."""
        header = (
            t.gettext("The plan file «{source}» is not valid ({count} problems):").format(
                source=self.source, count=len(self.problems)
            )
            if self.source
            else t.gettext("The plan file is not valid ({count} problems):").format(
                count=len(self.problems)
            )
        )
        lines = (f"- {item.path}: {item.text(t)}" for item in self.problems)
        return "\n".join([header, *lines])

    def _render(self) -> str:
        return self.text(translator(DEFAULT_LOCALE))

    def __str__(self) -> str:
        return self._render()


def _json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return path


def _path_sort_key(path: str) -> tuple[tuple[int, int, str], ...]:
    tokens = re.findall(r"\[(\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*)|\[(\"[^\"]*\")\]", path)
    key: list[tuple[int, int, str]] = []
    for position, (index, name, quoted) in enumerate(tokens):
        if index:
            key.append((0, int(index), ""))
        elif position == 0:
            # Top-level sections in the file's own order.
            key.append((1, _TOP_LEVEL_ORDER.get(name, len(_TOP_LEVEL_ORDER)), name or quoted))
        else:
            key.append((1, 0, name or quoted))
    return tuple(key)


_TOP_LEVEL_ORDER = {"plan": 0, "agencies": 1, "tasks": 2, "reporting": 3}


# --------------------------------------------------------------------------- paths


def _packaged_or_repo(filename: str) -> Path:
    packaged = Path(str(resources.files("bot").joinpath("_data", filename)))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[1] / "data" / filename


def default_plan_path() -> Path:
    """The packaged plan (wheel installs), else ``<repo>/data/plan_tasks.json``."""
    return _packaged_or_repo(_PLAN_FILE)


def schema_path() -> Path:
    """The packaged schema (wheel installs), else ``<repo>/data/plan_tasks.schema.json``."""
    return _packaged_or_repo(_SCHEMA_FILE)


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# --------------------------------------------------------------------------- schema pass


def _schema_problem(error: ValidationError) -> PlanProblem:
    """The problem a JSON-schema error describes, in the reader's words."""
    where = _json_path(error.absolute_path)
    template, params = _schema_message(error)
    return problem(where, template, **params)


def _schema_message(error: ValidationError) -> tuple[str, dict[str, object]]:
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    shown = (
        json.dumps(instance, ensure_ascii=False) if not isinstance(instance, dict | list) else ""
    )
    match error.validator:
        case "required":
            missing = [name for name in cast("list[str]", value) if name not in instance]
            names = ", ".join(f"«{name}»" for name in missing) or str(value)
            return N_("missing required field {names}"), {"names": names}
        case "additionalProperties":
            extra = sorted(
                name
                for name in cast("dict[str, Any]", instance)
                if name not in cast("dict[str, Any]", schema.get("properties", {}))
            )
            return N_("field not allowed: {names}"), {
                "names": ", ".join(f"«{name}»" for name in extra)
            }
        case "enum":
            allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in value)
            return N_("value {shown} is not valid; it can only be one of: {allowed}"), {
                "shown": shown,
                "allowed": allowed,
            }
        case "type":
            wanted = [_type_name(v) for v in (value if isinstance(value, list) else [value])]
            if len(wanted) == 2:
                return N_("wrong data type: {first} or {second} expected"), {
                    "first": wanted[0],
                    "second": wanted[1],
                }
            return N_("wrong data type: {names} expected"), {
                "names": ", ".join(wanted) if len(wanted) > 1 else wanted[0]
            }
        case "minimum":
            return N_("value {shown} is below the minimum {value}"), {
                "shown": shown,
                "value": value,
            }
        case "maximum":
            return N_("value {shown} is above the maximum {value}"), {
                "shown": shown,
                "value": value,
            }
        case "maxLength":
            return N_("longer than {value} characters"), {"value": value}
        case "minItems" if value == 1:
            return N_("the list must not be empty"), {}
        case "maxItems" if value == 0:
            return N_("only a group (kind «group») has «members»"), {}
        case "uniqueItems":
            return N_("the list has repeated items"), {}
        case "pattern":
            return N_("value {shown} is not in the right format"), {"shown": shown}
        case _:
            return N_("does not match the schema: {error}"), {"error": error.message}


_TYPE_NAMES = {
    "object": N_("an object"),
    "array": N_("a list (array)"),
    "string": N_("a string"),
    "integer": N_("an integer"),
    "boolean": N_("true or false"),
}


def _type_name(name: object) -> str:
    known = _TYPE_NAMES.get(str(name))
    return Term(known) if known is not None else str(name)


def _schema_problems(data: object) -> list[PlanProblem]:
    errors = sorted(
        _validator().iter_errors(data),
        key=lambda e: (_path_sort_key(_json_path(e.absolute_path)), e.validator),
    )
    return [_schema_problem(e) for e in errors]


# --------------------------------------------------------------------------- semantic pass


def _items(data: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _strings(value: object) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield index, item


def _unique_ids(
    data: Mapping[str, Any], key: str, template: str, report: Callable[..., None]
) -> dict[str, int]:
    """Each ``id`` of ``$.<key>[]`` with the index of its first use; duplicates are reported."""
    first: dict[str, int] = {}
    for index, entry in _items(data, key):
        entry_id = entry.get("id")
        if not isinstance(entry_id, str):
            continue
        if entry_id in first:
            report(
                f"$.{key}[{index}].id",
                template,
                id=entry_id,
                first=f"$.{key}[{first[entry_id]}]",
            )
        else:
            first[entry_id] = index
    return first


def _semantic_problems(data: object) -> list[PlanProblem]:
    if not isinstance(data, dict):
        return []
    checker = _SemanticCheck(data)
    checker.agencies()
    checker.plan_info()
    checker.tasks()
    checker.reporting()
    return checker.problems


class _SemanticCheck:
    """The checks the schema cannot express, one method per part of the plan."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[PlanProblem] = []
        self.agency_ids = _unique_ids(
            data, "agencies", N_("agency id «{id}» is repeated (already at {first})"), self.report
        )

    def report(self, path: str, template: str, **params: object) -> None:
        self.problems.append(problem(path, template, **params))

    def check_agency(self, path: str, value: object) -> None:
        if isinstance(value, str) and value not in self.agency_ids:
            self.report(path, N_("agency «{agency}» is not in the list of agencies"), agency=value)

    def agencies(self) -> None:
        """Group members exist; a group is not a member of itself; no cycle between groups."""
        members_of: dict[str, list[str]] = {}
        for index, agency in _items(self.data, "agencies"):
            agency_id = agency.get("id")
            if isinstance(agency_id, str):
                members_of.setdefault(agency_id, [m for _, m in _strings(agency.get("members"))])
            for m_index, member in _strings(agency.get("members")):
                path = f"$.agencies[{index}].members[{m_index}]"
                if member == agency_id:
                    self.report(
                        path, N_("group «{group}» cannot be a member of itself"), group=member
                    )
                else:
                    self.check_agency(path, member)
        reported_cycles: set[frozenset[str]] = set()
        for index, agency in _items(self.data, "agencies"):
            start = agency.get("id")
            cycle = _find_cycle(start, members_of) if isinstance(start, str) else None
            if cycle is not None and frozenset(cycle) not in reported_cycles:
                reported_cycles.add(frozenset(cycle))
                self.report(
                    f"$.agencies[{index}].members",
                    N_("groups nested in a cycle: {cycle}"),
                    cycle=" → ".join([*cycle, cycle[0]]),
                )

    def plan_info(self) -> None:
        """The issuer exists; the time zone is known."""
        info = self.data.get("plan")
        if not isinstance(info, dict):
            return
        self.check_agency("$.plan.issuer", info.get("issuer"))
        timezone = info.get("timezone")
        if isinstance(timezone, str) and timezone.strip():
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                self.report(
                    "$.plan.timezone", N_("time zone «{zone}» does not exist"), zone=timezone
                )

    def tasks(self) -> None:
        """Unique ids, the parent exists, assignments point to agencies, once each."""
        task_ids = _unique_ids(
            self.data, "tasks", N_("task id «{id}» is repeated (already at {first})"), self.report
        )
        for index, task in _items(self.data, "tasks"):
            parent = task.get("parent")
            if parent == task.get("id") and isinstance(parent, str):
                self.report(f"$.tasks[{index}].parent", N_("a task cannot be its own parent"))
            elif isinstance(parent, str) and parent not in task_ids:
                self.report(
                    f"$.tasks[{index}].parent",
                    N_("parent task «{parent}» is not in the list of tasks"),
                    parent=parent,
                )
            self._assignments(index, task)
            self._deadline(index, task.get("deadline"))

    def _deadline(self, index: int, deadline: object) -> None:
        """A dated deadline has a real date; an undated one is ongoing work or plain text."""
        if not isinstance(deadline, dict):
            return
        path = f"$.tasks[{index}].deadline"
        day = deadline.get("date")
        if isinstance(day, str):
            try:
                date.fromisoformat(day)
            except ValueError:
                self.report(f"{path}.date", N_("date «{day}» does not exist"), day=day)
        elif day is None and deadline.get("kind") in _DATED_DEADLINES:
            self.report(
                path, N_("a deadline of kind «{kind}» needs «date»"), kind=deadline.get("kind")
            )

    def _assignments(self, index: int, task: Mapping[str, Any]) -> None:
        seen: set[str] = set()
        for a_index, assignment in _items(task, "assignments"):
            path = f"$.tasks[{index}].assignments[{a_index}].agency"
            agency_id = assignment.get("agency")
            self.check_agency(path, agency_id)
            if isinstance(agency_id, str) and agency_id in seen:
                self.report(
                    path, N_("agency «{agency}» is assigned twice in one task"), agency=agency_id
                )
            if isinstance(agency_id, str):
                seen.add(agency_id)

    def reporting(self) -> None:
        """Unique ids, who/to/cc exist, consolidates an existing rule."""
        rule_ids = _unique_ids(
            self.data,
            "reporting",
            N_("reporting rule id «{id}» is repeated (already at {first})"),
            self.report,
        )
        for index, rule in _items(self.data, "reporting"):
            for w_index, who in _strings(rule.get("who")):
                self.check_agency(f"$.reporting[{index}].who[{w_index}]", who)
            self.check_agency(f"$.reporting[{index}].to", rule.get("to"))
            for c_index, cc in _strings(rule.get("cc")):
                self.check_agency(f"$.reporting[{index}].cc[{c_index}]", cc)
            consolidates = rule.get("consolidates")
            path = f"$.reporting[{index}].consolidates"
            if consolidates == rule.get("id") and isinstance(consolidates, str):
                self.report(path, N_("a rule cannot consolidate itself"))
            elif isinstance(consolidates, str) and consolidates not in rule_ids:
                self.report(path, N_("reporting rule «{rule}» does not exist"), rule=consolidates)


def _find_cycle(start: str, members_of: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle of group membership through ``start``, as the list of groups, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for member in members_of.get(node, ()):
            if member == start and len(path) > 1:
                return path
            if member != start and member not in visited and member in members_of:
                visited.add(member)
                stack.append((member, [*path, member]))
    return None


# --------------------------------------------------------------------------- build


def _build(data: Mapping[str, Any]) -> Plan:
    info = data["plan"]
    agencies = tuple(
        Agency(
            id=a["id"],
            name=a["name"],
            short_name=a["short_name"],
            aliases=tuple(a["aliases"]),
            kind=a["kind"],
            members=tuple(a.get("members", ())),
            source=a["source"],
        )
        for a in data["agencies"]
    )
    tasks = tuple(
        TaskItem(
            id=t["id"],
            parent=t.get("parent"),
            section=t["section"],
            title=t["title"],
            text=t["text"],
            general=t["general"],
            assignments=tuple(
                Assignment(agency=a["agency"], role=a["role"]) for a in t["assignments"]
            ),
            deadline=_deadline(t.get("deadline")),
        )
        for t in data["tasks"]
    )
    reporting = tuple(
        ReportingRule(
            id=r["id"],
            who=tuple(r["who"]),
            day=r["day"],
            months=tuple(r["months"]),
            to=r["to"],
            cc=tuple(r["cc"]),
            rule=r["rule"],
            text=r["text"],
            consolidates=r["consolidates"],
        )
        for r in data["reporting"]
    )
    return Plan(
        info=PlanInfo(
            id=info["id"],
            title=info["title"],
            issuer=info["issuer"],
            source=info["source"],
            timezone=info["timezone"],
            province=info["province"],
            code=info.get("code"),
            number=info.get("number"),
            date=info.get("date"),
        ),
        agencies=agencies,
        tasks=tasks,
        reporting=reporting,
    )


def parse_plan(data: object, *, source: str | None = None) -> Plan:
    """Validate decoded JSON and build the :class:`Plan`; :class:`PlanError` lists all problems."""
    problems = _schema_problems(data) + _semantic_problems(data)
    if problems:
        ordered = sorted(problems, key=lambda p: _path_sort_key(p.path))
        raise PlanError(ordered, source=source)
    return _build(cast("Mapping[str, Any]", data))


def rebuild_checked_plan(data: Mapping[str, Any], checksum: str) -> Plan | None:
    """A document stored after :func:`parse_plan` validated it, built again without validating:
    the plan built must have the stored ``checksum`` (the one the validated plan had), else
    ``None`` (then validate it as any new document). Saves a command's start the validation."""
    try:
        plan = _build(data)
    except Exception:  # not what was validated: the caller validates it and says why
        return None
    return plan if plan.checksum() == checksum else None


def load_plan(path: Path | None = None) -> Plan:
    """Read, decode, validate and parse a plan file (default: :func:`default_plan_path`)."""
    plan_path = path if path is not None else default_plan_path()
    source = str(plan_path)
    try:
        raw = plan_path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        unread = problem("$", N_("cannot read the file: {reason}"), reason=reason)
        raise PlanError([unread], source) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        undecoded = problem("$", N_("the file is not UTF-8 (byte {position})"), position=exc.start)
        raise PlanError([undecoded], source) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        unparsed = problem(
            "$",
            N_("invalid JSON at line {line}, column {column}: {reason}"),
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        )
        raise PlanError([unparsed], source) from exc
    return parse_plan(data, source=source)
