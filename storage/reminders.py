"""One idempotent reminder scan: what is due, to whom, recorded in a ledger before it is sent.

``run_reminder_scan`` is a plain function of (database, clock, sender, settings); the scheduler
calls it every few minutes and ``gongkai reminders run`` once. Each reminder has a unique ledger
key — (kind, application, the due date it was computed for[, the day for daily kinds], recipient).
The ledger row is inserted in its own transaction *before* sending, and only the process whose
insert wins sends: a reminder is never sent twice, across restarts or with two bot processes.
A claim still ``pending`` after ``CLAIM_LEASE`` belongs to a process that died before sending; the
next scan takes it over with a conditional update (one winner), so a crash loses no reminder (only
a crash in the instant between the send and marking it ``sent`` can repeat one).
A changed deadline has a new due date, hence new keys, hence fresh reminders.

Rules (legal dates in the office's time zone; nothing is sent before ``digest_hour``):
- working days only: due in N working days (``reminder_days``, default 5 and 1: the reminder for
  the smallest N ≥ days left, once per due date), due today, overdue (daily), the art. 30 correction
  notice deadline (7 working days, once, from the working day before it), and a morning digest;
- from 1 October, every day: import next year's holidays if next year is not official yet (admins).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.settings import Settings
from bot.texts import staff as T
from disclosure.calendar import missing_next_year
from storage.db import Database
from storage.handling import QueueItem, load_calendar, open_queue
from storage.models import ReminderLedger, utcnow
from storage.staff import mark_blocked, staff_recipients

log = logging.getLogger(__name__)

Sender = Callable[[int, str], Awaitable[object]]

CORRECTION_NOTICE_LEAD = 1  # working days before the 7-WD correction notice deadline
DIGEST_LINES = 10
MESSAGE_LIMIT = 3800  # Telegram allows 4096 characters; keep a margin
MAX_RETRIES = 3
CLAIM_LEASE = timedelta(minutes=10)  # longer than any scan takes; shorter than the scan interval
PACE = 0.05  # seconds between any two sends (≈ 20 messages/s, under Telegram's ≈ 30/s)
PER_CHAT_INTERVAL = 1.0  # seconds between two sends to one chat


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str  # due_in_N, due_today, overdue, correction_notice, digest, holiday_import
    recipient: int
    text: str
    application_id: int | None = None
    due_date: date | None = None

    @property
    def group(self) -> str:
        return self.kind if self.kind in ("digest", "holiday_import") else "deadline"


@dataclass
class ScanResult:
    today: date
    planned: int = 0
    already: int = 0  # found in the ledger: sent before (or by another process)
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    messages: int = 0
    sent_keys: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"today": self.today.isoformat(), "planned": self.planned, "already": self.already,
                "sent": self.sent, "blocked": self.blocked, "failed": self.failed, "messages": self.messages,
                "sent_keys": list(self.sent_keys)}


def _subject(item: QueueItem) -> str:
    text = " ".join(item.application.description.split())
    return text if len(text) <= 30 else text[:29] + "…"


def _left_label(days_left: int | None) -> str:
    if days_left is None:
        return T.LEFT_NONE
    if days_left > 0:
        return T.LEFT_DAYS.format(n=days_left)
    if days_left == 0:
        return T.LEFT_TODAY
    return T.LEFT_OVERDUE.format(n=-days_left)


def _deadline_reminders(item: QueueItem, today: date, calendar, thresholds: list[int]) -> list[tuple[str, str, date, str]]:
    """(kind, key stem, due date, line) for one open application."""
    app, dl, left = item.application, item.deadline, item.days_left
    out: list[tuple[str, str, date, str]] = []
    if dl.due is not None and left is not None:
        # a date touching a year without the official schedule is provisional: say so (暂定)
        due_text = f"{dl.due}{T.PROVISIONAL_MARK}" if dl.provisional else str(dl.due)
        fmt = dict(number=app.number, due=due_text, subject=_subject(item))
        if left < 0:
            out.append(("overdue", f"overdue:{app.id}:{dl.due}:{today}", dl.due,
                        T.REMIND_OVERDUE.format(n=-left, **fmt)))
        elif left == 0:
            out.append(("due_today", f"due_today:{app.id}:{dl.due}", dl.due, T.REMIND_DUE_TODAY.format(**fmt)))
        else:
            hits = [n for n in thresholds if left <= n]
            if hits:
                n = min(hits)
                out.append((f"due_in_{n}", f"due_in_{n}:{app.id}:{dl.due}", dl.due,
                            T.REMIND_DUE_IN.format(n=left, **fmt)))
    cnd = dl.correction_notice_due
    asked = any(ev.kind == "correction_requested" for ev in dl.events)
    if cnd is not None and not asked and dl.state == "running" and today <= cnd \
            and calendar.workdays_in(today, cnd) <= CORRECTION_NOTICE_LEAD:
        cnd_text = f"{cnd}{T.PROVISIONAL_MARK}" if calendar.provisional_years_between(dl.clock_start, cnd) else str(cnd)
        out.append(("correction_notice", f"correction_notice:{app.id}:{cnd}", cnd,
                    T.REMIND_CORRECTION_NOTICE.format(number=app.number, due=cnd_text, subject=_subject(item))))
    return out


def _digest(items: list[QueueItem], today: date, soon_days: int) -> str:
    due = [i for i in items if i.days_left is not None]
    text = T.DIGEST.format(
        today=today, open=len(items), today_count=sum(1 for i in due if i.days_left == 0),
        overdue=sum(1 for i in due if i.days_left < 0), soon_days=soon_days,
        soon=sum(1 for i in due if 0 < i.days_left <= soon_days),
    )
    lines = [T.DIGEST_LINE.format(
        number=i.application.number,
        due=(f"{i.deadline.due}{T.PROVISIONAL_MARK}" if i.deadline.provisional else i.deadline.due) if i.deadline.due
        else "—", left=_left_label(i.days_left)) for i in items[:DIGEST_LINES]]
    return "\n".join([text, *lines])


async def plan_reminders(db: Database, now: datetime, settings: Settings) -> tuple[date, list[Reminder]]:
    """Every reminder that is due at ``now`` (sent or not): the scan minus the ledger and the sending."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    today = local.date()
    if local.hour < settings.digest_hour:
        return today, []
    calendar = await load_calendar(db)
    plan: list[Reminder] = []

    year = missing_next_year(today, calendar)
    if year is not None:
        text = T.HOLIDAY_IMPORT.format(year=year)
        for rid in await staff_recipients(db, settings, "admin"):
            plan.append(Reminder(f"holiday_import:{year}:{today}:{rid}", "holiday_import", rid, text))

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
            for app_id, kind, stem, due, line in lines:
                plan.append(Reminder(f"{stem}:{rid}", kind, rid, line, app_id, due))
    return today, plan


