"""Read report files into what the knowledge base stores: the report's facts and its passage rows.

Pure reading and parsing (no database): ``bot.qa.ingest_paths`` reads every file with
:func:`read_batch` and stores the batch with ``storage.knowledge`` — all files, or none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from knowledge.extract import ExtractError, extract_lines
from knowledge.facts import sentence_facts
from knowledge.answer import Passage as SearchPassage
from knowledge.frame import concept_tokens
from knowledge.parse import ParsedReport, ParseError, parse_report


PARSER_VERSION = "2026.11-2"


class IngestError(ValueError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class IngestResult:
    path: Path
    agency: str
    year: int
    passages: int
    cells: int
    status: str  # added, replaced, unchanged
    warnings: tuple[str, ...] = ()


def read_report(path: Path, *, agency: str | None = None, year: int | None = None) -> tuple[ParsedReport, str]:
    if not path.exists():
        raise IngestError(path, "文件不存在")
    if path.is_dir():
        raise IngestError(path, "这是一个目录，请指定文件")
    try:
        lines = extract_lines(path)
        parsed = parse_report(lines, agency=agency, year=year)
    except (ExtractError, ParseError) as exc:
        raise IngestError(path, str(exc)) from exc
    # the parser version is part of the digest: a file read again by a newer parser is re-read
    digest = hashlib.sha256(f"{PARSER_VERSION}\n{agency}\n{year}\n".encode() + "\n".join(lines).encode("utf-8")).hexdigest()
    return parsed, digest


def passage_rows(parsed: ParsedReport, report_id: int) -> list[dict]:
    rows: list[dict] = []

    def add(**kw) -> None:
        row = {"report_id": report_id, "position": len(rows), "section": "", "context": "", "table_name": None,
               "row_label": None, "col_label": None, "value": None, "unit": None, "quote": None, **kw}
        passage = SearchPassage(0, report_id, row["kind"], row["section"], row["context"], row["text"], row["table_name"],
                          row["row_label"], row["col_label"], row["value"], row["unit"])
        row["terms"] = concept_tokens(passage.own_text())
        rows.append(row)

    if parsed.published:
        add(kind="meta", text=f"《{parsed.title}》发布日期：{parsed.published}", context="发布日期 发布时间")
    if parsed.signed:
        add(kind="meta", text=f"《{parsed.title}》落款日期：{parsed.signed}", context="落款 成文日期 签发日期")
    for s in parsed.outlines:
        add(kind="outline", section=s.section, text=s.text)
    for s in parsed.sentences:
        add(kind="sentence", section=s.section, context=s.context, text=s.text)
        for fact in sentence_facts(s.text, parsed.year):
            add(kind="fact", section=s.section, context=s.context, text=fact.phrase, value=fact.value,
                unit=fact.unit, col_label=fact.qualifier, quote=s.text)
    for c in parsed.cells:
        text = f"{c.row_label} {c.col_label or ''}：{c.value if c.value is not None else ''}{c.unit or ''}"
        add(kind="cell", section=c.table, context=c.context, text=text, table_name=c.table,
            row_label=c.row_label, col_label=c.col_label, value=c.value, unit=c.unit)
    return rows


def read_batch(paths: list[Path], *, agency: str | None = None, year: int | None = None
               ) -> list[tuple[Path, ParsedReport, str]]:
    """(path, parsed report, content digest) of every file; IngestBatchError listing every file that
    is not a report, or two files read as the same agency and year (one would replace the other)."""
    parsed_all: list[tuple[Path, ParsedReport, str]] = []
    errors: list[IngestError] = []
    for path in paths:
        try:
            parsed, digest = read_report(path, agency=agency, year=year)
        except IngestError as exc:
            errors.append(exc)
            continue
        parsed_all.append((path, parsed, digest))
    seen: dict[tuple[str, int], Path] = {}
    for path, parsed, _ in parsed_all:
        key = (parsed.agency, parsed.year)
        if key in seen:  # one would silently replace the other
            errors.append(IngestError(path, f"与 {seen[key].name} 被识别为同一机关同一年度（{parsed.agency} {parsed.year}），"
                                            "请分别导入并用 --agency / --year 指定"))
        seen.setdefault(key, path)
    if errors:
        raise IngestBatchError(errors)
    return parsed_all


class IngestBatchError(ValueError):
    def __init__(self, errors: list[IngestError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
