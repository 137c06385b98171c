"""Configuration from PLANBOT_* variables: defaults, validation, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(f"PLANBOT_{name}", value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_use_a_sqlite_file_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PLANBOT_DATABASE_URL", raising=False)
    current = settings_from(monkeypatch, DATA_DIR=str(tmp_path))
    assert current.resolved_database_url == f"sqlite:///{tmp_path / 'planbot.db'}"
    assert current.timezone == "Asia/Ho_Chi_Minh"
    assert current.locale == "vi"
    assert current.reminder_days == (7, 3, 1)


def test_reminder_days_are_deduplicated_and_ordered(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_from(monkeypatch, REMINDER_DAYS="[1, 7, 3, 7]").reminder_days == (7, 3, 1)


@pytest.mark.parametrize("days", ["[-1]", "[400]", "[]"])
def test_nonsense_reminder_days_are_refused(monkeypatch: pytest.MonkeyPatch, days: str) -> None:
    with pytest.raises(ValidationError):
        settings_from(monkeypatch, REMINDER_DAYS=days)


def test_an_unknown_time_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        settings_from(monkeypatch, TIMEZONE="Asia/Saigonn")


def test_tokens_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    current = settings_from(monkeypatch, TELEGRAM_TOKEN=token, ZALO_TOKEN="zalo-secret-value")
    assert token not in repr(current)
    assert "zalo-secret-value" not in repr(current)
    assert current.telegram_token is not None
    assert current.telegram_token.get_secret_value() == token


def test_settings_are_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    current = settings_from(monkeypatch)
    with pytest.raises(ValidationError):
        current.locale = "en"


def test_every_secret_is_handed_to_the_log_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    current = settings_from(
        monkeypatch,
        TELEGRAM_TOKEN="tg-token-value",
        WEBHOOK_SECRET="tg-webhook-secret",
        ZALO_TOKEN="zalo-token-value",
        ZALO_WEBHOOK_SECRET="zalo-webhook-secret",
    )
    assert set(current.secret_values()) == {
        "tg-token-value",
        "tg-webhook-secret",
        "zalo-token-value",
        "zalo-webhook-secret",
    }


def test_the_late_window_defaults_to_30_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANBOT_LATE_WINDOW_DAYS", raising=False)
    assert settings_from(monkeypatch).late_window_days == 30
    assert settings_from(monkeypatch, LATE_WINDOW_DAYS="10").late_window_days == 10


@pytest.mark.parametrize("days", ["-1", "91", "ba muoi"])
def test_nonsense_late_windows_are_refused(monkeypatch: pytest.MonkeyPatch, days: str) -> None:
    with pytest.raises(ValidationError):
        settings_from(monkeypatch, LATE_WINDOW_DAYS=days)
