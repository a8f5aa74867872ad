"""The office's published annual report against the figures of its own log.

A loaded report's statistics cells (``knowledge/`` parses them; ``storage.knowledge.report_cells``
reads them as ``(table, context, row label, column label, value)``) are placed on the keys of the
official tables (:mod:`disclosure.tables`), so both sides can be laid out by the same grids
(:mod:`disclosure.render`) and compared cell by cell. Pure: no database, no files.

Labels are matched as printed in the official format after normalising width, quotes and spaces;
a row printed a little differently is still found by its enumeration (``（三）`` … ``4.``) within its
group. Cells that fit no row of the layout are returned, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from disclosure.render import Cell, Grid
from disclosure.tables import (
    COLUMNS, LEGACY_ROWS, TABLE3_TITLE, TABLE4_GROUPS, TABLE4_RESULTS, TABLE4_TITLE, ReportTables, check_legacy,
    check_table3, check_table4, data_rows, table3_rows,
)

ReportCell = Sequence  # (table name, context, row label, column label, value)

_ENUM = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|\d+[.．、]|[一二三四五六七八九十]+、)")
_SPACE = re.compile(r"\s+")


def normal(label: str | None) -> str:
    """A label as compared: full-width forms folded, quotes unified, spaces and a trailing colon removed."""
    text = unicodedata.normalize("NFKC", label or "")
    text = re.sub("[\u201c\u201d\u2018\u2019\"'「」『』]", '"', text)
    return _SPACE.sub("", text).rstrip(":")


def _enum(label: str) -> str:
    m = _ENUM.match(normal(label))
    return m.group(0).replace("．", ".").replace("、", ".") if m else ""


def number(value: str | int | None) -> int | None:
    """A printed figure as an integer; None when the cell is empty or not a count."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = normal(str(value)).replace(",", "")
    return int(text) if re.fullmatch(r"-?\d+", text) else None


@dataclass
class Published:
    """A published report's tables on the official keys; ``None`` where the report prints no figure."""

    tables: ReportTables
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)  # "table · row · column" of cells not placed

    @property
    def complete(self) -> bool:
        values = (list(self.tables.rows.values()) if self.tables.format == "legacy" else
                  [v for row in self.tables.table3.values() for v in row.values()] + list(self.tables.table4.values()))
        return bool(values) and all(v is not None for v in values)

    def checks(self) -> list[str]:
        """The official invariants applied to the published figures (an empty cell counts as 0)."""
        t = self.tables
        if t.format == "legacy":
            return check_legacy({k: v or 0 for k, v in t.rows.items()})
        table3 = {row: {col: v or 0 for col, v in cols.items()} for row, cols in t.table3.items()}
        return check_table3(table3, t.format) + check_table4({k: v or 0 for k, v in t.table4.items()})


