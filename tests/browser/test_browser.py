"""The web pages in a real browser: Playwright drives Debian's chromium (``/usr/bin/chromium``,
installed by ``make test-deps``; never a downloaded browser) against a real ``gongkai web`` process
on a SQLite database prepared for the office.

Covered: sign-in with a one-time link (refused a second time and after expiry), the queue's filters
and search, an extension by an approver (refused for a handler, on the server), an application from
the public form at phone width to its closing at the desk and its status on the public page, the
report page with the differences from the published report marked and the xlsx download, a report
upload, and a question at phone width. Screenshots are saved under ``test-artifacts/browser/``
(``GONGKAI_TEST_ARTIFACTS`` to put them elsewhere).

Without chromium or Playwright these tests are skipped with the reason (required in CI).
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA_KEY, keys_for_tests

from bot.texts import web as T
from tests.conftest import REPORTS_DIR, ROOT, skip_or_fail
from tests.services import free_port
from tests.web_harness import ADMIN, APPROVER, HANDLER, HOME, PERSON_FORM, file_application, staff

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("GONGKAI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
ARTIFACTS = Path(os.environ.get("GONGKAI_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


# --- the browser and the server -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -e '.[test]' (make test-deps)")
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found: `make test-deps` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def in_thread(coro_factory):
    """Run a coroutine to completion in its own thread (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


class Office:
    """A running ``gongkai web`` with its database; links are issued like ``gongkai staff link`` does."""

    def __init__(self, url: str, db_url: str, env: dict, numbers: dict[str, str]) -> None:
        self.url, self.db_url, self.env, self.numbers = url, db_url, env, numbers

    def run(self, coro_factory):
        async def go():
            from storage.db import open_database

            db = await open_database(self.db_url, keys=keys_for_tests())
            try:
                return await coro_factory(db)
            finally:
                await db.dispose()

        return in_thread(go)

    def link(self, staff_id: int, *, expired: bool = False) -> str:
        from bot.desk import SIGNIN_PATH
        from storage.web import issue_link

        now = datetime.now(timezone.utc) - (timedelta(hours=1) if expired else timedelta(0))
        issued = self.run(lambda db: issue_link(db, staff_id, minutes=10, issued_by="test", now=now))
        return f"{self.url}{SIGNIN_PATH}?t={issued.token}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=self.env, capture_output=True, text=True,
                              timeout=60, cwd=ROOT)


async def _prepare(db_url: str) -> dict[str, str]:
    """The office's data: its 2023 report, staff, three open applications and a small 2023 log."""
    from bot.qa import ingest_paths
    from bot.settings import Settings
    from storage import handling as H
    from storage.db import open_database

    settings = Settings(_env_file=None, home_agency=HOME, staff_ids=[ADMIN])
    db = await open_database(db_url, keys=keys_for_tests())
    try:
        await ingest_paths(db, [REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"])
        await staff(db)
        today = H.local_today(settings)
        overdue = await file_application(db, settings, (today - timedelta(days=70)).isoformat(), name="欧阳修文",
                                         description="2025年桥梁定期检测报告")
        waiting = await file_application(db, settings, (today - timedelta(days=2)).isoformat(), name="杜甫",
                                          description="出租车运价调整听证记录")
        await H.request_correction(db, waiting, today, today + timedelta(days=15), what="请写明年份", actor="t",
                                   settings=settings)
        fresh = await file_application(db, settings, today.isoformat(), name="李白", description="公交线路调整论证材料")
        for day, outcome in (("2023-03-01", "open"), ("2023-05-08", "partial")):
            old = await file_application(db, settings, day, description=f"{day}收到的申请")
            await H.close(db, old, outcome, date.fromisoformat(day) + timedelta(days=14), "t", settings=settings)
        return {"overdue": overdue.number, "waiting": waiting.number, "fresh": fresh.number}
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def office(tmp_path_factory, chromium):
    folder = tmp_path_factory.mktemp("office")
    db_url = f"sqlite:///{folder}/gongkai.db"
    numbers = in_thread(lambda: _prepare(db_url))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GONGKAI_DATABASE_URL": db_url, "GONGKAI_DATA_DIR": str(folder),
           "GONGKAI_HOME_AGENCY": HOME, "GONGKAI_STAFF_IDS": str(ADMIN), "GONGKAI_WEB_PORT": str(port),
           "GONGKAI_WEB_HOST": "127.0.0.1", "GONGKAI_WEB_URL": url, "PYTHONPATH": str(ROOT),
           "GONGKAI_DATA_KEY": TEST_DATA_KEY}  # the key the seeded applications were sealed with
    for name in ("GONGKAI_REDIS_URL", "GONGKAI_BOT_TOKEN"):
        env.pop(name, None)
    log = open(folder / "web.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "web"], env=env, cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gongkai web did not start:\n{(folder / 'web.log').read_text()}")
            time.sleep(0.2)
        yield Office(url, db_url, env, numbers)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        (ARTIFACTS / "web.log").parent.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "web.log").write_text((folder / "web.log").read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture
def context(chromium):
    ctx = chromium.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    yield ctx
    ctx.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, office: Office, staff_id: int) -> None:
    page.goto(office.link(staff_id))
    go(page, "#signin")
    assert page.locator("h1").inner_text() == T.QUEUE_TITLE


