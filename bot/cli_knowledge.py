"""``gongkai ingest``, ``gongkai reports``, ``gongkai ask``, ``gongkai questions``."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import typer

from bot.cli_common import fail, run
from bot.settings import get_settings
from bot.texts import questions as texts

reports_app = typer.Typer(help="List or remove loaded annual reports.", invoke_without_command=True)


def ingest(
    files: list[Path] = typer.Argument(..., help="Report files: .txt, .html/.htm, .docx, .pdf"),
    agency: Optional[str] = typer.Option(None, help="Agency name (overrides what the file says)"),
    year: Optional[int] = typer.Option(None, help="Report year (overrides what the file says)"),
) -> None:
    """Load annual reports into the knowledge base (all files or none)."""
    from knowledge.ingest import IngestBatchError, ingest_paths

    if year is not None and not 1990 <= year <= 2100:
        fail(f"年度 {year} 不合理")

    async def go(db):
        return await ingest_paths(db, files, agency=agency, year=year)

    try:
        results = run(go)
    except IngestBatchError as exc:
        for error in exc.errors:
            typer.echo(f"错误：{error.path}：{error.reason}", err=True)
        typer.echo("未导入任何文件，知识库保持不变。", err=True)
        raise typer.Exit(1)
    for result in results:
        typer.echo(result.line())


@reports_app.callback()
def reports(ctx: typer.Context) -> None:
    """List loaded reports (``gongkai reports remove …`` removes one)."""
    if ctx.invoked_subcommand:
        return
    from knowledge.ingest import list_reports

    rows = run(list_reports)
    if not rows:
        typer.echo("知识库中还没有年度报告。用 gongkai ingest FILE 导入。")
        return
    for r in rows:
        typer.echo(f"{r.id}\t{r.agency}\t{r.year}\t{r.layout or '-'}\t{r.title}\t{r.source_name}")


@reports_app.command("remove")
def reports_remove(
    report_id: Optional[int] = typer.Argument(None, help="Report id (see `gongkai reports`)"),
    agency: Optional[str] = typer.Option(None),
    year: Optional[int] = typer.Option(None),
) -> None:
    """Remove a report by id, or by --agency and --year."""
    from knowledge.ingest import remove_reports

    if report_id is None and not (agency and year):
        fail("请指定报告编号，或同时指定 --agency 和 --year")
    removed = run(lambda db: remove_reports(db, report_id=report_id, agency=agency, year=year))
    if not removed:
        fail("没有找到要删除的报告")
    for r in removed:
        typer.echo(f"已删除\t{r.id}\t{r.agency}\t{r.year}")


def ask(
    question: Optional[str] = typer.Argument(None, help="The question; without it, one question per stdin line"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per answer"),
) -> None:
    """Answer questions from the loaded reports (and log them)."""
    from knowledge.service import QAService

    settings = get_settings()

    async def go(db):
        service = await QAService.load(db, home_agency=settings.home_agency)
        if question is not None:
            questions = [question]
        else:
            questions = [line.rstrip("\r\n") for line in sys.stdin]
        answers = []
        for q in questions:
            if not q.strip():
                if question is not None:
                    break
                continue
            a = service.answer(q)
            answers.append(a)
            emit(a, as_json)
        await service.log_many(db, answers, channel="cli")
        return answers

    answers = run(go)
    if question is not None and not question.strip():
        fail("问题为空")
    if question is not None and answers and not answers[0].answered and not as_json:
        raise typer.Exit(0)


def emit(answer, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    if answer.answered:
        typer.echo(answer.answer)
    else:
        typer.echo(texts.not_found(answer.note, answer.resolution))
        for s in answer.suggestions:
            typer.echo(f"  · {s.text}")


def questions(
    unanswered: bool = typer.Option(False, "--unanswered", help="Only questions the bot could not answer"),
    days: int = typer.Option(30, help="Look back this many days"),
    limit: int = typer.Option(100),
) -> None:
    """The question log — with --unanswered, what the office should add to its FAQ."""
    from sqlalchemy import select

    from storage.models import QuestionLog

    since = datetime.now(timezone.utc) - timedelta(days=days)

    async def go(db):
        async with db.session() as session:
            query = select(QuestionLog).where(QuestionLog.asked_at >= since)
            if unanswered:
                query = query.where(QuestionLog.answered.is_(False))
            return list((await session.execute(query.order_by(QuestionLog.asked_at.desc()).limit(limit))).scalars())

    rows = run(go)
    for r in rows:
        status = "已答" if r.answered else "未答"
        typer.echo(f"{r.asked_at:%Y-%m-%d %H:%M}\t{r.channel}\t{status}\t{r.score:.0f}\t{r.text}")
    if not rows:
        typer.echo("没有记录。")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.add_typer(reports_app, name="reports")
    app.command()(ask)
    app.command()(questions)
