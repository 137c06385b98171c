"""How an answer reaches a platform: one retry policy and one record of what was sent.

Every channel exposes ``send`` (:class:`bot.messages.Channel`) and raises the neutral delivery
errors (DESIGN.md §5). What is done with them depends on who sends, never on the platform:

- an answer to a person (this module): retried with tenacity, at most
  :data:`INTERACTIVE_ATTEMPTS` attempts in all and only while nothing can have reached the
  platform (:class:`RetryLater`, :class:`TransientError`), waiting ``retry_after`` or a short
  backoff but never more than :data:`MAX_INTERACTIVE_WAIT` (someone is waiting); a send that may
  have arrived (:class:`OutcomeUnknown`) or was refused is not retried, so nobody gets an answer
  twice;
- a reminder (:class:`scheduler.runner.SchedulerRunner`): the ledger's own backoff, a 429 pausing
  the whole channel.

The flood limits are applied under both, once per channel (``scheduler/pacing.py``). What was
sent is recorded by :func:`record_replies` (the context a later reply to it is read with),
off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from bot.db import Database
from bot.messages import Reply, RetryLater, TransientError
from bot.sent import record_sent

__all__ = ["INTERACTIVE_ATTEMPTS", "MAX_INTERACTIVE_WAIT", "answer", "record_replies"]

T = TypeVar("T")

INTERACTIVE_ATTEMPTS = 3
MAX_INTERACTIVE_WAIT = 5.0  # seconds: a person is waiting for the answer
BACKOFF = 0.5  # seconds times the attempt number, after a failure without retry_after


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome is not None else None
    seconds = error.retry_after if isinstance(error, RetryLater) else BACKOFF * state.attempt_number
    return min(max(seconds, 0.0), MAX_INTERACTIVE_WAIT)


async def answer(
    send: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``send()`` under the interactive retry policy; the last delivery error is raised."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(INTERACTIVE_ATTEMPTS),
        wait=_wait,
        retry=retry_if_exception_type((RetryLater, TransientError)),
        sleep=sleep,
        reraise=True,
    )

    async def attempt() -> T:  # a coroutine function: tenacity would call a lambda as sync code
        return await send()

    result: T = await retrying(attempt)
    return result


async def record_replies(
    db: Database,
    channel: str,
    chat_id: str,
    sent: Sequence[tuple[Reply, Sequence[str]]],
    now: datetime,
    *,
    edits_in_place: bool = False,
) -> None:
    """Remember the context of each reply sent (its platform message ids), off the event loop.

    On a platform that edits in place (Telegram) an edited message keeps the context it had;
    where an edit is sent as a new message (Zalo) the new one is recorded."""
    for reply, ids in sent:
        if edits_in_place and reply.edit_message_id is not None:
            continue
        if ids and reply.context:
            await asyncio.to_thread(record_sent, db, channel, chat_id, ids, reply.context, now)
