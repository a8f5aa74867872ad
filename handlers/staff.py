"""Staff commands and buttons: /queue, /due, /app NUMBER, /note, /desk, and the card's actions.

Thin: parse, check the caller's role *on the server* (callback data can be forged), call
``storage.handling``, render. Each button is a typed ``CallbackData`` (one class per action, its
values validated when the data is unpacked) with one small handler; ``StaffOnly`` checks the role
the handler declares (``flags={"role": …}``) on every staff callback before it runs. Data that no
class accepts — forged, stale or from an older version — reaches ``on_forged``. The dispatcher's
workflow data must hold ``db`` (storage.db.Database) and may hold ``settings``
(bot.settings.Settings; defaults to get_settings()).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field, field_validator

from bot.desk import signin_link
from bot.notices import applicant_notifier
from bot.settings import Settings, get_settings
from bot.texts import common as C
from bot.texts import staff as T
from bot.texts import web as TW
from bot.texts.errors import error_text
from disclosure.choices import CONSULTATION_PARTIES
from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from bot.texts import personal as TP
from storage import handling as H
from storage import personal as P
from storage.calendar import load_calendar
from storage.db import Database
from storage.models import Application
from storage.staff import PermissionDenied, StaffMember, audit, require_role

CORRECTION_PERIODS = (10, 15, 20)  # calendar days offered for the 补正 period
MAX_CORRECTION_DAYS = 366
EXTENSION_CHOICES = (5, 10, 15, 20)
QUEUE_LIMIT = 30
OUTCOME_LABELS = {code: o.label for code, o in OUTCOMES.items()}
STAFF_DATA = r"^st[-:]"  # every staff button's data (``st:`` was the single-class format before)


# --- the buttons: one CallbackData per action (``app`` is the application id) ----------------------

class CardCb(CallbackData, prefix="st-card"):
    app: int


class CancelCb(CallbackData, prefix="st-cancel"):
    app: int


class RevealCb(CallbackData, prefix="st-reveal"):
    """Show the card with the applicant's personal data in full (logged in the access log)."""

    app: int


class NoteCb(CallbackData, prefix="st-note"):
    app: int


class CorrectionCb(CallbackData, prefix="st-corr"):
    app: int


class CorrectionPeriodCb(CallbackData, prefix="st-corp"):
    app: int
    days: Annotated[int, Field(gt=0, le=MAX_CORRECTION_DAYS)]  # calendar days from today


class CorrectionReceivedCb(CallbackData, prefix="st-crcv"):
    app: int


class CorrectionLapsedCb(CallbackData, prefix="st-clap"):
    app: int


class ConsultCb(CallbackData, prefix="st-cons"):
    app: int


class ConsultPartyCb(CallbackData, prefix="st-consp"):
    app: int
    party: str

    @field_validator("party")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CONSULTATION_PARTIES:
            raise ValueError("unknown consultation party")
        return value


class ConsultEndCb(CallbackData, prefix="st-cend"):
    app: int


class FeePaidCb(CallbackData, prefix="st-fee"):
    app: int


class ExtendCb(CallbackData, prefix="st-ext"):
    app: int


class ExtendDaysCb(CallbackData, prefix="st-extd"):
    app: int
    days: Annotated[int, Field(gt=0, le=max(EXTENSION_CHOICES))]  # working days


class CloseCb(CallbackData, prefix="st-close"):
    app: int


class _OutcomeData(CallbackData, prefix="st-outcome"):
    app: int
    outcome: str

    @field_validator("outcome")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in OUTCOMES:
            raise ValueError("unknown outcome code")
        return value


class OutcomeCb(_OutcomeData, prefix="st-out"):
    """An outcome chosen: ask for confirmation."""


class OutcomeConfirmCb(_OutcomeData, prefix="st-outok"):
    """The outcome confirmed: close the application."""


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
    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id=chat_id, text=text)
    return applicant_notifier(send)


