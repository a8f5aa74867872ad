"""The question-answering service the chat, the command line and the console share.

It joins the two lower layers: ``knowledge/`` reads reports and answers questions (no database),
``storage/knowledge.py`` keeps the reports, their passages and the question log (only SQL).

- ``ingest_paths``: read every file (``knowledge.ingest``), then store them all in one transaction,
  or nothing when one is not a report;
- ``QAService.load``: the answerer built once from the stored passages; ``answer``; ``log``.
"""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import date
from pathlib import Path

from knowledge.answer import Answerer, Passage
from knowledge.ingest import IngestResult, passage_rows, read_batch
from knowledge.question import ReportRef
from knowledge.types import Answer
from storage.db import Database
from storage.knowledge import ReportRecord, knowledge_version, load_passages, log_questions, store_reports
from storage.models import utcnow

MAX_QUESTION_CHARS = 500  # longer messages are refused in chat; the service and the log cut there


async def ingest_paths(db: Database, paths: list[Path], *, agency: str | None = None,
                       year: int | None = None) -> list[IngestResult]:
    """Parse every file first; write only if all of them are reports (all or nothing)."""
    batch = await asyncio.to_thread(read_batch, paths, agency=agency, year=year)  # parsing is CPU work
    records = [ReportRecord(agency=parsed.agency, year=parsed.year, title=parsed.title, layout=parsed.layout,
                            source_name=path.name, content_hash=digest, published=parsed.published,
                            warnings="\n".join(parsed.warnings), passages=passage_rows(parsed, 0))
               for path, parsed, digest in batch]
    statuses = await store_reports(db, records)
    return [IngestResult(path, parsed.agency, parsed.year, len(parsed.sentences), len(parsed.cells), status,
                         tuple(parsed.warnings))
            for (path, parsed, _digest), status in zip(batch, statuses)]


def keep_out_of_gc() -> None:
    """Take what is alive now — above all the answerer just built: passages, their token sets —
    out of the cyclic garbage collector's scans. Those objects live until the next reload (they
    are freed by reference counting then), and scanning them made collections land inside answers
    (a tenth of a millisecond at the 99th percentile on 44k passages)."""
    gc.collect()
    gc.freeze()


class QAService:
    REFRESH_EVERY = 30.0  # seconds between two looks at whether the knowledge base changed

    def __init__(self, answerer: Answerer, version: tuple | None = None, home_agency: str | None = None) -> None:
        self.answerer = answerer
        self.version = version
        self.home_agency = home_agency
        self._checked = time.monotonic()

    @classmethod
    async def load(cls, db: Database, home_agency: str | None = None) -> "QAService":
        version = await knowledge_version(db)
        reports, rows = await load_passages(db)
        refs = [ReportRef(id=r.id, agency=r.agency, year=r.year, title=r.title) for r in reports]
        answerer = Answerer(refs, [Passage(*row) for row in rows], home_agency=home_agency)
        keep_out_of_gc()
        return cls(answerer, version, home_agency)

    async def reload(self, db: Database) -> None:
        """Rebuild the index from the stored reports (after an upload); this object keeps serving."""
        fresh = await QAService.load(db, self.home_agency)
        self.answerer, self.version, self._checked = fresh.answerer, fresh.version, time.monotonic()

    async def refresh(self, db: Database) -> bool:
        """Reload when another process added or removed a report (looked at every ``REFRESH_EVERY`` s)."""
        if time.monotonic() - self._checked < self.REFRESH_EVERY:
            return False
        self._checked = time.monotonic()
        if await knowledge_version(db) == self.version:
            return False
        await self.reload(db)
        return True

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
