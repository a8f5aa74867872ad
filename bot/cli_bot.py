"""``gongkai run`` (the bot, long polling), ``gongkai web`` (the staff desk and the public page) and
``gongkai console`` (chat in the terminal)."""

from __future__ import annotations

import asyncio
import logging

import typer

from bot.cli_common import fail, run
from bot.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command("run")(run_bot)
    app.command("console")(console)
    app.command("web")(run_web_pages)


def _logging(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bot.logredact import install, settings_secrets  # mask ID numbers, phones, tokens in every record

    install(settings_secrets(get_settings()))


def run_bot(verbose: bool = typer.Option(False, "--verbose", "-v", help="输出调试日志"),
            webhook: bool = typer.Option(False, "--webhook", help="以 webhook 方式运行（需 GONGKAI_WEBHOOK_URL、"
                                         "GONGKAI_WEBHOOK_SECRET），而不是长轮询")) -> None:
    """运行 Telegram 机器人和期限提醒（需要 GONGKAI_BOT_TOKEN）。"""
    from bot.runner import run_polling

    settings = get_settings()
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        fail("未设置 GONGKAI_BOT_TOKEN（机器人令牌），无法启动。")
    from aiogram.utils.token import TokenValidationError, validate_token

    try:
        validate_token(settings.bot_token.get_secret_value().strip())
    except TokenValidationError:
        fail("GONGKAI_BOT_TOKEN 格式不正确（应形如 123456:ABC…）。")
    _logging(logging.DEBUG if verbose else logging.INFO)
    if webhook:  # bot/webhook.py: several processes behind a reverse proxy
        from bot.webhook import run_webhook

        _serve(lambda db: run_webhook(db, settings))
    else:
        _serve(lambda db: run_polling(db, settings))


def _serve(start) -> None:
    """Run a server on the configured database until it is stopped; a start-up problem is one line."""
    from bot.runner import RunError

    try:
        run(start)
    except RunError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass


def console(demo: bool = typer.Option(False, "--demo", help="使用临时数据库和内置示例年度报告（演示用）")) -> None:
    """在终端里与机器人对话：无需 Telegram 和令牌。"""
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


def run_web_pages(
    host: str = typer.Option(None, "--host", help="监听地址（默认 GONGKAI_WEB_HOST，127.0.0.1）"),
    port: int = typer.Option(None, "--port", help="监听端口（默认 GONGKAI_WEB_PORT，8080）"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="输出调试日志"),
) -> None:
    """运行网页：工作人员办理台（/desk）和公众咨询、在线申请页面（/）。Webhook 方式运行时网页已由同一服务提供。"""
    from bot.webhook import run_web

    settings = get_settings()
    changes = {k: v for k, v in (("web_host", host), ("web_port", port)) if v is not None}
    if changes:
        settings = settings.model_copy(update=changes)
    _logging(logging.DEBUG if verbose else logging.INFO)
    _serve(lambda db: run_web(db, settings))
