"""Shared pieces of the benchmarks: the fake Bot API server that notes arrivals and can judge
Telegram's flood limits on arrival, the child process that runs the system under test, medians,
windows, temporary databases (SQLite files, PostgreSQL databases).

The system under test (planbot, or the bare python-telegram-bot baseline) always runs in a child
process (``python -m bench.subject``), so its process CPU time and peak RSS are its own and not
the fake server's, which runs in the benchmark's process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.telegram_server import FakeTelegram

REPO_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ENV = "PLANBOT_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
# The child's entry: bench.subject from this checkout, planbot from the first PYTHONPATH entry
# (the other checkout with --before, else this one).
SUBJECT_BOOT = (
    "import sys, importlib.util\n"
    f"spec = importlib.util.spec_from_file_location('bench_subject', {str(Path(__file__).with_name('subject.py'))!r})\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
    "sys.argv = ['bench.subject', *sys.argv[1:]]\n"
    "module.main()\n"
)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def max_in_window(moments: Sequence[float], window: float) -> int:
    """The most moments that fall in any half-open window of ``window`` seconds."""
    best = 0
    recent: deque[float] = deque()
    for moment in sorted(moments):
        recent.append(moment)
        while recent[0] <= moment - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


@dataclass
class Limits:
    """Flood limits as a strict server judges them, on each request's arrival."""

    overall_per_second: int = 30
    chat_interval: float = 1.0
    group_per_minute: int = 20


@dataclass
class Arrivals:
    sends: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, chat id) accepted
    refused: int = 0  # answered 429


class BenchTelegram(FakeTelegram):
    """The tests' fake Bot API, noting when each send arrived; with ``limits`` it answers 429
    (``retry_after`` 1 s, like Telegram) to any send that would break them, judged on arrival."""

    def __init__(self, limits: Limits | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limits = limits
        self.arrivals = Arrivals()
        self._overall: deque[float] = deque()
        self._last_by_chat: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self.keep_calls = False

    async def __aenter__(self) -> BenchTelegram:
        await self.start()
        return self

    async def _params(self, request: web.Request) -> dict[str, Any]:
        # A request's body can be read once: the limits judge and the handler share the read.
        cached = request.get("bench_params")
        if cached is None:
            cached = request["bench_params"] = await super()._params(request)
        return dict(cached)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method in SEND_METHODS and self.limits is not None:
            now = time.monotonic()
            params = await self._params(request)
            chat_id = int(params.get("chat_id", 0))
            if self._breaks_limits(chat_id, now):
                self.arrivals.refused += 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            self._note(chat_id, now)
        response = await super()._handle(request)
        if not self.keep_calls:
            self.calls.clear()  # 10,000 sends would otherwise be kept with their parameters
        return response

    def _breaks_limits(self, chat_id: int, now: float) -> bool:
        limits = self.limits
        assert limits is not None
        while self._overall and self._overall[0] <= now - 1.0:
            self._overall.popleft()
        if len(self._overall) >= limits.overall_per_second:
            return True
        last = self._last_by_chat.get(chat_id)
        if last is not None and now - last < limits.chat_interval:
            return True
        if chat_id < 0:
            sends = self._groups.get(chat_id)
            if sends is not None:
                while sends and sends[0] <= now - 60.0:
                    sends.popleft()
                if len(sends) >= limits.group_per_minute:
                    return True
        return False

    def _note(self, chat_id: int, now: float) -> None:
        self._overall.append(now)
        self._last_by_chat[chat_id] = now
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        result = super()._send(method, params)
        chat_id = int(params["chat_id"])
        self.arrivals.sends.append((time.monotonic(), chat_id))
        if not self.keep_calls:
            self.messages.pop(chat_id, None)
        return result

    async def push_many(self, updates: Sequence[dict[str, Any]]) -> None:
        """Queue updates for getUpdates in one go (one wake-up)."""
        async with self._new_update:
            self._updates.extend(updates)
            self._new_update.notify_all()


@dataclass
class Subject:
    """A running ``python -m bench.subject`` child."""

    process: asyncio.subprocess.Process
    ready: dict[str, Any]

    async def result(self, seconds: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    stderr = b""
                    if self.process.stderr is not None:
                        stderr = await self.process.stderr.read()
                    raise RuntimeError(f"subject ended early: {stderr.decode()[-3000:]}")
                if line.startswith(b"RESULT "):
                    await self.process.wait()
                    return dict(json.loads(line[7:]))


@contextlib.asynccontextmanager
async def subject(
    config: dict[str, Any], start_within: float = 300.0, code: Path | None = None
) -> AsyncIterator[Subject]:
    """Start the system under test in a child process; yields once it said READY.

    ``code``: another checkout of planbot to run (``--before``: the code before a fix); this
    checkout's ``bench.subject`` drives it.
    """
    path = [str(code)] if code is not None else []
    env = {
        **os.environ,
        "PTB_TIMEDELTA": "true",
        "PYTHONPATH": os.pathsep.join([*path, str(REPO_ROOT)]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SUBJECT_BOOT,
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=code or REPO_ROOT,
        env=env,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(start_within):
            while True:
                line = await process.stdout.readline()
                if not line:
                    assert process.stderr is not None
                    stderr = (await process.stderr.read()).decode()
                    raise RuntimeError(f"subject did not start: {stderr[-3000:]}")
                if line.startswith(b"READY "):
                    ready = json.loads(line[6:])
                    break
        yield Subject(process, ready)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file in ``folder`` or a PostgreSQL database (dropped)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT))
    name = f"planbot_bench_{uuid.uuid4().hex[:10]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available() -> bool:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT))
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True, connect_timeout=3):
            return True
    except Exception:
        return False


async def call_in(code: Path | None, target: str, *args: Any) -> Any:
    """``module:function(*args)`` run in a child process on another checkout's planbot (or in
    a thread here when ``code`` is None); arguments and result go as JSON."""
    module_name, _, function = target.partition(":")
    if code is None:
        import importlib

        module = importlib.import_module(module_name)
        return await asyncio.to_thread(getattr(module, function), *args)
    script = (
        "import json, sys, importlib\n"
        f"module = importlib.import_module({module_name!r})\n"
        f"result = getattr(module, {function!r})(*json.loads(sys.argv[1]))\n"
        "sys.stdout.write('RESULT ' + json.dumps(result) + '\\n')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(REPO_ROOT)])}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        json.dumps(list(args), default=str),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=code,
        env=env,
    )
    out, err = await process.communicate()
    for line in out.decode().splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{target} failed in {code}: {err.decode()[-3000:]}")
