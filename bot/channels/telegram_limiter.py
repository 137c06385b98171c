"""python-telegram-bot's rate limiter for the bot's answers, on :class:`scheduler.pacing.Pacer`.

PTB's ``AIORateLimiter`` is a leaky bucket (aiolimiter): after a quiet moment it lets a full
bucket go at once and then refills, so an interactive backlog (a hundred officials answering a
reminder in the same minute) drained at up to 50 replies in one second, and it keeps no limit
per private chat; a server that judges Telegram's limits on arrival answers 429 to that, and the
bot stops for ``retry_after`` (BENCHMARKS.md). This limiter grants each request with a chat a
slot of the pacer's sliding windows (30 in any second overall, one per second per chat, 20 per
minute per group), widened by the measured jitter margin, and honours a ``RetryAfter`` by
pausing every later request; it retries only when asked (``max_retries``, 0 in planbot: the
retry policy belongs to the sender, :mod:`bot.delivery` for answers, the ledger for reminders,
so a request is never attempted more times than that policy says). Requests without a
chat (``getUpdates``, ``answerCallbackQuery``, ``getMe``) are not paced.

The pacer is the channel's one flood limiter (:class:`bot.channels.telegram.TelegramChannel`
hands the same one to the scheduler). A request whose slot the scheduler already took
(:meth:`Pacer.holds_slot`) goes straight out and is never retried here: the scheduler's ledger
decides what a 429 means for a reminder (pause, give back, postpone). The pieces after it (a long
reminder split in several messages) and every answer wait for their own slot here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from scheduler.pacing import TELEGRAM, Pacer

JSONDict = dict[str, Any]


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PacedRateLimiter(BaseRateLimiter[int]):
    """Every request to a chat waits for its pacer slot; ``rate_limit_args``: max retries."""

    def __init__(self, pacer: Pacer | None = None, *, max_retries: int = 0) -> None:
        self.pacer = pacer or TELEGRAM.pacer()
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        chat = str(chat_id)
        if self.pacer.holds_slot(chat):  # paced by the scheduler, which also handles a 429
            try:
                return await callback(*args, **kwargs)
            finally:
                self.pacer.done(chat)  # answered: the pieces after it may take their slots
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            await self.pacer.wait(chat, hold=False)
            try:
                return await self.pacer.timed(chat, callback(*args, **kwargs))
            except RetryAfter as error:
                self.pacer.pause(_retry_seconds(error))  # every later request waits it out
                if attempt >= retries:
                    raise
                attempt += 1
