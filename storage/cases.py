"""行政复议 / 行政诉讼 / 举报投诉 cases (Table 四, legacy §四–六): log, close, list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from disclosure.tables import CASE_KINDS, CASE_RESULTS
from storage.applications import lookup_application
from storage.db import Database
from storage.errors import ServiceError
from storage.models import AuditLog, Case


class CaseError(ServiceError, ValueError):
    """A case operation that cannot be done (``code`` + ``params``, see ``storage.errors``)."""


async def _application_id(s, ref: str | int | None) -> int | None:
    if ref is None or ref == "":
        return None
    app = await lookup_application(s, ref)
    if app is None:
        raise CaseError("case_application", ref=str(ref).strip())
    return app.id


async def add_case(db: Database, kind: str, filed_date: date, *, application: str | int | None = None,
                   note: str | None = None, actor: str = "cli") -> Case:
    if kind not in CASE_KINDS:
        raise CaseError("case_kind", kind=kind, known=tuple(CASE_KINDS))
    async with db.session() as s:
        app_id = await _application_id(s, application)
        case = Case(kind=kind, filed_date=filed_date, application_id=app_id, note=note)
        s.add(case)
        await s.flush()
        s.add(AuditLog(actor=actor, action="case.add", detail=f"case {case.id} {kind} filed {filed_date}"))
        await s.commit()
        await s.refresh(case)
        return case


async def close_case(db: Database, case_id: int, result: str, decided_date: date, *, actor: str = "cli") -> Case:
    if result not in CASE_RESULTS:
        raise CaseError("case_result", result=result, known=tuple(CASE_RESULTS))
    async with db.session() as s:
        case = await s.get(Case, case_id)
        if case is None:
            raise CaseError("case_not_found", id=case_id)
        if case.result is not None:
            raise CaseError("case_closed", id=case_id, result=case.result)
        if decided_date < case.filed_date:
            raise CaseError("case_date", decided=decided_date, filed=case.filed_date)
        case.result, case.decided_date = result, decided_date
        s.add(AuditLog(actor=actor, action="case.close", detail=f"case {case_id} {result} on {decided_date}"))
        await s.commit()
        await s.refresh(case)
        return case


async def list_cases(db: Database, *, year: int | None = None, kind: str | None = None,
                     pending: bool = False) -> list[Case]:
    q = select(Case).order_by(col(Case.filed_date), col(Case.id))
    if year is not None:
        q = q.where(col(Case.filed_date).between(date(year, 1, 1), date(year, 12, 31)))
    if kind is not None:
        q = q.where(col(Case.kind) == kind)
    if pending:
        q = q.where(col(Case.result).is_(None))
    async with db.session() as s:
        return list((await s.execute(q)).scalars().all())
