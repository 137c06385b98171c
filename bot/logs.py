"""Logging set-up that never writes a bot token."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

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


def configure_logging(level: int = logging.INFO, secrets: Iterable[str] = ()) -> None:
    """Root logging to stderr with redaction; chatty HTTP loggers quietened."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
