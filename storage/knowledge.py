"""The knowledge base's tables: the annual reports, their passages, and the question log.

Only SQL here. Reading and parsing report files is ``knowledge/``; ``bot/qa.py`` combines the two
(``ingest_paths``, ``QAService.load``) for the chat, the command line and the console.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from storage.db import Database
from storage.models import Passage, QuestionLog, Report

# The passage columns the answerer reads, in the order of ``knowledge.answer.Passage``.
PASSAGE_COLUMNS = (
    Passage.id, Passage.report_id, Passage.kind, Passage.section, Passage.context, Passage.text,
    Passage.table_name, Passage.row_label, Passage.col_label, Passage.value, Passage.unit, Passage.quote,
    Passage.terms,
)


@dataclass
class ReportRecord:
    """One parsed report as stored: the ``report`` row's values and its passage rows (column → value,
    without ``report_id``, which is assigned here)."""

    agency: str
    year: int
    title: str
    layout: str  # the statistics table format found: 2021, 2019, legacy
    source_name: str
    content_hash: str
    published: str | None = None
    warnings: str = ""
    passages: list[dict] = field(default_factory=list)


async def store_reports(db: Database, records: list[ReportRecord]) -> list[str]:
    """Store every report in one transaction; per report ``added``, ``replaced`` (a new text of the
    same agency and year replaces the old one and its passages) or ``unchanged`` (same content hash)."""
    statuses: list[str] = []
    async with db.session() as session:
        async with session.begin():
            for record in records:
                existing = (await session.execute(
                    select(Report).where(Report.agency == record.agency, Report.year == record.year)
                )).scalar_one_or_none()
                status = "added"
                if existing is not None:
                    if existing.content_hash == record.content_hash:
                        statuses.append("unchanged")
                        continue
                    await _delete(session, existing.id)
                    status = "replaced"
                report = Report(agency=record.agency, year=record.year, title=record.title, layout=record.layout,
                                source_name=record.source_name, content_hash=record.content_hash,
                                published=record.published, warnings=record.warnings)
                session.add(report)
                await session.flush()
                if record.passages:
                    await session.execute(insert(Passage), [{**row, "report_id": report.id} for row in record.passages])
                statuses.append(status)
    return statuses


async def _delete(session, report_id: int) -> None:
    await session.execute(delete(Passage).where(Passage.report_id == report_id))
    await session.execute(delete(Report).where(Report.id == report_id))


async def list_reports(db: Database) -> list[Report]:
    async with db.session() as session:
        return list((await session.execute(select(Report).order_by(Report.agency, Report.year))).scalars())


async def report_agencies(db: Database) -> set[str]:
    """The agencies with at least one loaded report."""
    async with db.session() as session:
        return set((await session.execute(select(Report.agency))).scalars())


async def remove_reports(db: Database, *, report_id: int | None = None, agency: str | None = None,
                         year: int | None = None) -> list[Report]:
    async with db.session() as session:
        async with session.begin():
            query = select(Report)
            if report_id is not None:
                query = query.where(Report.id == report_id)
            if agency is not None:
                query = query.where(Report.agency == agency)
            if year is not None:
                query = query.where(Report.year == year)
            found = list((await session.execute(query)).scalars())
            for report in found:
                await _delete(session, report.id)
    return found


async def load_passages(db: Database) -> tuple[list, list]:
    """Every report as (id, agency, year, title) and every passage as a tuple of ``PASSAGE_COLUMNS``,
    in report order: what the answerer's index is built from."""
    async with db.session() as session:
        reports = (await session.execute(select(Report.id, Report.agency, Report.year, Report.title))).all()
        passages = (await session.execute(select(*PASSAGE_COLUMNS)
                                          .order_by(Passage.report_id, Passage.id))).all()
    return list(reports), list(passages)


async def log_questions(db: Database, rows: list[dict]) -> None:
    """Append ``question_log`` rows (column → value)."""
    if not rows:
        return
    async with db.session() as session:
        async with session.begin():
            await session.execute(insert(QuestionLog), rows)


async def question_log(db: Database, *, since: datetime | None = None, unanswered: bool = False,
                       limit: int = 100) -> list[QuestionLog]:
    """The logged questions, newest first (``unanswered``: only those without an answer)."""
    query = select(QuestionLog)
    if since is not None:
        query = query.where(QuestionLog.asked_at >= since)
    if unanswered:
        query = query.where(QuestionLog.answered.is_(False))
    async with db.session() as session:
        return list((await session.execute(query.order_by(QuestionLog.asked_at.desc()).limit(limit))).scalars())


async def reports_of_year(db: Database, year: int) -> list[Report]:
    """The loaded reports of one year (every agency), by agency."""
    async with db.session() as session:
        return list((await session.execute(select(Report).where(Report.year == year)
                                           .order_by(Report.agency))).scalars())


async def get_report(db: Database, report_id: int) -> Report | None:
    async with db.session() as session:
        return await session.get(Report, report_id)


async def report_cells(db: Database, report_id: int) -> list[tuple]:
    """The statistics-table cells of a report as (table name, context, row label, column label,
    value), in reading order: the office's published figures."""
    async with db.session() as session:
        rows = await session.execute(
            select(Passage.table_name, Passage.context, Passage.row_label, Passage.col_label, Passage.value)
            .where(Passage.report_id == report_id, Passage.kind == "cell").order_by(Passage.position, Passage.id))
        return [tuple(r) for r in rows]


async def knowledge_version(db: Database) -> tuple:
    """Changes whenever a report is added, replaced or removed (cheap: one aggregate row)."""
    async with db.session() as session:
        row = (await session.execute(select(func.count(Report.id), func.max(Report.id),
                                            func.max(Report.ingested_at)))).one()
    return tuple(row)


@dataclass(frozen=True)
class UnansweredQuestion:
    text: str
    count: int
    last_asked: datetime
    channels: tuple[str, ...]


async def unanswered_summary(db: Database, *, since: datetime | None = None,
                             limit: int = 100) -> list[UnansweredQuestion]:
    """Questions the reports did not answer, grouped by their text, most asked first: what the
    office could add to its FAQ or next report."""
    where = [QuestionLog.answered.is_(False)]
    if since is not None:
        where.append(QuestionLog.asked_at >= since)
    async with db.session() as session:
        rows = (await session.execute(
            select(QuestionLog.text, func.count(), func.max(QuestionLog.asked_at))
            .where(*where).group_by(QuestionLog.text)
            .order_by(func.count().desc(), func.max(QuestionLog.asked_at).desc()).limit(limit))).all()
        texts = [r[0] for r in rows]
        channels: dict[str, set[str]] = {}
        if texts:
            for text, channel in (await session.execute(
                    select(QuestionLog.text, QuestionLog.channel).where(*where, QuestionLog.text.in_(texts))
                    .distinct())).all():
                channels.setdefault(text, set()).add(channel)
    return [UnansweredQuestion(text, int(n), last, tuple(sorted(channels.get(text, ())))) for text, n, last in rows]
