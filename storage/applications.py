"""Creating and reading 依申请公开 applications.

``create_application`` is the art. 31 mutual confirmation of an online application: it stamps the
receipt instant and the legal receipt date, allocates the next human number of the agency and year
(``2026-0001``) and is idempotent on ``idempotency_key`` — a double tap on 确认提交 or a repeated
delivery of the same update returns the application created the first time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pydantic import BaseModel, field_validator
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from bot.settings import Settings, get_settings
from disclosure.deadlines import Deadline
from disclosure.validation import mask_id, mask_phone
from storage.batching import write_lock
from storage.db import Database
from storage.models import Application, ApplicationEvent, NumberCounter

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class ApplicationDraft(BaseModel):
    """What the applicant entered (art. 29 para. 2): identity, contact, the information sought, its form."""

    applicant_type: str
    name: str
    org_code: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    description: str
    doc_number: str | None = None
    delivery_form: str | None = None
    delivery_channel: str | None = None
    telegram_user_id: int | None = None
    chat_id: int | None = None
    submitted_at: datetime | None = None  # when the summary was presented (the applicant's submission)

    @field_validator("name", "description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    def masked(self) -> dict:
        """For logs: identifiers masked."""
        data = self.model_dump(exclude={"submitted_at"})
        data["id_number"] = mask_id(self.id_number)
        data["phone"] = mask_phone(self.phone)
        return data


@dataclass(frozen=True)
class Created:
    application: Application
    created: bool  # False: the idempotency key had already produced this application


def legal_date(instant: datetime, tz: str = "Asia/Shanghai") -> date:
    if instant.tzinfo is None:
        raise ValueError("receipt instant must be timezone-aware")
    return instant.astimezone(ZoneInfo(tz)).date()


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:04d}"


async def find_by_idempotency_key(db: Database, key: str) -> Application | None:
    async with db.session() as s:
        result = await s.execute(select(Application).where(Application.idempotency_key == key))
        return result.scalars().first()


async def _next_seq(s, insert, agency: str, year: int) -> int:
    """Atomic on both backends: the UPDATE takes the row lock (PostgreSQL) / the write lock (SQLite)."""
    await s.execute(insert(NumberCounter).values(agency=agency, year=year, last_seq=0).on_conflict_do_nothing())
    result = await s.execute(
        update(NumberCounter)
        .where(col(NumberCounter.agency) == agency, col(NumberCounter.year) == year)
        .values(last_seq=NumberCounter.last_seq + 1)
        .returning(NumberCounter.last_seq)
    )
    return int(result.scalar_one())


def _due_dates(receipt_date: date, settings: Settings, calendar) -> tuple[date | None, date | None]:
    try:
        from disclosure.deadlines import compute_deadline

        d = compute_deadline(receipt_date, (), calendar, roll_forward=settings.receipt_roll_forward)
        return d.due, d.original_due
    except Exception:  # a calendar gap must never block the receipt; the due date is derived later
        log.exception("could not compute the reply deadline for receipt date %s", receipt_date)
        return None, None


async def create_application(
    db: Database,
    draft: ApplicationDraft,
    *,
    idempotency_key: str,
    received_at: datetime | None = None,
    agency: str | None = None,
    channel: str = "online",
    settings: Settings | None = None,
) -> Created:
    """Create the application (or return the one already created for ``idempotency_key``)."""
    settings = settings or get_settings()
    received_at = received_at or datetime.now(timezone.utc)
    if received_at.tzinfo is None:
        raise ValueError("receipt instant must be timezone-aware")
    received_at = received_at.astimezone(timezone.utc)
    agency = agency if agency is not None else (settings.home_agency or "")
    receipt_date = legal_date(received_at, settings.timezone)
    year = receipt_date.year

    existing = await find_by_idempotency_key(db, idempotency_key)
    if existing is not None:
        return Created(existing, False)

    from storage.calendar import load_calendar

    calendar = await load_calendar(db)
    reply_due, original_due = _due_dates(receipt_date, settings, calendar)
    insert = sqlite_insert if db.is_sqlite else pg_insert

    for attempt in range(MAX_ATTEMPTS):
        try:
            async with write_lock(db), db.session() as s:
                seq = await _next_seq(s, insert, agency, year)
                app = Application(
                    agency=agency,
                    year=year,
                    seq=seq,
                    number=format_number(year, seq),
                    idempotency_key=idempotency_key,
                    channel=channel,
                    submitted_at=draft.submitted_at or received_at,
                    confirmed_at=received_at,
                    receipt_date=receipt_date,
                    reply_due=reply_due,
                    original_due=original_due,
                    created_at=received_at,
                    updated_at=received_at,
                    **draft.model_dump(exclude={"submitted_at"}),
                )
                s.add(app)
                await s.flush()
                s.add(
                    ApplicationEvent(
                        application_id=app.id,
                        kind="received",
                        on_date=receipt_date,
                        actor="applicant",
                        data={"channel": channel, "number": app.number, "received_at": received_at.isoformat()},
                    )
                )
                await s.commit()
            log.info("application %s received (%s, user %s)", app.number, channel, draft.telegram_user_id)
            return Created(app, True)
        except IntegrityError:
            # Either the same key won a race (return it) or a number collided (retry).
            existing = await find_by_idempotency_key(db, idempotency_key)
            if existing is not None:
                return Created(existing, False)
        except OperationalError as exc:  # SQLite "database is locked" under heavy contention
            if "locked" not in str(exc).lower():
                raise
        await asyncio.sleep(0.01 * (attempt + 1))
    raise RuntimeError("could not allocate an application number")


async def get_application(db: Database, app_id: int | None = None, *, number: str | None = None,
                          agency: str | None = None) -> Application | None:
    async with db.session() as s:
        if app_id is not None:
            return await s.get(Application, app_id)
        stmt = select(Application).where(Application.number == number)
        if agency is not None:
            stmt = stmt.where(Application.agency == agency)
        return (await s.execute(stmt)).scalars().first()


async def list_for_user(db: Database, telegram_user_id: int, *, limit: int = 20) -> list[Application]:
    """Only this user's applications, newest first."""
    async with db.session() as s:
        result = await s.execute(
            select(Application)
            .where(Application.telegram_user_id == telegram_user_id)
            .order_by(col(Application.created_at).desc(), col(Application.id).desc())
            .limit(limit)
        )
        return list(result.scalars())


async def current_deadline(db: Database, app: Application, *, calendar=None,
                           settings: Settings | None = None) -> Deadline:
    """The deadline derived now from the receipt date, the stored clock events and the calendar."""
    from storage.handling import deadline_for

    return await deadline_for(db, app, calendar=calendar, settings=settings)


MAX_SQL_ID = 2**63 - 1


async def lookup_application(session, ref: "Application | int | str | None") -> Application | None:
    """An application by number (``2026-0001``), id, or the object itself (reloaded); None if absent.

    ``ref`` may come from forged button data or a typo, so ids outside SQL's 64-bit range find nothing."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, Application):
        return await session.get(Application, ref.id)
    if isinstance(ref, int) and not isinstance(ref, bool):
        return await session.get(Application, ref) if 0 < ref <= MAX_SQL_ID else None
    text = str(ref).strip()
    app = (await session.execute(select(Application).where(Application.number == text)
                                 .order_by(col(Application.id)))).scalars().first()
    if app is None and text.isdigit() and 0 < int(text) <= MAX_SQL_ID:
        app = await session.get(Application, int(text))
    return app
