"""A bot process killed (``kill -9``) in the middle of updates, as a load balancer and a crash
really behave: two ``gongkai run --webhook`` processes on one PostgreSQL database and one Redis; the
Bot API emulator holds the replies of four citizens so that the first process is caught in the
middle of their updates; it is killed there; every request that was in flight is retried on the
other process (nginx ``proxy_next_upstream``); the killed process is restarted on its port.

One run (a module fixture, the processes are slow to start), one test per promise:

1. the retried update is handled at once by the other process — no reply lost;
2. a form answer applies only to the step that was asked: the retry of an answer whose next
   prompt never reached the citizen shows that prompt again, and an answer sent before the prompt
   appeared is not filed under it;
3. a button of an earlier step answers the callback and shows the current step with its keyboard;
4. a citizen whose per-user lock was held by the dead process is served at once, not after the
   lock's expiry;
5. a duplicate of an update a *live* process is still handling has exactly one effect.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sqlmodel import select

from bench.load_bench import BotProcess, WEBHOOK_PATH, bot_env, run_data_key, prepare_database, start_bot, stop_bots, wait_healthy
from bot.texts import applications as TA
from bot.texts import common as C
from tests.bot_api_emulator import BotApiEmulator, Message, Updates, post_update
from tests.services import (REDIS_URL, create_pg_database, drop_pg_database, free_port, require_pg,
                            require_redis)

pytestmark = pytest.mark.services

REPLY_TIMEOUT = 20.0  # far below the old 60 s lock expiry and 120 s takeover lease
QUESTION = "2018年主动公开了多少条政府信息？"
ADDRESS = "山东省济宁市任城区共青团路12号"
DESCRIPTION = "2019年度科技计划项目立项名单"
U_QUESTION, U_TEXT, U_BUTTON, U_LOCK, U_DUPLICATE = 91001, 91002, 91003, 91004, 91005


@dataclass
class Outcome:
    """What each citizen saw (None: nothing within REPLY_TIMEOUT)."""

    retry_reply: dict[int, Any] = field(default_factory=dict)
    retry_seconds: dict[int, float] = field(default_factory=dict)  # from the kill to the reply
    resend_reply: Any = None
    stale_press_reply: Any = None
    stale_press_answer: dict | None = None
    lock_reply: Any = None
    lock_seconds: float | None = None
    duplicate_waited: bool | None = None
    duplicate_statuses: list[int] = field(default_factory=list)
    messages: dict[int, list[Message]] = field(default_factory=dict)
    applications: dict[int, list[Any]] = field(default_factory=dict)
    addresses: dict[int, str] = field(default_factory=dict)  # application id -> the sealed address, opened
    errors: list[str] = field(default_factory=list)


class World:
    def __init__(self, emulator: BotApiEmulator, http: aiohttp.ClientSession, secret: str) -> None:
        self.emulator = emulator
        self.http = http
        self.secret = secret
        self.updates = Updates(message_ids=emulator.message_ids)

    async def post(self, bot: BotProcess, update: dict) -> int:
        return await post_update(self.http, bot.url, WEBHOOK_PATH, self.secret, update)

    async def exchange(self, bot: BotProcess, user: int, update: dict) -> Any:
        """Post ``update`` and return the citizen's next message (or the callback notice)."""
        count = len(self.emulator.sent(user)) + 1
        assert await self.post(bot, update) == 200
        return await self.reply(user, count, update)

    async def reply(self, user: int, count: int, update: dict, timeout: float = REPLY_TIMEOUT) -> Any:
        callback = update.get("callback_query", {}).get("id")
        try:
            return await self.emulator.wait_for_reply(user, count, callback, timeout=timeout)
        except asyncio.TimeoutError:
            return None

    def say(self, user: int, text: str) -> dict:
        return self.updates.text(user, text)

    def press(self, user: int, label: str) -> dict:
        msg = self.last_keyboard(user)
        return self.updates.press(user, msg.button(label), msg)

    def last_keyboard(self, user: int) -> Message:
        return next(m for m in reversed(self.emulator.sent(user)) if m.buttons())


