"""The Chinese working-day calendar (工作日) used by every statutory deadline.

Source order for one day (domain.md §5.4):

1. an **override** for that day (imported from the State Council notice, or shipped in
   ``disclosure/data/holiday_overrides.csv``);
2. a year listed in ``official_years`` is complete: a day without an override is an ordinary day
   (Mon–Fri work, Sat/Sun rest);
3. ``chinese_calendar`` when it has data for the year (it raises ``NotImplementedError`` outside its
   range — that never escapes this module);
4. the **provisional** fallback: the statutory holidays of 《全国年节及纪念日放假办法》 computed in
   advance (fixed dates; 春节, 端午, 中秋 from the lunar calendar; 清明 from the solar terms), other
   Mon–Fri days work, Sat/Sun rest. Only the State Council's swaps (调休) are unknown until its
   notice. Deadlines touching such a year are flagged provisional (暂定) by the deadline engine.

Pure: no database, no aiogram, no files — except the override table shipped inside this package
(read once, as package data); an imported schedule file is read by ``storage.calendar``.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import chinese_calendar
from lunar_python import Lunar

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)

MAKEUP_WORKDAY_NAME = "调休上班"
WEEKEND_NAME = "周末"
HOLIDAY_NAME = "节假日"

OVERRIDES_RESOURCE = "data/holiday_overrides.csv"  # package data of ``disclosure``
CSV_HEADER = ("date", "type", "name")

# chinese_calendar names its holidays in English; these are the names used in the State Council notices.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


# --- statutory holidays known in advance (《全国年节及纪念日放假办法》) ----------------------------

NEW_YEAR, SPRING, QINGMING, LABOUR, DRAGON_BOAT, MID_AUTUMN, NATIONAL = (
    "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    """清明: the day the sun reaches 15° ecliptic longitude (a solar term), in Beijing time."""
    term = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    return date(term.getYear(), term.getMonth(), term.getDay())


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The days off for everyone under the 放假办法 in force in ``year`` (no swaps, no in-lieu days).

    - from 2025 (2024 revision): 元旦 1; 春节 4 (除夕–初三); 清明 1; 劳动节 2 (1–2 May); 端午 1; 中秋 1; 国庆 3
    - 2014–2024 (2013 revision): 春节 初一–初三; 劳动节 1 May
    - 2008–2013 (2007 revision): 春节 除夕–初二; 劳动节 1 May
    - before 2008 (1999 text): 元旦 1; 春节 初一–初三; 劳动节 1–3 May; 国庆 1–3 Oct (no 清明/端午/中秋)
    """
    new_year = _lunar(year, 1, 1)
    eve = new_year - timedelta(days=1)
    days: dict[date, str] = {date(year, 1, 1): NEW_YEAR}
    if year >= 2025:
        spring = [eve] + [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, 1), date(year, 5, 2)]
    elif year >= 2014:
        spring = [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, 1)]
    elif year >= 2008:
        spring = [eve, new_year, new_year + timedelta(days=1)]
        labour = [date(year, 5, 1)]
    else:
        spring = [new_year + timedelta(days=i) for i in range(3)]
        labour = [date(year, 5, i) for i in (1, 2, 3)]
    # 除夕 can fall in the previous calendar year only in theory (never since 1900); keep the year's own days.
    days.update({d: SPRING for d in spring if d.year == year})
    days.update({d: LABOUR for d in labour})
    if year >= 2008:
        days[_qingming(year)] = QINGMING
        days[_lunar(year, 5, 5)] = DRAGON_BOAT
        days[_lunar(year, 8, 15)] = MID_AUTUMN
    days.update({date(year, 10, i): NATIONAL for i in (1, 2, 3)})
    return days


class CalendarDataMissing(Exception):
    """Raised only where a caller asks for official data that does not exist (never by lookups)."""


