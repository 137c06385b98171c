"""Storage-level rules of the shell helper, on SQLite and PostgreSQL: "as of" reads of the status
updates (nothing written after the instant counts) and the one rule that keeps shell users out
of every list of users."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.digest import Digest, build_digest, record_snapshot
from bot.models import StatusUpdate
from bot.progress import effective_updates, round_progress
from bot.registration import SHELL_CHANNEL, active_users, list_users
from tests.conftest import local, make_settings
from tests.test_reminders_sending import add_user


def _services(tmp_path: Path, url: str) -> Services:
    return bootstrap(make_settings(tmp_path, url), clock=FrozenClock(local(2021, 3, 1, 9)))


def _write(built: Services, row: StatusUpdate) -> int:
    with built.db.write() as session:
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _report(built: Services, agency: str, task: str, at: datetime, status: str) -> int:
    return _write(
        built,
        StatusUpdate(
            task_id=task,
            agency_id=agency,
            period="2021-Q1",
            status=status,
            text=f"{task} {status}",
            created_at=at,
            channel="telegram",
        ),
    )


def test_effective_updates_and_progress_as_of_an_instant(tmp_path: Path, any_db_url: str) -> None:
    built = _services(tmp_path, any_db_url)
    try:
        health = _report(built, "so-y-te", "2.2.1", local(2021, 3, 10, 9), "in_progress")
        _write(  # corrected two days later
            built,
            StatusUpdate(
                task_id="2.2.1",
                agency_id="so-y-te",
                period="2021-Q1",
                status="completed",
                text="",
                kind="correction",
                refers_to=health,
                created_at=local(2021, 3, 12, 9),
            ),
        )
        transport = _report(built, "so-gtvt", "2.3", local(2021, 3, 11, 9), "in_progress")
        _write(  # and retracted on the 14th
            built,
            StatusUpdate(
                task_id="2.3",
                agency_id="so-gtvt",
                period="2021-Q1",
                status="in_progress",
                text="",
                kind="retraction",
                refers_to=transport,
                created_at=local(2021, 3, 14, 9),
            ),
        )
        round_ = built.calendar.parse("2021-Q1")

        def seen(at: datetime | None) -> list[tuple[str, str]]:
            with built.db.session() as session:
                rows = effective_updates(session, period="2021-Q1", as_of=at)
            return [(row.task_id, row.status) for row in rows]

        assert seen(local(2021, 3, 9)) == []
        assert seen(local(2021, 3, 10, 9)) == [("2.2.1", "in_progress")]  # the instant itself
        assert seen(local(2021, 3, 11, 12)) == [("2.2.1", "in_progress"), ("2.3", "in_progress")]
        assert seen(local(2021, 3, 13)) == [("2.2.1", "completed"), ("2.3", "in_progress")]
        assert seen(local(2021, 3, 15)) == [("2.2.1", "completed")]
        assert seen(None) == seen(local(2021, 3, 15))

        with built.db.session() as session:
            (early,) = round_progress(
                session, built.plan, round_, ["so-y-te"], as_of=local(2021, 3, 9)
            )
            (later,) = round_progress(
                session, built.plan, round_, ["so-y-te"], as_of=local(2021, 3, 11)
            )
            digest = build_digest(session, built.plan, round_, local(2021, 3, 11, 12))
        assert "2.2.1" in early.missing
        assert "2.2.1" not in later.missing
        assert {unit.agency_id for unit in digest.units if unit.updates} == {"so-y-te", "so-gtvt"}
        assert digest.item("2.2.1").updates[0].status == "in_progress"  # the correction is later
    finally:
        built.db.dispose()


def test_shell_users_are_in_no_list_of_users(tmp_path: Path, any_db_url: str) -> None:
    built = _services(tmp_path, any_db_url)
    try:
        add_user(built.db, "101", "so-y-te")
        add_user(built.db, "900", "vp-ubnd-tinh", role="secretariat")
        add_user(built.db, "shell-focal-so-y-te", "so-y-te", channel=SHELL_CHANNEL)
        add_user(
            built.db, "shell-secretariat", "vp-ubnd-tinh", channel=SHELL_CHANNEL, role="secretariat"
        )
        add_user(built.db, "102", "so-gtvt", active=False)
        assert [(u.channel, u.chat_id) for u in list_users(built.db)] == [
            ("telegram", "101"),
            ("telegram", "900"),
            ("telegram", "102"),
        ]
        assert [u.chat_id for u in list_users(built.db, include_revoked=False)] == ["101", "900"]
        with built.db.session() as session:
            assert [u.chat_id for u in active_users(session)] == ["101", "900"]
    finally:
        built.db.dispose()


def test_a_digest_as_of_an_instant_compares_with_the_snapshots_made_by_then(
    tmp_path: Path, any_db_url: str
) -> None:
    built = _services(tmp_path, any_db_url)
    try:
        _report(built, "so-y-te", "2.2.1", local(2021, 3, 10, 9), "in_progress")
        _report(built, "so-gtvt", "2.3", local(2021, 3, 15, 9), "in_progress")
        round_ = built.calendar.parse("2021-Q1")

        def digest_at(at: datetime) -> Digest:
            with built.db.session() as session:
                digest = build_digest(session, built.plan, round_, at, audience="cli")
            record_snapshot(built.db, digest)
            return digest

        assert digest_at(local(2021, 3, 16)).changes is None  # the first one
        replay = digest_at(local(2021, 3, 12))  # an earlier moment: the 16th is its future
        assert replay.changes is None
        later = digest_at(local(2021, 3, 17))
        assert later.changes is not None
        assert later.changes.since == local(2021, 3, 16)
        assert [u.agency_id for u in later.changes.new_updates] == []
    finally:
        built.db.dispose()
