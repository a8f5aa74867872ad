"""SQLModel tables. Instants are aware UTC datetimes; legal dates are ``date`` in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- knowledge base -------------------------------------------------------------------------

class Report(SQLModel, table=True):
    """One published annual report (政府信息公开工作年度报告) of one agency and year."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("agency", "year", name="uq_report_agency_year"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    agency: str = Field(index=True)
    year: int = Field(index=True)
    title: str
    layout: str = ""  # "2021", "2019" or "legacy" (the statistics table format found)
    source_name: str = ""
    content_hash: str = Field(index=True)
    published: Optional[str] = None
    ingested_at: datetime = Field(default_factory=utcnow)
    warnings: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})  # what ingest could not structure


class Passage(SQLModel, table=True):
    """A searchable unit: a narrative sentence, a narrative figure with its governing clause
    (kind "fact"), or one statistics-table cell (a structured fact)."""

    __tablename__ = "passage"

    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    position: int
    kind: str  # "sentence", "fact", "cell", "outline" or "meta"
    section: str = ""
    context: str = ""  # sub-heading / table group path, folded into the search text
    text: str
    table_name: Optional[str] = None
    row_label: Optional[str] = None
    col_label: Optional[str] = None
    value: Optional[str] = None
    unit: Optional[str] = None
    quote: Optional[str] = Field(default=None, sa_type=Text)  # a fact's sentence, quoted in answers
    terms: Optional[str] = Field(default=None, sa_type=Text)  # concept tokens for the search index


class QuestionLog(SQLModel, table=True):
    """Every question asked, on any channel, answered or not."""

    __tablename__ = "question_log"

    id: Optional[int] = Field(default=None, primary_key=True)
    asked_at: datetime = Field(default_factory=utcnow, index=True)
    channel: str = Field(default="cli", index=True)
    user_id: Optional[int] = Field(default=None, index=True)
    text: str
    answered: bool = Field(default=False, index=True)
    answer: Optional[str] = None
    report_id: Optional[int] = None
    source: Optional[str] = None
    score: float = 0.0


# --- applications (依申请公开) ---------------------------------------------------------------

