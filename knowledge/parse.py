"""The structure of an annual report: title, agency, year, layout, sections, narrative sentences
and every statistics-table cell as a structured fact.

``prepare`` cleans the lines (crawler header, site chrome, page marks, Markdown); ``tables`` finds
the official Tables 二/三/四 and the pre-2019 统计表 in any layout (HTML grid, TAB/``|`` rows,
one cell per line, PDF rows, crawler text with run-together digits); ``meta`` finds the title,
agency and year; what remains is narrative, reflowed into paragraphs and split into sentences.
Other tables (TAB/``|``/space-separated rows, label + value lines) are read by the line parser
below; the pre-2019 统计表 written as indicator / unit / value lines by ``_legacy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.meta import MetaError, infer_meta
from knowledge.prepare import (CN_NUM, RE_L1, RE_L2, RE_L3, Prepared, prepare, reflow, split_inline_headings,
                               tidy)
from knowledge.tables import TABLE3_COLUMNS, TABLE4_COLUMNS, extract_tables
from knowledge.text import clean_line, is_number

__all__ = ["TABLE3_COLUMNS", "TABLE4_COLUMNS", "Cell", "Sentence", "ParsedReport", "ParseError", "parse_report"]

TABLE3_ROW_PREFIXES = ("一、本年新收", "二、上年结转", "三、本年度办理结果", "四、结转下年度")
LEGACY_UNITS = {"条", "件", "次", "篇", "个", "人", "万元", "元", "人次", "项", "期", "份", "场", "%"}

_CN_NUM = CN_NUM
RE_L4 = re.compile(r"^其中[:：]")
RE_DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
RE_PUBLISHED = re.compile(r"(?:发布日期|发布时间|成文日期|公文生成日期|时间)\s*[:：]\s*(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")
RE_CAPTION = re.compile(r"^第[一二三四五六七八九十百]+条")
RE_NARRATIVE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:条|件|次|篇|个|人|项|份|期|场|万元|元|%)")
REPORT_WORDS = re.compile(r"政府信息公开|政务公开|信息公开")


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
    warnings: list[str] = field(default_factory=list)  # what could not be structured
    signed: str | None = None  # the date written under the report (落款)


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
    elif " | " in line or "｜" in line or line.count("|") >= 2:
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


def parse_report(lines: list[str], *, agency: str | None = None, year: int | None = None) -> ParsedReport:
    prepared = prepare(lines)
    text = "\n".join(prepared.lines)
    title_hint = " ".join(prepared.header.values())
    if not REPORT_WORDS.search(text + title_hint):
        raise ParseError("内容不是政府信息公开工作年度报告")
    legacy_start = _legacy_start(prepared.lines)
    narrative_numbers = {m.group(1) for m in RE_NARRATIVE_NUMBER.finditer(text)}
    tables = extract_tables(text if legacy_start is None else "\n".join(prepared.lines[:legacy_start]),
                            narrative_numbers)
    try:
        meta = infer_meta(prepared.lines, prepared.header, text, agency=agency, year=year)
    except MetaError as exc:
        raise ParseError(str(exc)) from exc
    report = ParsedReport(
        title=meta.title,
        agency=meta.agency,
        year=meta.year,
        layout=tables.layout or "none",
        published=_published(prepared),
    )
    report.cells.extend(Cell(c.table, c.context, c.row_label, c.col_label, c.value, c.unit) for c in tables.cells)
    report.warnings.extend(tables.notes)
    narrative = _cut_spans(text, tables.spans).split("\n")
    if legacy_start is not None:
        narrative = _cut_spans("\n".join(prepared.lines[:legacy_start]), tables.spans).split("\n")
    _walk(report, narrative, meta.title)
    report.signed = _signature_date("\n".join(narrative))
    if legacy_start is not None:
        _legacy(report, prepared.lines[legacy_start:])
    if report.layout == "none" and report.cells:
        report.layout = "2021"
    if not report.sentences and not report.cells:
        raise ParseError("未找到任何正文或统计数据")
    _check_structure(report, text)
    return report


_CN_DATE = r"[二〇○零0一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日"
_AR_DATE = r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_SIGNATURE = re.compile(rf"(?:^|[\s。；）)])((?:{_CN_DATE})|(?:{_AR_DATE}))\s*(?=$|\s|附件|附表|\n)", re.M)


def _signature_date(narrative: str) -> str | None:
    """The date standing alone after the last sentence (the report's 落款), if written."""
    tail_start = int(len(narrative) * 0.6)
    found = None
    for m in _SIGNATURE.finditer(narrative):
        if m.start() >= tail_start:
            found = re.sub(r"\s+", "", m.group(1))
    return found


def _cut_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the table regions (each replaced by a line break)."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            start = pos
        out.append(text[pos:start])
        out.append("\n")
        pos = max(pos, end)
    out.append(text[pos:])
    return "".join(out)


def _check_structure(report: ParsedReport, text: str) -> None:
    """Warn when the report's layout has statistics tables that could not be read."""
    if report.year >= 2019 and re.search(r"本年新收|申请人情况", text):
        rows = {c.row_label for c in report.cells if c.col_label in TABLE3_COLUMNS}
        expected = 23 if report.layout == "2019" else 25
        if not rows:
            report.warnings.append("未能识别表三（收到和处理政府信息公开申请情况）")
        elif len(rows) < expected:
            report.warnings.append(f"表三只识别出 {len(rows)}/{expected} 行")
    if report.year < 2019 and re.search(r"统计表", text) and not report.cells:
        report.warnings.append("未能识别统计表")


def _published(prepared: Prepared) -> str | None:
    for key in ("发布时间", "发布日期", "成文日期", "公文生成日期", "时间"):
        value = prepared.header.get(key, "")
        m = re.search(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})", value)
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    for line in prepared.lines[:30]:
        m = RE_PUBLISHED.search(line)
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    for line in reversed(prepared.lines[-30:]):
        m = RE_DATE_LINE.match(clean_line(line))
        if m:
            return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    return None


