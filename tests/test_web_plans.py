"""The web pages with three plans followed at once: the seed (quarterly, "tb38"), the epidemic
plan (monthly, "zika") and the slow-projects plan (twice a year, "ct20").

What the secretariat notices: its start page is the overview of every plan, each in its own
round; every page names its plan in its address and header (a switcher lists the plans); task
2.2 of one plan never shows another plan's reports; a unit's page shows its items in each plan
that concerns it, newest plan first; the plain addresses of one plan lead to the plan they can
only mean, or ask which one; an unknown plan, task or round is a clear Vietnamese 404.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from docx import Document

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.digest import default_round
from bot.i18n import translator
from bot.registration import create_invitations, list_users
from bot.updates import file_report
from bot.web.app import build_app
from handlers.secretariat import report_replies
from scheduler.calendar import deadline_text
from tests.conftest import local
from tests.support.plans import follow_three_plans
from tests.support.web_client import WebUser
from tests.support.web_page import Page

DATA = Path(__file__).parent / "data"
SEED = "tuyen-quang-tb38-2021"
ZIKA = "phong-chong-dich-zika"
PROJECTS = "xu-ly-du-an-cham-trien-khai"
CODES = ["ct20", "zika", "tb38"]  # newest first

SignIn = Callable[..., Awaitable[WebUser]]


@pytest.fixture
def three(services: Services, clock: FrozenClock) -> Services:
    return follow_three_plans(services, clock, local(2021, 3, 10, 9, 0))


@pytest.fixture
async def server(three: Services) -> AsyncIterator[TestServer]:
    test_server = TestServer(build_app(three), host="127.0.0.1")
    await test_server.start_server()
    try:
        yield test_server
    finally:
        await test_server.close()


@pytest.fixture
async def sign_in(three: Services, server: TestServer) -> AsyncIterator[SignIn]:
    opened: list[WebUser] = []

    async def signed_in(agency: str = "vp-ubnd-tinh", role: str = "secretariat") -> WebUser:
        [invitation] = create_invitations(
            three.db, agency, role=role, count=1, expires_days=7, now=three.clock.now()
        )
        user = WebUser(str(server.make_url("/")))
        opened.append(user)
        status, page = await user.sign_in(invitation.code)
        assert status == 303, page.text
        return user

    yield signed_in
    for user in opened:
        await user.close()


def report(
    services: Services, plan_id: str, task: str, agency: str, text: str, status: str | None = None
) -> None:
    """A report filed in the plan's current round (as a reply to its reminder would be)."""
    calendar = services.plans.calendar(plan_id)
    now = services.clock.now()
    file_report(
        services.db,
        services.plans[plan_id],
        calendar,
        task_id=task,
        agency_id=agency,
        user_id=None,
        text=text,
        now=now,
        status=status,
        context_period=default_round(calendar, now).id,
    )


async def location(user: WebUser, path: str) -> tuple[int, str]:
    async with user.http.get(user.url(path), allow_redirects=False) as response:
        return response.status, response.headers.get("Location", "")


def sections(page: Page, css_class: str) -> list[str]:
    """The plans of a page's sections, in page order (``<section class="... css_class" ...>``)."""
    return re.findall(rf'<section class="[^"]*{css_class}[^"]*" data-plan="([^"]+)"', page.html)


def section(page: Page, code: str) -> str:
    """The HTML of one plan's section."""
    match = re.search(rf'<section [^>]*data-plan="{code}".*?</section>', page.html, re.S)
    assert match is not None, code
    return match.group(0)


def round_label(services: Services, plan_id: str) -> str:
    calendar = services.plans.calendar(plan_id)
    return default_round(calendar, services.clock.now()).label(translator("vi"))


def deadline_of(services: Services, plan_id: str) -> str:
    calendar = services.plans.calendar(plan_id)
    return deadline_text(translator("vi"), default_round(calendar, services.clock.now()).due)


