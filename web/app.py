"""The web front on an aiohttp application: ``setup_web`` adds the pages to the application that
serves the webhook (``bot/webhook.py``) or to the one ``gongkai web`` runs on its own.

It needs nothing a process does not already have: the database (sessions and links live there, so
any process can serve any browser), the settings, the QA service, and — when the bot's token is
configured — a Bot to tell applicants about actions taken at the desk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.notices import applicant_notifier
from bot.ratelimit import make_counter
from bot.settings import Settings
from storage.db import Database
from web import desk, office, public
from web.core import WEB, Web, make_templates, web_middleware

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def _notifier(bot, settings: Settings, closers: list):
    """Applicant notices through the bot: the webhook's Bot, or one made from the token; else None."""
    if bot is None and settings.bot_token is not None and settings.bot_token.get_secret_value().strip():
        from bot.factory import create_bot

        bot = create_bot(settings)
        closers.append(bot.session.close)
    if bot is None:
        return None

    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id=chat_id, text=text)

    return applicant_notifier(send)


def setup_web(app: web.Application, db: Database, settings: Settings, qa, *, bot=None, redis=None) -> Web:
    """Add the staff desk, the public pages and their static files to ``app``."""
    closers: list = []
    counter = make_counter(settings, redis)
    if redis is None and getattr(counter, "redis", None) is not None:
        closers.append(counter.redis.aclose)
    w = Web(db=db, settings=settings, qa=qa, templates=make_templates(settings.timezone), counter=counter,
            notifier=_notifier(bot, settings, closers), base=urlsplit(settings.web_url or "").path.rstrip("/"),
            closers=closers)
    app[WEB] = w
    app.middlewares.append(web_middleware)
    routes = app.add_routes(public.routes() + desk.routes() + office.routes())
    w.resources = {route.resource for route in routes}
    w.resources.add(app.router.add_static("/static", STATIC_DIR))

    async def close(_app: web.Application) -> None:
        for closer in w.closers:
            try:
                await closer()
            except Exception:  # noqa: BLE001 - closing at shutdown must not raise
                log.warning("could not close a web resource", exc_info=True)

    app.on_cleanup.append(close)
    return w
