"""End to end in a real headless Chromium: one ``planbot run`` process serving Telegram (through
the fake Bot API) and the web, a secretariat and a focal point in the browser.

- sign in with the invitation link ``planbot run`` printed, see the round's matrix;
- a status update arrives by Telegram: the matrix changes on the next load;
- download the drafted report (.docx) from the page;
- chat on the web and get the same answers as on Telegram; press a button, undo;
- a stranger and a revoked user are refused;
- the pages on a phone, and the matrix printed on A4 landscape.

Screenshots of the main pages go to ``PLANBOT_ARTIFACTS_DIR`` (default ``out/screenshots``),
which ``.ci/run`` prints. Chromium and chromedriver are Debian's (``.ci/run`` installs them);
Selenium drives them (no browser download).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from docx import Document

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.registration import create_invitations, find_user, list_users, revoke_user
from tests.conftest import REPO_ROOT
from tests.support.cli_process import start_planbot
from tests.support.telegram_server import FakeTelegram, TgUser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

REQUIRE_BROWSER_ENV = "PLANBOT_TEST_REQUIRE_BROWSER"  # set by .ci/run: a missing browser fails


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    message = "needs Debian's chromium and chromium-driver (.ci/run installs them)"
    if os.environ.get(REQUIRE_BROWSER_ENV):
        pytest.fail(message)
    pytest.skip(message)


T = TypeVar("T")
WAIT = 30.0


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("PLANBOT_ARTIFACTS_DIR") or REPO_ROOT / "out" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browser:
    """One Chromium window (Selenium, synchronous: call it through ``asyncio.to_thread``)."""

    def __init__(self, base: str, downloads: Path, width: int = 1400, height: int = 1000) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--window-size={width},{height}",
            "--lang=vi",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.add_experimental_option(
            "prefs",
            {"download.default_directory": str(downloads), "download.prompt_for_download": False},
        )
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        self.base = base
        self.downloads = downloads

    def quit(self) -> None:
        self.driver.quit()

    def console_errors(self) -> list[str]:
        """What the page logged as errors (a script refused by the CSP, a failed request...)."""
        return [
            str(entry["message"])
            for entry in self.driver.get_log("browser")  # type: ignore[no-untyped-call]
            if entry.get("level") == "SEVERE"
        ]

    def mark_page(self) -> None:
        self.driver.execute_script("window.planbotMark = 'still here';")

    def same_page(self) -> bool:
        return bool(self.driver.execute_script("return window.planbotMark === 'still here';"))

    def open(self, path: str) -> None:
        self.driver.get(path if path.startswith("http") else self.base + path)

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    @property
    def path(self) -> str:
        url = str(self.driver.current_url)
        return url[len(self.base) :] if url.startswith(self.base) else url

    def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, css).click()

    def click_button(self, label: str) -> None:
        from selenium.webdriver.common.by import By

        buttons = self.driver.find_elements(By.CSS_SELECTOR, "button.choice")
        matching = [button for button in buttons if button.text.strip() == label]
        assert matching, f"no button {label!r}: {[b.text for b in buttons]}"
        matching[-1].click()

    def fill(self, css: str, value: str) -> None:
        from selenium.webdriver.common.by import By

        field = self.driver.find_element(By.CSS_SELECTOR, css)
        field.clear()
        field.send_keys(value)

    def cell_state(self, unit: str, task: str) -> str:
        from selenium.webdriver.common.by import By

        cell = self.driver.find_element(
            By.CSS_SELECTOR, f'tr[data-unit="{unit}"] td[data-task="{task}"]'
        )
        return str(cell.get_attribute("data-state"))

    def bot_texts(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [
            str(element.text)
            for element in self.driver.find_elements(By.CSS_SELECTOR, ".msg.bot .text")
        ]

    def message(self, message_id: str) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.CSS_SELECTOR, f"#msg-{message_id} .text").text)

    def last_bot_id(self) -> str:
        from selenium.webdriver.common.by import By

        messages = self.driver.find_elements(By.CSS_SELECTOR, ".msg.bot")
        return str(messages[-1].get_attribute("data-id")) if messages else ""

    def say(self, text: str) -> list[str]:
        """Type a message, send it, wait for the answers (htmx: no page load)."""
        before = len(self.bot_texts())
        self.fill("#chat-text", text)
        self.click("#chat-form button[type=submit]")
        wait_for(lambda: len(self.bot_texts()) > before, f"an answer to {text!r}")
        time.sleep(0.3)  # every answer of the turn arrives in one response
        return self.bot_texts()[before:]

    def screenshot(self, name: str) -> Path:
        path = artifacts_dir() / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def full_screenshot(self, name: str) -> Path:
        """The whole page, however long (Chromium's DevTools capture beyond the viewport)."""
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": size["height"],
                    "scale": 1,
                },
            },
        )
        path = artifacts_dir() / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def print_pdf(self, name: str) -> Path:
        result = self.driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )
        path = artifacts_dir() / f"{name}.pdf"
        path.write_bytes(base64.b64decode(result["data"]))
        return path


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # an element not there yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