async def test_the_secretariat_starts_on_the_overview_of_every_plan(
    three: Services, sign_in: SignIn
) -> None:
    report(three, ZIKA, "2.2", "so-y-te", "Vướng mắc: chưa có hóa chất xử lý ổ dịch", "blocked")
    report(three, SEED, "2.2.1", "so-y-te", "Đã trình UBND tỉnh hồ sơ")
    secretariat = await sign_in()
    assert await location(secretariat, "/") == (303, "/overview")
    status, page = await secretariat.get("/")
    assert status == 200
    assert "Tổng hợp tất cả kế hoạch" in page.text
    assert sections(page, "plan-card") == CODES  # newest plan first
    labels = {plan_id: round_label(three, plan_id) for plan_id in (SEED, ZIKA, PROJECTS)}
    assert labels == {
        SEED: "Quý I/2021",
        ZIKA: "Tháng 3/2021",
        PROJECTS: "6 tháng đầu năm 2021",
    }
    for code, plan_id in zip(CODES, (PROJECTS, ZIKA, SEED), strict=True):
        card = section(page, code)
        assert f"Kỳ báo cáo {labels[plan_id]}" in card  # each plan in its own round
        assert f'href="/plan/{code}/round"' in card
    zika = section(page, "zika")
    assert "chưa có hóa chất xử lý ổ dịch" in zika  # blocked, quoted, in its plan only
    assert 'href="/plan/zika/task/2.2"' in zika
    assert "chưa có hóa chất" not in section(page, "tb38") + section(page, "ct20")
    # Sở Y tế reported its 2.2 of zika, its 2.1 is still missing: it has not reported yet
    reported = re.search(r'data-reported="(\d+)" data-total="(\d+)"', zika)
    assert reported is not None
    assert int(reported.group(1)) == 0  # nobody has reported everything of March yet
    assert 'data-unit="so-y-te"' in zika


async def test_a_plans_round_page_names_it_and_the_switcher_lists_every_plan(
    three: Services, sign_in: SignIn
) -> None:
    report(three, ZIKA, "2.2", "so-y-te", "Đang giám sát dịch tại cửa khẩu")
    secretariat = await sign_in()
    status, page = await secretariat.get("/plan/zika/round")
    assert status == 200
    assert "Kỳ báo cáo Tháng 3/2021" in page.text
    assert page.cell("so-y-te", "2.2").state == "on_time"
    assert {cell.task for cell in page.cells} == {"1.1", "2.1", "2.2"}  # zika's items only
    switcher = re.search(r'<details class="plan-switch".*?</details>', page.html, re.S)
    assert switcher is not None
    links = re.findall(r'<a href="([^"]+)" data-plan="([^"]+)"([^>]*)>', switcher.group(0))
    assert [(href, code) for href, code, _rest in links] == [
        ("/plan/ct20/round", "ct20"),
        ("/plan/zika/round", "zika"),
        ("/plan/tb38/round", "tb38"),
    ]
    assert [code for _href, code, rest in links if "aria-current" in rest] == ["zika"]
    assert (
        '<span class="code">zika</span> Công văn về triển khai phòng, chống dịch bệnh'
        in switcher.group(0)
    )
    assert "/overview" in switcher.group(0)
    for name in ("report.docx", "report.xlsx", "chart.png"):
        assert f"/plan/zika/download/2021-M03/{name}" in page.links
    assert "/plan/zika/task/2.2" in page.links
    assert "/plan/zika/unit/so-y-te" in page.links
    # the same page of the seed plan: its quarter, its items, nothing of zika's report
    status, page = await secretariat.get("/plan/TB38/round")  # a code as people type it
    assert status == 200
    assert "Kỳ báo cáo Quý I/2021" in page.text
    assert page.cell("so-y-te", "2.2.1").state == "pending"
    assert all(cell.state != "on_time" for cell in page.cells)
    # the trends page switches plan within trends
    status, page = await secretariat.get("/plan/ct20/trends")
    assert status == 200
    assert "/plan/zika/trends" in page.links
    assert "/plan/ct20/trends.svg" in page.html


async def test_task_numbers_repeat_across_plans_and_never_mix(
    three: Services, sign_in: SignIn
) -> None:
    report(three, ZIKA, "2.2", "so-y-te", "Đang giám sát dịch tại cửa khẩu Thanh Thủy")
    report(three, SEED, "2.2.1", "so-y-te", "Đã trình UBND tỉnh hồ sơ dự án")
    report(three, PROJECTS, "2.2", "so-tai-chinh", "Đã tổng hợp danh mục dự án chậm")
    secretariat = await sign_in()
    pages = {}
    for code in CODES:
        status, pages[code] = await secretariat.get(f"/plan/{code}/task/2.2")
        assert status == 200, code
    assert "cửa khẩu Thanh Thủy" in pages["zika"].text
    assert "hồ sơ dự án" not in pages["zika"].text
    assert "danh mục dự án chậm" not in pages["zika"].text
    assert "hồ sơ dự án" in pages["tb38"].text  # 2.2 of the seed holds 2.2.1
    assert "cửa khẩu" not in pages["tb38"].text
    assert "danh mục dự án chậm" in pages["ct20"].text
    assert "cửa khẩu" not in pages["ct20"].text
    # an entry's links stay in its plan, its round is named in its plan's calendar
    assert "/plan/zika/task/2.2" in pages["zika"].links
    assert "/plan/zika/unit/so-y-te" in pages["zika"].links
    assert "Tháng 3/2021" in pages["zika"].text
    assert "Quý I/2021" in pages["tb38"].text
    # the same number in the other plans, one click away
    assert "Nhiệm vụ 2.2 ở các kế hoạch khác" in pages["zika"].text
    others = re.findall(r'<a href="(/plan/[^"]+/task/2.2)" data-plan', pages["zika"].html)
    assert others == ["/plan/ct20/task/2.2", "/plan/tb38/task/2.2"]


