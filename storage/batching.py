"""Group commit for the bot's hot write paths (processed update ids, the question log).

Concurrent updates each need one small INSERT. One transaction per INSERT makes SQLite writers
queue on the database lock, and SQLite's busy handler sleeps in growing steps while it waits, so
throughput collapses under load. Here the rows of concurrent callers are written together: the first
caller starts a flush; everyone who arrives meanwhile joins the next batch; each caller awaits the
commit that contains its row (nothing is acknowledged before it is durable).

``write_lock(db)`` serialises this process's SQLite write transactions on an asyncio lock instead of
the busy handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import ProcessedUpdate, QuestionLog

log = logging.getLogger(__name__)

MAX_BATCH = 500
LIVE_WAIT_SECONDS = 25.0  # a repeat waits this long for a live owner (Telegram waits 60 s for an answer)
LIVE_POLL_SECONDS = 0.05
_locks: "weakref.WeakKeyDictionary[Database, asyncio.Lock]" = weakref.WeakKeyDictionary()


def write_lock(db: Database):
    """An asyncio lock around SQLite write transactions of this process (no-op on PostgreSQL)."""
    if not db.is_sqlite:
        return nullcontext()
    lock = _locks.get(db)
    if lock is None:
        lock = _locks[db] = asyncio.Lock()
    return lock


class _Batcher:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

    async def _write(self, items: list[Any]) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def submit(self, item: Any) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop())
        return future

    async def _flush_loop(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with write_lock(self.db):
                    results = await self._write([item for item, _ in batch])
            except BaseException as exc:  # every waiter sees the failure; nothing half-acknowledged
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results):
                if not future.done():
                    future.set_result(result)

    async def drain(self) -> None:
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)


class UpdateInProgress(Exception):
    """A repeated update whose first delivery a live process is still handling after ``live_wait``:
    answer the sender with an error so that it delivers the update again later."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} is still being handled by a live process")
        self.update_id = update_id


class UpdateClaims(_Batcher):
    """``await claim(update_id, bot_id, at)`` → True when this process should handle the update.

    The first delivery wins the claim; its owner is this process's liveness owner
    (``storage.liveness``). A repeated delivery meets the claim and then:

    - the claim is done, or this very process is handling it → dropped (exactly one effect);
    - its owner is dead (PostgreSQL: its advisory lock is gone) → taken over at once (compare-and-set
      on the owner, so only one of several retries wins) and handled;
    - its owner is alive → waits until the claim is done (dropped) or the owner is gone (taken
      over); after ``live_wait`` it raises ``UpdateInProgress`` so the sender delivers it again later;
    - its owner cannot be told (SQLite, or a row written before owners had a liveness): taken over
      once the claim is older than ``takeover_after`` — 0 with long polling (one poller at a time, so
      an unfinished claim of another instance is a dead one's), else dropped as before.
    """

    def __init__(self, db: Database, *, takeover_after: timedelta = timedelta(0), liveness=None,
                 live_wait: float = LIVE_WAIT_SECONDS) -> None:
        super().__init__(db)
        self._insert = sqlite_insert if db.is_sqlite else pg_insert
        self.liveness = liveness if liveness is not None else db.liveness
        self.takeover_after = takeover_after
        self.live_wait = live_wait
        self._done = _DoneMarks(db)

    @property
    def owner(self) -> str:
        return self.liveness.owner

    async def claim(self, update_id: int, bot_id: int, at) -> bool:
        await self.liveness.start()  # the owner must be provably alive before its claim is visible
        if await self.submit((update_id, bot_id, at)):
            return True
        return await self._repeated(update_id, bot_id)

    async def done(self, update_id: int, bot_id: int) -> None:
        """Mark a claimed update handled (group-committed like the claims)."""
        await self._done.submit((update_id, bot_id))

    async def _repeated(self, update_id: int, bot_id: int) -> bool:
        deadline = time.monotonic() + self.live_wait
        delay = LIVE_POLL_SECONDS
        while True:
            async with self.db.session() as s:
                row = (await s.execute(
                    select(ProcessedUpdate.done, ProcessedUpdate.owner, ProcessedUpdate.at)
                    .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.bot_id == bot_id)
                )).first()
            now = datetime.now(timezone.utc)
            if row is None:  # pruned in between (days old): a new claim
                if await self.submit((update_id, bot_id, now)):
                    return True
                continue
            done, owner, at = row
            if done or owner == self.owner:  # finished, or being handled right here
                return False
            alive = await self.liveness.alive(owner)
            if alive is None and self.liveness.judges(owner):
                alive = True  # the check failed just now (database busy): wait and look again
            if alive is False or (alive is None and _aware(at) <= now - self.takeover_after):
                if await self._take_over(update_id, bot_id, owner, now):
                    return True
                continue  # finished or taken by another process meanwhile: look again
            if alive is None:
                return False  # an owner we cannot judge, within its lease: the old rule
            if time.monotonic() >= deadline:
                log.warning("update %s: its owner %s is alive but has not finished it", update_id, owner)
                raise UpdateInProgress(update_id)
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    async def _take_over(self, update_id: int, bot_id: int, owner: str, now: datetime) -> bool:
        stmt = (
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id, ProcessedUpdate.bot_id == bot_id,
                   ProcessedUpdate.done.is_(False), ProcessedUpdate.owner == owner)
            .values(owner=self.owner, at=now)
        )
        async with write_lock(self.db):
            async with self.db.session() as s:
                taken = (await s.execute(stmt)).rowcount == 1
                await s.commit()
        if taken:
            log.warning("update %s was left unfinished by a process that is gone; handling it again", update_id)
        return taken

    async def _write(self, items: list[tuple[int, int, Any]]) -> list[bool]:
        first: dict[tuple[int, int], int] = {}
        rows = []
        for i, (update_id, bot_id, at) in enumerate(items):
            if (update_id, bot_id) not in first:
                first[(update_id, bot_id)] = i
                rows.append({"update_id": update_id, "bot_id": bot_id, "at": at, "owner": self.owner,
                             "done": False})
        stmt = (
            self._insert(ProcessedUpdate)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(ProcessedUpdate.update_id, ProcessedUpdate.bot_id)
        )
        async with self.db.session() as s:
            inserted = {(r[0], r[1]) for r in (await s.execute(stmt)).all()}
            await s.commit()
        return [
            (update_id, bot_id) in inserted and first[(update_id, bot_id)] == i
            for i, (update_id, bot_id, _) in enumerate(items)
        ]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)  # SQLite drops the zone


class _DoneMarks(_Batcher):
    async def _write(self, items: list[tuple[int, int]]) -> list[None]:
        async with self.db.session() as s:
            for bot_id in {b for _, b in items}:
                ids = [u for u, b in items if b == bot_id]
                await s.execute(update(ProcessedUpdate)
                                .where(ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id.in_(ids))
                                .values(done=True))
            await s.commit()
        return [None] * len(items)


class QuestionLogWriter(_Batcher):
    """``await add(row)`` writes one ``question_log`` row (as built by ``bot.qa.question_row``)."""

    async def add(self, row: dict) -> None:
        await self.submit(row)

    async def _write(self, items: Sequence[dict]) -> list[None]:
        async with self.db.session() as s:
            await s.execute(insert(QuestionLog), list(items))
            await s.commit()
        return [None] * len(items)


async def prune_processed_updates(db: Database, before) -> None:
    """Forget the update ids handled before ``before`` (Telegram re-delivers only recent updates)."""
    from sqlalchemy import delete

    async with write_lock(db):
        async with db.session() as s:
            await s.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
            await s.commit()