async def run(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(function, *args)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_WEB_PORT": "0",
    }
    for name in list(os.environ):
        if name.startswith("PLANBOT_") and not name.startswith(("PLANBOT_TEST", "PLANBOT_ART")):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


class Planbot:
    """The ``planbot run`` process and what it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode())

    async def printed(self, pattern: str) -> re.Match[str]:
        async with asyncio.timeout(WAIT * 2):
            while True:
                for line in self.lines:
                    if match := re.search(pattern, line):
                        return match
                assert self.process.returncode is None, "".join(self.lines)
                await asyncio.sleep(0.1)

    async def stop(self) -> str:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), timeout=60)
        await self._reader
        return "".join(self.lines)


@contextlib.asynccontextmanager
async def running_planbot(env: dict[str, str], secret: str = "") -> AsyncIterator[Planbot]:
    """``planbot run`` on ``env``; it ends cleanly (exit 0, no traceback, ``secret`` unprinted)."""
    process = await start_planbot(
        "run", env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}, merge_stderr=True
    )
    running = Planbot(process)
    try:
        yield running
    finally:
        output = await running.stop()
        assert process.returncode == 0, output
        assert not secret or secret not in output
        assert "Traceback" not in output, output


@pytest.fixture
async def planbot(env: dict[str, str], telegram: FakeTelegram) -> AsyncIterator[Planbot]:
    telegram_env = {
        "PLANBOT_TELEGRAM_TOKEN": telegram.token,
        "PLANBOT_TELEGRAM_API_URL": telegram.url,
    }
    async with running_planbot({**env, **telegram_env}, telegram.token) as running:
        yield running


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[list[Browser]]:
    opened: list[Browser] = []
    yield opened
    for browser in opened:
        browser.quit()


def invitation(agency: str, role: str = "focal") -> str:
    services = bootstrap(Settings())
    try:
        [created] = create_invitations(
            services.db,
            agency,
            role=role,
            count=1,
            expires_days=7,
            now=datetime.now(services.settings.tz),
        )
        return created.code
    finally:
        services.db.dispose()


async def telegram_answer(telegram: FakeTelegram, user: TgUser, text: str) -> list[str]:
    before = len(telegram.bot_messages(user.id))
    await telegram.user_says(user, text)
    async with asyncio.timeout(WAIT):
        while len(telegram.bot_messages(user.id)) <= before:  # noqa: ASYNC110 - polls a fake
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the whole turn
    return [message.text for message in telegram.bot_messages(user.id)[before:]]


async def test_secretariat_and_focal_point_in_a_real_browser(
    planbot: Planbot, telegram: FakeTelegram, browsers: list[Browser], tmp_path: Path
) -> None:
    address = (await planbot.printed(r"Trang web planbot: (\S+)")).group(1)
    link = (await planbot.printed(r"(\S+/signin/\S+)")).group(1)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    secretariat = await run(Browser, address, downloads)
    browsers.append(secretariat)

    # A stranger sees nothing but the sign-in page.
    await run(secretariat.open, "/round")
    assert secretariat.path == "/signin"
    assert "Mã mời" in await run(secretariat.text)
    await run(secretariat.screenshot, "01-sign-in")

    # The printed link signs the secretariat in: the round at a glance.
    await run(secretariat.open, link)
    await run(secretariat.click, "form.stack button[type=submit]")
    await run(wait_for, lambda: secretariat.path.startswith("/round"), "the round page")
    page = await run(secretariat.text)
    assert "Kỳ báo cáo" in page
    assert await run(secretariat.cell_state, "so-y-te", "2.2.1") == "pending"
    await run(secretariat.full_screenshot, "02-round-before")

    # A focal point reports by Telegram, to the same process: the matrix changes.
    lan = TgUser(501, "Lan")
    telegram.private_chat(lan)
    welcome = await telegram_answer(telegram, lan, f"/start {invitation('so-y-te')}")
    assert "Sở Y tế" in welcome[0]
    confirmation = await telegram_answer(telegram, lan, "2.2: đã trình UBND tỉnh hồ sơ dự án")
    assert "ĐANG THỰC HIỆN" in confirmation[0]
    await run(secretariat.open, "/round")
    assert await run(secretariat.cell_state, "so-y-te", "2.2.1") == "on_time"
    await run(secretariat.full_screenshot, "03-round-after-telegram-update")

    # The history of the task shows it verbatim, from Telegram.
    await run(secretariat.open, "/task/2.2")
    history = await run(secretariat.text)
    assert "đã trình UBND tỉnh hồ sơ dự án" in history
    assert "qua telegram" in history
    await run(secretariat.screenshot, "04-task-history")

    # Download the drafted report from the page: the .docx the chat sends.
    await run(secretariat.open, "/round")
    await run(secretariat.click, 'a[href$="/report.docx"]')
    docx = await run(
        wait_for,
        lambda: next((p for p in downloads.glob("*.docx") if p.stat().st_size), None),
        "the downloaded .docx",
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs)
    assert "BÁO CÁO" in text

    await run(secretariat.open, "/trends")
    await run(secretariat.screenshot, "05-trends")

    # The matrix prints on A4 landscape.
    await run(secretariat.open, "/round")
    pdf = await run(secretariat.print_pdf, "06-round-print")
    size = await run(
        lambda: subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    )
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", size.stdout)
    assert match is not None, size.stdout
    width, height = float(match.group(1)), float(match.group(2))
    assert (round(width), round(height)) == (842, 595)  # A4 landscape

    # A focal point on the web gets the same answers as on Telegram.
    focal = await run(Browser, address, downloads, 390, 844)  # a phone
    browsers.append(focal)
    await run(focal.open, f"{address}/signin/{invitation('so-y-te')}")
    await run(focal.fill, "input[name=name]", "Minh")
    await run(focal.click, "form.stack button[type=submit]")
    await run(wait_for, lambda: focal.path.startswith("/chat"), "the chat page")
    assert "Sở Y tế" in (await run(focal.bot_texts))[0]
    await run(focal.mark_page)
    for question in ("nhiệm vụ của tôi là gì", "khi nào hạn báo cáo", "/help"):
        on_web = await run(focal.say, question)
        on_telegram = await telegram_answer(telegram, lan, question)
        assert on_web == on_telegram, question
    said = await run(focal.say, "2.2: đã làm việc với Bộ Y tế")
    assert "ĐANG THỰC HIỆN" in said[-1]
    confirmation_id = await run(focal.last_bot_id)
    await run(focal.click_button, "→ hoàn thành")
    await run(
        wait_for, lambda: "HOÀN THÀNH" in focal.message(confirmation_id), "the corrected status"
    )
    assert await run(focal.same_page)  # htmx answered in place: no page load
    await run(focal.screenshot, "07-chat-phone")
    await run(focal.click_button, "Huỷ")
    await run(wait_for, lambda: any("Đã huỷ" in t for t in focal.bot_texts()), "the undo")

    # The secretariat's matrix on a phone.
    phone = await run(Browser, address, downloads, 390, 844)
    browsers.append(phone)
    await run(phone.open, f"{address}/signin/{invitation('vp-ubnd-tinh', 'secretariat')}")
    await run(phone.click, "form.stack button[type=submit]")
    await run(wait_for, lambda: phone.path.startswith("/round"), "the round page on a phone")
    await run(phone.screenshot, "08-round-phone")

    for browser in browsers:
        assert await run(browser.console_errors) == []  # nothing refused by the CSP, no JS error

    # A focal point does not see the secretariat's pages; revoked, it is out at once.
    await run(focal.open, "/round")
    assert "chỉ dành cho Văn phòng UBND tỉnh" in await run(focal.text)
    services = bootstrap(Settings())
    try:
        [web_focal] = [
            user
            for user in list_users(services.db)
            if user.channel == "web" and user.role == "focal"
        ]
        revoke_user(services.db, str(web_focal.id), datetime.now(services.settings.tz))
        assert find_user(services.db, "web", web_focal.external_id) is None
    finally:
        services.db.dispose()
    await run(focal.open, "/chat")
    assert focal.path == "/signin"
    assert "Mã mời" in await run(focal.text)
    await run(focal.screenshot, "09-revoked")


def test_screenshots_folder_is_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLANBOT_ARTIFACTS_DIR", str(tmp_path / "shots"))
    assert artifacts_dir() == tmp_path / "shots"
    assert (tmp_path / "shots").is_dir()


# --------------------------------------------------------------------------- several plans

PLANS_DATA = REPO_ROOT / "tests" / "data"
PLAN_CODES = ["ct20", "zika", "tb38"]  # newest first


def load_three_plans() -> None:
    """The seed plan (loaded by the first start), then zika and ct20, one after the other."""
    from datetime import timedelta

    from bot.bootstrap import load_plan_file
    from bot.clock import FrozenClock

    services = bootstrap(Settings())
    try:
        clock = FrozenClock(datetime.now(services.settings.tz))
        for name in ("plan_phong_chong_dich_zika.json", "plan_du_an_cham_trien_khai.json"):
            clock.advance(timedelta(seconds=1))
            load_plan_file(services.db, PLANS_DATA / name, clock)
        services.reload_plan()
        assert [entry.code for entry in services.plans.entries] == PLAN_CODES
    finally:
        services.db.dispose()


def plan_sections(browser: Browser, css: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        str(element.get_attribute("data-plan"))
        for element in browser.driver.find_elements(By.CSS_SELECTOR, css)
    ]


def switch_to(browser: Browser, code: str) -> None:
    """Open the header's plan switcher and pick a plan, as a person does with the mouse."""
    from selenium.webdriver.common.by import By

    browser.click("details.plan-switch summary")
    link = browser.driver.find_element(
        By.CSS_SELECTOR, f'details.plan-switch a[data-plan="{code}"]'
    )
    wait_for(link.is_displayed, "the switcher's list")
    link.click()


