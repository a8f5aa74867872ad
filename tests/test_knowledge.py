"""Report ingestion and parsing: every layout of the shared reports, bad input, idempotency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from knowledge.extract import ExtractError, extract_lines
from knowledge.parse import TABLE3_COLUMNS, parse_report
from tests.conftest import REPORTS_DIR

runner = CliRunner()


def parsed(name: str):
    return parse_report(extract_lines(REPORTS_DIR / name))


def cell(report, row_prefix: str, col: str):
    found = [c for c in report.cells if (c.row_label or "").endswith(row_prefix) and c.col_label == col]
    assert found, f"no cell {row_prefix} / {col}"
    return found[0]


@pytest.mark.parametrize(
    "name, agency, year, layout",
    [
        ("jining-kejiju-2018.txt", "济宁市科学技术局", 2018, "legacy"),
        ("chengwan-qu-shuiwuju-2017.txt", "澄湾区水务局", 2017, "legacy"),
        ("qinghe-shi-jiaotongju-2023.txt", "青禾市交通运输局", 2023, "2021"),
        ("qinghe-shi-jiaotongju-2024.html", "青禾市交通运输局", 2024, "2021"),
        ("yunling-xian-renmin-zhengfu-2023.txt", "云岭县人民政府", 2023, "2021"),
    ],
)
def test_title_agency_year_layout(name, agency, year, layout):
    report = parsed(name)
    assert (report.agency, report.year, report.layout) == (agency, year, layout)
    assert "年度报告" in report.title
    assert len(report.sections) >= 6


@pytest.mark.parametrize(
    "name", ["qinghe-shi-jiaotongju-2023.txt", "qinghe-shi-jiaotongju-2024.html", "yunling-xian-renmin-zhengfu-2023.txt"]
)
def test_table3_is_complete_and_balances(name):
    """25 rows × 7 columns, and every column balances: 新收 + 上年结转 = 总计 + 结转下年度."""
    report = parsed(name)
    table3 = [c for c in report.cells if c.col_label in TABLE3_COLUMNS]
    assert len(table3) == 25 * 7
    for col in TABLE3_COLUMNS:
        value = lambda row: int(cell(report, row, col).value)  # noqa: E731
        new = int(next(c.value for c in table3 if c.row_label.startswith("一、本年新收") and c.col_label == col))
        carried_in = int(next(c.value for c in table3 if c.row_label.startswith("二、上年结转") and c.col_label == col))
        carried_out = int(next(c.value for c in table3 if c.row_label.startswith("四、结转下年度") and c.col_label == col))
        assert new + carried_in == value("（七）总计") + carried_out


def test_table3_groups_and_columns_in_text_layouts():
    report = parsed("qinghe-shi-jiaotongju-2023.txt")
    c = cell(report, "4.保护第三方合法权益", "总计")
    assert c.value == "12" and "（三）不予公开" in c.context and c.unit == "件"
    assert cell(report, "一、本年新收政府信息公开申请数量", "商业企业").value == "26"
    yunling = parsed("yunling-xian-renmin-zhengfu-2023.txt")  # one cell per line
    assert cell(yunling, "一、本年新收政府信息公开申请数量", "法律服务机构").value == "22"


def test_table4_fifteen_cells_and_table2_units():
    report = parsed("yunling-xian-renmin-zhengfu-2023.txt")  # ` | `-separated
    table4 = [c for c in report.cells if c.col_label and " · " in c.col_label]
    assert [c.value for c in table4] == "14 3 2 2 21 6 1 1 2 10 4 0 1 0 5".split()
    fee = [c for c in report.cells if c.row_label == "行政事业性收费"][0]
    assert (fee.value, fee.unit) == ("1587.36", "万元")


def test_html_rowspan_colspan_and_clutter():
    report = parsed("qinghe-shi-jiaotongju-2024.html")
    assert cell(report, "1.本机关不掌握相关政府信息", "总计").value == "53"
    permit = [c for c in report.cells if c.row_label == "行政许可"]
    assert [c.value for c in permit] == ["21057"]  # colspan must not repeat a value
    texts = " ".join(s.text for s in report.sentences)
    assert "function" not in texts and "无障碍浏览" not in texts
    assert report.published == "2025年1月22日"


def test_legacy_statistics_table_rows():
    report = parsed("jining-kejiju-2018.txt")
    online = [c for c in report.cells if c.row_label.endswith("网络申请数")][0]
    assert (online.value, online.unit, online.table) == ("1", "件", "三、依申请公开情况")
    empty = [c for c in report.cells if c.row_label.endswith("延期办结数")][0]
    assert empty.value is None  # empty in the source, not invented
    chengwan = parsed("chengwan-qu-shuiwuju-2017.txt")
    training = [c for c in chengwan.cells if c.row_label.endswith("接受培训人员数")][0]
    assert (training.value, training.unit) == ("85", "人次")


def test_docx_report_is_read(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("东川市财政局2022年政府信息公开工作年度报告")
    doc.add_paragraph("一、总体情况")
    doc.add_paragraph("2022年，东川市财政局全年主动公开政府信息812条。")
    doc.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = doc.add_table(rows=2, cols=8)
    for i, text in enumerate(["", *TABLE3_COLUMNS]):
        table.rows[0].cells[i].text = text
    for i, text in enumerate(["一、本年新收政府信息公开申请数量", "5", "2", "0", "0", "1", "0", "8"]):
        table.rows[1].cells[i].text = text
    path = tmp_path / "report.docx"
    doc.save(path)
    report = parse_report(extract_lines(path))
    assert (report.agency, report.year) == ("东川市财政局", 2022)
    assert cell(report, "一、本年新收政府信息公开申请数量", "商业企业").value == "2"


def _text_pdf(path: Path, lines: list[str]) -> None:
    """A real text PDF (embedded CJK font), as an office's export would be."""
    import os

    import matplotlib
    import pylopdf_fonts_zh_cn
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = os.path.join(os.path.dirname(pylopdf_fonts_zh_cn.__file__), "NotoSansSC-Regular.otf")
    prop = font_manager.FontProperties(fname=font)
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = Figure(figsize=(8.3, 11.7))
        for i, line in enumerate(lines):
            fig.text(0.04, 0.96 - i * 0.03, line, fontproperties=prop, fontsize=9)
        fig.savefig(path)


