"""Wiring: settings, database, clock and plans, assembled once for each entry point."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.agencies import AgencyDirectory
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.plan import Plan, load_plan
from bot.plans import PlanSet
from bot.storedplans import stored_plans
from scheduler.calendar import ReportingCalendar

if TYPE_CHECKING:
    from bot.planstore import SyncReport

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the handlers, the scheduler and the CLI need, built once.

    ``plans`` is every plan followed. ``plan`` and ``calendar`` are "the plan" of code written
    for one plan: the only plan of a single-plan deployment (the newest one loaded when there
    are several, until that code takes the plan from its context).
    """

    settings: Settings
    db: Database
    clock: Clock
    plans: PlanSet

    @property
    def plan(self) -> Plan:
        return self.plans.newest

    @property
    def agencies(self) -> AgencyDirectory:
        """The province-wide agency directory, shared by every plan."""
        return self.plans.agencies

    @cached_property
    def calendar(self) -> ReportingCalendar:
        """The reporting calendar of :attr:`plan`, in the configured time zone."""
        return self.plans.calendar(self.plan.info.id)

    def calendar_of(self, plan: Plan) -> ReportingCalendar:
        """The reporting calendar of one plan, from its own rules."""
        return self.plans.calendar(plan.info.id)

    def reload_plan(self) -> None:
        """Read the followed plans again (after ``planbot plan load`` or ``retire``)."""
        plans = load_plan_set(self.db, self.settings)
        if len(plans):
            self.plans = plans
            self.__dict__.pop("calendar", None)


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the newest schema."""
    db = Database(settings.resolved_database_url)
    db.upgrade()
    return db


def load_plan_file(
    db: Database, path: Path, clock: Clock, *, dry_run: bool = False
) -> tuple[Plan, SyncReport]:
    """Validate a plan file and write it to the database (idempotent; ``dry_run``: only say
    what would change). Writing a plan imports the ORM (:mod:`bot.planstore`); reading the
    stored plans (:func:`load_plan_set`) does not."""
    from bot.planstore import sync_plan

    plan = load_plan(path)
    document = json.loads(path.read_bytes().decode("utf-8-sig"))
    return plan, sync_plan(db, plan, document, clock.now(), dry_run=dry_run)


def load_plan_set(db: Database, settings: Settings) -> PlanSet:
    """The active plans stored in the database, newest first."""
    return PlanSet.from_stored(stored_plans(db), settings.tz)


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Services:
    """Open (and migrate) the database; when it follows no plan, load the configured plan."""
    settings = settings or Settings()
    clock = clock or SystemClock(settings.tz)
    db = open_database(settings)
    plans = load_plan_set(db, settings)
    if not len(plans):
        plan, _ = load_plan_file(db, settings.resolved_plan_path(), clock)
        log.info("loaded plan %s into a new database", plan.info.id)
        plans = load_plan_set(db, settings)
    return Services(settings=settings, db=db, clock=clock, plans=plans)
