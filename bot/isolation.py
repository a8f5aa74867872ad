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
from contextlib import asynccontextmanager, suppress

from aiogram.fsm.storage.base import BaseEventIsolation, KeyBuilder, StorageKey

log = logging.getLogger(__name__)

_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class LiveRedisIsolation(BaseEventIsolation):
    def __init__(self, redis, key_builder: KeyBuilder, liveness, *, ttl: float = 10.0, poll: float = 0.02,
                 check_every: float = 0.2) -> None:
        self.redis = redis
        self.key_builder = key_builder
        self.liveness = liveness
        self.ttl = ttl
        self.poll = poll
        self.check_every = check_every
        self._extend = redis.register_script(_EXTEND)
        self._delete = redis.register_script(_DELETE)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        await self.liveness.start()
        token = f"{self.liveness.owner}|{uuid.uuid4().hex}"
        await self._acquire(name, token)
        renewer = asyncio.create_task(self._renew(name, token))
        try:
            yield None
        finally:
            renewer.cancel()
            with suppress(asyncio.CancelledError):
                await renewer
            try:
                await self._delete(keys=[name], args=[token])
            except Exception as exc:  # noqa: BLE001 - it expires within ttl anyway
                log.warning("could not release a per-user lock (%s)", type(exc).__name__)

    async def _acquire(self, name: str, token: str) -> None:
        ttl_ms = int(self.ttl * 1000)
        next_check = 0.0
        while True:
            if await self.redis.set(name, token, nx=True, px=ttl_ms):
                return
            now = time.monotonic()
            if now >= next_check:
                next_check = now + self.check_every
                holder = await self.redis.get(name)
                if holder is not None and await self._abandoned(holder):
                    if await self._delete(keys=[name], args=[holder]):
                        log.warning("per-user lock of a process that is gone released")
                    continue
            await asyncio.sleep(self.poll)

    async def _abandoned(self, holder: bytes | str) -> bool:
        value = holder.decode() if isinstance(holder, bytes) else holder
        owner = value.split("|", 1)[0]
        return await self.liveness.alive(owner) is False

    async def _renew(self, name: str, token: str) -> None:
        ttl_ms = int(self.ttl * 1000)
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                if not await self._extend(keys=[name], args=[token, ttl_ms]):
                    log.warning("a per-user lock expired while its handler was still running")
                    return
            except Exception as exc:  # noqa: BLE001 - try again at the next round
                log.warning("could not renew a per-user lock (%s)", type(exc).__name__)

    async def close(self) -> None:
        return None  # the Redis client belongs to the FSM storage
