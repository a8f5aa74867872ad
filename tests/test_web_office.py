"""The desk's office pages over HTTP: the annual report (official layout, checks, downloads, the
previous year, the published report side by side with every differing cell marked), the knowledge
base (upload through the same ingest, the unanswered questions with counts) and the calendar."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from aiohttp import FormData
from openpyxl import load_workbook
from sqlmodel import select

from bot.qa import QAService, ingest_paths
from bot.texts import calendar as TC
from bot.texts import web as T
from disclosure.tables import ROWS_2021
from storage import handling as H
from storage.knowledge import list_reports, log_questions
from storage.models import AuditLog, Report
from storage.statistics import build_report
from tests import report_factory as F
from tests.conftest import REPORTS_DIR
from tests.web_harness import ADMIN, HANDLER, HOME, file_application, open_client, staff, text_of, web_settings


@pytest.fixture
async def office(db):
    settings = web_settings()
    await staff(db)
    web = await open_client(db, settings, await QAService.load(db, HOME))
    yield web, settings
    await web.client.close()


async def _log_2023(db, settings) -> None:
    """A small year in the log: three received in 2023, two closed, one carried over; one in 2022."""
    a = await file_application(db, settings, "2023-03-01", description="2022年公交补贴资金分配表")
    b = await file_application(db, settings, "2023-05-08", description="出租车运价调整听证笔录全文")
    await file_application(db, settings, "2023-12-20", description="轨道交通线网规划环评报告")
    await file_application(db, settings, "2022-06-01", description="2021年道路养护资金决算表")
    await H.close(db, a, "open", date(2023, 3, 20), "t", settings=settings)
    await H.close(db, b, "partial", date(2023, 6, 2), "t", settings=settings)


def _published_text(tables, changed: dict[tuple[str, int], int]) -> str:
    """A report 'published' with the log's Table 三 except the ``changed`` cells (label, column) → value,
    and the factory's Table 四."""
    t3 = {}
    for row in ROWS_2021:
        if row.data:
            values = [tables.table3[row.key][c] for c in tables.table3[row.key]]
            t3[row.label] = values
    for (label, col), value in changed.items():
        t3[label][col] = value
    return F.tab_text(t3)


async def _upload_published(db, tmp_path, settings, changed) -> None:
    tables = await build_report(db, 2023, "2021", settings=settings)
    path = tmp_path / "published-2023.txt"
    path.write_text(_published_text(tables, changed), encoding="utf-8")
    await ingest_paths(db, [path], agency=HOME)


async def test_the_report_page_marks_every_cell_that_differs_from_the_published_report(office, db, tmp_path):
    web, settings = office
    await _log_2023(db, settings)
    label = "一、本年新收政府信息公开申请数量"
    await _upload_published(db, tmp_path, settings, {(label, 0): 9, (label, 6): 9})  # 自然人 and 总计
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/report?year=2023")
    assert web.status == 200 and T.REPORT_CHECKS_OK in page
    table4_nonzero = sum(1 for v in F.table4() if v)
    expected = 2 + table4_nonzero
    assert T.REPORT_DIFF_COUNT.format(count=expected) in page
    assert page.count('class="num diff"') == 2 * expected  # marked on both sides
    marked = re.findall(r'class="num diff" data-cell="(\d+)-(\d+)" title="([^"]+)"><mark>([^<]*)<', page)
    # 一、本年新收 (grid row 3): 自然人 (column 3) and 总计 (column 9), on the log's side and the report's
    changed = [(r, c, shown) for r, c, title, shown in marked if "3" in title and "9" in title]
    assert sorted(changed) == [("3", "3", "3"), ("3", "3", "9"), ("3", "9", "3"), ("3", "9", "9")]
    assert page.count('title="台账统计 3，已发布 9"') == 2 and page.count('title="台账统计 9，已发布 3"') == 2
    # the differences are also listed by row and column
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]*)</td><td>([^<]*)</td><td class=\"num\">(\d+)</td>", page)
    assert ("一、本年新收政府信息公开申请数量", "申请人情况 · 自然人", "3") in rows
    assert T.REPORT_PUBLISHED_REPORT.format(title=F.TITLE) in page
    # with the published report left out: the tables alone, nothing marked
    page = await web.get("/desk/report?year=2023&compare=none")
    assert 'class="num diff"' not in page and T.REPORT_PUBLISHED_LOG not in page and "2023" in page


async def test_identical_figures_are_not_marked(office, db, tmp_path):
    web, settings = office
    await _log_2023(db, settings)
    await _upload_published(db, tmp_path, settings, {})
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/report?year=2023")
    diff = re.findall(r'class="num diff" data-cell="(\d+)-(\d+)"', page)
    assert diff and all(int(r) == 3 for r, _c in diff)  # only Table 四's row: the log has no cases
    assert len(diff) == 2 * sum(1 for v in F.table4() if v)