async def test_plain_addresses_lead_to_the_plan_they_mean_or_ask(
    three: Services, sign_in: SignIn
) -> None:
    secretariat = await sign_in()
    assert await location(secretariat, "/round") == (303, "/overview")
    assert await location(secretariat, "/task/2.2.1") == (303, "/plan/tb38/task/2.2.1")
    assert await location(secretariat, "/round?round=2021-M03") == (
        303,
        "/plan/zika/round?round=2021-M03",
    )
    assert await location(secretariat, "/download/2021-M03/report.xlsx") == (
        303,
        "/plan/zika/download/2021-M03/report.xlsx",
    )
    status, page = await secretariat.get("/task/2.2")  # every plan has a 2.2: which one?
    assert status == 200
    assert "Kế hoạch nào?" in page.text
    assert [link for link in page.links if link.startswith("/plan/") and "/task/" in link] == [
        "/plan/ct20/task/2.2",
        "/plan/zika/task/2.2",
        "/plan/tb38/task/2.2",
    ]
    status, page = await secretariat.get("/trends")
    assert status == 200
    assert "/plan/zika/trends" in page.links
    status, page = await secretariat.get("/task/9.9")
    assert status == 404
    assert "Không có nhiệm vụ 9.9" in page.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/plan/kh99/round",
            "Không có kế hoạch «kh99». Các kế hoạch đang theo dõi: ct20, zika, tb38",
        ),
        ("/plan/kh99/task/2.2", "Không có kế hoạch «kh99»"),
        ("/plan/kh99/unit/so-y-te", "Không có kế hoạch «kh99»"),
        ("/plan/kh99", "Không có kế hoạch «kh99»"),
        ("/plan/zika/task/2.2.1", "Không có nhiệm vụ 2.2.1 trong kế hoạch zika"),
        ("/plan/zika/download/2021-Q1/report.docx", "Không có kỳ báo cáo này"),
        ("/plan/tb38/download/2021-Q9/report.docx", "Không có kỳ báo cáo này"),
        ("/plan/zika/download/2021-M03/secret.txt", "Tệp này không còn"),
        ("/plan/zika/unit/so-khong-co", "Không có đơn vị này"),
    ],
)
async def test_unknown_plan_task_or_round_is_a_vietnamese_404(
    path: str, message: str, sign_in: SignIn
) -> None:
    secretariat = await sign_in()
    status, page = await secretariat.get(path)
    assert status == 404
    assert message in page.text
    assert '<html lang="vi">' in page.html


async def test_nothing_of_a_plan_is_readable_without_a_session(server: TestServer) -> None:
    stranger = WebUser(str(server.make_url("/")))
    try:
        for path in ("/overview", "/plan/zika/round", "/plan/kh99/round", "/plan/zika/task/2.2"):
            status, _type, body = await stranger.get_raw(path)
            assert status == 303, path
            assert b"zika" not in body
    finally:
        await stranger.close()


async def test_a_unit_page_shows_its_items_in_every_plan_newest_first(
    three: Services, sign_in: SignIn
) -> None:
    report(three, ZIKA, "2.2", "so-y-te", "Đang giám sát dịch tại cửa khẩu")
    secretariat = await sign_in()
    status, page = await secretariat.get("/unit/so-y-te")
    assert status == 200
    # ct20's general task binds every department: all three plans concern Sở Y tế
    assert sections(page, "unit-plan") == CODES  # newest plan first
    zika = section(page, "zika")
    assert "Kỳ báo cáo Tháng 3/2021" in zika
    assert deadline_of(three, ZIKA) in zika  # the plan's own deadline
    assert re.search(r'data-task="2.2" data-state="on_time"', zika)
    assert re.search(r'data-task="2.1" data-state="pending"', zika)
    assert "Đang giám sát dịch tại cửa khẩu" in zika
    tb38 = section(page, "tb38")
    assert "Kỳ báo cáo Quý I/2021" in tb38
    assert deadline_of(three, SEED) in tb38
    assert re.search(r'data-task="2.2.1" data-state="pending"', tb38)
    assert "cửa khẩu" not in tb38
    assert "/plan/tb38/task/2.2.1" in tb38
    assert 'data-task="1.1–1.9" data-state="pending"' in tb38  # one report for the nine
    ct20 = section(page, "ct20")
    assert 'data-task="1.1" data-state="pending"' in ct20  # its one general task
    assert "Quán triệt, tuyên truyền" in ct20
    # one plan's part alone
    status, page = await secretariat.get("/plan/zika/unit/so-y-te")
    assert status == 200
    assert sections(page, "unit-plan") == ["zika"]


