"""``gongkai run`` (the bot, long polling) and ``gongkai console`` (chat in the terminal)."""

from __future__ import annotations

import asyncio
import logging

import typer

from bot.cli_common import fail, run
from bot.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command("run")(run_bot)
    app.command("console")(console)


def _logging(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bot.logredact import install, settings_secrets  # mask ID numbers, phones, tokens in every record

    install(settings_secrets(get_settings()))


def run_bot(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging"),
            webhook: bool = typer.Option(False, "--webhook", help="Serve a webhook (GONGKAI_WEBHOOK_URL, "
                                         "GONGKAI_WEBHOOK_SECRET) instead of long polling")) -> None:
    """Run the Telegram bot with long polling (needs GONGKAI_BOT_TOKEN)."""
    from bot.runner import RunError, run_polling

    settings = get_settings()
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        fail("未设置 GONGKAI_BOT_TOKEN（机器人令牌），无法启动。")
    from aiogram.utils.token import TokenValidationError, validate_token

    try:
        validate_token(settings.bot_token.get_secret_value().strip())
    except TokenValidationError:
        fail("GONGKAI_BOT_TOKEN 格式不正确（应形如 123456:ABC…）。")
    _logging(logging.DEBUG if verbose else logging.INFO)
    try:
        if webhook:  # bot/webhook.py: several processes behind a reverse proxy
            from bot.webhook import run_webhook

            run(lambda db: run_webhook(db, settings))
        else:
            run(lambda db: run_polling(db, settings))
    except RunError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass


def console(demo: bool = typer.Option(False, "--demo", help="Use a temporary database with the bundled sample report")) -> None:
    """Chat with the bot in the terminal: no Telegram, no token."""
    from bot.runner import run_console, run_demo_console

    _logging(logging.WARNING)
    settings = get_settings()
    try:
        if demo:
            asyncio.run(run_demo_console(settings))
        else:
            run(lambda db: run_console(db, settings))
    except KeyboardInterrupt:
        pass
