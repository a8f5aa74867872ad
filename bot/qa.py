"""The question-answering service the chat, the command line and the console share.

It joins the two lower layers: ``knowledge/`` reads reports and answers questions (no database),
``storage/knowledge.py`` keeps the reports, their passages and the question log (only SQL).

- ``ingest_paths``: read every file (``knowledge.ingest``), then store them all in one transaction,
  or nothing when one is not a report;
- ``QAService.load``: the answerer built once from the stored passages; ``answer``; ``log``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.answer import Answerer, Passage
from knowledge.ingest import IngestResult, passage_rows, read_batch
from knowledge.question import ReportRef
from knowledge.types import Answer
from storage.db import Database
from storage.knowledge import ReportRecord, load_passages, log_questions, store_reports
from storage.models import utcnow

MAX_QUESTION_CHARS = 500  # longer messages are refused in chat; the service and the log cut there


async def ingest_paths(db: Database, paths: list[Path], *, agency: str | None = None,
                       year: int | None = None) -> list[IngestResult]:
    """Parse every file first; write only if all of them are reports (all or nothing)."""
    batch = read_batch(paths, agency=agency, year=year)
    records = [ReportRecord(agency=parsed.agency, year=parsed.year, title=parsed.title, layout=parsed.layout,
                            source_name=path.name, content_hash=digest, published=parsed.published,
                            warnings="\n".join(parsed.warnings), passages=passage_rows(parsed, 0))
               for path, parsed, digest in batch]
    statuses = await store_reports(db, records)
    return [IngestResult(path, parsed.agency, parsed.year, len(parsed.sentences), len(parsed.cells), status,
                         tuple(parsed.warnings))
            for (path, parsed, _digest), status in zip(batch, statuses)]


class QAService:
    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    @classmethod
    async def load(cls, db: Database, home_agency: str | None = None) -> "QAService":
        reports, rows = await load_passages(db)
        refs = [ReportRef(id=r.id, agency=r.agency, year=r.year, title=r.title) for r in reports]
        return cls(Answerer(refs, [Passage(*row) for row in rows], home_agency=home_agency))

    @property
    def report_count(self) -> int:
        return len(self.answerer.reports)

    def answer(self, question: str, today: date | None = None) -> Answer:
        return self.answerer.answer(question[:MAX_QUESTION_CHARS], today=today)

    def names_in(self, question: str) -> list[str]:
        return self.answerer.names_in(question)

    async def log(self, db: Database, answer: Answer, *, channel: str, user_id: int | None = None) -> None:
        await log_questions(db, [log_row(answer, channel, user_id)])

    async def log_many(self, db: Database, answers: list[Answer], *, channel: str) -> None:
        await log_questions(db, [log_row(a, channel, None) for a in answers])


def log_row(answer: Answer, channel: str, user_id: int | None) -> dict:
    """The ``question_log`` row of one answered (or unanswered) question."""
    return {
        "asked_at": utcnow(),
        "channel": channel,
        "user_id": user_id,
        "text": answer.question[:MAX_QUESTION_CHARS],
        "answered": answer.answered,
        "answer": answer.answer,
        "report_id": answer.report_id,
        "source": answer.source.cite() if answer.source else None,
        "score": round(answer.score, 1),
    }
