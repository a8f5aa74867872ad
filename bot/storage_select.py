"""FSM storage and event isolation for the deployment: SQL + in-process locks (one process) or
Redis (several processes serving the same bot).

With several processes, two updates of one user may be handled by different processes at the same
time (webhook behind a load balancer, a restart during polling). ``LiveRedisIsolation``
(``bot/isolation.py``) takes a per-user lock in Redis, so one user's updates are still handled one
after the other, and a lock left by a dead process is released at once; the form data lives in Redis
(JSON, never pickle) so any process can continue any form.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.settings import Settings
from storage.db import Database

# A half-filled form is kept this long after its last change (the SQL storage keeps it forever).
FORM_TTL = timedelta(days=30)
# A per-user lock expires this long after its last renewal (renewed every third of it while the
# handler runs); a lock of a process known to be dead is released at once.
LOCK_TTL_SECONDS = 10
REDIS_MAX_CONNECTIONS = 50  # per process
REDIS_POOL_TIMEOUT = 20  # seconds to wait for a free connection before the update fails


def key_builder(settings: Settings) -> DefaultKeyBuilder:
    prefix = (getattr(settings, "redis_prefix", None) or "gongkai").strip() or "gongkai"
    return DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_bot_id=True, with_destiny=True)


def redis_client(settings: Settings):
    """A client whose pool *waits* for a free connection (the default pool raises "Too many
    connections" when a burst of updates needs more than its limit at once)."""
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=REDIS_MAX_CONNECTIONS,
                                           timeout=REDIS_POOL_TIMEOUT)
    return Redis(connection_pool=pool)


def make_fsm_storage(settings: Settings, db: Database) -> BaseStorage:
    """``RedisStorage`` when ``GONGKAI_REDIS_URL`` is set, else the SQL storage (``fsm_record`` table)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        sealing = {}
        if getattr(db, "keys", None) is not None:  # a half-filled form holds personal data: sealed in Redis too
            from storage.crypto import sealed_json
            from storage.fsm import PURPOSE

            dumps, loads = sealed_json(db.keys, PURPOSE)
            sealing = {"json_dumps": dumps, "json_loads": loads}
        return RedisStorage(redis_client(settings), key_builder=key_builder(settings),
                            state_ttl=FORM_TTL, data_ttl=FORM_TTL, **sealing)
    from storage.fsm import SqlStorage

    return SqlStorage(db)


def make_isolation(settings: Settings, storage: BaseStorage | None = None, liveness=None) -> BaseEventIsolation:
    """Per-user locks shared by every process (Redis), or in-process locks (one process).

    ``liveness`` (``storage.liveness``, normally ``db.liveness``) tells whether a lock's holder is
    alive; without it a dead holder's lock is freed by its short TTL only."""
    from aiogram.fsm.storage.redis import RedisStorage

    from bot.isolation import LiveRedisIsolation
    from storage.liveness import LocalLiveness

    if isinstance(storage, RedisStorage):
        redis = storage.redis
    elif settings.redis_url:
        redis = redis_client(settings)
    else:
        return SimpleEventIsolation()
    return LiveRedisIsolation(redis, key_builder(settings), liveness or LocalLiveness(), ttl=LOCK_TTL_SECONDS)


def describe(settings: Settings) -> str:
    """For the start-up log line: which backends, without any credentials."""
    from sqlalchemy.engine import make_url

    db = make_url(settings.resolved_database_url)
    parts = [f"database={db.get_backend_name()}://{db.host or ''}{'/' + db.database if db.database else ''}"]
    if settings.redis_url:
        r = make_url(settings.redis_url.replace("rediss://", "redis://", 1))
        parts.append(f"fsm=redis://{r.host or ''}:{r.port or 6379}/{r.database or 0} prefix={key_builder(settings).prefix}")
    else:
        parts.append("fsm=sql")
    return " ".join(parts)
