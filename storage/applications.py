"""Creating and reading 依申请公开 applications.

``create_application`` is the art. 31 mutual confirmation of an online application: it stamps the
receipt instant and the legal receipt date, allocates the next human number of the agency and year
(``2026-0001``) and is idempotent on ``idempotency_key`` — a double tap on 确认提交 or a repeated
delivery of the same update returns the application created the first time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from disclosure.choices import (
    CHANNELS_FOR_FORM, DELIVERY_CHANNELS, DELIVERY_FORMS, ID_TYPES, ORG_ID_LABEL, ORG_ID_TYPE,
)
from disclosure.deadlines import Deadline
from disclosure.outcomes import APPLICANT_TYPES
from disclosure.validation import (
    mask_id, mask_phone, normalize_email, normalize_phone, normalize_resident_id, normalize_uscc,
)
from storage.batching import write_lock
from storage.config import OfficeSettings, office
from storage.db import Database
from storage.errors import ServiceError
from storage.models import Application, ApplicationEvent, NumberCounter
from storage.personal import account_condition, keyring, seal_applicant

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


# --- one validation for every entry point (chat form, `gongkai applications add`, ledger import) -----

MAX_NAME_PERSON = 50
MAX_NAME_ORG = 100
MIN_ADDRESS = 5
MAX_ADDRESS = 200
MIN_DESCRIPTION = 5
MAX_DESCRIPTION = 2000
MAX_DOC_NUMBER = 50
FIRST_RECEIPT = date(2008, 5, 1)  # the 政府信息公开条例 took effect
_OTHER_ID_RE = re.compile(r"^[A-Za-z0-9\-]{5,30}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FieldError(ServiceError, ValueError):
    """One field's value breaks a rule (``code`` + ``params``); every entry point shows the same
    polite Chinese text for it (``bot.texts.errors.error_text``)."""


class DraftError(ValueError):
    """An application draft that breaks the rules: ``errors`` = [(field, FieldError)]."""

    def __init__(self, errors: list[tuple[str, FieldError]]) -> None:
        super().__init__("; ".join(f"{name}: {error}" for name, error in errors))
        self.errors = errors


def _text(value: object) -> str:
    return _CONTROL_RE.sub("", str(value)).strip()


def _choice(value: object, options: dict[str, str], extra: dict[str, str] | None = None) -> str | None:
    text = _text(value)
    for code, label in options.items():
        if text in (code, label):
            return code
    return (extra or {}).get(text)


def clean_applicant_type(value: object) -> str:
    code = _choice(value, APPLICANT_TYPES, {"公民": "natural_person", "个人": "natural_person"})
    if code is None:
        raise FieldError("applicant_type", known=tuple(APPLICANT_TYPES.values()))
    return code


def clean_name(value: object, org: bool) -> str:
    text, limit = _text(value), (MAX_NAME_ORG if org else MAX_NAME_PERSON)
    if not text or len(text) > limit or "\n" in text:
        raise FieldError("name", limit=limit)
    return text


def clean_org_code(value: object) -> str:
    code = normalize_uscc(_text(value))
    if code is None:
        raise FieldError("org_code")
    return code


def clean_id_type(value: object) -> str:
    code = _choice(value, {**ID_TYPES, ORG_ID_TYPE: ORG_ID_LABEL}, {"身份证": "resident_id"})
    if code is None:
        raise FieldError("id_type", known=tuple(ID_TYPES.values()))
    return code


def clean_id_number(value: object, id_type: str | None, today: date | None = None) -> str:
    """``today``: the legal date a birth date may not be after (default: today in Beijing)."""
    text = _text(value)
    if id_type == "resident_id":
        number = normalize_resident_id(text, today=today or legal_date(_now()))
        if number is None:
            raise FieldError("resident_id")
        return number
    if id_type == ORG_ID_TYPE:
        return clean_org_code(text)
    compact = text.replace(" ", "").upper()
    if not _OTHER_ID_RE.match(compact):
        raise FieldError("id_number")
    return compact


def clean_phone(value: object) -> str:
    phone = normalize_phone(_text(value))
    if phone is None:
        raise FieldError("phone")
    return phone


def clean_email(value: object) -> str:
    email = normalize_email(_text(value))
    if email is None:
        raise FieldError("email")
    return email


def clean_address(value: object) -> str:
    text = _text(value)
    if not MIN_ADDRESS <= len(text) <= MAX_ADDRESS:
        raise FieldError("address", limit=MAX_ADDRESS)
    return text


def clean_description(value: object) -> str:
    text = _text(value)
    if not MIN_DESCRIPTION <= len(text) <= MAX_DESCRIPTION:
        raise FieldError("description", low=MIN_DESCRIPTION, limit=MAX_DESCRIPTION)
    return text


def clean_doc_number(value: object) -> str:
    text = _text(value)
    if not text or len(text) > MAX_DOC_NUMBER or "\n" in text:
        raise FieldError("doc_number", limit=MAX_DOC_NUMBER)
    return text


def check_receipt_date(day: date, today: date) -> date:
    """A legal receipt date: not in the future, not before the regulation took effect."""
    if day > today:
        raise FieldError("receipt_future", day=day, today=today)
    if day < FIRST_RECEIPT:
        raise FieldError("receipt_old", day=day, first=FIRST_RECEIPT)
    return day


# The fields of the online form (art. 29 para. 2) in the order it asks for them.
FORM_ORDER = ("applicant_type", "name", "org_code", "id_type", "id_number", "phone", "email", "address",
              "description", "doc_number", "delivery_form", "delivery_channel")


def online_required(org: bool) -> tuple[str, ...]:
    """What the online form (chat and web) always asks for beyond name, type and description:
    an organisation's credit code or a person's identity document, a phone number, and how the
    information is to be provided (e-mail / address become required by the delivery choice)."""
    identity = ("org_code",) if org else ("id_type", "id_number")
    return (*identity, "phone", "delivery_form", "delivery_channel")


def _refuse(error: FieldError) -> PydanticCustomError:
    """A field rule's refusal inside pydantic validation; :meth:`ApplicationDraft.build` unwraps it."""
    return PydanticCustomError("gongkai", "{code}", {"code": error.code, "params": error.params})