async def test_a_focal_point_sees_its_own_unit_in_every_plan_and_nothing_else(
    three: Services, sign_in: SignIn
) -> None:
    focal = await sign_in("so-y-te", "focal")
    assert await location(focal, "/") == (303, "/chat")
    status, page = await focal.get("/unit/so-y-te")
    assert status == 200
    assert sections(page, "unit-plan") == CODES
    for path in ("/overview", "/plan/zika/round", "/plan/tb38/task/2.2", "/round", "/task/2.2"):
        status, page = await focal.get(path)
        assert status == 403, path
        assert "Văn phòng UBND tỉnh" in page.text
    status, page = await focal.get("/unit/so-tai-chinh")
    assert status == 403
    status, _type, _body = await focal.get_raw("/plan/zika/download/2021-M03/report.docx")
    assert status == 403


async def test_downloads_are_each_plans_own_files(three: Services, sign_in: SignIn) -> None:
    report(three, ZIKA, "2.2", "so-y-te", "Đang giám sát dịch tại cửa khẩu")
    secretariat = await sign_in()
    async with secretariat.http.get(
        secretariat.url("/plan/zika/download/2021-M03/report.docx")
    ) as response:
        assert response.status == 200
        assert "bao-cao-zika-2021-M03.docx" in response.headers["Content-Disposition"]
        body = await response.read()
    [user] = [u for u in list_users(three.db) if u.channel == "web"]
    [reply] = report_replies(three, user, translator("vi"), "2021-M03", plan=three.plans[ZIKA])
    assert reply.attachment is not None

    def paragraphs(content: bytes) -> list[str]:
        return [p.text for p in Document(io.BytesIO(content)).paragraphs]

    assert paragraphs(body) == paragraphs(reply.attachment.content)  # as the chat sends it
    seed_docx = await secretariat.get_raw("/plan/tb38/download/2021-Q1/report.docx")
    assert seed_docx[0] == 200
    assert paragraphs(seed_docx[2]) != paragraphs(body)
    status, content_type, xlsx = await secretariat.get_raw(
        "/plan/ct20/download/2021-H1/report.xlsx"
    )
    assert (status, content_type) == (
        200,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert xlsx.startswith(b"PK")


async def test_one_plan_reads_as_before_and_its_plan_address_works_too(
    services: Services, browser_one: WebUser
) -> None:
    status, page = await browser_one.get("/round")
    assert status == 200
    assert 'class="plan-switch"' not in page.html
    assert "/download/2021-Q1/report.docx" in page.links  # plain links, as before
    status, page = await browser_one.get("/plan/tb38/round")
    assert status == 200
    assert "Kỳ báo cáo Quý I/2021" in page.text
    status, page = await browser_one.get("/overview")
    assert status == 200
    assert sections(page, "plan-card") == ["tb38"]


@pytest.fixture
async def browser_one(services: Services) -> AsyncIterator[WebUser]:
    """A secretariat signed in to a single-plan deployment."""
    test_server = TestServer(build_app(services), host="127.0.0.1")
    await test_server.start_server()
    [invitation] = create_invitations(
        services.db,
        "vp-ubnd-tinh",
        role="secretariat",
        count=1,
        expires_days=7,
        now=services.clock.now(),
    )
    user = WebUser(str(test_server.make_url("/")))
    try:
        status, page = await user.sign_in(invitation.code)
        assert status == 303, page.text
        yield user
    finally:
        await user.close()
        await test_server.close()


async def test_the_consolidating_unit_of_one_plan_sees_that_plan_only(
    three: Services, sign_in: SignIn
) -> None:
    from bot.digest import consolidator_ids

    assert consolidator_ids(three.plans[SEED]) == ("so-khdt",)
    assert consolidator_ids(three.plans[ZIKA]) == consolidator_ids(three.plans[PROJECTS]) == ()
    report(three, ZIKA, "2.2", "so-y-te", "Đang giám sát dịch tại cửa khẩu")
    khdt = await sign_in("so-khdt", "focal")
    assert await location(khdt, "/") == (303, "/plan/tb38/round")
    assert await location(khdt, "/round") == (303, "/plan/tb38/round")
    assert await location(khdt, "/task/2.2") == (303, "/plan/tb38/task/2.2")
    status, page = await khdt.get("/plan/tb38/round")
    assert status == 200
    switcher = re.search(r'<details class="plan-switch".*?</details>', page.html, re.S)
    assert switcher is not None
    assert re.findall(r'data-plan="([^"]+)"', switcher.group(0)) == ["tb38"]
    for path in (
        "/plan/zika/round",
        "/plan/ct20/task/2.2",
        "/plan/zika/download/2021-M03/report.docx",
    ):
        status, _type, _body = await khdt.get_raw(path)
        assert status == 403, path
    status, page = await khdt.get("/overview")
    assert status == 200
    assert sections(page, "plan-card") == ["tb38"]
    status, page = await khdt.get("/unit/so-y-te")  # another unit: the plan it consolidates
    assert status == 200
    assert sections(page, "unit-plan") == ["tb38"]
    assert "cửa khẩu" not in page.text
    status, page = await khdt.get("/unit/so-khdt")  # its own unit: every plan
    assert sections(page, "unit-plan") == CODES


async def test_the_plan_pages_in_english(three: Services, sign_in: SignIn) -> None:
    secretariat = await sign_in()
    await secretariat.say("/lang en")
    status, page = await secretariat.get("/overview")
    assert status == 200
    assert "All plans followed" in page.text
    assert "Reporting round Month 3/2021" in page.text  # zika's month, in English
    status, page = await secretariat.get("/plan/zika/round")
    assert "All plans: the overview" in page.text
    status, page = await secretariat.get("/plan/kh99/round")
    assert status == 404
    assert "There is no plan «kh99». The plans followed: ct20, zika, tb38." in page.text


async def test_a_report_chosen_by_plan_in_the_web_chat_lands_in_that_plans_pages(
    three: Services, sign_in: SignIn
) -> None:
    focal = await sign_in("so-y-te", "focal")
    [_mine, question] = await focal.say("2.2: đang giám sát dịch tại cửa khẩu Tân Thanh")
    assert "có trong nhiều kế hoạch" in question.text
    [confirmation, *_rest] = await focal.press("zika · 2.2 (chủ trì)")
    assert "[zika]" in confirmation.text
    # February's round is still owed (the fixture follows zika from the start): filed there
    assert "Tháng 2/2021" in confirmation.text
    secretariat = await sign_in()
    status, page = await secretariat.get("/plan/zika/round?round=2021-M02")
    assert status == 200
    assert page.cell("so-y-te", "2.2").state == "late"
    status, page = await secretariat.get("/plan/tb38/round")
    assert page.cell("so-y-te", "2.2.1").state == "pending"  # not in the seed plan
    status, page = await secretariat.get("/plan/zika/task/2.2")
    assert "cửa khẩu Tân Thanh" in page.text
    assert "qua web" in page.text
    status, page = await secretariat.get("/plan/tb38/task/2.2")
    assert "cửa khẩu Tân Thanh" not in page.text
    status, page = await secretariat.get("/unit/so-y-te")
    assert "cửa khẩu Tân Thanh" in section(page, "zika")
    assert "cửa khẩu Tân Thanh" not in section(page, "tb38") + section(page, "ct20")


async def test_a_plan_added_later_offers_no_round_it_does_not_owe(
    three: Services, sign_in: SignIn
) -> None:
    calendar = three.plans.calendar(PROJECTS)
    assert calendar.followed_from is not None  # ct20 was added after the seed plan
    earlier = calendar.previous(default_round(calendar, three.clock.now()))
    assert not calendar.follows(earlier)
    secretariat = await sign_in()
    status, page = await secretariat.get("/plan/ct20/round")
    assert status == 200
    options = re.findall(r'<option value="(\d{4}-[^"]+)"', page.html)
    assert earlier.id not in options
    assert default_round(calendar, three.clock.now()).id in options
    status, page = await secretariat.get(f"/plan/ct20/round?round={earlier.id}")
    assert status == 200
    assert "các đơn vị không phải báo cáo kỳ này" in page.text
    assert page.cells == []  # no unit shown as overdue for a round it never owed
    assert page.counts == {}
    status, page = await secretariat.get("/plan/ct20/trends")
    assert earlier.label(translator("vi")) not in page.text
    # the seed plan, followed from the start, offers its earlier rounds
    status, page = await secretariat.get("/plan/tb38/round")
    assert "2020-Y" in re.findall(r'<option value="([^"]+)"', page.html)
