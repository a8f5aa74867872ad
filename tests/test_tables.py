"""Statistics tables in every layout: run-together digits split under the tables' own arithmetic,
the same cells from TAB rows, Markdown, one cell per line, crawler text, PDF text layers, HTML and
real PDFs; ambiguous splits leave no invented cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.digits import Run, agreed, cumulative_not_less, groups_of_five_total, solutions, total_is_sum
from knowledge.extract import extract_lines
from knowledge.parse import TABLE3_COLUMNS, parse_report
from knowledge.tables import extract_tables
from tests import report_factory as rf


@pytest.mark.parametrize("text, count, check, expected", [
    ("640020470", 7, total_is_sum, ["64", "0", "0", "2", "0", "4", "70"]),
    ("200 000121", 7, total_is_sum, ["20", "0", "0", "0", "0", "1", "21"]),     # a stray space inside
    ("20 0 00 0 121", 7, total_is_sum, ["20", "0", "0", "0", "0", "1", "21"]),
    ("500000 5", 7, total_is_sum, ["5", "0", "0", "0", "0", "0", "5"]),
    ("10203120001200000", 15, groups_of_five_total, "1 0 2 0 3 12 0 0 0 12 0 0 0 0 0".split()),
    ("4251516", 2, cumulative_not_less, ["425", "1516"]),                      # this year, 历年累计
    ("206912106", 2, cumulative_not_less, ["2069", "12106"]),
    ("24252.311082", 1, None, ["24252.311082"]),                               # a fraction is one value
    ("35-15", 2, None, ["35", "-15"]),                                         # 本年增/减
    ("000", 3, None, ["0", "0", "0"]),
])
def test_digit_runs_split_uniquely(text, count, check, expected):
    assert agreed(solutions(Run.parse(text), count, check)) == expected


def test_ambiguous_runs_keep_only_what_every_split_agrees_on():
    # 22/0/0/0/0/3/25 or 2/20/0/0/0/3/25: the total and the zeros are known, the rest is not invented
    assert agreed(solutions(Run.parse("220000325"), 7, total_is_sum)) == [None, None, "0", "0", "0", "3", "25"]
    assert all(v is None for v in agreed(solutions(Run.parse("693665"), 3)))


def test_crawler_table3_resolved_by_the_column_equations():
    """新收 row 220000325 is ambiguous alone; the column balance decides 22/0."""
    text = ("一、本年新收政府信息公开申请数量220000325二、上年结转政府信息公开申请数量0000000三、本年度办理结果"
            "（一）予以公开200000020（四）无法提供1.本机关不掌握相关政府信息2000035（七）总计220000325"
            "四、结转下年度继续办理0000000 五、存在的主要问题及改进情况")
    cells = {(c.row_label, c.col_label): c.value for c in extract_tables(text).cells}
    assert cells[("一、本年新收政府信息公开申请数量", "自然人")] == "22"
    assert cells[("一、本年新收政府信息公开申请数量", "商业企业")] == "0"


LAYOUTS = {
    "tab": rf.tab_text,
    "markdown-generic-header": rf.markdown_text,
    "one-cell-per-line": rf.one_cell_per_line,
    "crawler-one-line": rf.crawler_text,
    "pdf-text-layer": rf.pdf_text_layer,
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_text_layout_gives_the_same_cells(layout):
    t3 = rf.table3()
    report = parse_report(LAYOUTS[layout](t3).split("\n"))
    got = {(c.row_label, c.col_label, c.value) for c in report.cells if c.col_label in TABLE3_COLUMNS
           or " · " in (c.col_label or "")}
    assert got == rf.expected_cells(t3)
    assert (report.agency, report.year, report.layout) == (rf.AGENCY, rf.YEAR, "2021")
    permits = [c.value for c in report.cells if c.row_label == "行政许可"]
    assert permits == ["1462"]
    assert not any("行政复议" in s.text and "结果维持" in s.text for s in report.sentences)  # no table text as prose


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".txt"])
def test_a_pdf_converters_markdown_file_is_read_as_text(tmp_path, suffix):
    t3 = rf.table3()
    path = tmp_path / f"report{suffix}"
    path.write_text(rf.markdown_text(t3), encoding="utf-8")
    report = parse_report(extract_lines(path))
    got = {(c.row_label, c.col_label, c.value) for c in report.cells if c.col_label in TABLE3_COLUMNS
           or " · " in (c.col_label or "")}
    assert got == rf.expected_cells(t3)
    assert (report.agency, report.year) == (rf.AGENCY, rf.YEAR)


def test_html_cms_page_gives_the_same_cells(tmp_path):
    t3 = rf.table3()
    path = tmp_path / "page.html"
    path.write_text(rf.html_page(t3), encoding="utf-8")
    report = parse_report(extract_lines(path))
    got = {(c.row_label, c.col_label, c.value) for c in report.cells if c.col_label in TABLE3_COLUMNS
           or " · " in (c.col_label or "")}
    assert got == rf.expected_cells(t3)
    assert "99999" not in " ".join(s.text for s in report.sentences)  # scripts are not text


@pytest.mark.parametrize("font", ["STSong-Light"])
def test_real_pdf_gives_the_same_cells_and_answers_as_its_source(tmp_path, font):
    pytest.importorskip("reportlab")
    t3 = rf.table3(seed=11)
    pdf = tmp_path / "report.pdf"
    rf.write_pdf(pdf, t3, font=font)
    from_pdf = parse_report(extract_lines(pdf))
    source = parse_report(rf.tab_text(t3).split("\n"))
    cells = lambda r: {(c.row_label, c.col_label, c.value) for c in r.cells}  # noqa: E731
    assert cells(from_pdf) == cells(source)
    assert (from_pdf.agency, from_pdf.year) == (rf.AGENCY, rf.YEAR)
    assert any("1286条" in s.text for s in from_pdf.sentences)


def test_matplotlib_pdf_with_another_font(tmp_path):
    """A PDF from another producer (matplotlib, embedded Noto Sans SC) with space-separated rows."""
    import os

    import matplotlib
    import pylopdf_fonts_zh_cn
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    t3 = rf.table3(seed=5)
    lines = rf.tab_text(t3).replace("\t", "  ").split("\n")
    font = os.path.join(os.path.dirname(pylopdf_fonts_zh_cn.__file__), "NotoSansSC-Regular.otf")
    prop = font_manager.FontProperties(fname=font)
    path = tmp_path / "report.pdf"
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = Figure(figsize=(8.3, 30))
        for i, line in enumerate(lines):
            fig.text(0.02, 0.99 - i * 0.0115, line, fontproperties=prop, fontsize=5)
        fig.savefig(path)
    report = parse_report(extract_lines(path))
    got = {(c.row_label, c.col_label, c.value) for c in report.cells if c.col_label in TABLE3_COLUMNS}
    assert got == {x for x in rf.expected_cells(t3) if x[1] in TABLE3_COLUMNS}


def test_pre2019_flattened_table_two_columns():
    text = ("标题: 岚屿县人民政府2013年政府信息公开工作年度报告\n====正文====\n"
            "一、概述 2013年全县主动公开政府信息1853条。 附件1：岚屿县人民政府2013年政府信息公开情况统计表 "
            "指标名称计量单位2013年度历年累计主动公开信息数条18535395其中：1.网站公开条171350172.政府公报公开条07"
            "受理依申请公开信息总数条728其中：1.当面申请数条0182.传真申请数条00")
    report = parse_report(text.split("\n"))
    cells = {(c.row_label, c.col_label): c.value for c in report.cells}
    assert cells[("主动公开信息数", "2013年度")] == "1853" and cells[("主动公开信息数", "历年累计")] == "5395"
    assert cells[("1.网站公开", "2013年度")] == "1713" and cells[("1.网站公开", "历年累计")] == "5017"
    assert cells[("1.当面申请数", "历年累计")] == "18"
    assert report.layout == "legacy"


def test_2019_trial_format_table2_columns():
    text = ("宁川市统计局2020年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（五）项\n"
            "信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政许可\t27\t-3\t418\n"
            "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
            "（六）其他处理\t0\t0\t0\t0\t0\t0\t0")
    report = parse_report(text.split("\n"))
    cells = {(c.row_label, c.col_label): c.value for c in report.cells}
    assert cells[("行政许可", "本年增/减")] == "-3" and cells[("行政许可", "处理决定数量")] == "418"
    assert report.layout == "2019"


def test_incomplete_table3_is_reported_at_ingest(tmp_path):
    from typer.testing import CliRunner

    from bot.cli import app

    t3 = rf.table3()
    text = rf.tab_text(t3).split("\n")
    cut = next(i for i, line in enumerate(text) if line.startswith("（二）部分公开"))
    path = tmp_path / "cut.txt"
    path.write_text("\n".join(text[:cut]), encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0 and "注意：表三只识别出 3/25 行" in result.stdout


FIXTURE_TEXTS = sorted((Path(__file__).parent / "fixtures" / "reports").glob("*.txt")) + sorted(
    p for d in ("heldout", "validation") for p in (Path(__file__).parent / "fixtures" / d / "reports").glob("*.txt"))


@pytest.mark.parametrize("source", FIXTURE_TEXTS, ids=lambda p: p.name)
def test_pdf_of_a_fixture_report_gives_the_same_structure(tmp_path, source):
    """Each of our text reports printed to PDF (wrapped paragraphs, drawn tables) reads back with the
    same agency, year and statistics cells."""
    pytest.importorskip("reportlab")
    lines = extract_lines(source)
    pdf = tmp_path / f"{source.stem}.pdf"
    rf.text_to_pdf(lines, pdf)
    original, printed = parse_report(lines), parse_report(extract_lines(pdf))
    assert (printed.agency, printed.year) == (original.agency, original.year)
    official = lambda r: {(c.row_label, c.col_label, c.value) for c in r.cells  # noqa: E731
                          if c.col_label in TABLE3_COLUMNS or " · " in (c.col_label or "")}
    assert official(printed) == official(original)
