"""The reminder sender: every minute, work out what is owed, then claim, send and mark it.

:class:`SchedulerRunner` is started by ``planbot run`` (and used once by ``planbot remind``).
APScheduler (``AsyncIOScheduler``, memory job store, timezone-aware) only wakes it up: one
interval job every minute that also runs once at start, with ``misfire_grace_time=None`` (a late
wake-up still runs) and ``coalesce=True`` (missed wake-ups run once). Nothing is stored as a
pickled job: what is owed is computed from the calendar and the database at every tick
(:mod:`scheduler.reminders`), and the ledger (:mod:`scheduler.outbox`) makes each send
happen once. Only the holder of the ``sender`` lease sends; outbound messages are paced per
channel (:mod:`scheduler.pacing`).

Extension points (for the digest and report features):

- ``extras``: callables ``(OwedMessage) -> Sequence[Attachment | Reply]``. After a scheduled
  message went out, each extra is sent to the same chat, under the same ledger row, as a
  follow-up (an :class:`~bot.messages.Attachment` is sent as ``Reply(text=filename,
  attachment=...)``). Use ``message.kind`` ("before-consolidation", "overdue"...),
  ``message.audience`` ("unit", "consolidator", "secretariat"), ``message.round`` and
  ``message.locale`` to decide, e.g. attach the consolidated .docx to the consolidator's
  reminder and the digest to the secretariat's overdue list. Extras are best effort: a failure is
  logged and does not resend the reminder.
- ``contributors``: callables ``(now: datetime) -> Sequence[OwedMessage]`` returning extra
  messages owed at ``now`` (e.g. a weekly digest: kind "weekly-digest", ``instant`` the Monday
  08:00 it is for, ``period`` the round id or the ISO week). They go through the same ledger,
  lease and pacing, so they too are sent once; return only the latest instant that is still
  relevant, as the reminders do. Contributors run in a worker thread (they may read the database).

Both can be passed to the constructor or added later with :meth:`SchedulerRunner.add_extras`
and :meth:`SchedulerRunner.add_contributor` (before :meth:`SchedulerRunner.start`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection
from sqlmodel import Session

from bot.audit import begin_acting
from bot.bootstrap import Services
from bot.chats import migrate_chat
from bot.logs import RedactingFilter
from bot.messages import (
    Attachment,
    Channel,
    ChatMoved,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
)
from bot.plan import Plan
from bot.planstore import PlanState, StoredPlan, plan_states, retired_plans
from bot.progress import effective_updates, round_progress
from bot.registration import active_users
from bot.reports.titles import sentence_case
from bot.sent import record_sent, record_sent_many
from scheduler.calendar import ReportingCalendar
from scheduler.outbox import LEASE_RENEW_SECONDS, Claim, LedgerKey, Orphaned, Outbox
from scheduler.pacing import PLATFORM_LIMITS, TELEGRAM, Pacer
from scheduler.reminders import (
    OwedMessage,
    PlanReminders,
    Recipient,
    ReminderSchedule,
    messages_across,
)
from scheduler.workdays import WorkingDays

log = logging.getLogger(__name__)

Extras = Callable[[OwedMessage], Sequence[Attachment | Reply]]
Contributor = Callable[[datetime], Sequence[OwedMessage]]
Outcome = Literal["sent", "already", "failed", "unknown", "postponed", "no-channel", "stopped"]

JOB_ID = "planbot-reminders"
LEASE_JOB_ID = "planbot-lease"
TICK_SECONDS = 60
MAX_RATE_LIMITS = 5  # 429 answers for one message within one tick before it is postponed
SHUTDOWN_GRACE_SECONDS = 30.0
# A tick plans and sends the roster in chunks of about this many recipients (whole chats), so
# its memory does not grow with the roster; a smaller roster is one chunk.
PLAN_CHUNK = 500

T = TypeVar("T")


def default_holder() -> str:
    """A name for this sender that no other process shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Delivery:
    """What happened to one owed message in one tick."""

    message: OwedMessage
    outcome: Outcome
    message_ids: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class TickResult:
    """One pass: the moment it planned for, whether it held the lease, each message's fate."""

    at: datetime
    holder: str
    lease: bool
    owed: tuple[OwedMessage, ...] = ()
    deliveries: list[Delivery] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    keep: bool = True  # False: only the counts are kept (a long-running bot's tick)

    def note(self, delivery: Delivery) -> None:
        self.counts[delivery.outcome] += 1
        if self.keep:
            self.deliveries.append(delivery)

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    @property
    def sent(self) -> int:
        return self.count("sent")


