"""Cookies and forms: the signing key, signed session cookies, CSRF tokens.

- The key is ``PLANBOT_WEB_SECRET``, or one generated once and kept in
  ``<DATA_DIR>/web-secret`` (readable by the owner only), so sessions survive a restart.
- The session cookie carries the session id signed with itsdangerous (HttpOnly, SameSite=Lax,
  Secure when the site is served over HTTPS). The id itself is 256 random bits; the session
  row in the database decides whether it is still valid.
- Every form carries a CSRF token bound to the browser: an HMAC of the session id, or before
  sign-in of a random ``planbot_pre`` cookie (double submit). A POST without a matching token
  is refused, whatever it asks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.config import Settings
from bot.web.store import SESSION_LIFETIME

__all__ = [
    "PRE_COOKIE",
    "SESSION_COOKIE",
    "Keys",
    "load_secret",
]

SESSION_COOKIE = "planbot_session"
PRE_COOKIE = "planbot_pre"
SECRET_FILE = "web-secret"


def load_secret(settings: Settings) -> bytes:
    """The configured key, or the one kept in the data folder (created on first use)."""
    if settings.web_secret is not None and settings.web_secret.get_secret_value():
        return settings.web_secret.get_secret_value().encode()
    path: Path = settings.data_dir / SECRET_FILE
    if path.is_file():
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value)
    return value.encode()


class Keys:
    """Signing and checking with one key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._sessions = URLSafeTimedSerializer(secret, salt="planbot-web-session")
        self._pre = URLSafeTimedSerializer(secret, salt="planbot-web-pre")

    def session_cookie(self, session_id: str) -> str:
        return self._sessions.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._sessions.loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def new_pre_cookie(self) -> tuple[str, str]:
        """A fresh pre-sign-in browser id and its signed cookie value."""
        value = secrets.token_urlsafe(24)
        return value, self._pre.dumps(value)

    def pre_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._pre.loads(cookie, max_age=86_400)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf_token(self, binding: str) -> str:
        return hmac.new(self._secret, f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, binding: str | None, token: str | None) -> bool:
        if not binding or not token:
            return False
        return hmac.compare_digest(self.csrf_token(binding), token)
