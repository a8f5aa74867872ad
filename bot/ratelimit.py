"""Per-user rate limits: questions per minute and applications per day, with a polite reply.

- Questions (free text outside a form, ``/ask``, a suggestion button): a window counter per user —
  in Redis when ``GONGKAI_REDIS_URL`` is set (shared by every bot process), else in this process.
  The user is told once per window; further messages in the same window are dropped silently, so a
  flood does not make the bot flood back.
- Applications (``/apply`` and the 确认提交 button): counted in the database (the applications
  this Telegram user filed since local midnight), so the limit holds across processes and restarts.
  A repeated tap on the confirm button of an application already filed is never refused (it only
  shows the receipt again).

The middleware is an update outer middleware registered after the FSM and dedup middlewares:
duplicates are dropped before they are counted, and the FSM state tells a question from a form answer.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, Update

from bot.settings import Settings
from bot.texts import ratelimit as T
from storage.applications import count_filed_since, find_by_idempotency_key, form_key
from storage.personal import filed_by
from storage.db import Database

log = logging.getLogger(__name__)

QUESTION_WINDOW = 60.0


class WindowCounter(Protocol):
    async def hit(self, key: str, window: float) -> int:
        """Count one event for ``key``; return the number of events in the current window."""


class MemoryCounter:
    """Sliding window in this process (one-process deployments)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}

    async def hit(self, key: str, window: float) -> int:
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self.max_keys:
                self._prune(now, window)
            events = self._events[key] = deque()
        while events and events[0] <= now - window:
            events.popleft()
        events.append(now)
        return len(events)

    def _prune(self, now: float, window: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - window]:
            del self._events[key]


class RedisCounter:
    """Fixed window in Redis (INCR + EXPIRE), shared by every bot process."""

    def __init__(self, redis, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock

    async def hit(self, key: str, window: float) -> int:
        bucket = int(self.clock() // window)
        name = f"{self.prefix}:rl:{key}:{bucket}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, int(window) + 5)
            count, _ = await pipe.execute()
        return int(count)


def make_counter(settings: Settings, redis=None) -> WindowCounter:
    """Redis (shared by every process; ``redis`` reuses the FSM storage's client) or in-process."""
    if settings.redis_url:
        from bot.storage_select import redis_client

        prefix = (getattr(settings, "redis_prefix", None) or "gongkai").strip() or "gongkai"
        return RedisCounter(redis if redis is not None else redis_client(settings), prefix)
    return MemoryCounter()


# --- what an update is -------------------------------------------------------------------------------

QUESTION = "question"
APPLY_START = "apply_start"
APPLY_SUBMIT = "apply_submit"


def classify(update: Update, raw_state: str | None) -> tuple[str | None, int | None]:
    """(kind, user id) of an update that counts against a limit, else (None, None)."""
    message, callback = update.message, update.callback_query
    if message is not None and message.from_user is not None and message.text is not None:
        text = message.text.lstrip()
        command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text.startswith("/") else None
        if command == "/ask":
            return QUESTION, message.from_user.id
        if command == "/apply":
            return APPLY_START, message.from_user.id
        if command is None and raw_state is None and message.chat.type == "private":
            return QUESTION, message.from_user.id
        return None, None
    if callback is not None and callback.data:
        data = callback.data
        if data.startswith("f:ok:"):
            return APPLY_SUBMIT, callback.from_user.id
        parts = data.split(":")
        if len(parts) >= 3 and parts[0] == "q" and parts[2] == "s":
            return QUESTION, callback.from_user.id
    return None, None


async def applications_today(db: Database, telegram_user_id: int, settings: Settings,
                             now: datetime | None = None) -> int:
    now = now or datetime.now(timezone.utc)
    tz = ZoneInfo(settings.timezone)
    midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    return await count_filed_since(db, telegram_user_id, midnight)


async def _already_filed(db: Database, user_id: int, callback_data: str) -> bool:
    draft = callback_data.split(":", 2)[2] if callback_data.count(":") >= 2 else ""
    existing = await find_by_idempotency_key(db, form_key(draft))
    return existing is not None and filed_by(db, existing, user_id)


async def _tell(update: Update, text: str) -> None:
    try:
        if update.message is not None:
            await update.message.answer(text)
        elif update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
    except Exception:  # a refused notice must not turn into an error reply
        log.warning("could not send the rate-limit notice")


class RateLimitMiddleware(BaseMiddleware):
    def __init__(self, db: Database, settings: Settings, counter: WindowCounter | None = None) -> None:
        self.db = db
        self.settings = settings
        self.counter = counter or make_counter(settings)

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind, user_id = classify(event, data.get("raw_state"))
        if kind is None or user_id is None:
            return await handler(event, data)
        if kind == QUESTION:
            limit = self.settings.rate_limit_questions_per_minute
            if limit > 0:
                count = await self.counter.hit(f"q:{user_id}", QUESTION_WINDOW)
                if count > limit:
                    log.info("question rate limit reached by user %s (%d in a minute)", user_id, count)
                    if count == limit + 1:
                        await _tell(event, T.QUESTIONS_LIMITED.format(limit=limit))
                    elif event.callback_query is not None:
                        await _tell(event, T.QUESTIONS_LIMITED.format(limit=limit))
                    return None
            return await handler(event, data)
        limit = self.settings.rate_limit_applications_per_day
        if limit > 0:
            if kind == APPLY_SUBMIT and await _already_filed(self.db, user_id, event.callback_query.data or ""):
                return await handler(event, data)
            if await applications_today(self.db, user_id, self.settings) >= limit:
                log.info("application rate limit reached by user %s", user_id)
                await _tell(event, T.APPLICATIONS_LIMITED.format(limit=limit))
                return None
        return await handler(event, data)


def install(dp: Dispatcher, db: Database, settings: Settings, counter: WindowCounter | None = None) -> RateLimitMiddleware:
    """Register the limits on ``dp`` (after the FSM and dedup middlewares)."""
    if counter is None:
        counter = make_counter(settings, getattr(dp.storage, "redis", None))
    middleware = RateLimitMiddleware(db, settings, counter)
    dp.update.outer_middleware(middleware)
    return middleware
