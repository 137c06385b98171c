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
sent is recorded by :func:`record_replies` (the context a later reply to it is read with):
deferred to the next turn's transaction, and written off the event loop within
:data:`FLUSH_AFTER` seconds if no turn writes first (``bot.sent.defer_sent``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from bot.db import Database
from bot.messages import Reply, RetryLater, TransientError
from bot.sent import defer_sent

__all__ = [
    "FLUSH_AFTER",
    "INTERACTIVE_ATTEMPTS",
    "MAX_INTERACTIVE_WAIT",
    "answer",
    "record_replies",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

INTERACTIVE_ATTEMPTS = 3
MAX_INTERACTIVE_WAIT = 5.0  # seconds: a person is waiting for the answer
BACKOFF = 0.5  # seconds times the attempt number, after a failure without retry_after
FLUSH_AFTER = 0.5  # seconds: the longest a reply's context waits for a turn to write it

# id(Database) -> (the loop, its flush) once scheduled; a loop that ended drops its entry
_flushing: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle]] = {}
_flushes: set[asyncio.Task[None]] = set()  # running flushes (a reference, until done)


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
    """Remember the context of each reply sent (its platform message ids): deferred to the next
    writing turn, flushed off the event loop within :data:`FLUSH_AFTER` seconds otherwise.

    On a platform that edits in place (Telegram) an edited message keeps the context it had;
    where an edit is sent as a new message (Zalo) the new one is recorded."""
    waiting = False
    for reply, ids in sent:
        if edits_in_place and reply.edit_message_id is not None:
            continue
        if ids and reply.context:
            waiting = defer_sent(db, channel, chat_id, ids, reply.context, now) or waiting
    if waiting:
        _flush_soon(db)


def _flush_soon(db: Database) -> None:
    """Schedule one flush of ``db``'s deferred rows (no-op if one is scheduled already)."""
    key = id(db)
    loop = asyncio.get_running_loop()
    scheduled = _flushing.get(key)
    if scheduled is not None and scheduled[0] is loop and not scheduled[1].cancelled():
        return

    def fire() -> None:
        _flushing.pop(key, None)
        task = loop.create_task(_flush(db))
        _flushes.add(task)
        task.add_done_callback(_flushes.discard)

    _flushing[key] = (loop, loop.call_later(FLUSH_AFTER, fire))


async def _flush(db: Database) -> None:
    try:
        await asyncio.to_thread(db.flush_deferred)
    except Exception:  # the rows wait for the next turn or flush (Database.flush_deferred)
        log.warning("could not write the contexts of sent replies yet", exc_info=True)


async def flush_replies(db: Database) -> None:
    """Write the deferred contexts now (at stop), cancelling a scheduled flush."""
    scheduled = _flushing.pop(id(db), None)
    if scheduled is not None:
        scheduled[1].cancel()
    await asyncio.to_thread(db.flush_deferred)
