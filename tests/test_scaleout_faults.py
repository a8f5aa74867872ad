"""Faults: the database unreachable for a while (and lost mid-transaction), a bot process killed in
the middle of a form, Bot API flood control (429) and blocked users (403)."""

from __future__ import annotations

import os
import secrets
import signal
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from bench.load_bench import BotProcess, bot_env, start_bot, stop_bots, wait_healthy, WEBHOOK_PATH
from bot.factory import create_bot, create_dispatcher
from bot.settings import Settings
from bot.texts import applications as TA
from bot.texts import common as C
from storage.db import open_database
from storage.models import Application, ApplicationEvent, NumberCounter, ReminderLedger, StaffMember
from tests.conftest import keys_for_tests
from tests.bot_api_emulator import TOKEN, BotApiEmulator, Updates, post_update
from tests.bot_harness import Chat, FakeQA, fill_person_form, opened
from tests.services import REDIS_URL, free_port, pg_url, redis_prefix  # noqa: F401 - fixtures
from tests.tcp_proxy import TcpProxy

SH = ZoneInfo("Asia/Shanghai")


async def _counts(db) -> tuple[int, int, int]:
    async with db.session() as s:
        apps = (await s.execute(select(func.count()).select_from(Application))).scalar_one()
        events = (await s.execute(select(func.count()).select_from(ApplicationEvent))).scalar_one()
        seq = (await s.execute(select(func.coalesce(func.max(NumberCounter.last_seq), 0)))).scalar_one()
    return apps, events, seq


def _confirm_data(chat: Chat, user: int = 7) -> str:
    return next(data for text, data in chat.last_with_buttons(user).buttons() if text == TA.CONFIRM)


# --- database unreachable ----------------------------------------------------------------------------

@pytest.mark.services
async def test_database_unreachable_clear_error_nothing_half_written_recovers_without_restart(pg_url):  # noqa: F811
    target = make_url(pg_url)
    proxy = await TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    db = await open_database(url, keys=keys_for_tests())
    try:
        chat = Chat(db)
        await fill_person_form(chat)
        ok = _confirm_data(chat)

        # 1. The connection dies in the middle of the submission transaction (after the number was
        #    taken and the application inserted, while the event row is being written).
        proxy.cut_on(b"INSERT INTO application_event")
        await chat.press_data(ok)
        assert proxy.triggered.is_set()
        assert chat.last() in (TA.SUBMIT_FAILED, C.DB_UNAVAILABLE)

        # 2. While it stays down, every update gets a clear Chinese answer, nothing crashes.
        await chat.say("2018年主动公开了多少条信息")
        assert chat.last() == C.DB_UNAVAILABLE
        await chat.press_data(ok)
        assert chat.last() in (TA.SUBMIT_FAILED, C.DB_UNAVAILABLE) or chat.alerts()[-1] == C.DB_UNAVAILABLE

        # 3. Back up: nothing half-written (no application, no orphan event, the number not consumed)…
        await proxy.restore()
        assert await _counts(db) == (0, 0, 0)
        # … and the same dispatcher and engine carry on: the saved form is submitted now.
        await chat.press_data(ok)
        async with db.session() as s:
            [app] = [opened(db, a) for a in (await s.execute(select(Application))).scalars()]
        assert app.seq == 1 and app.id_number == "11010519491231002X" and app.name == "张三"
        assert app.number in chat.last()
        assert await _counts(db) == (1, 1, 1)
    finally:
        await db.dispose()
        await proxy.stop()


# --- a bot process killed in the middle of a form ------------------------------------------------------

@pytest.mark.services
@pytest.mark.parametrize("fsm", ["redis", "sql"])
async def test_bot_process_killed_mid_form_another_process_finishes_it(fsm, pg_url, redis_prefix, tmp_path):  # noqa: F811
    secret = secrets.token_urlsafe(16)
    user = 4242001
    updates = Updates()
    db = await open_database(pg_url, keys=keys_for_tests())
    async with BotApiEmulator() as emulator, aiohttp.ClientSession() as http:
        def spawn(i: int) -> BotProcess:
            port = free_port()
            env = bot_env(db_url=pg_url, api_url=emulator.url, port=port, secret=secret,
                          redis_url=REDIS_URL if fsm == "redis" else None, redis_prefix=redis_prefix,
                          data_dir=tmp_path / f"d{i}")
            return BotProcess(port, start_bot(env, tmp_path / f"bot{i}.log"), tmp_path / f"bot{i}.log")

        bots = [spawn(0), spawn(1)]
        try:
            await wait_healthy(bots)
            a, b = bots

            async def send(bot: BotProcess, update: dict):
                before = len(emulator.sent(user))
                assert await post_update(http, bot.url, WEBHOOK_PATH, secret, update) == 200
                return (await emulator.wait_for_messages(user, before + 1, timeout=20))[before]

            msg = await send(a, updates.text(user, "/apply"))
            msg = await send(a, updates.press(user, msg.button(TA.APPLICANT_PERSON), msg))
            msg = await send(a, updates.text(user, "李四"))
            msg = await send(a, updates.press(user, msg.button(TA.ID_TYPES["resident_id"]), msg))
            msg = await send(a, updates.text(user, "11010519491231002X"))
            assert msg.text == TA.ASK_PHONE or TA.ASK_PHONE in msg.text

            os.kill(a.proc.pid, signal.SIGKILL)  # no shutdown hook runs
            a.proc.wait(timeout=10)

            msg = await send(b, updates.text(user, "13912345678"))
            assert TA.ASK_EMAIL in msg.text  # the form resumed where it was
            msg = await send(b, updates.press(user, msg.button(TA.SKIP), msg))
            msg = await send(b, updates.press(user, msg.button(TA.SKIP), msg))
            msg = await send(b, updates.text(user, "2019年度财政预算执行情况"))
            msg = await send(b, updates.press(user, msg.button(TA.SKIP), msg))
            msg = await send(b, updates.press(user, msg.button(TA.DELIVERY_FORMS["electronic"]), msg))
            summary = await send(b, updates.press(user, msg.button(TA.DELIVERY_CHANNELS["telegram"]), msg))
            confirm = updates.press(user, summary.button(TA.CONFIRM), summary)
            receipt = await send(b, confirm)
            # The restarted first process gets a late duplicate of the confirm: no second application.
            bots[0] = spawn(2)
            await wait_healthy([bots[0]])
            assert await post_update(http, bots[0].url, WEBHOOK_PATH, secret, confirm) == 200
        finally:
            stop_bots(bots)
    try:
        async with db.session() as s:
            apps = [opened(db, a) for a in (await s.execute(select(Application))).scalars()]
    finally:
        await db.dispose()
    assert len(apps) == 1
    app = apps[0]
    assert (app.name, app.id_number, app.phone, app.telegram_user_id) == ("李四", "11010519491231002X", "13912345678", user)
    assert app.number in receipt.text
    assert sum(app.number in m.text for m in emulator.sent(user)) == 1


