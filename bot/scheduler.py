"""The scheduled jobs of ``gongkai run`` (APScheduler 3.x):

- the reminder scan, an interval job running the idempotent scan. No job per deadline: deadlines
  change (corrections, pauses, extensions, imported holidays) and the scan reads them fresh each
  time; the ledger makes repeated or parallel scans harmless;
- the retention run (``bot/retention.py``), monthly: personal data past its retention period is
  erased. Repeated or parallel runs are harmless (an erased application is not erased again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings import Settings
from storage.db import Database
from bot.reminders import ScanResult, Sender, run_reminder_scan

log = logging.getLogger(__name__)

JOB_ID = "reminder_scan"
RETENTION_JOB_ID = "personal_data_retention"
RETENTION_SCHEDULE = {"day": 1, "hour": 2, "minute": 30}  # the 1st of each month, 02:30 office time


def bot_sender(bot: Bot) -> Sender:
    """Reminders go out as plain messages; TelegramForbiddenError/RetryAfter reach the scan."""
    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id=chat_id, text=text)
    return send


def scan_job(db: Database, bot: Bot, settings: Settings,
             clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
    sender = bot_sender(bot)

    async def job() -> ScanResult | None:
        try:
            result = await run_reminder_scan(db, clock(), sender, settings)
        except Exception:  # the next interval tries again; never kill the scheduler
            log.exception("reminder scan failed")
            return None
        if result.sent or result.blocked or result.failed:
            log.info("reminder scan: %s", result.to_json())
        return result

    return job


def retention_job(db: Database, settings: Settings,
                  clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
    from bot.retention import RetentionRun, run_retention
    from storage.handling import local_today

    async def job() -> RetentionRun | None:
        try:
            result = await run_retention(db, settings, local_today(settings, clock()))
        except Exception:  # next month tries again; never kill the scheduler
            log.exception("personal-data retention run failed")
            return None
        log.info("personal-data retention: %d applications erased (closed before %s), %d abandoned forms deleted",
                 len(result.purge.numbers), result.purge.cutoff, result.forms_deleted)
        return result

    return job


def start_scheduler(db: Database, bot: Bot, settings: Settings, *,
                    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> AsyncIOScheduler:
    """Start (inside a running event loop) and return the scheduler; the first scan runs at once,
    the retention run on the 1st of each month."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        retention_job(db, settings, clock),
        CronTrigger(**RETENTION_SCHEDULE, timezone=settings.timezone),
        id=RETENTION_JOB_ID,
        name="personal-data retention",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=24 * 3600,  # a bot down on the 1st runs it when back the same day
        replace_existing=True,
    )
    scheduler.add_job(
        scan_job(db, bot, settings, clock),
        IntervalTrigger(minutes=max(1, settings.reminder_interval_minutes), timezone=settings.timezone),
        id=JOB_ID,
        name="deadline reminders",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=max(60, settings.reminder_interval_minutes * 60),
        next_run_time=datetime.now(timezone.utc),
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
