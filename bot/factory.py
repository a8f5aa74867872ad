"""Wiring: the Bot (with its Bot API base URL and flood-control retries) and the Dispatcher
(storage, event isolation, middlewares, fresh routers on every call)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import ErrorEvent, TelegramObject, Update
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.texts import common as C
from storage.batching import QuestionLogWriter, UpdateClaims, UpdateInProgress, prune_processed_updates
from storage.db import Database
from storage.staff import get_staff, mark_blocked

log = logging.getLogger(__name__)

PROCESSED_UPDATE_TTL = timedelta(days=3)
PRUNE_EVERY = 1000


# --- bot ----------------------------------------------------------------------------------------

class RetryAfterMiddleware(BaseRequestMiddleware):
    """aiogram never retries on flood control: wait ``retry_after`` and retry, a bounded number of times."""

    def __init__(self, max_retries: int = 3, max_wait: float = 60.0, sleep=asyncio.sleep) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt > self.max_retries or exc.retry_after > self.max_wait:
                    raise
                log.warning("flood control on %s: retry %d in %ss", method.__api_method__, attempt, exc.retry_after)
                await self.sleep(exc.retry_after)


def create_session(settings: Settings) -> AiohttpSession:
    return AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """Raises ``aiogram.utils.token.TokenValidationError`` for a malformed token, ``ValueError`` when unset."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        raise ValueError("GONGKAI_BOT_TOKEN is not set")
    session = session or create_session(settings)
    session.middleware(RetryAfterMiddleware())
    return Bot(token=settings.bot_token.get_secret_value().strip(), session=session)


# --- update middlewares ---------------------------------------------------------------------------

class DedupMiddleware(BaseMiddleware):
    """Handles each update once across deliveries and processes (``storage.batching.UpdateClaims``).

    The claim is committed before the handler runs (group-committed with concurrent updates) and
    marked done after it — also when it failed with an error (the error reply went out). A handler
    stopped by the process stopping (cancelled) leaves its claim open, and a retry takes it over once
    this process is gone. A repeat of an update a live process is still handling waits for it and
    then raises ``UpdateInProgress`` if it is still not finished (the webhook answers 503)."""

    def __init__(self, db: Database, *, takeover_after: timedelta = timedelta(0), liveness=None) -> None:
        self.db = db
        self.claims = UpdateClaims(db, takeover_after=takeover_after, liveness=liveness)
        self._seen = 0

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot | None = data.get("bot")
        bot_id = bot.id if bot is not None else 0
        if not await self.claims.claim(event.update_id, bot_id, datetime.now(timezone.utc)):
            log.info("duplicate update %s dropped", event.update_id)
            return None
        self._seen += 1
        if self._seen % PRUNE_EVERY == 0:
            await self._prune()
        try:
            result = await handler(event, data)
        except Exception:
            await self._done(event.update_id, bot_id)
            raise
        await self._done(event.update_id, bot_id)
        return result

    async def _done(self, update_id: int, bot_id: int) -> None:
        try:
            await self.claims.done(update_id, bot_id)
        except Exception:  # the reply went out; an unmarked claim of a live process only delays repeats
            log.warning("could not mark update %s handled", update_id, exc_info=True)

    async def _prune(self) -> None:
        await prune_processed_updates(self.db, datetime.now(timezone.utc) - PROCESSED_UPDATE_TTL)


# --- errors -------------------------------------------------------------------------------------

async def on_forbidden(event: ErrorEvent, db: Database, settings: Settings) -> bool:
    """The user blocked the bot: record it for staff, never crash."""
    user = None
    update = event.update
    for obj in (update.message, update.callback_query):
        if obj is not None and obj.from_user is not None:
            user = obj.from_user.id
    log.info("user %s has blocked the bot", user)
    if user is not None:
        try:
            if await get_staff(db, settings, user) is not None:
                await mark_blocked(db, user, True)
        except SQLAlchemyError:
            log.exception("could not record the blocked bot")
    return True


async def _tell_user(event: ErrorEvent, text: str) -> None:
    update = event.update
    try:
        if update.message is not None:
            await update.message.answer(text)
        elif update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
    except Exception:  # the error handler must not raise
        log.warning("could not send the error notice")


async def on_database_error(event: ErrorEvent) -> bool:
    log.error("database error on update %s: %s", event.update.update_id, type(event.exception).__name__)
    await _tell_user(event, C.DB_UNAVAILABLE)
    return True


async def on_any_error(event: ErrorEvent) -> bool:
    log.exception("unhandled error on update %s", event.update.update_id, exc_info=event.exception)
    await _tell_user(event, C.DB_UNAVAILABLE)
    return True


def _errors_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_forbidden, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(on_database_error, ExceptionTypeFilter(SQLAlchemyError))
    # A repeat still being handled elsewhere is not an error to tell the citizen about: it goes up to
    # the webhook, which answers 503 so that Telegram delivers it again later.
    router.errors.register(on_any_error, ~ExceptionTypeFilter(UpdateInProgress))
    return router


# --- dispatcher ---------------------------------------------------------------------------------



def _question_log_writer(db: Database, qa_service: Any) -> QuestionLogWriter | None:
    """Group-committed question log for the real QA service (its rows are ``bot.qa.log_row``)."""
    from bot.qa import QAService

    return QuestionLogWriter(db) if isinstance(qa_service, QAService) else None


def update_takeover_after(settings: Settings) -> timedelta:
    """For claims whose owner's liveness cannot be told (SQLite): long polling has one poller at a
    time, so a claim of another instance is a dead one's; webhook processes wait for a lease first."""
    return timedelta(seconds=settings.update_takeover_seconds) if settings.webhook_url else timedelta(0)


def create_dispatcher(db: Database, qa_service: Any, settings: Settings,
                      storage: BaseStorage | None = None, *, liveness=None) -> Dispatcher:
    """A new Dispatcher with new routers (a router can be attached to one dispatcher only).

    ``liveness`` (default ``db.liveness``, one per process) owns its update claims and user locks;
    tests that play several processes on one ``Database`` give each its own."""
    from handlers import apply, common, my, questions, reports, staff

    from bot.storage_select import make_fsm_storage, make_isolation

    liveness = liveness if liveness is not None else db.liveness
    storage = storage or make_fsm_storage(settings, db)
    dp = Dispatcher(
        storage=storage,
        events_isolation=make_isolation(settings, storage, liveness),
        db=db,
        qa=qa_service,
        settings=settings,
        question_log=_question_log_writer(db, qa_service),
    )
    dp.update.outer_middleware(DedupMiddleware(db, takeover_after=update_takeover_after(settings), liveness=liveness))
    from bot.ratelimit import install as install_rate_limits

    install_rate_limits(dp, db, settings)
    dp.include_router(_errors_router())
    # Questions first: the hot path (plain text outside any form) then skips every command filter.
    # Its handlers only take /ask, default-state text that is not a command, and its own buttons.
    dp.include_router(questions.get_router())
    dp.include_router(common.get_router())
    dp.include_router(my.get_router())
    dp.include_router(staff.get_router())
    dp.include_router(reports.get_router())
    dp.include_router(apply.get_router())
    dp.include_router(common.get_fallback_router())
    return dp
