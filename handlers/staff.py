"""Staff commands and buttons: /queue, /due, /app NUMBER, /note, and the card's actions.

Thin: parse, check the caller's role *on the server* (callback data can be forged), call
``storage.handling``, render. The dispatcher's workflow data must hold ``db`` (storage.db.Database)
and may hold ``settings`` (bot.settings.Settings; defaults to get_settings()).
"""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.settings import Settings, get_settings
from bot.texts import common as C
from bot.texts import staff as T
from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from storage import handling as H
from storage.calendar import load_calendar
from storage.db import Database
from storage.models import Application
from storage.staff import PermissionDenied, StaffMember, audit, require_role

CORRECTION_PERIODS = (10, 15, 20)  # calendar days offered for the 补正 period
EXTENSION_CHOICES = (5, 10, 15, 20)
QUEUE_LIMIT = 30
OUTCOME_LABELS = {code: o.label for code, o in OUTCOMES.items()}

# Actions that need more than the handler role.
APPROVER_ACTIONS = frozenset({"ext", "extd"})


class StaffCb(CallbackData, prefix="st"):
    a: str  # action
    app: int  # application id
    v: str = ""  # argument (days, party, outcome code)


class StaffForm(StatesGroup):
    correction_what = State()
    extension_reason = State()
    consultation_reason = State()
    note_text = State()


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _actor(user_id: int) -> str:
    return f"tg:{user_id}"


async def _guard(db: Database, settings: Settings, event: Message | CallbackQuery, role: str,
                 action: str) -> StaffMember | None:
    user = event.from_user
    try:
        return await require_role(db, settings, user.id if user else None, role, action=action)
    except PermissionDenied:
        if isinstance(event, CallbackQuery):
            await event.answer(T.REFUSED, show_alert=True)
        else:
            await event.answer(C.NOT_STAFF)
        return None


def _notifier(bot: Bot) -> H.Notifier:
    async def notify(app: Application, text: str) -> bool:
        await bot.send_message(chat_id=app.chat_id or app.telegram_user_id, text=text)
        return True
    return notify


def _cb(action: str, app_id: int, value: str = "") -> str:
    return StaffCb(a=action, app=app_id, v=value).pack()


def card_keyboard(app: Application) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if app.status == "open":
        kb.button(text=T.BTN_CORRECTION, callback_data=_cb("corr", app.id))
        kb.button(text=T.BTN_CONSULT, callback_data=_cb("cons", app.id))
        kb.button(text=T.BTN_EXTEND, callback_data=_cb("ext", app.id))
        kb.button(text=T.BTN_CLOSE, callback_data=_cb("close", app.id))
    elif app.status == "correction":
        kb.button(text=T.BTN_CORRECTION_RECEIVED, callback_data=_cb("corr_rcv", app.id))
        kb.button(text=T.BTN_CORRECTION_LAPSED, callback_data=_cb("corr_lap", app.id))
        kb.button(text=T.BTN_CLOSE, callback_data=_cb("close", app.id))
    elif app.status == "consultation":
        kb.button(text=T.BTN_CONSULT_END, callback_data=_cb("cons_end", app.id))
        kb.button(text=T.BTN_EXTEND, callback_data=_cb("ext", app.id))
        kb.button(text=T.BTN_CLOSE, callback_data=_cb("close", app.id))
    elif app.status == "fee":
        kb.button(text=T.BTN_FEE_PAID, callback_data=_cb("fee_paid", app.id))
        kb.button(text=T.BTN_CLOSE, callback_data=_cb("close", app.id))
    else:
        return None
    kb.button(text=T.BTN_NOTE, callback_data=_cb("note", app.id))
    kb.adjust(2)
    return kb.as_markup()


async def render_application(db: Database, settings: Settings, app: Application) -> str:
    calendar = await load_calendar(db)
    dl = await H.deadline_for(db, app, calendar=calendar, settings=settings)
    events = await H.events_of(db, app.id)
    today = H.local_today(settings)
    left = H.working_days_left(calendar, today, dl.due) if dl.due else None
    return T.render_card(app, dl, events, left, outcome_labels=OUTCOME_LABELS,
                         applicant_labels=APPLICANT_TYPES, channel_labels=CHANNELS)


