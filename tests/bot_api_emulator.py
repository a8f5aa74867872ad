"""An HTTP Bot API emulator on 127.0.0.1 for bot processes started as real OS processes.

The bots reach it through ``GONGKAI_TELEGRAM_API_URL=http://127.0.0.1:<port>``. It answers the
methods the bot uses, records every call with its arrival time, keeps the messages per chat (so the
test can read the buttons and press them), can inject failures (429 with ``retry_after``, 403), and
serves ``getUpdates`` from a queue (polling mode). Webhook-mode updates are posted by the test
itself to the bot processes (see ``post_update``), as a reverse proxy in front of them would.

``hold(method, chat_id)`` keeps one matching request waiting (the bot process is then caught in the
middle of an update, e.g. to be killed there); a held message whose sender has gone meanwhile is
never delivered. ``Updates(message_ids=emulator.message_ids)`` numbers the citizen's messages in the
same sequence as the bot's, as Telegram numbers the messages of one chat.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = 5151
BOT_USERNAME = "gongkai_emulated_bot"
TOKEN = f"{BOT_ID}:EMULATOR-token-0123456789abcdef"


@dataclass
class Message:
    chat_id: int
    message_id: int
    text: str
    reply_markup: dict | None
    at: float
    edited: bool = False

    def buttons(self) -> list[tuple[str, str]]:
        return [(b.get("text", ""), b.get("callback_data") or "")
                for row in (self.reply_markup or {}).get("inline_keyboard", []) for b in row]

    def button(self, label: str) -> str:
        for text, data in self.buttons():
            if text == label:
                return data
        raise AssertionError(f"no button {label!r} in {self.buttons()} of {self.text[:60]!r}")


@dataclass
class Failure:
    method: str
    status: int
    description: str
    chat_id: int | None = None
    retry_after: int | None = None
    times: int = 1


@dataclass
class Hold:
    method: str
    chat_id: int | None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    taken: bool = False

    def release(self) -> None:
        self.released.set()


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


class BotApiEmulator:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[int, list[Message]] = defaultdict(list)  # chat -> sent, in order (edits too)
        self.callback_answers: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.holds: list[Hold] = []
        self.webhook: dict[str, Any] | None = None
        self.updates: asyncio.Queue[dict] = asyncio.Queue()
        self._pending_updates: list[dict] = []
        self.message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # --- server ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> "BotApiEmulator":
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for hold in self.holds:
            hold.release()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "BotApiEmulator":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # --- failures -------------------------------------------------------------------------------

    def fail(self, method: str, status: int, description: str, *, chat_id: int | None = None,
             retry_after: int | None = None, times: int = 1) -> None:
        self.failures.append(Failure(method, status, description, chat_id, retry_after, times))

    def _failure(self, method: str, params: dict) -> Failure | None:
        chat = params.get("chat_id")
        for f in self.failures:
            if f.method == method and f.times > 0 and (f.chat_id is None or str(f.chat_id) == str(chat)):
                f.times -= 1
                return f
        return None

    def hold(self, method: str, chat_id: int | None = None) -> Hold:
        """Keep the next ``method`` request (for ``chat_id``) waiting until ``release()``."""
        hold = Hold(method, chat_id)
        self.holds.append(hold)
        return hold

    def _hold(self, method: str, params: dict) -> Hold | None:
        chat = params.get("chat_id")
        for hold in self.holds:
            if not hold.taken and hold.method == method and (hold.chat_id is None or str(hold.chat_id) == str(chat)):
                hold.taken = True
                return hold
        return None

    # --- requests -------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        now = time.monotonic()
        failure = self._failure(method, params)
        if failure is not None:
            self.calls.append(Call(method, params, now, failure.status))
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        hold = self._hold(method, params)
        if hold is not None:
            hold.arrived.set()
            await hold.released.wait()
            if request.transport is None or request.transport.is_closing():  # the sender died meanwhile
                return web.json_response({"ok": False, "error_code": 500, "description": "sender gone"}, status=500)
        self.calls.append(Call(method, params, now))
        result = await self._result(method, params, now)
        return web.json_response({"ok": True, "result": result})

    def _message_json(self, msg: Message) -> dict:
        return {
            "message_id": msg.message_id,
            "date": int(time.time()),
            "chat": {"id": msg.chat_id, "type": "private" if msg.chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "gongkai", "username": BOT_USERNAME},
            "text": msg.text,
            **({"reply_markup": msg.reply_markup} if msg.reply_markup else {}),
        }

    async def _record(self, msg: Message) -> None:
        async with self._changed:
            self.messages[msg.chat_id].append(msg)
            self._changed.notify_all()

    async def _result(self, method: str, params: dict, now: float) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "gongkai", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method == "setWebhook":
            self.webhook = params
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "sendMessage":
            chat = int(params["chat_id"])
            msg = Message(chat, next(self.message_ids), str(params.get("text", "")), params.get("reply_markup") or None, now)
            await self._record(msg)
            return self._message_json(msg)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat = int(params.get("chat_id", 0))
            mid = int(params.get("message_id", 0))
            old = next((m for m in reversed(self.messages.get(chat, [])) if m.message_id == mid), None)
            text = str(params.get("text", old.text if old else ""))
            msg = Message(chat, mid, text, params.get("reply_markup") or None, now, edited=True)
            await self._record(msg)
            return self._message_json(msg)
        if method == "answerCallbackQuery":
            async with self._changed:
                self.callback_answers.append(params)
                self._changed.notify_all()
            return True
        if method == "getUpdates":
            return await self._get_updates(params)
        return True

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self._pending_updates = [u for u in self._pending_updates if u["update_id"] >= offset]
        if not self._pending_updates:
            try:
                first = await asyncio.wait_for(self.updates.get(), timeout=min(timeout, 1.0) or 0.01)
                self._pending_updates.append(first)
            except asyncio.TimeoutError:
                return []
        while not self.updates.empty():
            self._pending_updates.append(self.updates.get_nowait())
        return list(self._pending_updates[:100])

    # --- test helpers ---------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[Message]:
        return [m for m in self.messages.get(chat_id, []) if not m.edited]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def callback_answer(self, callback_id: str) -> dict[str, Any] | None:
        return next((a for a in self.callback_answers if str(a.get("callback_query_id")) == str(callback_id)), None)

    async def wait_for_reply(self, chat_id: int, count: int, callback_id: str | None = None,
                             timeout: float = 30.0, grace: float = 1.0) -> Message | dict[str, Any]:
        """The citizen's view after an update: the next new message of ``chat_id`` (its
        ``count``-th), or — for a button press answered only with a notice and no message within
        ``grace`` seconds of the notice — that callback answer."""
        def has_message() -> bool:
            return len(self.sent(chat_id)) >= count

        def ready() -> bool:
            answer = self.callback_answer(callback_id) if callback_id is not None else None
            return has_message() or bool(answer and answer.get("text"))

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout)
            if not has_message():
                try:
                    await asyncio.wait_for(self._changed.wait_for(has_message), grace)
                except asyncio.TimeoutError:
                    pass
        sent = self.sent(chat_id)
        if len(sent) >= count:
            return sent[count - 1]
        return self.callback_answer(callback_id)  # type: ignore[return-value, arg-type]

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30.0) -> list[Message]:
        """Wait until ``chat_id`` has received at least ``count`` new (non-edit) messages in total."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent(chat_id)) >= count), timeout)
        return self.sent(chat_id)