def _rule(func, *args):
    try:
        return func(*args)
    except FieldError as exc:
        raise _refuse(exc) from None


class ApplicationDraft(BaseModel):
    """What the applicant entered (art. 29 para. 2): identity, contact, the information sought, its form.

    The one validation of every entry point — the chat form, ``gongkai applications add`` and the
    ledger import — with the same rules and the same Chinese messages. Build it with
    :meth:`build` to get a :class:`DraftError` listing every problem."""

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

    @field_validator("org_code", "id_type", "id_number", "phone", "email", "address", "doc_number",
                     "delivery_form", "delivery_channel", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("applicant_type")
    @classmethod
    def _applicant_type(cls, value: str) -> str:
        return _rule(clean_applicant_type, value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _rule(clean_description, value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str, info: ValidationInfo) -> str:
        return _rule(clean_name, value, str(info.data.get("applicant_type", "")).startswith("org_"))

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if "id_type" in info.data and info.data["id_type"] is None:
            raise _refuse(FieldError("id_type_missing"))
        return _rule(clean_id_number, value, info.data.get("id_type"))

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_phone, value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_email, value)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_address, value)

    @field_validator("doc_number")
    @classmethod
    def _doc_number(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_doc_number, value)

    @field_validator("org_code")
    @classmethod
    def _org_code(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_org_code, value)

    @field_validator("id_type")
    @classmethod
    def _id_type(cls, value: str | None) -> str | None:
        return None if value is None else _rule(clean_id_type, value)

    @field_validator("delivery_form")
    @classmethod
    def _delivery_form(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = _choice(value, DELIVERY_FORMS)
        if code is None:
            raise _refuse(FieldError("delivery_form", known=tuple(DELIVERY_FORMS.values())))
        return code

    @model_validator(mode="after")
    def _consistent(self) -> "ApplicationDraft":
        if self.delivery_channel is not None:
            allowed = (CHANNELS_FOR_FORM.get(self.delivery_form or "", tuple(DELIVERY_CHANNELS)))
            code = _choice(self.delivery_channel, {c: DELIVERY_CHANNELS[c] for c in allowed})
            if code is None:
                raise _refuse(FieldError("delivery_channel", known=tuple(DELIVERY_CHANNELS[c] for c in allowed)))
            self.delivery_channel = code
        if self.delivery_channel == "post" and not self.address:
            raise _refuse(FieldError("address_missing"))
        if self.delivery_channel == "email" and not self.email:
            raise _refuse(FieldError("email_missing"))
        return self

    @classmethod
    def build(cls, **fields) -> "ApplicationDraft":
        """The validated draft, or :class:`DraftError` listing every broken rule."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            errors = []
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "draft"
                if err["type"] == "gongkai":
                    ctx = err.get("ctx") or {}
                    errors.append((field, FieldError(ctx["code"], **ctx.get("params", {}))))
                else:
                    errors.append((field, FieldError("field", field=field)))
            raise DraftError(errors) from None

    @classmethod
    def build_online(cls, **fields) -> "ApplicationDraft":
        """The draft of an online form — the chat's /apply and the public web form: the rules of
        :meth:`build`, and the fields these forms always ask for (:func:`online_required`) must be
        given. :class:`DraftError` lists every problem, in the form's order."""
        errors: list[tuple[str, FieldError]] = []
        try:
            draft = cls.build(**fields)
        except DraftError as exc:
            draft, errors = None, list(exc.errors)
        try:
            org = clean_applicant_type(fields.get("applicant_type", "")).startswith("org_")
        except FieldError:
            org = False
        named = {name for name, _error in errors}
        errors += [(name, FieldError("required", field=name)) for name in online_required(org)
                   if name not in named and not _text(fields.get(name) or "")]
        if errors:
            order = {name: i for i, name in enumerate(FORM_ORDER)}
            raise DraftError(sorted(errors, key=lambda e: order.get(e[0], len(order))))
        return draft

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


def _now() -> datetime:
    return datetime.now(timezone.utc)


def legal_date(instant: datetime, tz: str = "Asia/Shanghai") -> date:
    if instant.tzinfo is None:
        raise ValueError("receipt instant must be timezone-aware")
    return instant.astimezone(ZoneInfo(tz)).date()


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:04d}"


