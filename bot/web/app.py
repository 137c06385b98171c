"""The web application: sign-in, the secretariat's pages, the web chat (aiohttp + Jinja2).

Server-rendered HTML; htmx (shipped in ``static/``) only makes the chat answer without a page
reload, every form also works without JavaScript. Nothing but the sign-in page and the static
files is served without a session; every POST needs its CSRF token.

Who sees what (the same roles as in chat, :func:`bot.digest.can_see_digest`, plan by plan):
- the secretariat (and the focal points of a plan's consolidating unit): the overview across
  plans, each plan's round, matrix, task histories, trends and downloads, and the chat;
- a focal point: the chat, and their own unit's page (its items in every plan).

With several plans followed, a plan's pages live under ``/plan/<code>/`` (bot/web/plans.py); the
plain addresses of a single-plan deployment (``/round``, ``/task/2.2`` ...) keep working, and
with several plans they lead to the one plan they can mean, or ask which one.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.digest import Digest, build_digest, can_see_digest, default_round, parse_round
from bot.i18n import Translator, translator
from bot.labels import chat_role_label
from bot.messages import Incoming, Reply
from bot.models import User
from bot.overview import build_overview
from bot.plan import Plan
from bot.plans import PlanEntry
from bot.progress import BUCKETS
from bot.registration import find_user
from bot.reports import DOCX_MIME, PNG_MIME, XLSX_MIME, render_chart_png, render_xlsx
from bot.reports.labels import BUCKET_COLORS, bucket_label, status_label
from bot.reports.replies import report_attachment
from bot.web.channel import CHANNEL, MAX_TEXT_FIELD, ChatPost, WebChannel
from bot.web.plans import plan_path, short_title, switch_links
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
    unit_plan,
)
from scheduler.calendar import ReportingCalendar, Round, UnknownPeriod, deadline_text

if TYPE_CHECKING:
    import jinja2

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
    import jinja2  # lazy: at the first page, not in an idle ``planbot run`` (BENCHMARKS.md)

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

    @cached_property
    def env(self) -> jinja2.Environment:
        """The templates' environment, built at the first page rendered."""
        return _environment()

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
    app.router.add_get("/overview", overview_page)
    app.router.add_get("/unit/{agency_id}", unit_page)
    app.router.add_get("/plan/{plan}", plan_home)
    app.router.add_get("/plan/{plan}/", plan_home)
    for prefix in ("", "/plan/{plan}"):
        app.router.add_get(prefix + "/round", round_page)
        app.router.add_get(prefix + "/task/{task_id}", task_page)
        app.router.add_get(prefix + "/trends", trends_page)
        app.router.add_get(prefix + "/trends.svg", trends_chart)
        app.router.add_get(prefix + "/download/{period}/{name}", download)
    app.router.add_get("/plan/{plan}/unit/{agency_id}", unit_page)
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
    entry: PlanEntry | None = None,
    section: str = "round",
) -> web.Response:
    """A page; ``entry``: the plan it is about (its links stay in it), ``section``: where the
    header's plan switcher leads in each plan ("round" or "trends")."""
    context = _ctx(request)
    session = _session(request)
    t = _t()
    user = session.user if session is not None else None
    if csrf is None:
        csrf = context.keys.csrf_token(session.id) if session is not None else ""
    plans = context.services.plans
    visible = _visible(context, user)
    current = entry.id if entry is not None else None
    html = context.env.get_template(template).render(
        lang=t.locale,
        user=user,
        agency=_agency_name(context, user),
        secretariat=bool(visible),
        several=len(plans) > 1,
        plan_entry=entry,
        switcher=switch_links(visible, current, section) if len(plans) > 1 else (),
        href=lambda path: plan_path(plans, current, path),
        plan_href=lambda plan_id, path: plan_path(plans, plan_id, path),
        plan_code=lambda plan_id: plans.code(plan_id) if plan_id in plans else plan_id,
        short_title=short_title,
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
        role_label=lambda role: chat_role_label(t, role),
        round_label=lambda round_: round_.label(t),
        period_label=lambda period, plan_id=current: _period_label(context, t, period, plan_id),
        fmt_date=lambda value: t.format_date(value, "short"),
        deadline=lambda round_: deadline_text(t, round_.due),
        task_due=lambda due: due.describe(t),
        number=t.format_number,
        **values,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _period_label(context: WebContext, t: Translator, period: str, plan_id: str | None) -> str:
    plans = context.services.plans
    if plan_id is not None and plan_id in plans:
        calendar = plans.calendar(plan_id)
    else:
        calendar = context.services.calendar
    try:
        return calendar.parse(period).label(t)
    except UnknownPeriod:
        return period


def _agency_name(context: WebContext, user: User | None) -> str:
    if user is None or user.agency_id is None:
        return ""
    found = context.services.agencies.get(user.agency_id)
    return found.name if found is not None else user.agency_id


def _visible(context: WebContext, user: User | None) -> tuple[PlanEntry, ...]:
    """The plans whose secretariat pages this person may see, newest first."""
    return tuple(e for e in context.services.plans.entries if can_see_digest(e.plan, user))


def _require(request: web.Request) -> WebSession:
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    return session


def _require_secretariat(request: web.Request, plan: Plan | None = None) -> WebSession:
    """A session that may see ``plan``'s secretariat pages (any plan's, without one)."""
    session = _require(request)
    context = _ctx(request)
    allowed = (
        can_see_digest(plan, session.user)
        if plan is not None
        else bool(_visible(context, session.user))
    )
    if not allowed:
        raise web.HTTPForbidden(
            text=gettext(
                "This page is only for the secretariat (the provincial People's Committee "
                "office) and the consolidating unit."
            )
        )
    return session


def _unknown_plan(context: WebContext, code: str) -> web.HTTPNotFound:
    codes = ", ".join(entry.code for entry in context.services.plans.entries)
    return web.HTTPNotFound(
        text=gettext("There is no plan «{code}». The plans followed: {codes}.").format(
            code=code[:40], codes=codes
        )
    )


Fits = Callable[[PlanEntry], bool]


def _plan(
    request: web.Request,
    fits: Fits | None = None,
    nowhere: str | None = None,
    overview: bool = False,
) -> PlanEntry | web.StreamResponse:
    """The plan a secretariat page is about, the person allowed to see it.

    ``/plan/<code>/...``: that plan (a clear 404 for a code not followed). A plain address with
    one plan followed: that plan. With several: the one visible plan that ``fits`` (the one
    that has the task, the round...) by a redirect to its address; none: 404 with ``nowhere``;
    several: the overview (``overview``) or a page asking which plan.
    """
    session = _require(request)
    context = _ctx(request)
    plans = context.services.plans
    code = request.match_info.get("plan")
    if code is not None:
        entry = plans.entry(code)
        if entry is None:
            raise _unknown_plan(context, code)
        _require_secretariat(request, entry.plan)
        return entry
    if len(plans) == 1:
        only = plans.entries[0]
        _require_secretariat(request, only.plan)
        return only
    visible = _visible(context, session.user)
    if not visible:
        _require_secretariat(request, plans.newest)
    candidates = [entry for entry in visible if fits is None or fits(entry)]
    if not candidates:
        raise web.HTTPNotFound(text=nowhere or gettext("This page is not available."))
    if len(candidates) == 1:
        return _redirect(_in_plan(request, candidates[0]))
    if overview:
        return _redirect("/overview")
    links = [(entry, _in_plan(request, entry)) for entry in candidates]
    return _render(request, "choose.html", {"links": links})


def _in_plan(request: web.Request, entry: PlanEntry) -> str:
    """This plain address within a plan, its query kept."""
    query = f"?{request.query_string}" if request.query_string else ""
    return f"/plan/{quote(entry.code, safe='')}{request.path}{query}"


def _redirect(location: str) -> web.Response:
    """A 303 answer that cookies can be set on (raising keeps aiohttp's own exceptions)."""
    return web.Response(status=303, headers={"Location": location})


# --------------------------------------------------------------------------- sign-in


async def home(request: web.Request) -> web.StreamResponse:
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/signin")
    context = _ctx(request)
    visible = _visible(context, session.user)
    if len(context.services.plans) == 1 and visible:
        raise web.HTTPSeeOther("/round")
    if len(visible) == 1:
        raise web.HTTPSeeOther(plan_path(context.services.plans, visible[0].id, "/round"))
    if visible:
        raise web.HTTPSeeOther("/overview")
    raise web.HTTPSeeOther("/chat")


async def plan_home(request: web.Request) -> web.StreamResponse:
    """``/plan/<code>``: the plan's round."""
    entry = _plan(request)
    if isinstance(entry, web.StreamResponse):
        return entry
    raise web.HTTPSeeOther(f"/plan/{quote(entry.code, safe='')}/round")


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
    await context.channel.answer(user.chat_id, replies, now)
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


def _round(request: web.Request, calendar: ReportingCalendar) -> Round:
    context = _ctx(request)
    wanted = request.query.get("round", "").strip()
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


def _calendar(context: WebContext, entry: PlanEntry) -> ReportingCalendar:
    return context.services.plans.calendar(entry.id)


def _digest(context: WebContext, plan: Plan, round_: Round) -> Digest:
    with context.services.db.session() as session:
        return build_digest(session, plan, round_, context.now)


def _round_choices(calendar: ReportingCalendar, now: datetime, selected: Round) -> list[Round]:
    current = default_round(calendar, now)
    # A plan added to the deployment later owes nothing for the rounds before it: not offered.
    rounds = [r for r in rounds_until(calendar, current, TREND_ROUNDS) if calendar.follows(r)]
    upcoming = calendar.next_due(current.window_end)
    rounds.append(upcoming)
    if selected not in rounds:
        rounds.append(selected)
    return sorted(rounds, reverse=True)


def _parses_round(request: web.Request) -> Fits:
    """A plan whose calendar has the round the address asks for (any plan without one)."""
    wanted = request.query.get("round", "").strip()
    services = _ctx(request).services

    def fits(entry: PlanEntry) -> bool:
        if not wanted:
            return True
        try:
            parse_round(services.plans.calendar(entry.id), wanted)
        except UnknownPeriod:
            return False
        return True

    return fits


async def round_page(request: web.Request) -> web.StreamResponse:
    entry = _plan(request, _parses_round(request), overview=True)
    if isinstance(entry, web.StreamResponse):
        return entry
    context = _ctx(request)
    calendar = _calendar(context, entry)
    round_ = _round(request, calendar)
    digest = _digest(context, entry.plan, round_)
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
            "rounds": _round_choices(calendar, context.now, round_),
            "matrix": matrix,
            "unit": unit or "",
            "state": state or "",
            "buckets": BUCKETS,
            "colors": BUCKET_COLORS,
            "cell_states": CELL_STATES,
            "query": lambda **changes: _query(request, **changes),
            "followed": calendar.follows(round_),
            "followed_from": calendar.followed_from,
        },
        entry=entry,
    )