async def walk(world: World, bots: list[BotProcess], user: int, steps: list[tuple[str, str]]) -> None:
    for i, (kind, value) in enumerate(steps):
        update = world.say(user, value) if kind == "say" else world.press(user, value)
        reply = await world.exchange(bots[i % len(bots)], user, update)
        assert isinstance(reply, Message), (user, kind, value, reply)


def person_steps(n: int) -> list[tuple[str, str]]:
    from bench.load_bench import resident_id

    return [("say", "/apply"), ("press", TA.APPLICANT_PERSON), ("say", f"市民{n}"),
            ("press", TA.ID_TYPES["resident_id"]), ("say", resident_id(n)), ("say", f"1391234{n % 10000:04d}")]


UP_TO_ADDRESS = [("press", TA.SKIP)]  # e-mail skipped: the address is asked next
UP_TO_DELIVERY = [("press", TA.SKIP), ("press", TA.SKIP), ("say", DESCRIPTION), ("press", TA.SKIP)]


async def scenario(db_url: str, redis_prefix: str, workdir: Path) -> Outcome:
    await prepare_database(db_url)
    out = Outcome()
    secret = secrets.token_urlsafe(16)
    async with BotApiEmulator() as emulator, aiohttp.ClientSession() as http:
        world = World(emulator, http, secret)

        def spawn(name: str, port: int) -> BotProcess:
            env = bot_env(db_url=db_url, api_url=emulator.url, port=port, secret=secret, redis_url=REDIS_URL,
                          redis_prefix=redis_prefix, data_dir=workdir / name)
            return BotProcess(port, start_bot(env, workdir / f"{name}.log"), workdir / f"{name}.log")

        a, b = spawn("a", free_port()), spawn("b", free_port())
        bots = [a, b]
        try:
            await wait_healthy(bots)
            # The forms, walked over both processes.
            await walk(world, [a, b], U_TEXT, person_steps(U_TEXT) + UP_TO_ADDRESS)
            await walk(world, [a, b], U_BUTTON, person_steps(U_BUTTON) + UP_TO_DELIVERY)
            await walk(world, [a, b], U_DUPLICATE, person_steps(U_DUPLICATE) + UP_TO_DELIVERY
                       + [("press", TA.DELIVERY_FORMS["electronic"]), ("press", TA.DELIVERY_CHANNELS["telegram"])])
            assert TA.ASK_ADDRESS in emulator.sent(U_TEXT)[-1].text
            assert TA.ASK_DELIVERY_FORM in emulator.sent(U_BUTTON)[-1].text

            # Four citizens caught in the middle of an update on process a: their replies are held.
            in_flight = {
                U_QUESTION: world.say(U_QUESTION, QUESTION),
                U_TEXT: world.say(U_TEXT, ADDRESS),
                U_BUTTON: world.press(U_BUTTON, TA.DELIVERY_FORMS["electronic"]),
                U_LOCK: world.say(U_LOCK, QUESTION),
            }
            holds = {user: emulator.hold("sendMessage", user) for user in in_flight}
            counts = {user: len(emulator.sent(user)) + 1 for user in in_flight}
            tasks = {user: asyncio.create_task(world.post(a, update)) for user, update in in_flight.items()}
            await asyncio.wait_for(asyncio.gather(*(h.arrived.wait() for h in holds.values())), 30)
            # The impatient citizen types the address again before any prompt appears.
            resend = world.say(U_TEXT, ADDRESS)

            os.kill(a.proc.pid, signal.SIGKILL)
            killed = time.monotonic()
            a.proc.wait(timeout=10)

            async def retried_on_b(user: int) -> None:
                try:
                    await tasks[user]
                    out.errors.append(f"user {user}: the request to the killed process did not fail")
                except aiohttp.ClientError:
                    pass  # what nginx sees; it tries the next upstream
                assert await world.post(b, in_flight[user]) == 200
                reply = await world.reply(user, counts[user], in_flight[user])
                out.retry_reply[user] = reply
                if reply is not None:
                    out.retry_seconds[user] = time.monotonic() - killed

            async def next_update_of_locked_user() -> None:
                tasks[U_LOCK].cancel()  # this one is not retried: the citizen simply writes again
                started = time.monotonic()
                out.lock_reply = await world.exchange(b, U_LOCK, world.say(U_LOCK, "/help"))
                if out.lock_reply is not None:
                    out.lock_seconds = time.monotonic() - started

            await asyncio.gather(*(retried_on_b(u) for u in (U_QUESTION, U_TEXT, U_BUTTON)),
                                 next_update_of_locked_user())

            # Process a restarts on its port (systemd) while b carries on.
            bots[0] = a2 = spawn("a2", a.port)
            await wait_healthy([a2])

            # 2: the answer typed before the prompt appeared is not filed as the description.
            out.resend_reply = await world.exchange(a2, U_TEXT, resend)
            # 3: the button of the step before is pressed again.
            stale = world.updates.press(U_BUTTON, next(m for m in emulator.sent(U_BUTTON)
                                                       if TA.ASK_DELIVERY_FORM in m.text).button(
                TA.DELIVERY_FORMS["electronic"]), next(m for m in emulator.sent(U_BUTTON)
                                                        if TA.ASK_DELIVERY_FORM in m.text))
            out.stale_press_reply = await world.exchange(b, U_BUTTON, stale)
            out.stale_press_answer = emulator.callback_answer(stale["callback_query"]["id"])

            # 5: a duplicate of the confirm press reaches a2 while b is still handling it.
            hold = emulator.hold("sendMessage", U_DUPLICATE)
            confirm = world.press(U_DUPLICATE, TA.CONFIRM)
            first = asyncio.create_task(world.post(b, confirm))
            await asyncio.wait_for(hold.arrived.wait(), 30)
            second = asyncio.create_task(world.post(a2, confirm))
            await asyncio.sleep(1.0)
            out.duplicate_waited = not second.done()
            hold.release()
            out.duplicate_statuses = list(await asyncio.gather(first, second))
            await asyncio.sleep(0.5)

            # The two forms are finished, alternating between the processes.
            finish_text = [("say", DESCRIPTION), ("press", TA.SKIP), ("press", TA.DELIVERY_FORMS["paper"]),
                           ("press", TA.DELIVERY_CHANNELS["post"]), ("press", TA.CONFIRM)]
            finish_button = [("press", TA.DELIVERY_CHANNELS["telegram"]), ("press", TA.CONFIRM)]
            for user, steps in ((U_TEXT, finish_text), (U_BUTTON, finish_button)):
                try:
                    await walk(world, [a2, b], user, steps)
                except (AssertionError, StopIteration) as exc:
                    out.errors.append(f"user {user} could not finish the form: {exc!r}")
            out.messages = {u: emulator.sent(u) for u in (U_QUESTION, U_TEXT, U_BUTTON, U_LOCK, U_DUPLICATE)}
        finally:
            stop_bots(bots)
    from storage.crypto import DataKeys
    from storage.db import open_database
    from storage.models import Application
    from storage.personal import _applicant, applicant_chat

    db = await open_database(db_url, keys=DataKeys([run_data_key()]))  # the key the bots sealed with
    try:
        async with db.session() as s:  # the citizen's account is stored sealed: opened with the key
            for app in (await s.execute(select(Application))).scalars():
                out.applications.setdefault(applicant_chat(db, app), []).append(app)
                out.addresses[app.id] = _applicant(db, app).address
    finally:
        await db.dispose()
    return out


