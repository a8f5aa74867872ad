"""Per-user locks in Redis that die with their process.

aiogram's ``RedisEventIsolation`` takes a lock per chat+user with a fixed timeout, so a process
killed while handling a citizen's update kept that citizen waiting until the timeout ran out (60 s).
Here the lock belongs to a live owner (``storage.liveness``):

- its value is ``<owner>|<random>``; a process waiting for it asks whether the owner is alive and
  removes the lock of a dead one at once (compare-and-delete, so a live holder's lock is never lost);
- its TTL is short (``ttl``) and renewed every ``ttl / 3`` while the handler runs, so even an owner
  whose liveness cannot be told (no PostgreSQL) frees it within ``ttl``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, KeyBuilder, StorageKey

log = logging.getLogger(__name__)

LONG_WAIT_SECONDS = 15.0

_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class LiveRedisIsolation(BaseEventIsolation):
    def __init__(self, redis, key_builder: KeyBuilder, liveness, *, ttl: float = 10.0, poll: float = 0.05,
                 check_every: float = 0.2) -> None:
        self.redis = redis
        self.key_builder = key_builder
        self.liveness = liveness
        self.ttl = ttl
        self.poll = poll
        self.check_every = check_every
        self._renewers: set[asyncio.Task] = set()
        self._extend = redis.register_script(_EXTEND)
        self._delete = redis.register_script(_DELETE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        await self.liveness.start()
        token = f"{self.liveness.owner}|{uuid.uuid4().hex}"
        await self._acquire(name, token)
        renewal = _Renewal(self, name, token)
        try:
            yield None
        finally:
            renewal.stop()
            try:
                await self._delete(keys=[name], args=[token])
            except Exception as exc:  # noqa: BLE001 - it expires within ttl anyway
                log.warning("could not release a per-user lock (%s)", type(exc).__name__)

    async def _acquire(self, name: str, token: str) -> None:
        ttl_ms = int(self.ttl * 1000)
        next_check = 0.0
        started = time.monotonic()
        warn_at = started + LONG_WAIT_SECONDS
        while True:
            if await self.redis.set(name, token, nx=True, px=ttl_ms):
                return
            now = time.monotonic()
            if now >= next_check:
                next_check = now + self.check_every
                holder = await self.redis.get(name)
                if now >= warn_at:
                    warn_at = now + LONG_WAIT_SECONDS
                    log.warning("waiting %.0f s for a per-user lock held by %s", now - started, holder)
                if holder is not None and await self._abandoned(holder):
                    if await self._delete(keys=[name], args=[holder]):
                        log.warning("per-user lock of a process that is gone released")
                    continue
            await asyncio.sleep(self.poll)

    async def _abandoned(self, holder: bytes | str) -> bool:
        value = holder.decode() if isinstance(holder, bytes) else holder
        owner = value.split("|", 1)[0]
        return await self.liveness.alive(owner) is False

    async def close(self) -> None:
        return None  # the Redis client belongs to the FSM storage


class _Renewal:
    """Extends a held lock every ``ttl / 3`` until stopped. Most handlers finish before the first
    renewal, so it is a timer, not a task; a renewal in progress is never cancelled (a cancellation
    in the middle of a Redis call can be swallowed by the client, and a renewer that outlived its
    handler would keep the citizen's lock forever) — it sees the stop flag and ends."""

    def __init__(self, isolation: LiveRedisIsolation, name: str, token: str) -> None:
        self.isolation = isolation
        self.name = name
        self.token = token
        self.stopped = False
        self.loop = asyncio.get_running_loop()
        self.timer = self.loop.call_later(isolation.ttl / 3, self._due)

    def _due(self) -> None:
        if not self.stopped:
            task = self.loop.create_task(self._extend())
            self.isolation._renewers.add(task)
            task.add_done_callback(self.isolation._renewers.discard)

    async def _extend(self) -> None:
        try:
            held = await self.isolation._extend(keys=[self.name], args=[self.token, int(self.isolation.ttl * 1000)])
        except Exception as exc:  # noqa: BLE001 - try again at the next round
            log.warning("could not renew a per-user lock (%s)", type(exc).__name__)
            held = True
        if not held:
            log.warning("a per-user lock expired while its handler was still running")
        elif not self.stopped:
            self.timer = self.loop.call_later(self.isolation.ttl / 3, self._due)

    def stop(self) -> None:
        self.stopped = True
        self.timer.cancel()
