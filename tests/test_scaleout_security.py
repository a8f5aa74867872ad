"""Security through the real dispatcher: staff actions need staff with the right role (forged buttons,
non-staff private and group chats), applicants see only their own applications, personal data is
masked in logs and staff lists, per-user rate limits, and secrets never reach the logs."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiogram.types import Update
from sqlmodel import select

from bot.local_session import SentMessage
from bot.ratelimit import MemoryCounter, RateLimitMiddleware, RedisCounter
from bot.settings import Settings
from bot.texts import applications as TA
from bot.texts import common as C
from bot.texts import ratelimit as TR
from bot.texts import staff as TS
from handlers.staff import RevealCb
from storage.models import Application, ApplicationEvent, AuditLog
from storage.personal import access_log, account_condition
from storage.staff import add_staff
from tests.bot_api_emulator import TOKEN, BotApiEmulator, Updates
from tests.bot_harness import VALID_ID, Chat, fill_person_form, opened
from tests.conftest import keys_for_tests
from tests.services import REDIS_URL, free_port, pg_db, pg_url, redis_prefix  # noqa: F401 - fixtures

PHONE = "13812345678"
HANDLER, APPROVER, CITIZEN, OTHER = 501, 502, 7, 8
GROUP = -100123


async def file_application(chat: Chat, user: int = CITIZEN) -> Application:
    await fill_person_form(chat, user)
    await chat.press(TA.CONFIRM, user)
    async with chat.db.session() as s:
        return (await s.execute(select(Application).where(account_condition(chat.db, user)))).scalars().one()


def group_text(updates: Updates, user: int, text: str) -> Update:
    return Update.model_validate(updates.text(user, text, chat_id=GROUP, chat_type="supergroup"))


async def _state(db, app_id: int) -> tuple:
    async with db.session() as s:
        app = await s.get(Application, app_id)
        events = (await s.execute(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == app_id))).all()
    return app.status, app.outcome, app.reply_due, len(events)


# --- staff actions ---------------------------------------------------------------------------------

# every staff button as the bot packs it (typed, valid values), a value no button offers, the
# single-class ``st:`` format of earlier versions, and garbage
FORGED = ["st-close:{id}", "st-out:{id}:open", "st-outok:{id}:open", "st-outok:{id}:granted", "st-ext:{id}",
          "st-extd:{id}:20", "st-corr:{id}", "st-corp:{id}:15", "st-crcv:{id}", "st-clap:{id}", "st-cons:{id}",
          "st-consp:{id}:third_party", "st-cend:{id}", "st-fee:{id}", "st-card:{id}", "st-note:{id}",
          "st-cancel:{id}", "st-reveal:{id}", "st:outok:{id}:granted", "st:garbage"]


async def test_forged_staff_buttons_from_citizens_are_refused_audited_and_change_nothing(db):
    chat = Chat(db)
    app = await file_application(chat)
    before = await _state(db, app.id)
    for template in FORGED:
        data = template.format(id=app.id)
        for user in (CITIZEN, OTHER):
            sent = await chat.press_data(data, user)
            assert chat.alerts()[-1] == TS.REFUSED, data
            assert not any(app.number in m.text or VALID_ID in m.text for m in sent)
    assert await _state(db, app.id) == before
    async with db.session() as s:
        refusals = (await s.execute(select(AuditLog).where(AuditLog.allowed.is_(False)))).scalars().all()
    assert len(refusals) >= len(FORGED) * 2


async def test_a_handler_cannot_use_an_approver_button(db):
    await add_staff(db, HANDLER, "handler", actor="test")
    chat = Chat(db)
    app = await file_application(chat)
    before = await _state(db, app.id)
    await chat.press_data(f"st-extd:{app.id}:20", HANDLER)
    await chat.say("需要更多时间", HANDLER)
    assert TS.REFUSED in chat.alerts()
    assert await _state(db, app.id) == before


async def test_staff_commands_refused_for_citizens_in_private_and_group_chats(db):
    chat = Chat(db)
    app = await file_application(chat)
    group = Updates(start=100_000)
    for command in ("/queue", "/due", f"/app {app.number}", f"/note {app.number} 伪造备注"):
        sent = await chat.say(command, OTHER)
        assert [m.text for m in sent] == [C.NOT_STAFF], command
        sent = await chat.feed(group_text(group, OTHER, command))  # the same from a group chat
        assert [m.text for m in sent] == [C.NOT_STAFF], command
        assert all(m.chat_id == GROUP for m in sent)
    async with db.session() as s:
        notes = (await s.execute(select(ApplicationEvent).where(ApplicationEvent.kind == "note"))).all()
    assert notes == []


# --- applicants see only their own ---------------------------------------------------------------

async def test_applicants_see_only_their_own_applications(db):
    chat = Chat(db)
    mine = await file_application(chat, CITIZEN)
    await chat.say("/my", OTHER)
    assert chat.last(OTHER) == TA.MY_EMPTY
    theirs = await file_application(chat, OTHER)
    await chat.say("/my", OTHER)
    assert theirs.number in chat.last(OTHER) and mine.number not in chat.last(OTHER)
    await chat.say("/my", CITIZEN)
    assert mine.number in chat.last(CITIZEN) and theirs.number not in chat.last(CITIZEN)
    # Replaying someone else's confirm button never shows their receipt.
    ok = f"f:ok:{mine.idempotency_key.rsplit(':', 1)[1]}"
    sent = await chat.press_data(ok, OTHER)
    assert all(mine.number not in m.text for m in sent)
    # Nothing another user sees carries the first applicant's identifiers.
    assert all(VALID_ID not in t and PHONE not in t for t in chat.texts(OTHER))


# --- personal data in logs and staff lists ----------------------------------------------------------

OWN = ("bot", "storage", "handlers", "knowledge", "disclosure")


class Capture(logging.Handler):
    def __init__(self, own_only: bool) -> None:
        super().__init__(logging.DEBUG)
        self.own_only = own_only
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if self.own_only and record.name.split(".")[0] not in OWN:
            return
        self.lines.append(self.format(record))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


class Logs:
    def __init__(self) -> None:
        self.own = Capture(own_only=True)  # our code, unfiltered: must not log personal data at all
        self.all = Capture(own_only=False)  # everything incl. libraries at DEBUG, through the production filter

    @property
    def text(self) -> str:
        return "\n".join(self.own.lines + self.all.lines)


@pytest.fixture
def all_logs():
    from bot.logredact import RedactingFilter

    logs = Logs()
    logs.all.addFilter(RedactingFilter())
    root = logging.getLogger()
    old = root.level
    root.addHandler(logs.own)
    root.addHandler(logs.all)
    root.setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        root.removeHandler(logs.own)
        root.removeHandler(logs.all)
        root.setLevel(old)


async def test_personal_data_never_appears_in_logs_or_staff_lists(db, all_logs):
    await add_staff(db, HANDLER, "handler", actor="test")
    chat = Chat(db)
    app = await file_application(chat)
    await chat.say("/my", CITIZEN)
    await chat.say("/queue", HANDLER)
    await chat.say("/due", HANDLER)
    queue = [t for t in chat.texts(HANDLER)]
    assert queue and all(VALID_ID not in t and PHONE not in t for t in queue)  # lists: masked / omitted
    # …masked on the application card too, shown in full only when staff ask for it (and logged).
    await chat.say(f"/app {app.number}", HANDLER)
    assert VALID_ID not in chat.last(HANDLER) and PHONE not in chat.last(HANDLER)
    await chat.press_data(RevealCb(app=app.id).pack(), HANDLER)
    assert VALID_ID in chat.last(HANDLER) and PHONE in chat.last(HANDLER)
    [entry] = await access_log(db, application=app.id)
    assert (entry.actor, entry.action, entry.channel) == (f"tg:{HANDLER}", "view", "chat")
    # The citizen's own summary and receipt show masked values only.
    assert all(VALID_ID not in t for t in chat.texts(CITIZEN))
    logged = all_logs.text
    assert all_logs.own.lines and len(all_logs.all.lines) > 100, "no log output captured"
    assert VALID_ID not in logged and VALID_ID.lower() not in logged
    assert PHONE not in logged
    assert app.number in logged  # the logs do say what happened, by number


# --- rate limits ---------------------------------------------------------------------------------

async def test_questions_per_minute_limit_is_polite_and_recovers(db):
    clock = [1000.0]
    chat = Chat(db, settings=Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST",
                                      rate_limit_questions_per_minute=3))
    limiter = _limiter(chat)
    limiter.counter = MemoryCounter(clock=lambda: clock[0])
    for i in range(3):
        await chat.say(f"2018年主动公开多少条{i}")
        assert chat.last() != TR.QUESTIONS_LIMITED.format(limit=3)
    await chat.say("2018年第四个问题")
    assert chat.last() == TR.QUESTIONS_LIMITED.format(limit=3)
    assert chat.qa.logged[-1][0].endswith("2")  # the fourth question was never answered
    sent = await chat.say("2018年第五个问题")
    assert sent == []  # told once per window, then quiet
    await chat.say("/help")  # commands and form steps are not questions
    assert chat.last() != TR.QUESTIONS_LIMITED.format(limit=3)
    await chat.say("/ask 2018年主动公开了多少条", OTHER)  # other users are not affected
    assert "123" in chat.last(OTHER)
    clock[0] += 61
    await chat.say("2018年一分钟后")
    assert "123" in chat.last()


def _limiter(chat: Chat) -> RateLimitMiddleware:
    return next(m for m in chat.dp.update.outer_middleware if isinstance(m, RateLimitMiddleware))


async def test_applications_per_day_limit(db):
    chat = Chat(db, settings=Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST",
                                      rate_limit_applications_per_day=1))
    await fill_person_form(chat)
    ok = next(data for text, data in chat.last_with_buttons().buttons() if text == TA.CONFIRM)
    await chat.press_data(ok)
    await chat.say("/apply")
    limited = TR.APPLICATIONS_LIMITED.format(limit=1)
    assert chat.last() == limited
    # A second tap on the first application's confirm button still shows its receipt.
    await chat.press_data(ok)
    assert TA.CONFIRM not in chat.last() and limited != chat.last()
    # Another user may still apply.
    await fill_person_form(chat, OTHER)
    await chat.press(TA.CONFIRM, OTHER)
    async with db.session() as s:
        apps = (await s.execute(select(Application))).scalars().all()
    assert sorted(opened(db, a).telegram_user_id for a in apps) == [CITIZEN, OTHER]


async def test_a_form_started_before_the_limit_cannot_be_submitted_past_it(db):
    chat = Chat(db, settings=Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST",
                                      rate_limit_applications_per_day=1))
    await fill_person_form(chat)
    await chat.press(TA.CONFIRM)
    # The limit is counted in the database: a forged confirm with a fresh draft id is refused too.
    await chat.press_data("f:ok:ffffffffffffffff")
    assert chat.alerts()[-1] == TR.APPLICATIONS_LIMITED.format(limit=1)
    async with db.session() as s:
        assert len((await s.execute(select(Application))).scalars().all()) == 1


@pytest.mark.services
async def test_question_limit_is_shared_by_processes_through_redis(redis_prefix):  # noqa: F811
    from redis.asyncio import Redis

    a, b = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    try:
        ca, cb = RedisCounter(a, redis_prefix, clock=lambda: 5000.0), RedisCounter(b, redis_prefix, clock=lambda: 5000.0)
        counts = await asyncio.gather(*(c.hit("q:7", 60) for c in [ca, cb] * 5))
        assert sorted(counts) == list(range(1, 11))  # one counter, whichever process sees the message
        assert await RedisCounter(a, redis_prefix, clock=lambda: 5061.0).hit("q:7", 60) == 1  # next window
    finally:
        await a.aclose()
        await b.aclose()


# --- secrets ------------------------------------------------------------------------------------

@pytest.mark.services
async def test_secrets_never_logged_in_webhook_mode(pg_url, all_logs):  # noqa: F811
    """Token, webhook secret and database password appear in no log line, neither on a normal run
    nor on failures (database down for the health check, Bot API refusing the token)."""
    from sqlalchemy.engine import make_url

    from bot.runner import RunError
    from bot.webhook import run_webhook
    from storage.db import open_database

    password = "Pg-Pass-Never-Logged-42"
    url = make_url(pg_url).set(password=password).render_as_string(hide_password=False)  # trust auth ignores it
    secret = "Webhook-Secret-Never-Logged-42"
    db = await open_database(url, keys=keys_for_tests())
    try:
        async with BotApiEmulator() as emulator:
            port = free_port()
            settings = Settings(bot_token=TOKEN, telegram_api_url=emulator.url, webhook_secret=secret,
                                webhook_url="https://bot.example.gov.cn", webhook_port=port, database_url=url,
                                redis_url=f"redis://:{password}@127.0.0.1:1/0")
            stop, ready = asyncio.Event(), asyncio.Event()

            async def on_ready(_):
                ready.set()

            task = asyncio.create_task(run_webhook(db, settings, stop=stop, on_ready=on_ready, reminders=False))
            await asyncio.wait_for(ready.wait(), 20)
            import aiohttp
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:  # Redis unreachable → 503
                    body = await r.text()
                    assert r.status == 503 and password not in body
            stop.set()
            await asyncio.wait_for(task, 20)

            emulator.token = "other"  # the Bot API now refuses our token
            with pytest.raises(RunError) as refused:
                await run_webhook(db, settings, stop=asyncio.Event(), reminders=False)
            assert TOKEN not in str(refused.value)
    finally:
        await db.dispose()
    logged = all_logs.text
    assert "webhook" in logged  # the start-up line was captured
    token_secret = TOKEN.split(":", 1)[1]
    for value in (token_secret, secret, password):
        assert value not in logged
    assert repr(settings).count(secret) == 0 and repr(settings).count(token_secret) == 0


async def test_application_card_with_personal_data_is_never_posted_in_a_group(db):
    await add_staff(db, HANDLER, "handler", actor="test")
    chat = Chat(db)
    app = await file_application(chat)
    group = Updates(start=200_000)
    sent = await chat.feed(group_text(group, HANDLER, f"/app {app.number}"))
    assert sent and all(VALID_ID not in m.text and PHONE not in m.text for m in sent)
    assert TS.CARD_PRIVATE_ONLY.format(number=app.number) in [m.text for m in sent]
    refused = await chat.feed(chat.updates.press(HANDLER, RevealCb(app=app.id).pack(), SentMessage(GROUP, 1, "")))  # the full view neither
    assert all(VALID_ID not in m.text for m in refused) and await access_log(db) == []
    private = await chat.say(f"/app {app.number}", HANDLER)  # the same staff member in private: masked card…
    assert not any(VALID_ID in m.text for m in private) and any("1101**********002X" in m.text for m in private)
    await chat.press_data(RevealCb(app=app.id).pack(), HANDLER)  # … in full on request
    assert VALID_ID in chat.last(HANDLER)
