"""Webhook mode: the secret token is required, a repeated delivery has one effect (also when it
reaches a second process), /healthz tells the truth, and ``run_webhook`` registers the webhook."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.factory import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.runner import RunError
from bot.settings import Settings
from bot.texts import applications as TA
from bot.webhook import HEALTH_PATH, build_app, run_webhook, webhook_target
from storage.db import Database
from storage.models import Application
from tests.bot_api_emulator import TOKEN, BotApiEmulator, Updates
from tests.bot_harness import FakeQA, opened
from tests.services import REDIS_URL, free_port, pg_db, pg_url, redis_prefix  # noqa: F401 - fixtures

SECRET = "s3cret-Token_for-tests"
PATH = "/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
VALID_ID = "11010519491231002X"


def settings_for(**kw) -> Settings:
    base = dict(bot_token="4242:TEST", webhook_secret=SECRET, webhook_path=PATH, home_agency="济宁市科学技术局",
                webhook_url="https://bot.example.gov.cn")
    base.update(kw)
    return Settings(**base)


class Node:
    """One bot process: its own dispatcher, Bot API session and HTTP server, on the shared database."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.session = LocalSession()
        self.bot = create_bot(settings, session=self.session)
        self.dp = create_dispatcher(db, FakeQA(), settings)
        self.client = TestClient(TestServer(build_app(self.dp, self.bot, db, settings)))

    async def __aenter__(self) -> "Node":
        await self.client.start_server()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.close()

    async def post(self, update: dict, secret: str | None = SECRET) -> int:
        headers = {HEADER: secret} if secret is not None else {}
        response = await self.client.post(PATH, json=update, headers=headers)
        await response.read()
        return response.status

    def texts(self, chat: int) -> list[str]:
        return [m.text for m in self.session.sent if m.chat_id == chat and not m.edited]

    def last_buttons(self, chat: int):
        return next(m for m in reversed(self.session.sent) if m.chat_id == chat and m.buttons())


def _button(msg, label: str) -> str:
    return next(data for text, data in msg.buttons() if text == label)


async def fill_form(nodes: list[Node], updates: Updates, user: int) -> dict:
    """Walk the form, alternating between the nodes; return the confirm-button update."""
    step = 0
    last = None  # the latest message with buttons, whichever node sent it

    async def post(update: dict) -> None:
        nonlocal step, last
        node = nodes[step % len(nodes)]
        step += 1
        assert await node.post(update) == 200
        reply = [m for m in node.session.sent if m.chat_id == user and not m.edited][-1]
        if reply.buttons():
            last = reply

    async def press(label: str) -> None:
        await post(updates.press(user, _button(last, label), _as_emulator(last)))

    await post(updates.text(user, "/apply"))
    await press(TA.APPLICANT_PERSON)
    await post(updates.text(user, "张三"))
    await press(TA.ID_TYPES["resident_id"])
    await post(updates.text(user, VALID_ID))
    await post(updates.text(user, "13812345678"))
    await press(TA.SKIP)
    await press(TA.SKIP)
    await post(updates.text(user, "2018年度科技项目立项名单"))
    await press(TA.SKIP)
    await press(TA.DELIVERY_FORMS["electronic"])
    await press(TA.DELIVERY_CHANNELS["telegram"])
    assert TA.CONFIRM in [t for t, _ in last.buttons()]
    return updates.press(user, _button(last, TA.CONFIRM), _as_emulator(last))


def _as_emulator(msg):
    from tests.bot_api_emulator import Message

    return Message(msg.chat_id, msg.message_id, msg.text, msg.reply_markup, 0.0)


async def _apps(db: Database) -> list[Application]:
    async with db.session() as s:
        return list((await s.execute(select(Application))).scalars())


# --- secret token ----------------------------------------------------------------------------------

async def test_requests_without_the_right_secret_are_refused_and_change_nothing(db):
    updates = Updates()
    async with Node(db, settings_for()) as node:
        assert await node.post(updates.text(7, "/start"), secret=None) == 401
        assert await node.post(updates.text(7, "/start"), secret="wrong") == 401
        assert await node.post(updates.text(7, "/start"), secret=SECRET[:-1]) == 401
        assert node.session.sent == []  # nothing handled
        assert await node.post(updates.text(7, "/start")) == 200
        assert len(node.texts(7)) == 1


def test_webhook_mode_refuses_to_start_without_a_secret(db):
    with pytest.raises(RunError, match="GONGKAI_WEBHOOK_SECRET"):
        build_app(None, None, db, settings_for(webhook_secret=None))  # type: ignore[arg-type]
    with pytest.raises(RunError, match="GONGKAI_WEBHOOK_SECRET"):
        build_app(None, None, db, settings_for(webhook_secret="has space"))  # type: ignore[arg-type]


