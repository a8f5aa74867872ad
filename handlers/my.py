"""/my: the caller's own applications with status and reply-due date — never anyone else's."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.settings import Settings, get_settings
from bot.texts import applications as T
from storage.applications import current_deadline, list_for_user
from storage.db import Database

log = logging.getLogger(__name__)

MAX_ITEMS = 10
DESCRIPTION_PREVIEW = 40


def get_router() -> Router:
    router = Router(name="my")
    router.message.register(on_my, Command("my"))
    return router


def _fmt(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else T.DUE_UNKNOWN


async def on_my(message: Message, db: Database, settings: Settings | None = None) -> None:
    if message.from_user is None:
        return
    apps = await list_for_user(db, message.from_user.id, limit=MAX_ITEMS)
    if not apps:
        await message.answer(T.MY_EMPTY)
        return
    from storage.calendar import load_calendar

    settings = settings or get_settings()
    calendar = await load_calendar(db)
    lines = [T.MY_HEADER.format(count=len(apps))]
    for app in apps:
        due, provisional = app.reply_due, False
        if app.status != "closed":
            try:
                deadline = await current_deadline(db, app, calendar=calendar, settings=settings)
                due, provisional = deadline.due, deadline.provisional
            except Exception:
                log.exception("deadline for application %s", app.number)
        desc = app.description if len(app.description) <= DESCRIPTION_PREVIEW else app.description[:DESCRIPTION_PREVIEW] + "…"
        if app.status == "closed":
            lines.append(T.MY_ITEM_CLOSED.format(
                number=app.number, status=T.STATUS["closed"], receipt_date=_fmt(app.receipt_date),
                closed_date=_fmt(app.closed_date) if app.closed_date else "—", description=desc,
            ))
            continue
        due_text = _fmt(due) + ("（暂定）" if provisional and due else "")
        lines.append(T.MY_ITEM.format(
            number=app.number,
            status=T.STATUS.get(app.status, app.status),
            receipt_date=_fmt(app.receipt_date),
            reply_due=due_text,
            description=desc,
        ))
    text = "\n\n".join(lines)
    await message.answer(text[:4096])
