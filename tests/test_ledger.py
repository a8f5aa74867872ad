import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from disclosure.deadlines import compute_deadline
from storage.ledger import COLUMNS, LedgerError, import_ledger, parse_ledger, write_template
from storage.models import Application, ApplicationEvent
from storage.statistics import build_report
from bot.texts.errors import error_text
from tests.bot_harness import opened
from tests.conftest import keys_for_tests
from tests.refusals import refused

HEADERS = [c.header for c in COLUMNS]


def _fill_template(path, rows):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["台账"]
    for r in rows:
        ws.append([r.get(h) for h in HEADERS])
    wb.save(path)
    return path


GOOD = [
    # carried in from 2024, closed in 2025 within an extension
    {"收到申请日期": date(2024, 12, 2), "申请人类型": "自然人", "申请人姓名或名称": "张三", "申请渠道": "网络",
     "申请内容": "某文件的全文", "是否延期": "是", "延期工作日数": 10, "办结日期": date(2025, 1, 6),
     "办理结果": "予以公开"},
    {"编号": "济科公开〔2025〕1号", "收到申请日期": datetime(2025, 3, 3), "申请人类型": "商业企业",
     "申请人姓名或名称": "某公司", "申请渠道": "信函", "答复期限": "2025-03-31", "办结日期": "2025/03/20",
     "办理结果": "涉及商业秘密"},
    {"收到申请日期": "2025年12月1日", "申请人类型": "法律服务机构", "申请人姓名或名称": "某律所",
     "申请渠道": "传真", "是否延期": "否"},
    {"收到申请日期": "2025-06-10", "申请人类型": "科研机构", "申请人姓名或名称": "某所", "申请渠道": "当面",
     "办结日期": "2025-06-11", "办理结果": "unable_not_this_agency"},
]


async def _count(db, model=Application):
    async with db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_template_then_import_fills_the_report(db, tmp_path):
    from openpyxl import load_workbook

    path = write_template(tmp_path / "ledger.xlsx")
    wb = load_workbook(path)
    assert [c.value for c in wb["台账"][1]] == HEADERS
    assert wb["说明"]["A1"].value == "列名"
    _fill_template(path, GOOD)

    result = await import_ledger(db, path)
    assert result.count == 4
    assert result.numbers[1] == "济科公开〔2025〕1号"
    assert result.numbers[0] == "2024-0001" and result.numbers[2] == "2025-0002"

    async with db.session() as s:
        apps = {opened(db, a).name: a for a in (await s.execute(select(Application))).scalars()}
        exts = (await s.execute(select(ApplicationEvent).where(ApplicationEvent.kind == "extension"))).scalars().all()
    zhang = apps["张三"]
    base = compute_deadline(date(2024, 12, 2))
    assert zhang.original_due == base.due  # computed from the working calendar
    assert zhang.reply_due > zhang.original_due and zhang.status == "closed"
    assert [e.application_id for e in exts] == [zhang.id]
    assert apps["某公司"].original_due == date(2025, 3, 31)
    assert apps["某公司"].outcome == "deny_trade_secret"
    assert apps["某律所"].status == "open" and apps["某律所"].closed_date is None

    t = await build_report(db, 2025, "2021")
    assert t.table3["carried_in"]["natural_person"] == 1
    assert t.table3["new_received"]["total"] == 3
    assert t.table3["r_deny_third_party"]["org_business"] == 1
    assert t.table3["r_unable_not_held"]["org_research"] == 1
    assert t.table3["carried_out"]["org_legal_service"] == 1
    leg = await build_report(db, 2025, "legacy")
    assert zhang.original_due == date(2024, 12, 30) and zhang.reply_due == date(2025, 1, 14)
    assert leg.rows["apps_closed.extended"] == 1  # closed 2025-01-06: after 12-30, within the extension
    assert leg.rows["apps_closed.on_time"] == 2 and leg.notes["apps_closed.late"] == 0
    assert leg.rows["apps_received.fax"] == 1 and leg.rows["replies.not_this_agency"] == 1


