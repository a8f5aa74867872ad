"""Find the structure of an annual report in its lines: title, agency, year, sections, narrative
sentences and every statistics-table cell as a structured fact.

Layouts handled (all seen in published reports): the pre-2019 统计表 (indicator / unit / value on
separate lines), TAB-separated rows, ` | `-separated rows, one cell per line, and HTML/Word tables
(expanded to TAB rows by ``extract``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.agencies import canonical_agency
from knowledge.text import clean_line, is_number

TABLE3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
TABLE4_COLUMNS = tuple(
    f"{group} · {result}"
    for group in ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
    for result in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
)
TABLE3_ROW_PREFIXES = ("一、本年新收", "二、上年结转", "三、本年度办理结果", "四、结转下年度")
LEGACY_UNITS = {"条", "件", "次", "篇", "个", "人", "万元", "元", "人次", "项", "期", "份", "场", "%"}

_CN_NUM = "一二三四五六七八九十"
RE_L1 = re.compile(rf"^[{_CN_NUM}]+[、.．]")
RE_L2 = re.compile(rf"^[（(][{_CN_NUM}]+[）)]")
RE_L3 = re.compile(r"^\d{1,2}[.．、]")
RE_L4 = re.compile(r"^其中[:：]")
RE_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
RE_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
RE_PUBLISHED = re.compile(r"(?:发布日期|发布时间|成文日期)[:：]\s*(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")
RE_CAPTION = re.compile(r"^第[一二三四五六七八九十百]+条")


class ParseError(ValueError):
    """The text is not recognisable as a 政府信息公开工作年度报告."""


@dataclass
class Cell:
    table: str
    context: str  # caption / group labels above the row
    row_label: str
    col_label: str | None
    value: str | None
    unit: str | None


@dataclass
class Sentence:
    section: str
    context: str  # sub-heading
    text: str


@dataclass
class ParsedReport:
    title: str
    agency: str
    year: int
    layout: str  # 2021 / 2019 / legacy / none
    published: str | None
    sections: list[str] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    outlines: list[Sentence] = field(default_factory=list)  # section heading + its sub-headings


def level_of(label: str) -> int:
    if RE_L1.match(label):
        return 1
    if RE_L2.match(label):
        return 2
    if RE_L3.match(label):
        return 3
    if RE_L4.match(label):
        return 4
    return 0


def is_heading(line: str) -> bool:
    return (
        level_of(line) == 1
        and len(line) <= 40
        and "。" not in line
        and not line.startswith(TABLE3_ROW_PREFIXES)
    )


def split_cells(line: str) -> list[str] | None:
    if "\t" in line:
        parts = line.split("\t")
    elif " | " in line or "｜" in line:
        parts = re.split(r"\s*[|｜]\s*", line)
    else:
        return _space_row(line)
    return [clean_line(p) for p in parts]


def _space_row(line: str) -> list[str] | None:
    """A table row as PDF text extraction leaves it: a label, then numbers separated by spaces."""
    tokens = line.split()
    numbers = 0
    for token in reversed(tokens):
        if not is_number(token):
            break
        numbers += 1
    if numbers < 2 or numbers == len(tokens):
        return [clean_line(t) for t in tokens] if numbers == len(tokens) and numbers >= 2 else None
    label = " ".join(tokens[: len(tokens) - numbers])
    if len(label) > 60 or "。" in label:
        return None
    return [label, *tokens[len(tokens) - numbers:]]


def find_title(lines: list[str]) -> str:
    head = [clean_line(x) for x in lines[:15] if clean_line(x)]
    for i, line in enumerate(head):
        compact = re.sub(r"\s+", "", line)
        for part in re.split(r"[_｜|]", compact):
            if "报告" in part and RE_YEAR.search(part) and len(part) <= 60:
                return part
        if RE_YEAR.search(compact) and "报告" not in compact and i + 1 < len(head):
            nxt = re.sub(r"\s+", "", head[i + 1])
            if "报告" in nxt and len(compact + nxt) <= 60:
                return compact + nxt
    for line in head:
        compact = re.sub(r"\s+", "", line)
        if "政府信息公开" in compact and RE_YEAR.search(compact) and len(compact) <= 60:
            return compact
    raise ParseError("找不到年度报告标题（应含“××年……政府信息公开工作年度报告”）")


def parse_report(lines: list[str], *, agency: str | None = None, year: int | None = None) -> ParsedReport:
    body = "\n".join(lines)
    if "政府信息公开" not in body and "政务公开" not in body:
        raise ParseError("内容不是政府信息公开工作年度报告")
    try:
        title = find_title(lines)
    except ParseError:
        if not (agency and year):
            raise
        title = f"{agency}{year}年政府信息公开工作年度报告"
    m = RE_YEAR.search(title)
    found_year = int(m.group(1)) if m else None
    report_year = year or found_year
    if report_year is None:
        raise ParseError("无法确定报告年度，请用 --year 指定")
    raw_agency = agency or (title[: m.start()] if m else "")
    raw_agency = re.sub(r"(关于|的)$", "", raw_agency).strip()
    if not raw_agency and m:  # 2023年度青禾市交通运输局政府信息公开工作年度报告
        after = re.match(r"^度?(.+?)(?:政府信息公开|政务公开)", title[m.end():])
        raw_agency = after.group(1) if after else ""
    if not raw_agency:
        raise ParseError("无法确定发布机关，请用 --agency 指定")
    report = ParsedReport(
        title=title,
        agency=canonical_agency(raw_agency, body),
        year=report_year,
        layout="none",
        published=_published(lines),
    )
    _walk(report, lines)
    if not report.sentences and not report.cells:
        raise ParseError("未找到任何正文或统计数据")
    return report


def _published(lines: list[str]) -> str | None:
    for line in lines:
        m = RE_PUBLISHED.search(line)
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    for line in reversed(lines):
        m = RE_DATE_LINE.match(clean_line(line))
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    return None


class _TableState:
    def __init__(self, name: str) -> None:
        self.name = name
        self.groups: dict[int, str] = {}
        self.header: list[str] = []
        self.pending_label: str | None = None
        self.pending_values: list[str] = []

    def context(self) -> str:
        return " ".join(self.groups[k] for k in sorted(self.groups))

    def push_label(self, label: str) -> None:
        lvl = level_of(label)
        for k in [k for k in self.groups if k >= lvl and k > 0]:
            del self.groups[k]
        self.groups[lvl] = label


def _walk(report: ParsedReport, lines: list[str]) -> None:
    section = ""
    subsection = ""
    outline: dict[str, list[str]] = {}
    table: _TableState | None = None
    legacy_start = _legacy_start(lines)
    end = legacy_start if legacy_start is not None else len(lines)
    i = 0
    while i < end:
        raw = lines[i]
        line = clean_line(raw)
        i += 1
        if not line:
            continue
        cells = split_cells(raw)
        if cells is not None and sum(1 for c in cells if c) >= 2:
            table = table or _TableState(section)
            _table_row(report, table, [c for c in cells if c])
            continue
        if is_number(line):
            if table is not None and table.pending_label is not None:
                table.pending_values.append(line)
                continue
            if table is not None and table.pending_label is None:
                table.pending_label = ""
                table.pending_values.append(line)
                continue
        if table is not None and table.pending_label is not None:
            _flush_pending(report, table)
        if is_heading(line):
            section, subsection, table = line, "", None
            report.sections.append(section)
            outline.setdefault(section, [])
            continue
        if RE_CAPTION.match(line) and len(line) <= 30:
            table = _TableState(section)
            table.groups = {0: line}
            continue
        if _is_table_label(line, lines, i, end):
            table = table or _TableState(section)
            table.pending_label = line
            table.pending_values = []
            continue
        table = None if (len(line) > 60 or "。" in line) else table
        if table is not None:
            table.push_label(line)
            continue
        sub = re.match(rf"^([（(][{_CN_NUM}]+[）)][^。：:]{{1,30}}?)(?:[。：:]|$)", line)
        if sub:
            subsection = sub.group(1)
            outline.setdefault(section, []).append(subsection)
            rest = line[sub.end():].strip()
            if not rest:
                continue
            line = rest
        for sentence in _sentences(line):
            report.sentences.append(Sentence(section, subsection, sentence))
    if table is not None and table.pending_label is not None:
        _flush_pending(report, table)
    for head, subs in outline.items():
        if subs:
            report.outlines.append(Sentence(head, "", f"{head}：" + "；".join(subs)))
    if legacy_start is not None:
        _legacy(report, lines[legacy_start:])
    if report.layout == "none" and report.cells:
        report.layout = "2021"


def _split_sentences(paragraph: str) -> list[str]:
    """Split after 。！？； — but not inside brackets, where ； separates items of one aside."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(paragraph):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif ch in "。！？；" and (depth == 0 or ch != "；"):
            parts.append(paragraph[start:i + 1])
            start = i + 1
            if ch != "；":
                depth = 0  # an unbalanced bracket never swallows the next sentence
    parts.append(paragraph[start:])
    return [p.strip() for p in parts]