async def test_the_report_page_compares_with_the_previous_year_and_shows_failed_checks(office, db):
    web, settings = office
    await _log_2023(db, settings)
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/report?year=2023")
    text = text_of(page)
    assert T.REPORT_PREVIOUS.format(year=2022) in text
    row = re.search(r"一、本年新收政府信息公开申请数量</th><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>\s*"
                    r"<td class=\"num[^\"]*\">([^<]+)</td>", page)
    assert row.groups() == ("3", "1", "+2")
    carried = re.search(r"二、上年结转政府信息公开申请数量</th><td class=\"num\">(\d+)</td>", page)
    assert carried.group(1) == "1"
    assert T.REPORT_PUBLISHED_NONE.format(year=2023) in text
    await web.get("/desk/report?year=1999")
    assert web.status == 400
    await web.get("/desk/report?year=2023&format=bogus")
    assert web.status == 400
    # an application with an outcome no table knows: the checks fail and say which rows
    async with db.session() as s:
        from storage.models import Application
        app = (await s.execute(select(Application).where(Application.receipt_date == date(2023, 12, 20)))).scalar_one()
        app.outcome, app.closed_date, app.status = "made_up", date(2023, 12, 28), "closed"
        s.add(app)
        await s.commit()
    page = await web.get("/desk/report?year=2023")
    assert T.REPORT_CHECKS_FAILED in page and "made_up" in page and "/desk/report/2023/xlsx" not in page
    await web.get("/desk/report/2023/xlsx")
    assert web.status == 409


async def test_downloads_are_the_exporters_files(office, db):
    web, settings = office
    await _log_2023(db, settings)
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/report?year=2023")
    for kind in ("xlsx", "docx", "md", "png"):
        assert f'/desk/report/2023/{kind}?format=2021"' in page
    response = await web.client.get("/desk/report/2023/xlsx?format=2021")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == ["表三", "表四"]
    cells = [c.value for row in book["表三"].iter_rows() for c in row]
    assert "一、本年新收政府信息公开申请数量" in cells
    md = await (await web.client.get("/desk/report/2023/md")).text()
    assert md.startswith("# 2023年度政府信息公开工作年度报告统计表") and "| 一、本年新收政府信息公开申请数量 | 3 |" in md
    png = await (await web.client.get("/desk/report/2023/png")).read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    await web.get("/desk/report/2023/exe")
    assert web.status == 404
    async with db.session() as s:
        audit = list((await s.execute(select(AuditLog).where(AuditLog.action == "report"))).scalars())
    assert [a.detail for a in audit] == ["year 2023 format 2021 download xlsx", "year 2023 format 2021 download md",
                                         "year 2023 format 2021 download png"]
    assert {a.actor for a in audit} == {f"web:tg:{HANDLER}"}


# --- knowledge --------------------------------------------------------------------------------------------

async def _upload(web, path_or_bytes, name: str, *, to: str = "/desk/knowledge/upload", **fields) -> str:
    """Post a file like the page's upload form does (with the page's CSRF token)."""
    form = FormData()
    form.add_field("_csrf", web.token())
    for key, value in fields.items():
        form.add_field(key, value)
    data = path_or_bytes.read_bytes() if hasattr(path_or_bytes, "read_bytes") else path_or_bytes
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    web.response = await web.client.post(to, data=form)
    web.status, web.page = web.response.status, await web.response.text()
    return web.page


