"""How a failed Zalo call maps onto the neutral delivery errors (see DESIGN.md section 5)."""

from __future__ import annotations

import httpx

from bot.channels.zalo.client import ZaloApiError, ZaloClient
from bot.channels.zalo.platform import DEFAULT_RETRY_AFTER
from bot.messages import (
    DeliveryError,
    OutcomeUnknown,
    RetryLater,
    TransientError,
    Undeliverable,
)

__all__ = ["PartialDelivery", "delivery_error"]


def delivery_error(error: Exception, client: ZaloClient | None = None) -> DeliveryError:
    """Map a client failure onto the neutral delivery errors the scheduler understands."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, ZaloApiError):
        code = error.error_code
        if code == 429 or error.http_status == 429:
            return RetryLater(error.retry_after or DEFAULT_RETRY_AFTER, str(error))
        if code >= 500 or error.http_status >= 500:
            return TransientError(str(error))
        return Undeliverable(str(error))
    text = f"{type(error).__name__}: {error}"
    if client is not None:
        text = client.redact(text)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(text)  # the request never reached the platform
    if isinstance(
        error,
        httpx.ReadTimeout
        | httpx.WriteTimeout
        | httpx.ReadError
        | httpx.WriteError
        | httpx.RemoteProtocolError,
    ):
        return OutcomeUnknown(text)  # it may have arrived: a retry could send twice
    if isinstance(error, httpx.HTTPError):
        return TransientError(text)
    raise error


class PartialDelivery(OutcomeUnknown):
    """A reply split into several messages failed after some of them were delivered."""

    def __init__(self, message_ids: list[str], cause: DeliveryError) -> None:
        super().__init__(f"{len(message_ids)} part(s) delivered, then: {cause}")
        self.message_ids = message_ids
        self.cause = cause