async def _send_card(bot: Bot, chat_id: int, db: Database, settings: Settings, app: Application) -> None:
    if chat_id <= 0:  # groups and channels have negative ids: the full card is for private chats only
        await bot.send_message(chat_id=chat_id, text=T.CARD_PRIVATE_ONLY.format(number=app.number))
        return
    text = await render_application(db, settings, app)
    await bot.send_message(chat_id=chat_id, text=text[:4096], reply_markup=card_keyboard(app))


def _chat_id(event: Message | CallbackQuery) -> int:
    if isinstance(event, CallbackQuery):
        return event.message.chat.id if event.message else event.from_user.id
    return event.chat.id


# --- commands -------------------------------------------------------------------------------------

async def cmd_queue(message: Message, db: Database, settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "queue") is None:
        return
    items = await H.open_queue(db, H.local_today(settings), settings=settings)
    await _send_queue(message, items, T.QUEUE_HEADER)


async def cmd_due(message: Message, db: Database, settings: Settings | None = None) -> None:
    """Applications due within the largest reminder window, or overdue."""
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "due") is None:
        return
    window = max(settings.reminder_days or [5])
    items = [i for i in await H.open_queue(db, H.local_today(settings), settings=settings)
             if i.days_left is not None and i.days_left <= window]
    await _send_queue(message, items, T.QUEUE_HEADER)


async def _send_queue(message: Message, items: list[H.QueueItem], header: str) -> None:
    if not items:
        await message.answer(T.QUEUE_EMPTY)
        return
    lines = [header.format(count=len(items))]
    kb = InlineKeyboardBuilder()
    for item in items[:QUEUE_LIMIT]:
        app = item.application
        subject = " ".join(app.description.split())
        lines.append(T.QUEUE_LINE.format(
            number=app.number, status=T.STATUS_LABELS.get(app.status, app.status),
            due=item.deadline.due or "—", left=T.left_label(item.days_left),
            subject=subject if len(subject) <= 24 else subject[:23] + "…"))
        kb.button(text=app.number, callback_data=_cb("card", app.id))
    kb.adjust(3)
    await message.answer("\n".join(lines)[:4096], reply_markup=kb.as_markup())


async def cmd_app(message: Message, command: CommandObject, bot: Bot, db: Database,
                  settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "app") is None:
        return
    if not command.args:
        await message.answer(T.USAGE_APP)
        return
    try:
        app = await H.find_application(db, command.args.strip())
    except H.HandlingError as exc:
        await message.answer(str(exc))
        return
    await _send_card(bot, message.chat.id, db, settings, app)


async def cmd_note(message: Message, command: CommandObject, db: Database, settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "note") is None:
        return
    number, _, text = (command.args or "").strip().partition(" ")
    if not number or not text.strip():
        await message.answer(T.USAGE_NOTE)
        return
    try:
        await H.add_note(db, number, text, actor=_actor(message.from_user.id))
    except H.HandlingError as exc:
        await message.answer(str(exc))
        return
    await message.answer(T.NOTE_SAVED)


# --- buttons --------------------------------------------------------------------------------------

