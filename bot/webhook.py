"""Webhook mode (``gongkai run --webhook``): an aiohttp server that several processes can run at once.

- Updates arrive on ``POST settings.webhook_path``; aiogram's ``SimpleRequestHandler`` refuses any
  request without the right ``X-Telegram-Bot-Api-Secret-Token`` (401). The secret is mandatory.
- Updates are handled *before* the HTTP answer (``handle_in_background=False``): if the process dies
  mid-update the update is delivered again (nginx retries the next process at once, Telegram later),
  and the dedup middleware (``processed_update``) gives it to whoever may handle it: a repeat of a
  finished update is a no-op, the update of a dead process is taken over at once, and a repeat of
  one a live process is still handling waits for it — answered 503 if it is still not finished, so
  that Telegram delivers it again later.
- On start, ``setWebhook(GONGKAI_WEBHOOK_URL + webhook_path, secret_token=...)``; every process may
  do so (same URL). Nothing is deleted on shutdown: the other processes keep serving.
- ``GET /healthz``: 200 when the database (and Redis, if configured) answer, else 503 — for the
  reverse proxy / load balancer and for systemd watchdogs. It never shows connection strings.
- The reminder scan runs in every process: the ledger makes that safe (one send per reminder).
- The web pages (``web/``: the staff desk and the public page) are served by the same application;
  ``gongkai web`` serves them alone (``run_web``). This module is the one place ``bot/`` imports ``web/``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.utils.token import TokenValidationError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.factory import create_bot, create_dispatcher
from bot.runner import RunError, _start_scheduler, register_commands, load_qa
from bot.settings import Settings
from bot.storage_select import describe
from storage.batching import UpdateInProgress
from storage.db import Database

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT = 3.0
MAX_BODY = 1024 * 1024  # Telegram updates are small; refuse anything huge early
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token

RETRY_AFTER_SECONDS = 5

DB_KEY = web.AppKey("db", Database)
SETTINGS_KEY = web.AppKey("settings", Settings)
DP_KEY = web.AppKey("dispatcher", Dispatcher)


def webhook_secret(settings: Settings) -> str:
    value = settings.webhook_secret.get_secret_value().strip() if settings.webhook_secret else ""
    if not value:
        raise RunError("未设置 GONGKAI_WEBHOOK_SECRET（Webhook 密钥），为安全起见不能以 Webhook 方式启动。")
    if not _SECRET_RE.match(value):
        raise RunError("GONGKAI_WEBHOOK_SECRET 只能包含 1–256 个字母、数字、下划线或连字符。")
    return value


def webhook_target(settings: Settings) -> str:
    """The public URL given to ``setWebhook``: ``GONGKAI_WEBHOOK_URL`` + ``webhook_path``."""
    if not settings.webhook_url:
        raise RunError("未设置 GONGKAI_WEBHOOK_URL（对外的 HTTPS 地址，如 https://bot.example.gov.cn）。")
    base = settings.webhook_url.rstrip("/")
    path = "/" + settings.webhook_path.lstrip("/")
    return base if base.endswith(path) else base + path


async def check_health(db: Database, dp: Dispatcher | None) -> tuple[bool, dict[str, str]]:
    status: dict[str, str] = {}
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            await db.ping()
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is "unavailable"; never echo the URL
        log.warning("health: database unavailable (%s)", type(exc).__name__)
        status["database"] = "unavailable"
    redis = getattr(dp.storage, "redis", None) if dp is not None else None
    if redis is not None:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                await redis.ping()
            status["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            log.warning("health: redis unavailable (%s)", type(exc).__name__)
            status["redis"] = "unavailable"
    return all(v == "ok" for v in status.values()), status


async def health(request: web.Request) -> web.Response:
    ok, status = await check_health(request.app[DB_KEY], request.app.get(DP_KEY))
    return web.json_response({"status": "ok" if ok else "error", **status}, status=200 if ok else 503)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, answering 503 for an update another live process is still handling."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            return await super()._handle_request(bot, request)
        except UpdateInProgress as exc:
            log.warning("update %s still in progress elsewhere: asking for a later delivery", exc.update_id)
            return web.Response(status=503, text="update in progress",
                                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def build_app(dp: Dispatcher, bot: Bot, db: Database, settings: Settings, *,
              handle_in_background: bool = False) -> web.Application:
    """The aiohttp application: the webhook route (secret checked), the health route, dp start/stop."""
    secret = webhook_secret(settings)
    app = web.Application(client_max_size=MAX_BODY)
    app[DB_KEY] = db
    app[SETTINGS_KEY] = settings
    app[DP_KEY] = dp
    WebhookHandler(dispatcher=dp, bot=bot, secret_token=secret,
                   handle_in_background=handle_in_background).register(app, path=settings.webhook_path)
    app.router.add_get(HEALTH_PATH, health)
    # the web pages (staff desk, public page) on the same application: web/app.py
    from web.app import setup_web

    setup_web(app, db, settings, dp.workflow_data.get("qa"), bot=bot, redis=getattr(dp.storage, "redis", None))
    setup_application(app, dp, bot=bot)
    return app


def build_web_app(db: Database, settings: Settings, qa) -> web.Application:
    """``gongkai web``: the web pages and the health route, without the webhook."""
    from web.app import setup_web

    app = web.Application(client_max_size=MAX_BODY)
    app[DB_KEY] = db
    app[SETTINGS_KEY] = settings
    app.router.add_get(HEALTH_PATH, health)
    setup_web(app, db, settings, qa)
    return app


async def run_web(db: Database, settings: Settings, *, stop: asyncio.Event | None = None,
                  on_ready: Callable[[web.AppRunner], Awaitable[None]] | None = None) -> None:
    """Serve the web pages on ``GONGKAI_WEB_HOST:GONGKAI_WEB_PORT`` until SIGTERM/SIGINT (or ``stop``)."""
    qa = await load_qa(db, settings)
    runner = web.AppRunner(build_web_app(db, settings, qa), access_log=None)
    await runner.setup()
    try:
        await _listen(runner, settings.web_host, settings.web_port)
        log.info("web pages on http://%s:%s (public URL %s, %s)", settings.web_host, settings.web_port,
                 settings.web_base_url, describe(settings))
        await _until_stopped(runner, stop or asyncio.Event(), on_ready)
    finally:
        await runner.cleanup()


async def _listen(runner: web.AppRunner, host: str, port: int) -> None:
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        raise RunError(f"无法监听 {host}:{port}：{exc.strerror or exc}") from exc


async def _until_stopped(runner: web.AppRunner, stop: asyncio.Event,
                         on_ready: Callable[[web.AppRunner], Awaitable[None]] | None) -> None:
    """Serve until SIGTERM/SIGINT (when this is the main thread) or ``stop`` is set."""
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # not the main thread / not supported
                pass
        if on_ready is not None:
            await on_ready(runner)
        await stop.wait()
        log.info("stopping")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _bot_and_me(settings: Settings, bot: Bot | None) -> tuple[Bot, Any]:
    try:
        bot = bot or create_bot(settings)
    except ValueError as exc:
        raise RunError("未设置 GONGKAI_BOT_TOKEN（机器人令牌），无法启动。") from exc
    except TokenValidationError as exc:
        raise RunError("GONGKAI_BOT_TOKEN 格式不正确（应形如 123456:ABC…）。") from exc
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError as exc:
        await bot.session.close()
        raise RunError("GONGKAI_BOT_TOKEN 无效：Bot API 拒绝了该令牌。") from exc
    except TelegramNetworkError as exc:
        await bot.session.close()
        raise RunError(f"无法连接 Bot API（{settings.telegram_api_url}）：{exc.message}") from exc
    return bot, me


async def run_webhook(db: Database, settings: Settings, *, bot: Bot | None = None, reminders: bool = True,
                      stop: asyncio.Event | None = None,
                      on_ready: Callable[[web.AppRunner], Awaitable[None]] | None = None) -> None:
    """Serve until SIGTERM/SIGINT (or ``stop`` is set). Raises ``RunError`` for start-up problems."""
    secret = webhook_secret(settings)
    target = webhook_target(settings)
    bot, me = await _bot_and_me(settings, bot)
    scheduler = None
    runner: web.AppRunner | None = None
    try:
        await db.liveness.start()  # this process's claims and locks are provably its own from now on
        qa = await load_qa(db, settings)
        dp = create_dispatcher(db, qa, settings)
        app = build_app(dp, bot, db, settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await _listen(runner, settings.webhook_host, settings.webhook_port)
        await bot.set_webhook(url=target, secret_token=secret, allowed_updates=dp.resolve_used_update_types(),
                              drop_pending_updates=False)
        await register_commands(bot, db, settings)
        if reminders:
            scheduler = _start_scheduler(db, bot, settings)
        log.info("bot @%s webhook %s listening on %s:%s (%s)", me.username, settings.webhook_path,
                 settings.webhook_host, settings.webhook_port, describe(settings))
        if not settings.redis_url:
            log.warning("GONGKAI_REDIS_URL is not set: run only ONE webhook process (forms and per-user locks "
                        "are shared between processes through Redis)")
        await _until_stopped(runner, stop or asyncio.Event(), on_ready)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if runner is not None:
            await runner.cleanup()  # emits dp shutdown (closes FSM storage) and closes the bot session
        else:
            await bot.session.close()
