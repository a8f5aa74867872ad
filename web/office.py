"""The desk's office pages: the annual report (Tables 三/四, checks, downloads, the previous year,
the published report side by side), the knowledge base (reports, uploads, unanswered questions) and
the working-day calendar (a year's days and their source, the State Council schedule's import).

Reading needs the handler role; uploading a report and importing a schedule need the admin role.
The same services as the command line do the work: ``storage.statistics.build_report`` and
``bot.exports.write``, ``bot.qa.ingest_paths``, ``storage.calendar.import_schedule``.
"""

from __future__ import annotations

import asyncio
import calendar as monthcal
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote

from aiohttp import web

from bot.exports import write
from bot.qa import ingest_paths
from bot.texts import calendar as TC
from bot.texts import cli as TCLI
from bot.texts import reports as TR
from bot.texts import web as T
from disclosure.calendar import HOLIDAY, OverrideFileError
from disclosure.compare import cell_names, differing, numbers_at, published_tables
from disclosure.render import Grid, grids
from disclosure.tables import (
    FORMATS, LEGACY_ROWS, TABLE4_GROUPS, ReportInvariantError, ReportTables, data_rows, layout_for_year,
)
from knowledge.ingest import IngestBatchError
from storage import handling as H
from storage.calendar import import_schedule, load_calendar, official_year_sources
from storage.knowledge import get_report, list_reports, remove_reports, report_cells, reports_of_year, unanswered_summary
from storage.staff import audit
from storage.statistics import build_report
from web.core import CSRF_FIELD, MAX_UPLOAD_MB, STAFF, error_page, render, web_of
from web.desk import check_csrf, desk_page, done, with_flash

FIRST_YEAR = 2008  # the regulation took effect on 2008-05-01
DOWNLOADS = ("xlsx", "docx", "md", "png")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "png": "image/png",
}


# --- the annual report ----------------------------------------------------------------------------------

def _year(raw: str | None, default: int, last: int) -> int | None:
    if raw is None or raw == "":
        return default
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= last else None


@dataclass
class GridView:
    """A grid as HTML rows: the cells that start on each row, with the positions that differ marked."""

    title: str
    rows: list[list]
    notes: tuple[str, ...]
    diff: set[tuple[int, int]]
    other: dict[tuple[int, int], str]  # position → the other side's figure (for the tooltip)


def grid_view(grid: Grid, diff: set | None = None, other: Grid | None = None) -> GridView:
    rows: list[list] = [[] for _ in range(grid.n_rows)]
    for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows[cell.row].append(cell)
    theirs = {pos: ("" if c.text is None else str(c.text)) for pos, c in numbers_at(other).items()} if other else {}
    return GridView(grid.title, rows, grid.notes, diff or set(), theirs)


def _totals(tables: ReportTables) -> list[tuple[str, int]]:
    """(label, figure) of the rows compared with the previous year: Table 三's total column, Table 四's totals."""
    if tables.format == "legacy":
        return [(("\u3000" * r.level) + r.label, tables.rows[r.key]) for r in LEGACY_ROWS if r.data]
    out = [(("\u3000" * r.level) + r.label, tables.table3[r.key]["total"]) for r in data_rows(tables.format)]
    out += [(f"{T.TABLE_4}·{group}{('·' + sub) if sub else ''}", tables.table4[f"{prefix}_total"])
            for group, sub, prefix in TABLE4_GROUPS]
    return out


async def _build(w, year: int, fmt: str) -> tuple[ReportTables | None, list[str]]:
    try:
        return await build_report(w.db, year, fmt, settings=w.settings), []
    except ReportInvariantError as exc:
        return None, exc.violations


