"""Annual-report statistics straight from the log, aggregated in SQL (GROUP BY), then assembled and
checked by the pure rules in :mod:`disclosure.tables`.

Public API:
- ``await build_report(db, year, fmt) -> ReportTables`` (raises ReportInvariantError when numbers
  do not add up, naming the rows)
- ``await year_aggregates(db, year) -> Aggregates``
- ``await live_stats(db, today) -> dict`` (the chat's /stats)

The files (xlsx, docx, md, png) are written by ``bot/exports.py``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, extract, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from decimal import Decimal, InvalidOperation

from disclosure.tables import CASES_BY, Aggregates, ReportTables, build_tables, layout_for_year
from storage.config import OfficeSettings, office
from storage.db import Database
from storage.models import Application, ApplicationEvent, Case, QuestionLog

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = Application.__table__.c
E = ApplicationEvent.__table__.c
C = Case.__table__.c
Q = QuestionLog.__table__.c

def timeliness_expr():
    """按时/延期/逾期 as derived from the events by the deadline engine (rule 6); stored per closed
    application and re-derived by :func:`refresh` whenever the calendar or the rules change. A row
    without a derived value is never counted as on time."""
    return func.coalesce(A.timeliness, literal("late"))


async def refresh(db: Database, year: int, agency: str | None = None,
                  settings: OfficeSettings | None = None) -> None:
    """Re-derive the timeliness of the year's closings that were derived with another calendar."""
    from storage.handling import refresh_timeliness

    await refresh_timeliness(db, year=year, agency=agency, settings=settings)


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


async def _aggregates(conn: AsyncConnection, year: int, agency: str | None, cases_by: str = "filing") -> Aggregates:
    start, end = date(year, 1, 1), date(year, 12, 31)
    agg = Aggregates(year, cases_by=cases_by)
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
    # Cases of earlier years decided this year: listed next to Table 四 (or counted, by decision year).
    earlier_where = [C.filed_date < start, C.result.is_not(None), C.decided_date.between(start, end),
                     *case_where[1:]]
    rows = await conn.execute(select(C.id, C.kind, C.filed_date, C.decided_date, C.result).where(*earlier_where)
                              .order_by(C.decided_date, C.filed_date, C.id))
    agg.earlier_cases = [tuple(r) for r in rows]
    if cases_by == "decision":
        for _id, kind, _f, _d, res in agg.earlier_cases:
            agg.cases[(kind, res)] += 1
    # Fees charged (信息处理费), by payment date, for 六、其他需要报告的事项.
    fee_where = [E.kind == "fee_paid", E.on_date.between(start, end)]
    if agency is not None:
        fee_where.append(E.application_id.in_(select(A.id).where(A.agency == agency)))
    for (data,) in await conn.execute(select(E.data).where(*fee_where)):
        try:
            amount = Decimal(str((data or {}).get("amount") or "0"))
        except InvalidOperation:
            continue
        agg.fees["applications"] += 1
        agg.fees["amount_fen"] += int(amount * 100)
    return agg


async def year_aggregates(db: Database, year: int, agency: str | None = None,
                          cases_by: str = "filing") -> Aggregates:
    async with db.engine.connect() as conn:
        return await _aggregates(conn, year, agency, cases_by)


def _cases_by(cases_by: str | None, settings: OfficeSettings | None) -> str:
    if cases_by is None:
        cases_by = office(settings).cases_count_by
    if cases_by not in CASES_BY:
        raise ValueError(f"cases_by must be one of {', '.join(CASES_BY)}")
    return cases_by


async def build_report(db: Database, year: int, fmt: str | None = None, agency: str | None = None,
                       cases_by: str | None = None, settings: OfficeSettings | None = None) -> ReportTables:
    """The year's official tables in layout ``fmt`` ("2021", "2019", "legacy"; default: the layout of
    that report year), checked. Timeliness is re-derived first where the calendar changed;
    ``cases_by`` defaults to ``settings.cases_count_by``."""
    await refresh(db, year, agency, settings)
    async with db.engine.connect() as conn:
        agg = await _aggregates(conn, year, agency, _cases_by(cases_by, settings))
    return build_tables(agg, fmt or layout_for_year(year))


def _utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, last+1 00:00) in Shanghai, as UTC instants."""
    lo = datetime.combine(first, time.min, SHANGHAI).astimezone(timezone.utc)
    hi = datetime.combine(last + timedelta(days=1), time.min, SHANGHAI).astimezone(timezone.utc)
    return lo, hi


async def live_stats(db: Database, today: date, agency: str | None = None,
                     settings: OfficeSettings | None = None) -> dict[str, Any]:
    """Short live summary for staff: open, due this week, overdue, on-time rate this year,
    unanswered questions this month. "This week" = today through Sunday."""
    week_end = today + timedelta(days=6 - today.weekday())
    year_start = date(today.year, 1, 1)
    # open as of ``today`` (so the summary can also be asked for a past day)
    is_open = and_(A.receipt_date <= today, or_(A.closed_date.is_(None), A.closed_date > today))
    await refresh(db, today.year, agency, settings)
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
