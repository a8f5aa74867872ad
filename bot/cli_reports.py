"""``gongkai report``, ``gongkai cases add|close|list``, ``gongkai applications import|template``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from bot.cli_common import CliError, applications_app, command_group, fail, run
from bot.texts import reports as T
from bot.texts.errors import error_text
from bot.exports import SUFFIXES
from bot.settings import get_settings
from disclosure.validation import parse_date_text
from disclosure.tables import CASE_KINDS, CASE_RESULTS, CASES_BY, FORMATS, ReportInvariantError, layout_for_year

cases_app = command_group("行政复议、行政诉讼、举报投诉案件（表四；2019 年以前统计表第四至六部分）。", no_args_is_help=True)


def _date(value: str, what: str) -> date:
    try:
        return parse_date_text(value)
    except (ValueError, AttributeError):
        fail(f"{what} 日期格式不正确：{value}（应为 YYYY-MM-DD）")


def report(
    year: int = typer.Option(..., "--year", help="报告年度，例如 2026"),
    fmt: Optional[str] = typer.Option(
        None, "--format", help="格式：2021（现行）、2019（试行）、legacy（2019 年以前统计表）；默认按年度选用"),
    cases_by: Optional[str] = typer.Option(
        None, "--cases-by", help="表四计数口径：filing（按申请/起诉年度，默认，GONGKAI_CASES_COUNT_BY）或 decision（按决定年度）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出各表"),
    out: Optional[Path] = typer.Option(None, "--out", help="写入文件：.xlsx、.docx、.md 或 .png（图表），按扩展名"),
) -> None:
    """由办理记录生成年度报告统计表（表三、表四），并校验勾稽关系。"""
    if fmt is None:
        fmt = layout_for_year(year)
    if fmt not in FORMATS:
        fail(T.REPORT_BAD_FORMAT.format(fmt=fmt))
    if cases_by is not None and cases_by not in CASES_BY:
        fail(T.REPORT_BAD_CASES_BY.format(value=cases_by))
    if out is not None and out.suffix.lower() not in SUFFIXES:
        fail(T.REPORT_BAD_SUFFIX.format(suffix=out.suffix or out.name))
    if out is not None and not out.absolute().parent.is_dir():
        fail(T.REPORT_NO_FOLDER.format(folder=out.absolute().parent))
    if not 1990 <= year <= 2200:
        fail(T.REPORT_BAD_YEAR)

    async def go(db):
        from storage.statistics import build_report

        try:
            return await build_report(db, year, fmt, cases_by=cases_by, settings=get_settings())
        except ReportInvariantError as exc:
            raise CliError(T.REPORT_INVARIANT.format(details="\n".join(exc.violations)))

    tables = run(go, read_only=True)
    if out is not None:
        from bot.exports import write

        written = write(tables, out)
        typer.echo(T.REPORT_WRITTEN.format(path=written), err=as_json)
    if as_json:
        typer.echo(json.dumps(tables.to_json(), ensure_ascii=False, indent=2))
    elif out is None:
        if fmt == "legacy":
            from disclosure.render import to_markdown

            typer.echo(to_markdown(tables))
        else:
            typer.echo(T.format_table3_message(tables))


def cases_add(
    kind: str = typer.Argument(..., help="案件类型：" + "、".join(f"{k}（{v}）" for k, v in CASE_KINDS.items())),
    filed: str = typer.Option(..., "--filed", help="申请复议、起诉或举报之日，YYYY-MM-DD"),
    application: Optional[str] = typer.Option(None, "--application", help="关联的申请编号或 id"),
    note: Optional[str] = typer.Option(None, "--note", help="备注"),
) -> None:
    """登记一件案件（审结前为“尚未审结”）。"""
    filed_d = _date(filed, "--filed")

    async def go(db):
        from storage.cases import CaseError, add_case

        try:
            return await add_case(db, kind, filed_d, application=application, note=note)
        except CaseError as exc:
            raise CliError(error_text(exc))

    case = run(go)
    typer.echo(T.CASE_ADDED.format(id=case.id, kind=CASE_KINDS[case.kind], filed=case.filed_date))


def cases_close(
    case_id: int = typer.Argument(..., help="案件编号（见 gongkai cases list）"),
    result: str = typer.Option(..., "--result", help="审结结果：" + "、".join(f"{k}（{v}）" for k, v in CASE_RESULTS.items())),
    decided: str = typer.Option(..., "--decided", help="审结日期，YYYY-MM-DD"),
) -> None:
    """登记案件的审结结果。"""
    decided_d = _date(decided, "--decided")

    async def go(db):
        from storage.cases import CaseError, close_case

        try:
            return await close_case(db, case_id, result, decided_d)
        except CaseError as exc:
            raise CliError(error_text(exc))

    case = run(go)
    typer.echo(T.CASE_CLOSED.format(id=case.id, result=CASE_RESULTS[case.result], decided=case.decided_date))


def cases_list(
    year: Optional[int] = typer.Option(None, "--year", help="只列出该年度立案的案件"),
    kind: Optional[str] = typer.Option(None, "--kind", help="案件类型：" + "、".join(CASE_KINDS)),
    pending: bool = typer.Option(False, "--pending", help="只列出尚未审结的案件"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """列出案件。"""
    if kind is not None and kind not in CASE_KINDS:
        fail(T.CASE_ERR_KIND.format(kind=kind, known="、".join(CASE_KINDS)))

    async def go(db):
        from storage.cases import list_cases

        return await list_cases(db, year=year, kind=kind, pending=pending)

    cases = run(go, read_only=True)
    if as_json:
        typer.echo(json.dumps([
            {"id": c.id, "kind": c.kind, "filed_date": c.filed_date.isoformat(),
             "decided_date": c.decided_date.isoformat() if c.decided_date else None,
             "result": c.result, "application_id": c.application_id, "note": c.note} for c in cases
        ], ensure_ascii=False, indent=2))
        return
    if not cases:
        typer.echo(T.CASE_NONE)
    for c in cases:
        status = (f"{CASE_RESULTS[c.result]} {c.decided_date}" if c.result else T.CASE_PENDING)
        typer.echo(T.CASE_LINE.format(id=c.id, kind=CASE_KINDS[c.kind], filed=c.filed_date, status=status,
                                      app=f"申请 #{c.application_id}" if c.application_id else ""))


def applications_import(
    ledger: Path = typer.Argument(..., help="办理台账（.xlsx 或 .csv），格式见 gongkai applications template"),
) -> None:
    """从台账导入以往的申请：全部导入或全部不导入，有误的行按行号列出。"""
    if not ledger.exists():
        fail(T.LEDGER_READ_ERROR.format(path=ledger, error="文件不存在"))

    async def go(db):
        from storage.ledger import LedgerError, import_ledger

        try:
            return await import_ledger(db, ledger, settings=get_settings())
        except LedgerError as exc:
            raise CliError(error_text(exc))

    result = run(go)
    for w in result.warnings:
        typer.echo(error_text(w), err=True)
    if result.count:
        typer.echo(T.LEDGER_IMPORTED.format(count=result.count, first=result.numbers[0], last=result.numbers[-1]))


def applications_template(
    out: Path = typer.Argument(Path("台账模板.xlsx"), help="模板文件（.xlsx 或 .csv）"),
) -> None:
    """生成空白台账模板，含可识别的列名（.xlsx 另附“说明”工作表）。"""
    from storage.ledger import LedgerError, write_template

    try:
        path = write_template(out)
    except LedgerError as exc:
        fail(error_text(exc))
    typer.echo(T.LEDGER_TEMPLATE_WRITTEN.format(path=path))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    cases_app.command("add")(cases_add)
    cases_app.command("close")(cases_close)
    cases_app.command("list")(cases_list)
    app.add_typer(cases_app, name="cases")
    applications_app.command("import")(applications_import)
    applications_app.command("template")(applications_template)