def _query(request: web.Request, **changes: str) -> str:
    values = {key: value for key, value in request.query.items() if value}
    values.update(changes)
    values = {key: value for key, value in values.items() if value}
    return "?" + urlencode(values) if values else ""


# --------------------------------------------------------------------------- the overview


async def overview_page(request: web.Request) -> web.StreamResponse:
    """Every plan the person may see, in its own current round: who reported, who has not,
    what is blocked (bot.overview, as "tổng hợp tất cả kế hoạch" in chat)."""
    session = _require_secretariat(request)
    context = _ctx(request)
    visible = {entry.id for entry in _visible(context, session.user)}
    with context.services.db.session() as db_session:
        overview = build_overview(db_session, context.services.plans, context.now)
    shown = tuple(p for p in overview.plans if p.digest.plan.info.id in visible)
    return _render(
        request,
        "overview.html",
        {"overview": overview, "shown": shown, "buckets": BUCKETS},
    )


# --------------------------------------------------------------------------- task and unit


def _has_task(task_id: str) -> Fits:
    def fits(entry: PlanEntry) -> bool:
        try:
            entry.plan.task(task_id)
        except KeyError:
            return False
        return True

    return fits


async def task_page(request: web.Request) -> web.StreamResponse:
    task_id = request.match_info["task_id"]
    no_task = gettext("There is no task {task} in the plan.").format(task=task_id[:20])
    entry = _plan(request, _has_task(task_id), no_task)
    if isinstance(entry, web.StreamResponse):
        return entry
    context = _ctx(request)
    try:
        task = entry.plan.task(task_id)
    except KeyError:
        if len(context.services.plans) > 1:
            no_task = gettext("There is no task {task} in plan {code}.").format(
                task=task_id[:20], code=entry.code
            )
        raise web.HTTPNotFound(text=no_task) from None
    with context.services.db.session() as session:
        entries = history(session, task_id=task_id, plan_id=entry.id)
    session_user = _require(request).user
    elsewhere = [  # the same number in the other plans this person may see
        other
        for other in _visible(context, session_user)
        if other.id != entry.id and _has_task(task_id)(other)
    ]
    return _render(
        request,
        "history.html",
        {
            "title": f"{task.id}. {task.title}",
            "task": task,
            "entries": entries,
            "names": _names(context),
            "elsewhere": elsewhere,
        },
        entry=entry,
    )


