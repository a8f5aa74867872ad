"""Handling services shared by the staff chat and the CLI.

Every change to an application is an appended ``ApplicationEvent`` (who, when, what). The deadline
is never stored alone: each service rebuilds the clock events, asks the deadline engine whether the
new event is allowed *before* writing anything, and then caches the derived ``reply_due`` /
``original_due`` / ``status`` on the application. An invalid action raises ``HandlingError`` (a code
and its parameters, said in Chinese by ``bot.texts.errors``) and leaves the database untouched.
What the applicant is told is a :class:`Notice` handed to the caller's notifier.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import col, select

from decimal import Decimal, InvalidOperation

from disclosure.deadlines import (
    AWAITING_FEE, LATE, ON_TIME, EXTENDED, ClockEvent, Deadline, DeadlineError, compute_deadline,
    derivation_fingerprint, validate_event,
)
from disclosure.choices import CONSULTATION_PARTIES
from disclosure.outcomes import OUTCOMES
from storage.applications import lookup_application
from storage.calendar import load_calendar
from storage.config import OfficeSettings, office
from storage.db import Database
from storage.errors import ServiceError
from storage.models import Application, ApplicationEvent, AuditLog, StaffMember
from storage.staff import get_staff, has_role

log = logging.getLogger(__name__)

AppRef = Application | int | str

CLOCK_KINDS = frozenset({
    "correction_requested", "correction_received", "correction_lapsed", "consultation",
    "extension", "custom_deadline", "fee_notice", "fee_paid", "closed",
})
LAPSED_OUTCOME = "other_no_correction"
FEE_UNPAID_OUTCOME = "other_fee_unpaid"
MAX_FEE = Decimal("1000000")


class HandlingError(ServiceError):
    """A staff action that the law or the application's state does not allow (``code`` + ``params``;
    ``bot.texts.errors.error_text`` says it in Chinese)."""


class ReasonRequired(HandlingError):
    """The action is lawful only with a recorded reason (e.g. a consultation longer than 15 WD)."""


@dataclass(frozen=True)
class Notice:
    """What the applicant is told after an action: ``kind`` names the notice (its Chinese text is in
    ``bot/texts/staff.py``, rendered by ``bot.notices``), ``params`` fill it."""

    kind: str  # correction, correction_received, lapsed, fee, extension, custom_deadline, closed
    params: dict

    def __init__(self, kind: str, /, **params) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "params", params)


# Sends a notice to the applicant's chat (its id, opened from the sealed Telegram account by
# ``storage.personal.applicant_chat``); True when sent. Built by ``bot.notices.applicant_notifier``.
Notifier = Callable[[int, Notice], Awaitable[bool]]


@dataclass
class HandlingResult:
    application: Application
    deadline: Deadline
    event: ApplicationEvent
    notified: bool | None = None  # None: the applicant has no chat with the bot (notify in writing)

    @property
    def warnings(self) -> list[str]:
        """What this action flagged (a provisional limit, a late correction notice, a long consultation)."""
        return list((self.event.data or {}).get("warnings", []))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_today(settings: OfficeSettings | None = None, now: datetime | None = None) -> date:
    settings = office(settings)
    now = now or utcnow()
    return now.astimezone(ZoneInfo(settings.timezone)).date()


# --- reading ---------------------------------------------------------------------------------------

async def find_application(db: Database, ref: AppRef) -> Application:
    """An application by number (``2026-0001``), id, or the object itself (reloaded)."""
    async with db.session() as s:
        app = await _load(s, ref)
    return app


async def _load(s, ref: AppRef) -> Application:
    app = await lookup_application(s, ref)
    if app is None:
        raise HandlingError("not_found", ref=ref if not isinstance(ref, Application) else ref.number)
    return app


async def events_of(db: Database, app_id: int) -> list[ApplicationEvent]:
    async with db.session() as s:
        return await _events(s, app_id)


async def _events(s, app_id: int) -> list[ApplicationEvent]:
    rows = await s.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app_id)
                        .order_by(col(ApplicationEvent.id)))
    return list(rows.scalars().all())


def clock_events(rows: Sequence[ApplicationEvent]) -> list[ClockEvent]:
    """The engine's view of the stored events (a consultation's end is a separate, later row)."""
    out: list[ClockEvent] = []
    for row in rows:
        if row.kind == "consultation_ended":
            for i in range(len(out) - 1, -1, -1):
                if out[i].kind == "consultation" and out[i].end is None:
                    out[i] = ClockEvent("consultation", out[i].on, end=row.on_date)
                    break
        elif row.kind in CLOCK_KINDS:
            end = row.end_date
            out.append(ClockEvent(row.kind, row.on_date, end=end, days=row.days))
    return out


def status_from(events: Sequence[ClockEvent]) -> str:
    status = "open"
    for ev in events:
        if ev.kind in ("closed", "correction_lapsed"):
            return "closed"
        if ev.kind == "correction_requested":
            status = "correction"
        elif ev.kind == "fee_notice":
            status = "fee"
        elif ev.kind in ("correction_received", "fee_paid"):
            status = "open"
    if any(ev.kind == "consultation" and ev.end is None for ev in events) and status == "open":
        status = "consultation"
    return status


def _compute(app: Application, events: Sequence[ClockEvent], calendar, settings: OfficeSettings) -> Deadline:
    return compute_deadline(app.receipt_date, list(events), calendar, roll_forward=settings.receipt_roll_forward,
                            consultation_transit_days=settings.consultation_transit_days)


def fingerprint(calendar, settings: OfficeSettings) -> str:
    return derivation_fingerprint(calendar, roll_forward=settings.receipt_roll_forward,
                                  consultation_transit_days=settings.consultation_transit_days)


def _cached_timeliness(app: Application, rows: Sequence[ApplicationEvent]) -> str:
    """Fallback for a closed record whose events the engine cannot replay (legacy data): the stored
    due dates decide, and a missing due date is never assumed to be on time."""
    if app.original_due is not None and app.closed_date <= app.original_due:
        return ON_TIME
    if app.reply_due is not None and app.closed_date <= app.reply_due and any(r.kind == "extension" for r in rows):
        return EXTENDED
    return LATE


def derive_closed(app: Application, rows: Sequence[ApplicationEvent], calendar,
                  settings: OfficeSettings) -> tuple[str, Deadline | None]:
    """按时/延期/逾期 of a closed application from its events, with the given calendar."""
    events = clock_events(rows)
    if app.closed_date is not None and not any(e.kind in ("closed", "correction_lapsed") for e in events):
        events.append(ClockEvent("closed", app.closed_date))  # closed outside the services (old data)
    try:
        dl = _compute(app, events, calendar, settings)
    except DeadlineError:
        return _cached_timeliness(app, rows), None
    return dl.timeliness or _cached_timeliness(app, rows), dl


async def deadline_for(db: Database, app: AppRef, *, calendar=None, settings: OfficeSettings | None = None) -> Deadline:
    settings = office(settings)
    calendar = calendar or await load_calendar(db)
    async with db.session() as s:
        loaded = await _load(s, app)
        rows = await _events(s, loaded.id)
    return _compute(loaded, clock_events(rows), calendar, settings)


def working_days_left(calendar, today: date, due: date) -> int:
    """Working days after ``today`` up to and including ``due``; negative when overdue."""
    return calendar.workdays_in(today, due) if due >= today else -calendar.workdays_in(due, today)


@dataclass
class QueueItem:
    application: Application
    deadline: Deadline
    days_left: int | None  # None while the clock is stopped (correction, open consultation)


async def open_queue(db: Database, today: date, *, settings: OfficeSettings | None = None,
                     include_closed: bool = False) -> list[QueueItem]:
    """Open applications with their derived deadlines, soonest due first (stopped clocks last)."""
    settings = office(settings)
    calendar = await load_calendar(db)
    async with db.session() as s:
        query = select(Application).order_by(col(Application.id))
        if not include_closed:
            query = query.where(Application.status != "closed")
        apps = list((await s.execute(query)).scalars().all())
        ids = [a.id for a in apps]
        rows = list((await s.execute(select(ApplicationEvent).where(col(ApplicationEvent.application_id).in_(ids))
                                  .order_by(col(ApplicationEvent.id)))).scalars().all()) if ids else []
    by_app: dict[int, list[ApplicationEvent]] = {}
    for r in rows:
        by_app.setdefault(r.application_id, []).append(r)
    items: list[QueueItem] = []
    for app in apps:
        dl = _compute(app, clock_events(by_app.get(app.id, [])), calendar, settings)
        left = working_days_left(calendar, today, dl.due) if dl.due else None
        items.append(QueueItem(app, dl, left))
    items.sort(key=lambda it: (it.deadline.due is None, it.deadline.due or date.max, it.application.id))
    return items


# --- writing ---------------------------------------------------------------------------------------

def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


async def _apply(
    db: Database,
    ref: AppRef,
    *,
    kind: str,
    actor: str,
    on: date | None,
    plan: Callable[[Application, Deadline, list[ClockEvent]], list[ClockEvent]],
    end: date | None = None,
    days: int | None = None,
    reason: str | None = None,
    data: dict | None = None,
    outcome: str | None = None,
    settings: OfficeSettings | None = None,
) -> tuple[Application, Deadline, ApplicationEvent]:
    """Validate ``plan`` (old events → new events) with the engine, then append one event row."""
    settings = office(settings)
    calendar = await load_calendar(db)
    async with db.session() as s:
        app = await _load(s, ref)
        if app.status == "closed":
            raise HandlingError("closed", number=app.number)
        if on is not None and on < app.receipt_date:
            raise HandlingError("before_receipt", on=on, received=app.receipt_date)
        if on is not None and on > local_today(settings):
            raise HandlingError("future", on=on, today=local_today(settings))
        rows = await _events(s, app.id)
        before_events = clock_events(rows)
        try:
            current = _compute(app, before_events, calendar, settings)
            after_events = plan(app, current, before_events)
            new = _compute(app, after_events, calendar, settings)
        except DeadlineError as exc:
            raise HandlingError("deadline_rule", error=str(exc)) from exc
        status = status_from(after_events)
        flagged = [w for w in new.warnings if w not in current.warnings]
        before = {"status": app.status, "reply_due": _iso(app.reply_due), "original_due": _iso(app.original_due)}
        payload = dict(data or {})
        if flagged:
            payload["warnings"] = flagged
        event = ApplicationEvent(application_id=app.id, kind=kind, on_date=on, end_date=end, days=days,
                                 actor=actor, reason=reason, data=payload)
        stamp = utcnow()
        values = {"reply_due": new.due, "original_due": new.original_due, "status": status, "updated_at": stamp}
        if status == "closed":
            values["outcome"] = outcome
            values["closed_date"] = on
            values["timeliness"] = new.timeliness
            values["derived_with"] = fingerprint(calendar, settings)
        # Optimistic lock: two staff acting at once on one application — the second one is refused.
        result = await s.execute(update(Application)
                              .where(col(Application.id) == app.id, col(Application.updated_at) == app.updated_at)
                              .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            number = app.number
            await s.rollback()
            raise HandlingError("conflict", number=number)
        s.add(event)
        after = {"status": status, "reply_due": _iso(new.due), "original_due": _iso(new.original_due)}
        if outcome:
            after["outcome"] = outcome
        s.add(AuditLog(actor=actor, action=f"application.{kind}",
                       detail=json.dumps({"application": app.number, "before": before, "after": after},
                                         ensure_ascii=False)))
        await s.commit()
        await s.refresh(event)
        app = await s.get(Application, app.id)
        await s.refresh(app)
    return app, new, event


async def _notify(db: Database, notifier: Notifier | None, app: Application, notice: Notice) -> bool | None:
    from storage.personal import applicant_chat

    if app.telegram_account is None and app.chat_id is None and app.telegram_user_id is None:
        return None  # not filed through the bot: the office writes
    if notifier is None:
        return False
    try:
        chat = applicant_chat(db, app)
        return bool(chat is not None and await notifier(chat, notice))
    except Exception:  # a failed notice must not undo a recorded, lawful action
        log.exception("could not notify the applicant of %s", app.number)
        return False


def _append(ev: ClockEvent, validate: bool = True):
    def plan(app: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        if validate:
            validate_event(current, ev)
        return [*events, ev]
    return plan


async def request_correction(db: Database, app: AppRef, on: date, period_end: date, *, what: str = "",
                             actor: str = "cli", notifier: Notifier | None = None,
                             settings: OfficeSettings | None = None) -> HandlingResult:
    """补正 (art. 30): one complete notice, within 7 working days of receipt; the clock stops."""
    if period_end <= on:
        raise HandlingError("correction_period", period_end=period_end, on=on)
    ev = ClockEvent("correction_requested", on, end=period_end)
    app_, dl, row = await _apply(db, app, kind=ev.kind, actor=actor, on=on, end=period_end, plan=_append(ev),
                                 reason=what or None, data={"what": what} if what else None, settings=settings)
    notice = Notice("correction", number=app_.number, what=what, period_end=period_end)
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def receive_correction(db: Database, app: AppRef, on: date, *, actor: str = "cli",
                             notifier: Notifier | None = None, settings: OfficeSettings | None = None) -> HandlingResult:
    """The corrected application arrived on ``on``: the reply clock restarts from that day."""
    ev = ClockEvent("correction_received", on)
    app_, dl, row = await _apply(db, app, kind=ev.kind, actor=actor, on=on, plan=_append(ev), settings=settings)
    notice = Notice("correction_received", number=app_.number, due=dl.due)
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def correction_lapsed(db: Database, app: AppRef, on: date, *, actor: str = "cli",
                            notifier: Notifier | None = None, settings: OfficeSettings | None = None) -> HandlingResult:
    """No correction within the period: closed as 申请人无正当理由逾期不补正 (（六）1) — only after a
    correction was requested and its period has ended."""
    ev = ClockEvent("correction_lapsed", on)

    def plan(app_: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        if current.state != "awaiting_correction":
            raise HandlingError("lapse_no_request", number=app_.number)
        if current.correction_due is not None and on <= current.correction_due:
            raise HandlingError("lapse_period", end=current.correction_due, on=on)
        validate_event(current, ev)
        return [*events, ev]

    app_, dl, row = await _apply(db, app, kind=ev.kind, actor=actor, on=on, plan=plan,
                                 outcome=LAPSED_OUTCOME, data={"outcome": LAPSED_OUTCOME}, settings=settings)
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, Notice("lapsed", number=app_.number)))


def _require_reason_for_long_consultation(app: Application, after: list[ClockEvent], calendar,
                                          settings: OfficeSettings, reason: str | None) -> None:
    """Arts. 32, 34: the third party / agency has 15 working days (plus the configured transit
    allowance); a longer pause is recorded only with a reason."""
    dl = _compute(app, after, calendar, settings)
    over = [p for p in dl.pauses if p.kind == "consultation" and p.over_limit]
    if over and not (reason and reason.strip()):
        p = over[-1]
        raise ReasonRequired("consultation_reason", start=p.start, end=p.end, days=p.working_days,
                             transit=settings.consultation_transit_days, limit=p.limit)


async def start_consultation(db: Database, app: AppRef, kind: str, on: date, *, end: date | None = None,
                             party: str | None = None, reason: str | None = None, actor: str = "cli",
                             settings: OfficeSettings | None = None) -> HandlingResult:
    """征求意见 of a third party (art. 32) or another agency (art. 34): that time does not count."""
    settings = office(settings)
    if kind not in CONSULTATION_PARTIES:
        raise HandlingError("consultation_party", party=kind, known=tuple(CONSULTATION_PARTIES))
    if end is not None and end > local_today(settings):
        raise HandlingError("future", on=end, today=local_today(settings))
    ev = ClockEvent("consultation", on, end=end)
    calendar = await load_calendar(db)

    def plan(app_: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        validate_event(current, ev)
        after = [*events, ev]
        _require_reason_for_long_consultation(app_, after, calendar, settings, reason)
        return after

    app_, dl, row = await _apply(db, app, kind="consultation", actor=actor, on=on, end=end, plan=plan,
                                 reason=(reason or "").strip() or None,
                                 data={"party_kind": kind, "party": party or ""}, settings=settings)
    return HandlingResult(app_, dl, row)


async def end_consultation(db: Database, app: AppRef, on: date, *, reason: str | None = None, actor: str = "cli",
                           settings: OfficeSettings | None = None) -> HandlingResult:
    """The consultation's reply arrived (or its window ended) on ``on``: the clock runs again."""
    settings = office(settings)
    calendar = await load_calendar(db)

    def plan(app_: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        for i in range(len(events) - 1, -1, -1):
            ev = events[i]
            if ev.kind == "consultation" and ev.end is None:
                if on < ev.on:
                    raise HandlingError("before_receipt", on=on, received=ev.on)
                after = [*events[:i], ClockEvent("consultation", ev.on, end=on), *events[i + 1:]]
                _require_reason_for_long_consultation(app_, after, calendar, settings, reason)
                return after
        raise HandlingError("no_consultation", number=app_.number)

    app_, dl, row = await _apply(db, app, kind="consultation_ended", actor=actor, on=on, plan=plan,
                                 reason=(reason or "").strip() or None, settings=settings)
    return HandlingResult(app_, dl, row)


def parse_fee(amount: Decimal | str | int | float) -> Decimal:
    """A fee in yuan with at most two decimals, > 0 (信息处理费 is charged per the 办法's schedule)."""
    try:
        value = Decimal(str(amount).strip().replace(",", "").removesuffix("元"))
    except (InvalidOperation, ValueError):
        raise HandlingError("fee_amount", amount=amount) from None
    if not value.is_finite() or value <= 0 or value > MAX_FEE or value != value.quantize(Decimal("0.01")):
        raise HandlingError("fee_amount", amount=amount)
    return value.quantize(Decimal("0.01"))


async def fee_notice(db: Database, app: AppRef, on: date, amount: Decimal | str, *, pay_by: date | None = None,
                     basis: str = "", actor: str = "cli", notifier: Notifier | None = None,
                     settings: OfficeSettings | None = None) -> HandlingResult:
    """收费通知 (信息处理费管理办法 art. 6): given within the reply period; the applicant pays within
    20 working days; from the notice to the payment the reply period does not run (art. 7)."""
    fee = parse_fee(amount)
    ev = ClockEvent("fee_notice", on, end=pay_by)
    app_, dl, row = await _apply(db, app, kind="fee_notice", actor=actor, on=on, end=pay_by, plan=_append(ev),
                                 reason=basis.strip() or None, data={"amount": str(fee)}, settings=settings)
    notice = Notice("fee", number=app_.number, amount=fee, pay_by=dl.fee_due, basis=basis.strip())
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def fee_paid(db: Database, app: AppRef, on: date, *, actor: str = "cli",
                   settings: OfficeSettings | None = None) -> HandlingResult:
    """The fee was paid on ``on``: the reply period runs again (the days since the notice do not count)."""
    async with db.session() as s:
        loaded = await _load(s, app)
        rows = await _events(s, loaded.id)
    notice = next((r for r in reversed(rows) if r.kind == "fee_notice"), None)
    amount = (notice.data or {}).get("amount") if notice is not None else None
    ev = ClockEvent("fee_paid", on)
    app_, dl, row = await _apply(db, loaded, kind="fee_paid", actor=actor, on=on, plan=_append(ev),
                                 data={"amount": amount} if amount else None, settings=settings)
    return HandlingResult(app_, dl, row)


async def resolve_approver(db: Database, settings: OfficeSettings, approver: int | str | StaffMember) -> StaffMember:
    """The approving staff member, by Telegram id or name; must hold the ``approver`` role."""
    member: StaffMember | None
    if isinstance(approver, StaffMember):
        member = await get_staff(db, settings, approver.telegram_id)
    elif isinstance(approver, int) or str(approver).strip().isdigit():
        member = await get_staff(db, settings, int(approver))
    else:
        async with db.session() as s:
            matches = (await s.execute(select(StaffMember).where(StaffMember.name == str(approver).strip()))).scalars().all()
        member = matches[0] if len(matches) == 1 else None
    if member is None:
        raise HandlingError("unknown_approver", approver=approver)
    if not has_role(member, "approver"):
        raise HandlingError("not_approver", approver=member.name or member.telegram_id)
    return member


async def extend(db: Database, app: AppRef, days: int, approver: int | str | StaffMember, reason: str,
                 on: date, *, actor: str | None = None, notifier: Notifier | None = None,
                 settings: OfficeSettings | None = None) -> HandlingResult:
    """延期 (art. 33 para. 2): approved by an approver, at most once, at most the regime's days,
    decided no later than the current due date; the applicant is told the new date."""
    settings = office(settings)
    member = await resolve_approver(db, settings, approver)
    if not reason or not reason.strip():
        raise HandlingError("reason_missing")
    if not isinstance(days, int) or days <= 0:
        raise HandlingError("ext_days")
    ev = ClockEvent("extension", on, days=days)

    def plan(app_: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        if any(e.kind == "extension" for e in events):
            raise HandlingError("ext_twice", number=app_.number)
        if days > current.base_days:
            raise HandlingError("ext_cap", cap=current.base_days, days=days)
        if current.due is None:
            raise HandlingError("ext_no_due")
        if on > current.due:
            raise HandlingError("ext_late", due=current.due, on=on)
        validate_event(current, ev)
        return [*events, ev]

    who = member.name or str(member.telegram_id)
    app_, dl, row = await _apply(db, app, kind="extension", actor=actor or f"tg:{member.telegram_id}", on=on,
                                 days=days, reason=reason.strip(), plan=plan, settings=settings,
                                 data={"approver_id": member.telegram_id, "approver": who})
    notice = Notice("extension", number=app_.number, days=days, due=dl.due, reason=reason.strip())
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def set_custom_deadline(db: Database, app: AppRef, new_due: date, reason: str, *, on: date | None = None,
                              actor: str = "cli", notifier: Notifier | None = None,
                              settings: OfficeSettings | None = None) -> HandlingResult:
    """Art. 35: a reasonable later deadline for excessive but justified requests."""
    settings = office(settings)
    on = on or local_today(settings)
    if not reason or not reason.strip():
        raise HandlingError("reason_missing")
    ev = ClockEvent("custom_deadline", on, end=new_due)
    app_, dl, row = await _apply(db, app, kind="custom_deadline", actor=actor, on=on, end=new_due,
                                 reason=reason.strip(), plan=_append(ev), settings=settings)
    notice = Notice("custom_deadline", number=app_.number, due=dl.due, reason=reason.strip())
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def close(db: Database, app: AppRef, outcome_code: str, on: date, actor: str = "cli", *,
                notifier: Notifier | None = None, settings: OfficeSettings | None = None) -> HandlingResult:
    """办结 with exactly one outcome code from ``disclosure.outcomes``.

    逾期不补正 only through :func:`correction_lapsed`; 逾期未缴费 only after a recorded fee notice whose
    payment window has ended; never on a future date."""
    if outcome_code not in OUTCOMES:
        raise HandlingError("outcome", code=outcome_code)
    if outcome_code == LAPSED_OUTCOME:
        raise HandlingError("close_no_correction")
    ev = ClockEvent("closed", on)

    def plan(app_: Application, current: Deadline, events: list[ClockEvent]) -> list[ClockEvent]:
        if outcome_code == FEE_UNPAID_OUTCOME:
            if current.fee_notice_on is None:
                raise HandlingError("fee_no_notice", number=app_.number)
            if current.state != AWAITING_FEE:
                raise HandlingError("fee_paid", number=app_.number, paid=current.fee_paid_on)
            if current.fee_due is not None and on <= current.fee_due:
                raise HandlingError("fee_window", pay_by=current.fee_due, on=on)
        validate_event(current, ev)
        return [*events, ev]

    app_, dl, row = await _apply(db, app, kind="closed", actor=actor, on=on, plan=plan,
                                 outcome=outcome_code, data={"outcome": outcome_code}, settings=settings)
    notice = Notice("closed", number=app_.number, outcome=outcome_code)
    return HandlingResult(app_, dl, row, await _notify(db, notifier, app_, notice))


async def add_note(db: Database, app: AppRef, text: str, *, actor: str = "cli") -> ApplicationEvent:
    """备注: a free-text note in the history; it does not touch the clock."""
    if not text.strip():
        raise HandlingError("note_empty")
    async with db.session() as s:
        loaded = await _load(s, app)
        row = ApplicationEvent(application_id=loaded.id, kind="note", actor=actor, reason=text.strip())
        s.add(row)
        s.add(AuditLog(actor=actor, action="application.note", detail=loaded.number))
        await s.commit()
        await s.refresh(row)
    return row


async def recompute_open_deadlines(db: Database, *, settings: OfficeSettings | None = None,
                                   actor: str = "system") -> list[tuple[str, date | None, date | None]]:
    """Re-derive every open deadline (after a holiday import); returns (number, old, new) that changed."""
    settings = office(settings)
    calendar = await load_calendar(db)
    changed: list[tuple[str, date | None, date | None]] = []
    async with db.session() as s:
        apps = list((await s.execute(select(Application).where(Application.status != "closed")
                                  .order_by(col(Application.id)))).scalars().all())
        for app in apps:
            events = clock_events(await _events(s, app.id))
            dl = _compute(app, events, calendar, settings)
            if dl.due != app.reply_due or dl.original_due != app.original_due:
                if dl.due != app.reply_due:
                    changed.append((app.number, app.reply_due, dl.due))
                    s.add(AuditLog(actor=actor, action="application.recompute",
                                   detail=json.dumps({"application": app.number, "before": _iso(app.reply_due),
                                                      "after": _iso(dl.due)})))
                app.reply_due, app.original_due = dl.due, dl.original_due
                app.updated_at = utcnow()
                s.add(app)
        await s.commit()
    return changed



REFRESH_CHUNK = 2000


async def refresh_timeliness(db: Database, *, settings: OfficeSettings | None = None, year: int | None = None,
                             agency: str | None = None, actor: str = "system"
                             ) -> list[tuple[str, str | None, str]]:
    """Re-derive 按时/延期/逾期 (and the cached due dates) of closed applications whose stored figure
    was derived with another calendar or other rules — after a holiday import, a chinese_calendar
    release, a settings change — so a report never depends on *when* the calendar was imported.

    Only rows with a stale fingerprint are touched (``year``: closed in that year). Returns
    (number, old, new) for the rows whose timeliness changed."""
    settings = office(settings)
    calendar = await load_calendar(db)
    fp = fingerprint(calendar, settings)
    changed: list[tuple[str, str | None, str]] = []
    unreplayable: list[str] = []
    query = select(Application).where(col(Application.closed_date).is_not(None),
                                      or_(col(Application.derived_with).is_(None), Application.derived_with != fp))
    if year is not None:
        query = query.where(col(Application.closed_date).between(date(year, 1, 1), date(year, 12, 31)))
    if agency is not None:
        query = query.where(Application.agency == agency)
    async with db.session() as s:
        apps = list((await s.execute(query.order_by(col(Application.id)))).scalars().all())
        for i in range(0, len(apps), REFRESH_CHUNK):
            chunk = apps[i:i + REFRESH_CHUNK]
            rows = (await s.execute(select(ApplicationEvent)
                                    .where(col(ApplicationEvent.application_id).in_([a.id for a in chunk]))
                                    .order_by(col(ApplicationEvent.id)))).scalars().all()
            by_app: dict[int, list[ApplicationEvent]] = {}
            for r in rows:
                by_app.setdefault(r.application_id, []).append(r)
            for app in chunk:
                timeliness, dl = derive_closed(app, by_app.get(app.id, []), calendar, settings)
                if dl is None:
                    unreplayable.append(app.number)
                if app.timeliness is not None and timeliness != app.timeliness:
                    changed.append((app.number, app.timeliness, timeliness))
                    s.add(AuditLog(actor=actor, action="application.rederive",
                                   detail=json.dumps({"application": app.number, "before": app.timeliness,
                                                      "after": timeliness})))
                values = {"timeliness": timeliness, "derived_with": fp}
                if dl is not None and dl.due is not None:
                    values.update(reply_due=dl.due, original_due=dl.original_due)
                await s.execute(update(Application).where(col(Application.id) == app.id).values(**values)
                                .execution_options(synchronize_session=False))
        await s.commit()
    if unreplayable:
        log.warning("%d closed application(s) whose events the engine cannot replay (e.g. %s): timeliness "
                    "taken from their stored due dates", len(unreplayable), ", ".join(unreplayable[:5]))
    return changed
