"""The web application at the handler level: every page and permission, sign-in and its
cookies, CSRF, the web chat (the shared transcripts too), downloads, revocation and sign-out.

A real aiohttp server on 127.0.0.1 over the test services (real SQLite file, frozen clock);
each person is a browser with its own cookie jar (tests/support/web_client.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer
from docx import Document

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.digest import build_digest
from bot.i18n import translator
from bot.messages import Reply
from bot.models import User
from bot.registration import create_invitations, list_users, revoke_user
from bot.updates import record_update
from bot.web.app import build_app
from handlers.secretariat import report_replies
from tests import transcripts
from tests.conftest import local
from tests.support.web_client import WebDriver, WebUser
from tests.transcripts import play, transcript_variables

SignIn = Callable[..., Awaitable[WebUser]]


@pytest.fixture
async def server(services: Services) -> AsyncIterator[TestServer]:
    test_server = TestServer(build_app(services), host="127.0.0.1")
    await test_server.start_server()
    try:
        yield test_server
    finally:
        await test_server.close()


@pytest.fixture
async def browsers(server: TestServer) -> AsyncIterator[list[WebUser]]:
    opened: list[WebUser] = []
    yield opened
    for user in opened:
        await user.close()


@pytest.fixture
def browser(server: TestServer, browsers: list[WebUser]) -> Callable[[], WebUser]:
    def open_one() -> WebUser:
        user = WebUser(str(server.make_url("/")))
        browsers.append(user)
        return user

    return open_one


@pytest.fixture
def sign_in(services: Services, browser: Callable[[], WebUser]) -> SignIn:
    async def signed_in(agency: str = "so-y-te", role: str = "focal", name: str = "") -> WebUser:
        [invitation] = create_invitations(
            services.db, agency, role=role, count=1, expires_days=7, now=services.clock.now()
        )
        user = browser()
        status, page = await user.sign_in(invitation.code, name)
        assert status == 303, page.text
        return user

    return signed_in


def web_users(services: Services) -> list[User]:
    return [user for user in list_users(services.db) if user.channel == "web"]


PAGES = (
    "/",
    "/chat",
    "/round",
    "/round?round=2021-Q1",
    "/trends",
    "/trends.svg",
    "/task/2.2",
    "/unit/so-y-te",
    "/download/2021-Q1/report.docx",
    "/download/2021-Q1/report.xlsx",
    "/download/2021-Q1/chart.png",
    "/files/abcdef",
)


@pytest.mark.parametrize("path", PAGES)
async def test_nothing_is_readable_without_a_session(
    path: str, browser: Callable[[], WebUser]
) -> None:
    status, _content_type, body = await browser().get_raw(path)
    assert status == 303
    assert "Sở Y tế" not in body.decode("utf-8", "replace")


async def test_the_sign_in_page_explains_in_vietnamese(browser: Callable[[], WebUser]) -> None:
    status, page = await browser().get("/")
    assert status == 200
    assert "Đăng nhập" in page.text
    assert "Mã mời" in page.text
    assert '<html lang="vi">' in page.html


async def test_an_invitation_link_signs_in_once_with_a_safe_cookie(
    services: Services, browser: Callable[[], WebUser]
) -> None:
    [invitation] = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=services.clock.now()
    )
    first = browser()
    status, page = await first.get(f"/signin/{invitation.code}")
    assert status == 200
    assert page.inputs["code"] == invitation.code
    assert web_users(services) == []  # opening the link (a link preview) uses nothing up
    status, _page, response = await first.post(
        "/signin", {"csrf": page.csrf, "code": invitation.code, "name": "Nguyễn Lan"}
    )
    assert status == 303
    cookie = response.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("planbot_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http on 127.0.0.1
    assert invitation.code not in session_cookie
    [user] = web_users(services)
    assert (user.agency_id, user.role, user.display_name) == ("so-y-te", "focal", "Nguyễn Lan")
    chat = await first.open_chat()
    assert "Sở Y tế" in chat.bot_messages()[0].text  # the same welcome as on Telegram

    second = browser()
    status, page = await second.sign_in(invitation.code)
    assert status == 403
    assert "đã được sử dụng" in page.text
    assert len(web_users(services)) == 1


async def test_the_cookie_is_secure_behind_https(
    services: Services, browser: Callable[[], WebUser]
) -> None:
    [invitation] = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=services.clock.now()
    )
    user = browser()
    _status, page = await user.get(f"/signin/{invitation.code}")
    async with user.http.post(
        user.url("/signin"),
        data={"csrf": page.csrf, "code": invitation.code},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        session_cookie = next(
            c for c in response.headers.getall("Set-Cookie") if c.startswith("planbot_session=")
        )
    assert "Secure" in session_cookie


@pytest.mark.parametrize("pasted", ["{link}", " {code} ", "/start {code}", "t.me/bot?start={code}"])
async def test_a_pasted_link_or_command_signs_in_too(
    pasted: str, services: Services, browser: Callable[[], WebUser]
) -> None:
    [invitation] = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=services.clock.now()
    )
    user = browser()
    _status, page = await user.get("/signin")
    link = str(user.url(f"/signin/{invitation.code}"))
    status, page = await user.submit_signin(
        pasted.format(link=link, code=invitation.code), page.csrf
    )
    assert status == 303, page.text
    assert [u.agency_id for u in web_users(services)] == ["so-y-te"]


@pytest.mark.parametrize("code", ["ABCDEFGHIJKL", "xin chao", "   "])
async def test_a_wrong_code_is_refused_and_writes_nothing(
    code: str, services: Services, browser: Callable[[], WebUser]
) -> None:
    user = browser()
    _status, page = await user.get("/signin")
    status, page = await user.submit_signin(code, page.csrf)
    assert status == 403
    assert page.bot_messages()
    assert "Đăng nhập" in page.text
    assert web_users(services) == []


async def test_every_form_needs_its_csrf_token(
    services: Services, sign_in: SignIn, browser: Callable[[], WebUser]
) -> None:
    [invitation] = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=services.clock.now()
    )
    stranger = browser()
    await stranger.get(f"/signin/{invitation.code}")
    status, page, _r = await stranger.post("/signin", {"code": invitation.code})
    assert status == 403
    assert "tải lại trang" in page.text
    status, page, _r = await stranger.post("/signin", {"code": invitation.code, "csrf": "0" * 64})
    assert status == 403
    assert web_users(services) == []

    focal = await sign_in()
    for data in ({"text": "2.2: đã trình UBND tỉnh"}, {"text": "2.2: xong", "csrf": "bad"}):
        status, page, _r = await focal.post("/chat", data, htmx=True)
        assert status == 403
    other = await sign_in()
    status, page, _r = await focal.post(  # another browser's token is not this one's
        "/chat", {"text": "2.2: xong", "csrf": other.csrf}, htmx=True
    )
    assert status == 403
    status, page, _r = await focal.post("/signout", {})
    assert status == 403
    with services.db.session() as session:
        digest = build_digest(
            session,
            services.plan,
            services.calendar.round_at(services.clock.now()),
            services.clock.now(),
        )
    assert digest.item("2.2.1").updates == ()


async def test_a_focal_point_chats_and_sees_only_its_own_unit(sign_in: SignIn) -> None:
    focal = await sign_in("so-y-te")
    status, page = await focal.get("/")
    assert status == 200
    assert page.inputs.get("text") is not None or "Trò chuyện" in page.text  # the chat
    for path in ("/round", "/trends", "/task/2.2", "/unit/so-tai-chinh"):
        status, page = await focal.get(path)
        assert status == 403, path
        assert "Văn phòng UBND tỉnh" in page.text or "đơn vị mình" in page.text
    status, _type, _body = await focal.get_raw("/download/2021-Q1/report.docx")
    assert status == 403
    status, page = await focal.get("/unit/so-y-te")
    assert status == 200
    assert "Sở Y tế" in page.text


async def test_web_chat_records_an_update_with_buttons_and_undo(
    services: Services, sign_in: SignIn
) -> None:
    focal = await sign_in("so-y-te")
    said = await focal.say("2.2: đã trình UBND tỉnh hồ sơ dự án")
    [mine, answer] = said
    assert mine.mine
    assert mine.text == "2.2: đã trình UBND tỉnh hồ sơ dự án"
    assert "ĐANG THỰC HIỆN" in answer.text
    assert [b.label for b in answer.buttons] == ["→ hoàn thành", "→ vướng mắc", "Huỷ"]
    [edited] = await focal.press("→ hoàn thành")
    assert edited.id == answer.id  # the confirmation changes in place, as on Telegram
    assert "HOÀN THÀNH" in edited.text
    [undone] = await focal.press("Huỷ")
    assert "Đã huỷ" in undone.text
    page = await focal.open_chat()
    assert [m.text for m in page.messages if m.mine] == ["2.2: đã trình UBND tỉnh hồ sơ dự án"]
    with services.db.session() as session:
        digest = build_digest(
            session,
            services.plan,
            services.calendar.round_at(services.clock.now()),
            services.clock.now(),
        )
    assert digest.item("2.2.1").updates == ()


async def test_a_form_sent_twice_is_answered_once(services: Services, sign_in: SignIn) -> None:
    focal = await sign_in("so-y-te")
    data = {"csrf": focal.csrf, "text": "2.2: đã trình UBND tỉnh", "nonce": "same-form"}
    status, first, _r = await focal.post("/chat", data, htmx=True)
    status, again, _r = await focal.post("/chat", data, htmx=True)
    assert status == 200
    assert len(first.messages) == 2
    assert again.messages == []
    from bot.updates import list_updates

    assert len(list_updates(services.db, agency_id="so-y-te")) == 1


async def test_a_reply_to_the_task_list_asks_which_task(sign_in: SignIn) -> None:
    focal = await sign_in("so-y-te")
    [_mine, listing] = await focal.say("/nhiemvu")
    said = await focal.say("đang hoàn thiện hồ sơ thủ tục đầu tư", reply_to=listing.id)
    assert "nhiệm vụ nào" in said[-1].text
    assert "2.2.1 (chủ trì)" in {b.label for b in said[-1].buttons}


async def test_files_in_the_chat_are_links_only_their_chat_can_open(
    sign_in: SignIn, services: Services
) -> None:
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    said = await secretariat.say("/baocao 2021-Q1")
    [document] = [m for m in said if m.files]
    status, content_type, body = await secretariat.get_raw(document.files[0])
    assert status == 200
    assert content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "BÁO CÁO" in text
    said = await secretariat.say("/tonghop")
    [chart] = [m for m in said if m.files]
    status, content_type, body = await secretariat.get_raw(chart.files[0])
    assert (status, content_type) == (200, "image/png")
    assert body.startswith(b"\x89PNG")
    other = await sign_in("so-y-te")
    status, _page = await other.get(document.files[0])
    assert status == 404


async def test_the_round_at_a_glance(
    services: Services, clock: FrozenClock, sign_in: SignIn
) -> None:
    plan, calendar = services.plan, services.calendar
    record_update(
        services.db,
        plan,
        calendar,
        task_id="2.2.1",
        agency_id="so-y-te",
        user_id=None,
        text="Đã trình UBND tỉnh hồ sơ",
        now=clock.now(),
    )
    blocked = record_update(
        services.db,
        plan,
        calendar,
        task_id="2.1",
        agency_id="so-tai-chinh",
        user_id=None,
        text="Vướng mắc về vốn đối ứng",
        now=clock.now(),
    )
    assert blocked.status == "blocked"
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    status, page = await secretariat.get("/")
    assert status == 200
    assert "Kỳ báo cáo Quý I/2021" in page.text
    total = sum(page.counts.values())
    assert page.counts["pending"] == total  # nobody has reported everything yet
    assert page.cell("so-y-te", "2.2.1").state == "on_time"
    assert page.cell("so-y-te", "2.2.1").text == "TH"
    assert page.cell("so-y-te", "2.2.2").state == "optional"  # coordinating: nothing owed
    assert page.cell("so-y-te", "1.1").state == "pending"  # the general part is still owed
    assert page.cell("so-khdt", "2.2.2").state == "pending"
    assert page.cell("so-tai-chinh", "2.1").state == "blocked"
    assert "Vướng mắc về vốn đối ứng" in page.text  # the blocked list quotes it
    for href in ("/download/2021-Q1/report.docx", "/download/2021-Q1/report.xlsx"):
        assert href in page.links

    _status, page = await secretariat.get("/round?status=blocked")
    assert {cell.unit for cell in page.cells} == {"so-tai-chinh"}
    _status, page = await secretariat.get("/round?unit=so-y-te")
    assert {cell.unit for cell in page.cells} == {"so-y-te"}
    status, page = await secretariat.get("/round?round=quy 5/2021")
    assert status == 400
    assert "Không có kỳ báo cáo" in page.text

    clock.set(local(2021, 3, 22, 9))  # after the deadline: who did not report is overdue
    _status, page = await secretariat.get("/round?round=2021-Q1")
    assert page.cell("so-y-te", "1.1").state == "overdue"
    assert page.counts["overdue"] == total


async def test_a_task_shows_every_update_verbatim_with_corrections_and_undos(
    services: Services, clock: FrozenClock, sign_in: SignIn
) -> None:
    focal = await sign_in("so-y-te", name="Trần Minh")
    said = await focal.say("2.2: đã trình UBND tỉnh <b>hồ sơ</b>")
    await focal.press("→ vướng mắc")
    clock.advance(timedelta(minutes=1))
    await focal.say("nv 2.2.2 xong")
    await focal.say("huỷ")
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    status, page = await secretariat.get("/task/2.2")
    assert status == 200
    html = page.html
    assert "đã trình UBND tỉnh &lt;b&gt;hồ sơ&lt;/b&gt;" in html  # verbatim, never markup
    assert "Trần Minh" in page.text
    assert "Sửa tình trạng của #" in page.text
    assert "nay là Vướng mắc" in page.text
    assert "Huỷ cập nhật #" in page.text
    assert "đã huỷ" in page.text
    assert "qua web" in page.text
    assert re.search(r"tin nhắn \S+:w\d+", page.text)  # from which message
    assert said[0].mine
    status, unit_page = await secretariat.get("/unit/so-y-te")
    assert "Sửa tình trạng của #" in unit_page.text
    status, page = await secretariat.get("/task/9.9")
    assert status == 404
    assert "Không có nhiệm vụ 9.9" in page.text


async def test_trends_across_rounds(
    services: Services, clock: FrozenClock, sign_in: SignIn
) -> None:
    clock.set(local(2021, 6, 22, 9))
    record_update(
        services.db,
        services.plan,
        services.calendar,
        task_id="2.2.1",
        agency_id="so-y-te",
        user_id=None,
        text="Đã xong",
        now=local(2021, 3, 15, 9),
    )
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    status, page = await secretariat.get("/trends")
    assert status == 200
    assert "Quý I/2021" in page.text
    assert "6 tháng đầu năm 2021" in page.text
    status, content_type, body = await secretariat.get_raw("/trends.svg")
    assert (status, content_type) == (200, "image/svg+xml")
    assert b"<svg" in body
    assert "Sở Y tế".encode() in body or b"S\xe1\xbb\x9f Y t\xe1\xba\xbf" in body


async def test_downloads_are_the_same_files_as_in_chat(services: Services, sign_in: SignIn) -> None:
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    status, content_type, body = await secretariat.get_raw("/download/2021-Q1/report.docx")
    assert status == 200
    assert content_type.endswith("wordprocessingml.document")
    [reply] = report_replies(services, web_users(services)[0], translator("vi"), "2021-Q1")
    assert isinstance(reply, Reply)
    assert reply.attachment is not None

    def paragraphs(content: bytes) -> list[str]:
        return [p.text for p in Document(io.BytesIO(content)).paragraphs]

    assert paragraphs(body) == paragraphs(reply.attachment.content)
    status, content_type, body = await secretariat.get_raw("/download/2021-Q1/report.xlsx")
    assert status == 200
    assert content_type.endswith("spreadsheetml.sheet")
    assert body.startswith(b"PK")
    status, content_type, body = await secretariat.get_raw("/download/2021-Q1/chart.png")
    assert (status, content_type) == (200, "image/png")
    status, _type, _body = await secretariat.get_raw("/download/2021-Q9/chart.png")
    assert status == 404


async def test_a_revoked_user_is_out_at_once(services: Services, sign_in: SignIn) -> None:
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    status, _page = await secretariat.get("/round")
    assert status == 200
    [user] = web_users(services)
    assert revoke_user(services.db, str(user.id), services.clock.now()) is not None
    status, page = await secretariat.get("/round")
    assert status == 200
    assert "Mã mời" in page.text  # redirected to the sign-in page
    assert "Kỳ báo cáo" not in page.text
    status, _page, _r = await secretariat.post(
        "/chat", {"csrf": secretariat.csrf, "text": "/tonghop"}, htmx=True
    )
    assert status == 403


async def test_sign_out_ends_the_session_and_its_cookie(
    services: Services, sign_in: SignIn, browser: Callable[[], WebUser]
) -> None:
    focal = await sign_in("so-y-te")
    [cookie] = [c for c in focal.http.cookie_jar if c.key == "planbot_session"]
    status, _page, response = await focal.post("/signout", {"csrf": focal.csrf})
    assert status == 303
    assert response.headers["Location"] == "/signin"
    status, page = await focal.get("/chat")
    assert "Mã mời" in page.text
    replay = browser()  # the old cookie, kept by someone, no longer opens anything
    replay.http.cookie_jar.update_cookies({"planbot_session": cookie.value}, replay.base)
    status, _type, _body = await replay.get_raw("/chat")
    assert status == 303
    [user] = web_users(services)
    assert not user.active


async def test_the_scheduler_sends_into_the_web_chat(services: Services, sign_in: SignIn) -> None:
    from bot.web.app import build_channel

    focal = await sign_in("so-y-te")
    [user] = web_users(services)
    channel = build_channel(services)
    ids = await channel.send(user.chat_id, Reply("Nhắc báo cáo Quý I/2021: còn thiếu 2.2.1"))
    assert ids
    page = await focal.open_chat()
    assert page.bot_messages()[-1].text == "Nhắc báo cáo Quý I/2021: còn thiếu 2.2.1"


async def test_english_follows_the_users_language(sign_in: SignIn) -> None:
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    await secretariat.say("/lang en")
    status, page = await secretariat.get("/round")
    assert status == 200
    assert "Reporting round Q1/2021" in page.text
    assert '<html lang="en">' in page.html


def test_every_transcript_table_is_played_on_the_web() -> None:
    assert set(TABLES) == set(transcripts.ALL_TRANSCRIPTS)


TABLES = transcripts.ALL_TRANSCRIPTS


@pytest.mark.parametrize("name", sorted(TABLES))
async def test_transcript_on_the_web(
    name: str, server: TestServer, services: Services, clock: FrozenClock
) -> None:
    driver = WebDriver(str(server.make_url("/")), clock)
    try:
        await play(driver, TABLES[name], transcript_variables(services, clock.now(), "web"))
    finally:
        await driver.close()


def test_every_message_of_the_pages_is_translated_to_vietnamese() -> None:
    """The templates' {{ _("...") }} and the web code's messages are in a vi catalog."""
    from babel.messages.extract import extract_from_dir

    from bot.web.app import TEMPLATES_DIR
    from tests.test_i18n import vietnamese_catalog

    catalog = vietnamese_catalog()
    found = [
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            TEMPLATES_DIR,
            method_map=[("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    ]
    assert len(found) > 40
    missing = [m for m in found if not catalog.get(m if isinstance(m, str) else m[0])]
    assert missing == []


async def test_a_report_filed_into_another_round_shows_as_such(
    services: Services, clock: FrozenClock, sign_in: SignIn
) -> None:
    from bot.updates import refile_update

    clock.set(local(2021, 3, 22, 9))  # two days after Q1's deadline: a late Q1 report
    row = record_update(
        services.db,
        services.plan,
        services.calendar,
        task_id="2.2.1",
        agency_id="so-y-te",
        user_id=None,
        text="Đã trình hồ sơ",
        now=clock.now(),
    )
    assert row.id is not None
    assert row.period == "2021-Q1"
    refile_update(
        services.db,
        services.calendar,
        row.id,
        period="2021-H1",
        agency_id="so-y-te",
        user_id=None,
        now=clock.now(),
    )
    secretariat = await sign_in("vp-ubnd-tinh", "secretariat")
    _status, page = await secretariat.get("/unit/so-y-te")
    assert f"#{row.id} được tính vào 6 tháng đầu năm 2021" in page.text
    assert "tính vào 6 tháng đầu năm 2021" in page.text
    _status, page = await secretariat.get("/round?round=2021-H1")
    assert page.cell("so-y-te", "2.2.1").state == "on_time"
    _status, page = await secretariat.get("/round?round=2021-Q1")
    assert page.cell("so-y-te", "2.2.1").state == "overdue"


async def test_pages_carry_security_headers_and_static_files_need_no_session(
    browser: Callable[[], WebUser], sign_in: SignIn
) -> None:
    stranger = browser()
    async with stranger.http.get(stranger.url("/signin")) as response:
        assert response.status == 200
        headers = response.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"  # a sign-in link never leaks
        assert headers["Cache-Control"] == "no-store"
        html = await response.text()
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        status, _content_type, body = await stranger.get_raw(asset)
        assert status == 200, asset
        assert body
    assert any("htmx.min.js" in asset for asset in re.findall(r'src="([^"]+)"', html))
    status, _type, _body = await stranger.get_raw("/static/../app.py")
    assert status in (403, 404)


async def test_the_chat_works_without_javascript(sign_in: SignIn) -> None:
    focal = await sign_in("so-y-te")
    status, _page, response = await focal.post(
        "/chat", {"csrf": focal.csrf, "text": "khi nào hạn báo cáo", "nonce": "plain-form"}
    )
    assert status == 303
    assert response.headers["Location"].startswith("/chat")
    page = await focal.open_chat()
    assert "còn 10 ngày" in page.bot_messages()[-1].text
    assert page.messages[-2].text == "khi nào hạn báo cáo"
