"""Render :class:`disclosure.tables.ReportTables` as .xlsx, .docx, .md and a PNG chart.

The xlsx and docx writers share one grid model (cells with row/column spans), laid out like the
official format: merged header cells, the 三、本年度办理结果 group spanning its rows, sub-groups
（三）–（六） spanning their leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from disclosure.outcomes import CHANNELS, OUTCOMES
from disclosure.tables import (
    COLUMNS, LEGACY_ROWS, LEGACY_TITLE, TABLE3_NOTE, TABLE3_TITLE, TABLE4_GROUPS, TABLE4_RESULTS, TABLE4_TITLE,
    ReportTables, table3_rows,
)

SUFFIXES = (".xlsx", ".docx", ".md", ".png")


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


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


# --- xlsx ---------------------------------------------------------------------------------------

def write_xlsx(tables: ReportTables, path: str | Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet_names = ["表三", "表四"] if tables.format != "legacy" else ["统计表"]
    for name, grid in zip(sheet_names, grids(tables)):
        ws = wb.create_sheet(name)
        ws.cell(1, 1, report_title(tables)).font = Font(bold=True, size=13)
        ws.cell(2, 1, grid.title).font = Font(bold=True, size=11)
        for r in (1, 2):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=grid.n_cols)
            ws.cell(r, 1).alignment = Alignment(horizontal="center" if r == 1 else "left")
        off = 3  # grid row 0 -> sheet row 3
        for r in range(grid.n_rows):
            for c in range(grid.n_cols):
                ws.cell(off + r, c + 1).border = border
        for cell in grid.cells:
            xc = ws.cell(off + cell.row, cell.col + 1, cell.text)
            xc.alignment = Alignment(
                horizontal="center" if cell.kind != "label" else "left",
                vertical="center", wrap_text=True)
            if cell.kind == "header":
                xc.font = Font(bold=True)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=off + cell.row, start_column=cell.col + 1,
                               end_row=off + cell.row + cell.rowspan - 1, end_column=cell.col + cell.colspan)
        for i, note in enumerate(grid.notes):
            row = off + grid.n_rows + 1 + i
            ws.cell(row, 1, note).alignment = Alignment(horizontal="left")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=grid.n_cols)
        for c, w in enumerate(grid.widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w * 4
        # openpyxl cannot auto-fit: give wrapped cells room (about 15 pt per text line)
        lines: dict[int, int] = {}
        for cell in grid.cells:
            if cell.rowspan != 1:
                continue
            width = sum(grid.widths[cell.col:cell.col + cell.colspan]) * 4
            n = -(-_display_width(str(cell.text)) // max(1, int(width) - 1))
            lines[cell.row] = max(lines.get(cell.row, 1), n)
        for r, n in lines.items():
            if n > 1:
                ws.row_dimensions[off + r].height = 15 * n + 2
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    path = Path(path)
    wb.save(path)
    return path


# --- docx ---------------------------------------------------------------------------------------

def _docx_font(run, size_pt: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "SimSun"
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), "宋体")
    if size_pt:
        run.font.size = Pt(size_pt)
    run.bold = bold


def write_docx(tables: ReportTables, path: str | Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    if tables.format != "legacy":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(title.add_run(report_title(tables)), 14, bold=True)
    usable = section.page_width - section.left_margin - section.right_margin
    for grid in grids(tables):
        _docx_font(doc.add_paragraph().add_run(grid.title), 12, bold=True)
        t = doc.add_table(rows=grid.n_rows, cols=grid.n_cols)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        total_w = sum(grid.widths)
        for c, w in enumerate(grid.widths):
            width = int(usable * w / total_w)
            t.columns[c].width = width
            for r in range(grid.n_rows):
                t.cell(r, c).width = width
        for cell in grid.cells:
            target = t.cell(cell.row, cell.col)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(t.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
            target.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            para = target.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
            _docx_font(para.add_run(str(cell.text)), 9 if grid.n_cols > 3 else 10.5, bold=cell.kind == "header")
        for note in grid.notes:
            _docx_font(doc.add_paragraph().add_run(note), 10.5)
        doc.add_paragraph()
    path = Path(path)
    doc.save(path)
    return path


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


def write_markdown(tables: ReportTables, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(to_markdown(tables), encoding="utf-8")
    return path


# --- chart ----------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def chinese_font_path() -> Path | None:
    """A font file with CJK glyphs: the bundled Noto Sans SC package, else a system CJK font."""
    try:
        import pylopdf_fonts_zh_cn

        p = Path(pylopdf_fonts_zh_cn.sans_path())
        if p.exists():
            return p
    except ImportError:
        pass
    from matplotlib import font_manager

    for f in font_manager.findSystemFonts():
        name = Path(f).name.lower()
        if any(k in name for k in ("notosanscjk", "notosanssc", "wqy", "sourcehansans", "simhei", "droidsansfallback")):
            return Path(f)
    return None


def render_chart(data: ReportTables | dict[str, Any], path: str | Path) -> Path:
    """PNG: applications received per month by channel, and the year's outcomes breakdown.

    ``data`` is a ReportTables (uses its ``extras``) or a dict with ``year``,
    ``received_by_month_channel`` {channel: [12 counts]} and ``closed_by_outcome`` {code: n}.
    """
    # Object-oriented API only (no pyplot, no global rc changes): safe to call from a worker thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    if isinstance(data, ReportTables):
        year, extra = data.year, data.extras
    else:
        year, extra = data.get("year"), data
    by_month: dict[str, list[int]] = extra.get("received_by_month_channel", {})
    outcomes: dict[str, int] = extra.get("closed_by_outcome", {})
    font_file = chinese_font_path()
    if font_file is None:
        raise RuntimeError("no Chinese font found: install pylopdf-fonts-zh-cn (pip) or fonts-noto-cjk (apt)")
    fp = FontProperties(fname=str(font_file))
    title_fp = FontProperties(fname=str(font_file), size=13)

    fig = Figure(figsize=(13, 5.5))
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    months = list(range(1, 13))
    bottom = [0] * 12
    colors = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3"]
    for (ch, label), color in zip(CHANNELS.items(), colors):
        vals = by_month.get(ch, [0] * 12)
        ax1.bar(months, vals, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax1.set_xticks(months, [f"{m}月" for m in months], fontproperties=fp)
    ax1.set_ylabel("申请数（件）", fontproperties=fp)
    ax1.set_title(f"{year}年 每月收到申请数（按渠道）", fontproperties=title_fp)
    ax1.set_ylim(0, max(1, max(bottom)) * 1.3)  # headroom for the one-line legend
    legend = ax1.legend(title="申请渠道", prop=fp, ncols=5, loc="upper left")
    legend.get_title().set_fontproperties(fp)
    items = sorted(((OUTCOMES[c].label if c in OUTCOMES else str(c), n) for c, n in outcomes.items() if n),
                   key=lambda kv: kv[1])
    if items:
        labels, vals = zip(*items)
        bars = ax2.barh(range(len(vals)), vals, color="#4C72B0")
        ax2.set_yticks(range(len(vals)), labels, fontproperties=fp)
        ax2.bar_label(bars, padding=2)
    else:
        ax2.text(0.5, 0.5, "本年度暂无办结申请", ha="center", va="center", transform=ax2.transAxes, fontproperties=fp)
        ax2.set_yticks([])
        ax2.set_xticks([])
    ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_xlabel("办结数（件）", fontproperties=fp)
    ax2.set_title(f"{year}年 办理结果构成", fontproperties=title_fp)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path


def write(tables: ReportTables, path: str | Path) -> Path:
    """Write by suffix: .xlsx, .docx, .md or .png."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(tables, path)
    if suffix == ".docx":
        return write_docx(tables, path)
    if suffix == ".md":
        return write_markdown(tables, path)
    if suffix == ".png":
        return render_chart(tables, path)
    raise ValueError(f"unsupported output suffix {suffix!r}; use one of {', '.join(SUFFIXES)}")
