"""The working-day calendar as configured in the database: imported official years on top of the
shipped override file and chinese_calendar (see disclosure/calendar.py for the lookup order)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import col, select

from disclosure.calendar import WorkCalendar, default_calendar, parse_override_text
from storage.db import Database
from storage.models import HolidayOverride, OfficialYear, utcnow

log = logging.getLogger(__name__)


async def load_calendar(db: Database) -> WorkCalendar:
    """Shipped overrides + chinese_calendar, with every year imported into the database replacing
    whatever the shipped file says about that year."""
    base = default_calendar()
    async with db.session() as s:
        years = [row.year for row in (await s.execute(select(OfficialYear))).scalars().all()]
        rows = (await s.execute(select(HolidayOverride))).scalars().all() if years else []
    if not years:
        return base
    overrides = {row.day: (row.kind, row.name) for row in rows}
    return base.with_overrides(overrides, years)


async def official_year_sources(db: Database) -> dict[int, str]:
    """Imported years and the file each came from."""
    async with db.session() as s:
        rows = (await s.execute(select(OfficialYear))).scalars().all()
    return {row.year: row.source for row in rows}


def read_override_file(path: str | Path) -> dict[date, tuple[str, str]]:
    """The overrides of a State Council schedule file (CSV ``date,type,name``, UTF-8); OverrideFileError
    lists every bad row."""
    return parse_override_text(Path(path).read_text(encoding="utf-8-sig"))


async def import_holidays(db: Database, path: str | Path) -> list[int]:
    """Import a CSV ``date,type,name`` (type = holiday|workday). Every row is validated first
    (OverrideFileError lists all bad rows with their line numbers); then, in one transaction, each
    year present replaces that year's previous import and becomes official. Returns the years."""
    path = Path(path)
    return await import_holidays_text(db, path.read_text(encoding="utf-8-sig"), path.name)


async def import_holidays_text(db: Database, text: str, source: str) -> list[int]:
    """:func:`import_holidays` for the file's text (an upload); ``source`` names the file."""
    overrides = parse_override_text(text)
    years = sorted({d.year for d in overrides})
    if not years:
        return []
    async with db.session() as s:
        await s.execute(delete(HolidayOverride).where(col(HolidayOverride.year).in_(years)))
        await s.execute(delete(OfficialYear).where(col(OfficialYear.year).in_(years)))
        for day, (kind, name) in sorted(overrides.items()):
            s.add(HolidayOverride(day=day, year=day.year, kind=kind, name=name))
        for year in years:
            s.add(OfficialYear(year=year, source=source, imported_at=utcnow()))
        await s.commit()
    log.info("imported official holiday schedule for %s from %s", years, source)
    return years


@dataclass(frozen=True)
class ScheduleImport:
    years: list[int]
    changed: list[tuple[str, date | None, date | None]]  # open applications whose due date moved
    rederived: list[tuple[str, str | None, str]]  # closed applications whose 按时/延期/逾期 changed


async def import_schedule(db: Database, text: str, source: str, *, settings=None) -> ScheduleImport:
    """Import a State Council schedule (``gongkai holidays import`` and the desk's calendar page),
    then re-derive the open deadlines and the timeliness of closed applications on the new calendar.
    OverrideFileError (every bad row) and nothing stored when the file is wrong."""
    from storage.handling import recompute_open_deadlines, refresh_timeliness

    years = await import_holidays_text(db, text, source)
    if not years:
        return ScheduleImport([], [], [])
    changed = await recompute_open_deadlines(db, settings=settings)
    rederived = await refresh_timeliness(db, settings=settings)
    return ScheduleImport(years, changed, rederived)
