"""``gongkai status`` (where the data lives and what is loaded) and ``gongkai outcomes`` (the outcome
codes with their official table rows)."""

from __future__ import annotations

import typer

from bot.settings import get_settings
from bot.texts import cli as T
from bot.texts.staff import STATUS_LABELS


def _years(years) -> str:
    return "、".join(str(y) for y in sorted(years)) or T.STATUS_NONE


def status() -> None:
    """显示数据存放位置、数据库地址、已导入的年度报告、申请数量和节假日数据覆盖的年份（只读）。"""
    from disclosure.calendar import default_calendar
    from storage.overview import read_overview

    settings = get_settings()
    overview = read_overview(settings.resolved_database_url)
    if overview.sqlite_path is not None:
        template = T.STATUS_DATA_FILE if overview.exists else T.STATUS_DATA_FILE_MISSING
        typer.echo(template.format(path=overview.sqlite_path))
    typer.echo(T.STATUS_DATABASE.format(url=overview.url))
    if overview.schema_revision is None:
        typer.echo(T.STATUS_SCHEMA_NONE.format(head=overview.schema_head))
    elif overview.schema_current:
        typer.echo(T.STATUS_SCHEMA.format(revision=overview.schema_revision))
    else:
        typer.echo(T.STATUS_SCHEMA_OLD.format(revision=overview.schema_revision, head=overview.schema_head))
    if settings.home_agency:
        typer.echo(T.STATUS_HOME_AGENCY.format(agency=settings.home_agency))

    if overview.reports:
        typer.echo(T.STATUS_REPORTS.format(count=overview.report_count, agencies=len(overview.reports)))
        for agency, years in overview.reports.items():
            typer.echo(T.STATUS_REPORT_LINE.format(agency=agency, years=_years(years)))
    else:
        typer.echo(T.STATUS_REPORTS_NONE)

    if overview.applications:
        parts = "，".join(T.STATUS_APPLICATION_PART.format(label=STATUS_LABELS.get(status, status), count=n)
                         for status, n in sorted(overview.applications.items(),
                                                 key=lambda item: list(STATUS_LABELS).index(item[0])
                                                 if item[0] in STATUS_LABELS else len(STATUS_LABELS)))
        typer.echo(T.STATUS_APPLICATIONS.format(total=sum(overview.applications.values()), parts=parts))
    else:
        typer.echo(T.STATUS_APPLICATIONS_NONE)

    calendar = default_calendar()
    low, high = calendar.coverage()
    official = set(calendar.official_years) | set(overview.imported_years)
    typer.echo(T.STATUS_CALENDAR.format(official=_years(official), packaged=f"{low}–{high}"))
    if overview.imported_years:
        typer.echo(T.STATUS_CALENDAR_IMPORTED.format(
            years="、".join(f"{year}（{source}）" if source else str(year)
                           for year, source in overview.imported_years.items())))


def row_paths(rows) -> dict[str, str]:
    """Each row's label preceded by its group labels: "三、本年度办理结果 （三）不予公开 1.属于国家秘密"."""
    paths: dict[str, str] = {}
    parents: list[str] = []
    for row in rows:
        del parents[row.level:]
        paths[row.key] = " ".join([*parents, row.label])
        parents.append(row.label)
    return paths


def outcomes() -> None:
    """列出办理结果代码及其在年度报告统计表中的行（gongkai applications close --outcome 用）。"""
    from disclosure.outcomes import OUTCOMES
    from disclosure.tables import LEGACY_ROWS, ROWS_2021

    current, legacy = row_paths(ROWS_2021), row_paths(LEGACY_ROWS)
    typer.echo(T.OUTCOMES_HEADER)
    for code, outcome in OUTCOMES.items():
        old = legacy[outcome.legacy_row] if outcome.legacy_row else T.OUTCOMES_NO_LEGACY_ROW
        typer.echo(f"{code}\t{outcome.label}\t{current[outcome.row_2021]}\t{old}")


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("outcomes")(outcomes)
