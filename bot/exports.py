"""The annual report's files: .xlsx, .docx, .md and a PNG chart, and the chat's /report bundle.

The tables are built and checked in ``storage.statistics`` and laid out by the pure rules of
``disclosure.render`` (grids with merged cells, the Markdown text); this module only writes them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.texts import reports as T
from disclosure.outcomes import CHANNELS, OUTCOMES
from disclosure.render import display_width, grids, report_title, to_markdown
from disclosure.tables import ReportTables, layout_for_year
from storage.config import OfficeSettings
from storage.db import Database
from storage.statistics import build_report

SUFFIXES = (".xlsx", ".docx", ".md", ".png")


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
            n = -(-display_width(str(cell.text)) // max(1, int(width) - 1))
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
    ax1.set_xticks(months, [T.CHART_MONTH.format(month=m) for m in months], fontproperties=fp)
    ax1.set_ylabel(T.CHART_RECEIVED_AXIS, fontproperties=fp)
    ax1.set_title(T.CHART_RECEIVED_TITLE.format(year=year), fontproperties=title_fp)
    ax1.set_ylim(0, max(1, max(bottom)) * 1.3)  # headroom for the one-line legend
    legend = ax1.legend(title=T.CHART_CHANNEL_LEGEND, prop=fp, ncols=5, loc="upper left")
    legend.get_title().set_fontproperties(fp)
    items = sorted(((OUTCOMES[c].label if c in OUTCOMES else str(c), n) for c, n in outcomes.items() if n),
                   key=lambda kv: kv[1])
    if items:
        labels, vals = zip(*items)
        bars = ax2.barh(range(len(vals)), vals, color="#4C72B0")
        ax2.set_yticks(range(len(vals)), labels, fontproperties=fp)
        ax2.bar_label(bars, padding=2)
    else:
        ax2.text(0.5, 0.5, T.CHART_NO_CLOSED, ha="center", va="center", transform=ax2.transAxes, fontproperties=fp)
        ax2.set_yticks([])
        ax2.set_xticks([])
    ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_xlabel(T.CHART_CLOSED_AXIS, fontproperties=fp)
    ax2.set_title(T.CHART_OUTCOMES_TITLE.format(year=year), fontproperties=title_fp)
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


# --- the chat's /report ------------------------------------------------------------------------------

@dataclass
class ReportBundle:
    """What the chat's /report sends: the readable Table 三 message and the files."""

    tables: ReportTables
    text: str
    files: list[Path]  # .xlsx, .docx, .png (in that order)


async def report_bundle(db: Database, year: int, out_dir: str | Path, fmt: str | None = None, *,
                        settings: OfficeSettings | None = None) -> ReportBundle:
    """Build, check and render the year's report (layout of that year unless ``fmt`` is given);
    the rendering runs in a worker thread."""
    fmt = fmt or layout_for_year(year)
    tables = await build_report(db, year, fmt, settings=settings)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def render_all() -> list[Path]:
        stem = T.REPORT_FILE_STEM.format(year=year, fmt=fmt)
        return [write(tables, out / f"{stem}.xlsx"), write(tables, out / f"{stem}.docx"),
                write(tables, out / f"{T.CHART_FILE_STEM.format(year=year)}.png")]

    files = await asyncio.to_thread(render_all)
    text = to_markdown(tables) if fmt == "legacy" else T.format_table3_message(tables)
    return ReportBundle(tables, text, files)