async def test_uploading_a_report_uses_the_same_ingest_and_its_errors(office, db):
    web, settings = office
    await web.sign_in(db, settings, ADMIN)
    await web.get("/desk/knowledge")
    assert T.KNOWLEDGE_NONE in web.page
    await _upload(web, REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt", "qinghe-2023.txt")
    assert web.status == 200 and T.KNOWLEDGE_RESULT["added"].split("：")[0] in web.page
    (report,) = await list_reports(db)
    assert (report.agency, report.year, report.source_name) == (HOME, 2023, "qinghe-2023.txt")
    assert "qinghe-2023.txt" in web.page
    # the public page answers from it at once (the web process reloaded its index)
    await web.get("/ask")
    await web.post("/ask", {"q": "青禾交通局23年网上申请的有多少件"})
    assert "187" in web.page
    await web.get("/desk/knowledge")
    await _upload(web, REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt", "again.txt")
    assert T.KNOWLEDGE_RESULT["unchanged"].format(agency=HOME, year=2023) in web.page
    await web.get("/desk/knowledge")
    await _upload(web, b"MZ\x90\x00binary", "virus.exe")
    assert web.status == 400 and "错误：virus.exe：不支持的文件类型 .exe" in text_of(web.page)
    await _upload(web, b"", "empty.txt")
    assert web.status == 400 and T.KNOWLEDGE_NO_FILE in web.page
    await _upload(web, "这不是年度报告，只是一段话。".encode(), "note.txt")
    assert web.status == 400 and "错误：note.txt：" in text_of(web.page)
    assert len(await list_reports(db)) == 1  # nothing stored by the failures
    await _upload(web, b"x", "../../etc/passwd.txt", year="20x3")
    assert web.status == 400 and T.KNOWLEDGE_BAD_YEAR in web.page


async def test_only_an_admin_uploads_or_removes_a_report(office, db):
    web, settings = office
    await ingest_paths(db, [REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"])
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/knowledge")
    assert web.status == 200 and 'name="file"' not in page and HOME in page
    await _upload(web, REPORTS_DIR / "qinghe-shi-jiaotongju-2024.html", "q.html")
    assert web.status == 403
    (report,) = await list_reports(db)
    await web.post(f"/desk/knowledge/{report.id}/remove", {}, token=web.token(page))
    assert web.status == 403 and len(await list_reports(db)) == 1
    admin = web
    admin.client.session.cookie_jar.clear()
    await admin.sign_in(db, settings, ADMIN)
    page = await admin.get("/desk/knowledge")
    await admin.post(f"/desk/knowledge/{report.id}/remove", {}, token=admin.token(page))
    assert T.KNOWLEDGE_REMOVED.format(agency=HOME, year=2023) in admin.page and await list_reports(db) == []
    async with db.session() as s:
        assert (await s.execute(select(Report))).first() is None


async def test_the_unanswered_questions_are_counted(office, db):
    web, settings = office
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    row = {"asked_at": now, "user_id": None, "answered": False, "answer": None, "report_id": None, "source": None,
           "score": 1.0}
    await log_questions(db, [{**row, "channel": "web", "text": "停车场收费标准"},
                             {**row, "channel": "telegram", "text": "停车场收费标准"},
                             {**row, "channel": "web", "text": "停车场收费标准"},
                             {**row, "channel": "web", "text": "公交卡退卡"},
                             {**row, "channel": "web", "text": "已经回答的问题", "answered": True}])
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/knowledge")
    rows = re.findall(r'<tr><td>([^<]+)</td><td class="num">(\d+)</td><td>[^<]+</td>\s*<td>([^<]*)</td></tr>', page)
    assert rows == [("停车场收费标准", "3", "Telegram、网站"), ("公交卡退卡", "1", "网站")]


# --- calendar ---------------------------------------------------------------------------------------------

async def test_the_calendar_shows_a_year_and_its_source(office, db):
    web, settings = office
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk/calendar?year=2024")
    assert T.CALENDAR_SOURCE.format(label=TC.SOURCE_LABEL["packaged"]) in page
    assert 'data-date="2024-10-01" title="2024-10-01 法定节假日' in page  # 国庆节
    assert 'class="day-adjusted" data-date="2024-09-29"' in page  # a Sunday worked (调休)
    assert 'class="day-adjusted" data-date="2024-10-12"' in page  # and a Saturday
    assert 'class="day-rest" data-date="2024-10-19"' in page
    assert T.CALENDAR_WORKDAYS.format(count=251) in page
    page = await web.get(f"/desk/calendar?year={H.local_today(settings).year + 4}")
    assert TC.SOURCE_LABEL["provisional"] in page
    assert 'name="file"' not in page  # importing is for admins


async def test_importing_a_schedule_checks_every_row_and_makes_the_year_official(office, db):
    web, settings = office
    year = H.local_today(settings).year + 4
    await web.sign_in(db, settings, ADMIN)
    await web.get(f"/desk/calendar?year={year}")
    bad = f"date,type,name\n{year}-02-30,holiday,春节\n{year}-01-01,vacation,元旦\n".encode()
    page = await _upload(web, bad, "bad.csv", to="/desk/calendar/import")
    assert web.status == 400 and T.CALENDAR_IMPORT_FAILED in page and "第2行" in page and "第3行" in page
    saturday = next(date(year, 1, d) for d in range(2, 9) if date(year, 1, d).weekday() == 5)
    good = f"date,type,name\n{year}-01-01,holiday,元旦\n{saturday},workday,调休\n".encode()
    page = await _upload(web, good, "国务院办公厅通知.csv", to="/desk/calendar/import")
    assert T.CALENDAR_IMPORTED.format(years=year) in page and T.CALENDAR_SOURCE.format(
        label=TC.SOURCE_LABEL["official"]) in page
    assert "国务院办公厅通知.csv" in page and f'class="day-adjusted" data-date="{saturday}"' in page
    async with db.session() as s:
        audit = list((await s.execute(select(AuditLog).where(AuditLog.action == "holidays.import"))).scalars())
    assert [a.actor for a in audit] == [f"web:tg:{ADMIN}"]
