"""/report and /stats through the real dispatcher (bot.factory.create_dispatcher) and the in-process
Bot API; the uploaded files are taken from the recorded aiogram method objects and re-opened."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import docx
import openpyxl
import pytest
from aiogram.methods import SendDocument, SendPhoto
from sqlmodel import select

from bot.local_session import LocalSession
from bot.settings import Settings
from bot.texts import common as C
from bot.texts import reports as T
from handlers.reports import split_message
from storage import handling as H
from storage.models import Application, ApplicationEvent, AuditLog, QuestionLog
from storage.staff import add_staff
from tests import scripted_year as sy
from tests.bot_harness import Chat

ADMIN = 9000001
HANDLER = 444
CITIZEN = 31337


class RecordingSession(LocalSession):
    """LocalSession that also keeps the method objects (their InputFile payloads included)."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: list = []

    async def make_request(self, bot, method, timeout=None):
        self.methods.append(method)
        return await super().make_request(bot, method, timeout)

    def documents(self, chat_id: int) -> list[SendDocument]:
        return [m for m in self.methods if isinstance(m, SendDocument) and m.chat_id == chat_id]

    def photos(self, chat_id: int) -> list[SendPhoto]:
        return [m for m in self.methods if isinstance(m, SendPhoto) and m.chat_id == chat_id]


@pytest.fixture
def today(monkeypatch):
    holder = {"d": date(2026, 11, 25)}  # a Wednesday
    monkeypatch.setattr(H, "local_today", lambda settings=None, now=None: holder["d"])
    return holder


@pytest.fixture
async def chat(db, today):
    await add_staff(db, HANDLER, "handler", name="王科员")
    settings = Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST", staff_ids=[ADMIN])
    return Chat(db, settings=settings, session=RecordingSession())


async def denied(db) -> list[AuditLog]:
    async with db.session() as s:
        return list((await s.execute(select(AuditLog).where(AuditLog.allowed.is_(False)))).scalars())


async def test_report_sends_message_xlsx_docx_and_chart(db, chat):
    await sy.load(db)
    sent = await chat.say("/report 2025", user=HANDLER)
    texts = [m.text for m in sent if m.chat_id == HANDLER]
    assert texts and all(len(t) <= 4096 for t in texts)
    body = "\n".join(texts)
    assert body.startswith("2025年度 表三")
    assert "（七）总计：11" in body
    # carry-out (N8 natural person, C2 business) shows with the applicant split
    assert any(line.endswith("：2（自然人 1，商业企业 1）") and "结转下年度" in line for line in body.splitlines())

    docs = chat.session.documents(HANDLER)
    photos = chat.session.photos(HANDLER)
    assert [d.document.filename.rsplit(".", 1)[1] for d in docs] == ["xlsx", "docx"]
    assert len(photos) == 1 and photos[0].photo.filename.endswith(".png")
    assert photos[0].photo.data.startswith(b"\x89PNG\r\n\x1a\n") and len(photos[0].photo.data) > 5000
    assert "2025" in photos[0].caption and "Excel" in docs[0].caption and "Word" in docs[1].caption

    wb = openpyxl.load_workbook(io.BytesIO(docs[0].document.data))
    cells = {str(c.value).strip(): c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    for label in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "总计",
                  "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"):
        assert any(label in k for k in cells), label
    new_row = next(c for k, c in cells.items() if "本年新收" in k)
    ws = new_row.parent
    values = [ws.cell(row=new_row.row, column=col).value for col in range(1, ws.max_column + 1)]
    assert values[-1] == 11  # 总计 column of 本年新收

    document = docx.Document(io.BytesIO(docs[1].document.data))
    doc_text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "本年新收" in doc_text and "结转下年度" in doc_text

    async with db.session() as s:
        ok = list((await s.execute(select(AuditLog).where(AuditLog.action == "report"))).scalars())
    assert [(a.actor, a.allowed) for a in ok] == [(f"tg:{HANDLER}", True)]


async def test_report_defaults_to_the_current_year(db, chat):
    sent = await chat.say("/report", user=ADMIN)  # env admin, empty database
    assert sent[0].text.startswith("2026年度 表三")
    assert len(chat.session.documents(ADMIN)) == 2 and len(chat.session.photos(ADMIN)) == 1


@pytest.mark.parametrize("arg, expected", [
    ("abc", T.REPORT_BAD_YEAR),
    ("20x5", T.REPORT_BAD_YEAR),
    ("1800", T.REPORT_YEAR_RANGE.format(first=2008, last=2026)),
    ("2099", T.REPORT_YEAR_RANGE.format(first=2008, last=2026)),
])
async def test_bad_year_is_a_polite_error(db, chat, arg, expected):
    sent = await chat.say(f"/report {arg}", user=HANDLER)
    assert [m.text for m in sent] == [expected]
    assert not chat.session.documents(HANDLER) and not chat.session.photos(HANDLER)


