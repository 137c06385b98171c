"""A thin async client of the Zalo Bot API (httpx). The token only ever lives in the base URL."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from bot.channels.zalo.platform import DEFAULT_POLL_TIMEOUT, IDLE_ERROR_CODE

__all__ = ["ZaloApiError", "ZaloClient", "number"]


class ZaloApiError(Exception):
    """The platform answered ``ok: false`` (or a non-JSON HTTP error)."""

    def __init__(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        http_status: int = 200,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"Zalo {method} failed: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description
        self.http_status = http_status
        self.retry_after = retry_after


class ZaloClient:
    """A thin async client of the Zalo Bot API. The token only ever lives in the base URL."""

    def __init__(
        self,
        token: str,
        api_url: str = "https://bot-api.zaloplatforms.com",
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._http = httpx.AsyncClient(
            base_url=f"{api_url.rstrip('/')}/bot{token}/",
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def redact(self, text: str) -> str:
        """``text`` without the token (for logs of transport errors)."""
        return text.replace(self._token, "***")

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        read_seconds: float | None = None,
    ) -> Any:
        """POST one method; return ``result`` or raise :class:`ZaloApiError` / ``httpx`` errors."""
        request_timeout = httpx.Timeout(
            read_seconds if read_seconds is not None else self._timeout,
            connect=self._connect_timeout,
        )
        response = await self._http.post(method, json=params or {}, timeout=request_timeout)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            retry_after = _header_seconds(response.headers.get("Retry-After"))
            raise ZaloApiError(
                method,
                response.status_code,
                response.reason_phrase or "not a Zalo envelope",
                http_status=response.status_code,
                retry_after=retry_after,
            )
        if body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters")
        retry_after = None
        if isinstance(parameters, dict):
            retry_after = number(parameters.get("retry_after"))
        if retry_after is None:
            retry_after = _header_seconds(response.headers.get("Retry-After"))
        code = number(body.get("error_code"))
        raise ZaloApiError(
            method,
            int(code) if code is not None else response.status_code,
            str(body.get("description") or ""),
            http_status=response.status_code,
            retry_after=retry_after,
        )

    async def get_update(self, poll_seconds: float = DEFAULT_POLL_TIMEOUT) -> dict[str, Any] | None:
        """Long-poll for ONE update; ``None`` when the poll ended idle (error 408)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": poll_seconds}, read_seconds=poll_seconds + self._timeout
            )
        except ZaloApiError as error:
            if error.error_code == IDLE_ERROR_CODE:
                return None
            raise
        if result is None or result == {}:
            return None
        if isinstance(result, list):  # defensive: a Telegram-like list, should it ever come
            raise ZaloApiError("getUpdates", 0, "a list of updates where one was expected")
        if not isinstance(result, dict):
            raise ZaloApiError("getUpdates", 0, "an update that is not an object")
        return result

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return _result_object(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _result_object(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def get_me(self) -> dict[str, Any]:
        return _result_object(await self.call("getMe"))

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        return _result_object(
            await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        )

    async def delete_webhook(self) -> dict[str, Any]:
        return _result_object(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> dict[str, Any]:
        return _result_object(await self.call("getWebhookInfo"))


def _result_object(result: Any) -> dict[str, Any]:
    return dict(result) if isinstance(result, dict) else {}


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _header_seconds(value: str | None) -> float | None:
    return number(value) if value else None