class OverrideFileError(ValueError):
    """An override CSV with invalid rows. ``errors`` lists every problem with its row number."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _package_range() -> tuple[int, int]:
    days = getattr(chinese_calendar, "holidays", None) or {}
    if not days:
        return (0, -1)
    return (min(days).year, max(days).year)


_PACKAGE_RANGE = _package_range()

# Bump when statutory_holidays() changes (a new 放假办法): derived figures are then recomputed.
FALLBACK_RULES = "fangjia-banfa-2024"


@lru_cache(maxsize=1)
def _package_digest() -> str:
    """Digest of the installed chinese_calendar data (a new release changes deadlines)."""
    h = hashlib.sha256()
    for name in ("holidays", "workdays", "in_lieu_days"):
        table = getattr(chinese_calendar, name, None) or {}
        for d in sorted(table):
            h.update(f"{name}:{d.isoformat()}:{table[d]}".encode())
    return h.hexdigest()


def _package_name(raw: object) -> str:
    text = str(raw)
    if text in _PACKAGE_NAMES:
        return _PACKAGE_NAMES[text]
    for member in chinese_calendar.Holiday:
        if member.value == text:
            return member.chinese
    return text


def _package_lookup(d: date) -> tuple[bool, str | None] | None:
    """(is_workday, name) from chinese_calendar, or None when the package has no data for the year."""
    low, high = _PACKAGE_RANGE
    if not (low <= d.year <= high):
        return None
    try:
        workday = bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None
    if workday:
        if d.weekday() >= 5:
            return True, MAKEUP_WORKDAY_NAME
        return True, None
    raw = chinese_calendar.holidays.get(d)
    return False, (_package_name(raw) if raw is not None else None)


class WorkCalendar:
    """Working days per the State Council schedule, with imported overrides and a provisional fallback."""

    def __init__(
        self,
        overrides: Mapping[date, tuple[str, str]] | None = None,
        official_years: Iterable[int] = (),
    ) -> None:
        self._overrides: dict[date, tuple[str, str]] = {}
        for day, (kind, name) in (overrides or {}).items():
            if kind not in KINDS:
                raise ValueError(f"override for {day.isoformat()}: type must be holiday or workday, not {kind!r}")
            self._overrides[day] = (kind, name or "")
        self._official_years = frozenset(int(y) for y in official_years)
        self._cache: dict[date, tuple[bool, str | None]] = {}

    # --- introspection --------------------------------------------------------------------

    @property
    def official_years(self) -> frozenset[int]:
        return self._official_years

    @property
    def overrides(self) -> dict[date, tuple[str, str]]:
        return dict(self._overrides)

    def coverage(self) -> tuple[int, int]:
        """The year range covered by the installed chinese_calendar package."""
        return _PACKAGE_RANGE

    def fingerprint(self) -> str:
        """Changes whenever any working-day answer may change: overrides, official years, the
        chinese_calendar data, the provisional fallback's rules."""
        h = hashlib.sha256()
        h.update(f"{FALLBACK_RULES}|{_package_digest()}|{sorted(self._official_years)}".encode())
        for d, (kind, name) in sorted(self._overrides.items()):
            h.update(f"{d.isoformat()}:{kind}:{name}".encode())
        return h.hexdigest()[:16]

    def is_packaged_year(self, year: int) -> bool:
        low, high = _PACKAGE_RANGE
        return low <= year <= high

    def is_provisional_year(self, year: int) -> bool:
        return year not in self._official_years and not self.is_packaged_year(year)

    def source_of_year(self, year: int) -> str:
        """"official" (imported/shipped), "packaged" (chinese_calendar) or "provisional"."""
        if year in self._official_years:
            return "official"
        if self.is_packaged_year(year):
            return "packaged"
        return "provisional"

    # --- single days ----------------------------------------------------------------------

    def _lookup(self, d: date) -> tuple[bool, str | None]:
        hit = self._cache.get(d)
        if hit is not None:
            return hit
        override = self._overrides.get(d)
        if override is not None:
            kind, name = override
            if kind == WORKDAY:
                result = (True, MAKEUP_WORKDAY_NAME if d.weekday() >= 5 else None)
            else:
                result = (False, name or (None if d.weekday() >= 5 else HOLIDAY_NAME))
        elif d.year in self._official_years:
            result = (d.weekday() < 5, None)
        else:
            packaged = _package_lookup(d)
            if packaged is not None:
                result = packaged
            else:
                name = statutory_holidays(d.year).get(d)
                result = (False, name) if name else (d.weekday() < 5, None)
        self._cache[d] = result
        return result

    def is_workday(self, d: date) -> bool:
        return self._lookup(d)[0]

    def day_name(self, d: date) -> str | None:
        """Holiday name, "调休上班" for a make-up working weekend day, None for an ordinary day."""
        return self._lookup(d)[1]

    def rest_reason(self, d: date) -> str:
        """Why ``d`` is not a working day: the holiday name, or "周末"."""
        return self.day_name(d) or WEEKEND_NAME

    # --- ranges -----------------------------------------------------------------------------

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` itself not counted); n < 0 walks backwards, n == 0 → d."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = d
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
        return current

    def next_workday(self, d: date) -> date:
        """``d`` if it is a working day, else the first working day after it."""
        return d if self.is_workday(d) else self.add_workdays(d, 1)

    def workdays_in(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        count = 0
        current = start + timedelta(days=1)
        while current <= end:
            if self.is_workday(current):
                count += 1
            current += timedelta(days=1)
        return count

    def non_working_days(self, start: date, end: date) -> list[tuple[date, str]]:
        """Non-working days in (start, end] with their names (e.g. "国庆节", "周末")."""
        out: list[tuple[date, str]] = []
        current = start + timedelta(days=1)
        while current <= end:
            if not self.is_workday(current):
                out.append((current, self.rest_reason(current)))
            current += timedelta(days=1)
        return out

    def special_days(self, year: int) -> list[tuple[date, str, str]]:
        """The year's non-standard days: (day, "holiday"|"workday", name) — named holidays
        (weekend days inside a holiday span included) and make-up working days."""
        out: list[tuple[date, str, str]] = []
        current = date(year, 1, 1)
        while current.year == year:
            workday, name = self._lookup(current)
            weekend = current.weekday() >= 5
            if workday and weekend:
                out.append((current, WORKDAY, name or MAKEUP_WORKDAY_NAME))
            elif not workday and (name or not weekend):
                out.append((current, HOLIDAY, name or ""))
            current += timedelta(days=1)
        return out

    def provisional_years_between(self, start: date, end: date) -> list[int]:
        low, high = min(start, end), max(start, end)
        return [y for y in range(low.year, high.year + 1) if self.is_provisional_year(y)]

    def with_overrides(
        self, overrides: Mapping[date, tuple[str, str]], official_years: Iterable[int]
    ) -> "WorkCalendar":
        """A new calendar: these overrides replace this calendar's entries for ``official_years``."""
        years = frozenset(official_years)
        merged = {d: v for d, v in self._overrides.items() if d.year not in years}
        merged.update(overrides)
        return WorkCalendar(merged, self._official_years | years)


def missing_next_year(today: date, calendar: WorkCalendar) -> int | None:
    """From 1 October: next year if it is neither official nor packaged (staff must import it)."""
    if today.month < 10:
        return None
    nxt = today.year + 1
    return nxt if calendar.is_provisional_year(nxt) else None


# --- override CSV ---------------------------------------------------------------------------

def parse_override_rows(rows: Iterable[list[str]]) -> dict[date, tuple[str, str]]:
    """Validate CSV rows (header first). Raises OverrideFileError listing every bad row (1-based line numbers)."""
    iterator = iter(rows)
    errors: list[str] = []
    try:
        header = next(iterator)
    except StopIteration:
        raise OverrideFileError(["第1行 / row 1: 文件为空 / empty file"]) from None
    normalized = tuple(h.strip().lower().lstrip("\ufeff") for h in header)
    if normalized[:3] != CSV_HEADER:
        raise OverrideFileError([f"第1行 / row 1: 表头应为 date,type,name / header must be date,type,name, got {','.join(header)}"])
    out: dict[date, tuple[str, str]] = {}
    for line_no, row in enumerate(iterator, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            errors.append(f"第{line_no}行 / row {line_no}: 列数不足 / too few columns")
            continue
        raw_date, kind = row[0].strip(), row[1].strip().lower()
        name = row[2].strip() if len(row) > 2 else ""
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(f"第{line_no}行 / row {line_no}: 无效日期 / invalid date {raw_date!r} (YYYY-MM-DD)")
            continue
        if not 2000 <= day.year <= 2100:
            errors.append(f"第{line_no}行 / row {line_no}: 年份超出范围 / year out of range {day.year}")
            continue
        if kind not in KINDS:
            errors.append(f"第{line_no}行 / row {line_no}: 类型须为 holiday 或 workday / type must be holiday or workday, got {kind!r}")
            continue
        if kind == WORKDAY and day.weekday() < 5:
            errors.append(f"第{line_no}行 / row {line_no}: {raw_date} 是周一至周五，无需标注为调休上班 / a Mon–Fri day cannot be a make-up workday")
            continue
        if kind == HOLIDAY and not name:
            errors.append(f"第{line_no}行 / row {line_no}: 节假日须填写名称 / a holiday needs a name")
            continue
        if day in out:
            errors.append(f"第{line_no}行 / row {line_no}: 日期重复 / duplicate date {raw_date}")
            continue
        out[day] = (kind, name if kind == HOLIDAY else (name or MAKEUP_WORKDAY_NAME))
    if errors:
        raise OverrideFileError(errors)
    return out


def parse_override_text(text: str) -> dict[date, tuple[str, str]]:
    """The overrides of a CSV text ``date,type,name`` (see :func:`parse_override_rows`)."""
    return parse_override_rows(list(csv.reader(text.lstrip("\ufeff").splitlines(keepends=True))))


@lru_cache(maxsize=1)
def shipped_overrides() -> tuple[tuple[tuple[date, tuple[str, str]], ...], frozenset[int]]:
    """The overrides shipped with the package and the years they make official."""
    try:
        text = resources.files(__package__).joinpath(OVERRIDES_RESOURCE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return (), frozenset()
    data = parse_override_text(text)
    return tuple(sorted(data.items())), frozenset(d.year for d in data)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """Shipped override file + chinese_calendar + provisional fallback (no database).
    Shared instance: a WorkCalendar is never mutated (``with_overrides`` returns a new one)."""
    items, years = shipped_overrides()
    return WorkCalendar(dict(items), years)
