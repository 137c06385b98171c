"""Operator commands: ``planbot outbox`` (list, resend, drop; audited), ``backup`` and ``restore``
(round trip on a real SQLite file, the pg_dump command for PostgreSQL), ``doctor``, ``invite``
with an absurd expiry, and JSON log lines."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.bootstrap import bootstrap
from bot.cli import app
from bot.config import Settings
from bot.db import Database
from bot.logs import configure_logging
from bot.models import AuditEntry, Invitation, Reminder, StatusUpdate
from scheduler.outbox import Claim, Outbox
from tests.conftest import local
from tests.test_reminders_sending import HEALTH, report

runner = CliRunner()
TOKEN = "123456789:TEST_fake_token_abcdefghijklmnopqrstu"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("PLANBOT_DATABASE_URL", url)
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "300")
    for name in ("PLANBOT_TELEGRAM_TOKEN", "PLANBOT_ZALO_TOKEN", "PLANBOT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    bootstrap(Settings()).db.dispose()
    return url


def _ledger_rows(url: str) -> dict[str, int]:
    """One row per state that matters: unknown, failed (given up), sent."""
    db = Database(url)
    now = local(2021, 3, 17, 8)
    outbox = Outbox(db, holder="h", lease_ttl=timedelta(days=1))
    assert outbox.acquire_lease(now)
    ids: dict[str, int] = {}
    for number, state in enumerate(("unknown", "failed", "sent")):
        key = ("telegram", str(100 + number), "2021-Q1", "before-due", now)
        claim = outbox.claim(key, now, f"text {state}")
        assert isinstance(claim, Claim)
        assert outbox.mark_sending(claim, now) == "ok"
        if state == "unknown":
            outbox.mark_unknown(claim, f"sent, no answer ({TOKEN})")
        elif state == "failed":
            outbox.mark_failed(claim, now, "Forbidden: bot was blocked by the user", retry=False)
        else:
            outbox.mark_sent(claim, now, ["1"])
        ids[state] = claim.id
    outbox.release_lease()
    db.dispose()
    return ids


def _state(url: str, row_id: int) -> str:
    db = Database(url)
    with db.session() as session:
        row = session.get(Reminder, row_id)
    db.dispose()
    assert row is not None
    return row.state


def test_outbox_lists_resends_and_drops_with_an_audit(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANBOT_TELEGRAM_TOKEN", TOKEN)
    ids = _ledger_rows(db_url)
    listed = runner.invoke(app, ["outbox", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert {row["state"] for row in rows} == {"unknown", "failed"}
    assert TOKEN not in listed.stdout
    only = json.loads(runner.invoke(app, ["outbox", "--state", "unknown", "-f", "json"]).stdout)
    assert [row["id"] for row in only] == [ids["unknown"]]
    table = runner.invoke(app, ["outbox"])
    assert "planbot outbox resend" in table.output

    sent_row = runner.invoke(app, ["outbox", "resend", str(ids["sent"])])
    assert sent_row.exit_code == 1  # a sent message is never resent
    assert _state(db_url, ids["sent"]) == "sent"
    assert runner.invoke(app, ["outbox", "resend", "--all-unknown"]).exit_code == 0
    assert _state(db_url, ids["unknown"]) == "failed"  # due at the next tick
    dropped = runner.invoke(app, ["outbox", "drop", str(ids["failed"])])
    assert dropped.exit_code == 0, dropped.output
    assert _state(db_url, ids["failed"]) == "dropped"
    assert runner.invoke(app, ["outbox", "drop", "99999999999999999999"]).exit_code == 2
    assert runner.invoke(app, ["outbox", "resend"]).exit_code == 2

    db = Database(db_url)
    with db.session() as session:
        audit = session.exec(
            select(AuditEntry).where(col(AuditEntry.action).startswith("outbox."))
        ).all()
    db.dispose()
    assert [(a.action, a.subject) for a in audit] == [
        ("outbox.resend", f"reminder:{ids['unknown']}"),
        ("outbox.drop", f"reminder:{ids['failed']}"),
    ]
    assert all(a.actor.startswith("cli:") for a in audit)
    assert all(a.source and "planbot" in a.source for a in audit)


def test_backup_and_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    report(db, "so-y-te", "2.2.1", local(2021, 3, 15, 10), "2021-Q1")
    db.dispose()
    copy = tmp_path / "backups" / "planbot.db"
    made = runner.invoke(app, ["backup", str(copy)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["backup", str(copy)]).exit_code == 2  # never overwritten silently

    db = Database(db_url)
    report(db, "so-gtvt", "2.3", local(2021, 3, 16, 10), "2021-Q1")  # after the backup
    db.dispose()
    restored = runner.invoke(app, ["restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert "before-restore" in restored.output
    db = Database(db_url)
    with db.session() as session:
        agencies = [row.agency_id for row in session.exec(select(StatusUpdate)).all()]
    db.dispose()
    assert agencies == ["so-y-te"]  # exactly the backed-up state
    kept = next(tmp_path.glob("ops.db.before-restore-*"))
    kept_db = Database(f"sqlite:///{kept}")
    with kept_db.session() as session:
        assert len(session.exec(select(StatusUpdate)).all()) == 2  # nothing lost either
    kept_db.dispose()

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    refused = runner.invoke(app, ["restore", str(junk)])
    assert refused.exit_code == 2
    assert "không phải bản sao lưu" in refused.output


def test_restore_refuses_while_a_sender_runs(db_url: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    assert runner.invoke(app, ["backup", str(copy)]).exit_code == 0
    db = Database(db_url)
    from datetime import UTC, datetime

    assert Outbox(db, holder="otherhost:1:abc").acquire_lease(datetime.now(UTC))
    db.dispose()
    refused = runner.invoke(app, ["restore", str(copy)])
    assert refused.exit_code == 2
    assert "otherhost:1:abc" in refused.output


def test_backup_on_postgresql_prints_the_pg_dump_command(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", "postgresql+psycopg://bot:pw-secret@db:5432/planbot")
    result = runner.invoke(app, ["backup", "out.dump"])
    assert result.exit_code == 0
    assert "pg_dump --format=custom --file 'out.dump' 'postgresql://bot:***@db:5432/planbot'" in (
        result.output
    )
    assert "pw-secret" not in result.output


def test_doctor_reports_the_ledger_and_what_to_do(db_url: str) -> None:
    _ledger_rows(db_url)
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output
    assert "planbot outbox --state unknown" in result.output
    assert "PLANBOT_TELEGRAM_TOKEN" in result.output  # no channel configured


def test_doctor_fails_on_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", "postgresql+psycopg://bot:pw@127.0.0.1:1/x")
    monkeypatch.setenv("COLUMNS", "300")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "PLANBOT_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


def test_invite_with_an_absurd_expiry_is_refused_clearly(db_url: str) -> None:
    result = runner.invoke(app, ["invite", "so y te", "--expires-days", "99999999"])
    assert result.exit_code == 2
    assert "số ngày hiệu lực" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    db = Database(db_url)
    with db.session() as session:
        assert session.exec(select(Invitation)).all() == []
    db.dispose()


def test_json_log_lines_hide_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLANBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("PLANBOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("PLANBOT_TELEGRAM_TOKEN", TOKEN)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(logging.WARNING, settings=settings)
        logging.getLogger("planbot.test").debug("calling https://x/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"boom {TOKEN}")
        except RuntimeError:
            logging.getLogger("planbot.test").exception("failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["level"] for line in lines] == ["DEBUG", "ERROR"]
    assert lines[0]["logger"] == "planbot.test"
    assert "time" in lines[0]
    assert "exception" in lines[1]
    assert TOKEN not in json.dumps(lines)
    assert HEALTH  # the ledger helpers of the reminder tests are shared
