"""The question-answering service the CLI and the bot share: load once, answer, log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from knowledge.answer import Answerer, Passage
from knowledge.question import ReportRef
from knowledge.types import Answer
from storage.db import Database
from storage.models import Passage as PassageRow
from storage.models import QuestionLog, Report, utcnow

MAX_QUESTION_CHARS = 500


class QAService:
    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    @classmethod
    async def load(cls, db: Database, home_agency: str | None = None) -> "QAService":
        async with db.session() as session:
            reports = (await session.execute(select(Report.id, Report.agency, Report.year, Report.title))).all()
            rows = (await session.execute(select(
                PassageRow.id, PassageRow.report_id, PassageRow.kind, PassageRow.section, PassageRow.context,
                PassageRow.text, PassageRow.table_name, PassageRow.row_label, PassageRow.col_label,
                PassageRow.value, PassageRow.unit, PassageRow.quote, PassageRow.terms,
            ).order_by(PassageRow.report_id, PassageRow.id))).all()
        refs = [ReportRef(id=r.id, agency=r.agency, year=r.year, title=r.title) for r in reports]
        passages = [Passage(*row) for row in rows]
        return cls(Answerer(refs, passages, home_agency=home_agency))

    @property
    def report_count(self) -> int:
        return len(self.answerer.reports)

    def answer(self, question: str, today: date | None = None) -> Answer:
        return self.answerer.answer(question[:MAX_QUESTION_CHARS], today=today)

    def names_in(self, question: str) -> list[str]:
        return self.answerer.names_in(question)

    async def log(self, db: Database, answer: Answer, *, channel: str, user_id: int | None = None) -> None:
        async with db.session() as session:
            async with session.begin():
                await session.execute(insert(QuestionLog), [log_row(answer, channel, user_id)])

    async def log_many(self, db: Database, answers: list[Answer], *, channel: str) -> None:
        if not answers:
            return
        async with db.session() as session:
            async with session.begin():
                await session.execute(insert(QuestionLog), [log_row(a, channel, None) for a in answers])


def log_row(answer: Answer, channel: str, user_id: int | None) -> dict:
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


async def unanswered_questions(db: Database, *, since=None, limit: int = 100) -> list[QuestionLog]:
    async with db.session() as session:
        query = select(QuestionLog).where(QuestionLog.answered.is_(False))
        if since is not None:
            query = query.where(QuestionLog.asked_at >= since)
        query = query.order_by(QuestionLog.asked_at.desc()).limit(limit)
        return list((await session.execute(query)).scalars())