def go(page, selector: str) -> None:
    """Click something that loads a page (a link, a form's button) and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


def queue_numbers(page) -> list[str]:
    return page.locator("table.queue tbody td:first-child a").all_inner_texts()


# --- the desk -------------------------------------------------------------------------------------------

def test_staff_sign_in_with_a_one_time_link(office, chromium, context):
    printed = office.cli("staff", "link", str(HANDLER))
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.split()[0]
    assert link.startswith(f"{office.url}/desk/signin?t=")
    page = context.new_page()
    page.goto(link)
    shot(page, "01-sign-in-link")
    go(page, "#signin")
    page.wait_for_url(f"{office.url}/desk")
    assert page.locator("h1").inner_text() == T.QUEUE_TITLE and "王办理" in page.locator(".who").inner_text()
    shot(page, "02-queue")

    other = chromium.new_context(viewport=DESKTOP)  # the same link again, in another browser
    again = other.new_page()
    again.goto(link)
    assert T.ERR_LINK_USED in again.locator("main").inner_text() and again.locator("#signin").count() == 0
    again.goto(office.link(HANDLER, expired=True))
    assert T.ERR_LINK_EXPIRED in again.locator("main").inner_text()
    again.goto(f"{office.url}/desk")
    assert T.SIGNIN_HOW in again.locator("main").inner_text()
    other.close()

    go(page, "form.signout button")
    assert T.SIGNED_OUT in page.locator(".flash").inner_text()
    page.goto(f"{office.url}/desk")
    assert T.SIGNIN_HOW in page.locator("main").inner_text()


def test_queue_filters_and_search(office, context):
    page = context.new_page()
    sign_in(page, office, HANDLER)
    numbers = queue_numbers(page)
    assert numbers[0] == office.numbers["overdue"] and office.numbers["waiting"] in numbers
    assert page.locator("table.queue tbody tr.row-overdue .left-overdue").count() >= 1
    go(page, "ul.filters >> text=%s" % T.QUEUE_FILTERS["overdue"])
    assert queue_numbers(page) == [office.numbers["overdue"]]
    page.select_option("#f", "correction")  # applied on change (site.js)
    page.wait_for_url(re.compile(r".*f=correction.*"))
    assert queue_numbers(page) == [office.numbers["waiting"]]
    page.select_option("#f", "")
    page.wait_for_url(re.compile(r".*f=&.*|.*f=$"))
    page.fill("#q", "公交")
    go(page, "form.toolbar button[type=submit]")
    assert queue_numbers(page) == [office.numbers["fresh"]]
    text = page.locator("table.queue").inner_text()
    assert "李白" not in text and "李*" in text  # names masked in the list
    shot(page, "03-queue-search")


def test_an_extension_needs_an_approver(office, chromium):
    number = office.numbers["fresh"]
    handler = chromium.new_context(viewport=DESKTOP)
    page = handler.new_page()
    sign_in(page, office, HANDLER)
    page.goto(f"{office.url}/desk/applications/{number}")
    page.click("#action-extend summary")
    assert page.locator("#action-extend button[type=submit]").is_disabled()
    # a forged request: the handler's browser re-enables the form; the server refuses it
    page.evaluate("document.querySelector('#action-extend fieldset').disabled = false")
    page.fill("#extend-reason", "需要调取档案")
    go(page, "#action-extend button[type=submit]")
    assert T.FORBIDDEN.format(role=T.ROLE_LABELS["approver"]) in page.locator("main").inner_text()
    shot(page, "04-extension-refused")
    handler.close()

    approver = chromium.new_context(viewport=DESKTOP)
    page = approver.new_page()
    sign_in(page, office, APPROVER)
    page.goto(f"{office.url}/desk/applications/{number}")
    due_before = page.locator("#due").inner_text()
    page.click("#action-extend summary")
    page.fill("#extend-days", "10")
    page.fill("#extend-reason", "需要调取档案")
    go(page, "#action-extend button[type=submit]")
    assert T.DONE.format(what=T.ACTION_LABELS["extend"]) in page.locator(".flash").inner_text()
    assert page.locator("#due").inner_text() > due_before
    assert "延期 10 个工作日：需要调取档案（批准：李审批）" in page.locator("ol.timeline").inner_text()
    shot(page, "05-extended")
    approver.close()


def test_an_online_application_from_the_phone_to_its_closing(office, chromium):
    citizen = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = citizen.new_page()
    page.goto(f"{office.url}/apply")
    page.select_option("#applicant_type", "natural_person")
    assert page.locator("#org_code").is_hidden() and page.locator("#id_number").is_visible()
    for field in ("name", "id_number", "phone", "email", "description"):
        page.fill(f"#{field}", PERSON_FORM[field])
    page.select_option("#id_type", "resident_id")
    page.select_option("#delivery_form", "electronic")
    page.select_option("#delivery_channel", "email")
    go(page, "#submit-application")  # the confirmation box is not ticked
    assert T.APPLY_CONFIRM_MISSING in page.locator("#form-errors").inner_text()
    page.check("#confirm")
    shot(page, "06-apply-phone")
    go(page, "#submit-application")
    number = page.locator("#receipt-number").inner_text()
    secret = page.locator("#receipt-secret").inner_text()
    assert re.fullmatch(r"\d{4}-\d{4}", number) and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", secret)
    assert "年" in page.locator("#receipt-due").inner_text()
    shot(page, "07-receipt-phone")

    staff_ctx = chromium.new_context(viewport=DESKTOP)
    desk = staff_ctx.new_page()
    sign_in(desk, office, APPROVER)
    go(desk, f"table.queue a:text('{number}')")
    assert "欧阳修文" in desk.locator("dl.card").inner_text()  # the full card, at the desk only
    desk.click("#action-correction summary")
    desk.fill("#correction-period_end", (date.today() + timedelta(days=15)).isoformat())
    desk.fill("#correction-what", "请写明所需资金的年份")
    go(desk, "#action-correction button[type=submit]")
    assert T.DONE.format(what=T.ACTION_LABELS["correction"]) in desk.locator(".flash").inner_text()
    desk.click("#action-correction_received summary")
    go(desk, "#action-correction_received button[type=submit]")
    desk.click("#action-close summary")
    desk.select_option("#close-outcome", "partial")
    desk.check("#action-close input[name=confirm]")
    shot(desk, "08-closing")
    go(desk, "#action-close button[type=submit]")
    assert T.APP_NO_ACTIONS in desk.locator("main").inner_text()
    timeline = desk.locator("ol.timeline").inner_text()
    for step in ("收到申请", "告知补正", "收到补正", "办结：部分公开（区分处理）"):
        assert step in timeline
    shot(desk, "09-closed")
    staff_ctx.close()

    page.goto(f"{office.url}/status")
    page.fill("#number", number)
    page.fill("#secret", secret.lower())
    go(page, "form.status button[type=submit]")
    assert page.locator("#status-state").inner_text() == "已办结"
    assert "部分公开（区分处理）" in page.locator("main").inner_text() and "欧阳修文" not in page.content()
    shot(page, "10-status-phone")
    citizen.close()


def test_the_report_page_marks_differences_and_downloads_the_xlsx(office, context):
    from openpyxl import load_workbook

    page = context.new_page()
    sign_in(page, office, HANDLER)
    page.goto(f"{office.url}/desk/report?year=2023")
    assert T.REPORT_CHECKS_OK in page.locator("#checks-ok").inner_text()
    count = int(re.search(r"\d+", page.locator("#diff-count").inner_text()).group(0))
    assert count > 0 and page.locator("td.diff").count() == 2 * count
    # 一、本年新收 · 自然人: 2 in the log, 214 in the published report — marked on both sides
    cell = page.locator("td.diff[data-cell='3-3']").first
    assert cell.get_attribute("title") == T.REPORT_DIFF_TITLE.format(log=2, published=214)
    assert page.locator("td[data-cell='4-5']").first.get_attribute("class") == "num"  # 0 and 0: not marked
    shot(page, "11-report-compared")
    with page.expect_download() as download:
        page.click("a[data-kind=xlsx]")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames == ["表三", "表四"] and download.value.suggested_filename.endswith(".xlsx")
    values = [c.value for row in book["表三"].iter_rows() for c in row]
    assert "一、本年新收政府信息公开申请数量" in values


def test_uploading_a_report_file(office, context):
    page = context.new_page()
    sign_in(page, office, ADMIN)
    page.goto(f"{office.url}/desk/knowledge")
    page.set_input_files("#report-file", str(REPORTS_DIR / "yunling-xian-renmin-zhengfu-2023.txt"))
    go(page, "form[enctype] button[type=submit]")
    assert "已导入：云岭县人民政府 2023 年度报告" in page.locator(".flash").inner_text()
    assert "yunling-xian-renmin-zhengfu-2023.txt" in page.locator("table.reports").inner_text()
    shot(page, "12-knowledge")
    page.set_input_files("#report-file", {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"})
    go(page, "form[enctype] button[type=submit]")
    assert "错误：scan.pdf：" in page.locator(".error").inner_text()


def test_a_question_on_a_phone(office, chromium):
    ctx = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{office.url}/")
    page.fill("#q", "青禾交通局23年网上申请的有多少件")
    go(page, "form.ask button[type=submit]")
    answer = page.locator("#answer").inner_text()
    assert "187" in answer and "青禾市交通运输局 2023年度报告" in answer
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    shot(page, "13-question-phone")
    page.fill("#q", "青禾交通局2023年停车场收费标准是多少")
    go(page, "form.ask button[type=submit]")
    assert page.locator("button:text('%s')" % T.APPLY_ABOUT).count() == 1
    ctx.close()