@pytest.fixture(scope="module")
def crash(tmp_path_factory) -> Outcome:
    require_pg()
    require_redis()
    db_url = create_pg_database("gk_crash")
    prefix = f"gktest{secrets.token_hex(4)}"
    try:
        yield asyncio.run(scenario(db_url, prefix, tmp_path_factory.mktemp("crash")))
    finally:
        drop_pg_database(db_url)
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def _text(reply: Any) -> str:
    return reply.text if isinstance(reply, Message) else f"<no message: {reply!r}>"


def test_1_update_in_flight_at_the_kill_is_answered_by_the_other_process(crash):
    reply = crash.retry_reply[U_QUESTION]
    assert isinstance(reply, Message), reply
    assert "2018" in reply.text and C.DB_UNAVAILABLE not in reply.text
    # one answer, not two (the killed process never got its reply out)
    assert len(crash.messages[U_QUESTION]) == 1


def test_2_answer_applies_only_to_the_step_that_was_asked(crash):
    retry = crash.retry_reply[U_TEXT]
    assert isinstance(retry, Message) and TA.ASK_DESCRIPTION in retry.text, _text(retry)
    # the copy sent before the prompt appeared is not taken as the description: the prompt again
    assert isinstance(crash.resend_reply, Message) and TA.ASK_DESCRIPTION in crash.resend_reply.text
    [app] = crash.applications[U_TEXT]
    assert (crash.addresses[app.id], app.description) == (ADDRESS, DESCRIPTION)
    assert (app.delivery_form, app.delivery_channel) == ("paper", "post")