BAD_CSV = """收到申请日期,申请人类型,申请人姓名或名称,申请渠道,办结日期,办理结果,是否延期
2025-01-05,自然人,好人,网络,2025-01-10,予以公开,否
2025-13-01,自然人,李四,网络,,,
2025-01-05,外星人,王五,飞鸽,2025-01-04,予以公开,
2025-01-05,自然人,,网络,2025-01-10,,
,,,,,,
2025-02-01,商业企业,某公司,信函,2025-02-10,随便处理,也许
"""


async def test_bad_rows_are_reported_by_row_number_and_nothing_is_imported(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    with pytest.raises(LedgerError) as err:
        await import_ledger(db, path)
    rows = sorted({r for r, _ in err.value.errors})
    assert rows == [3, 4, 5, 7]  # row 2 is fine, row 6 is blank and skipped
    msg = error_text(err.value)
    assert "第 3 行：“收到申请日期”不是有效日期：2025-13-01" in msg
    assert "第 4 行：“申请人类型”的值“外星人”无法识别" in msg
    assert "第 4 行：“申请渠道”的值“飞鸽”无法识别" in msg
    assert "第 4 行：办结日期 2025-01-04 早于收到申请日期 2025-01-05" in msg
    assert "第 5 行：“申请人姓名或名称”不能为空" in msg
    assert "第 5 行：已填写办结日期，但未填写“办理结果”" in msg
    assert "第 7 行：“办理结果”的值“随便处理”无法识别" in msg
    assert "第 7 行：“是否延期”的值“也许”无法识别" in msg
    assert await _count(db) == 0


async def test_missing_required_column_and_gbk_csv(db, tmp_path):
    p = tmp_path / "cols.csv"
    p.write_text("收到申请日期,申请人姓名或名称\n2025-01-01,x\n", encoding="utf-8")
    with refused(LedgerError, "申请人类型、申请渠道"):
        parse_ledger(p)
    g = tmp_path / "gbk.csv"
    g.write_bytes("受理日期,申请人情况,申请人,申请方式,备注\n2025-04-01,公民,赵六,邮寄,无\n".encode("gbk"))
    rows, warnings = parse_ledger(g)
    assert rows[0].values["applicant_type"] == "natural_person" and rows[0].values["channel"] == "letter"
    assert warnings and "备注" in error_text(warnings[0])


async def test_number_clash_with_existing_application_refuses_everything(db, tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("编号,收到申请日期,申请人类型,申请人姓名或名称,申请渠道\n"
                 "A-1,2025-04-01,自然人,甲,网络\n", encoding="utf-8")
    await import_ledger(db, p)
    q = tmp_path / "b.csv"
    q.write_text("编号,收到申请日期,申请人类型,申请人姓名或名称,申请渠道\n"
                 "B-1,2025-04-02,自然人,乙,网络\nA-1,2025-04-03,自然人,丙,网络\nB-1,2025-04-04,自然人,丁,网络\n",
                 encoding="utf-8")
    with pytest.raises(LedgerError) as err:
        await import_ledger(db, q)
    assert "第 4 行" in error_text(err.value)  # duplicate B-1 within the file
    q.write_text("编号,收到申请日期,申请人类型,申请人姓名或名称,申请渠道\n"
                 "B-1,2025-04-02,自然人,乙,网络\nA-1,2025-04-03,自然人,丙,网络\n", encoding="utf-8")
    with refused(LedgerError, "第 3 行：编号 A-1 重复"):
        await import_ledger(db, q)
    assert await _count(db) == 1


def test_cli_import_and_template(tmp_path, db_url):
    from bot.cli import app
    from storage.db import open_database

    runner = CliRunner()
    tpl = tmp_path / "t.xlsx"
    res = runner.invoke(app, ["applications", "template", str(tpl)])
    assert res.exit_code == 0 and tpl.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    res = runner.invoke(app, ["applications", "import", str(bad)])
    assert res.exit_code == 1 and "第 3 行" in res.stderr and "未导入任何数据" in res.stderr
    _fill_template(tpl, GOOD)
    res = runner.invoke(app, ["applications", "import", str(tpl)])
    assert res.exit_code == 0, res.output
    assert "已导入 4 件申请" in res.stdout

    async def count():
        db = await open_database(db_url, keys=keys_for_tests())
        try:
            return await _count(db)
        finally:
            await db.dispose()

    assert asyncio.run(count()) == 4
