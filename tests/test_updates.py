"""Recording status updates: one report per incoming message, amendments checked and appended."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.models import StatusUpdate
from bot.updates import UpdateRejected, correct_update, record_update, retract_update
from tests.conftest import SeededDatabase, local, make_settings


@pytest.fixture
def stored(tmp_path: Path, seeded_db: SeededDatabase) -> Iterator[Services]:
    clock = FrozenClock(local(2021, 3, 10, 9))
    built = bootstrap(make_settings(tmp_path, seeded_db(clock)), clock=clock)
    yield built
    built.db.dispose()


def report(services: Services, message_id: str | None = "m-1", agency: str = "so-y-te") -> int:
    row = record_update(
        services.db,
        services.plan,
        services.calendar,
        task_id="2.2.1",
        agency_id=agency,
        user_id=None,
        text="đã trình UBND tỉnh hồ sơ dự án",
        now=services.clock.now(),
        channel="telegram",
        source_message_id=message_id,
    )
    assert row.id is not None
    return row.id


def rows(services: Services) -> list[tuple[str, str]]:
    with services.db.session() as session:
        found = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
        return [(row.kind, row.status) for row in found]


def test_one_incoming_message_is_one_report_even_when_delivered_twice(stored: Services) -> None:
    first = report(stored)
    assert report(stored) == first
    assert rows(stored) == [("report", "in_progress")]


def test_concurrent_deliveries_of_one_message_store_one_report(stored: Services) -> None:
    ids: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            ids.append(report(stored, "m-race"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1
    assert rows(stored) == [("report", "in_progress")]


def test_corrections_and_retractions_are_appended_and_checked(stored: Services) -> None:
    update = report(stored)
    now = stored.clock.now()
    with pytest.raises(UpdateRejected) as refused:
        correct_update(
            stored.db, update, status="blocked", agency_id="so-gtvt", user_id=None, now=now
        )
    assert str(refused.value) == "not_yours"
    correct_update(stored.db, update, status="blocked", agency_id="so-y-te", user_id=None, now=now)
    retract_update(stored.db, update, agency_id="so-y-te", user_id=None, now=now)
    assert rows(stored) == [
        ("report", "in_progress"),
        ("correction", "blocked"),
        ("retraction", "blocked"),
    ]
    with pytest.raises(UpdateRejected) as refused:
        retract_update(stored.db, update, agency_id="so-y-te", user_id=None, now=now)
    assert str(refused.value) == "retracted"
    with pytest.raises(UpdateRejected) as refused:
        correct_update(
            stored.db, update, status="completed", agency_id="so-y-te", user_id=None, now=now
        )
    assert str(refused.value) == "retracted"
    with pytest.raises(UpdateRejected) as refused:
        retract_update(stored.db, 9999, agency_id="so-y-te", user_id=None, now=now)
    assert str(refused.value) == "not_found"
    assert len(rows(stored)) == 3
