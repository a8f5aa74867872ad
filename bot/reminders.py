"""One idempotent reminder scan: plan (``storage.reminders``), claim each reminder in the ledger,
word it (``bot/texts/staff.py``) and send what this pass claimed.

``run_reminder_scan`` is a plain function of (database, clock, sender, settings); the scheduler
calls it every few minutes and ``gongkai reminders run`` once. Sends are paced (≈ 20 messages/s
overall, about one per second per chat, Telegram's limits); a staff member who blocked the bot is
recorded (``storage.staff.mark_blocked``) and the rest of their reminders are marked ``blocked``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

from bot.texts import staff as T
from storage.config import OfficeSettings
from storage.db import Database
from storage.reminders import Reminder, claim, mark, plan_reminders
from storage.staff import mark_blocked

log = logging.getLogger(__name__)

Sender = Callable[[int, str], Awaitable[object]]

MESSAGE_LIMIT = 3800  # Telegram allows 4096 characters; keep a margin
MAX_RETRIES = 3
PACE = 0.05  # seconds between any two sends (≈ 20 messages/s, under Telegram's ≈ 30/s)
PER_CHAT_INTERVAL = 1.0  # seconds between two sends to one chat


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


# --- wording --------------------------------------------------------------------------------------

def _due(day: date | None, provisional: bool) -> str:
    """A due date as staff read it; a date touching a year without the official schedule is 暂定."""
    if day is None:
        return "—"
    return f"{day}{T.PROVISIONAL_MARK}" if provisional else str(day)


def reminder_text(reminder: Reminder) -> str:
    """The line (deadline kinds) or the message (digest, holiday import) of one reminder."""
    p = reminder.params
    if reminder.kind == "holiday_import":
        return T.HOLIDAY_IMPORT.format(year=p["year"])
    if reminder.kind == "digest":
        head = T.DIGEST.format(today=p["today"], open=p["open"], today_count=p["today_count"],
                               overdue=p["overdue"], soon_days=p["soon_days"], soon=p["soon"])
        lines = [T.DIGEST_LINE.format(number=number, due=_due(due, provisional), left=T.left_label(left))
                 for number, due, provisional, left in p["lines"]]
        return "\n".join([head, *lines])
    fmt = dict(number=p["number"], due=_due(p["due"], p["provisional"]), subject=p["subject"])
    if reminder.kind == "overdue":
        return T.REMIND_OVERDUE.format(n=p["n"], **fmt)
    if reminder.kind == "due_today":
        return T.REMIND_DUE_TODAY.format(**fmt)
    if reminder.kind == "correction_notice":
        return T.REMIND_CORRECTION_NOTICE.format(**fmt)
    return T.REMIND_DUE_IN.format(n=p["n"], **fmt)  # due_in_N


def messages(reminders: list[Reminder]) -> list[tuple[str, list[Reminder]]]:
    """Group one recipient's reminders into few messages (each ≤ MESSAGE_LIMIT characters)."""
    out: list[tuple[str, list[Reminder]]] = []
    for group in ("holiday_import", "digest", "deadline"):
        members = [r for r in reminders if r.group == group]
        if not members:
            continue
        if group != "deadline":
            out.extend((reminder_text(r), [r]) for r in members)
            continue
        text, batch = T.REMIND_HEADER, []
        for r in members:
            line = reminder_text(r)
            if batch and len(text) + len(line) + 1 > MESSAGE_LIMIT:
                out.append((text, batch))
                text, batch = T.REMIND_HEADER, []
            text, batch = f"{text}\n{line}", [*batch, r]
        out.append((text, batch))
    return out


# --- the scan ---------------------------------------------------------------------------------------

async def run_reminder_scan(db: Database, now: datetime, sender: Sender, settings: OfficeSettings, *,
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
        if await claim(db, reminder):
            claimed.setdefault(reminder.recipient, []).append(reminder)
        else:
            result.already += 1

    # Round-robin over recipients, so consecutive sends to one chat are naturally spaced.
    queues = {rid: messages(rs) for rid, rs in claimed.items()}
    blocked: set[int] = set()
    first = True
    while any(queues.values()):
        for rid in list(queues):
            if not queues[rid]:
                continue
            text, batch = queues[rid].pop(0)
            keys = [r.key for r in batch]
            if rid in blocked:
                await mark(db, keys, "blocked")
                result.blocked += len(batch)
                continue
            if not first and pace:
                await sleep(pace)
            first = False
            status = await _send(sender, rid, text, sleep)
            await mark(db, keys, status)
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