# The card's buttons by status: (label, button class).
CARD_ACTIONS: dict[str, tuple[tuple[str, type[CallbackData]], ...]] = {
    "open": ((T.BTN_CORRECTION, CorrectionCb), (T.BTN_CONSULT, ConsultCb), (T.BTN_EXTEND, ExtendCb),
             (T.BTN_CLOSE, CloseCb)),
    "correction": ((T.BTN_CORRECTION_RECEIVED, CorrectionReceivedCb), (T.BTN_CORRECTION_LAPSED, CorrectionLapsedCb),
                   (T.BTN_CLOSE, CloseCb)),
    "consultation": ((T.BTN_CONSULT_END, ConsultEndCb), (T.BTN_EXTEND, ExtendCb), (T.BTN_CLOSE, CloseCb)),
    "fee": ((T.BTN_FEE_PAID, FeePaidCb), (T.BTN_CLOSE, CloseCb)),
}


def card_keyboard(app: Application, *, revealed: bool = False) -> InlineKeyboardMarkup | None:
    """The actions of the application's status, a note, and (on the masked card) the full view."""
    actions = CARD_ACTIONS.get(app.status)
    buttons = [*actions, (T.BTN_NOTE, NoteCb)] if actions else []
    if not revealed and app.personal_erased_at is None:
        buttons.append((TP.BTN_REVEAL, RevealCb))
    if not buttons:
        return None
    kb = InlineKeyboardBuilder()
    for label, cb in buttons:
        kb.button(text=label, callback_data=cb(app=app.id))
    kb.adjust(2)
    return kb.as_markup()


async def render_application(db: Database, settings: Settings, app: Application,
                             applicant: P.ApplicantData | None = None) -> str:
    """The card; ``applicant``: personal data already revealed (logged), else it is shown masked."""
    calendar = await load_calendar(db)
    dl = await H.deadline_for(db, app, calendar=calendar, settings=settings)
    events = await H.events_of(db, app.id)
    today = H.local_today(settings)
    left = H.working_days_left(calendar, today, dl.due) if dl.due else None
    others = [a.number for a in await P.same_applicant(db, app)]
    return T.render_card(app, dl, events, left, applicant=applicant or P.masked_applicant(db, app), others=others,
                         outcome_labels=OUTCOME_LABELS, applicant_labels=APPLICANT_TYPES, channel_labels=CHANNELS)


async def _send_card(bot: Bot, chat_id: int, db: Database, settings: Settings, app: Application,
                     applicant: P.ApplicantData | None = None) -> None:
    if chat_id <= 0:  # groups and channels have negative ids: the card is for private chats only
        await bot.send_message(chat_id=chat_id, text=T.CARD_PRIVATE_ONLY.format(number=app.number))
        return
    try:
        text = await render_application(db, settings, app, applicant)
    except P.PersonalDataError as exc:  # a key that cannot open the data: say so, show nothing
        await bot.send_message(chat_id=chat_id, text=error_text(exc)[:4096])
        return
    await bot.send_message(chat_id=chat_id, text=text[:4096],
                           reply_markup=card_keyboard(app, revealed=applicant is not None))


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
        kb.button(text=app.number, callback_data=CardCb(app=app.id))
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
        await message.answer(error_text(exc))
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
        await message.answer(error_text(exc))
        return
    await message.answer(T.NOTE_SAVED)


async def cmd_desk(message: Message, db: Database, settings: Settings | None = None) -> None:
    """A one-time sign-in link to the web desk (private chat only: the link is a credential)."""
    settings = _settings(settings)
    if await _guard(db, settings, message, "handler", "desk") is None:
        return
    if message.chat.id <= 0:
        await message.answer(T.CARD_PRIVATE_ONLY_DESK)
        return
    if not settings.web_url:
        await message.answer(TW.DESK_NOT_CONFIGURED)
        return
    link = await signin_link(db, settings, message.from_user.id, issued_by=_actor(message.from_user.id))
    await message.answer(TW.DESK_LINK.format(minutes=link.minutes, url=link.url),
                         link_preview_options=LinkPreviewOptions(is_disabled=True))


# --- buttons ---------------------------------------------------------------------------------------