def test_3_stale_button_shows_the_current_step_with_its_keyboard(crash):
    channels = {TA.DELIVERY_CHANNELS[c] for c in TA.CHANNELS_FOR_FORM["electronic"]}
    for reply in (crash.retry_reply[U_BUTTON], crash.stale_press_reply):
        assert isinstance(reply, Message), reply
        assert TA.ASK_DELIVERY_CHANNEL in reply.text
        assert {label for label, _ in reply.buttons()} == channels
    # the press is answered with a short notice, not an alert the citizen must dismiss
    assert crash.stale_press_answer is not None and crash.stale_press_answer.get("text") == TA.STEP_MOVED_ON
    assert str(crash.stale_press_answer.get("show_alert", "false")).lower() in ("false", "0", "none")
    # finished without starting again
    assert [m.text for m in crash.messages[U_BUTTON]].count(TA.INTRO + "\n\n" + TA.ASK_APPLICANT_TYPE) == 1
    [app] = crash.applications[U_BUTTON]
    assert (app.delivery_form, app.delivery_channel, app.description) == ("electronic", "telegram", DESCRIPTION)


def test_4_user_lock_of_the_dead_process_does_not_hold_the_citizen(crash):
    assert isinstance(crash.lock_reply, Message), crash.lock_reply
    assert crash.lock_seconds is not None and crash.lock_seconds < 5.0, crash.lock_seconds


def test_5_duplicate_of_a_live_claim_has_one_effect(crash):
    assert crash.duplicate_waited is True  # the second process waited for the live owner...
    assert crash.duplicate_statuses == [200, 200]  # ...and then dropped it
    [app] = crash.applications[U_DUPLICATE]
    assert sum(app.number in m.text for m in crash.messages[U_DUPLICATE]) == 1


def test_recovery_within_five_seconds_and_nothing_else_went_wrong(crash, capsys):
    with capsys.disabled():
        print(f"\ncrash: replies to the retried updates {', '.join(f'{s:.2f} s' for s in crash.retry_seconds.values())} "
              f"after the kill; next update of the citizen whose lock the dead process held: "
              f"{crash.lock_seconds if crash.lock_seconds is None else round(crash.lock_seconds, 2)} s")
    assert crash.errors == []
    assert set(crash.retry_seconds) == {U_QUESTION, U_TEXT, U_BUTTON}
    assert max(crash.retry_seconds.values()) < 5.0, crash.retry_seconds
