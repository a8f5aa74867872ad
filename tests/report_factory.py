"""One fictional annual report (2021 format), written out in every layout real sites, crawlers and
PDF tools produce — so a test can check that each layout gives the same structured cells.

The figures balance as the official tables require: 总计 = the six applicant columns; per column
新收 + 上年结转 = （七）总计 + 结转下年度; each Table 四 总计 = its four results.
"""

from __future__ import annotations

import random
from pathlib import Path

from knowledge.tables import TABLE3_COLUMNS, TABLE3_ROWS, TABLE4_COLUMNS

AGENCY = "岚屿县交通运输局"
YEAR = 2023
TITLE = f"{AGENCY}{YEAR}年政府信息公开工作年度报告"
RESULT_ROWS = [i for i, r in enumerate(TABLE3_ROWS) if r.context.startswith("三、") and r.label not in ("（七）总计", "（六）其他处理")]
T3_LABELS = [r.label for r in TABLE3_ROWS if r.label != "（六）其他处理"]

NARRATIVE = [
    "一、总体情况",
    f"{YEAR}年，县交通运输局全年主动公开政府信息1286条，历年累计主动公开9534条。",
    "其中，通过局门户网站发布信息812条，通过“岚屿交通”微信公众号发布信息474条。",
    "如对本报告有疑问，请与岚屿县交通运输局办公室联系（地址：岚屿县港前路16号；电话：5521307；传真：5521308）。",
    "二、主动公开政府信息情况",
]
NARRATIVE_AFTER = [
    "五、存在的主要问题及改进情况",
    "一是政策解读形式单一；二是依申请公开答复文书仍需规范。",
    "六、其他需要报告的事项",
    f"{YEAR}年，本机关未收取信息处理费。",
]
TABLE2 = [("第二十条第（一）项", [("规章", ["0", "0", "0"]), ("行政规范性文件", ["3", "1", "27"])]),
          ("第二十条第（五）项", [("行政许可", ["1462"])]),
          ("第二十条第（六）项", [("行政处罚", ["318"]), ("行政强制", ["12"])]),
          ("第二十条第（八）项", [("行政事业性收费", ["36.5"])])]
TABLE2_HEADERS = {"第二十条第（一）项": ["本年制发件数", "本年废止件数", "现行有效件数"],
                  "第二十条第（五）项": ["本年处理决定数量"], "第二十条第（六）项": ["本年处理决定数量"],
                  "第二十条第（八）项": ["本年收费金额（单位：万元）"]}


def table3(seed: int = 3) -> dict[str, list[int]]:
    """A balanced Table 三: label → seven values."""
    rng = random.Random(seed)
    results = {TABLE3_ROWS[i].label: [0] * 6 for i in RESULT_ROWS}
    for label in results:
        if rng.random() < 0.5:
            results[label] = [rng.choice([0, 0, 1, 2, 5, 13, 24]) for _ in range(6)]
    total = [sum(v[c] for v in results.values()) for c in range(6)]
    carried_out = [rng.choice([0, 0, 1, 3]) for _ in range(6)]
    carried_in = [rng.choice([0, 0, 2]) for _ in range(6)]
    new = [total[c] + carried_out[c] - carried_in[c] for c in range(6)]
    if min(new) < 0:
        return table3(seed + 1)
    rows: dict[str, list[int]] = {T3_LABELS[0]: new, T3_LABELS[1]: carried_in}
    rows.update(results)
    rows["（七）总计"] = total
    rows["四、结转下年度继续办理"] = carried_out
    return {label: [*rows[label], sum(rows[label])] for label in T3_LABELS}


def table4() -> list[int]:
    review, direct, after = [4, 1, 0, 2], [2, 0, 1, 1], [1, 1, 0, 0]
    return [*review, sum(review), *direct, sum(direct), *after, sum(after)]


T3_HEADER = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", *TABLE3_COLUMNS]


