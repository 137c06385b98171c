"""Logging set-up that never writes a bot token."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.json import JsonFormatter

if TYPE_CHECKING:
    from bot.config import Settings

# Telegram tokens look like 123456:ABC-def; any URL path segment "bot<token>" is hidden too.
_TOKEN_PATTERNS = (
    re.compile(r"bot[^/\s]+(?=/)"),
    re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b"),
)


class RedactingFilter(logging.Filter):
    """Replaces secrets in every record's final message."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(lambda m: "bot***" if m.group(0).startswith("bot") else "***", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts (httpx errors carry the URL) are redacted when formatted.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class _JsonLines(JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC offset), level, logger, message, and the
    exception text when there is one (already redacted by the filter)."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat()
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        if record.exc_text:
            log_data["exception"] = record.exc_text


def configure_logging(
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    *,
    settings: Settings | None = None,
) -> None:
    """Root logging to stderr with redaction; chatty HTTP loggers quietened.

    With ``settings``: ``PLANBOT_LOG_LEVEL`` overrides ``level`` and ``PLANBOT_LOG_FORMAT=json``
    writes JSON lines (for a log collector) instead of text; its secrets are hidden too.
    """
    hidden = list(secrets)
    json_lines = False
    if settings is not None:
        hidden.extend(settings.secret_values())
        if settings.log_level:
            level = logging.getLevelNamesMapping()[settings.log_level]
        json_lines = settings.log_format == "json"
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(_JsonLines("%(message)s", json_ensure_ascii=False))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(hidden))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    quiet = max(level, logging.WARNING)
    logging.getLogger("httpx").setLevel(quiet)
    logging.getLogger("httpcore").setLevel(quiet)
    logging.getLogger("apscheduler").setLevel(quiet)
    logging.getLogger("alembic").setLevel(quiet)