async def on_action(callback: CallbackQuery, callback_data: StaffCb, bot: Bot, state: FSMContext, db: Database,
                    settings: Settings | None = None) -> None:
    settings = _settings(settings)
    act, app_id, value = callback_data.a, callback_data.app, callback_data.v
    role = "approver" if act in APPROVER_ACTIONS else "handler"
    member = await _guard(db, settings, callback, role, f"button:{act}:{app_id}")
    if member is None:
        return
    chat_id = _chat_id(callback)
    actor = _actor(callback.from_user.id)
    today = H.local_today(settings)
    notify = _notifier(bot)
    try:
        app = await H.find_application(db, app_id)
        result: H.HandlingResult | None = None
        if act == "card":
            await callback.answer()
            await _send_card(bot, chat_id, db, settings, app)
            return
        if act == "cancel":
            await state.clear()
            await callback.answer(T.CANCELLED)
            return
        if act == "note":
            await state.set_state(StaffForm.note_text)
            await state.update_data(app=app.id)
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_NOTE)
            return
        if act == "corr":
            kb = InlineKeyboardBuilder()
            for days in CORRECTION_PERIODS:
                kb.button(text=T.BTN_PERIOD.format(days=days), callback_data=_cb("corp", app.id, str(days)))
            kb.button(text=T.BTN_CANCEL, callback_data=_cb("cancel", app.id))
            kb.adjust(3)
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_CORRECTION_PERIOD, reply_markup=kb.as_markup())
            return
        if act == "corp":
            days = int(value) if value.isdigit() and 0 < int(value) <= 366 else None
            if days is None:
                await callback.answer(C.STALE_BUTTON, show_alert=True)
                return
            await state.set_state(StaffForm.correction_what)
            await state.update_data(app=app.id, period_end=(today + timedelta(days=days)).isoformat())
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_CORRECTION_WHAT)
            return
        if act == "corr_rcv":
            result = await H.receive_correction(db, app, today, actor=actor, notifier=notify, settings=settings)
        elif act == "corr_lap":
            result = await H.correction_lapsed(db, app, today, actor=actor, notifier=notify, settings=settings)
        elif act == "cons":
            kb = InlineKeyboardBuilder()
            kb.button(text=T.BTN_THIRD_PARTY, callback_data=_cb("consp", app.id, "third_party"))
            kb.button(text=T.BTN_AGENCY, callback_data=_cb("consp", app.id, "agency"))
            kb.button(text=T.BTN_CANCEL, callback_data=_cb("cancel", app.id))
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_CONSULT_PARTY, reply_markup=kb.as_markup())
            return
        elif act == "consp":
            result = await H.start_consultation(db, app, value, today, actor=actor, settings=settings)
        elif act == "cons_end":
            try:
                result = await H.end_consultation(db, app, today, actor=actor, settings=settings)
            except H.ReasonRequired as exc:  # longer than 15 WD (+ transit): ask for the reason
                await state.set_state(StaffForm.consultation_reason)
                await state.update_data(app=app.id, on=today.isoformat())
                await callback.answer()
                await bot.send_message(chat_id=chat_id, text=f"{exc}\n{T.ASK_CONSULT_REASON}"[:4096])
                return
        elif act == "fee_paid":
            result = await H.fee_paid(db, app, today, actor=actor, settings=settings)
        elif act == "ext":
            dl = await H.deadline_for(db, app, settings=settings)
            kb = InlineKeyboardBuilder()
            for days in EXTENSION_CHOICES:
                if days <= dl.extension_cap:
                    kb.button(text=T.BTN_EXT_DAYS.format(days=days), callback_data=_cb("extd", app.id, str(days)))
            kb.button(text=T.BTN_CANCEL, callback_data=_cb("cancel", app.id))
            kb.adjust(2)
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_EXT_DAYS.format(cap=dl.extension_cap),
                                   reply_markup=kb.as_markup())
            return
        elif act == "extd":
            if not value.isdigit():
                await callback.answer(C.STALE_BUTTON, show_alert=True)
                return
            await state.set_state(StaffForm.extension_reason)
            await state.update_data(app=app.id, days=int(value))
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_EXT_REASON)
            return
        elif act == "close":
            kb = InlineKeyboardBuilder()
            for code, o in OUTCOMES.items():
                kb.button(text=o.label, callback_data=_cb("out", app.id, code))
            kb.button(text=T.BTN_CANCEL, callback_data=_cb("cancel", app.id))
            kb.adjust(1)
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.ASK_OUTCOME, reply_markup=kb.as_markup())
            return
        elif act == "out":
            if value not in OUTCOMES:
                await callback.answer(C.STALE_BUTTON, show_alert=True)
                return
            kb = InlineKeyboardBuilder()
            kb.button(text=T.BTN_CONFIRM, callback_data=_cb("outok", app.id, value))
            kb.button(text=T.BTN_CANCEL, callback_data=_cb("cancel", app.id))
            await callback.answer()
            await bot.send_message(chat_id=chat_id, text=T.CONFIRM_CLOSE.format(
                outcome=OUTCOMES[value].label, number=app.number), reply_markup=kb.as_markup())
            return
        elif act == "outok":
            result = await H.close(db, app, value, today, actor, notifier=notify, settings=settings)
        else:
            await callback.answer(C.STALE_BUTTON, show_alert=True)
            return
    except H.HandlingError as exc:
        await callback.answer()
        await bot.send_message(chat_id=chat_id, text=str(exc)[:4096])
        return
    await callback.answer()
    await _done(bot, chat_id, db, settings, result)