async def test_several_plans_overview_and_switcher_in_a_real_browser(
    env: dict[str, str], browsers: list[Browser], tmp_path: Path
) -> None:
    load_three_plans()
    async with running_planbot(env) as planbot:
        address = (await planbot.printed(r"Trang web planbot: (\S+)")).group(1)
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        secretariat = await run(Browser, address, downloads)
        browsers.append(secretariat)
        await run(secretariat.open, f"/signin/{invitation('vp-ubnd-tinh', 'secretariat')}")
        await run(secretariat.click, "form.stack button[type=submit]")

        # The start page is the overview: every plan, newest first, each in its own round.
        await run(wait_for, lambda: secretariat.path.startswith("/overview"), "the overview")
        assert await run(plan_sections, secretariat, "section.plan-card") == PLAN_CODES
        page = await run(secretariat.text)
        assert "Tổng hợp tất cả kế hoạch" in page
        assert page.count("Kỳ báo cáo") >= 3
        await run(secretariat.full_screenshot, "10-overview-plans")

        # The switcher in the header lists the plans; picking one opens its round.
        await run(secretariat.click, "details.plan-switch summary")
        await run(secretariat.screenshot, "11-plan-switcher")
        await run(secretariat.click, "details.plan-switch summary")
        await run(switch_to, secretariat, "zika")
        await run(wait_for, lambda: secretariat.path == "/plan/zika/round", "zika's round")
        assert "Tháng" in await run(secretariat.text)  # a monthly plan's round
        assert await run(secretariat.cell_state, "so-y-te", "2.2") == "pending"
        await run(secretariat.full_screenshot, "12-round-zika")
        await run(switch_to, secretariat, "tb38")
        await run(wait_for, lambda: secretariat.path == "/plan/tb38/round", "the seed's round")
        assert await run(secretariat.cell_state, "so-y-te", "2.2.1") in ("pending", "overdue")
        assert "Quý" in await run(secretariat.text) or "6 tháng" in await run(secretariat.text)

        # From the overview, a plan's card leads to its round.
        await run(secretariat.open, "/overview")
        await run(secretariat.click, 'section[data-plan="ct20"] a.open-round')
        await run(wait_for, lambda: secretariat.path == "/plan/ct20/round", "ct20's round")

        # A unit's page: its items in every plan that concerns it, newest plan first.
        await run(secretariat.open, "/unit/so-y-te")
        assert await run(plan_sections, secretariat, "section.unit-plan") == PLAN_CODES
        await run(secretariat.full_screenshot, "13-unit-every-plan")

        phone = await run(Browser, address, downloads, 390, 844)
        browsers.append(phone)
        await run(phone.open, f"{address}/signin/{invitation('vp-ubnd-tinh', 'secretariat')}")
        await run(phone.click, "form.stack button[type=submit]")
        await run(wait_for, lambda: phone.path.startswith("/overview"), "the overview on a phone")
        await run(switch_to, phone, "zika")
        await run(wait_for, lambda: phone.path == "/plan/zika/round", "zika's round on a phone")
        await run(phone.screenshot, "14-round-zika-phone")

        for browser in browsers:
            assert await run(browser.console_errors) == []

        # An unknown plan: a Vietnamese page (its 404 is the only error the browser logs).
        await run(secretariat.open, "/plan/kh99/round")
        assert "Không có kế hoạch «kh99»" in await run(secretariat.text)