@desk_page(action="report")
async def report_page(request: web.Request) -> web.Response:
    w = web_of(request)
    today = H.local_today(w.settings)
    year = _year(request.query.get("year"), today.year, today.year)
    if year is None:
        return error_page(request, 400, T.REPORT_BAD_YEAR.format(first=FIRST_YEAR, last=today.year))
    fmt = request.query.get("format") or layout_for_year(year)
    if fmt not in FORMATS:
        return error_page(request, 400, T.REPORT_BAD_FORMAT)
    tables, violations = await _build(w, year, fmt)
    previous, _ = await _build(w, year - 1, fmt) if year > FIRST_YEAR else (None, [])
    comparison = []
    if tables is not None and previous is not None:
        comparison = [(label, now, before, now - before)
                      for (label, now), (_l, before) in zip(_totals(tables), _totals(previous))]
    loaded = await reports_of_year(w.db, year)
    chosen = request.query.get("compare", "")
    report = next((r for r in loaded if str(r.id) == chosen), None)
    if report is None and chosen != "none":
        report = next((r for r in loaded if r.agency == w.settings.home_agency), None)
        if report is None and len(loaded) == 1:
            report = loaded[0]
    views, side, published, differences = [], [], None, []
    if tables is not None:
        ours = grids(tables)
        if report is not None:
            published = published_tables(await report_cells(w.db, report.id), year, fmt)
            theirs = grids(published.tables)
            for mine, pub in zip(ours, theirs):
                diff = differing(mine, pub)
                names = cell_names(mine)
                views.append(grid_view(mine, diff, pub))
                side.append(grid_view(pub, diff, mine))
                positions = sorted(diff)
                differences += [(mine.title, *names[p], numbers_at(mine)[p].text,
                                 numbers_at(pub)[p].text if numbers_at(pub)[p].text is not None else T.EMPTY_CELL)
                                for p in positions]
        else:
            views = [grid_view(g) for g in ours]
    return render(request, "desk_report.html", year=year, fmt=fmt, formats=T.REPORT_FORMATS, tables=tables,
                  violations=violations, views=views, side=side, comparison=comparison, loaded=loaded,
                  report=report, published=published, differences=differences, last_year=today.year,
                  first_year=FIRST_YEAR, downloads=DOWNLOADS, years=range(today.year, FIRST_YEAR - 1, -1),
                  layout_names=T.REPORT_FORMATS)


@desk_page(action="report.download")
async def report_download(request: web.Request) -> web.StreamResponse:
    """GET /desk/report/{year}/{kind}: the same files as ``gongkai report --out`` (bot/exports.py)."""
    w = web_of(request)
    today = H.local_today(w.settings)
    kind = request.match_info["kind"]
    year = _year(request.match_info["year"], today.year, today.year)
    fmt = request.query.get("format") or (layout_for_year(year) if year else "")
    if kind not in DOWNLOADS or year is None or fmt not in FORMATS:
        raise web.HTTPNotFound()
    tables, violations = await _build(w, year, fmt)
    if tables is None:
        return error_page(request, 409, TR.REPORT_INVARIANT.format(details="\n".join(violations)))
    stem = TR.CHART_FILE_STEM.format(year=year) if kind == "png" else TR.REPORT_FILE_STEM.format(year=year, fmt=fmt)
    name = f"{stem}.{kind}"
    with tempfile.TemporaryDirectory(prefix="gongkai-web-") as tmp:
        path = await asyncio.to_thread(write, tables, Path(tmp) / f"report.{kind}")
        body = path.read_bytes()
    await audit(w.db, request[STAFF].actor, "report", detail=f"year {year} format {fmt} download {kind}")
    return web.Response(body=body, headers={
        "Content-Type": CONTENT_TYPES[kind],
        "Content-Disposition": f"attachment; filename=\"report-{year}.{kind}\"; filename*=UTF-8''{quote(name)}",
    })


# --- the knowledge base ------------------------------------------------------------------------------------

async def read_upload(request: web.Request, limit: int = MAX_UPLOAD_MB * 1024 * 1024
                      ) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """The text fields and the one file of a multipart form (at most ``limit`` bytes; 413 beyond)."""
    fields: dict[str, str] = {}
    upload = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if part.filename:
            data = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(data))
            if data and upload is None:
                upload = (part.filename, bytes(data))
        elif part.name:
            fields[part.name] = (await part.text())[:2000]
    return fields, upload