async def _done(bot: Bot, chat_id: int, db: Database, settings: Settings, result: H.HandlingResult) -> None:
    summary = T.DONE_DUE.format(due=result.deadline.due or "—") if result.application.status != "closed" else ""
    if result.deadline.provisional and result.deadline.due:
        summary += T.PROVISIONAL_MARK
    for warning in result.warnings:
        summary += "\n" + T.DONE_WARNING.format(text=warning.split(" / ")[0])
    if result.notified is True:
        summary += T.DONE_NOTIFIED
    elif result.notified is None and result.event.kind in ("correction_requested", "extension", "closed",
                                                             "correction_lapsed", "custom_deadline"):
        summary += T.DONE_NOT_NOTIFIED
    await bot.send_message(chat_id=chat_id, text=T.DONE.format(summary=summary))
    await _send_card(bot, chat_id, db, settings, result.application)


async def on_forged(callback: CallbackQuery, db: Database, settings: Settings | None = None) -> None:
    """``st:`` data that does not even parse: staff get "stale button", anyone else a refusal."""
    settings = _settings(settings)
    if await _guard(db, settings, callback, "handler", "button:malformed") is None:
        return
    await audit(db, _actor(callback.from_user.id), "button:malformed", allowed=False, detail=(callback.data or "")[:64])
    await callback.answer(C.STALE_BUTTON, show_alert=True)


# --- free-text steps --------------------------------------------------------------------------------

async def on_correction_what(message: Message, bot: Bot, state: FSMContext, db: Database,
                             settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "correction") is None:
        await state.clear()
        return
    data = await state.get_data()
    await state.clear()
    try:
        result = await H.request_correction(
            db, int(data["app"]), H.local_today(settings), date.fromisoformat(data["period_end"]),
            what=message.text.strip(), actor=_actor(message.from_user.id), notifier=_notifier(bot), settings=settings)
    except H.HandlingError as exc:
        await message.answer(str(exc)[:4096])
        return
    await _done(bot, message.chat.id, db, settings, result)


async def on_extension_reason(message: Message, bot: Bot, state: FSMContext, db: Database,
                              settings: Settings | None = None) -> None:
    settings = _settings(settings)
    member = await _guard(db, settings, message, "approver", "extension")
    if member is None:
        await state.clear()
        return
    data = await state.get_data()
    await state.clear()
    try:
        result = await H.extend(db, int(data["app"]), int(data["days"]), member, message.text.strip(),
                                H.local_today(settings), actor=_actor(message.from_user.id),
                                notifier=_notifier(bot), settings=settings)
    except H.HandlingError as exc:
        await message.answer(str(exc)[:4096])
        return
    await _done(bot, message.chat.id, db, settings, result)


async def on_consultation_reason(message: Message, bot: Bot, state: FSMContext, db: Database,
                                 settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "consultation") is None:
        await state.clear()
        return
    data = await state.get_data()
    await state.clear()
    try:
        result = await H.end_consultation(db, int(data["app"]), date.fromisoformat(data["on"]),
                                          reason=message.text.strip(), actor=_actor(message.from_user.id),
                                          settings=settings)
    except H.HandlingError as exc:
        await message.answer(str(exc)[:4096])
        return
    await _done(bot, message.chat.id, db, settings, result)


async def on_note_text(message: Message, state: FSMContext, db: Database, settings: Settings | None = None) -> None:
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "note") is None:
        await state.clear()
        return
    data = await state.get_data()
    await state.clear()
    try:
        await H.add_note(db, int(data["app"]), message.text, actor=_actor(message.from_user.id))
    except H.HandlingError as exc:
        await message.answer(str(exc)[:4096])
        return
    await message.answer(T.NOTE_SAVED)


def get_router() -> Router:
    """A fresh router (a router can be attached to one dispatcher only)."""
    router = Router(name="staff")
    router.message.register(cmd_queue, Command("queue"))
    router.message.register(cmd_due, Command("due"))
    router.message.register(cmd_app, Command("app"))
    router.message.register(cmd_note, Command("note"))
    router.message.register(on_correction_what, StaffForm.correction_what, F.text)
    router.message.register(on_extension_reason, StaffForm.extension_reason, F.text)
    router.message.register(on_consultation_reason, StaffForm.consultation_reason, F.text)
    router.message.register(on_note_text, StaffForm.note_text, F.text)
    router.callback_query.register(on_action, StaffCb.filter())
    router.callback_query.register(on_forged, F.data.startswith("st:"))
    return router
