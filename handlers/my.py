"""/my: the caller's own applications with status and reply-due date — never anyone else's.
/mydata: the personal data stored about the caller (art. 45 of the PIPL): masked, in full on request,
or as a file to keep — each full view and copy in the access log (``storage/personal.py``)."""

from __future__ import annotations

import logging

import json
from typing import Literal

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.settings import Settings, get_settings
from bot.texts import applications as T
from bot.texts import personal as TP
from bot.texts.errors import error_text
from disclosure.choices import DELIVERY_CHANNELS, DELIVERY_FORMS, ID_TYPES
from disclosure.outcomes import APPLICANT_TYPES
from storage import personal as P
from storage.applications import current_deadline, list_for_user
from storage.db import Database

log = logging.getLogger(__name__)

MAX_ITEMS = 10
DESCRIPTION_PREVIEW = 40


class MyDataCb(CallbackData, prefix="my-data"):
    """The applicant's own data: ``full`` (shown in full) or ``export`` (sent as a file)."""

    action: Literal["full", "export"]


def get_router() -> Router:
    router = Router(name="my")
    router.message.register(on_my, Command("my"))
    router.message.register(on_mydata, Command("mydata"))
    router.callback_query.register(on_mydata_button, MyDataCb.filter())
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
    lines.append(TP.MY_HINT)
    text = "\n\n".join(lines)
    await message.answer(text[:4096])


def _own_text(items, full: bool, settings: Settings) -> str:
    return TP.own_data_text(items, full=full, years=settings.personal_data_retention_years, status_labels=T.STATUS,
                            id_type_labels=ID_TYPES)


def _export(items) -> bytes:
    """The applicant's copy: one record per application, keyed and labelled in Chinese."""
    labels = {"applicant_type": APPLICANT_TYPES, "status": T.STATUS, "id_type": ID_TYPES,
              "delivery_form": DELIVERY_FORMS, "delivery_channel": DELIVERY_CHANNELS}
    records = []
    for app, who in items:
        values = {**{k: getattr(app, k) for k in ("number", "status", "receipt_date", "closed_date", "description",
                                                  "delivery_form", "delivery_channel")}, **who.as_dict()}
        record = {}
        for key, label in TP.EXPORT_FIELDS.items():
            value = values.get(key)
            value = labels[key].get(value, value) if key in labels else value
            record[label] = value.isoformat() if hasattr(value, "isoformat") else value
        records.append(record)
    return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")


def _private(chat) -> bool:
    """A private chat with the caller (groups and channels have negative ids)."""
    return chat is not None and chat.type == ChatType.PRIVATE and chat.id > 0


async def on_mydata(message: Message, db: Database, settings: Settings | None = None) -> None:
    if message.from_user is None:
        return
    if not _private(message.chat):
        await message.answer(TP.MYDATA_PRIVATE_ONLY)
        return
    settings = settings or get_settings()
    try:
        items = await P.own_personal_data(db, message.from_user.id, full=False, actor=_actor(message.from_user.id))
    except P.PersonalDataError as exc:
        await message.answer(error_text(exc)[:4096])
        return
    if not items:
        await message.answer(TP.MYDATA_EMPTY)
        return
    kb = InlineKeyboardBuilder()
    kb.button(text=TP.BTN_MYDATA_FULL, callback_data=MyDataCb(action="full"))
    kb.button(text=TP.BTN_MYDATA_EXPORT, callback_data=MyDataCb(action="export"))
    await message.answer(_own_text(items, False, settings)[:4096], reply_markup=kb.as_markup())


def _actor(user_id: int) -> str:
    return f"tg:{user_id}"


async def on_mydata_button(callback: CallbackQuery, callback_data: MyDataCb, bot: Bot, db: Database,
                           settings: Settings | None = None) -> None:
    """Only ever the caller's own data (looked up by the caller's id, never by the button's data)."""
    chat = callback.message.chat if callback.message is not None else None
    if not _private(chat):
        await callback.answer(TP.MYDATA_PRIVATE_ONLY, show_alert=True)
        return
    settings = settings or get_settings()
    export = callback_data.action == "export"
    user = callback.from_user.id
    try:
        items = await P.own_personal_data(db, user, full=True, actor=_actor(user),
                                          action="self_export" if export else "self_view")
    except P.PersonalDataError as exc:
        await callback.answer()
        await bot.send_message(chat_id=chat.id, text=error_text(exc)[:4096])
        return
    await callback.answer()
    if not items:
        await bot.send_message(chat_id=chat.id, text=TP.MYDATA_EMPTY)
    elif export:
        await bot.send_document(chat_id=chat.id, caption=TP.MYDATA_EXPORT_CAPTION,
                                document=BufferedInputFile(_export(items), filename=TP.MYDATA_EXPORT_NAME))
    else:
        await bot.send_message(chat_id=chat.id, text=_own_text(items, True, settings)[:4096])