async def unit_page(request: web.Request) -> web.StreamResponse:
    """A unit's items and updates in every plan that concerns it (newest plan first), each in
    the plan's own round; ``/plan/<code>/unit/...``: in that plan only."""
    session = _require(request)
    context = _ctx(request)
    plans = context.services.plans
    agency_id = request.match_info["agency_id"]
    code = request.match_info.get("plan")
    chosen = plans.entry(code) if code is not None else None
    if code is not None and chosen is None:
        raise _unknown_plan(context, code)
    own = session.user.agency_id == agency_id
    entries = [
        entry
        for entry in plans.entries
        if (chosen is None or entry is chosen) and (own or can_see_digest(entry.plan, session.user))
    ]
    if not entries:
        return _render(
            request,
            "error.html",
            {"message": gettext("You can only see the updates of your own unit.")},
            status=403,
        )
    agency = context.services.agencies.get(agency_id)
    if agency is None:
        raise web.HTTPNotFound(text=gettext("There is no such unit."))
    now = context.now
    with context.services.db.session() as db_session:
        groups = []
        for entry in entries:
            calendar = _calendar(context, entry)
            group = unit_plan(
                db_session,
                entry.code,
                entry.plan,
                calendar,
                default_round(calendar, now),
                agency_id,
                now,
            )
            if group.items or group.entries or chosen is not None:
                groups.append(group)
    return _render(
        request,
        "unit.html",
        {"title": agency.name, "unit_line": agency, "groups": groups, "names": _names(context)},
        entry=chosen,
    )