# --- Bot API: 429 and 403 ------------------------------------------------------------------------

def _http_settings(emulator: BotApiEmulator, **kw) -> Settings:
    return Settings(bot_token=TOKEN, telegram_api_url=emulator.url, home_agency="济宁市科学技术局", **kw)


async def test_flood_control_429_is_retried_after_retry_after(db):
    async with BotApiEmulator() as emulator:
        settings = _http_settings(emulator)
        bot = create_bot(settings)
        dp = create_dispatcher(db, FakeQA(), settings)
        try:
            emulator.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, times=2)
            from aiogram.types import Update
            await dp.feed_update(bot, Update.model_validate(Updates().text(7, "2018年主动公开多少条")))
        finally:
            await bot.session.close()
        calls = emulator.calls_to("sendMessage")
        assert [c.status for c in calls] == [429, 429, 200]
        gaps = [b.at - a.at for a, b in zip(calls, calls[1:])]
        assert all(g >= 0.95 for g in gaps), gaps  # waited retry_after each time
        assert "123" in emulator.sent(7)[-1].text  # the answer did arrive


async def test_user_who_blocked_the_bot_is_recorded_and_others_are_served(db):
    from storage.staff import add_staff

    await add_staff(db, 31, "handler", actor="test")
    async with BotApiEmulator() as emulator:
        settings = _http_settings(emulator)
        bot = create_bot(settings)
        dp = create_dispatcher(db, FakeQA(), settings)
        from aiogram.types import Update
        updates = Updates()
        try:
            emulator.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=31, times=5)
            await dp.feed_update(bot, Update.model_validate(updates.text(31, "/start")))
            await dp.feed_update(bot, Update.model_validate(updates.text(32, "/start")))
        finally:
            await bot.session.close()
        assert emulator.sent(31) == [] and len(emulator.sent(32)) == 1
    async with db.session() as s:
        assert (await s.get(StaffMember, 31)).blocked_bot is True


async def test_reminder_scan_over_http_paces_429_and_records_403_while_others_continue(db):
    from storage.models import OfficialYear
    from bot.reminders import run_reminder_scan
    from storage.staff import add_staff
    from bot.scheduler import bot_sender

    for tid in (41, 42, 43):
        await add_staff(db, tid, "handler", actor="test")
    async with db.session() as s:
        s.add(OfficialYear(year=2027, source="test"))
        for i in range(6):
            received = date(2026, 10, 20) + timedelta(days=i)
            s.add(Application(year=2026, seq=i + 1, number=f"2026-{i + 1:04d}", applicant_type="natural_person",
                              name="王五", description="某项目信息", receipt_date=received))
        await s.commit()
    now = datetime(2026, 11, 20, 10, 0, tzinfo=SH).astimezone(timezone.utc)
    async with BotApiEmulator() as emulator:
        settings = _http_settings(emulator)
        bot = create_bot(settings)
        emulator.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=41, times=100)
        emulator.fail("sendMessage", 429, "Too Many Requests: retry after 1", chat_id=42, retry_after=1, times=1)
        try:
            result = await run_reminder_scan(db, now, bot_sender(bot), settings, pace=0.01, per_chat_interval=0.05)
        finally:
            await bot.session.close()
        assert emulator.sent(41) == []
        assert emulator.sent(42) and emulator.sent(43)
        assert len(emulator.sent(42)) == len(emulator.sent(43))  # the 429 cost a wait, not a message
        retried = [c for c in emulator.calls_to("sendMessage") if str(c.params.get("chat_id")) == "42"]
        assert retried[0].status == 429 and retried[1].at - retried[0].at >= 0.95
    assert result.blocked > 0 and result.failed == 0
    async with db.session() as s:
        assert (await s.get(StaffMember, 41)).blocked_bot is True
        rows = list((await s.execute(select(ReminderLedger))).scalars())
    assert {r.status for r in rows if r.recipient == 41} == {"blocked"}
    assert {r.status for r in rows if r.recipient != 41} == {"sent"}
