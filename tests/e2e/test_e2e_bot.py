"""End to end: the real ``gongkai run`` process against the ``telegram-test-api`` Bot API emulator.

A citizen asks a question and files an application; the bot process is killed in the middle of the
form and started again; the receipt arrives and the application is in the database exactly once.

The harness puts a thin aiohttp proxy in front of the emulator that fixes what aiogram cannot
accept or the emulator does not have:
- ``getMe`` lacks ``is_bot`` (aiogram's validation rejects it at start-up);
- callback queries lack ``chat_instance`` (required by aiogram's ``CallbackQuery``);
- ``setMyCommands`` is not implemented (answered by the proxy and recorded);
- ``getUpdates`` ignores ``timeout`` (the proxy long-polls so the bot does not spin).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.bot_harness import VALID_ID
from tests.conftest import SAMPLES_DIR, skip_or_fail

pytestmark = pytest.mark.e2e

E2E_DIR = Path(__file__).resolve().parent
TOKEN = "123456:E2E-test-token"
USER_ID = 5150
CHAT = {"id": USER_ID, "type": "private", "first_name": "测试"}
USER = {"id": USER_ID, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"}
TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """Forwards /bot<token>/<method> to the emulator, patching its known gaps."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.calls: list[str] = []
        self.commands: list[dict] | None = None
        self.client: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        body = await request.read()
        if method == "setMyCommands":
            form = await request.post() if body else {}
            data = dict(form) if form else {}
            if not data and body:
                try:
                    data = json.loads(body)
                except ValueError:
                    data = {}
            raw = data.get("commands", "[]")
            self.commands = json.loads(raw) if isinstance(raw, str) else raw
            return web.json_response({"ok": True, "result": True})
        deadline = time.monotonic() + (1.0 if method == "getUpdates" else 0)
        while True:
            async with self.client.post(f"{self.upstream}/bot{request.match_info['token']}/{method}", data=body,
                                        headers={"Content-Type": request.headers.get("Content-Type", "")}) as resp:
                status, payload = resp.status, await resp.json(content_type=None)
            if method != "getUpdates" or payload.get("result") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        if method == "getMe" and isinstance(payload.get("result"), dict):
            payload["result"].setdefault("is_bot", True)
        if method == "getUpdates":
            for update in payload.get("result") or []:
                cq = update.get("callback_query")
                if cq is not None:
                    cq.setdefault("chat_instance", str(cq.get("from", {}).get("id", 0)))
        if status >= 400 and "ok" not in payload:  # the emulator's own error shape
            payload = {"ok": False, "error_code": status, "description": payload.get("message", "error")}
        return web.json_response(payload, status=status)


