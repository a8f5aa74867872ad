"""``gongkai ingest``, ``gongkai reports``, ``gongkai ask``, ``gongkai questions``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import typer

from bot.cli_common import CliError, command_group, fail, run
from bot.settings import get_settings
from bot.texts import cli as TC
from bot.texts import questions as texts

reports_app = command_group("列出或删除已导入的年度报告。", invoke_without_command=True)


def ingest(
    files: list[Path] = typer.Argument(..., help="年度报告文件：.txt/.md、.html/.htm、.docx、.pdf（文字版）"),
    agency: Optional[str] = typer.Option(None, help="机关名称（代替文件中识别出的名称）"),
    year: Optional[int] = typer.Option(None, help="报告年度（代替文件中识别出的年度）"),
) -> None:
    """导入政府信息公开工作年度报告（全部导入或全部不导入；同一文本重复导入不会重复）。"""
    from bot.qa import ingest_paths
    from knowledge.ingest import IngestBatchError

    if year is not None and not 1990 <= year <= 2100:
        fail(TC.INGEST_BAD_YEAR.format(year=year))

    async def go(db):
        return await ingest_paths(db, files, agency=agency, year=year)

    try:
        results = run(go)
    except IngestBatchError as exc:
        for error in exc.errors:
            typer.echo(TC.INGEST_ERROR.format(path=error.path, reason=error.reason), err=True)
        typer.echo(TC.INGEST_NOTHING, err=True)
        raise typer.Exit(1)
    for result in results:
        typer.echo(ingest_line(result))


def ingest_line(result) -> str:
    """One loaded file: what happened, agency, year, how much was read (and what could not be)."""
    line = TC.INGEST_LINE.format(status=TC.INGEST_STATUS[result.status], agency=result.agency, year=result.year,
                                 passages=result.passages, cells=result.cells, name=result.path.name)
    if result.warnings:
        line += TC.INGEST_WARNINGS.format(warnings="；".join(result.warnings))
    return line


@reports_app.callback()
def reports(ctx: typer.Context) -> None:
    """列出已导入的年度报告（gongkai reports remove … 删除）。"""
    if ctx.invoked_subcommand:
        return
    from storage.knowledge import list_reports

    rows = run(list_reports, read_only=True)
    if not rows:
        typer.echo(TC.REPORTS_NONE)
        return
    for r in rows:
        typer.echo(f"{r.id}\t{r.agency}\t{r.year}\t{r.layout or '-'}\t{r.title}\t{r.source_name}")


@reports_app.command("remove")
def reports_remove(
    report_id: Optional[int] = typer.Argument(None, help="报告编号（见 gongkai reports）"),
    agency: Optional[str] = typer.Option(None, help="机关名称（与 --year 一起使用）"),
    year: Optional[int] = typer.Option(None, help="报告年度（与 --agency 一起使用）"),
) -> None:
    """按编号，或按 --agency 和 --year 删除一份年度报告。"""
    from storage.knowledge import remove_reports

    if report_id is None and not (agency and year):
        fail(TC.REPORTS_REMOVE_USAGE)
    removed = run(lambda db: remove_reports(db, report_id=report_id, agency=agency, year=year))
    if not removed:
        fail(TC.REPORTS_REMOVE_NONE)
    for r in removed:
        typer.echo(TC.REPORTS_REMOVED.format(id=r.id, agency=r.agency, year=r.year))


def ask(
    question: Optional[str] = typer.Argument(None, help="问题；不填时从标准输入每行读一个问题（在终端中会提示输入）"),
    as_json: bool = typer.Option(False, "--json", help="每个回答输出一行 JSON：{question, answer, source, score, suggestions}"),
) -> None:
    """用已导入的年度报告回答问题（并记入提问记录）。"""
    from bot.qa import QAService

    if question is not None and not question.strip():
        fail(TC.ASK_EMPTY)
    settings = get_settings()
    interactive = question is None and stdin_is_terminal()

    async def go(db):
        service = await QAService.load(db, home_agency=settings.home_agency)
        if not service.report_count:
            raise CliError(TC.ASK_NO_REPORTS)
        answers = []
        for q in question_lines(question, interactive):
            a = service.answer(q)
            emit(a, as_json)
            if interactive:  # each answer is logged at once: the session may end with Ctrl-C
                await service.log(db, a, channel="cli")
            else:
                answers.append(a)
        await service.log_many(db, answers, channel="cli")

    run(go, read_only=True)


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def question_lines(question: str | None, interactive: bool) -> Iterator[str]:
    """The question given, else one per line from stdin (prompting on a terminal, up to an empty line)."""
    if question is not None:
        yield question
        return
    if not interactive:
        yield from (line.rstrip("\r\n") for line in sys.stdin if line.strip())
        return
    typer.echo(TC.ASK_INTERACTIVE, err=True)
    while True:
        try:
            line = input(TC.ASK_PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo("", err=True)
            return
        if not line:
            return
        yield line


def emit(answer, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    if answer.answered:
        typer.echo(answer.answer)
        if texts.missing_years(answer.resolution):
            typer.echo(texts.missing_years_note(answer.resolution))
    else:
        typer.echo(texts.not_found(answer.note, answer.resolution))
        for s in answer.suggestions:
            typer.echo(f"  · {s.text}")


def questions(
    unanswered: bool = typer.Option(False, "--unanswered", help="只列出未能回答的问题（可补充到常见问题）"),
    days: int = typer.Option(30, help="查看最近多少天"),
    limit: int = typer.Option(100, help="最多列出多少条"),
) -> None:
    """提问记录（北京时间）；加 --unanswered 只看未能回答的问题。"""
    from storage.knowledge import question_log

    since = datetime.now(timezone.utc) - timedelta(days=days)
    local = ZoneInfo(get_settings().timezone)
    rows = run(lambda db: question_log(db, since=since, unanswered=unanswered, limit=limit), read_only=True)
    if not rows:
        typer.echo(TC.QUESTIONS_NONE)
        return
    typer.echo(TC.QUESTIONS_HEADER)
    for r in rows:
        asked = (r.asked_at if r.asked_at.tzinfo else r.asked_at.replace(tzinfo=timezone.utc)).astimezone(local)
        status = TC.QUESTION_ANSWERED if r.answered else TC.QUESTION_UNANSWERED
        channel = TC.QUESTION_CHANNELS.get(r.channel, r.channel)
        typer.echo(f"{asked:%Y-%m-%d %H:%M}\t{channel}\t{status}\t{r.score:.0f}\t{r.text}")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.add_typer(reports_app, name="reports")
    app.command()(ask)
    app.command()(questions)
