"""The retention run: personal data of applications past their retention period is erased, and
half-filled forms abandoned longer than a form is kept are deleted (docs/personal-data.md).

``run_retention`` is a plain function of (database, settings, day); ``gongkai run`` schedules it
monthly (``bot/scheduler.py``) and ``gongkai personal-data purge`` runs it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from bot.storage_select import FORM_TTL
from storage.config import OfficeSettings
from storage.db import Database
from storage.fsm import forget_stale
from storage.personal import PurgeResult, purge_expired


@dataclass(frozen=True)
class RetentionRun:
    purge: PurgeResult
    forms_deleted: int  # abandoned half-filled forms (the SQL form storage; Redis lets them expire)


async def run_retention(db: Database, settings: OfficeSettings, today: date, *, closed_before: date | None = None,
                        dry_run: bool = False, actor: str = "scheduler", channel: str = "scheduler") -> RetentionRun:
    purge = await purge_expired(db, today=today, settings=settings, closed_before=closed_before, dry_run=dry_run,
                                actor=actor, channel=channel)
    forms = 0 if dry_run else await forget_stale(db, datetime.now(timezone.utc) - FORM_TTL)
    return RetentionRun(purge, forms)