def _table3_index(fmt: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Row label → key, and (enumeration, parent enumeration) → key, for the data rows of Table 三."""
    by_label: dict[str, str] = {}
    by_enum: dict[tuple[str, str], str] = {}
    parents = {0: ""}
    for row in table3_rows(fmt):
        parents[row.level + 1] = _enum(row.label)
        if row.data:
            by_label[normal(row.label)] = row.key
            by_enum[(_enum(row.label), parents.get(row.level, "") if row.level > 1 else "")] = row.key
    return by_label, by_enum


def _last_enum(context: str) -> str:
    found = ""
    for part in (context or "").split():
        found = _enum(part) or found
    return found


_T4_RESULTS = {normal(label): key for key, label in TABLE4_RESULTS}


def _table4_key(col_label: str) -> str | None:
    group, _, result = (col_label or "").rpartition("·")
    res = _T4_RESULTS.get(normal(result))
    g = normal(group)
    if res is None or not g:
        return None
    if "未经复议" in g:
        prefix = "lit_direct"
    elif "复议后" in g:
        prefix = "lit_after_review"
    elif g.startswith("行政复议"):
        prefix = "review"
    else:
        return None
    return f"{prefix}_{res}"


def _legacy_index() -> dict[tuple[str, str], str]:
    """(section label, row label) → key of the legacy rows (sections 三–六)."""
    out: dict[tuple[str, str], str] = {}
    section = ""
    for row in LEGACY_ROWS:
        if row.level == 0:
            section = normal(row.label)
        if row.data:
            out[(section, normal(row.label))] = row.key
    return out


_LEGACY_SECTIONS = {normal(r.label) for r in LEGACY_ROWS if r.level == 0}


def published_tables(cells: Iterable[ReportCell], year: int, fmt: str) -> Published:
    """The report's cells placed on the tables of layout ``fmt`` ("2021", "2019" or "legacy")."""
    tables = ReportTables(year, fmt)
    out = Published(tables)

    def place(store: dict, key: str | None, value, *labels) -> None:
        if key is None:
            out.unmatched.append(" · ".join(str(label) for label in labels))
        else:
            store[key] = number(value)
            out.matched += 1

    if fmt == "legacy":
        index = _legacy_index()
        tables.rows = {key: None for key in index.values()}
        for table, _context, row_label, _col, value in cells:
            section = normal(table)
            if section in _LEGACY_SECTIONS:  # 一、主动公开 … and the others have no place in the log's tables
                place(tables.rows, index.get((section, normal(row_label))), value, table, row_label)
        return out
    by_label, by_enum = _table3_index(fmt)
    columns = {normal(c.label): c.key for c in COLUMNS}
    tables.table3 = {r.key: {c.key: None for c in COLUMNS} for r in data_rows(fmt)}
    tables.table4 = {f"{p}_{r}": None for _g, _s, p in TABLE4_GROUPS for r, _l in TABLE4_RESULTS}
    t3, t4 = normal(TABLE3_TITLE), normal(TABLE4_TITLE)
    for table, context, row_label, col_label, value in cells:
        name = normal(table)
        if name == t3 or name.startswith(t3[:6]):
            key = by_label.get(normal(row_label))
            if key is None:
                own = _enum(row_label or "")
                key = by_enum.get((own, _last_enum(context) if own[:1].isdigit() else ""))
            col = columns.get(normal(col_label))
            place(tables.table3[key] if key is not None else {}, col if key is not None else None, value,
                  table, row_label, col_label)
        elif name == t4 or name.startswith(t4[:6]):
            place(tables.table4, _table4_key(col_label or ""), value, table, row_label, col_label)
    return out


# --- comparing two grids of the same layout --------------------------------------------------------

def numbers_at(grid: Grid) -> dict[tuple[int, int], Cell]:
    return {(c.row, c.col): c for c in grid.cells if c.kind == "number"}


def _value(cell: Cell | None) -> int:
    return number(cell.text) or 0 if cell is not None else 0


def differing(left: Grid, right: Grid) -> set[tuple[int, int]]:
    """Positions of the number cells whose figures differ (an empty printed cell counts as 0)."""
    a, b = numbers_at(left), numbers_at(right)
    return {pos for pos in a.keys() | b.keys() if _value(a.get(pos)) != _value(b.get(pos))}


def cell_names(grid: Grid) -> dict[tuple[int, int], tuple[str, str]]:
    """(row label, column label) of every number cell, as printed in the grid's labels and headers."""
    labels = [c for c in grid.cells if c.kind == "label"]
    headers = [c for c in grid.cells if c.kind == "header"]
    names: dict[tuple[int, int], tuple[str, str]] = {}
    for pos, cell in numbers_at(grid).items():
        r, c = pos
        row_parts = [str(x.text).strip() for x in sorted(labels, key=lambda x: x.col)
                     if x.row <= r < x.row + x.rowspan and x.col < c]
        col_parts = [str(x.text) for x in sorted(headers, key=lambda x: x.row)
                     if x.col <= c < x.col + x.colspan and x.rowspan < 3]
        names[pos] = (" ".join(row_parts[-1:]) if row_parts else "", " · ".join(col_parts))
    return names
