"""Tokens never appear in logs, whether in a message, its arguments or an exception."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFilter

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def emit(caplog: pytest.LogCaptureFixture, message: str, *args: object, exc: bool = False) -> str:
    logger = logging.getLogger("planbot.test")
    caplog.handler.addFilter(RedactingFilter([TOKEN, "zalo-secret-token-value"]))
    with caplog.at_level(logging.INFO, logger="planbot.test"):
        if exc:
            try:
                raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
            except RuntimeError:
                logger.exception(message, *args)
        else:
            logger.info(message, *args)
    return caplog.text


def test_token_in_an_url_argument_is_hidden(caplog: pytest.LogCaptureFixture) -> None:
    text = emit(caplog, "HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert TOKEN not in text
    assert "bot***/getMe" in text


def test_configured_secret_is_hidden(caplog: pytest.LogCaptureFixture) -> None:
    text = emit(caplog, "zalo token is %s", "zalo-secret-token-value")
    assert "zalo-secret-token-value" not in text


def test_token_in_an_exception_is_hidden(caplog: pytest.LogCaptureFixture) -> None:
    text = emit(caplog, "send failed", exc=True)
    assert "RuntimeError" in text
    assert TOKEN not in text