def test_text_pdf_report_is_read_including_space_separated_table_rows(tmp_path):
    path = tmp_path / "report.pdf"
    _text_pdf(path, [
        "东川市财政局2022年政府信息公开工作年度报告",
        "一、总体情况",
        "2022年，东川市财政局全年主动公开政府信息812条。",
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 5 2 0 0 1 0 8",
        "二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1",
    ])
    report = parse_report(extract_lines(path))
    assert (report.agency, report.year) == ("东川市财政局", 2022)
    assert any("812条" in s.text for s in report.sentences)
    assert cell(report, "一、本年新收政府信息公开申请数量", "商业企业").value == "2"
    assert cell(report, "二、上年结转政府信息公开申请数量", "总计").value == "1"


@pytest.mark.parametrize(
    "content, suffix, message",
    [
        (b"", ".txt", "文件为空"),
        (b"\x00\x01\x02\x03binary\x00" * 50, ".txt", "二进制"),
        ("天气很好，我们去公园散步。".encode(), ".txt", "不是政府信息公开工作年度报告"),
        (b"%PDF-1.4 broken", ".pdf", "PDF"),
        (None, ".pdf", "扫描件"),  # a PDF without any text (a scan)
        (b"PK\x03\x04 not a real docx", ".docx", "Word"),
        (b"hello", ".xls", "不支持"),
    ],
)
def test_bad_files_refused_with_reason(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    if content is None:
        _text_pdf(path, [])
    else:
        path.write_bytes(content)
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code != 0
    assert message in result.stderr and str(path) in result.stderr


def test_ingest_is_all_or_nothing_idempotent_and_replaces(tmp_path):
    good = REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    result = runner.invoke(app, ["ingest", str(good), str(bad)])
    assert result.exit_code == 1
    assert "知识库中还没有" in runner.invoke(app, ["reports"]).stdout  # nothing half-imported

    first = runner.invoke(app, ["ingest", str(good)])
    assert first.exit_code == 0 and "已导入\t青禾市交通运输局\t2023" in first.stdout
    again = runner.invoke(app, ["ingest", str(good)])
    assert "未变化" in again.stdout

    newer = tmp_path / "qinghe-2023-corrected.txt"
    newer.write_text(good.read_text(encoding="utf-8").replace("63582714", "63582799"), encoding="utf-8")
    assert "已更新" in runner.invoke(app, ["ingest", str(newer)]).stdout
    listing = runner.invoke(app, ["reports"]).stdout
    assert len(listing.strip().splitlines()) == 1
    answer = json.loads(runner.invoke(app, ["ask", "--json", "青禾交通局2023年年报有疑问打什么电话"]).stdout)
    assert "63582799" in answer["answer"]

    report_id = listing.split("\t")[0]
    assert runner.invoke(app, ["reports", "remove", report_id]).exit_code == 0
    assert "知识库中还没有" in runner.invoke(app, ["reports"]).stdout
    assert runner.invoke(app, ["reports", "remove", report_id]).exit_code != 0


def test_flags_override_agency_and_year(tmp_path):
    result = runner.invoke(app, ["ingest", str(REPORTS_DIR / "jining-kejiju-2018.txt"), "--agency", "济宁市科技局", "--year", "2019"])
    assert result.exit_code == 0 and "\t2019\t" in result.stdout


def test_extract_rejects_unknown_encoding(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(128, 256)) * 40)
    with pytest.raises(ExtractError):
        extract_lines(path)


def test_title_with_the_year_first():
    lines = (REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt").read_text(encoding="utf-8").split("\n")
    lines[0] = "2023年度青禾市交通运输局政府信息公开工作年度报告"
    report = parse_report(lines)
    assert (report.agency, report.year) == ("青禾市交通运输局", 2023)
