"""Per-user locks in Redis (``bot/isolation.py``) tied to the liveness of their holder: a dead
holder's lock is released at once, a live holder's lock outlasts its short TTL while the handler
runs, and a holder nobody can judge frees it after the TTL."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.isolation import LiveRedisIsolation
from bot.storage_select import key_builder, redis_client
from storage.liveness import LocalLiveness, PgLiveness
from tests.services import REDIS_URL, pg_db, pg_url, redis_prefix  # noqa: F401 - fixtures

pytestmark = pytest.mark.services

KEY = StorageKey(bot_id=1, chat_id=77, user_id=77)


class _Settings:
    def __init__(self, prefix: str) -> None:
        self.redis_url = REDIS_URL
        self.redis_prefix = prefix


async def _holding(isolation: LiveRedisIsolation, hold: asyncio.Event, release: asyncio.Event) -> None:
    async with isolation.lock(KEY):
        hold.set()
        await release.wait()


async def _time_to_acquire(isolation: LiveRedisIsolation) -> float:
    started = time.monotonic()
    async with isolation.lock(KEY):
        return time.monotonic() - started


async def test_lock_of_a_dead_holder_is_released_at_once(pg_db, redis_prefix):  # noqa: F811
    redis = redis_client(_Settings(redis_prefix))
    dead = PgLiveness(pg_db)
    try:
        await dead.start()
        # What kill -9 leaves: the lock (nothing released it) and a PostgreSQL session that ended.
        await redis.set(key_builder(_Settings(redis_prefix)).build(KEY, "lock"), f"{dead.owner}|x", px=10_000)
        await dead.close()
        waiter = LiveRedisIsolation(redis, key_builder(_Settings(redis_prefix)), pg_db.liveness, ttl=10)
        assert await asyncio.wait_for(_time_to_acquire(waiter), 5) < 1.0  # not the 10 s TTL
    finally:
        await dead.close()
        await redis.aclose()


async def test_live_holder_keeps_its_lock_beyond_the_ttl_and_others_wait(pg_db, redis_prefix):  # noqa: F811
    redis = redis_client(_Settings(redis_prefix))
    try:
        isolation = LiveRedisIsolation(redis, key_builder(_Settings(redis_prefix)), pg_db.liveness, ttl=0.6)
        held, release = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(_holding(isolation, held, release))
        await held.wait()
        waiting = asyncio.create_task(_time_to_acquire(isolation))
        await asyncio.sleep(1.5)  # 2.5 × the TTL: renewed meanwhile
        assert not waiting.done()
        release.set()
        await task
        await asyncio.wait_for(waiting, 5)
        assert await redis.exists(key_builder(_Settings(redis_prefix)).build(KEY, "lock")) == 0  # released
    finally:
        await redis.aclose()


async def test_holder_nobody_can_judge_frees_the_lock_after_its_ttl(redis_prefix):  # noqa: F811
    redis = redis_client(_Settings(redis_prefix))
    try:
        name = key_builder(_Settings(redis_prefix)).build(KEY, "lock")
        await redis.set(name, "0123456789abcdef|x", px=800)  # a holder without a judgeable liveness, gone
        isolation = LiveRedisIsolation(redis, key_builder(_Settings(redis_prefix)), LocalLiveness(), ttl=10)
        waited = await asyncio.wait_for(_time_to_acquire(isolation), 5)
        assert 0.5 < waited < 2.0
    finally:
        await redis.aclose()