class Citizen:
    """The user side, through the emulator's client routes."""

    def __init__(self, api: str, http: aiohttp.ClientSession) -> None:
        self.api = api
        self.http = http
        self.seen: list[dict] = []

    async def _post(self, route: str, payload: dict) -> dict:
        async with self.http.post(f"{self.api}/{route}", json={"botToken": TOKEN, **payload}) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def say(self, text: str) -> None:
        message = {"from": USER, "chat": CHAT, "date": int(time.time()), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self._post("sendMessage", message)

    async def press(self, label: str) -> None:
        for entry in reversed(self.seen):
            markup = entry["message"].get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label:
                        await self._post("sendCallback", {
                            "from": USER,
                            "data": button["callback_data"],
                            "message": {"message_id": entry["messageId"], "date": int(time.time()),
                                        "chat": CHAT, "text": entry["message"].get("text", "")},
                        })
                        return
        raise AssertionError(f"no button {label!r}")

    async def replies(self, count: int = 1, timeout: float = TIMEOUT) -> list[str]:
        got: list[dict] = []
        end = time.monotonic() + timeout
        while len(got) < count:
            if time.monotonic() > end:
                raise AssertionError(f"expected {count} replies, got {[g['message'].get('text') for g in got]}")
            async with self.http.post(f"{self.api}/getUpdates", json={"token": TOKEN, "chatId": USER_ID}) as resp:
                got.extend((await resp.json())["result"])
            if len(got) < count:
                await asyncio.sleep(0.1)
        self.seen.extend(got)
        return [g["message"].get("text", "") for g in got]

    async def exchange(self, text: str | None = None, *, press: str | None = None, count: int = 1) -> str:
        if press is not None:
            await self.press(press)
        else:
            await self.say(text or "")
        return "\n".join(await self.replies(count))


async def start_bot(env: dict, log_path: Path) -> asyncio.subprocess.Process:
    log = open(log_path, "ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, stdout=log, stderr=log, cwd=str(E2E_DIR.parent.parent)
    )


async def wait_polling(proxy: Proxy, since: int, timeout: float = TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while "getUpdates" not in proxy.calls[since:]:
        if time.monotonic() > end:
            raise AssertionError(f"bot never polled; calls: {proxy.calls}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def emulator():
    node = shutil.which("node")
    if node is None:
        skip_or_fail("Node.js (node/npm) is not installed: the end-to-end test needs it for the Bot API emulator")
    if not (E2E_DIR / "node_modules" / "telegram-test-api").exists():
        skip_or_fail("the Bot API emulator is not installed: run `make test-deps` (npm install --prefix tests/e2e)")
    port = free_port()
    proc = await asyncio.create_subprocess_exec(node, str(E2E_DIR / "server.js"), str(port),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line.startswith(b"READY"), line
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    await proc.wait()


async def test_citizen_asks_and_applies_across_a_bot_restart(emulator, tmp_path):
    report = SAMPLES_DIR / "jining-kejiju-2018.txt"
    db_path = tmp_path / "e2e.db"
    env = {
        **os.environ,
        "GONGKAI_BOT_TOKEN": TOKEN,
        "GONGKAI_DATABASE_URL": f"sqlite:///{db_path}",
        "GONGKAI_DATA_DIR": str(tmp_path),
        "GONGKAI_HOME_AGENCY": "济宁市科学技术局",
        "GONGKAI_REMINDER_INTERVAL_MINUTES": "60",
    }
    env.pop("GONGKAI_REDIS_URL", None)
    env.pop("GONGKAI_DATA_KEY", None)  # the embedded default: a key file in the data folder, made on first use
    ingest = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "ingest", str(report), env=env,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await ingest.communicate()
    assert ingest.returncode == 0, err.decode()

    proxy = Proxy(emulator)
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", proxy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    proxy_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", proxy_port).start()
    env["GONGKAI_TELEGRAM_API_URL"] = f"http://127.0.0.1:{proxy_port}"
    log_path = tmp_path / "bot.log"
    bot = None
    async with aiohttp.ClientSession() as http:
        proxy.client = http
        try:
            bot = await start_bot(env, log_path)
            await wait_polling(proxy, 0)
            assert [c["command"] for c in proxy.commands or []] == ["start", "help", "ask", "apply", "my", "mydata", "cancel"]
            me = Citizen(emulator, http)

            assert "/apply" in await me.exchange("/start")
            answer = await me.exchange("2018年主动公开了多少条信息")
            citations = re.findall(r"（(济宁市科学技术局 2018年度[^）]*)）", answer)  # cited inline, each once
            assert "755条" in answer and citations and len(citations) == len(set(citations)) and "来源：" not in answer

            assert "申请人类型" in await me.exchange("/apply")
            assert "姓名" in await me.exchange(press="自然人")
            assert "证件类型" in await me.exchange("张三")
            assert "号码" in await me.exchange(press="居民身份证")
            assert "1101**********002X" in await me.exchange(VALID_ID)
            assert "电子邮箱" in await me.exchange("13812345678")

            # The bot process dies in the middle of the form and comes back.
            bot.kill()
            await bot.wait()
            since = len(proxy.calls)
            bot = await start_bot(env, log_path)
            await wait_polling(proxy, since)

            assert "通信地址" in await me.exchange("跳过")
            assert "需要获取的政府信息" in await me.exchange(press="跳过")
            assert "文号" in await me.exchange("2018年度科技计划项目立项名单")
            assert "形式" in await me.exchange(press="跳过")
            assert "方式" in await me.exchange(press="电子")
            summary = await me.exchange(press="通过本机器人")
            assert "请核对您的申请" in summary and "张三" in summary and "138****5678" in summary
            receipt = await me.exchange(press="确认提交")
            assert "申请编号：" in receipt and "收到申请日期：" in receipt and "答复期限：" in receipt
            number = receipt.split("申请编号：")[1].split("\n")[0]

            again = await me.exchange(press="确认提交")  # double tap on the old button
            assert "已经提交" in again and number in again
            mine = await me.exchange("/my")
            assert number in mine and "办理中" in mine
        finally:
            if bot is not None and bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(bot.wait(), 20)
                except asyncio.TimeoutError:
                    bot.kill()
                    await bot.wait()
            await runner.cleanup()

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT number, name, id_number, channel, telegram_user_id, telegram_account "
                            "FROM application").fetchall()
        logged = conn.execute("SELECT channel, user_id FROM question_log").fetchall()
    [(stored_number, name, id_number, channel, user, account)] = rows
    assert (stored_number, channel, user) == (number, "online", None)  # the account only as digest and token
    assert all(v.startswith("gk1:") for v in (name, id_number, account))  # sealed, field by field
    assert ("telegram", USER_ID) in logged
    # No personal value in clear anywhere in the database files (the form survived a kill -9 too) …
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("e2e.db*"))
    for value in ("张三", VALID_ID, "13812345678"):
        assert value.encode() not in raw, value
    # … and the key made on first use (and announced once, not again after the restart) opens them.
    key_file = tmp_path / "gongkai.key"
    bot_log = log_path.read_text(errors="replace")
    assert key_file.exists() and bot_log.count(str(key_file)) == 1
    from storage.crypto import DataKeys
    from storage.db import open_database
    from storage.applications import list_for_user
    from storage.personal import masked_applicant, reveal_application

    db = await open_database(f"sqlite:///{db_path}", keys=DataKeys(file=key_file))
    try:
        shown = await reveal_application(db, number, actor="test", channel="cli")
        assert (shown.applicant.name, shown.applicant.id_number, shown.applicant.phone) == ("张三", VALID_ID,
                                                                                           "13812345678")
        assert masked_applicant(db, shown.application).id_number == "1101**********002X"
        assert [a.number for a in await list_for_user(db, USER_ID)] == [number]  # found by the account's digest
    finally:
        await db.dispose()
    assert VALID_ID not in bot_log and "13812345678" not in bot_log  # personal data stays out of logs