# --- updates ------------------------------------------------------------------------------------

class Updates:
    """Telegram-shaped update dicts with increasing ids."""

    def __init__(self, start: int = 1, *, message_ids: Iterator[int] | None = None) -> None:
        self._update_ids = itertools.count(start)
        self._ids = message_ids if message_ids is not None else itertools.count(500000)

    def _user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": "用户", "language_code": "zh-hans"}

    def text(self, user_id: int, text: str, *, chat_id: int | None = None, chat_type: str = "private") -> dict:
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._ids), "date": int(time.time()),
            "chat": {"id": chat, "type": chat_type, **({"title": "群"} if chat_type != "private" else {})},
            "from": self._user(user_id), "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(self, user_id: int, data: str, message: Message | None = None) -> dict:
        chat = message.chat_id if message is not None else user_id
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._ids)), "from": self._user(user_id), "chat_instance": str(chat), "data": data,
            "message": {"message_id": message.message_id if message else 1, "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "gongkai"},
                        "text": (message.text if message else "") or "…"},
        }}


async def post_update(session: aiohttp.ClientSession, base_url: str, path: str, secret: str | None,
                      update: dict) -> int:
    """Deliver ``update`` to a bot process's webhook as Telegram would; returns the HTTP status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with session.post(base_url.rstrip("/") + path, json=update, headers=headers) as response:
        await response.read()
        return response.status
