"""Working-day calendar: package data, make-up days, provisional years, overrides, CSV import, CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from disclosure.calendar import (
    OverrideFileError,
    WorkCalendar,
    default_calendar,
    missing_next_year,
    statutory_holidays,
    parse_override_rows,
)
from storage.calendar import read_override_file
from tests.conftest import keys_for_tests

OVERRIDES_FILE = Path(__file__).resolve().parent.parent / "disclosure" / "data" / "holiday_overrides.csv"

PACKAGE = WorkCalendar()


def days_of(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


# --- package data, make-up days, holidays ----------------------------------------------------

def test_makeup_working_days_count_and_are_named():
    for d in (date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)):
        assert d.weekday() >= 5
        assert PACKAGE.is_workday(d), d
        assert PACKAGE.day_name(d) == "调休上班"


def test_holidays_are_not_working_days_and_named():
    assert not PACKAGE.is_workday(date(2026, 10, 1))
    assert PACKAGE.day_name(date(2026, 10, 1)) == "国庆节"
    assert PACKAGE.day_name(date(2026, 2, 17)) == "春节"
    assert PACKAGE.day_name(date(2026, 9, 25)) == "中秋节"
    assert not PACKAGE.is_workday(date(2026, 2, 23))  # a Monday inside 春节


def test_ordinary_days():
    assert PACKAGE.is_workday(date(2026, 9, 18)) and PACKAGE.day_name(date(2026, 9, 18)) is None
    assert not PACKAGE.is_workday(date(2026, 9, 19))
    assert PACKAGE.day_name(date(2026, 9, 19)) is None
    assert PACKAGE.rest_reason(date(2026, 9, 19)) == "周末"


def test_package_agrees_with_chinese_calendar_every_day_of_its_range():
    low, high = PACKAGE.coverage()
    assert low <= 2019 and high >= 2026
    for year in (2018, 2019, 2020, 2026):
        for d in days_of(year):
            assert PACKAGE.is_workday(d) == chinese_calendar.is_workday(d), d


def test_shipped_override_file_matches_the_2026_notice_day_for_day():
    shipped = default_calendar()
    assert 2026 in shipped.official_years
    assert 2027 not in shipped.official_years  # never invented
    for d in days_of(2026):
        assert shipped.is_workday(d) == chinese_calendar.is_workday(d), d
        assert shipped.day_name(d) == PACKAGE.day_name(d), d
    data = read_override_file(OVERRIDES_FILE)
    assert {d.year for d in data} == {2026}


# --- provisional years -------------------------------------------------------------------------

def test_year_after_package_is_provisional_and_never_raises():
    high = PACKAGE.coverage()[1]
    year = high + 1
    assert PACKAGE.is_provisional_year(year)
    assert not PACKAGE.is_provisional_year(high)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(year, 1, 4))
    statutory = statutory_holidays(year)
    assert len(statutory) == 13  # 2024 revision of the 放假办法: 13 days
    for d in days_of(year):
        if d in statutory:
            assert not PACKAGE.is_workday(d) and PACKAGE.day_name(d) == statutory[d]
        else:
            assert PACKAGE.is_workday(d) == (d.weekday() < 5)
            assert PACKAGE.day_name(d) is None
    assert PACKAGE.add_workdays(date(high, 12, 31), 30) > date(high, 12, 31)
    assert PACKAGE.source_of_year(year) == "provisional"
    assert PACKAGE.source_of_year(2026) == "packaged"


@pytest.mark.parametrize("year", range(2008, 2027))
def test_statutory_holidays_computed_in_advance_are_rest_days_in_every_packaged_year(year):
    """The fallback's 元旦/春节/清明/劳动节/端午/中秋/国庆 (lunar dates and the 清明 solar term computed,
    per the 放假办法 in force that year) are rest days with the same name in chinese_calendar."""
    days = statutory_holidays(year)
    # 13 days from 2025, 11 before; fewer when two coincide (中秋 on 1 October in 2009 and 2020)
    assert len(days) == {True: 13, False: 11}[year >= 2025] - (year in (2009, 2020))
    for d, name in days.items():
        assert not chinese_calendar.is_workday(d), (d, name)
        # chinese_calendar leaves a few holidays that fall on a weekend unnamed (2012-06-23 端午)
        assert chinese_calendar.get_holiday_detail(d)[1] is not None or d.weekday() >= 5, (d, name)


def test_provisional_2027_knows_new_year_spring_festival_and_qingming():
    days = statutory_holidays(2027)
    assert days[date(2027, 1, 1)] == "元旦"
    assert [d for d, n in days.items() if n == "春节"] == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7),
                                                          date(2027, 2, 8)]  # 除夕–初三
    assert days[date(2027, 4, 5)] == "清明节"
    assert {d for d, n in days.items() if n == "劳动节"} == {date(2027, 5, 1), date(2027, 5, 2)}
    assert PACKAGE.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_year_before_package_is_provisional():
    low = PACKAGE.coverage()[0]
    assert PACKAGE.is_provisional_year(low - 1)
    assert PACKAGE.is_workday(date(low - 1, 12, 31)) == (date(low - 1, 12, 31).weekday() < 5)


def test_missing_next_year_reminder_window():
    assert missing_next_year(date(2026, 9, 30), PACKAGE) is None
    assert missing_next_year(date(2026, 10, 1), PACKAGE) == 2027
    official = WorkCalendar({date(2027, 1, 1): ("holiday", "元旦")}, [2027])
    assert missing_next_year(date(2026, 12, 1), official) is None
    assert missing_next_year(date(2025, 10, 1), PACKAGE) is None  # 2026 is packaged


# --- overrides ---------------------------------------------------------------------------------

def test_single_override_beats_the_package():
    cal = WorkCalendar({date(2026, 10, 9): ("holiday", "临时放假"), date(2026, 10, 11): ("workday", "")})
    assert not cal.is_workday(date(2026, 10, 9)) and cal.day_name(date(2026, 10, 9)) == "临时放假"
    assert cal.is_workday(date(2026, 10, 11)) and cal.day_name(date(2026, 10, 11)) == "调休上班"
    assert not cal.is_workday(date(2026, 10, 1))  # rest of 2026 still from the package
    assert not cal.is_provisional_year(2026)


def test_official_year_ignores_the_package_for_that_year():
    # An official year is complete: the package's holidays do not apply.
    cal = WorkCalendar({date(2026, 10, 1): ("holiday", "国庆节")}, [2026])
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.is_workday(date(2026, 10, 2))
    assert not cal.is_workday(date(2026, 9, 20))  # package make-up Sunday not in this file
    assert cal.source_of_year(2026) == "official"


def test_official_year_after_package_is_not_provisional():
    cal = WorkCalendar({date(2027, 1, 1): ("holiday", "元旦")}, [2027])
    assert not cal.is_provisional_year(2027)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.special_days(2027) == [(date(2027, 1, 1), "holiday", "元旦")]


def test_with_overrides_replaces_a_whole_year():
    base = default_calendar()
    replaced = base.with_overrides({date(2026, 10, 9): ("holiday", "测试")}, [2026])
    assert not replaced.is_workday(date(2026, 10, 9))
    assert replaced.is_workday(date(2026, 10, 1))  # the shipped 2026 entries are gone
    assert base.is_workday(date(2026, 10, 9))  # original untouched


def test_bad_override_kind_rejected():
    with pytest.raises(ValueError):
        WorkCalendar({date(2026, 1, 1): ("vacation", "x")})


# --- ranges ------------------------------------------------------------------------------------

def test_add_workdays_and_counts():
    assert PACKAGE.add_workdays(date(2026, 9, 18), 7) == date(2026, 9, 29)
    assert PACKAGE.add_workdays(date(2026, 9, 18), 0) == date(2026, 9, 18)
    assert PACKAGE.add_workdays(date(2026, 9, 29), -7) == date(2026, 9, 18)
    assert PACKAGE.workdays_in(date(2026, 9, 18), date(2026, 9, 29)) == 7
    assert PACKAGE.workdays_in(date(2026, 9, 29), date(2026, 9, 18)) == 0
    skipped = PACKAGE.non_working_days(date(2026, 9, 30), date(2026, 10, 9))
    assert [n for _, n in skipped] == ["国庆节"] * 7
    assert PACKAGE.non_working_days(date(2026, 9, 18), date(2026, 9, 20)) == [(date(2026, 9, 19), "周末")]


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2028, 6, 30)), st.integers(min_value=0, max_value=60))
def test_add_workdays_inverse_of_workdays_in(start, n):
    end = PACKAGE.add_workdays(start, n)
    assert PACKAGE.workdays_in(start, end) == n
    if n:
        assert PACKAGE.is_workday(end)
        assert end >= start + timedelta(days=n)
    nonwork = PACKAGE.non_working_days(start, end)
    assert len(nonwork) + n == (end - start).days


# --- CSV parsing -------------------------------------------------------------------------------

def test_parse_override_rows_collects_every_error_with_row_numbers():
    rows = [
        ["date", "type", "name"],
        ["2027-01-01", "holiday", "元旦"],
        ["2027-02-30", "holiday", "春节"],
        ["2027-02-06", "vacation", "x"],
        ["2027-02-08", "workday", ""],          # a Monday cannot be a make-up workday
        ["2027-01-01", "holiday", "元旦"],      # duplicate
        ["2027-02-10", "holiday", ""],          # holiday without a name
    ]
    with pytest.raises(OverrideFileError) as info:
        parse_override_rows(rows)
    errors = info.value.errors
    assert len(errors) == 5
    assert [e.split("/")[0] for e in errors] == ["第3行 ", "第4行 ", "第5行 ", "第6行 ", "第7行 "]


def test_parse_override_rows_header_and_blank_lines():
    with pytest.raises(OverrideFileError):
        parse_override_rows([["day", "kind", "name"]])
    with pytest.raises(OverrideFileError):
        parse_override_rows([])
    data = parse_override_rows([["\ufeffdate", "type", "name"], [], ["2027-01-02", "workday"]])
    assert data == {date(2027, 1, 2): ("workday", "调休上班")}


# --- database import (storage/calendar.py) -----------------------------------------------------

HYPOTHETICAL_2027 = """date,type,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
"""  # test data only — NOT the real 2027 schedule


async def test_import_makes_year_official_and_load_calendar_uses_it(db, tmp_path):
    from storage.calendar import import_holidays, load_calendar, official_year_sources

    before = await load_calendar(db)
    assert before.is_provisional_year(2027)
    path = tmp_path / "h2027.csv"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    assert await import_holidays(db, path) == [2027]
    cal = await load_calendar(db)
    assert not cal.is_provisional_year(2027)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 4))
    assert 2026 in cal.official_years  # shipped file still applies
    assert (await official_year_sources(db)) == {2027: "h2027.csv"}


async def test_import_is_all_or_nothing(db, tmp_path):
    from sqlalchemy import func, select

    from storage.calendar import import_holidays, load_calendar
    from storage.models import HolidayOverride, OfficialYear

    bad = tmp_path / "bad.csv"
    bad.write_text(HYPOTHETICAL_2027 + "2027-13-01,holiday,x\n", encoding="utf-8")
    with pytest.raises(OverrideFileError) as info:
        await import_holidays(db, bad)
    assert "第5行" in info.value.errors[0]
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(HolidayOverride))).scalar_one() == 0
        assert (await s.execute(select(func.count()).select_from(OfficialYear))).scalar_one() == 0
    assert (await load_calendar(db)).is_provisional_year(2027)


async def test_reimport_replaces_the_year_and_db_beats_shipped_file(db, tmp_path):
    from storage.calendar import import_holidays, load_calendar

    first = tmp_path / "a.csv"
    first.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    await import_holidays(db, first)
    second = tmp_path / "b.csv"
    second.write_text("date,type,name\n2027-01-01,holiday,元旦\n2026-10-09,holiday,测试放假\n", encoding="utf-8")
    assert await import_holidays(db, second) == [2026, 2027]
    cal = await load_calendar(db)
    assert cal.is_workday(date(2027, 1, 4)) and cal.is_workday(date(2027, 1, 1)) is False
    assert cal.day_name(date(2027, 1, 2)) is None  # the first import's 1-02 entry is gone
    assert not cal.is_workday(date(2026, 10, 9))
    assert cal.is_workday(date(2026, 10, 1))  # DB 2026 replaced the shipped 2026


# --- CLI: holidays import / show ---------------------------------------------------------------

def _cli():
    from bot.cli import app

    return app


def test_cli_holidays_show_packaged_official_provisional():
    runner = CliRunner()
    out = runner.invoke(_cli(), ["holidays", "show", "2027"])
    assert out.exit_code == 0, out.output
    assert "暂定" in out.stdout
    out = runner.invoke(_cli(), ["holidays", "show", "2020", "--json"])
    data = json.loads(out.stdout)
    assert data["status"] == "packaged"
    assert {"date": "2020-01-19", "type": "workday", "name": "调休上班"} in data["days"]
    out = runner.invoke(_cli(), ["holidays", "show", "2026", "--json"])
    data = json.loads(out.stdout)
    assert data["status"] == "official" and data["source"] == "holiday_overrides.csv"
    assert {"date": "2026-10-10", "type": "workday", "name": "调休上班"} in data["days"]


def test_cli_holidays_import_then_show_and_deadline(tmp_path):
    runner = CliRunner()
    path = tmp_path / "h2027.csv"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    before = json.loads(runner.invoke(_cli(), ["deadline", "--received", "2026-12-04", "--json"]).stdout)
    assert before["provisional"] is True and before["due"] == "2027-01-04"  # 元旦 known in advance
    out = runner.invoke(_cli(), ["holidays", "import", str(path)])
    assert out.exit_code == 0, out.output
    assert "2027" in out.stdout
    data = json.loads(runner.invoke(_cli(), ["holidays", "show", "2027", "--json"]).stdout)
    assert data["status"] == "official" and data["source"] == "h2027.csv" and len(data["days"]) == 3
    after = json.loads(runner.invoke(_cli(), ["deadline", "--received", "2026-12-04", "--json"]).stdout)
    assert after["provisional"] is False and after["due"] == "2027-01-04"


def test_cli_holidays_import_bad_file_reports_rows_and_stores_nothing(tmp_path):
    runner = CliRunner()
    path = tmp_path / "bad.csv"
    path.write_text("date,type,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-06,off,x\n", encoding="utf-8")
    out = runner.invoke(_cli(), ["holidays", "import", str(path)])
    assert out.exit_code != 0
    assert "第3行" in out.stderr and "第4行" in out.stderr
    data = json.loads(runner.invoke(_cli(), ["holidays", "show", "2027", "--json"]).stdout)
    assert data["status"] == "provisional"
    missing = runner.invoke(_cli(), ["holidays", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code != 0 and "nope.csv" in missing.stderr


def test_cli_holidays_import_recomputes_open_deadlines_and_lists_changes(tmp_path):
    import asyncio

    from bot.settings import get_settings
    from storage.db import open_database
    from storage.models import Application

    async def setup():
        db = await open_database(get_settings().resolved_database_url, keys=keys_for_tests())
        try:
            async with db.session() as s:
                s.add(Application(year=2026, seq=7, number="2026-0007", applicant_type="natural_person", name="张三",
                                  description="x", receipt_date=date(2026, 12, 4), reply_due=date(2027, 1, 1)))
                s.add(Application(year=2026, seq=8, number="2026-0008", applicant_type="natural_person", name="李四",
                                  description="y", receipt_date=date(2026, 9, 18), reply_due=date(2026, 10, 22)))
                await s.commit()
        finally:
            await db.dispose()

    asyncio.run(setup())
    path = tmp_path / "h2027.csv"
    path.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    out = CliRunner().invoke(_cli(), ["holidays", "import", str(path)])
    assert out.exit_code == 0, out.output
    assert "2026-0007：2027-01-01 → 2027-01-04" in out.stdout
    assert "2026-0008" not in out.stdout
    again = CliRunner().invoke(_cli(), ["holidays", "import", str(path)])
    assert "无变化" in again.stdout