def _names(context: WebContext) -> dict[str, str]:
    return {agency.id: agency.short_name for agency in context.services.agencies.all()}


# --------------------------------------------------------------------------- trends


def _trend(context: WebContext, entry: PlanEntry) -> Trend:
    """The last rounds up to the current one, from the first round anybody reported in."""
    from bot.models import StatusUpdate

    calendar = _calendar(context, entry)
    last = default_round(calendar, context.now)
    rounds = tuple(r for r in rounds_until(calendar, last, TREND_ROUNDS) if calendar.follows(r))
    rounds = rounds or (last,)
    with context.services.db.session() as session:
        periods = session.exec(
            select(col(StatusUpdate.period)).where(col(StatusUpdate.plan_id) == entry.id).distinct()
        ).all()
        known: list[Round] = []
        for period in periods:
            try:
                known.append(calendar.parse(period))
            except UnknownPeriod:
                continue
        if known:
            first = min(known)
            rounds = tuple(r for r in rounds if r.deadline >= first.deadline) or (last,)
        return trends(session, entry.plan, rounds, context.now)


async def trends_page(request: web.Request) -> web.StreamResponse:
    entry = _plan(request)
    if isinstance(entry, web.StreamResponse):
        return entry
    trend = _trend(_ctx(request), entry)
    return _render(
        request,
        "trends.html",
        {"trend": trend, "colors": BUCKET_COLORS},
        entry=entry,
        section="trends",
    )


async def trends_chart(request: web.Request) -> web.StreamResponse:
    entry = _plan(request)
    if isinstance(entry, web.StreamResponse):
        return entry
    svg = trend_svg(_trend(_ctx(request), entry), _t())
    return web.Response(body=svg, content_type="image/svg+xml")


# --------------------------------------------------------------------------- downloads


def _has_period(context: WebContext, period: str) -> Fits:
    def fits(entry: PlanEntry) -> bool:
        try:
            _calendar(context, entry).parse(period)
        except UnknownPeriod:
            return False
        return True

    return fits


async def download(request: web.Request) -> web.StreamResponse:
    """The same files as in chat: the .docx draft, the .xlsx, the chart (of one plan)."""
    context = _ctx(request)
    period = request.match_info["period"]
    no_round = gettext("There is no such reporting round.")
    entry = _plan(request, _has_period(context, period), no_round)
    if isinstance(entry, web.StreamResponse):
        return entry
    try:
        round_ = _calendar(context, entry).parse(period)
    except UnknownPeriod:
        raise web.HTTPNotFound(text=no_round) from None
    name = request.match_info["name"]
    if name not in ("report.docx", "report.xlsx", "chart.png"):
        raise web.HTTPNotFound(text=gettext("This file is not available."))
    digest = _digest(context, entry.plan, round_)
    t = _t()
    stem = f"{entry.code}-{round_.id}" if len(context.services.plans) > 1 else round_.id
    if name == "report.docx":
        body, mime = report_attachment(digest, t).content, DOCX_MIME
        filename = f"bao-cao-{stem}.docx"
    elif name == "report.xlsx":
        body, mime, filename = render_xlsx(digest, t), XLSX_MIME, f"tong-hop-{stem}.xlsx"
    else:
        body, mime, filename = render_chart_png(digest, t), PNG_MIME, f"tong-hop-{stem}.png"
    return web.Response(
        body=body,
        content_type=mime,
        headers={"Content-Disposition": _disposition("attachment", filename)},
    )
