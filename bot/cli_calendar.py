"""``gongkai deadline`` (explain a deadline) and ``gongkai holidays import|show`` (official schedules)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from bot.cli_common import command_group, fail, run
from bot.settings import get_settings
from bot.texts import calendar as T
from disclosure.calendar import HOLIDAY, OverrideFileError, WorkCalendar
from disclosure.deadlines import ClockEvent, Deadline, DeadlineError, compute_deadline
from disclosure.validation import parse_date_text
from storage.calendar import import_schedule, load_calendar, official_year_sources

holidays_app = command_group("节假日安排（国务院办公厅通知）：导入、查看。", no_args_is_help=True)


def parse_date(value: str, what: str) -> date:
    try:
        return parse_date_text(value)
    except (ValueError, AttributeError):
        fail(T.ERR_DATE.format(value=value, what=what))


def parse_pause(value: str) -> tuple[date, date]:
    start_s, sep, end_s = value.partition(":")
    if not sep or not start_s.strip() or not end_s.strip():
        fail(T.ERR_PAUSE.format(value=value))
    start, end = parse_date(start_s, "--pause"), parse_date(end_s, "--pause")
    if end < start:
        fail(T.ERR_PAUSE_ORDER.format(start=start, end=end))
    return start, end


def _wd(d: date) -> str:
    return T.WEEKDAYS[d.weekday()]


def render_deadline(dl: Deadline) -> str:
    return "\n".join(T.deadline_lines(dl))


def deadline_command(
    received: str = typer.Option(..., "--received", help="收到申请之日，YYYY-MM-DD"),
    extend: Optional[int] = typer.Option(None, "--extend", help="延长的工作日数（最多 20）"),
    extend_on: Optional[str] = typer.Option(None, "--extend-on", help="延期决定日期（默认为起算日）"),
    pause: list[str] = typer.Option([], "--pause", help="征求意见期间 开始:结束（其间的工作日不计入期限）；可重复"),
    correction_requested: Optional[str] = typer.Option(None, "--correction-requested", help="补正告知日期"),
    correction_received: Optional[str] = typer.Option(None, "--correction-received", help="收到补正之日（期限重新起算）"),
    custom_due: Optional[str] = typer.Option(None, "--custom-due", help="依第三十五条另行确定的答复期限"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
    roll_forward: Optional[bool] = typer.Option(
        None, "--roll-forward/--no-roll-forward",
        help="非工作日收到的申请视为下一个工作日收到（默认取 GONGKAI_RECEIPT_ROLL_FORWARD）",
    ),
) -> None:
    """计算并说明一件申请的答复期限（与机器人使用同一套规则），列出跳过的非工作日。"""
    received_d = parse_date(received, "--received")
    events: list[ClockEvent] = []
    for value in pause:
        start, end = parse_pause(value)
        events.append(ClockEvent("consultation", start, end=end))
    if correction_received is not None or correction_requested is not None:
        requested_d = parse_date(correction_requested, "--correction-requested") if correction_requested else received_d
        events.append(ClockEvent("correction_requested", requested_d))
        if correction_received is not None:
            events.append(ClockEvent("correction_received", parse_date(correction_received, "--correction-received")))
    restart = next((e.on for e in events if e.kind == "correction_received"), received_d)
    if extend is not None:
        on = parse_date(extend_on, "--extend-on") if extend_on else restart
        events.append(ClockEvent("extension", on, days=extend))
    if custom_due is not None:
        new_due = parse_date(custom_due, "--custom-due")
        events.append(ClockEvent("custom_deadline", restart, end=new_due))
    rf = get_settings().receipt_roll_forward if roll_forward is None else roll_forward

    calendar: WorkCalendar = run(load_calendar, read_only=True)
    try:
        dl = compute_deadline(received_d, events, calendar, roll_forward=rf)
    except DeadlineError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(dl.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_deadline(dl))


@holidays_app.command("import")
def holidays_import(file: Path = typer.Argument(..., help="CSV 文件，表头 date,type,name（type 为 holiday 放假或 workday 调休上班）")) -> None:
    """导入国务院办公厅公布的节假日安排：文件中的年份成为正式数据，未办结申请的答复期限随之重新计算。"""
    if not file.is_file():
        fail(T.ERR_FILE.format(path=file, error="文件不存在"))

    async def _do(db):
        try:
            done = await import_schedule(db, file.read_text(encoding="utf-8-sig"), file.name,
                                         settings=get_settings())
        except OverrideFileError as exc:
            return None, exc.errors, None
        except (OSError, UnicodeDecodeError) as exc:
            return None, [T.ERR_FILE.format(path=file, error=exc)], None
        return done.years, None, (done.changed, done.rederived)

    years, errors, result = run(_do)
    changed, rederived = result if result is not None else (None, [])
    if errors:
        typer.echo(T.ERR_IMPORT, err=True)
        for line in errors:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(1)
    if not years:
        fail(T.HOLIDAYS_EMPTY_FILE)
    typer.echo(T.HOLIDAYS_IMPORTED.format(years="、".join(str(y) for y in years)))
    if changed is None:
        typer.echo(T.HOLIDAYS_RECOMPUTE_UNAVAILABLE)
    elif not changed:
        typer.echo(T.HOLIDAYS_RECOMPUTE_NONE)
    else:
        typer.echo(T.HOLIDAYS_RECOMPUTE_CHANGED)
        for number, old, new in changed:
            typer.echo(T.HOLIDAYS_RECOMPUTE_ROW.format(number=number, old=old or "—", new=new or "—"))
    if rederived:
        typer.echo(T.HOLIDAYS_REDERIVED)
        for number, old, new in rederived:
            typer.echo(T.HOLIDAYS_RECOMPUTE_ROW.format(number=number, old=T.TIMELINESS_LABEL.get(old, old or "—"),
                                                       new=T.TIMELINESS_LABEL.get(new, new)))


@holidays_app.command("show")
def holidays_show(
    year: int = typer.Argument(..., help="年份，例如 2027"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """查看某年的放假和调休上班日，以及该年数据是正式、内置还是暂定。"""
    if not 1900 <= year <= 2200:
        fail(T.ERR_YEAR.format(value=year))

    async def _do(db):
        return await load_calendar(db), await official_year_sources(db)

    calendar, sources = run(_do, read_only=True)
    status = calendar.source_of_year(year)
    days = calendar.special_days(year)
    source = sources.get(year) or ("holiday_overrides.csv" if status == "official" else None)
    if as_json:
        typer.echo(json.dumps({
            "year": year,
            "status": status,
            "source": source,
            "days": [{"date": d.isoformat(), "type": kind, "name": name} for d, kind, name in days],
        }, ensure_ascii=False, indent=2))
        return
    typer.echo(T.HOLIDAYS_YEAR.format(year=year, label=T.SOURCE_LABEL[status]))
    if source:
        typer.echo(T.HOLIDAYS_SOURCE_FILE.format(source=source))
    if not days:
        typer.echo(T.HOLIDAYS_NONE)
    for d, kind, name in days:
        template = T.HOLIDAYS_HOLIDAY if kind == HOLIDAY else T.HOLIDAYS_WORKDAY
        typer.echo(template.format(date=d, weekday=_wd(d), name=name))


def register(app: typer.Typer) -> None:
    app.command("deadline")(deadline_command)
    app.add_typer(holidays_app, name="holidays")