async def test_non_staff_refused_and_audited(db, chat):
    await sy.load(db)
    assert [m.text for m in await chat.say("/report 2025", user=CITIZEN)] == [C.NOT_STAFF]
    assert [m.text for m in await chat.say("/stats", user=CITIZEN)] == [C.NOT_STAFF]
    assert not chat.session.documents(CITIZEN) and not chat.session.photos(CITIZEN)
    rows = await denied(db)
    assert [(r.actor, r.action) for r in rows] == [(f"tg:{CITIZEN}", "denied:report"),
                                                   (f"tg:{CITIZEN}", "denied:stats")]


async def _scripted_stats_data(db) -> None:
    D = date.fromisoformat
    # name, receipt, closed, original_due, reply_due, extension
    apps = [
        ("due-this-week", "2026-11-02", None, "2026-11-27", "2026-11-27", False),
        ("overdue", "2026-10-01", None, "2026-10-29", "2026-10-29", False),
        ("open", "2026-11-20", None, "2026-12-18", "2026-12-18", False),
        ("not-yet-received", "2026-11-26", None, "2026-12-24", "2026-12-24", False),
        ("on-time", "2026-03-01", "2026-03-10", "2026-03-20", "2026-03-20", False),
        ("late", "2026-04-01", "2026-05-10", "2026-05-01", "2026-05-01", False),
        ("extended", "2026-05-01", "2026-06-15", "2026-06-01", "2026-06-29", True),
        ("closed-last-year", "2025-12-01", "2025-12-20", "2025-12-29", "2025-12-29", False),
    ]
    async with db.session() as s:
        for i, (name, r, c, od, rd, ext) in enumerate(apps, 1):
            rec = D(r)
            app = Application(year=rec.year, seq=i, number=f"{rec.year}-{i:04d}", applicant_type="natural_person",
                              name=name, description=name, channel="online", receipt_date=rec,
                              status="closed" if c else "open", outcome="open" if c else None,
                              closed_date=D(c) if c else None, original_due=D(od), reply_due=D(rd))
            s.add(app)
            await s.flush()
            if ext:
                s.add(ApplicationEvent(application_id=app.id, kind="extension", on_date=D(od), days=20))
        for text, answered, at in [
            ("unanswered this month", False, datetime(2026, 11, 3, 1, tzinfo=timezone.utc)),
            ("answered this month", True, datetime(2026, 11, 3, 1, tzinfo=timezone.utc)),
            ("Nov 1 01:00 Shanghai", False, datetime(2026, 10, 31, 17, tzinfo=timezone.utc)),
            ("Oct 31 23:00 Shanghai", False, datetime(2026, 10, 31, 15, tzinfo=timezone.utc)),
        ]:
            s.add(QuestionLog(text=text, answered=answered, asked_at=at))
        await s.commit()


async def test_stats_numbers(db, chat):
    await _scripted_stats_data(db)
    sent = await chat.say("/stats", user=HANDLER)
    assert len(sent) == 1
    text = sent[0].text
    assert len(text) <= 4096
    assert "2026-11-25" in text
    assert "在办申请：3 件" in text
    assert "本周到期：1 件" in text
    assert "已逾期未办结：1 件" in text
    # closed this year: on-time, late, extended -> within the limit 2 of 3
    assert "今年按期办结率：66.7%（已办结 3 件，其中延期 1 件、逾期 1 件）" in text
    assert "本月未能解答的咨询：2 条" in text


async def test_stats_on_an_empty_database(db, chat):
    text = (await chat.say("/stats", user=ADMIN))[0].text
    assert "在办申请：0 件" in text and T.STATS_NO_RATE in text


def test_split_message_keeps_every_line_within_the_limit():
    text = "\n".join(f"第{i}行：" + "数" * (i % 50) for i in range(600))
    chunks = split_message(text, 4096)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks) == text
    long_line = "长" * 9000
    assert [len(c) for c in split_message(long_line, 4096)] == [4096, 4096, 808]
    assert split_message("") == [""]


@pytest.mark.parametrize("year, layout, marker", [
    (2018, "legacy", "（二）申请办结数"),
    (2020, "2019", "（六）其他处理："),
    (2021, "2021", "2021年度 表三"),
])
async def test_report_picks_the_layout_of_the_year(db, chat, year, layout, marker):
    """Chat /report: the pre-2019 table before 2019, the 2019 trial format for 2019–2020, 2021 after."""
    from storage.models import Application

    async with db.session() as s:  # one application closed in that year, so every layout has a figure
        s.add(Application(year=year, seq=1, number=f"{year}-0001", applicant_type="natural_person", name="甲",
                          description="某文件的全文", receipt_date=date(year, 3, 2), closed_date=date(year, 3, 20),
                          status="closed", outcome="other_misc"))
        await s.commit()
    sent = await chat.say(f"/report {year}", user=HANDLER)
    assert marker in "\n".join(m.text for m in sent)
    names = [d.document.filename for d in chat.session.documents(HANDLER)]
    assert names == [f"政府信息公开统计表_{year}_{layout}.xlsx", f"政府信息公开统计表_{year}_{layout}.docx"]
    async with db.session() as s:
        audit_row = (await s.execute(select(AuditLog).where(AuditLog.action == "report"))).scalars().one()
    assert audit_row.detail == f"year {year} format {layout}"
