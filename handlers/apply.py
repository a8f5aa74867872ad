"""The 依申请公开 application form (art. 29 para. 2), one step at a time.

The form data lives in the FSM storage (SQL by default) under ``form``; the next step is always "the
first required field that is still missing", so editing a section just removes its fields and the
form asks for them again before returning to the summary. Pressing 确认提交 is the mutual
confirmation of art. 31: the application is created with the confirmation instant as its receipt,
idempotently keyed on the draft id carried by the button.

An answer applies only to the step it was given for. Each prompt, once it is out, is recorded in the
form data as ``asked`` = (step, message id of the prompt). A typed answer counts only when the
current step is the one asked and the answer was sent after that prompt (Telegram numbers the
messages of a chat in order); a button only when its step is the current one and its keyboard is not
older than the prompt. Anything else — the retry of an answer whose next prompt never went out
because the process died, an answer typed twice before the next question appeared, a button of an
earlier step — is not filed anywhere: the citizen is shown the current step (with its keyboard).
The state is moved *before* a prompt is sent and ``asked`` recorded after, so a crash in between
errs on the side of asking again.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timezone

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.settings import Settings
from bot.texts import applications as T
from bot.texts import common as C
from bot.texts.errors import error_text
from disclosure.validation import mask_id, mask_phone
from storage import applications as A
from storage.applications import (
    MAX_DESCRIPTION, MIN_DESCRIPTION, ApplicationDraft, DraftError, FieldError, create_application, current_deadline,
    find_by_idempotency_key,
)
from storage.db import Database
from storage.models import Application
from storage.personal import filed_by

log = logging.getLogger(__name__)

FORM = "form"
DRAFT_ID = "draft_id"
ASKED = "asked"  # {"step": the step whose prompt the citizen was shown, "msg": that prompt's message id}
MAX_INPUT = 4096
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ApplyForm(StatesGroup):
    applicant_type = State()
    name = State()
    org_code = State()
    id_type = State()
    id_number = State()
    phone = State()
    email = State()
    address = State()
    description = State()
    doc_number = State()
    delivery_form = State()
    delivery_channel = State()
    confirm = State()


class FormCb(CallbackData, prefix="f"):
    step: str
    value: str


SECTIONS = {
    "identity": ("applicant_type", "name", "org_code", "id_type", "id_number"),
    "contact": ("phone", "email", "address"),
    "info": ("description", "doc_number"),
    "delivery": ("delivery_form", "delivery_channel"),
}
OPTIONAL = ("email", "address", "doc_number")


def is_org(form: dict) -> bool:
    return str(form.get("applicant_type", "")).startswith("org_")


def next_step(form: dict) -> tuple[str, bool]:
    """(step, required) — the first missing field; ``confirm`` when the form is complete."""
    steps = ["applicant_type", "name"]
    if "applicant_type" in form:
        steps += ["org_code"] if is_org(form) else ["id_type", "id_number"]
    steps += ["phone", "email", "address", "description", "doc_number", "delivery_form", "delivery_channel"]
    for step in steps:
        if step not in form:
            return step, False
    if form.get("delivery_channel") == "post" and not form.get("address"):
        return "address", True
    if form.get("delivery_channel") == "email" and not form.get("email"):
        return "email", True
    return "confirm", False


def _kb(rows: list[list[tuple[str, FormCb | str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=text, callback_data=cb if isinstance(cb, str) else cb.pack()) for text, cb in row]
        for row in rows
    ])


def _choices(step: str, options: dict[str, str]) -> InlineKeyboardMarkup:
    return _kb([[(label, FormCb(step=step, value=code))] for code, label in options.items()])


def _skip(step: str) -> InlineKeyboardMarkup:
    return _kb([[(T.SKIP, FormCb(step=step, value="skip"))]])


def channel_options(form: dict) -> dict[str, str]:
    allowed = T.CHANNELS_FOR_FORM.get(str(form.get("delivery_form")), tuple(T.DELIVERY_CHANNELS))
    return {code: T.DELIVERY_CHANNELS[code] for code in allowed}


fmt_date = T.fmt_date


def summary_text(form: dict) -> str:
    org = is_org(form)
    identity = (
        T.IDENTITY_ORG.format(org_code=form.get("org_code", ""))
        if org
        else T.IDENTITY_PERSON.format(
            id_type=T.ID_TYPES.get(form.get("id_type", ""), ""), id_number=mask_id(form.get("id_number"))
        )
    )
    return T.SUMMARY.format(
        applicant_type=T.APPLICANT_TYPE_LABELS.get(form.get("applicant_type", ""), ""),
        name_label=T.NAME_LABEL_ORG if org else T.NAME_LABEL_PERSON,
        name=form.get("name", ""),
        identity=identity,
        phone=mask_phone(form.get("phone")),
        email=form.get("email") or T.NOT_GIVEN,
        address=form.get("address") or T.NOT_GIVEN,
        description=form.get("description", ""),
        doc_number=form.get("doc_number") or T.NOT_GIVEN,
        delivery_form=T.DELIVERY_FORMS.get(form.get("delivery_form", ""), ""),
        delivery_channel=T.DELIVERY_CHANNELS.get(form.get("delivery_channel", ""), ""),
    )


def summary_markup(draft_id: str) -> InlineKeyboardMarkup:
    return _kb([
        [(T.CONFIRM, FormCb(step="ok", value=draft_id))],
        [(T.EDIT, FormCb(step="confirm", value="edit")), (T.CANCEL, FormCb(step="confirm", value="cancel"))],
    ])


def prompt(step: str, form: dict, required: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    if step == "applicant_type":
        return T.ASK_APPLICANT_TYPE, _choices("applicant_type", {"natural_person": T.APPLICANT_PERSON, "org": T.APPLICANT_ORG})
    if step == "name":
        return (T.ASK_NAME_ORG if is_org(form) else T.ASK_NAME_PERSON), None
    if step == "org_code":
        return T.ASK_ORG_CODE, None
    if step == "id_type":
        return T.ASK_ID_TYPE, _choices("id_type", T.ID_TYPES)
    if step == "id_number":
        return T.ASK_ID_NUMBER.format(id_type=T.ID_TYPES.get(form.get("id_type", ""), "证件")), None
    if step == "phone":
        return T.ASK_PHONE, None
    if step == "email":
        return (T.ASK_EMAIL_REQUIRED, None) if required else (T.ASK_EMAIL, _skip("email"))
    if step == "address":
        return (T.ASK_ADDRESS_REQUIRED, None) if required else (T.ASK_ADDRESS, _skip("address"))
    if step == "description":
        return T.ASK_DESCRIPTION, None
    if step == "doc_number":
        return T.ASK_DOC_NUMBER, _skip("doc_number")
    if step == "delivery_form":
        return T.ASK_DELIVERY_FORM, _choices("delivery_form", T.DELIVERY_FORMS)
    if step == "delivery_channel":
        return T.ASK_DELIVERY_CHANNEL, _choices("delivery_channel", channel_options(form))
    raise ValueError(step)


async def go_next(message: Message | InaccessibleMessage, state: FSMContext, *, prefix: str | None = None) -> None:
    """Show the current step — the first missing field, or the summary — and record it as asked."""
    data = await state.get_data()
    form = dict(data.get(FORM) or {})
    step, required = next_step(form)
    recorded: dict = {"required": required}
    if step == "confirm":
        draft_id = data.get(DRAFT_ID) or secrets.token_hex(8)
        recorded.update({DRAFT_ID: draft_id, "summary_at": datetime.now(timezone.utc).isoformat()})
        text, markup = summary_text(form), summary_markup(draft_id)
    else:
        text, markup = prompt(step, form, required)
    await state.set_state(getattr(ApplyForm, step))
    sent = await message.answer(f"{prefix}\n\n{text}" if prefix else text, reply_markup=markup)
    recorded[ASKED] = {"step": step, "msg": sent.message_id}
    await state.update_data(recorded)


def was_asked(data: dict, step: str, message_id: int | None, *, button: bool = False) -> bool:
    """Whether the citizen had been shown ``step``'s prompt when they sent message ``message_id``
    (for a button: whether its keyboard is the prompt's or came after it)."""
    asked = data.get(ASKED)
    if not isinstance(asked, dict):
        return True  # a form begun before prompts were recorded
    if asked.get("step") != step:
        return False
    shown = asked.get("msg")
    if not isinstance(shown, int) or not message_id:
        return True
    return message_id >= shown if button else message_id > shown


def recorded_field(text: str, form: dict) -> str | None:
    """The field whose recorded answer ``text`` repeats, if any (a re-sent earlier answer)."""
    for field, value in form.items():
        if field in T.FIELD_LABELS and value:
            candidate, error = validate(field, text, form, False)
            if error is None and candidate == value:
                return field
    return None


async def ack(callback: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query; a retried update's query may have been answered already."""
    try:
        await callback.answer(text, show_alert=alert)
    except TelegramAPIError:
        log.info("callback query could not be answered (already answered or expired)")


async def show_current_step(callback: CallbackQuery, state: FSMContext) -> None:
    """A button of another step: say so briefly and show the step the form is at, with its keyboard."""
    await ack(callback, T.STEP_MOVED_ON)
    if callback.message is not None:
        await go_next(callback.message, state)


async def start_form(message: Message, state: FSMContext, *, description: str | None = None) -> None:
    form: dict = {}
    if description and MIN_DESCRIPTION <= len(description.strip()) <= MAX_DESCRIPTION:
        form["description"] = description.strip()
    await state.set_data({FORM: form, DRAFT_ID: secrets.token_hex(8)})
    await go_next(message, state, prefix=T.INTRO)


async def _save(state: FSMContext, **fields) -> None:
    data = await state.get_data()
    form = dict(data.get(FORM) or {})
    form.update(fields)
    await state.update_data({FORM: form})


# --- validation of typed answers: (value, None) or (None, error text) ---------------------------

def _clean(text: str) -> str:
    return _CONTROL_RE.sub("", text).strip()


def _match(text: str, options: dict[str, str]) -> str | None:
    t = text.strip()
    for code, label in options.items():
        if t == label or t == code:
            return code
    return None


# Typed answers go through the same rules as every other entry point (storage.applications).
_TEXT_RULES = {
    "name": lambda t, form: A.clean_name(t, is_org(form)),
    "org_code": lambda t, form: A.clean_org_code(t),
    "id_number": lambda t, form: A.clean_id_number(t, form.get("id_type")),
    "phone": lambda t, form: A.clean_phone(t),
    "email": lambda t, form: A.clean_email(t),
    "address": lambda t, form: A.clean_address(t),
    "description": lambda t, form: A.clean_description(t),
    "doc_number": lambda t, form: A.clean_doc_number(t),
}


def validate(step: str, text: str, form: dict, required: bool) -> tuple[object, str | None]:
    t = _clean(text)
    rule = _TEXT_RULES.get(step)
    if rule is not None:
        try:
            return rule(t, form), None
        except FieldError as exc:
            if step == "email" and not required:
                return None, T.BAD_EMAIL
            return None, error_text(exc)
    if step == "applicant_type":
        if t in ("1", T.APPLICANT_PERSON):
            return "natural_person", None
        code = _match(t, T.ORG_KINDS)
        if code and t != T.ORG_KINDS["org_other"]:
            return code, None
        if t in ("2", T.APPLICANT_ORG):
            return "org", None
        return None, T.BAD_CHOICE
    if step == "id_type":
        code = _match(t, T.ID_TYPES)
        return (code, None) if code else (None, T.BAD_CHOICE)
    if step == "delivery_form":
        code = _match(t, T.DELIVERY_FORMS) or {"当场查阅": "inspection", "查阅": "inspection"}.get(t)
        return (code, None) if code else (None, T.BAD_CHOICE)
    if step == "delivery_channel":
        code = _match(t, channel_options(form))
        return (code, None) if code else (None, T.BAD_CHOICE)
    return None, T.BAD_CHOICE


async def _accept(message: Message | InaccessibleMessage, state: FSMContext, step: str, value: object) -> None:
    if step == "applicant_type" and value == "org":
        await message.answer(T.ASK_ORG_KIND, reply_markup=_choices("applicant_type", T.ORG_KINDS))
        return
    if step == "applicant_type":
        # Switching between person and organisation drops the other kind's identity fields.
        data = await state.get_data()
        form = {k: v for k, v in (data.get(FORM) or {}).items() if k not in ("org_code", "id_type", "id_number")}
        form[step] = value
        await state.update_data({FORM: form})
    else:
        if step == "id_type":
            data = await state.get_data()
            form = dict(data.get(FORM) or {})
            form.pop("id_number", None)
            form["id_type"] = value
            await state.update_data({FORM: form})
        else:
            await _save(state, **{step: value})
    prefix = T.ID_ACCEPTED.format(masked=mask_id(str(value))) if step == "id_number" else None
    await go_next(message, state, prefix=prefix)


# --- handlers ---------------------------------------------------------------------------------

def get_router() -> Router:
    router = Router(name="apply")
    router.message.register(on_apply, Command("apply"))
    router.callback_query.register(on_confirm, FormCb.filter(F.step == "ok"))
    router.callback_query.register(on_summary_button, ApplyForm.confirm, FormCb.filter(F.step == "confirm"))
    router.callback_query.register(on_edit_section, ApplyForm.confirm, FormCb.filter(F.step == "edit"))
    router.callback_query.register(on_choice, StateFilter(ApplyForm), FormCb.filter())
    router.message.register(on_summary_text, ApplyForm.confirm)
    router.message.register(on_form_text, StateFilter(ApplyForm), F.text, ~F.text.startswith("/"))
    router.message.register(on_form_non_text, StateFilter(ApplyForm), ~F.text)
    router.callback_query.register(on_form_button_outside_form, FormCb.filter())
    return router


async def on_apply(message: Message, state: FSMContext) -> None:
    await start_form(message, state)


async def on_form_text(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    step = current.split(":", 1)[1] if current else ""
    data = await state.get_data()
    form = dict(data.get(FORM) or {})
    required = bool(data.get("required"))
    text = message.text or ""
    if len(text) > MAX_INPUT:
        await message.answer(C.MESSAGE_TOO_LONG.format(limit=MAX_DESCRIPTION))
        return
    if not was_asked(data, step, message.message_id):
        # Sent before this step's question was shown (or it never was): not an answer to it.
        field = recorded_field(text, form)
        if field == "id_number":
            prefix = T.ID_ACCEPTED.format(masked=mask_id(str(form[field])))
        elif field is not None:
            prefix = T.ALREADY_RECORDED.format(label=T.FIELD_LABELS[field])
        else:
            prefix = T.NOT_FILED_HERE
        await go_next(message, state, prefix=prefix)
        return
    if step in OPTIONAL and not required and text.strip() == T.SKIP:
        await _accept(message, state, step, "")
        return
    value, error = validate(step, text, form, required)
    if error is not None:
        _, markup = prompt(step, form, required)
        await message.answer(error, reply_markup=markup)
        return
    await _accept(message, state, step, value)


async def on_form_non_text(message: Message, state: FSMContext) -> None:
    await message.answer(T.TEXT_EXPECTED)


async def on_choice(callback: CallbackQuery, callback_data: FormCb, state: FSMContext) -> None:
    current = await state.get_state()
    step = current.split(":", 1)[1] if current else ""
    if callback.message is None:
        await ack(callback, C.STALE_BUTTON)
        return
    data = await state.get_data()
    if callback_data.step != step or not was_asked(data, step, callback.message.message_id, button=True):
        await show_current_step(callback, state)
        return
    form = dict(data.get(FORM) or {})
    value = callback_data.value
    if value == "skip" and step in OPTIONAL and not data.get("required"):
        await ack(callback)
        await _accept(callback.message, state, step, "")
        return
    allowed = {
        "applicant_type": {"natural_person", "org", *T.ORG_KINDS},
        "id_type": set(T.ID_TYPES),
        "delivery_form": set(T.DELIVERY_FORMS),
        "delivery_channel": set(channel_options(form)),
    }.get(step, set())
    if value not in allowed:
        await ack(callback, C.STALE_BUTTON)  # forged: a value this step never offers
        return
    await ack(callback)
    await _accept(callback.message, state, step, value)


async def on_form_button_outside_form(callback: CallbackQuery) -> None:
    """A form button when no form is being filled in (finished, cancelled or expired)."""
    await ack(callback, T.FORM_NOT_ACTIVE, alert=True)


async def on_summary_text(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    if not was_asked(data, "confirm", message.message_id):
        await go_next(message, state)  # the summary was never shown (or came after this message)
        return
    await message.answer(T.BAD_CHOICE, reply_markup=summary_markup(data.get(DRAFT_ID) or ""))


async def on_summary_button(callback: CallbackQuery, callback_data: FormCb, state: FSMContext) -> None:
    if callback.message is None:
        await ack(callback, C.STALE_BUTTON)
        return
    if callback_data.value == "cancel":
        await state.clear()
        await ack(callback)
        await callback.message.answer(T.FORM_CANCELLED)
        return
    if callback_data.value == "edit":
        await ack(callback)
        rows = [[(label, FormCb(step="edit", value=key))] for key, label in T.EDIT_SECTIONS.items()]
        rows.append([(T.BACK_TO_SUMMARY, FormCb(step="edit", value="back"))])
        await callback.message.answer(T.ASK_EDIT, reply_markup=_kb(rows))
        return
    await ack(callback, C.STALE_BUTTON)


async def on_edit_section(callback: CallbackQuery, callback_data: FormCb, state: FSMContext) -> None:
    if callback.message is None or (callback_data.value not in SECTIONS and callback_data.value != "back"):
        await ack(callback, C.STALE_BUTTON)
        return
    await ack(callback)
    if callback_data.value != "back":
        data = await state.get_data()
        form = {k: v for k, v in (data.get(FORM) or {}).items() if k not in SECTIONS[callback_data.value]}
        await state.update_data({FORM: form})
    await go_next(callback.message, state)


async def receipt_text(db: Database, app: Application, settings: Settings | None = None) -> str:
    due, provisional = app.reply_due, False
    try:
        deadline = await current_deadline(db, app, settings=settings)
        due, provisional = deadline.due, deadline.provisional
    except Exception:  # the stored cache is still a correct answer for a fresh application
        log.exception("deadline for application %s", app.number)
    return T.RECEIPT.format(
        number=app.number,
        receipt_date=fmt_date(app.receipt_date),
        reply_due=fmt_date(due),
        provisional=T.DUE_PROVISIONAL if (provisional and due) else "",
    )


async def on_confirm(callback: CallbackQuery, callback_data: FormCb, state: FSMContext, db: Database,
                     settings: Settings) -> None:
    if not isinstance(callback.message, Message):
        await ack(callback, C.STALE_BUTTON)
        return
    user_id = callback.from_user.id
    key = A.form_key(callback_data.value)
    current = await state.get_state()
    data = await state.get_data()
    if (current != ApplyForm.confirm.state or data.get(DRAFT_ID) != callback_data.value
            or not was_asked(data, "confirm", callback.message.message_id, button=True)):
        existing = await find_by_idempotency_key(db, key)
        if existing is not None and filed_by(db, existing, user_id):
            await ack(callback)
            receipt = await receipt_text(db, existing, settings)
            await callback.message.answer(T.RECEIPT_DUPLICATE.format(receipt=receipt))
        elif current is not None and current.startswith(f"{ApplyForm.__name__}:"):
            await show_current_step(callback, state)  # an earlier summary, or a step not yet done
        else:
            await ack(callback, C.STALE_BUTTON)
        return
    form = dict(data.get(FORM) or {})
    try:
        submitted = datetime.fromisoformat(data["summary_at"]) if data.get("summary_at") else None
    except ValueError:
        submitted = None
    try:
        draft = ApplicationDraft.build(
            applicant_type=form.get("applicant_type", ""),
            name=form.get("name", ""),
            org_code=form.get("org_code") or None,
            id_type=(A.ORG_ID_TYPE if is_org(form) else form.get("id_type")) or None,
            id_number=form.get("id_number") or None,
            phone=form.get("phone") or None,
            email=form.get("email") or None,
            address=form.get("address") or None,
            description=form.get("description", ""),
            doc_number=form.get("doc_number") or None,
            delivery_form=form.get("delivery_form"),
            delivery_channel=form.get("delivery_channel"),
            telegram_user_id=user_id,
            chat_id=callback.message.chat.id,
            submitted_at=submitted,
        )
    except DraftError:
        await ack(callback)
        await go_next(callback.message, state)
        return
    if next_step(form)[0] != "confirm":
        await ack(callback)
        await go_next(callback.message, state)
        return
    try:
        created = await create_application(
            db, draft, idempotency_key=key, received_at=datetime.now(timezone.utc), settings=settings
        )
    except Exception as exc:  # type only: a database error's text would carry the applicant's data
        log.error("application submission failed (user %s): %s", user_id, type(exc).__name__)
        await ack(callback)
        await callback.message.answer(T.SUBMIT_FAILED)
        return
    await state.clear()
    await ack(callback)
    try:
        await callback.message.edit_reply_markup(reply_markup=None)
    except TelegramAPIError:  # an old client or an emulator without the method: the receipt matters more
        pass
    await callback.message.answer(await receipt_text(db, created.application, settings))
