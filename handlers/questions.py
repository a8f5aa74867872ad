"""Plain text outside a form is a question: answer it from the reports, with the source.

Greetings, thanks, help, "how do I apply" and "where is my application" get their own short
replies; gibberish gets "not understood" with examples, never an answer. A short follow-up
(「那2019年呢」, 「企业的呢」, 「电话呢」) is read with the previous question if that was asked within
a few minutes.

When the answer is not confident, say so and offer up to three suggestions and a button that starts
an application about the question. Buttons carry only a short token (callback data ≤ 64 bytes); the
suggestion texts and the question are kept in the user's FSM data under that token, so a forged or
stale token finds nothing and gets a polite answer.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.exc import SQLAlchemyError

from bot.qa import MAX_QUESTION_CHARS, log_row
from bot.texts import common as C
from bot.texts import questions as T
from knowledge.conversation import Intent, classify, follow_up, is_follow_up
from storage.db import Database

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096
MAX_SUGGESTIONS = 3
PENDING_KEY = "pending_questions"
MAX_PENDING = 5
LAST_KEY = "last_question"
FOLLOW_UP_WINDOW = timedelta(minutes=10)


class AskCb(CallbackData, prefix="q"):
    token: str
    action: str  # "s" (suggestion) or "a" (apply)
    index: int = 0


def get_router() -> Router:
    router = Router(name="questions")
    router.message.register(on_ask, Command("ask"))
    router.message.register(on_question, StateFilter(None), F.text, ~F.text.startswith("/"))
    router.callback_query.register(on_suggestion, AskCb.filter(F.action == "s"))
    router.callback_query.register(on_apply_about, AskCb.filter(F.action == "a"))
    return router


def fit(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(T.TRUNCATED)] + T.TRUNCATED


render = T.render_answer


def _button_label(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def log_question(qa, db: Database, answer, user_id: int, question_log=None) -> None:
    if question_log is not None:
        await question_log.add(log_row(answer, "telegram", user_id))
    else:
        await qa.log(db, answer, channel="telegram", user_id=user_id)


async def answer_question(message: Message, text: str, *, user_id: int, state: FSMContext, qa, db: Database,
                          question_log=None) -> None:
    text = text.strip()
    if not text:
        await message.answer(T.ASK_PROMPT)
        return
    if len(text) > MAX_QUESTION_CHARS:
        await message.answer(T.QUESTION_TOO_LONG.format(limit=MAX_QUESTION_CHARS))
        return
    intent = classify(text)
    if intent is not Intent.QUESTION:
        await message.answer(_INTENT_REPLIES[intent]())
        return
    if qa is None:
        await message.answer(T.SERVICE_UNAVAILABLE)
        return
    data = await state.get_data()
    text = _with_context(text, data.get(LAST_KEY), qa)
    answer = qa.answer(text)
    await state.update_data({LAST_KEY: {"q": text, "at": datetime.now(timezone.utc).isoformat()}})
    try:
        await log_question(qa, db, answer, user_id, question_log)
    except SQLAlchemyError as exc:  # the citizen still gets the answer; the gap is in the error log
        log.error("question log write failed (user %s): %s", user_id, type(exc).__name__)
    reply, suggestions = render(answer)
    markup = None
    if answer.answer is None:
        token = secrets.token_hex(4)
        data = await state.get_data()
        pending = dict(data.get(PENDING_KEY) or {})
        pending[token] = {"q": text, "s": suggestions}
        while len(pending) > MAX_PENDING:
            pending.pop(next(iter(pending)))
        await state.update_data({PENDING_KEY: pending})
        rows = [
            [InlineKeyboardButton(text=_button_label(s), callback_data=AskCb(token=token, action="s", index=i).pack())]
            for i, s in enumerate(suggestions)
        ]
        rows.append([InlineKeyboardButton(text=T.APPLY_BUTTON, callback_data=AskCb(token=token, action="a").pack())])
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
    await message.answer(fit(reply), reply_markup=markup)


_INTENT_REPLIES = {
    Intent.GREETING: lambda: T.GREETING_REPLY,
    Intent.THANKS: lambda: T.THANKS_REPLY,
    Intent.HELP: lambda: T.HELP,
    Intent.HOW_TO_APPLY: lambda: T.HOW_TO_APPLY,
    Intent.MY_APPLICATION: lambda: T.MY_APPLICATION_HINT,
    Intent.NOT_UNDERSTOOD: lambda: T.not_found("not_understood"),
}


def _with_context(text: str, last, qa) -> str:
    """A follow-up (那2019年呢) asked within a few minutes of the last question is read with it."""
    if not isinstance(last, dict) or not is_follow_up(text) or not hasattr(qa, "names_in"):
        return text
    try:
        asked_at = datetime.fromisoformat(str(last.get("at")))
    except ValueError:
        return text
    previous = str(last.get("q") or "")
    if not previous or datetime.now(timezone.utc) - asked_at > FOLLOW_UP_WINDOW:
        return text
    return follow_up(previous, text, qa.names_in(previous))


def _uid(message: Message) -> int:
    return message.from_user.id if message.from_user is not None else message.chat.id


async def on_question(message: Message, state: FSMContext, qa, db: Database, question_log=None) -> None:
    await answer_question(message, message.text or "", user_id=_uid(message), state=state, qa=qa, db=db,
                          question_log=question_log)


async def on_ask(message: Message, command: CommandObject, state: FSMContext, qa, db: Database,
                 question_log=None) -> None:
    # In the middle of a form the question is answered and the form simply goes on.
    await answer_question(message, command.args or "", user_id=_uid(message), state=state, qa=qa, db=db,
                          question_log=question_log)


async def _pending(state: FSMContext, token: str) -> dict | None:
    data = await state.get_data()
    entry = (data.get(PENDING_KEY) or {}).get(token)
    return entry if isinstance(entry, dict) else None


async def on_suggestion(callback: CallbackQuery, callback_data: AskCb, state: FSMContext, qa, db: Database,
                        question_log=None) -> None:
    entry = await _pending(state, callback_data.token)
    suggestions = entry.get("s", []) if entry else []
    if not (0 <= callback_data.index < len(suggestions)) or not isinstance(callback.message, Message):
        await callback.answer(C.STALE_BUTTON)
        return
    await callback.answer()
    await answer_question(callback.message, str(suggestions[callback_data.index]), user_id=callback.from_user.id,
                          state=state, qa=qa, db=db, question_log=question_log)


async def on_apply_about(callback: CallbackQuery, callback_data: AskCb, state: FSMContext) -> None:
    entry = await _pending(state, callback_data.token)
    if entry is None or not isinstance(callback.message, Message):
        await callback.answer(C.STALE_BUTTON)
        return
    await callback.answer()
    from handlers.apply import start_form

    await start_form(callback.message, state, description=str(entry.get("q", "")))
