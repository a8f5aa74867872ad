"""Runners: long polling against the configured Bot API, and the terminal console (no Telegram)."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.types import BotCommand
from aiogram.utils.token import TokenValidationError

from bot.factory import create_bot, create_dispatcher
from bot.local_session import LocalSession, SentMessage, UpdateFactory
from bot.scheduler import start_scheduler
from bot.settings import Settings
from bot.texts import questions as TQ
from bot.texts import staff as TS
from storage.db import Database, open_database

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "samples"
CONSOLE_USER_ID = 10001


class RunError(Exception):
    """A start-up problem with a one-line explanation for the operator."""


def bot_commands() -> list[BotCommand]:
    return [BotCommand(command=name, description=text) for name, text in TQ.COMMANDS.items()]


def staff_bot_commands() -> list[BotCommand]:
    return bot_commands() + [BotCommand(command=name, description=text) for name, text in TS.COMMANDS.items()]


async def register_commands(bot: Bot, db: Database, settings: Settings) -> None:
    """The public command menu for everyone; staff also see theirs, in their private chats.

    Cosmetic: a failure (an emulator without the method, a staff member who never started the bot)
    is logged and the bot runs on. Staff added later get their menu at the next start."""
    from aiogram.types import BotCommandScopeChat

    from storage.staff import staff_recipients

    try:
        await bot.set_my_commands(bot_commands())
    except Exception as exc:  # noqa: BLE001
        log.warning("setMyCommands failed: %s", type(exc).__name__)
        return
    for user_id in await staff_recipients(db, settings, "handler"):
        try:
            await bot.set_my_commands(staff_bot_commands(), scope=BotCommandScopeChat(chat_id=user_id))
        except Exception as exc:  # noqa: BLE001
            log.warning("setMyCommands for a staff chat failed: %s", type(exc).__name__)


async def load_qa(db: Database, settings: Settings):
    from bot.qa import QAService

    return await QAService.load(db, home_agency=settings.home_agency)


def _start_scheduler(db: Database, bot: Bot, settings: Settings):
    return start_scheduler(db, bot, settings)


async def run_polling(db: Database, settings: Settings) -> None:
    try:
        bot = create_bot(settings)
    except ValueError as exc:
        raise RunError("未设置 GONGKAI_BOT_TOKEN（机器人令牌），无法启动。") from exc
    except TokenValidationError as exc:
        raise RunError("GONGKAI_BOT_TOKEN 格式不正确（应形如 123456:ABC…）。") from exc
    try:
        try:
            me = await bot.get_me()
        except TelegramUnauthorizedError as exc:
            raise RunError("GONGKAI_BOT_TOKEN 无效：Bot API 拒绝了该令牌。") from exc
        except TelegramNetworkError as exc:
            raise RunError(f"无法连接 Bot API（{settings.telegram_api_url}）：{exc.message}") from exc
        await db.liveness.start()
        qa = await load_qa(db, settings)
        dp = create_dispatcher(db, qa, settings)
        await register_commands(bot, db, settings)
        scheduler = _start_scheduler(db, bot, settings)
        log.info("bot @%s polling %s", me.username, settings.telegram_api_url)
        try:
            await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types(), close_bot_session=False)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
    finally:
        await bot.session.close()


# --- console ------------------------------------------------------------------------------------

def render_message(msg: SentMessage) -> str:
    lines = [("（已更新）" if msg.edited else "") + msg.text]
    for i, (label, _) in enumerate(msg.buttons(), 1):
        lines.append(f"   [{i}] {label}")
    return "\n".join(lines)


class Console:
    """One citizen chatting with the real dispatcher through the in-process Bot API."""

    def __init__(self, db: Database, qa, settings: Settings, *, user_id: int = CONSOLE_USER_ID) -> None:
        self.updates = UpdateFactory()
        self.session = LocalSession(ids=self.updates.message_ids)  # one numbering, as in a Telegram chat
        self.bot = Bot(token="4242:CONSOLE", session=self.session)
        self.dp = create_dispatcher(db, qa, settings)
        self.user_id = user_id
        self.buttons: list[tuple[str, str]] = []
        self.button_message: SentMessage | None = None

    async def send(self, line: str) -> list[SentMessage]:
        before = len(self.session.sent)
        line = line.strip()
        if line.isdigit() and self.buttons and 1 <= int(line) <= len(self.buttons):
            _, data = self.buttons[int(line) - 1]
            update = self.updates.press(self.user_id, data, self.button_message)
        else:
            update = self.updates.text(self.user_id, line)
        await self.dp.feed_update(self.bot, update)
        new = self.session.sent[before:]
        for msg in new:
            if msg.buttons():
                self.buttons, self.button_message = msg.buttons(), msg
            elif not msg.edited:
                self.buttons, self.button_message = [], None
        return new


async def run_console(db: Database, settings: Settings, *, read: Callable[[str], str] = input,
                      write: Callable[[str], None] = print) -> None:
    qa = await load_qa(db, settings)
    console = Console(db, qa, settings)
    write("gongkai 控制台：在终端里与机器人对话（不连接 Telegram）。输入数字点击按钮，输入 /quit 退出。")
    for msg in await console.send("/start"):
        write(render_message(msg))
    while True:
        try:
            line = await asyncio.to_thread(read, "你> ")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() in ("/quit", "/exit", "quit", "exit"):
            break
        if not line.strip():
            continue
        for msg in await console.send(line):
            if msg.markup_only and not msg.buttons():
                continue  # buttons removed from an earlier message: nothing new to read
            write("机器人> " + render_message(msg))
    await console.bot.session.close()


async def demo_database(tmp: Path) -> Database:
    """A fresh temporary database loaded with the bundled sample report(s)."""
    from bot.qa import ingest_paths

    from storage.crypto import DataKeys

    db = await open_database(f"sqlite:///{(tmp / 'demo.db').as_posix()}",
                             keys=DataKeys(file=tmp / "demo.key", generate=True))
    samples = sorted(p for p in SAMPLES_DIR.glob("*") if p.is_file() and not p.name.startswith((".", "_")))
    if samples:
        await ingest_paths(db, samples)
    else:
        print("提示：未找到示例年度报告（knowledge/samples/），问答将没有内容。", file=sys.stderr)
    return db


async def _single_agency(db: Database) -> str | None:
    from storage.knowledge import report_agencies

    agencies = await report_agencies(db)
    return agencies.pop() if len(agencies) == 1 else None


async def run_demo_console(settings: Settings, **kwargs) -> None:
    with tempfile.TemporaryDirectory(prefix="gongkai-demo-") as tmp:
        db = await demo_database(Path(tmp))
        if not settings.home_agency:
            settings = settings.model_copy(update={"home_agency": await _single_agency(db)})
        try:
            await run_console(db, settings, **kwargs)
        finally:
            await db.dispose()
