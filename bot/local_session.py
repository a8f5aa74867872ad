"""An in-process Bot API: an aiogram session that answers requests itself instead of calling Telegram.

Used by ``gongkai console``, the dispatcher tests and the benchmark. It records every request,
keeps the messages it "sent" per chat (so edits and button presses work), and returns results that
go through aiogram's own response validation, exactly as a real HTTP answer would.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update

BOT_ID = 4242
BOT_USERNAME = "gongkai_local_bot"


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict | None = None
    edited: bool = False
    markup_only: bool = False  # editMessageReplyMarkup: same text, new (or no) buttons

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the inline keyboard, row by row."""
        out: list[tuple[str, str]] = []
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for b in row:
                out.append((b.get("text", ""), b.get("callback_data") or ""))
        return out


@dataclass
class FailRule:
    method: str
    status: int
    description: str
    parameters: dict | None = None
    times: int = 1


class LocalSession(BaseSession):
    """Answers Bot API methods in memory. ``requests`` lists (method name, params) in order."""

    def __init__(self, *, record: bool = True, ids: Iterator[int] | None = None) -> None:
        """``ids``: message ids shared with the ``UpdateFactory`` of the same chats, so that, as in
        Telegram, the messages of a chat are numbered in the order they were sent."""
        super().__init__()
        self.record = record
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.sent: list[SentMessage] = []  # in order, edits appended again
        self.fail_rules: list[FailRule] = []
        self._ids = ids if ids is not None else itertools.count(1)

    def fail(self, method: str, status: int, description: str, parameters: dict | None = None,
             times: int = 1) -> None:
        self.fail_rules.append(FailRule(method, status, description, parameters, times))

    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""

    def _params(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
        """The request as the Bot API would receive it (defaults resolved, nested objects as dicts)."""
        files: dict[str, Any] = {}
        out = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                out[key] = prepared
        return out

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        name = method.__api_method__
        params = self._params(bot, method) if (self.record or name in _STATEFUL) else {}
        if self.record:
            self.requests.append((name, params))
        for rule in self.fail_rules:
            if rule.method == name and rule.times > 0:
                rule.times -= 1
                body = {"ok": False, "error_code": rule.status, "description": rule.description}
                if rule.parameters:
                    body["parameters"] = rule.parameters
                return self.check_response(bot, method, rule.status, json.dumps(body)).result  # raises
        result = self._result(bot, name, params)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        return response.result  # type: ignore[return-value]

    def _message(self, chat_id: int, message_id: int, text: str, markup: dict | None) -> dict:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "gongkai", "username": BOT_USERNAME},
            "text": text,
            **({"reply_markup": markup} if markup else {}),
        }

    def _result(self, bot: Bot, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "gongkai", "username": BOT_USERNAME}
        if name == "sendMessage":
            chat_id = int(params["chat_id"])
            mid = next(self._ids)
            msg = SentMessage(chat_id, mid, params.get("text", ""), params.get("reply_markup"))
            self.messages[(chat_id, mid)] = msg
            self.sent.append(msg)
            return self._message(chat_id, mid, msg.text, msg.reply_markup)
        if name in ("editMessageText", "editMessageReplyMarkup"):
            chat_id, mid = int(params.get("chat_id", 0)), int(params.get("message_id", 0))
            old = self.messages.get((chat_id, mid))
            text = params.get("text", old.text if old else "")
            msg = SentMessage(chat_id, mid, text, params.get("reply_markup"), edited=True,
                              markup_only=name == "editMessageReplyMarkup")
            self.messages[(chat_id, mid)] = msg
            self.sent.append(msg)
            return self._message(chat_id, mid, text, msg.reply_markup)
        if name == "getUpdates":
            return []
        if name in ("sendDocument", "sendPhoto"):
            chat_id = int(params["chat_id"])
            mid = next(self._ids)
            caption = params.get("caption") or ""
            label = "文件" if name == "sendDocument" else "图片"
            msg = SentMessage(chat_id, mid, f"[{label}] {caption}".strip(), None)
            self.messages[(chat_id, mid)] = msg
            self.sent.append(msg)
            return self._message(chat_id, mid, msg.text, None)
        return True


_STATEFUL = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto"}


class UpdateFactory:
    """Builds the updates a private-chat user would cause (text messages and button presses)."""

    def __init__(self, start_id: int = 1, *, message_ids: Iterator[int] | None = None) -> None:
        self._update_ids = itertools.count(start_id)
        self.message_ids = message_ids if message_ids is not None else itertools.count(100000)

    def _user(self, user_id: int, first_name: str = "用户") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}

    def text(self, user_id: int, text: str, *, update_id: int | None = None) -> Update:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return Update.model_validate({
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "message": {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id),
                "text": text,
                **({"entities": entities} if entities else {}),
            },
        })

    def sticker_like(self, user_id: int) -> Update:
        """A message without text (a photo), which the bot cannot use as a question."""
        return Update.model_validate({
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id),
                "photo": [{"file_id": "x", "file_unique_id": "x", "width": 1, "height": 1}],
            },
        })

    def press(self, user_id: int, data: str, message: SentMessage | None = None, *,
              update_id: int | None = None) -> Update:
        msg = message or SentMessage(user_id, 1, "")
        return Update.model_validate({
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "callback_query": {
                "id": str(next(self.message_ids)),
                "from": self._user(user_id),
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": msg.message_id,
                    "date": int(time.time()),
                    "chat": {"id": msg.chat_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "gongkai"},
                    "text": msg.text or "…",
                },
            },
        })