class StaffOnly(BaseMiddleware):
    """Runs before every staff button's handler: the caller must hold the role the handler declares
    (``flags={"role": …}``, default ``handler``), checked on the server — callback data can be forged.
    A refusal is audited (``require_role``) and answered; the handler then never runs."""

    async def __call__(self, handler: Callable[[CallbackQuery, dict[str, Any]], Awaitable[Any]],
                       event: CallbackQuery, data: dict[str, Any]) -> Any:
        settings = data["settings"] = _settings(data.get("settings"))
        button = data.get("callback_data")
        action = f"button:{button.__prefix__.removeprefix('st-')}:{button.app}" if button else "button:malformed"
        if await _guard(data["db"], settings, event, get_flag(data, "role") or "handler", action) is None:
            return None
        return await handler(event, data)


async def _ask(callback: CallbackQuery, bot: Bot, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await callback.answer()
    await bot.send_message(chat_id=_chat_id(callback), text=text, reply_markup=markup)


async def _application(callback: CallbackQuery, bot: Bot, db: Database, app_id: int) -> Application | None:
    """The button's application, or None after telling the staff member it is not there."""
    try:
        return await H.find_application(db, app_id)
    except H.HandlingError as exc:
        await _ask(callback, bot, error_text(exc)[:4096])
        return None


async def _record(callback: CallbackQuery, bot: Bot, db: Database, settings: Settings,
                  action: Callable[[Application], Awaitable[H.HandlingResult | None]], app_id: int) -> None:
    """Run one handling service on the button's application and report the result (or the refusal)."""
    app = await _application(callback, bot, db, app_id)
    if app is None:
        return
    try:
        result = await action(app)
    except H.HandlingError as exc:
        await _ask(callback, bot, error_text(exc)[:4096])
        return
    if result is None:  # the action asked for more first
        return
    await callback.answer()
    await _done(bot, _chat_id(callback), db, settings, result)


def _choices(*buttons: tuple[str, CallbackData], app_id: int, per_row: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for label, data in buttons:
        kb.button(text=label, callback_data=data)
    kb.button(text=T.BTN_CANCEL, callback_data=CancelCb(app=app_id))
    kb.adjust(per_row)
    return kb.as_markup()


def _actor_of(callback: CallbackQuery) -> str:
    return _actor(callback.from_user.id)


async def on_card(callback: CallbackQuery, callback_data: CardCb, bot: Bot, db: Database, settings: Settings) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        await callback.answer()
        await _send_card(bot, _chat_id(callback), db, settings, app)


async def on_reveal(callback: CallbackQuery, callback_data: RevealCb, bot: Bot, db: Database,
                    settings: Settings) -> None:
    """The card with the personal data in full: private chats only, one access-log entry per view."""
    chat_id = _chat_id(callback)
    if chat_id <= 0:
        await callback.answer(TP.REVEAL_PRIVATE_ONLY, show_alert=True)
        return
    try:
        revealed = await P.reveal_application(db, callback_data.app, actor=_actor_of(callback), channel="chat")
    except (H.HandlingError, P.PersonalDataError) as exc:
        await _ask(callback, bot, error_text(exc)[:4096])
        return
    await callback.answer()
    await _send_card(bot, chat_id, db, settings, revealed.application, revealed.applicant)


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer(T.CANCELLED)


async def on_note(callback: CallbackQuery, callback_data: NoteCb, bot: Bot, state: FSMContext, db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        await state.set_state(StaffForm.note_text)
        await state.update_data(app=app.id)
        await _ask(callback, bot, T.ASK_NOTE)


async def on_correction(callback: CallbackQuery, callback_data: CorrectionCb, bot: Bot, db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        periods = [(T.BTN_PERIOD.format(days=d), CorrectionPeriodCb(app=app.id, days=d)) for d in CORRECTION_PERIODS]
        await _ask(callback, bot, T.ASK_CORRECTION_PERIOD, _choices(*periods, app_id=app.id, per_row=3))


async def on_correction_period(callback: CallbackQuery, callback_data: CorrectionPeriodCb, bot: Bot,
                               state: FSMContext, db: Database, settings: Settings) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        period_end = H.local_today(settings) + timedelta(days=callback_data.days)
        await state.set_state(StaffForm.correction_what)
        await state.update_data(app=app.id, period_end=period_end.isoformat())
        await _ask(callback, bot, T.ASK_CORRECTION_WHAT)


async def on_correction_received(callback: CallbackQuery, callback_data: CorrectionReceivedCb, bot: Bot,
                                 db: Database, settings: Settings) -> None:
    await _record(callback, bot, db, settings, lambda app: H.receive_correction(
        db, app, H.local_today(settings), actor=_actor_of(callback), notifier=_notifier(bot), settings=settings),
        callback_data.app)


async def on_correction_lapsed(callback: CallbackQuery, callback_data: CorrectionLapsedCb, bot: Bot,
                               db: Database, settings: Settings) -> None:
    await _record(callback, bot, db, settings, lambda app: H.correction_lapsed(
        db, app, H.local_today(settings), actor=_actor_of(callback), notifier=_notifier(bot), settings=settings),
        callback_data.app)


async def on_consult(callback: CallbackQuery, callback_data: ConsultCb, bot: Bot, db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        parties = [(T.BTN_THIRD_PARTY, ConsultPartyCb(app=app.id, party="third_party")),
                   (T.BTN_AGENCY, ConsultPartyCb(app=app.id, party="agency"))]
        await _ask(callback, bot, T.ASK_CONSULT_PARTY, _choices(*parties, app_id=app.id, per_row=3))


async def on_consult_party(callback: CallbackQuery, callback_data: ConsultPartyCb, bot: Bot, db: Database,
                           settings: Settings) -> None:
    await _record(callback, bot, db, settings, lambda app: H.start_consultation(
        db, app, callback_data.party, H.local_today(settings), actor=_actor_of(callback), settings=settings),
        callback_data.app)


async def on_consult_end(callback: CallbackQuery, callback_data: ConsultEndCb, bot: Bot, state: FSMContext,
                         db: Database, settings: Settings) -> None:
    today = H.local_today(settings)

    async def end(app: Application) -> H.HandlingResult:
        try:
            return await H.end_consultation(db, app, today, actor=_actor_of(callback), settings=settings)
        except H.ReasonRequired as exc:  # longer than 15 WD (+ transit): ask for the reason
            await state.set_state(StaffForm.consultation_reason)
            await state.update_data(app=app.id, on=today.isoformat())
            await _ask(callback, bot, f"{error_text(exc)}\n{T.ASK_CONSULT_REASON}"[:4096])
            return None

    await _record(callback, bot, db, settings, end, callback_data.app)


async def on_fee_paid(callback: CallbackQuery, callback_data: FeePaidCb, bot: Bot, db: Database,
                      settings: Settings) -> None:
    await _record(callback, bot, db, settings, lambda app: H.fee_paid(
        db, app, H.local_today(settings), actor=_actor_of(callback), settings=settings), callback_data.app)


async def on_extend(callback: CallbackQuery, callback_data: ExtendCb, bot: Bot, db: Database,
                    settings: Settings) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is None:
        return
    try:
        dl = await H.deadline_for(db, app, settings=settings)
    except H.HandlingError as exc:
        await _ask(callback, bot, error_text(exc)[:4096])
        return
    days = [(T.BTN_EXT_DAYS.format(days=d), ExtendDaysCb(app=app.id, days=d))
            for d in EXTENSION_CHOICES if d <= dl.extension_cap]
    await _ask(callback, bot, T.ASK_EXT_DAYS.format(cap=dl.extension_cap), _choices(*days, app_id=app.id, per_row=2))


async def on_extend_days(callback: CallbackQuery, callback_data: ExtendDaysCb, bot: Bot, state: FSMContext,
                         db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        await state.set_state(StaffForm.extension_reason)
        await state.update_data(app=app.id, days=callback_data.days)
        await _ask(callback, bot, T.ASK_EXT_REASON)


async def on_close(callback: CallbackQuery, callback_data: CloseCb, bot: Bot, db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        outcomes = [(o.label, OutcomeCb(app=app.id, outcome=code)) for code, o in OUTCOMES.items()]
        await _ask(callback, bot, T.ASK_OUTCOME, _choices(*outcomes, app_id=app.id, per_row=1))


async def on_outcome(callback: CallbackQuery, callback_data: OutcomeCb, bot: Bot, db: Database) -> None:
    app = await _application(callback, bot, db, callback_data.app)
    if app is not None:
        code = callback_data.outcome
        confirm = (T.BTN_CONFIRM, OutcomeConfirmCb(app=app.id, outcome=code))
        await _ask(callback, bot, T.CONFIRM_CLOSE.format(outcome=OUTCOMES[code].label, number=app.number),
                   _choices(confirm, app_id=app.id, per_row=2))


async def on_outcome_confirmed(callback: CallbackQuery, callback_data: OutcomeConfirmCb, bot: Bot, db: Database,
                               settings: Settings) -> None:
    await _record(callback, bot, db, settings, lambda app: H.close(
        db, app, callback_data.outcome, H.local_today(settings), _actor_of(callback), notifier=_notifier(bot),
        settings=settings), callback_data.app)


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


async def on_forged(callback: CallbackQuery, db: Database) -> None:
    """Staff data that no button class accepts (forged, stale, an older format): staff get "stale
    button" (and the attempt is audited), anyone else was already refused by ``StaffOnly``."""
    await audit(db, _actor_of(callback), "button:malformed", allowed=False, detail=(callback.data or "")[:64])
    await callback.answer(C.STALE_BUTTON, show_alert=True)


# (handler, button class, role) — the approver role for an extension (art. 33), else the handler role.
BUTTONS: tuple[tuple[Callable[..., Awaitable[None]], type[CallbackData], str], ...] = (
    (on_card, CardCb, "handler"),
    (on_reveal, RevealCb, "handler"),
    (on_cancel, CancelCb, "handler"),
    (on_note, NoteCb, "handler"),
    (on_correction, CorrectionCb, "handler"),
    (on_correction_period, CorrectionPeriodCb, "handler"),
    (on_correction_received, CorrectionReceivedCb, "handler"),
    (on_correction_lapsed, CorrectionLapsedCb, "handler"),
    (on_consult, ConsultCb, "handler"),
    (on_consult_party, ConsultPartyCb, "handler"),
    (on_consult_end, ConsultEndCb, "handler"),
    (on_fee_paid, FeePaidCb, "handler"),
    (on_extend, ExtendCb, "approver"),
    (on_extend_days, ExtendDaysCb, "approver"),
    (on_close, CloseCb, "handler"),
    (on_outcome, OutcomeCb, "handler"),
    (on_outcome_confirmed, OutcomeConfirmCb, "handler"),
)


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
        await message.answer(error_text(exc)[:4096])
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
        await message.answer(error_text(exc)[:4096])
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
        await message.answer(error_text(exc)[:4096])
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
        await message.answer(error_text(exc)[:4096])
        return
    await message.answer(T.NOTE_SAVED)


def get_router() -> Router:
    """A fresh router (a router can be attached to one dispatcher only)."""
    router = Router(name="staff")
    router.message.register(cmd_queue, Command("queue"))
    router.message.register(cmd_due, Command("due"))
    router.message.register(cmd_app, Command("app"))
    router.message.register(cmd_note, Command("note"))
    router.message.register(cmd_desk, Command("desk"))
    router.message.register(on_correction_what, StaffForm.correction_what, F.text)
    router.message.register(on_extension_reason, StaffForm.extension_reason, F.text)
    router.message.register(on_consultation_reason, StaffForm.consultation_reason, F.text)
    router.message.register(on_note_text, StaffForm.note_text, F.text)
    router.callback_query.middleware(StaffOnly())
    for handler, button, role in BUTTONS:
        router.callback_query.register(handler, button.filter(), flags={"role": role})
    router.callback_query.register(on_forged, F.data.regexp(STAFF_DATA), flags={"role": "handler"})
    return router
