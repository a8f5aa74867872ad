"""How :class:`disclosure.tables.ReportTables` are laid out on a page: pure layout, no files.

One grid model (cells with row/column spans) laid out like the official format — merged header
cells, the 三、本年度办理结果 group spanning its rows, sub-groups （三）–（六） spanning their leaves —
which the xlsx and docx writers of ``bot/exports.py`` put into files, and the Markdown text.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.tables import (
    COLUMNS, LEGACY_ROWS, LEGACY_TITLE, TABLE3_NOTE, TABLE3_TITLE, TABLE4_GROUPS, TABLE4_RESULTS, TABLE4_TITLE,
    ReportTables, table3_rows,
)

@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    text: str | int
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # header, label, number


@dataclass
class Grid:
    title: str
    n_rows: int
    n_cols: int
    cells: list[Cell]
    widths: tuple[float, ...]  # relative column widths
    notes: tuple[str, ...] = ()  # lines printed under the table (not part of the official grid)


def _table3_paths(fmt: str) -> list[tuple[str, list[str]]]:
    """(row key, [level-0 label, level-1 label?, level-2 label?]) for every data row."""
    out: list[tuple[str, list[str]]] = []
    group: str | None = None
    sub: str | None = None
    for r in table3_rows(fmt):
        if r.level == 0:
            group, sub = (r.label if not r.data else None), None
            if r.data:
                out.append((r.key, [r.label]))
        elif r.level == 1:
            sub = r.label if not r.data else None
            if r.data:
                out.append((r.key, [group or "", r.label]))
        else:
            out.append((r.key, [group or "", sub or "", r.label]))
    return out


def table3_grid(tables: ReportTables) -> Grid:
    cells: list[Cell] = [
        Cell(0, 0, TABLE3_NOTE, rowspan=3, colspan=3, kind="header"),
        Cell(0, 3, "申请人情况", colspan=7, kind="header"),
    ]
    col = 3
    parents_done: set[str] = set()
    for c in COLUMNS:
        if c.parent is None:
            cells.append(Cell(1, col, c.label, rowspan=2, kind="header"))
        else:
            if c.parent not in parents_done:
                span = sum(1 for x in COLUMNS if x.parent == c.parent)
                cells.append(Cell(1, col, c.parent, colspan=span, kind="header"))
                parents_done.add(c.parent)
            cells.append(Cell(2, col, c.label, kind="header"))
        col += 1
    paths = _table3_paths(tables.format)
    first = 3
    # label cells, merging runs of the same group (column 0) and sub-group (column 1)
    for depth in (0, 1):
        i = 0
        while i < len(paths):
            key, path = paths[i]
            if len(path) <= depth + 1:
                i += 1
                continue
            j = i
            while j + 1 < len(paths) and len(paths[j + 1][1]) > depth + 1 and paths[j + 1][1][depth] == path[depth]:
                j += 1
            cells.append(Cell(first + i, depth, path[depth], rowspan=j - i + 1))
            i = j + 1
    for i, (key, path) in enumerate(paths):
        depth = len(path) - 1
        cells.append(Cell(first + i, depth, path[-1], colspan=3 - depth))
        for k, c in enumerate(COLUMNS):
            cells.append(Cell(first + i, 3 + k, tables.table3[key][c.key], kind="number"))
    return Grid(TABLE3_TITLE, first + len(paths), 10, cells, (3, 4, 12) + (2.2,) * 7)


def table4_grid(tables: ReportTables) -> Grid:
    cells: list[Cell] = []
    col = 0
    groups_seen: dict[str, int] = {}
    for group, sub, prefix in TABLE4_GROUPS:
        if sub is None:
            cells.append(Cell(0, col, group, rowspan=2, colspan=len(TABLE4_RESULTS), kind="header"))
        else:
            if group not in groups_seen:
                span = sum(len(TABLE4_RESULTS) for g, s, _ in TABLE4_GROUPS if g == group)
                cells.append(Cell(0, col, group, colspan=span, kind="header"))
                groups_seen[group] = col
            cells.append(Cell(1, col, sub, colspan=len(TABLE4_RESULTS), kind="header"))
        for res, label in TABLE4_RESULTS:
            cells.append(Cell(2, col, label, kind="header"))
            cells.append(Cell(3, col, tables.table4[f"{prefix}_{res}"], kind="number"))
            col += 1
    return Grid(TABLE4_TITLE, 4, col, cells, (2.3,) * col, tuple(tables.footnotes()))


def legacy_grid(tables: ReportTables) -> Grid:
    cells = [Cell(0, 0, "统计指标", kind="header"), Cell(0, 1, "单位", kind="header"),
             Cell(0, 2, "统计数", kind="header")]
    r = 1
    for row in LEGACY_ROWS:
        indent = "\u3000" * row.level
        cells.append(Cell(r, 0, indent + row.label))
        if row.data:
            cells.append(Cell(r, 1, row.unit))
            cells.append(Cell(r, 2, tables.rows[row.key], kind="number"))
        else:
            cells.append(Cell(r, 1, ""))
            cells.append(Cell(r, 2, ""))
        r += 1
    return Grid(LEGACY_TITLE, r, 3, cells, (16, 2, 3), tuple(tables.footnotes()))


def grids(tables: ReportTables) -> list[Grid]:
    if tables.format == "legacy":
        return [legacy_grid(tables)]
    return [table3_grid(tables), table4_grid(tables)]


def report_title(tables: ReportTables) -> str:
    layout = {"2021": "国办公开办函〔2021〕30号格式", "2019": "国办公开办函〔2019〕60号格式（试行）",
              "legacy": "2019年以前统计表格式"}[tables.format]
    return f"{tables.year}年度政府信息公开工作年度报告统计表（{layout}）"


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# --- markdown -----------------------------------------------------------------------------------

def to_markdown(tables: ReportTables) -> str:
    lines = [f"# {report_title(tables)}", ""]
    if tables.format == "legacy":
        lines += [f"## {LEGACY_TITLE}", "", "| 统计指标 | 单位 | 统计数 |", "|---|---|---:|"]
        for row in LEGACY_ROWS:
            label = "\u3000" * row.level + row.label
            lines.append(f"| {label} | {row.unit if row.data else ''} | "
                         f"{tables.rows[row.key] if row.data else ''} |")
        notes = tables.footnotes()
        return "\n".join(lines + ([""] + notes if notes else [])) + "\n"
    lines += [f"## {TABLE3_TITLE}", "", TABLE3_NOTE, ""]
    head = [c.label if c.parent is None else f"{c.parent}：{c.label}" for c in COLUMNS]
    lines.append("| 项目 | " + " | ".join(head) + " |")
    lines.append("|---|" + "---:|" * len(COLUMNS))
    for r in table3_rows(tables.format):
        label = "\u3000" * r.level + r.label
        if r.data:
            lines.append(f"| {label} | " + " | ".join(str(tables.table3[r.key][c.key]) for c in COLUMNS) + " |")
        else:
            lines.append(f"| {label} |" + " |" * len(COLUMNS))
    lines += ["", f"## {TABLE4_TITLE}", ""]
    head4 = []
    for group, sub, prefix in TABLE4_GROUPS:
        for res, label in TABLE4_RESULTS:
            head4.append(f"{group}{('·' + sub) if sub else ''}·{label}")
    lines.append("| " + " | ".join(head4) + " |")
    lines.append("|" + "---:|" * len(head4))
    lines.append("| " + " | ".join(str(tables.table4[f"{p}_{r}"]) for _, _, p in TABLE4_GROUPS
                                   for r, _ in TABLE4_RESULTS) + " |")
    notes = tables.footnotes()
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"
