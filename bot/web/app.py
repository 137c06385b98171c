"""The web application: sign-in, the secretariat's pages, the web chat (aiohttp + Jinja2).

Server-rendered HTML; htmx (shipped in ``static/``) only makes the chat answer without a page
reload, every form also works without JavaScript. Nothing but the sign-in page and the static
files is served without a session; every POST needs its CSRF token.

Who sees what (the same roles as in chat, :func:`bot.digest.can_see_digest`):
- the secretariat (and the focal points of the consolidating unit): the round, the matrix,
  every task's and unit's history, the trends, the downloads, and the chat;
- a focal point: the chat, and the history of their own unit.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.digest import Digest, build_digest, can_see_digest, default_round, parse_round
from bot.i18n import Translator, translator
from bot.messages import Incoming, Reply
from bot.models import User
from bot.progress import BUCKETS
from bot.registration import find_user
from bot.reports import DOCX_MIME, PNG_MIME, XLSX_MIME, render_chart_png, render_xlsx
from bot.reports.labels import BUCKET_COLORS, bucket_label, status_label
from bot.reports.replies import report_attachment
from bot.web.channel import CHANNEL, MAX_TEXT_FIELD, ChatPost, WebChannel
from bot.web.security import PRE_COOKIE, SESSION_COOKIE, Keys, load_secret
from bot.web.store import SESSION_LIFETIME, ChatStore, SessionStore, WebSession
from bot.web.views import (
    CELL_STATES,
    Trend,
    build_matrix,
    history,
    rounds_until,
    trend_svg,
    trends,
)
from scheduler.calendar import Round, UnknownPeriod, deadline_text

__all__ = ["WebContext", "build_app", "invite_url", "web_url"]

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
TREND_ROUNDS = 8

Handle = Callable[[Incoming], Awaitable[list[Reply]]]

_current_t: contextvars.ContextVar[Translator] = contextvars.ContextVar("web_translator")

WEB_CONTEXT: web.AppKey[WebContext] = web.AppKey("planbot_web")
SESSION_KEY: web.RequestKey[WebSession | None] = web.RequestKey("planbot_session")


def web_url(settings: Any, port: int | None = None) -> str:
    """The address people open: PLANBOT_WEB_BASE_URL, or http://host:port."""
    if settings.web_base_url is not None:
        return str(settings.web_base_url).rstrip("/")
    host = settings.web_host
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port if port is not None else settings.web_port}"


def invite_url(base: str, code: str) -> str:
    """The full sign-in link of an invitation code."""
    return f"{base.rstrip('/')}/signin/{code}"


