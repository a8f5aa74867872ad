"""The working-day calendar as configured in the database: imported official years on top of the
shipped override file and chinese_calendar (see disclosure/calendar.py for the lookup order)."""

from __future__ import annotations

import logging
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
    overrides = read_override_file(path)
    years = sorted({d.year for d in overrides})
    if not years:
        return []
    async with db.session() as s:
        await s.execute(delete(HolidayOverride).where(col(HolidayOverride.year).in_(years)))
        await s.execute(delete(OfficialYear).where(col(OfficialYear.year).in_(years)))
        for day, (kind, name) in sorted(overrides.items()):
            s.add(HolidayOverride(day=day, year=day.year, kind=kind, name=name))
        for year in years:
            s.add(OfficialYear(year=year, source=path.name, imported_at=utcnow()))
        await s.commit()
    log.info("imported official holiday schedule for %s from %s", years, path)
    return years