class Application(SQLModel, table=True):
    """A 依申请公开 application. Deadlines are derived from receipt_date, regime and events."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("agency", "year", "seq", name="uq_application_number"),
        UniqueConstraint("idempotency_key", name="uq_application_idempotency"),
        # Covering indexes for the annual-report GROUP BY queries (storage/statistics.py, bench/report_bench.py)
        Index("ix_application_receipt_span", "receipt_date", "closed_date", "applicant_type", "channel"),
        Index("ix_application_closing", "closed_date", "applicant_type", "outcome", "original_due", "reply_due"),
        Index("ix_application_timeliness", "closed_date", "applicant_type", "outcome", "timeliness"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    agency: str = Field(default="", index=True)
    year: int = Field(index=True)
    seq: int
    number: str = Field(index=True)  # e.g. 2026-0001
    idempotency_key: Optional[str] = None

    applicant_type: str  # natural_person, org_business, org_research, ...
    # Personal data (storage/personal.py): a natural person's name, and every applicant's ID number,
    # phone, e-mail and address are sealed tokens (storage/crypto.py), never plain values; an
    # organisation's name and credit code are not personal data and stay in clear.
    name: str
    org_code: Optional[str] = None  # 统一社会信用代码
    id_type: Optional[str] = None
    id_number: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    address: Optional[str] = None
    # the data key the personal fields are sealed with (None: written before sealing, or erased)
    personal_key: Optional[str] = Field(default=None, index=True)
    # keyed hashes for equality lookups (the same applicant on two applications), never the values
    id_number_digest: Optional[str] = Field(default=None, index=True)
    phone_digest: Optional[str] = Field(default=None, index=True)
    email_digest: Optional[str] = Field(default=None, index=True)
    personal_erased_at: Optional[datetime] = None  # personal fields erased (retention expired, or on request)
    description: str
    doc_number: Optional[str] = None
    delivery_form: Optional[str] = None
    delivery_channel: Optional[str] = None

    channel: str = "online"  # in_person, fax, online, letter, other (legacy §三 channels)
    submitted_at: datetime = Field(default_factory=utcnow)
    confirmed_at: Optional[datetime] = None
    receipt_date: date = Field(index=True)
    # The applicant's Telegram account: a keyed digest of the user id (/my, /mydata, the daily limit)
    # and, sealed, "user id:chat id" (the chat notices go to). ``telegram_user_id`` / ``chat_id`` hold
    # them in clear only in rows written before migration 0015 and not sealed yet (storage/personal.py).
    telegram_user_digest: Optional[str] = Field(default=None, index=True)
    telegram_account: Optional[str] = None
    telegram_user_id: Optional[int] = Field(default=None, index=True)
    chat_id: Optional[int] = None

    status: str = Field(default="open", index=True)  # open, correction, consultation, closed
    outcome: Optional[str] = None
    closed_date: Optional[date] = Field(default=None, index=True)
    reply_due: Optional[date] = Field(default=None, index=True)  # cache of the derived due date
    original_due: Optional[date] = None
    # 按时/延期/逾期 of a closed application, derived from its events by the deadline engine
    # (disclosure.deadlines.Deadline.timeliness); ``derived_with`` fingerprints the calendar and rules
    # it was derived with — a report re-derives every row whose fingerprint is not the current one.
    timeliness: Optional[str] = None
    derived_with: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ApplicationEvent(SQLModel, table=True):
    """Append-only log of what happened to an application (who, when, what)."""

    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event_app_kind", "application_id", "kind"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True, ondelete="CASCADE")
    kind: str
    on_date: Optional[date] = None
    end_date: Optional[date] = None
    days: Optional[int] = None
    actor: Optional[str] = None
    reason: Optional[str] = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class NumberCounter(SQLModel, table=True):
    """Last issued sequence per agency and year, for human-friendly application numbers."""

    __tablename__ = "number_counter"

    agency: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last_seq: int = 0


# --- staff, reminders, audit ----------------------------------------------------------------

class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    telegram_id: int = Field(primary_key=True)
    name: str = ""
    roles: str = "handler"  # comma-separated: handler, approver, admin
    blocked_bot: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ReminderLedger(SQLModel, table=True):
    """One row per reminder sent; the unique key makes a second send impossible."""

    __tablename__ = "reminder_ledger"
    __table_args__ = (UniqueConstraint("key", name="uq_reminder_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str
    application_id: Optional[int] = Field(default=None, index=True)
    kind: str
    due_date: Optional[date] = None
    recipient: Optional[int] = None
    status: str = "sent"  # sent, blocked, failed
    sent_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: Optional[str] = None
    action: str
    allowed: bool = True
    detail: Optional[str] = None


class PersonalDataAccess(SQLModel, table=True):
    """The access log of applicants' personal data: every full view, copy and erasure — who, when,
    which application, through which channel (``chat``, ``cli``, ``web``, ``scheduler``)."""

    __tablename__ = "personal_data_access"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    action: str  # view, self_view, self_export, erase, purge
    channel: str
    application_id: Optional[int] = Field(default=None, index=True)
    number: Optional[str] = None
    detail: Optional[str] = None


class HolidayOverride(SQLModel, table=True):
    """Official holiday schedule entries imported by staff (State Council notice)."""

    __tablename__ = "holiday_override"

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    kind: str  # holiday or workday
    name: str = ""


class OfficialYear(SQLModel, table=True):
    """Years whose schedule was imported and is therefore official."""

    __tablename__ = "official_year"

    year: int = Field(primary_key=True)
    source: str = ""
    imported_at: datetime = Field(default_factory=utcnow)


class Case(SQLModel, table=True):
    """行政复议 / 行政诉讼 / 举报投诉 cases arising from disclosure work (Table 四, legacy §四–六)."""

    __tablename__ = "dispute_case"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str  # review, lit_direct, lit_after_review, complaint
    filed_date: date = Field(index=True)
    decided_date: Optional[date] = None
    result: Optional[str] = None  # upheld, corrected, other; None = pending
    application_id: Optional[int] = Field(default=None, foreign_key="application.id")
    note: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)


class FsmRecord(SQLModel, table=True):
    """aiogram FSM state and data for one storage key (JSON, no pickle)."""

    __tablename__ = "fsm_record"

    key: str = Field(primary_key=True)
    state: Optional[str] = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids claimed by a bot process (duplicate deliveries are dropped).

    ``done`` is set once handled; a claim left undone by a process that died mid-update can be
    taken over by another process instance (see ``storage.batching.UpdateClaims``)."""

    __tablename__ = "processed_update"

    update_id: int = Field(primary_key=True)
    bot_id: int = Field(default=0, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    owner: str = ""
    done: bool = False


# --- the web desk (web/): sign-in links, sessions, the server's signing key -----------------------

class DeskKey(SQLModel, table=True):
    """A secret the web front signs with (sign-in links, form tokens, receipt secrets), generated
    once and shared by every process through the database."""

    __tablename__ = "desk_key"

    name: str = Field(primary_key=True)
    value: str
    created_at: datetime = Field(default_factory=utcnow)


class DeskLink(SQLModel, table=True):
    """A one-time sign-in link for the staff desk (``/desk`` in the bot, ``gongkai staff link``).
    Only the SHA-256 of the link's nonce is stored; ``used_at`` makes it single-use."""

    __tablename__ = "desk_link"

    nonce_hash: str = Field(primary_key=True)
    staff_id: int = Field(index=True, sa_type=BigInteger)
    issued_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: Optional[datetime] = None


class DeskSession(SQLModel, table=True):
    """A signed-in browser of a staff member. The cookie holds a random token; only its SHA-256 is
    stored. Roles are read from the staff table on every request, never from the session."""

    __tablename__ = "desk_session"

    token_hash: str = Field(primary_key=True)
    staff_id: int = Field(index=True, sa_type=BigInteger)
    csrf: str
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