def test_webhook_target_joins_url_and_path():
    assert webhook_target(settings_for(webhook_url="https://a.gov.cn/")) == "https://a.gov.cn/telegram/webhook"
    assert webhook_target(settings_for(webhook_url="https://a.gov.cn/telegram/webhook")) == \
        "https://a.gov.cn/telegram/webhook"
    with pytest.raises(RunError, match="GONGKAI_WEBHOOK_URL"):
        webhook_target(settings_for(webhook_url=None))


# --- duplicates ----------------------------------------------------------------------------------

async def test_same_update_delivered_twice_has_one_effect(db):
    updates = Updates()
    async with Node(db, settings_for()) as node:
        confirm = await fill_form([node], updates, 7)
        assert await node.post(confirm) == 200
        assert await node.post(confirm) == 200  # Telegram retried the delivery
        [app] = await _apps(db)
        receipts = [t for t in node.texts(7) if app.number in t]
        assert len(receipts) == 1


@pytest.mark.services
async def test_duplicate_delivery_to_a_second_process_on_postgresql_and_redis(pg_db, redis_prefix):  # noqa: F811
    """Two processes (shared PostgreSQL and Redis); the form alternates between them; the confirm
    update reaches both at the same moment: one application, one receipt."""
    settings = settings_for(redis_url=REDIS_URL, redis_prefix=redis_prefix, database_url=pg_db.url)
    updates = Updates()
    async with Node(pg_db, settings) as a, Node(pg_db, settings) as b:
        confirm = await fill_form([a, b], updates, 7)
        statuses = await asyncio.gather(a.post(confirm), b.post(confirm))
        assert statuses == [200, 200]
        [app] = await _apps(pg_db)
        receipts = [t for n in (a, b) for t in n.texts(7) if app.number in t]
        assert len(receipts) == 1 and opened(pg_db, app).telegram_user_id == 7


# --- health --------------------------------------------------------------------------------------

async def test_health_endpoint_reports_the_database(db, tmp_path):
    async with Node(db, settings_for()) as node:
        response = await node.client.get(HEALTH_PATH)
        assert response.status == 200 and (await response.json())["database"] == "ok"
    # A database that cannot be reached: 503, and no connection string in the answer.
    dead = Database(f"postgresql://gongkai:pw-not-shown@127.0.0.1:{free_port()}/nothing", run_migrations=False)
    try:
        session = LocalSession()
        settings = settings_for()
        app = build_app(create_dispatcher(dead, FakeQA(), settings), create_bot(settings, session=session), dead,
                        settings)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(HEALTH_PATH)
            body = await response.text()
        assert response.status == 503 and '"unavailable"' in body and "pw-not-shown" not in body
    finally:
        await dead.dispose()


# --- the runner ---------------------------------------------------------------------------------

async def test_run_webhook_sets_the_webhook_with_the_secret_and_serves(db):
    async with BotApiEmulator() as emulator:
        port = free_port()
        settings = settings_for(bot_token=TOKEN, telegram_api_url=emulator.url, webhook_port=port)
        stop = asyncio.Event()
        ready = asyncio.Event()

        async def on_ready(_runner) -> None:
            ready.set()

        task = asyncio.create_task(run_webhook(db, settings, stop=stop, on_ready=on_ready, reminders=False))
        await asyncio.wait_for(ready.wait(), 20)
        assert emulator.webhook is not None
        assert emulator.webhook["url"] == "https://bot.example.gov.cn/telegram/webhook"
        assert emulator.webhook["secret_token"] == SECRET
        from tests.bot_api_emulator import post_update
        import aiohttp

        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"
            assert await post_update(http, base, PATH, "nope", Updates().text(9, "/start")) == 401
            assert await post_update(http, base, PATH, SECRET, Updates(100).text(9, "/start")) == 200
        await emulator.wait_for_messages(9, 1, timeout=10)
        stop.set()
        await asyncio.wait_for(task, 20)
        assert emulator.webhook is not None  # not deleted on shutdown: other processes keep serving


def test_cli_run_webhook_without_secret_or_url_fails_clearly(monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("GONGKAI_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["run", "--webhook"])
    assert result.exit_code == 1 and "GONGKAI_WEBHOOK_SECRET" in result.output
    monkeypatch.setenv("GONGKAI_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("GONGKAI_WEBHOOK_URL", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["run", "--webhook"])
    assert result.exit_code == 1 and "GONGKAI_WEBHOOK_URL" in result.output
    assert SECRET not in result.output and TOKEN.split(":")[1] not in result.output