def safe_name(filename: str, default: str) -> str:
    """The upload's file name without folders or odd characters (it names the report's source)."""
    name = Path(unquote(filename).replace("\\", "/")).name  # some clients percent-encode the name
    name = re.sub(r"[^\w.\-()\uff08\uff09\u4e00-\u9fff]", "_", name)[:120].lstrip(".")
    return name or default


@desk_page(action="knowledge")
async def knowledge_page(request: web.Request) -> web.Response:
    return await with_flash(request, lambda: _knowledge(request))


async def _knowledge(request: web.Request, *, status: int = 200, errors: list[str] | None = None) -> web.Response:
    w = web_of(request)
    raw = request.query.get("days", "30")
    days = int(raw) if raw.isdigit() and int(raw) in T.KNOWLEDGE_DAY_CHOICES else 30
    since = datetime.now(timezone.utc) - timedelta(days=days)
    reports = await list_reports(w.db)
    unanswered = await unanswered_summary(w.db, since=since, limit=200)
    return render(request, "desk_knowledge.html", status=status, reports=reports, unanswered=unanswered, days=days,
                  errors=errors or [], admin=request[STAFF].can("admin"))


@desk_page("admin", action="knowledge.upload", form=False)
async def knowledge_upload(request: web.Request) -> web.StreamResponse:
    w = web_of(request)
    fields, upload = await read_upload(request)
    if not check_csrf(request, fields.get(CSRF_FIELD)):
        return error_page(request, 403, T.FORM_EXPIRED)
    if upload is None:
        return await _knowledge(request, status=400, errors=[T.KNOWLEDGE_NO_FILE])
    year_raw = fields.get("year", "").strip()
    if year_raw and not (year_raw.isdigit() and len(year_raw) == 4):
        return await _knowledge(request, status=400, errors=[T.KNOWLEDGE_BAD_YEAR])
    name = safe_name(upload[0], "report.txt")
    with tempfile.TemporaryDirectory(prefix="gongkai-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload[1])
        try:
            results = await ingest_paths(w.db, [path], agency=fields.get("agency", "").strip() or None,
                                         year=int(year_raw) if year_raw else None)
        except IngestBatchError as exc:
            return await _knowledge(request, status=400, errors=[
                TCLI.INGEST_ERROR.format(path=name, reason=e.reason) for e in exc.errors])
    lines = [T.KNOWLEDGE_RESULT[r.status].format(agency=r.agency, year=r.year, sentences=r.passages, cells=r.cells)
             for r in results]
    lines += [TCLI.INGEST_WARNINGS.format(warnings=T.WARNINGS_SEP.join(r.warnings)).strip()
              for r in results if r.warnings]
    await audit(w.db, request[STAFF].actor, "knowledge.upload",
                detail="; ".join(f"{r.agency} {r.year} {r.status}" for r in results))
    if hasattr(w.qa, "reload"):
        await w.qa.reload(w.db)  # the public page answers from the new report at once
    raise await done(request, "/desk/knowledge", "ok", lines)


@desk_page("admin", action="knowledge.remove")
async def knowledge_remove(request: web.Request) -> web.StreamResponse:
    w = web_of(request)
    raw = request.match_info["report_id"]
    report = await get_report(w.db, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if report is None:
        raise web.HTTPNotFound()
    await remove_reports(w.db, report_id=report.id)
    await audit(w.db, request[STAFF].actor, "knowledge.remove", detail=f"{report.agency} {report.year}")
    if hasattr(w.qa, "reload"):
        await w.qa.reload(w.db)
    raise await done(request, "/desk/knowledge", "ok", [T.KNOWLEDGE_REMOVED.format(agency=report.agency,
                                                                                    year=report.year)])


# --- the working-day calendar --------------------------------------------------------------------------

def _month_weeks(cal, year: int, month: int) -> list[list[dict | None]]:
    weeks = []
    for week in monthcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(None)
                continue
            workday, name = cal.is_workday(day), cal.day_name(day)
            kind = ("adjusted" if day.weekday() >= 5 else "workday") if workday else ("holiday" if name else "rest")
            row.append({"day": day.day, "date": day.isoformat(), "kind": kind, "name": name or ""})
        weeks.append(row)
    return weeks


@desk_page(action="calendar")
async def calendar_page(request: web.Request) -> web.Response:
    return await with_flash(request, lambda: _calendar(request))


async def _calendar(request: web.Request, *, status: int = 200, errors: list[str] | None = None) -> web.Response:
    w = web_of(request)
    today = H.local_today(w.settings)
    raw = request.query.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 5 else today.year
    cal = await load_calendar(w.db)
    sources = await official_year_sources(w.db)
    status_key = cal.source_of_year(year)
    months = [(m, _month_weeks(cal, year, m)) for m in range(1, 13)]
    workdays = sum(1 for m in months for week in m[1] for d in week if d and d["kind"] in ("workday", "adjusted"))
    special = [(d, TC.WEEKDAYS[d.weekday()], kind == HOLIDAY, name) for d, kind, name in cal.special_days(year)]
    next_missing = year + 1 if cal.is_provisional_year(year + 1) and today.month >= 10 and year == today.year else None
    return render(request, "desk_calendar.html", status=status, year=year, months=months, workdays=workdays,
                  source_label=TC.SOURCE_LABEL[status_key], source_file=sources.get(year), special=special,
                  weekdays=TC.WEEKDAYS, errors=errors or [], admin=request[STAFF].can("admin"),
                  years=range(today.year + 2, today.year - 6, -1), next_missing=next_missing)


@desk_page("admin", action="calendar.import", form=False)
async def calendar_import(request: web.Request) -> web.StreamResponse:
    w = web_of(request)
    fields, upload = await read_upload(request, limit=1024 * 1024)
    if not check_csrf(request, fields.get(CSRF_FIELD)):
        return error_page(request, 403, T.FORM_EXPIRED)
    if upload is None:
        return await _calendar(request, status=400, errors=[T.KNOWLEDGE_NO_FILE])
    try:
        text = upload[1].decode("utf-8-sig")
    except UnicodeDecodeError:
        return await _calendar(request, status=400, errors=[T.CALENDAR_NOT_UTF8])
    try:
        result = await import_schedule(w.db, text, safe_name(upload[0], "holidays.csv"), settings=w.settings)
    except OverrideFileError as exc:
        return await _calendar(request, status=400, errors=[T.CALENDAR_IMPORT_FAILED, *exc.errors])
    if not result.years:
        return await _calendar(request, status=400, errors=[T.CALENDAR_EMPTY])
    await audit(w.db, request[STAFF].actor, "holidays.import", detail=",".join(map(str, result.years)))
    lines = [T.CALENDAR_IMPORTED.format(years=T.LIST_SEP.join(map(str, result.years)))]
    if result.changed:
        lines.append(T.CALENDAR_RECOMPUTED)
        lines += [T.CALENDAR_CHANGE.format(number=n, old=old or T.NONE, new=new or T.NONE)
                  for n, old, new in result.changed]
    else:
        lines.append(T.CALENDAR_NO_CHANGE)
    if result.rederived:
        lines.append(T.CALENDAR_REDERIVED)
        lines += [T.CALENDAR_CHANGE.format(number=n, old=TC.TIMELINESS_LABEL.get(old, old or T.NONE),
                                           new=TC.TIMELINESS_LABEL.get(new, new)) for n, old, new in result.rederived]
    raise await done(request, f"/desk/calendar?year={result.years[0]}", "ok", lines)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/desk/report", report_page),
        web.get("/desk/report/{year}/{kind}", report_download),
        web.get("/desk/knowledge", knowledge_page),
        web.post("/desk/knowledge/upload", knowledge_upload),
        web.post("/desk/knowledge/{report_id}/remove", knowledge_remove),
        web.get("/desk/calendar", calendar_page),
        web.post("/desk/calendar/import", calendar_import),
    ]

