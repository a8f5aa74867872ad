"""``GONGKAI_REDIS_URL`` switches FSM storage and event isolation to Redis: keys under the
deployment's prefix, forms shared by processes, one user's simultaneous updates handled in turn."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from sqlmodel import select

from bot.isolation import LiveRedisIsolation
from bot.settings import Settings, get_settings
from bot.storage_select import describe, make_fsm_storage, make_isolation
from bot.texts import applications as TA
from storage.fsm import SqlStorage
from storage.models import FsmRecord
from tests.bot_harness import Chat, fill_person_form
from tests.services import REDIS_URL, pg_db, pg_url, redis_prefix, redis_url  # noqa: F401 - fixtures


def test_without_redis_sql_storage_and_in_process_locks(db):
    settings = Settings()
    assert isinstance(make_fsm_storage(settings, db), SqlStorage)
    assert isinstance(make_isolation(settings), SimpleEventIsolation)
    assert "fsm=sql" in describe(settings)


@pytest.mark.services
async def test_redis_url_switches_storage_and_isolation(db, redis_url, redis_prefix):  # noqa: F811
    settings = get_settings()
    storage = make_fsm_storage(settings, db)
    try:
        assert isinstance(storage, RedisStorage)
        assert isinstance(make_isolation(settings, storage), LiveRedisIsolation)
        key = StorageKey(bot_id=1, chat_id=2, user_id=2)
        await storage.set_state(key, "ApplyForm:name")
        await storage.set_data(key, {"form": {"name": "张三"}})
        keys = sorted(k.decode() for k in await storage.redis.keys(f"{redis_prefix}:*"))
        assert keys and all(k.startswith(f"{redis_prefix}:fsm:") for k in keys)
        assert await storage.get_data(key) == {"form": {"name": "张三"}}
        assert 0 < await storage.redis.ttl(keys[0]) <= 30 * 86400  # abandoned forms expire
        assert redis_url in describe(settings) and redis_prefix in describe(settings)
    finally:
        await storage.close()


@pytest.mark.services
async def test_form_lives_in_redis_and_continues_in_another_process(pg_db, redis_url):  # noqa: F811
    settings = Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST", redis_url=REDIS_URL,
                        redis_prefix=get_settings().redis_prefix)
    first = Chat(pg_db, settings=settings)
    await fill_person_form(first, stop_before="phone")
    second = Chat(pg_db, settings=settings, updates=first.updates)  # another process, same Redis and database
    await second.say("13812345678")
    assert second.last() == TA.ASK_EMAIL or TA.ASK_EMAIL in second.last()
    async with pg_db.session() as s:
        assert (await s.execute(select(FsmRecord))).first() is None  # nothing in the SQL FSM table


@pytest.mark.services
async def test_two_processes_one_user_two_simultaneous_messages_are_handled_in_turn(pg_db, redis_url):  # noqa: F811
    """Two answers to the "name" step arrive at two processes at once. With the shared lock the
    second is handled after the first, in the next step — where it is not taken as an answer (it
    was sent before that step's question) and the question is shown again."""
    settings = Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST", redis_url=REDIS_URL,
                        redis_prefix=get_settings().redis_prefix)
    from bot.local_session import UpdateFactory

    updates = UpdateFactory()  # update ids are unique across attempts (duplicates would be dropped)
    for attempt in range(5):
        a = Chat(pg_db, settings=settings, updates=updates)
        b = Chat(pg_db, settings=settings, updates=updates)
        user = 60 + attempt
        await fill_person_form(a, user, stop_before="name")
        await asyncio.gather(a.say("王一", user), b.say("王二", user))
        replies = [m.text for chat in (a, b) for m in chat.session.sent if m.chat_id == user][-2:]
        # exactly one name accepted (→ the id type question), the other answer met the id type step
        assert sorted(replies) == sorted([TA.ASK_ID_TYPE, TA.NOT_FILED_HERE + "\n\n" + TA.ASK_ID_TYPE]), replies
