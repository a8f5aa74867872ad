"""What reminders are due, and the ledger that makes each one go out once.

``plan_reminders`` is a plain function of (database, clock, settings): every reminder due at that
instant, as data (a kind and its parameters; ``bot.reminders`` words and sends them). Each reminder
has a unique ledger key — (kind, application, the due date it was computed for[, the day for daily
kinds], recipient). ``claim`` inserts the ledger row in its own transaction *before* sending, and
only the process whose insert wins sends: a reminder is never sent twice, across restarts or with
two bot processes. A claim still ``pending`` after ``CLAIM_LEASE`` belongs to a process that died
before sending; the next scan takes it over with a conditional update (one winner), so a crash
loses no reminder (only a crash in the instant between the send and marking it ``sent`` can repeat
one). A changed deadline has a new due date, hence new keys, hence fresh reminders.

Rules (legal dates in the office's time zone; nothing is sent before ``digest_hour``):
- working days only: due in N working days (``reminder_days``, default 5 and 1: the reminder for
  the smallest N ≥ days left, once per due date), due today, overdue (daily), the art. 30 correction
  notice deadline (7 working days, once, from the working day before it), and a morning digest;
- from 1 October, every day: import next year's holidays if next year is not official yet (admins).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from disclosure.calendar import missing_next_year
from storage.config import OfficeSettings
from storage.db import Database
from storage.handling import QueueItem, load_calendar, open_queue
from storage.models import ReminderLedger, utcnow
from storage.staff import staff_recipients

log = logging.getLogger(__name__)

CORRECTION_NOTICE_LEAD = 1  # working days before the 7-WD correction notice deadline
DIGEST_LINES = 10
CLAIM_LEASE = timedelta(minutes=10)  # longer than any scan takes; shorter than the scan interval
DAILY_KINDS = ("digest", "holiday_import")  # each its own message; deadline kinds are grouped


@dataclass(frozen=True)
class Reminder:
    """One reminder to one staff member: ``kind`` (due_in_N, due_today, overdue, correction_notice,
    digest, holiday_import) and the ``params`` its text needs (dates as ``date``, a ``provisional``
    flag where a date touches a year without the official holiday schedule)."""

    key: str
    kind: str
    recipient: int
    params: dict = field(default_factory=dict, compare=False)
    application_id: int | None = None
    due_date: date | None = None

    @property
    def group(self) -> str:
        return self.kind if self.kind in DAILY_KINDS else "deadline"


def _subject(item: QueueItem) -> str:
    text = " ".join(item.application.description.split())
    return text if len(text) <= 30 else text[:29] + "…"


def _deadline_reminders(item: QueueItem, today: date, calendar, thresholds: list[int]
                        ) -> list[tuple[str, str, date, dict]]:
    """(kind, key stem, due date, params) for one open application."""
    app, dl, left = item.application, item.deadline, item.days_left
    out: list[tuple[str, str, date, dict]] = []
    if dl.due is not None and left is not None:
        params = dict(number=app.number, due=dl.due, provisional=dl.provisional, subject=_subject(item))
        if left < 0:
            out.append(("overdue", f"overdue:{app.id}:{dl.due}:{today}", dl.due, {**params, "n": -left}))
        elif left == 0:
            out.append(("due_today", f"due_today:{app.id}:{dl.due}", dl.due, params))
        else:
            hits = [n for n in thresholds if left <= n]
            if hits:
                n = min(hits)
                out.append((f"due_in_{n}", f"due_in_{n}:{app.id}:{dl.due}", dl.due, {**params, "n": left}))
    cnd = dl.correction_notice_due
    asked = any(ev.kind == "correction_requested" for ev in dl.events)
    if cnd is not None and not asked and dl.state == "running" and today <= cnd \
            and calendar.workdays_in(today, cnd) <= CORRECTION_NOTICE_LEAD:
        out.append(("correction_notice", f"correction_notice:{app.id}:{cnd}", cnd, dict(
            number=app.number, due=cnd, subject=_subject(item),
            provisional=bool(calendar.provisional_years_between(dl.clock_start, cnd)))))
    return out


def _digest(items: list[QueueItem], today: date, soon_days: int) -> dict:
    due = [i for i in items if i.days_left is not None]
    return dict(
        today=today, open=len(items), today_count=sum(1 for i in due if i.days_left == 0),
        overdue=sum(1 for i in due if i.days_left < 0), soon_days=soon_days,
        soon=sum(1 for i in due if 0 < i.days_left <= soon_days),
        lines=[(i.application.number, i.deadline.due, i.deadline.provisional, i.days_left)
               for i in items[:DIGEST_LINES]],
    )


async def plan_reminders(db: Database, now: datetime, settings: OfficeSettings) -> tuple[date, list[Reminder]]:
    """Every reminder that is due at ``now`` (sent or not): the scan minus the ledger and the sending."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    today = local.date()
    if local.hour < settings.digest_hour:
        return today, []
    calendar = await load_calendar(db)
    plan: list[Reminder] = []

    year = missing_next_year(today, calendar)
    if year is not None:
        for rid in await staff_recipients(db, settings, "admin"):
            plan.append(Reminder(f"holiday_import:{year}:{today}:{rid}", "holiday_import", rid, {"year": year}))

    if calendar.is_workday(today):
        items = await open_queue(db, today, settings=settings)
        thresholds = sorted({n for n in settings.reminder_days if n > 0})
        recipients = await staff_recipients(db, settings, "handler")
        lines = [r for item in items for r in
                 ((item.application.id, *x) for x in _deadline_reminders(item, today, calendar, thresholds))]
        digest = _digest(items, today, max(thresholds or [5])) if items else None
        for rid in recipients:
            if digest is not None:
                plan.append(Reminder(f"digest:{today}:{rid}", "digest", rid, digest))
            for app_id, kind, stem, due, params in lines:
                plan.append(Reminder(f"{stem}:{rid}", kind, rid, params, app_id, due))
    return today, plan


async def claim(db: Database, reminder: Reminder) -> bool:
    """Insert the ledger row; True only for the one process whose insert wins."""
    async with db.session() as s:
        s.add(ReminderLedger(key=reminder.key, application_id=reminder.application_id, kind=reminder.kind,
                             due_date=reminder.due_date, recipient=reminder.recipient, status="pending"))
        try:
            await s.commit()
        except IntegrityError:
            await s.rollback()
            return await _reclaim_stale(db, reminder.key)
    return True


async def _reclaim_stale(db: Database, key: str) -> bool:
    """Take over a claim left ``pending`` longer than ``CLAIM_LEASE`` (its process died before sending)."""
    now = utcnow()
    async with db.session() as s:
        result = await s.execute(
            update(ReminderLedger)
            .where(ReminderLedger.key == key, ReminderLedger.status == "pending",
                   ReminderLedger.sent_at < now - CLAIM_LEASE)
            .values(sent_at=now)
        )
        await s.commit()
    if result.rowcount == 1:
        log.warning("reminder %s: stale claim taken over", key)
        return True
    return False


async def mark(db: Database, keys: list[str], status: str) -> None:
    """Record how the claimed reminders ended: sent, blocked or failed."""
    async with db.session() as s:
        await s.execute(update(ReminderLedger).where(ReminderLedger.key.in_(keys)).values(status=status))
        await s.commit()