def _is_tabular(line: str) -> bool:
    cells = split_cells(line)
    if cells is not None and sum(1 for c in cells if c) >= 2:
        return True
    return is_number(clean_line(line))


def narrative_blocks(lines: list[str]) -> list[str]:
    """Prose lines reflowed into paragraphs (table-like lines kept as they are), and headings
    split off run-together text."""
    out: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        for paragraph in reflow(prose):
            out.extend(split_inline_headings(paragraph))
        prose.clear()

    for line in lines:
        if line.strip() and _is_tabular(line):
            flush()
            out.append(line)
        else:
            prose.append(line)
    flush()
    return out


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


def _walk(report: ParsedReport, lines: list[str], title: str = "") -> None:
    section = ""
    subsection = ""
    outline: dict[str, list[str]] = {}
    table: _TableState | None = None
    blocks = narrative_blocks(lines)
    folded_title = re.sub(r"\s+", "", title)
    end = len(blocks)
    i = 0
    while i < end:
        raw = blocks[i]
        line = clean_line(raw)
        i += 1
        if not line or re.sub(r"\s+", "", line) == folded_title:
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
        line = tidy(line)
        if is_heading(line):
            section, subsection, table = line, "", None
            report.sections.append(section)
            outline.setdefault(section, [])
            continue
        if RE_CAPTION.match(line) and len(line) <= 30:
            table = _TableState(section)
            table.groups = {0: line}
            continue
        if _is_table_label(line, blocks, i, end):
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
            if _is_prose(sentence):
                report.sentences.append(Sentence(section, subsection, sentence))
    if table is not None and table.pending_label is not None:
        _flush_pending(report, table)
    for head, subs in outline.items():
        if subs:
            report.outlines.append(Sentence(head, "", f"{head}：" + "；".join(subs)))


_SIGNATURE_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,40}?\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
                             r"|[二〇○零一三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)$")


def _is_prose(sentence: str) -> bool:
    """Leftovers of page chrome (【 】) and a signature (agency + date) are not sentences."""
    if sum(1 for ch in sentence if "\u4e00" <= ch <= "\u9fff") < 2 and not re.search(r"[\d@]", sentence):
        return False
    return not _SIGNATURE_LINE.match(sentence.strip())


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
    header = [h for h in table.header if h not in labels]
    if header and header[0] in ("信息内容", "项目", "指标", "统计指标"):
        header = header[1:]
    columns = list(header[-len(values):]) if len(header) >= len(values) else [None] * len(values)
    for col, value in zip(columns, values):
        report.cells.append(Cell(table.name, context, row, col, value, _unit_from_label(col or row)))


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