def form_key(draft_id: str) -> str:
    """The idempotency key of an application confirmed in the chat form: its draft id (random, made
    by the server), never the applicant's Telegram id (the owner is checked with
    ``storage.personal.filed_by``)."""
    return f"tg:{draft_id}"


async def find_by_idempotency_key(db: Database, key: str) -> Application | None:
    async with db.session() as s:
        result = await s.execute(select(Application).where(Application.idempotency_key == key))
        return result.scalars().first()


async def count_filed_since(db: Database, telegram_user_id: int, since: datetime) -> int:
    """How many applications this Telegram user filed from ``since`` (an aware instant) on."""
    from sqlalchemy import func

    async with db.session() as s:
        result = await s.execute(
            select(func.count()).select_from(Application)
            .where(account_condition(db, telegram_user_id), Application.created_at >= since)
        )
        return int(result.scalar_one())


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


def _due_dates(receipt_date: date, settings: OfficeSettings, calendar) -> tuple[date | None, date | None]:
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
    settings: OfficeSettings | None = None,
) -> Created:
    """Create the application (or return the one already created for ``idempotency_key``)."""
    settings = office(settings)
    received_at = received_at or _now()
    if received_at.tzinfo is None:
        raise ValueError("receipt instant must be timezone-aware")
    received_at = received_at.astimezone(timezone.utc)
    agency = agency if agency is not None else (settings.home_agency or "")
    receipt_date = legal_date(received_at, settings.timezone)
    try:
        check_receipt_date(receipt_date, legal_date(_now(), settings.timezone))
    except FieldError as exc:
        raise DraftError([("receipt_date", exc)]) from None
    year = receipt_date.year

    existing = await find_by_idempotency_key(db, idempotency_key)
    if existing is not None:
        return Created(existing, False)

    from storage.calendar import load_calendar

    calendar = await load_calendar(db)
    reply_due, original_due = _due_dates(receipt_date, settings, calendar)
    insert = sqlite_insert if db.is_sqlite else pg_insert
    applicant = seal_applicant(draft.model_dump(exclude={"submitted_at"}), keyring(db, create=True))

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
                    **applicant,
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
    """Only this user's applications, newest first (found by the account's keyed digest)."""
    async with db.session() as s:
        result = await s.execute(
            select(Application)
            .where(account_condition(db, telegram_user_id))
            .order_by(col(Application.created_at).desc(), col(Application.id).desc())
            .limit(limit)
        )
        return list(result.scalars())


async def current_deadline(db: Database, app: Application, *, calendar=None,
                           settings: OfficeSettings | None = None) -> Deadline:
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
