"""Annual-report statistics straight from the log, aggregated in SQL (GROUP BY), then assembled and
checked by the pure rules in :mod:`disclosure.tables`.

Public API:
- ``await build_report(db, year, fmt) -> ReportTables`` (raises ReportInvariantError when numbers
  do not add up, naming the rows)
- ``await year_aggregates(db, year) -> Aggregates``
- ``await live_stats(db, today) -> dict`` (the chat's /stats)
- ``await report_bundle(db, year, out_dir) -> ReportBundle`` (the chat's /report: text + xlsx, docx, png)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, extract, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from disclosure.tables import Aggregates, ReportTables, build_tables
from storage.db import Database
from storage.models import Application, ApplicationEvent, Case, QuestionLog

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = Application.__table__.c
E = ApplicationEvent.__table__.c
C = Case.__table__.c
Q = QuestionLog.__table__.c

EXTENSION_KIND = "extension"


def _has_extension():
    return exists().where(and_(E.application_id == A.id, E.kind == EXTENSION_KIND))


def timeliness_expr():
    """SQL twin of :func:`disclosure.tables.timeliness` (rule 6)."""
    return case(
        (and_(A.original_due.is_not(None), A.closed_date <= A.original_due), literal("on_time")),
        (and_(A.reply_due.is_not(None), A.closed_date <= A.reply_due, _has_extension()), literal("extended")),
        else_=literal("late"),
    )


def _agency(agency: str | None):
    return [A.agency == agency] if agency is not None else []


async def _carried_out(conn: AsyncConnection, end: date, agency: str | None) -> Counter:
    """Applications received by ``end`` and still open after it, by applicant type."""
    rows = await conn.execute(
        select(A.applicant_type, func.count())
        .where(A.receipt_date <= end, or_(A.closed_date.is_(None), A.closed_date > end), *_agency(agency))
        .group_by(A.applicant_type)
    )
    return Counter({t: n for t, n in rows})


async def _aggregates(conn: AsyncConnection, year: int, agency: str | None) -> Aggregates:
    start, end = date(year, 1, 1), date(year, 12, 31)
    agg = Aggregates(year)
    rows = await conn.execute(
        select(A.applicant_type, A.channel, extract("month", A.receipt_date), func.count())
        .where(A.receipt_date.between(start, end), *_agency(agency))
        .group_by(A.applicant_type, A.channel, extract("month", A.receipt_date))
    )
    agg.new_received = Counter({(t, ch, int(m)): n for t, ch, m, n in rows})
    agg.carried_in = await _carried_out(conn, start - timedelta(days=1), agency)
    tm = timeliness_expr().label("timeliness")
    month = extract("month", A.closed_date)
    rows = await conn.execute(
        select(A.applicant_type, A.outcome, tm, month, func.count())
        .where(A.closed_date.between(start, end), *_agency(agency))
        .group_by(A.applicant_type, A.outcome, tm, month)
    )
    agg.closed = Counter({(t, oc, tl, int(m)): n for t, oc, tl, m, n in rows})
    agg.carried_out = await _carried_out(conn, end, agency)
    result = case(
        (and_(C.result.is_not(None), C.decided_date.is_not(None), C.decided_date <= end), C.result),
        else_=literal("pending"),
    )
    case_where = [C.filed_date.between(start, end)]
    if agency is not None:
        case_where.append(or_(C.application_id.is_(None),
                              C.application_id.in_(select(A.id).where(A.agency == agency))))
    rows = await conn.execute(select(C.kind, result, func.count()).where(*case_where).group_by(C.kind, result))
    agg.cases = Counter({(k, r): n for k, r, n in rows})
    return agg


async def year_aggregates(db: Database, year: int, agency: str | None = None) -> Aggregates:
    async with db.engine.connect() as conn:
        return await _aggregates(conn, year, agency)


async def build_report(db: Database, year: int, fmt: str = "2021", agency: str | None = None) -> ReportTables:
    """The year's official tables in layout ``fmt`` ("2021", "2019", "legacy"), checked."""
    async with db.engine.connect() as conn:
        agg = await _aggregates(conn, year, agency)
    return build_tables(agg, fmt)


def _utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in Shanghai, as UTC instants."""
    lo = datetime.combine(first, time.min, SHANGHAI).astimezone(timezone.utc)
    hi = datetime.combine(last + timedelta(days=1), time.min, SHANGHAI).astimezone(timezone.utc)
    return lo, hi


async def live_stats(db: Database, today: date, agency: str | None = None) -> dict[str, Any]:
    """Short live summary for staff: open, due this week, overdue, on-time rate this year,
    unanswered questions this month. "This week" = today through Sunday."""
    week_end = today + timedelta(days=6 - today.weekday())
    year_start = date(today.year, 1, 1)
    # open as of ``today`` (so the summary can also be asked for a past day)
    is_open = and_(A.receipt_date <= today, or_(A.closed_date.is_(None), A.closed_date > today))
    async with db.engine.connect() as conn:
        row = (await conn.execute(
            select(
                func.count().filter(is_open),
                func.count().filter(is_open, A.reply_due.between(today, week_end)),
                func.count().filter(is_open, A.reply_due < today),
            ).where(*_agency(agency))
        )).one()
        open_n, due_week, overdue = (int(x or 0) for x in row)
        tm = timeliness_expr()
        trow = (await conn.execute(
            select(
                func.count(),
                func.count().filter(tm == "on_time"),
                func.count().filter(tm == "extended"),
                func.count().filter(tm == "late"),
            ).where(A.closed_date.between(year_start, today), *_agency(agency))
        )).one()
        closed, on_time, extended, late = (int(x or 0) for x in trow)
        lo, hi = _utc_bounds(today.replace(day=1), today)
        unanswered = (await conn.execute(
            select(func.count()).where(Q.answered.is_(False), Q.asked_at >= lo, Q.asked_at < hi)
        )).scalar_one()
    return {
        "today": today.isoformat(),
        "open": open_n,
        "due_this_week": due_week,
        "overdue": overdue,
        "closed_this_year": closed,
        "on_time": on_time,
        "extended": extended,
        "late": late,
        # within the legal time limit (an approved extension is lawful); late closings lower it
        "on_time_rate": ((on_time + extended) / closed) if closed else None,
        "unanswered_questions_this_month": int(unanswered),
    }


@dataclass
class ReportBundle:
    """What the chat's /report sends: the readable Table 三 message and the files."""

    tables: ReportTables
    text: str
    files: list[Path]  # .xlsx, .docx, .png (in that order)


async def report_bundle(db: Database, year: int, out_dir: str | Path, fmt: str = "2021") -> ReportBundle:
    """Build, check and render the year's report; the rendering runs in a worker thread."""
    from bot.texts.reports import format_table3_message
    from disclosure.render import to_markdown, write

    tables = await build_report(db, year, fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def render_all() -> list[Path]:
        stem = f"政府信息公开统计表_{year}_{fmt}"
        return [write(tables, out / f"{stem}.xlsx"), write(tables, out / f"{stem}.docx"),
                write(tables, out / f"申请情况图_{year}.png")]

    files = await asyncio.to_thread(render_all)
    text = to_markdown(tables) if fmt == "legacy" else format_table3_message(tables)
    return ReportBundle(tables, text, files)