def gettext(message: str) -> str:
    return _current_t.get(translator()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _current_t.get(translator()).ngettext(singular, plural, n)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass
class WebContext:
    """Everything the request handlers share."""

    services: Services
    handle: Handle
    channel: WebChannel
    sessions: SessionStore
    keys: Keys
    env: jinja2.Environment

    @property
    def now(self) -> datetime:
        return self.services.clock.now()


def build_app(
    services: Services, handle: Handle | None = None, channel: WebChannel | None = None
) -> web.Application:
    """The web application on the given services (the chat answered by ``handle``)."""
    if handle is None:
        from handlers import ChatHandlers

        handle = ChatHandlers(services).handle
    settings = services.settings
    if channel is None:
        channel = build_channel(services)
    context = WebContext(
        services=services,
        handle=handle,
        channel=channel,
        sessions=SessionStore(services.db),
        keys=Keys(load_secret(settings)),
        env=_environment(),
    )
    app = web.Application(middlewares=[_guard], client_max_size=256 * 1024)
    app[WEB_CONTEXT] = context
    app.router.add_get("/", home)
    app.router.add_get("/signin", signin_page)
    app.router.add_get("/signin/{code}", signin_page)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_get("/chat", chat_page)
    app.router.add_post("/chat", chat_post)
    app.router.add_get("/files/{token}", chat_file)
    app.router.add_get("/round", round_page)
    app.router.add_get("/task/{task_id}", task_page)
    app.router.add_get("/unit/{agency_id}", unit_page)
    app.router.add_get("/trends", trends_page)
    app.router.add_get("/trends.svg", trends_chart)
    app.router.add_get("/download/{period}/{name}", download)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static", STATIC_DIR, append_version=True)
    return app


def build_channel(services: Services) -> WebChannel:
    """The web channel on the services' database, its files in ``<DATA_DIR>/web-files``."""
    store = ChatStore(services.db, services.settings.data_dir / "web-files")
    return WebChannel(services.db, services.clock, store)


async def favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


# --------------------------------------------------------------------------- middleware


def _ctx(request: web.Request) -> WebContext:
    return request.app[WEB_CONTEXT]


def _session(request: web.Request) -> WebSession | None:
    value = request.get(SESSION_KEY)
    return value if isinstance(value, WebSession) else None


def _secure(request: web.Request) -> bool:
    settings = _ctx(request).services.settings
    base = str(settings.web_base_url or "")
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return request.secure or forwarded.lower() == "https" or base.startswith("https://")


@web.middleware
async def _guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Session, language and CSRF for every request; security headers on every answer."""
    context = _ctx(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session_id = context.keys.session_id(cookie)
    session = context.sessions.get(session_id, context.now) if session_id else None
    request[SESSION_KEY] = session
    locale = (
        session.user.language
        if session is not None and session.user.language
        else context.services.settings.locale
    )
    token = _current_t.set(translator(locale))
    try:
        if request.method == "POST" and not await _csrf_ok(request, session):
            response: web.StreamResponse = _render(
                request,
                "error.html",
                {
                    "message": gettext(
                        "This form has expired or did not come from this site. Reload the page "
                        "and try again."
                    )
                },
                status=403,
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as error:
                if error.status < 400 or not error.text or error.text.startswith(str(error.status)):
                    raise
                response = _render(request, "error.html", {"message": error.text}, error.status)
    finally:
        _current_t.reset(token)
    if cookie and session is None and request.path != "/signin":
        response.del_cookie(SESSION_COOKIE, path="/")
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


async def _csrf_ok(request: web.Request, session: WebSession | None) -> bool:
    context = _ctx(request)
    form = await request.post()
    token = form.get("csrf")
    if not isinstance(token, str):
        return False
    if request.path == "/signin" or session is None:
        binding = context.keys.pre_id(request.cookies.get(PRE_COOKIE))
    else:
        binding = session.id
    return context.keys.csrf_ok(binding, token)


# --------------------------------------------------------------------------- rendering


def _t() -> Translator:
    return _current_t.get(translator())


def _render(
    request: web.Request,
    template: str,
    values: dict[str, Any],
    status: int = 200,
    *,
    csrf: str | None = None,
) -> web.Response:
    context = _ctx(request)
    session = _session(request)
    t = _t()
    user = session.user if session is not None else None
    if csrf is None:
        csrf = context.keys.csrf_token(session.id) if session is not None else ""
    html = context.env.get_template(template).render(
        lang=t.locale,
        user=user,
        agency=_agency_name(context, user),
        secretariat=can_see_digest(context.services.plan, user),
        csrf=csrf,
        nonce=secrets.token_urlsafe(12),
        static=lambda path: (
            request.app.router["static"].url_for(filename=path)
            if "static" in request.app.router
            else f"/static/{path}"
        ),
        fmt_dt=lambda value: (
            t.format_datetime(value, context.services.settings.tz) if value is not None else ""
        ),
        bucket_label=lambda bucket, short=False: bucket_label(t, bucket, short),
        status_label=lambda status: status_label(t, status),
        round_label=lambda round_: round_.label(t),
        period_label=lambda period: _period_label(context, t, period),
        fmt_date=lambda value: t.format_date(value, "short"),
        deadline=lambda round_: deadline_text(t, round_.due),
        number=t.format_number,
        **values,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _period_label(context: WebContext, t: Translator, period: str) -> str:
    try:
        return context.services.calendar.parse(period).label(t)
    except UnknownPeriod:
        return period


def _agency_name(context: WebContext, user: User | None) -> str:
    if user is None or user.agency_id is None:
        return ""
    try:
        return context.services.plan.agency(user.agency_id).name
    except KeyError:
        return user.agency_id


def _require(request: web.Request) -> WebSession:
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    return session


def _require_secretariat(request: web.Request) -> WebSession:
    session = _require(request)
    if not can_see_digest(_ctx(request).services.plan, session.user):
        raise web.HTTPForbidden(
            text=gettext(
                "This page is only for the secretariat (the provincial People's Committee "
                "office) and the consolidating unit."
            )
        )
    return session


def _redirect(location: str) -> web.Response:
    """A 303 answer that cookies can be set on (raising keeps aiohttp's own exceptions)."""
    return web.Response(status=303, headers={"Location": location})


# --------------------------------------------------------------------------- sign-in


async def home(request: web.Request) -> web.StreamResponse:
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    if can_see_digest(_ctx(request).services.plan, session.user):
        raise web.HTTPSeeOther("/round")
    raise web.HTTPSeeOther("/chat")


def _pre(request: web.Request) -> tuple[str, str | None]:
    """The browser's pre-sign-in id, and a new signed cookie value when it has none."""
    keys = _ctx(request).keys
    current = keys.pre_id(request.cookies.get(PRE_COOKIE))
    if current is not None:
        return current, None
    value, cookie = keys.new_pre_cookie()
    return value, cookie


def _set_pre(request: web.Request, response: web.StreamResponse, cookie: str | None) -> None:
    if cookie is not None:
        response.set_cookie(
            PRE_COOKIE,
            cookie,
            max_age=86_400,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=_secure(request),
        )


async def signin_page(request: web.Request) -> web.StreamResponse:
    """The sign-in form; an invitation link fills in its code (a GET never uses a code up)."""
    if _session(request) is not None and "code" not in request.match_info:
        raise web.HTTPSeeOther("/")
    pre, cookie = _pre(request)
    code = request.match_info.get("code", "")
    response = _render(
        request,
        "signin.html",
        {"code": code, "name": "", "replies": []},
        csrf=_ctx(request).keys.csrf_token(pre),
    )
    _set_pre(request, response, cookie)
    return response


async def signin(request: web.Request) -> web.StreamResponse:
    """Redeem an invitation through the same handlers as the chat platforms."""
    context = _ctx(request)
    form = await request.post()
    text = _typed_code(str(form.get("code") or ""))[:MAX_TEXT_FIELD]
    name = str(form.get("name") or "").strip()[:80]
    external_id = secrets.token_urlsafe(18)
    now = context.now
    incoming = Incoming(
        channel=CHANNEL,
        chat_id=external_id,
        user_id=external_id,
        display_name=name or "Web",
        received_at=now,
        text=text,
        message_id=f"{external_id}:signin",
        language=context.services.settings.locale,
    )
    replies = await context.handle(incoming) if text else []
    user = find_user(context.services.db, CHANNEL, external_id)
    if user is None or user.id is None:
        pre = context.keys.pre_id(request.cookies.get(PRE_COOKIE)) or ""
        messages = [reply.text for reply in replies] or [
            gettext("Type the invitation code you were given.")
        ]
        return _render(
            request,
            "signin.html",
            {"code": text, "name": name, "replies": messages},
            status=403,
            csrf=context.keys.csrf_token(pre),
        )
    context.channel.deliver(user.chat_id, replies, now)
    old = _session(request)
    if old is not None:
        context.sessions.end(old.id)
    session_id = context.sessions.create(user.id, now)
    response = _redirect("/")
    response.set_cookie(
        SESSION_COOKIE,
        context.keys.session_cookie(session_id),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
    )
    response.del_cookie(PRE_COOKIE, path="/")
    log.info("web sign-in of user %s (%s)", user.id, user.agency_id)
    return response


_LINK_CODE = re.compile(r"(?:/signin/|[?&]start=)([A-Za-z0-9_-]{6,64})")


def _typed_code(text: str) -> str:
    """What to redeem: the code itself, also when the whole invitation link was pasted."""
    text = text.strip()
    match = _LINK_CODE.search(text)
    return match.group(1) if match is not None else text


async def signout(request: web.Request) -> web.StreamResponse:
    """End the session; the web account it signed in ends with it (a new link signs in again)."""
    from bot.registration import revoke_user

    context = _ctx(request)
    session = _session(request)
    if session is not None:
        context.sessions.end(session.id)
        revoke_user(context.services.db, f"{CHANNEL}:{session.user.external_id}", context.now)
    response = _redirect("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- chat


async def chat_page(request: web.Request) -> web.StreamResponse:
    session = _require(request)
    context = _ctx(request)
    messages = context.channel.store.messages(session.user.chat_id)
    return _render(request, "chat.html", {"messages": messages})


async def chat_post(request: web.Request) -> web.StreamResponse:
    session = _require(request)
    context = _ctx(request)
    form = await request.post()

    def field(name: str) -> str | None:
        value = form.get(name)
        return str(value) if isinstance(value, str) and value != "" else None

    payload = field("payload")
    text = field("text")
    if payload is None and (text is None or not text.strip()):
        if _htmx(request):
            return _render(request, "_messages.html", {"messages": [], "fresh_nonce": True})
        raise web.HTTPSeeOther("/chat")
    post = ChatPost(
        text=text[:MAX_TEXT_FIELD] if text is not None else None,
        payload=payload[:64] if payload is not None else None,
        message_id=field("message_id"),
        reply_to=field("reply_to"),
        nonce=(field("nonce") or "")[:40] or None,
    )
    shown = await context.channel.handle_post(session.user, post, context.handle)
    if _htmx(request):
        return _render(request, "_messages.html", {"messages": shown or [], "fresh_nonce": True})
    raise web.HTTPSeeOther("/chat#end")


def _htmx(request: web.Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def chat_file(request: web.Request) -> web.StreamResponse:
    session = _require(request)
    context = _ctx(request)
    store = context.channel.store
    file = store.file_path(session.user.chat_id, request.match_info["token"])
    if file is None:
        raise web.HTTPNotFound(text=gettext("This file is not available."))
    disposition = "inline" if file.kind == "photo" else "attachment"
    return web.Response(
        body=(store.files_dir / file.token).read_bytes(),
        content_type=file.mime_type,
        headers={"Content-Disposition": _disposition(disposition, file.filename)},
    )


def _disposition(kind: str, filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# --------------------------------------------------------------------------- the round


def _round(request: web.Request) -> Round:
    context = _ctx(request)
    wanted = request.query.get("round", "").strip()
    calendar = context.services.calendar
    if not wanted:
        return default_round(calendar, context.now)
    try:
        return parse_round(calendar, wanted)
    except UnknownPeriod:
        raise web.HTTPBadRequest(
            text=gettext(
                "There is no reporting round «{period}». Write it like 2021-Q1, 2021-H1 "
                "(6 months), 2021-Q3 or 2021-Y (the year)."
            ).format(period=wanted[:40]),
        ) from None


def _digest(context: WebContext, round_: Round) -> Digest:
    with context.services.db.session() as session:
        return build_digest(session, context.services.plan, round_, context.now)


def _round_choices(context: WebContext, selected: Round) -> list[Round]:
    calendar = context.services.calendar
    current = default_round(calendar, context.now)
    rounds = list(rounds_until(calendar, current, TREND_ROUNDS))
    upcoming = calendar.next_due(current.window_end)
    rounds.append(upcoming)
    if selected not in rounds:
        rounds.append(selected)
    return sorted(rounds, reverse=True)


async def round_page(request: web.Request) -> web.StreamResponse:
    _require_secretariat(request)
    context = _ctx(request)
    round_ = _round(request)
    digest = _digest(context, round_)
    unit = request.query.get("unit", "").strip() or None
    if unit is not None and unit not in {line.agency_id for line in digest.units}:
        unit = None
    state = request.query.get("status", "").strip() or None
    if state not in (*BUCKETS, "blocked"):
        state = None
    matrix = build_matrix(digest, unit=unit, state=state)
    return _render(
        request,
        "round.html",
        {
            "digest": digest,
            "round": round_,
            "rounds": _round_choices(context, round_),
            "matrix": matrix,
            "unit": unit or "",
            "state": state or "",
            "buckets": BUCKETS,
            "colors": BUCKET_COLORS,
            "cell_states": CELL_STATES,
            "query": lambda **changes: _query(request, **changes),
        },
    )


def _query(request: web.Request, **changes: str) -> str:
    values = {key: value for key, value in request.query.items() if value}
    values.update(changes)
    values = {key: value for key, value in values.items() if value}
    return "?" + urlencode(values) if values else ""


async def task_page(request: web.Request) -> web.StreamResponse:
    _require_secretariat(request)
    context = _ctx(request)
    task_id = request.match_info["task_id"]
    plan = context.services.plan
    try:
        task = plan.task(task_id)
    except KeyError:
        raise web.HTTPNotFound(
            text=gettext("There is no task {task} in the plan.").format(task=task_id[:20])
        ) from None
    with context.services.db.session() as session:
        entries = history(session, task_id=task_id)
    return _render(
        request,
        "history.html",
        {
            "title": f"{task.id}. {task.title}",
            "task": task,
            "unit_line": None,
            "entries": entries,
            "names": _names(context),
        },
    )


async def unit_page(request: web.Request) -> web.StreamResponse:
    session = _require(request)
    context = _ctx(request)
    agency_id = request.match_info["agency_id"]
    plan = context.services.plan
    if not can_see_digest(plan, session.user) and session.user.agency_id != agency_id:
        return _render(
            request,
            "error.html",
            {"message": gettext("You can only see the updates of your own unit.")},
            status=403,
        )
    try:
        agency = plan.agency(agency_id)
    except KeyError:
        raise web.HTTPNotFound(text=gettext("There is no such unit.")) from None
    with context.services.db.session() as db_session:
        entries = history(db_session, agency_id=agency_id)
    return _render(
        request,
        "history.html",
        {
            "title": agency.name,
            "task": None,
            "unit_line": agency,
            "entries": entries,
            "names": _names(context),
        },
    )


def _names(context: WebContext) -> dict[str, str]:
    return {agency.id: agency.short_name for agency in context.services.plan.agencies}


# --------------------------------------------------------------------------- trends


def _trend(context: WebContext) -> Trend:
    """The last rounds up to the current one, from the first round anybody reported in."""
    from bot.models import StatusUpdate

    calendar = context.services.calendar
    last = default_round(calendar, context.now)
    rounds = rounds_until(calendar, last, TREND_ROUNDS)
    with context.services.db.session() as session:
        periods = session.exec(select(col(StatusUpdate.period)).distinct()).all()
        known: list[Round] = []
        for period in periods:
            try:
                known.append(calendar.parse(period))
            except UnknownPeriod:
                continue
        if known:
            first = min(known)
            rounds = tuple(r for r in rounds if r.deadline >= first.deadline) or (last,)
        return trends(session, context.services.plan, rounds, context.now)


async def trends_page(request: web.Request) -> web.StreamResponse:
    _require_secretariat(request)
    trend = _trend(_ctx(request))
    return _render(request, "trends.html", {"trend": trend, "colors": BUCKET_COLORS})


async def trends_chart(request: web.Request) -> web.StreamResponse:
    _require_secretariat(request)
    svg = trend_svg(_trend(_ctx(request)), _t())
    return web.Response(body=svg, content_type="image/svg+xml")


# --------------------------------------------------------------------------- downloads


async def download(request: web.Request) -> web.StreamResponse:
    """The same files as in chat: the .docx draft, the .xlsx, the chart."""
    _require_secretariat(request)
    context = _ctx(request)
    try:
        round_ = context.services.calendar.parse(request.match_info["period"])
    except UnknownPeriod:
        raise web.HTTPNotFound(text=gettext("There is no such reporting round.")) from None
    digest = _digest(context, round_)
    t = _t()
    name = request.match_info["name"]
    if name == "report.docx":
        attachment = report_attachment(digest, t)
        body, mime, filename = attachment.content, DOCX_MIME, attachment.filename
    elif name == "report.xlsx":
        body, mime, filename = render_xlsx(digest, t), XLSX_MIME, f"tong-hop-{round_.id}.xlsx"
    elif name == "chart.png":
        body, mime, filename = render_chart_png(digest, t), PNG_MIME, f"tong-hop-{round_.id}.png"
    else:
        raise web.HTTPNotFound(text=gettext("This file is not available."))
    return web.Response(
        body=body,
        content_type=mime,
        headers={"Content-Disposition": _disposition("attachment", filename)},
    )
