"""/start, /help, /cancel, and the fallbacks for anything no other handler took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.settings import Settings
from bot.texts import common as C
from bot.texts import questions as T

COMMANDS = tuple(T.COMMANDS)


def get_router() -> Router:
    router = Router(name="common")
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_cancel_button, F.data == "cancel")
    return router


def get_fallback_router() -> Router:
    """Included last: whatever no handler took gets a polite answer and nothing is stored."""
    router = Router(name="fallback")
    router.message.register(on_unknown_command, F.text.startswith("/"))
    router.message.register(on_non_text)
    router.callback_query.register(on_stale_button)
    return router


async def on_start(message: Message, state: FSMContext, settings: Settings) -> None:
    await state.clear()
    await message.answer(T.START.format(office=settings.home_agency or T.OFFICE_DEFAULT))


async def on_help(message: Message) -> None:
    await message.answer(T.HELP)


async def on_cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await state.set_data({})
        await message.answer(T.NOTHING_TO_CANCEL)
        return
    await state.clear()
    await message.answer(T.CANCELLED)


async def on_cancel_button(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(T.CANCELLED)


async def on_unknown_command(message: Message) -> None:
    await message.answer(T.UNKNOWN_COMMAND)


async def on_non_text(message: Message) -> None:
    await message.answer(T.NON_TEXT)


async def on_stale_button(callback: CallbackQuery) -> None:
    await callback.answer(C.STALE_BUTTON, show_alert=False)