def _rows(sep: str, t3: dict[str, list[int]]) -> list[str]:
    lines = []
    for caption, rows in TABLE2:
        lines.append(caption)
        lines.append(sep.join(["信息内容", *TABLE2_HEADERS[caption]]))
        lines.extend(sep.join([label, *values]) for label, values in rows)
    lines.append("三、收到和处理政府信息公开申请情况")
    lines.append(sep.join(T3_HEADER))
    lines.extend(sep.join([label, *map(str, values)]) for label, values in t3.items())
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines.append(sep.join(["行政复议", "行政诉讼"]))
    lines.append(sep.join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"]))
    lines.append(sep.join(map(str, table4())))
    return lines


def tab_text(t3) -> str:
    return "\n".join([TITLE, *NARRATIVE, *_rows("\t", t3), *NARRATIVE_AFTER])


def markdown_text(t3) -> str:
    """Markdown from a PDF converter: | rows, a generic header (数据1 … 数据7) over Table 三."""
    lines = [f"# {TITLE}", *NARRATIVE]
    for line in _rows("|", t3):
        if line.startswith("（本列数据"):
            line = "|".join(["项目", *(f"数据{i}" for i in range(1, 8))])
            lines.extend([f"| {line.replace('|', ' | ')} |", "|" + "---|" * 8])
            continue
        lines.append(f"| {line.replace('|', ' | ')} |" if "|" in line else f"## {line}")
    return "\n".join([*lines, *NARRATIVE_AFTER])


def one_cell_per_line(t3) -> str:
    out = [TITLE, *NARRATIVE]
    for line in _rows("\t", t3):
        out.extend(line.split("\t"))
    return "\n".join([*out, *NARRATIVE_AFTER])


def crawler_text(t3) -> str:
    """The crawler's text: header lines, then the whole page on one line, cells run together."""
    body = "".join(x.replace("\t", "") for x in [*NARRATIVE, *_rows("\t", t3), *NARRATIVE_AFTER])
    head = [f"# source: https://jtj.lanyu.example/zwgk/{YEAR + 1}01/t1.htm", f"标题: {TITLE}",
            f"发布时间: {YEAR + 1}-01-20 09:30", "发布机构: ", "==================== 正文 ===================="]
    chrome = f"当前位置： 首页 政务公开 年报 {TITLE} 来源：岚屿县人民政府 时间：{YEAR + 1}-01-20 09:30 微信 微博 QQ空间 "
    return "\n".join([*head, chrome + body + " 附件下载"])


def pdf_text_layer(t3, width: int = 30) -> str:
    """A PDF text layer: lines broken at the page width, page marks, numbers apart from units,
    long row labels wrapped with the values on the first line."""
    out = [AGENCY, f"{YEAR} 年政府信息公开工作年度报告"]
    page = 1
    for para in NARRATIVE + ["__TABLES__"] + NARRATIVE_AFTER:
        if para == "__TABLES__":
            for line in _rows("\t", t3):
                cells = line.split("\t")
                label, values = cells[0], cells[1:]
                if values and all(v.replace(".", "").isdigit() for v in values):
                    head, tail = label[:14], label[14:]
                    out.append(f"{head} {' '.join(values)}")
                    if tail:
                        out.append(tail)
                else:
                    out.extend(cells)
            out.append(f"- {page} -")
            page += 1
            continue
        spaced = para.replace("条", " 条").replace("电话：", "电 话 ：")
        out.extend(spaced[i:i + width] for i in range(0, len(spaced), width))
    return "\n".join(out)


def html_page(t3) -> str:
    """A CMS page: navigation, scripts, a real <table> with rowspan/colspan and &nbsp; cells."""
    def tr(cells, tag="td"):
        return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"
    t3_rows = []
    for label, values in t3.items():
        group = next((r.context for r in TABLE3_ROWS if r.label == label), "")
        t3_rows.append(tr([group or "&nbsp;", label, *map(str, values)]))
    header = ("<tr><td rowspan='2' colspan='2'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
              "<td colspan='7'>申请人情况</td></tr><tr><td rowspan='1'>自然人</td>"
              + "".join(f"<td><p>{c[:2]}</p><p>{c[2:]}</p></td>" for c in TABLE3_COLUMNS[1:]) + "</tr>")
    t4 = table4()
    t4_html = ("<table><tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
               "<tr><td rowspan='2'>结果维持</td><td rowspan='2'>结果纠正</td><td rowspan='2'>其他结果</td>"
               "<td rowspan='2'>尚未审结</td><td rowspan='2'>总计</td><td colspan='5'>未经复议直接起诉</td>"
               "<td colspan='5'>复议后起诉</td></tr>"
               + tr(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + tr(map(str, t4)) + "</table>")
    t2_html = ""
    for caption, rows in TABLE2:
        t2_html += "<table>" + tr([caption]) + tr(["信息内容", *TABLE2_HEADERS[caption]])
        t2_html += "".join(tr([label, *values]) for label, values in rows) + "</table>"
    paras = "".join(f"<p style='text-indent:2em'>{p}</p>" for p in NARRATIVE)
    after = "".join(f"<p>{p}</p>" for p in NARRATIVE_AFTER)
    return (f"<html><head><title>{TITLE}</title><script>var x = '主动公开政府信息99999条';</script></head><body>"
            "<div class='nav'><a>首页</a><a>政务公开</a><span>字号：大 中 小</span></div>"
            f"<div class='article'><h1>{TITLE}</h1>{paras}{t2_html}"
            "<p>三、收到和处理政府信息公开申请情况</p>"
            f"<table>{header}{''.join(t3_rows)}</table><p>四、政府信息公开行政复议、行政诉讼情况</p>{t4_html}{after}</div>"
            "<div class='footer'>打印本页 关闭窗口 主办单位：岚屿县人民政府办公室</div></body></html>")


def write_pdf(path: Path, t3, *, font: str = "STSong-Light") -> None:
    """A real text PDF (reportlab, CID font): wrapped paragraphs and Tables 二/三/四 as drawn tables."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    style = ParagraphStyle("zh", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=6, leading=8, wordWrap="CJK")
    story = [Paragraph(TITLE, ParagraphStyle("t", parent=style, fontSize=14, leading=20))]
    story += [Paragraph(p, style) for p in NARRATIVE]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "black"), ("FONTNAME", (0, 0), (-1, -1), font),
                       ("FONTSIZE", (0, 0), (-1, -1), 6)])
    for caption, rows in TABLE2:
        story.append(Paragraph(caption, style))
        data = [["信息内容", *TABLE2_HEADERS[caption]], *[[label, *values] for label, values in rows]]
        story.append(Table(data, style=grid))
    story.append(Paragraph("三、收到和处理政府信息公开申请情况", style))
    data = [[Paragraph(h, cell) for h in T3_HEADER]]
    data += [[Paragraph(label, cell), *map(str, values)] for label, values in t3.items()]
    story.append(Table(data, colWidths=[190] + [40] * 7, style=grid))
    story.append(Paragraph("四、政府信息公开行政复议、行政诉讼情况", style))
    story.append(Table([["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
                        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
                        list(map(str, table4()))], style=grid))
    story += [Paragraph(p, style) for p in NARRATIVE_AFTER]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def expected_cells(t3) -> set[tuple[str, str, str]]:
    """(row label, column, value) of Tables 三 and 四 as the parser must give them."""
    out = {(label, col, str(v)) for label, values in t3.items() for col, v in zip(TABLE3_COLUMNS, values)}
    out |= {("行政复议、行政诉讼情况", col, str(v)) for col, v in zip(TABLE4_COLUMNS, table4())}
    return out


def text_to_pdf(lines: list[str], path: Path, *, font: str = "STSong-Light") -> None:
    """Render a report's text as an office would print it to PDF: paragraphs wrapped at the page
    width, TAB-separated rows as drawn tables (consecutive rows form one table)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    style = ParagraphStyle("zh", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=6, leading=8, wordWrap="CJK")
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "black"), ("FONTNAME", (0, 0), (-1, -1), font),
                       ("FONTSIZE", (0, 0), (-1, -1), 6)])
    story, rows = [], []

    def flush() -> None:
        if rows:
            width = max(len(r) for r in rows)
            data = [[Paragraph(escape(c), cell) for c in r] + [""] * (width - len(r)) for r in rows]
            first = 150 if width > 4 else 120
            story.append(Table(data, colWidths=[first] + [(480 - first) / max(1, width - 1)] * (width - 1), style=grid))
            rows.clear()

    for line in lines:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        if line.strip():
            story.append(Paragraph(escape(line.strip()), style))
    flush()
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
