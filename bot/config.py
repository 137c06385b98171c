"""The one place that reads the environment: a frozen pydantic-settings object."""

from __future__ import annotations

from datetime import time
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import N_


def _default_data_dir() -> Path:
    import platformdirs  # lazy: only when PLANBOT_DATA_DIR is not set

    return Path(platformdirs.user_data_dir("planbot", appauthor=False))


class Settings(BaseSettings):
    """All configuration, from ``PLANBOT_*`` environment variables and an optional ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="PLANBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        frozen=True,
        extra="ignore",
    )

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file planbot.db in DATA_DIR.",
    )
    data_dir: Path = Field(default_factory=_default_data_dir)
    plan: Path | None = Field(
        default=None, description="Plan file; default: the packaged data/plan_tasks.json."
    )
    timezone: str = "Asia/Ho_Chi_Minh"
    locale: str = "vi"
    log_level: str | None = Field(
        default=None, description="DEBUG, INFO, WARNING or ERROR; default: per command."
    )
    log_format: str = Field(default="text", description="text, or json (one JSON object a line).")

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443

    zalo_token: SecretStr | None = None
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_url: AnyHttpUrl | None = None
    zalo_webhook_secret: SecretStr | None = None
    zalo_webhook_port: int = 8444

    public_base_url: AnyHttpUrl | None = Field(
        default=None, description="Where generated files are served, for channels without upload."
    )

    web_enabled: bool = Field(
        default=True,
        description="false: planbot run starts no web application (no pages, no web chat).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web application binds.")
    web_port: int = Field(default=8080, ge=0, le=65535, description="0: any free port.")
    web_base_url: AnyHttpUrl | None = Field(
        default=None, description="The web address people open (behind a proxy, https://...)."
    )
    web_secret: SecretStr | None = Field(
        default=None, description="Key that signs web cookies; default: a key kept in DATA_DIR."
    )

    reminder_days: tuple[int, ...] = (7, 3, 1)
    reminder_time: time = time(8, 0)
    digest_weekly: bool = True
    digest_weekday: int = Field(default=0, ge=0, le=6, description="0 = Monday")
    digest_time: time = time(8, 0)
    late_window_days: int = Field(
        default=30,
        description="Days after a round's deadline during which an owed report is its late report.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(N_("unknown time zone")) from error
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if value.strip().upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(N_("use DEBUG, INFO, WARNING or ERROR"))
        return value.strip().upper()

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError(N_("use text or json"))
        return value.strip().lower()

    @field_validator("reminder_days")
    @classmethod
    def _sensible_reminder_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError(N_("give at least one number of days before the deadline"))
        if any(days < 0 or days > 366 for days in value):
            raise ValueError(N_("days before the deadline must be between 0 and 366"))
        return tuple(sorted(set(value), reverse=True))

    @field_validator("late_window_days")
    @classmethod
    def _sensible_late_window(cls, value: int) -> int:
        if value < 0 or value > 90:
            raise ValueError(N_("the late window must be between 0 and 90 days"))
        return value

    @field_validator("telegram_api_url", "zalo_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def secret_values(self) -> list[str]:
        """Every configured token and webhook secret, for the log filter to hide."""
        secrets = (
            self.telegram_token,
            self.webhook_secret,
            self.zalo_token,
            self.zalo_webhook_secret,
            self.web_secret,
        )
        return [secret.get_secret_value() for secret in secrets if secret is not None]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'planbot.db'}"

    def resolved_plan_path(self) -> Path:
        from bot.plan import default_plan_path

        return self.plan if self.plan is not None else default_plan_path()