async def _claim(db: Database, reminder: Reminder) -> bool:
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


async def _mark(db: Database, keys: list[str], status: str) -> None:
    async with db.session() as s:
        await s.execute(update(ReminderLedger).where(ReminderLedger.key.in_(keys)).values(status=status))
        await s.commit()


def _messages(reminders: list[Reminder]) -> list[tuple[str, list[Reminder]]]:
    """Group one recipient's reminders into few messages (each ≤ MESSAGE_LIMIT characters)."""
    out: list[tuple[str, list[Reminder]]] = []
    for group in ("holiday_import", "digest", "deadline"):
        members = [r for r in reminders if r.group == group]
        if not members:
            continue
        if group != "deadline":
            out.extend((r.text, [r]) for r in members)
            continue
        text, batch = T.REMIND_HEADER, []
        for r in members:
            if batch and len(text) + len(r.text) + 1 > MESSAGE_LIMIT:
                out.append((text, batch))
                text, batch = T.REMIND_HEADER, []
            text, batch = f"{text}\n{r.text}", [*batch, r]
        out.append((text, batch))
    return out


async def run_reminder_scan(db: Database, now: datetime, sender: Sender, settings: Settings, *,
                            pace: float | None = None, per_chat_interval: float | None = None,
                            sleep: Callable[[float], Awaitable[object]] | None = None) -> ScanResult:
    """One pass: plan, claim each reminder in the ledger, send what this pass claimed.

    ``pace`` spaces all sends (≈ 20 messages/s), ``per_chat_interval`` the sends to one chat
    (Telegram: about one message per second per chat)."""
    pace = PACE if pace is None else pace
    per_chat_interval = PER_CHAT_INTERVAL if per_chat_interval is None else per_chat_interval
    sleep = sleep or asyncio.sleep
    today, plan = await plan_reminders(db, now, settings)
    result = ScanResult(today=today, planned=len(plan))
    claimed: dict[int, list[Reminder]] = {}
    for reminder in plan:
        if await _claim(db, reminder):
            claimed.setdefault(reminder.recipient, []).append(reminder)
        else:
            result.already += 1

    # Round-robin over recipients, so consecutive sends to one chat are naturally spaced.
    queues = {rid: _messages(rs) for rid, rs in claimed.items()}
    blocked: set[int] = set()
    first = True
    while any(queues.values()):
        for rid in list(queues):
            if not queues[rid]:
                continue
            text, batch = queues[rid].pop(0)
            keys = [r.key for r in batch]
            if rid in blocked:
                await _mark(db, keys, "blocked")
                result.blocked += len(batch)
                continue
            if not first and pace:
                await sleep(pace)
            first = False
            status = await _send(sender, rid, text, sleep)
            await _mark(db, keys, status)
            if status == "sent":
                result.sent += len(batch)
                result.messages += 1
                result.sent_keys.extend(keys)
                await mark_blocked(db, rid, False)
            elif status == "blocked":
                blocked.add(rid)
                result.blocked += len(batch)
                await mark_blocked(db, rid, True)
            else:
                result.failed += len(batch)
        if per_chat_interval and any(queues.values()):
            await sleep(per_chat_interval)
    return result


async def _send(sender: Sender, chat_id: int, text: str, sleep) -> str:
    for attempt in range(MAX_RETRIES + 1):
        try:
            await sender(chat_id, text)
            return "sent"
        except TelegramForbiddenError:
            log.warning("staff member %s blocked the bot", chat_id)
            return "blocked"
        except TelegramRetryAfter as exc:
            if attempt == MAX_RETRIES:
                break
            await sleep(exc.retry_after)
        except Exception:  # never let one chat stop the others
            log.exception("reminder to %s failed", chat_id)
            return "failed"
    return "failed"
