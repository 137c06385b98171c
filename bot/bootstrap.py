"""Wiring: settings, database, clock and plan, assembled once for each entry point."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.agencies import AgencyDirectory
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.plan import Plan, load_plan
from bot.planstore import SyncReport, stored_plan, sync_plan
from scheduler.calendar import ReportingCalendar

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the handlers, the scheduler and the CLI need, built once."""

    settings: Settings
    db: Database
    clock: Clock
    plan: Plan
    agencies: AgencyDirectory

    @cached_property
    def calendar(self) -> ReportingCalendar:
        """The reporting calendar of the loaded plan, in the configured time zone."""
        return ReportingCalendar(self.plan.reporting, self.settings.tz)

    def reload_plan(self) -> None:
        plan = stored_plan(self.db)
        if plan is not None:
            self.plan = plan
            self.agencies = AgencyDirectory(plan.agencies)
            self.__dict__.pop("calendar", None)


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the newest schema."""
    db = Database(settings.resolved_database_url)
    db.upgrade()
    return db


def load_plan_file(db: Database, path: Path, clock: Clock) -> tuple[Plan, SyncReport]:
    """Validate a plan file and write it to the database (idempotent)."""
    plan = load_plan(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    return plan, sync_plan(db, plan, document, clock.now())


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Services:
    """Open (and migrate) the database; on a fresh one, load the configured plan."""
    settings = settings or Settings()
    clock = clock or SystemClock(settings.tz)
    db = open_database(settings)
    plan = stored_plan(db)
    if plan is None:
        plan, _ = load_plan_file(db, settings.resolved_plan_path(), clock)
        log.info("loaded plan %s into a new database", plan.info.id)
    return Services(
        settings=settings, db=db, clock=clock, plan=plan, agencies=AgencyDirectory(plan.agencies)
    )