class SchedulerRunner:
    """Sends the reminders owed, once, through the given channels."""

    def __init__(
        self,
        services: Services,
        channels: Mapping[str, Channel],
        *,
        holder: str | None = None,
        extras: Sequence[Extras] = (),
        contributors: Sequence[Contributor] = (),
        pacer_factory: Callable[[str], Pacer] | None = None,
        workdays: WorkingDays | None = None,
        concurrency: int = 8,
    ) -> None:
        self.services = services
        self.channels = dict(channels)
        self.holder = holder or default_holder()
        self.outbox = Outbox(services.db, holder=self.holder)
        self._extras = list(extras)
        self._contributors = list(contributors)
        self._pacer_factory = pacer_factory
        self._pacers: dict[str, Pacer] = {}
        self._workdays = workdays or WorkingDays(kept_in=services.settings.data_dir)
        self._schedules: dict[str, tuple[Plan, ReminderSchedule]] = {}
        self._plan_states: tuple[PlanState, ...] | None = None
        self._retired: list[StoredPlan] = []  # read again only when the plans change
        self._concurrency = max(1, concurrency)
        self._tick_lock = asyncio.Lock()
        self._in_flight: set[int] = set()
        self._stopped = False
        self._stopped_tick = False
        self._scheduler: AsyncIOScheduler | None = None
        self._current: asyncio.Task[TickResult] | None = None
        # Every ledger write of this sender goes through one thread, in order: SQLite has one
        # writer, and writers racing for its lock sleep in its busy handler (milliseconds that
        # land between a pacing slot and its request: BENCHMARKS.md, third session).
        self._ledger: ThreadPoolExecutor | None = None
        # The grouped writes waiting for the ledger's thread (:meth:`_grouped`).
        self._group: list[tuple[functools.partial[Any], asyncio.Future[Any]]] = []
        self._group_lock = threading.Lock()
        # Reminders accepted by the platform whose ledger rows are being marked sent
        # (:meth:`_settle_soon`): a tick ends only once each is stored.
        self._settling: set[asyncio.Future[Any]] = set()
        # While a tick sends, the ledger's thread keeps one connection for its groups
        # (:meth:`_plain_group`; used and closed on that thread only).
        self._keep_writer = False
        self._writer: Connection | None = None
        self._lease_until: datetime | None = None  # the lease is surely ours until then
        # Error texts go to the ledger and to ``planbot remind``'s output: never a token there.
        self._redactor = RedactingFilter(services.settings.secret_values())

    # ------------------------------------------------------------------ wiring

    def add_extras(self, extras: Extras) -> None:
        self._extras.append(extras)

    def add_contributor(self, contributor: Contributor) -> None:
        self._contributors.append(contributor)

    def pacer(self, channel: str) -> Pacer:
        """The flood limiter of one channel: the channel's own (``channel.pacer``, the one its
        answers go through too: Telegram's), else one with the platform's limits (Zalo's: no
        group test by id); ``pacer_factory`` replaces both (tests, benchmarks)."""
        pacer = self._pacers.get(channel)
        if pacer is None:
            own = getattr(self.channels.get(channel), "pacer", None)
            if self._pacer_factory is not None:
                pacer = self._pacer_factory(channel)
            elif isinstance(own, Pacer):
                pacer = own
            else:
                pacer = PLATFORM_LIMITS.get(channel, TELEGRAM).pacer()
            self._pacers[channel] = pacer
        return pacer

    @property
    def schedule(self) -> ReminderSchedule:
        """The reminder instants of the plan as loaded (rebuilt when the plan is reloaded);
        with several plans, the newest one's (:meth:`schedule_of` gives any plan's)."""
        return self.schedule_of(self.services.plan)

    def schedule_of(self, plan: Plan) -> ReminderSchedule:
        """The reminder instants of one plan, from its own calendar."""
        cached = self._schedules.get(plan.info.id)
        if cached is None or cached[0] is not plan:
            settings = self.services.settings
            schedule = ReminderSchedule(
                ReportingCalendar(plan.reporting, settings.tz),
                self._workdays,
                lead_days=settings.reminder_days,
                at_time=settings.reminder_time,
            )
            cached = (plan, schedule)
            self._schedules[plan.info.id] = cached
        return cached[1]

    # ------------------------------------------------------------------ APScheduler

    async def start(self) -> None:
        """Wake up every minute, and once now."""
        if self._scheduler is not None:
            return
        tz = self.services.settings.tz
        scheduler = AsyncIOScheduler(
            timezone=tz,
            jobstores={"default": MemoryJobStore()},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        scheduler.add_job(
            self._wake,
            IntervalTrigger(seconds=TICK_SECONDS, timezone=tz),
            id=JOB_ID,
            name="planbot reminders tick",
            next_run_time=datetime.now(tz),
            replace_existing=True,
        )
        scheduler.add_job(
            self._renew,
            IntervalTrigger(seconds=LEASE_RENEW_SECONDS, timezone=tz),
            id=LEASE_JOB_ID,
            name="planbot sender lease",
            replace_existing=True,
        )
        self._stopped = False
        scheduler.start()
        self._scheduler = scheduler
        log.info("reminder scheduler started (sender %s)", self.holder)

    async def shutdown(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """An orderly stop: no new wake-ups and no new sends; the requests already on the wire
        finish (for at most ``grace`` seconds); messages that had not left are given back to the
        ledger (sent by the next sender); then the lease is given back."""
        scheduler, self._scheduler = self._scheduler, None
        self._stopped = True
        if scheduler is not None and scheduler.running:
            scheduler.remove_all_jobs()
            scheduler.shutdown(wait=False)
        current = self._current
        if current is not None and not current.done():
            try:
                await asyncio.wait_for(asyncio.shield(current), grace)
            except TimeoutError:
                log.warning("sends still out after %.0f s at shutdown; marked unknown", grace)
                current.cancel()
                await asyncio.gather(current, return_exceptions=True)
            except asyncio.CancelledError:
                current.cancel()
                await asyncio.gather(current, return_exceptions=True)
                raise
            except Exception:  # the tick failed: it was logged by _wake
                pass
        await self._write(self.outbox.release_lease)
        ledger, self._ledger = self._ledger, None
        if ledger is not None:
            ledger.shutdown(wait=False)
        log.info("reminder scheduler stopped (sender %s)", self.holder)

    def stop_sending(self) -> None:
        """Start no new send (a signal arrived): requests on the wire finish, and the messages
        not yet sent stay in the ledger for the next sender."""
        if not self._stopped:
            log.info("stopping: no new sends; the ones on the wire finish")
        self._stopped = True

    async def _renew(self) -> None:
        """Keep the short sender lease while running, so a restart elsewhere waits for it."""
        if self._stopped:
            return
        try:
            await self._acquire_lease(self.services.clock.now())
        except Exception as error:  # the database is away: the next renewal tries again
            log.warning("renewing the sender lease failed: %s", self._error_text(error))

    async def _wake(self) -> None:
        if self._stopped:
            return
        task = asyncio.create_task(self.tick(keep=False))
        self._current = task
        try:
            # Shielded: APScheduler cancels its job at shutdown; the tick finishes its message.
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if self._scheduler is None:  # shut down, which cancelled its job: shutdown()
                return  # waits for the tick itself (no error, no traceback at an orderly stop)
            raise
        except Exception:
            log.exception("reminder tick failed")
            return
        if result.deliveries:
            log.info(
                "reminder tick: %d sent, %d failed, %d unknown",
                result.sent,
                result.count("failed"),
                result.count("unknown"),
            )

    # ------------------------------------------------------------------ planning

    def owed(self, now: datetime) -> list[OwedMessage]:
        """Every message owed at ``now`` (sent or not), reminders and contributions.

        Each plan followed is reminded with its own calendar; what one chat is owed at one
        moment across plans is one message (:func:`scheduler.reminders.messages_across`).
        With several plans, a plan's reminders start from the moment it was loaded, and a
        retired plan's instants before its retirement still anchor the ledger keys.
        """
        shares, recipients = self._planning(now)
        messages = messages_across(now, shares, recipients) if recipients else []
        messages.extend(self._contributed(now))
        return messages

    def _contributed(self, now: datetime) -> list[OwedMessage]:
        return [message for contributor in self._contributors for message in contributor(now)]

    def _planning(self, now: datetime) -> tuple[list[PlanReminders], list[Recipient]]:
        """Each plan's share of ``now`` with its rounds' progress, and the active users as
        recipients (none when no plan has a current instant)."""
        self._follow_plan_changes()
        shares = self._shares(now)
        recipients: list[Recipient] = []
        if any(share.instants or share.tasks for share in shares if share.followed):
            with self.services.db.session() as session:
                users = active_users(session)  # never planbot shell's (bot/registration.py)
                shares = [
                    replace(
                        share,
                        progress={
                            period: round_progress(session, share.plan, round_, as_of=now)
                            for period, round_ in {
                                i.period: i.round for i in share.instants
                            }.items()
                        },
                        completed=_completed(session, share, now),
                    )
                    if share.followed
                    else share
                    for share in shares
                ]
            default_locale = self.services.settings.locale
            recipients = [
                Recipient(
                    channel=user.channel,
                    chat_id=user.chat_id,
                    agency_id=user.agency_id,
                    role=user.role,
                    locale=user.language or default_locale,
                    user_id=user.id,
                    group=user.chat_type == "group",
                )
                for user in users
            ]
        return shares, recipients

    def _follow_plan_changes(self) -> None:
        """A plan loaded, changed or retired by ``planbot plan`` while the bot runs is followed
        from the next tick on (one small query a tick; the plans are read again on a change)."""
        states = plan_states(self.services.db)
        if states == self._plan_states:
            return
        if self._plan_states is not None:
            self.services.reload_plan()
        any_retired = any(retired_at is not None for *_, retired_at in states)
        self._retired = retired_plans(self.services.db) if any_retired else []
        self._plan_states = states

    def _shares(self, now: datetime) -> list[PlanReminders]:
        """Each plan's current instants, newest plan first (retired ones: for the keys only)."""
        followed = self.services.plans.entries
        retired = self._retired if followed else []
        several = len(followed) + len(retired) > 1
        dated: list[tuple[datetime | None, PlanReminders]] = []
        for entry in followed:
            instants = self.schedule_of(entry.plan).current(now)
            if several and entry.loaded_at is not None:
                instants = [i for i in instants if i.at >= entry.loaded_at]
            heading = (
                f"[{entry.code}] {sentence_case(entry.plan.info.title, entry.plan)}"
                if len(followed) > 1
                else ""
            )
            tasks = self.schedule_of(entry.plan).current_tasks(entry.plan.tasks, now)
            if several and entry.loaded_at is not None:
                tasks = [i for i in tasks if i.at >= entry.loaded_at]
            share = PlanReminders(
                entry.plan, tuple(instants), {}, entry.code, heading, tasks=tuple(tasks)
            )
            dated.append((entry.loaded_at, share))
        for stored in retired:
            assert stored.retired_at is not None
            instants = [
                i
                for i in self.schedule_of(stored.plan).current(now)
                if stored.loaded_at <= i.at < stored.retired_at
            ]
            tasks = [
                i
                for i in self.schedule_of(stored.plan).current_tasks(stored.plan.tasks, now)
                if stored.loaded_at <= i.at < stored.retired_at
            ]
            share = PlanReminders(
                stored.plan, tuple(instants), {}, stored.code, followed=False, tasks=tuple(tasks)
            )
            dated.append((stored.loaded_at, share))
        if several:  # newest loaded first; the oldest plan anchors the ledger keys
            dated.sort(key=lambda pair: pair[0] or now, reverse=True)
        return [share for _, share in dated]

    def pending(self, now: datetime) -> list[OwedMessage]:
        """What a tick at ``now`` would try to send: owed and not settled in the ledger."""
        messages = self.owed(now)
        rows = self.outbox.states(m.key for m in messages)
        op_now = self.services.clock.now()
        return [
            m
            for m in messages
            if rows.get(m.key) is None or self.outbox.claimable(rows[m.key], op_now)
        ]

    # ------------------------------------------------------------------ one tick

    async def tick(self, now: datetime | None = None, *, keep: bool = True) -> TickResult:
        """One pass as of ``now`` (default: the clock): compute what is owed, claim, send, mark.

        The roster is planned and sent in chunks of whole chats (:data:`PLAN_CHUNK`), by a
        fixed number of sending tasks, so memory does not grow with the roster; ``keep``
        False keeps only the counts in the result, not every message (``planbot run``)."""
        async with self._tick_lock:
            begin_acting(f"scheduler:{self.holder}")
            at = now or self.services.clock.now()
            if at.tzinfo is None or at.utcoffset() is None:
                raise ValueError(f"naive datetime {at!r}")
            result = TickResult(at=at, holder=self.holder, lease=False, keep=keep)
            held = await self._acquire_lease(self.services.clock.now())
            if not held:
                log.debug("sender lease held by another process; not sending")
                return result
            result.lease = True
            self._stopped_tick = False
            self._keep_writer = True
            chats: asyncio.Queue[list[OwedMessage] | None] = asyncio.Queue(2 * self._concurrency)

            async def send() -> None:
                while (messages := await chats.get()) is not None:
                    for message in messages:
                        result.note(await self._deliver(message))

            renewer = asyncio.create_task(self._keep_lease())
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._plan_tick(at, result, chats, keep=keep))
                    for _worker in range(self._concurrency):
                        group.create_task(send())
            finally:
                renewer.cancel()
                await asyncio.gather(renewer, return_exceptions=True)
                failed = await self._settled()
                self._keep_writer = False
                await self._write(self._drop_writer)
            if failed is not None:
                raise failed
            return result

    async def _settled(self) -> BaseException | None:
        """Wait until every reminder this sender marked sent is stored (:meth:`_settle_soon`);
        the first error of those that failed (logged: their rows stay "sending", and become
        "unknown" at the next start, never sent again)."""
        failed: BaseException | None = None
        while self._settling:
            pending = list(self._settling)
            outcomes = await asyncio.gather(*pending, return_exceptions=True)
            self._settling.difference_update(pending)
            for outcome in outcomes:
                if isinstance(outcome, BaseException) and failed is None:
                    log.error("a reminder sent could not be marked sent: %r", outcome)
                    failed = outcome
        return failed

    async def _plan_tick(
        self,
        at: datetime,
        result: TickResult,
        chats: asyncio.Queue[list[OwedMessage] | None],
        *,
        keep: bool,
    ) -> None:
        """Plan the tick's messages chunk by chunk of whole chats and hand them to the sending
        tasks; then one end mark per sending task."""
        shares, recipients = await asyncio.to_thread(self._planning, at)
        extra: dict[tuple[str, str], list[OwedMessage]] = {}
        for message in await asyncio.to_thread(self._contributed, at):
            extra.setdefault((message.channel, message.chat_id), []).append(message)
        owed: list[OwedMessage] = []
        for chunk in _chunks_by_chat(recipients, PLAN_CHUNK):
            if self._halted():
                break
            messages = await asyncio.to_thread(messages_across, at, shares, chunk)
            for recipient in chunk:  # a chat's contributions after its reminders
                messages.extend(extra.pop((recipient.channel, recipient.chat_id), ()))
            await self._queue(messages, result, chats)
            if keep:
                owed.extend(messages)
        rest = [message for messages in extra.values() for message in messages]
        if rest and not self._halted():
            await self._queue(rest, result, chats)
            if keep:
                owed.extend(rest)
        result.owed = tuple(owed)
        # The end, for each sending task (on an error the task group cancels them all).
        for _worker in range(self._concurrency):
            await chats.put(None)

    async def _queue(
        self,
        messages: list[OwedMessage],
        result: TickResult,
        chats: asyncio.Queue[list[OwedMessage] | None],
    ) -> None:
        """Hand the messages that may still be sent to the sending tasks, one chat's messages
        together (in order); the others are noted as they are."""
        rows = await asyncio.to_thread(self.outbox.states, [m.key for m in messages])
        by_chat: dict[tuple[str, str], list[OwedMessage]] = {}
        for message in messages:
            if message.channel not in self.channels:
                result.note(Delivery(message, "no-channel"))
                continue
            row = rows.get(message.key)
            if (
                row is not None
                and row.state not in ("claimed", "sending")
                and not self.outbox.claimable(row, self.services.clock.now())
            ):
                result.note(Delivery(message, "already"))
                continue
            by_chat.setdefault((message.channel, message.chat_id), []).append(message)
        for chat in by_chat.values():
            await chats.put(chat)

    def _ledger_thread(self) -> ThreadPoolExecutor:
        if self._ledger is None:
            self._ledger = ThreadPoolExecutor(1, thread_name_prefix="planbot-ledger")
        return self._ledger

    async def _write(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` on the ledger's one thread (with this task's context:
        the audit actor), in the order asked."""
        call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._ledger_thread(), call)

    async def _grouped(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A ledger write of the send path (claim, mark sending, settle: bookkeeping rows,
        not audited) on the ledger's one thread, committed together with the others asked
        for while that thread was busy (group commit: :meth:`_drain`). Its result comes only
        after its transaction committed, so every guarantee of a write of its own holds; at
        the ceiling's pace (one write at a time) it is a transaction of its own as before."""
        result: T = await self._in_group(function, *args, **kwargs)
        return result

    def _in_group(
        self, function: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> asyncio.Future[Any]:
        """:meth:`_grouped` without waiting: the write joins the group, and the future
        answers once its transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._group_lock:
            self._group.append((functools.partial(function, *args, **kwargs), future))
            first = len(self._group) == 1
        if first:
            context = contextvars.copy_context()
            self._ledger_thread().submit(context.run, self._drain, loop)
        return future

    def _settle_soon(
        self, claim: Claim, message: OwedMessage, ids: Sequence[str], at: datetime
    ) -> asyncio.Future[Any]:
        """A reminder the platform accepted, marked sent (:meth:`_settle`) in the group its
        sending task's next claim joins: one transaction a reminder instead of two. Its claim
        stays this process's (in flight) until that is stored, and the tick ends only once
        it is (:meth:`_settled`). A crash before then leaves the row "sending", as a crash
        while the request was out does: "unknown", never sent again."""
        future = self._in_group(self._settle, claim, message, ids, at)
        self._settling.add(future)
        future.add_done_callback(lambda _done: self._in_flight.discard(claim.id))
        return future

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the ledger's thread: every grouped write asked for so far, in one transaction
        (``Database.unit``: each write after the first in a savepoint, so one that fails
        undoes only itself), then each caller told its result. If the transaction itself
        fails nothing of it was stored, and each write is done again alone."""
        with self._group_lock:
            group, self._group = self._group, []
        if not group:
            return
        calls = [call for call, _future in group]
        outcomes: list[tuple[bool, Any]] | None = None
        if all(self._is_plain(call) for call in calls):
            try:
                outcomes = self._plain_group(calls)
            except Exception:
                log.warning("a group of ledger writes failed; each is written alone", exc_info=True)
                outcomes = None
        elif len(group) > 1:
            try:
                with self.services.db.unit():
                    outcomes = self._written_together(calls)
            except Exception:
                log.warning("a group of ledger writes failed; each is written alone", exc_info=True)
                outcomes = None
        if outcomes is None:
            outcomes = [_outcome(call) for call in calls]
        loop.call_soon_threadsafe(_resolve, [future for _call, future in group], outcomes)

    def _plain_group(self, calls: Sequence[functools.partial[Any]]) -> list[tuple[bool, Any]]:
        """:meth:`_plain_together` in a transaction of its own: while a tick sends, on the
        connection the ledger's thread keeps (no pool checkout and check-in a group; dropped
        after any error, so a connection in doubt is never used again), else on one taken
        from the pool."""
        writer = self._writer
        if writer is None and self._keep_writer:
            writer = self._writer = self.services.db.writer()
        if writer is None:
            with self.services.db.writing() as connection:
                return self._plain_together(connection, calls)
        try:
            with writer.begin():
                return self._plain_together(writer, calls)
        except BaseException:
            self._drop_writer()
            raise

    def _drop_writer(self) -> None:
        """On the ledger's thread: the kept connection closed (given back to the pool)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()
            except Exception:  # a connection already lost: nothing to give back
                log.debug("closing the ledger's connection failed", exc_info=True)

    def _is_plain(self, call: functools.partial[Any]) -> bool:
        """A write of the send path that :meth:`_plain_together` writes on the group's
        connection: a claim, a claim marked sending, a claim given back after a 429, a
        reminder marked sent (:meth:`_settle`)."""
        if self._is_claim(call):
            return True
        if call.keywords:
            return False
        if call.func == self.outbox.mark_sending:
            return len(call.args) == 2
        if call.func == self.outbox.not_sent:
            return len(call.args) == 1
        return call.func == self._settle and len(call.args) == 4

    def _plain_together(
        self, connection: Connection, calls: Sequence[functools.partial[Any]]
    ) -> list[tuple[bool, Any]]:
        """A group of the send path's writes (:meth:`_is_plain`) as plain statements in one
        transaction on one connection, without savepoints: the lease read once (at the latest
        moment of the claims and marks: it must still be held then), the claims written first
        (:meth:`Outbox.claim_many_on`: one statement reads their rows, one inserts the new
        ones), then the marks and the 429s in order, then the reminders marked sent with one
        statement for the ledger rows and one for their contexts. Any error raises: the caller
        rolls the transaction back and writes each alone."""
        outcomes: list[tuple[bool, Any] | None] = [None] * len(calls)
        moments = [
            call.args[1] for call in calls if call.func != self._settle and len(call.args) >= 2
        ]
        lease = self.outbox.holds_lease_on(connection, max(moments)) if moments else False
        batches: dict[bool, list[int]] = {}
        for number, call in enumerate(calls):
            if self._is_claim(call):
                batches.setdefault(bool(call.keywords.get("sending", False)), []).append(number)
        for sending, numbers in batches.items():
            batch = [calls[number] for number in numbers]
            results = self.outbox.claim_many_on(
                connection,
                [(call.args[0], call.args[2]) for call in batch],
                max(call.args[1] for call in batch),
                frozenset().union(*(call.args[3] for call in batch)),
                sending=sending,
                lease=lease,
            )
            for number, result in zip(numbers, results, strict=True):
                outcomes[number] = (True, result)
        settles: list[int] = []
        for number, call in enumerate(calls):
            if call.func == self.outbox.mark_sending:
                claim, now = call.args
                marked = self.outbox.mark_sending_on(connection, claim, now, lease=lease)
                outcomes[number] = (True, marked)
            elif call.func == self.outbox.not_sent:
                self.outbox.not_sent(call.args[0], connection)
                outcomes[number] = (True, None)
            elif call.func == self._settle:
                settles.append(number)
        if settles:
            self._settle_on(connection, [calls[number].args for number in settles])
            for number in settles:
                outcomes[number] = (True, None)
        return [outcome for outcome in outcomes if outcome is not None]

    def _written_together(self, calls: Sequence[functools.partial[Any]]) -> list[tuple[bool, Any]]:
        """Inside the group's transaction: each write in turn, except the claims and the
        reminders marked sent (:meth:`_settle`): the claims are written first with one
        statement for the rows read and one for the rows inserted (:meth:`Outbox.claim_many`,
        one savepoint), the reminders marked sent after the others with one statement for the
        ledger rows and one for their contexts (one savepoint). If either batch fails,
        nothing of it is stored and each of its writes is done alone (its own savepoint)."""
        outcomes: list[tuple[bool, Any] | None] = [None] * len(calls)
        claims = [number for number, call in enumerate(calls) if self._is_claim(call)]
        if len(claims) >= 2:
            for number, outcome in zip(claims, self._claims_together(calls, claims), strict=True):
                outcomes[number] = outcome
        settles = [number for number, call in enumerate(calls) if call.func == self._settle]
        if len(settles) < 2:
            settles = []
        for number, call in enumerate(calls):
            if outcomes[number] is None and number not in settles:
                outcomes[number] = _outcome(call)
        if settles:
            try:
                self._settle_many([calls[number].args for number in settles])
            except Exception:
                log.warning("reminders marked sent together failed; each alone", exc_info=True)
                for number in settles:
                    outcomes[number] = _outcome(calls[number])
            else:
                for number in settles:
                    outcomes[number] = (True, None)
        return [outcome for outcome in outcomes if outcome is not None]

    def _is_claim(self, call: functools.partial[Any]) -> bool:
        """A claim of the send path: ``outbox.claim(key, now, text, in_flight, sending=...)``."""
        return (
            call.func == self.outbox.claim
            and len(call.args) == 4
            and set(call.keywords) <= {"sending"}
        )

    def _claims_together(
        self, calls: Sequence[functools.partial[Any]], numbers: Sequence[int]
    ) -> list[tuple[bool, Any]]:
        """The claims among a group's writes in one batch (:meth:`Outbox.claim_many`): judged
        at the latest of their moments (the lease must still be held then), with every
        in-flight claim any of them knew; each alone if the batch fails."""
        chosen = [calls[number] for number in numbers]
        by_sending: dict[bool, list[int]] = {}
        for index, call in enumerate(chosen):
            by_sending.setdefault(bool(call.keywords.get("sending", False)), []).append(index)
        outcomes: list[tuple[bool, Any]] = [(False, None)] * len(chosen)
        for sending, indexes in by_sending.items():
            batch = [chosen[index] for index in indexes]
            now = max(call.args[1] for call in batch)
            in_flight = frozenset().union(*(call.args[3] for call in batch))
            try:
                results = self.outbox.claim_many(
                    [(call.args[0], call.args[2]) for call in batch],
                    now,
                    in_flight,
                    sending=sending,
                )
            except Exception:
                log.warning("claims written together failed; each alone", exc_info=True)
                for index, call in zip(indexes, batch, strict=True):
                    outcomes[index] = _outcome(call)
            else:
                for index, result in zip(indexes, results, strict=True):
                    outcomes[index] = (True, result)
        return outcomes

    async def _keep_lease(self) -> None:
        """Renew the (short) lease every few seconds while a tick sends; stop sending if lost.

        A renewal that fails (the database away for a moment) is logged and tried again at the
        next interval; meanwhile each send checks that the last renewal still covers it."""
        while True:
            await asyncio.sleep(LEASE_RENEW_SECONDS)
            try:
                held = await self._acquire_lease(self.services.clock.now())
            except Exception as error:
                log.warning("renewing the sender lease failed: %s", self._error_text(error))
                continue
            if not held:
                log.warning("the sender lease was lost; this tick stops sending")
                self._stopped_tick = True
                return

    async def _deliver(self, message: OwedMessage) -> Delivery:
        channel = self.channels[message.channel]
        pacer = self.pacer(message.channel)
        clock = self.services.clock
        claim: Claim | None = None
        held: Claim | None = None
        sending = False
        rate_limited = 0
        moves = 0
        try:
            while True:
                if self._halted():
                    return await self._give_back(message, claim, "stopped", "the sender stopped")
                # Claimed straight into "sending" (the lease checked in the same transaction),
                # or marked so again after a 429, before the slot is waited for: the channel's
                # pacer counts a slot from its request to its answer, and a ledger write must not
                # sit in between (BENCHMARKS.md, third session). A crash from here until the
                # request leaves leaves the row "unknown" for an operator (never sent twice); a
                # stop gives it back (below).
                got = await self._claim_sending(message, claim)
                if isinstance(got, Delivery):
                    return got
                claim = held = got
                slot_chat = message.chat_id
                await pacer.wait(slot_chat, group=message.group)
                try:
                    stopped = await self._stopped_before_sending(message, claim)
                    if stopped is not None:
                        return stopped
                    sending = True
                    request = channel.send(message.chat_id, message.reply)
                    ids = await pacer.timed(slot_chat, request)
                except (RetryLater, ChatMoved) as error:
                    await self._grouped(self.outbox.not_sent, claim)
                    sending = False  # surely not sent: a cancellation from here postpones it
                    if isinstance(error, RetryLater):
                        rate_limited += 1
                        again = await self._rate_limited(message, claim, error, rate_limited)
                    else:
                        moves += 1
                        again = await self._moved(message, claim, error, moves)
                    if isinstance(again, Delivery):
                        return again
                    message = again
                    continue
                except Exception as error:  # a final outcome: marked as what it may mean
                    return await self._failure(message, claim, error)
                finally:
                    pacer.done(slot_chat)  # answered, or nothing was sent under the slot
                settled = self._settle_soon(claim, message, ids, clock.now())
                claim = held = None  # (in flight until it is stored: _settle_soon)
                return await self._sent(message, ids, settled, channel, pacer)
        except asyncio.CancelledError:
            if claim is not None:
                self._cancelled(claim, sending=sending)
            raise
        finally:
            if held is not None:
                self._in_flight.discard(held.id)

    async def _sent(
        self,
        message: OwedMessage,
        ids: Sequence[str],
        settled: asyncio.Future[Any],
        channel: Channel,
        pacer: Pacer,
    ) -> Delivery:
        """A reminder the platform accepted (being marked sent: ``settled``), then its
        extras, once it is stored as sent."""
        if not self._extras:
            return Delivery(message, "sent", tuple(ids))
        await asyncio.shield(settled)  # stored as sent before anything follows it
        extra_ids = await self._send_extras(message, channel, pacer)
        return Delivery(message, "sent", tuple(ids) + extra_ids)

    async def _stopped_before_sending(self, message: OwedMessage, claim: Claim) -> Delivery | None:
        """After the slot wait: given back if the sender stopped or (a long wait, a 429's pause)
        lost the lease meanwhile; ``None`` when the request may leave."""
        if self._halted():
            return await self._give_back(message, claim, "stopped", "the sender stopped")
        if not await self._lease_still_held():
            self._stopped_tick = True
            return await self._give_back(message, claim, "stopped", "lease lost")
        return None

    def _cancelled(self, claim: Claim, *, sending: bool) -> None:
        """A delivery cancelled (a stop): unknown if the request was out (it may have arrived;
        never resend), else postponed to now (sent by the next tick)."""
        if sending:
            self.outbox.mark_unknown(claim, "cancelled while sending")
        else:
            self.outbox.postpone(claim, self.services.clock.now(), "cancelled before sending")

    async def _claim_sending(self, message: OwedMessage, claim: Claim | None) -> Claim | Delivery:
        """The message claimed straight into "sending" (the lease checked in the same
        transaction), or an earlier claim marked sending again after a 429; else what happened
        to it instead (already sent or taken, orphaned, the lease lost)."""
        clock = self.services.clock
        if claim is None:
            got = await self._grouped(
                self.outbox.claim,
                message.key,
                clock.now(),
                message.reply.text,
                frozenset(self._in_flight),
                sending=True,
            )
            if got is None:
                return Delivery(message, "already")
            if isinstance(got, Orphaned):
                return Delivery(message, "unknown", error="the sender stopped while it was sending")
            self._in_flight.add(got.id)
            return got
        marked = await self._grouped(self.outbox.mark_sending, claim, clock.now())
        if marked == "ok":
            return claim
        # The lease was lost (a long pause outlived it) or another sender took the row over:
        # two senders must never both send.
        self._stopped_tick = marked == "lease" or self._stopped_tick
        if marked == "lease":
            return await self._give_back(message, claim, "stopped", "lease lost")
        return Delivery(message, "already")

    async def _rate_limited(
        self, message: OwedMessage, claim: Claim, error: RetryLater, count: int
    ) -> OwedMessage | Delivery:
        """The platform asked to wait: the channel pauses; the message is tried again, or after
        :data:`MAX_RATE_LIMITS` such answers postponed to after the wait."""
        self.pacer(message.channel).pause(error.retry_after)
        log.warning(
            "%s asked to wait %s s; the sender pauses",
            message.channel,
            error.retry_after,
        )
        if count < MAX_RATE_LIMITS:
            return message
        until = self.services.clock.now() + _seconds(error.retry_after)
        why = self._error_text(error)
        await self._write(self.outbox.postpone, claim, until, why)
        return Delivery(message, "postponed", error=why)

    async def _moved(
        self, message: OwedMessage, claim: Claim, error: ChatMoved, count: int
    ) -> OwedMessage | Delivery:
        """A group that became a supergroup: followed everywhere its id is stored, then sent
        there; a second move of the same message fails it."""
        if count > 1:
            why = self._error_text(error)
            await self._write(
                self.outbox.mark_failed, claim, self.services.clock.now(), why, retry=False
            )
            return Delivery(message, "failed", error=why)
        await self._write(
            migrate_chat,
            self.services.db,
            message.channel,
            message.chat_id,
            error.new_chat_id,
        )
        return replace(message, chat_id=error.new_chat_id)

    async def _failure(self, message: OwedMessage, claim: Claim, error: Exception) -> Delivery:
        """A request that ended for good: marked unknown when it may have arrived, failed
        (retried later or not) when it surely did not."""
        clock = self.services.clock
        if isinstance(error, OutcomeUnknown):
            why = self._error_text(error)
            await self._write(self.outbox.mark_unknown, claim, why)
            return Delivery(message, "unknown", error=why)
        if isinstance(error, TransientError):
            why = self._error_text(error)
            await self._write(self.outbox.mark_failed, claim, clock.now(), why, retry=True)
            return Delivery(message, "failed", error=why)
        if isinstance(error, Undeliverable):
            why = self._error_text(error)
            log.warning(
                "%s refused a message to chat %s for good: %s",
                message.channel,
                message.chat_id,
                why,
            )
            await self._write(self.outbox.mark_failed, claim, clock.now(), why, retry=False)
            return Delivery(message, "failed", error=why)
        why = self._error_text(error, repr)
        log.error("sending a reminder failed unexpectedly: %s", why)
        await self._write(self.outbox.mark_unknown, claim, why)
        return Delivery(message, "unknown", error=why)

    def _settle(self, claim: Claim, message: OwedMessage, ids: Sequence[str], at: datetime) -> None:
        """A message the platform accepted: marked sent, and its context recorded, in one
        transaction (inside a group: one savepoint), both or neither."""
        self._settle_many([(claim, message, ids, at)])

    def _settle_many(
        self, settles: Sequence[tuple[Claim, OwedMessage, Sequence[str], datetime]]
    ) -> None:
        """:meth:`_settle` for several messages: one statement marks them sent, one records
        their contexts, both in one transaction (inside a group: one savepoint), on its
        connection (no savepoint of their own)."""
        with self.services.db.writing() as connection:
            self._settle_on(connection, settles)

    def _settle_on(
        self,
        connection: Connection,
        settles: Sequence[tuple[Claim, OwedMessage, Sequence[str], datetime]],
    ) -> None:
        """:meth:`_settle_many` in ``connection``'s transaction."""
        self.outbox.mark_sent_many(
            [(claim, at, ids) for claim, _message, ids, at in settles], connection
        )
        record_sent_many(
            self.services.db,
            [
                (message.channel, message.chat_id, ids, message.reply.context, at)
                for _claim, message, ids, at in settles
            ],
            connection,
        )

    async def _acquire_lease(self, now: datetime) -> bool:
        """Take or renew the sender lease; remember until when it is surely this process's."""
        held = await self._write(self.outbox.acquire_lease, now)
        self._lease_until = now + self.outbox.lease_ttl if held else None
        return held

    async def _lease_still_held(self) -> bool:
        """Whether this process surely holds the lease now: within a renewal of the last one,
        else renewed now (after a long wait)."""
        now = self.services.clock.now()
        horizon = timedelta(seconds=LEASE_RENEW_SECONDS)
        if self._lease_until is not None and now < self._lease_until - horizon:
            return True
        return await self._acquire_lease(now)

    async def _record_sent(
        self,
        message: OwedMessage,
        ids: Sequence[str],
        context: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        await self._write(
            record_sent, self.services.db, message.channel, message.chat_id, ids, context, at
        )

    def _error_text(self, error: BaseException, show: Callable[[object], str] = str) -> str:
        """An error as text for the ledger and the operator, with every token hidden."""
        return self._redactor.redact(show(error))

    def _halted(self) -> bool:
        """Whether the sender was stopped or lost its lease (may change at every await)."""
        return self._stopped or self._stopped_tick

    async def _give_back(
        self, message: OwedMessage, claim: Claim | None, outcome: Outcome, why: str
    ) -> Delivery:
        if claim is not None:
            await asyncio.to_thread(self.outbox.postpone, claim, self.services.clock.now(), why)
        return Delivery(message, outcome, error=why)

    async def _send_extras(
        self, message: OwedMessage, channel: Channel, pacer: Pacer
    ) -> tuple[str, ...]:
        sent: list[str] = []
        for extras in self._extras:
            try:
                items = await asyncio.to_thread(extras, message)
            except Exception:
                log.exception("building the extras of a reminder failed")
                continue
            for item in items:
                reply = item if isinstance(item, Reply) else _attachment_reply(item, message)
                for _attempt in range(2):
                    await pacer.wait(message.chat_id, group=message.group)
                    try:
                        ids = await pacer.timed(
                            message.chat_id, channel.send(message.chat_id, reply)
                        )
                    except RetryLater as error:
                        pacer.pause(error.retry_after)
                        continue
                    except Exception:
                        log.exception("sending an extra of a reminder failed")
                        break
                    sent.extend(ids)
                    await self._record_sent(message, ids, reply.context, self.services.clock.now())
                    break
        return tuple(sent)


def _outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except Exception as error:
        return False, error


def _resolve(futures: Sequence[asyncio.Future[Any]], outcomes: Sequence[tuple[bool, Any]]) -> None:
    """On the event loop: each grouped write's caller gets its result (or its error)."""
    for future, (ok, value) in zip(futures, outcomes, strict=True):
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _chunks_by_chat(recipients: Sequence[Recipient], size: int) -> Iterator[list[Recipient]]:
    """The recipients in chunks of at least ``size`` (the last one smaller), a chat's
    recipients always in one chunk (its message is merged from them), chats in the order met."""
    by_chat: dict[tuple[str, str], list[Recipient]] = {}
    for recipient in recipients:
        by_chat.setdefault((recipient.channel, recipient.chat_id), []).append(recipient)
    chunk: list[Recipient] = []
    for members in by_chat.values():
        chunk.extend(members)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _attachment_reply(attachment: Attachment, message: OwedMessage) -> Reply:
    return Reply(text=attachment.filename, attachment=attachment, context=message.reply.context)


def _completed(session: Session, share: PlanReminders, now: datetime) -> frozenset[tuple[str, str]]:
    """(agency, task) for the tasks with a deadline reminded now that the agency's newest
    update (on the task or one of its sub-items) reports completed."""
    done: set[tuple[str, str]] = set()
    for task_id in {instant.task_id for instant in share.tasks}:
        newest: dict[str, str] = {}
        updates = effective_updates(session, task_id=task_id, plan_id=share.plan.info.id, as_of=now)
        for update in updates:  # oldest first: the newest wins
            newest[update.agency_id] = update.status
        done.update((agency, task_id) for agency, status in newest.items() if status == "completed")
    return frozenset(done)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


__all__ = [
    "Contributor",
    "Delivery",
    "Extras",
    "LedgerKey",
    "SchedulerRunner",
    "TickResult",
    "default_holder",
]
