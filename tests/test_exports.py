import asyncio
import json
import warnings

import pytest
from typer.testing import CliRunner

from bot import exports
from disclosure import render
from disclosure.tables import (
    COLUMNS, LEGACY_ROWS, TABLE3_NOTE, TABLE4_KEYS, compute_report, data_rows,
)
from tests.conftest import keys_for_tests
from tests import scripted_year as sy


def _with_db(db_url, fn):
    """Run ``fn(db)`` on the test database outside any event loop (the CLI starts its own)."""
    from storage.db import open_database

    async def go():
        db = await open_database(db_url, keys=keys_for_tests())
        try:
            return await fn(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def t2021():
    return compute_report(2025, "2021", sy.records(), sy.case_records())


def _merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_xlsx_table3_and_table4_cell_by_cell(tmp_path, t2021):
    from openpyxl import load_workbook

    path = exports.write(t2021, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["表三", "表四"]
    ws = wb["表三"]
    assert ws["A3"].value == TABLE3_NOTE
    merged = _merged(ws)
    assert {"A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5"} <= merged
    assert [ws.cell(5, c).value for c in range(5, 10)] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert ws["E4"].value == "法人或其他组织" and ws["D4"].value == "自然人" and ws["J4"].value == "总计"
    rows = data_rows("2021")
    for i, r in enumerate(rows):
        sheet_row = 6 + i
        assert [ws.cell(sheet_row, 4 + k).value for k in range(7)] == [t2021.table3[r.key][c.key] for c in COLUMNS]
        labels = [ws.cell(sheet_row, c).value for c in (1, 2, 3)]
        assert r.label in labels, (r.key, labels)
    # 三、本年度办理结果 spans all 22 result rows; （三）不予公开 spans its 8 leaves
    assert "A8:A29" in merged and ws["A8"].value == "三、本年度办理结果"
    assert "B10:B17" in merged and ws["B10"].value == "（三）不予公开"
    assert ws["A6"].value == "一、本年新收政府信息公开申请数量" and "A6:C6" in merged
    assert ws["D6"].value == 5 and ws["J6"].value == 11 and ws["J30"].value == 2  # carried_out total

    ws4 = wb["表四"]
    assert ws4["A3"].value == "行政复议" and "A3:E4" in _merged(ws4)
    assert ws4["F3"].value == "行政诉讼" and "F3:O3" in _merged(ws4)
    assert ws4["F4"].value == "未经复议直接起诉" and ws4["K4"].value == "复议后起诉"
    assert [ws4.cell(5, c).value for c in range(1, 6)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [ws4.cell(6, c).value for c in range(1, 16)] == [t2021.table4[k] for k in TABLE4_KEYS]
    assert [ws4.cell(6, c).value for c in range(1, 16)] == [1, 0, 0, 1, 2, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1]


def test_xlsx_2019_has_single_other_row(tmp_path):
    from openpyxl import load_workbook

    t = compute_report(2025, "2019", sy.records(), sy.case_records())
    ws = load_workbook(exports.write(t, tmp_path / "r.xlsx"))["表三"]
    labels = [ws.cell(r, 2).value for r in range(6, 6 + 23)]
    assert "（六）其他处理" in labels
    row = 6 + labels.index("（六）其他处理")
    assert [ws.cell(row, c).value for c in range(4, 11)] == [1, 0, 0, 1, 0, 0, 2]


def test_xlsx_legacy_cell_by_cell(tmp_path):
    from openpyxl import load_workbook

    t = compute_report(2025, "legacy", sy.records(), sy.case_records())
    ws = load_workbook(exports.write(t, tmp_path / "r.xlsx"))["统计表"]
    assert [ws.cell(3, c).value for c in (1, 2, 3)] == ["统计指标", "单位", "统计数"]
    for i, r in enumerate(LEGACY_ROWS):
        label, unit, value = (ws.cell(4 + i, c).value for c in (1, 2, 3))
        assert label.strip("\u3000") == r.label
        if r.data:
            assert unit == "件" and value == t.rows[r.key] == sy.EXPECTED_LEGACY_NONZERO.get(r.key, 0)


def test_docx_tables_cell_by_cell(tmp_path, t2021):
    from docx import Document

    doc = Document(str(exports.write(t2021, tmp_path / "r.docx")))
    t3, t4 = doc.tables
    assert t3.cell(0, 0).text == TABLE3_NOTE and t3.cell(2, 2).text == TABLE3_NOTE  # merged block
    assert t3.cell(0, 3).text == t3.cell(0, 9).text == "申请人情况"
    assert t3.cell(1, 4).text == t3.cell(1, 8).text == "法人或其他组织"
    assert t3.cell(1, 3).text == t3.cell(2, 3).text == "自然人"
    for i, r in enumerate(data_rows("2021")):
        assert [t3.cell(3 + i, 3 + k).text for k in range(7)] == [str(t2021.table3[r.key][c.key]) for c in COLUMNS]
        assert t3.cell(3 + i, 2).text == r.label or r.key in ("new_received", "carried_in", "carried_out") \
            or r.level == 1
    assert t3.cell(5, 0).text == t3.cell(26, 0).text == "三、本年度办理结果"
    assert [t4.cell(3, c).text for c in range(15)] == [str(t2021.table4[k]) for k in TABLE4_KEYS]
    assert t4.cell(0, 0).text == t4.cell(1, 4).text == "行政复议"
    assert t4.cell(1, 5).text == "未经复议直接起诉" and t4.cell(1, 14).text == "复议后起诉"


def test_markdown(tmp_path, t2021):
    text = exports.write(t2021, tmp_path / "r.md").read_text(encoding="utf-8")
    assert "| 一、本年新收政府信息公开申请数量 | 5 | 2 | 1 | 1 | 1 | 1 | 11 |" in text
    assert "| 　　4.保护第三方合法权益 | 1 | 1 | 0 | 0 | 0 | 0 | 2 |" in text
    assert "| 1 | 0 | 0 | 1 | 2 | 0 | 0 | 0 | 1 | 1 | 0 | 1 | 0 | 0 | 1 |" in text
    leg = compute_report(2025, "legacy", sy.records(), sy.case_records())
    text = render.to_markdown(leg)
    assert "| 　　2.延期办结数 | 件 | 2 |" in text and "逾期办结数 |" not in text
    assert "注：本年办结的申请中，逾期办结 1 件" in text
    assert "以前年度立案、本年审结的案件" in text and "行政复议（2024-11-01 立案，2025-01-10 审结）：维持" in text


def test_chart_png_renders_chinese_without_missing_glyphs(tmp_path, t2021):
    assert exports.chinese_font_path() is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = exports.render_chart(t2021, tmp_path / "c.png")
    assert not [w for w in caught if "missing from" in str(w.message)], [str(w.message) for w in caught]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    # plain-dict input works too (no outcomes -> placeholder text)
    exports.render_chart({"year": 2030, "received_by_month_channel": {"online": [1] * 12}}, tmp_path / "d.png")


def test_unknown_suffix_is_refused(tmp_path, t2021):
    with pytest.raises(ValueError, match=".pdf"):
        exports.write(t2021, tmp_path / "r.pdf")


def test_cli_report_json_and_files(db_url, tmp_path):
    from bot.cli import app

    _with_db(db_url, sy.load)
    runner = CliRunner()
    res = runner.invoke(app, ["report", "--year", "2025", "--format", "2021", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert list(data) == ["year", "format", "table3", "table4"]
    assert data["table3"]["new_received"]["total"] == 11 and data["table4"]["review_total"] == 2
    res = runner.invoke(app, ["report", "--year", "2025", "--format", "legacy", "--json"])
    legacy = json.loads(res.stdout)
    assert "apps_closed.late" not in legacy["rows"] and legacy["notes"]["apps_closed.late"] == 1
    res = runner.invoke(app, ["report", "--year", "2025", "--format", "legacy"])
    assert "注：本年办结的申请中，逾期办结 1 件" in res.stdout
    assert "（补充）" not in res.stdout
    for suffix in (".xlsx", ".docx", ".md", ".png"):
        out = tmp_path / f"r{suffix}"
        res = runner.invoke(app, ["report", "--year", "2025", "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 0
    res = runner.invoke(app, ["report", "--year", "2025"])
    assert "（七）总计：11" in res.stdout
    res = runner.invoke(app, ["report", "--year", "2025", "--format", "2020"])
    assert res.exit_code != 0 and "2020" in res.stderr


def test_cli_report_invariant_violation_fails_loudly(db_url):
    from datetime import date

    from bot.cli import app
    from storage.models import Application

    async def bad(db):
        async with db.session() as s:
            s.add(Application(year=2025, seq=1, number="2025-0001", applicant_type="org_research", name="x",
                              description="d", receipt_date=date(2025, 5, 1), closed_date=date(2025, 6, 1),
                              outcome=None, status="closed"))
            await s.commit()

    _with_db(db_url, bad)
    res = CliRunner().invoke(app, ["report", "--year", "2025", "--json"])
    assert res.exit_code == 1
    assert "unknown outcome None" in res.stderr and res.stdout == ""


def test_cli_cases_fill_table4():
    from bot.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["cases", "add", "review", "--filed", "2025-02-01"]).exit_code == 0
    assert runner.invoke(app, ["cases", "add", "lit_after_review", "--filed", "2025-03-01"]).exit_code == 0
    assert runner.invoke(app, ["cases", "add", "complaint", "--filed", "2025-03-02"]).exit_code == 0
    res = runner.invoke(app, ["cases", "close", "1", "--result", "corrected", "--decided", "2025-04-01"])
    assert res.exit_code == 0 and "纠正" in res.stdout
    res = runner.invoke(app, ["cases", "close", "1", "--result", "upheld", "--decided", "2025-04-02"])
    assert res.exit_code == 1 and "已审结" in res.stderr
    res = runner.invoke(app, ["cases", "add", "appeal", "--filed", "2025-03-01"])
    assert res.exit_code == 1 and "案件类型不正确" in res.stderr
    res = runner.invoke(app, ["cases", "list", "--pending", "--json"])
    assert [c["kind"] for c in json.loads(res.stdout)] == ["lit_after_review", "complaint"]
    t4 = json.loads(runner.invoke(app, ["report", "--year", "2025", "--json"]).stdout)["table4"]
    assert t4["review_corrected"] == 1 and t4["review_total"] == 1
    assert t4["lit_after_review_pending"] == 1 and t4["lit_after_review_total"] == 1
    legacy = json.loads(runner.invoke(app, ["report", "--year", "2025", "--format", "legacy", "--json"]).stdout)
    rows, notes = legacy["rows"], legacy["notes"]
    assert rows["reviews"] == 1 and rows["reviews.corrected"] == 1
    # §五/§六 count decided cases only (the totals add up); the pending ones are printed under the table
    assert rows["lawsuits"] == 0 and rows["complaints"] == 0
    assert notes["lawsuits.pending"] == 1 and notes["complaints.pending"] == 1