def _sentences(paragraph: str) -> list[str]:
    parts = _split_sentences(paragraph)
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        if out and len(part) < 6:
            out[-1] += part
        else:
            out.append(part)
    return out


def _is_table_label(line: str, lines: list[str], i: int, end: int) -> bool:
    """A short label line followed (possibly after other labels) by a line holding only a number."""
    if len(line) > 80 or "。" in line:
        return False
    for j in range(i, min(i + 1, end)):
        nxt = clean_line(lines[j])
        if nxt and is_number(nxt):
            return True
    return False


def _flush_pending(report: ParsedReport, table: _TableState) -> None:
    label, values = table.pending_label or "", table.pending_values
    table.pending_label, table.pending_values = None, []
    if values:
        _emit_row(report, table, [label] if label else [], values)


def _table_row(report: ParsedReport, table: _TableState, cells: list[str]) -> None:
    labels = [c for c in cells if not is_number(c)]
    values = [c for c in cells if is_number(c)]
    if table.pending_label is not None:
        _flush_pending(report, table)
    if not values:
        table.header = labels
        return
    _emit_row(report, table, _dedupe(labels), values)


def _dedupe(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        if not out or out[-1] != label:
            out.append(label)
    return out


def _emit_row(report: ParsedReport, table: _TableState, labels: list[str], values: list[str]) -> None:
    if labels:
        for label in labels[:-1]:
            table.push_label(label)
        row = labels[-1]
        if level_of(row) > 0:
            table.push_label(row)
            table.groups.pop(level_of(row), None)
    else:
        row = ""
    context = table.context()
    name = table.name
    if len(values) == len(TABLE3_COLUMNS) and (row.startswith(TABLE3_ROW_PREFIXES) or "结果" in context or re.match(r"^[（(]", row)):
        columns: list[str | None] = list(TABLE3_COLUMNS)
        unit = "件"
    elif len(values) == len(TABLE4_COLUMNS):
        columns = list(TABLE4_COLUMNS)
        unit = "件"
        row = row or "行政复议、行政诉讼情况"
    else:
        header = [h for h in table.header if h not in labels]
        if header and header[0] in ("信息内容", "项目", "指标", "统计指标"):
            header = header[1:]
        columns = list(header[-len(values):]) if len(header) >= len(values) else [None] * len(values)
        unit = None
    for col, value in zip(columns, values):
        cell_unit = unit or _unit_from_label(col or row)
        report.cells.append(Cell(name, context, row, col, value, cell_unit))


def _unit_from_label(label: str) -> str | None:
    m = re.search(r"单位[:：]\s*([^）)]+)", label or "")
    if m:
        return m.group(1)
    if any(k in (label or "") for k in ("件数", "数量", "决定")):
        return "件"
    return None


# --- pre-2019 统计表 --------------------------------------------------------------------------

def _legacy_start(lines: list[str]) -> int | None:
    for i, raw in enumerate(lines):
        line = clean_line(raw)
        if line.endswith("统计表") and len(line) <= 40:
            window = [clean_line(x) for x in lines[i : i + 40]]
            if sum(1 for w in window if w in LEGACY_UNITS) >= 3:
                return i
    return None


def _legacy(report: ParsedReport, lines: list[str]) -> None:
    table_name = clean_line(lines[0])
    report.layout = "legacy"
    groups: list[list[str]] = []
    current: list[str] = []
    for raw in lines[1:]:
        if raw.strip("\r") == "":
            if current:
                groups.append(current)
            current = []
        else:
            current.append(raw)
    if current:
        groups.append(current)
    state = _TableState(table_name)
    for group in groups:
        for chunk_start in range(0, len(group), 3):
            chunk = [clean_line(x) for x in group[chunk_start : chunk_start + 3]]
            label = chunk[0]
            if not label:
                continue
            unit = chunk[1] if len(chunk) > 1 and chunk[1] in LEGACY_UNITS else None
            value = chunk[2] if len(chunk) > 2 and is_number(chunk[2]) else None
            if label in ("统计指标", "统计 指 标") or re.sub(r"\s", "", label) == "统计指标":
                continue
            if unit is None and value is None and len(chunk) == 1 and "：" in label:
                report.sentences.append(Sentence(table_name, "", label))
                continue
            lvl = level_of(label)
            if lvl == 1:
                state.groups = {1: label}
                if unit is None and value is None:
                    continue
            elif lvl in (2, 3):
                for k in [k for k in state.groups if k >= lvl]:
                    del state.groups[k]
            context = state.context()
            section = state.groups.get(1, table_name)
            report.cells.append(Cell(table_name, context, label, "统计数", value, unit))
            report.cells[-1].context = context
            report.cells[-1].table = f"{section}"
            if lvl in (2, 3) and (unit is None or lvl == 2):
                state.groups[lvl] = label
            elif lvl == 3:
                state.groups[3] = label
