"""Which bot processes are alive — the owners of update claims and of per-user locks.

A process that is killed (``kill -9``, the OOM killer, a lost container) leaves behind what it had
taken: ``processed_update`` rows never marked done and per-user locks in Redis. Another process
must tell "still being handled" from "abandoned" at once, so that the retry a load balancer sends it
is handled instead of dropped, and the citizen's next message is not kept waiting.

PostgreSQL (the scale-out deployment): every process holds a session-level advisory lock on one
dedicated connection for its whole life, and its owner id names that lock (``pg:<key>``). The server
releases the lock the moment the session ends: when a process dies the kernel closes its socket and
the backend exits (milliseconds on one machine); a machine that vanishes is noticed through the TCP
keepalives set on that connection (about 25 s). ``alive(owner)`` reads ``pg_locks``. The connection
is checked every few seconds and re-established (same key) if it broke. A pooler in *transaction*
mode (pgbouncer) cannot carry session locks: point the bot at PostgreSQL directly or in session mode.

SQLite (the embedded one-process deployment) has no such thing: ``LocalLiveness`` knows only this
process and answers "cannot tell" for any other owner; callers keep their previous rules then.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from storage.db import Database

log = logging.getLogger(__name__)

PG_OWNER_PREFIX = "pg:"
DEAD_MEMORY_SECONDS = 5.0  # a dead owner is remembered this long (a crash leaves many claims and locks)
HEARTBEAT_SECONDS = 5.0
RECONNECT_SECONDS = 1.0
# Session settings of the liveness connection: the server notices a vanished client machine within
# idle + interval × count seconds; no server-side idle timeout may end this idle session.
_SESSION_SETTINGS = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET tcp_user_timeout = 25000",
    "SET idle_in_transaction_session_timeout = 0",
    "SET idle_session_timeout = 0",
)
_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND ((classid::bigint << 32) | objid::bigint) = :key)"
)


class LocalLiveness:
    """This process only (SQLite, one process): any other owner is unknown (``None``)."""

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex

    async def start(self) -> None:
        return None

    async def alive(self, owner: str) -> bool | None:
        return True if owner == self.owner else None

    def judges(self, owner: str) -> bool:
        return owner == self.owner

    async def close(self) -> None:
        return None


class PgLiveness:
    """A session-level advisory lock held for the life of the process (see the module doc)."""

    def __init__(self, db: "Database") -> None:
        self.db = db
        self.key = self._new_key()
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._heartbeat: asyncio.Task | None = None
        self._starting: asyncio.Lock | None = None
        self._closed = False
        self._dead: dict[int, float] = {}  # owner key → when it was found dead (monotonic)

    @staticmethod
    def _new_key() -> int:
        return secrets.randbits(62) + 1

    @property
    def owner(self) -> str:
        return f"{PG_OWNER_PREFIX}{self.key}"

    async def start(self) -> None:
        """Hold the lock (idempotent; the first caller connects, the others wait for it)."""
        if self._conn is not None or self._closed:
            return
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._conn is not None or self._closed:
                return
            await self._connect(fresh_key=True)
            self._heartbeat = asyncio.create_task(self._beat(), name="gongkai-liveness")
            log.info("process liveness: owner %s (PostgreSQL advisory lock)", self.owner)

    async def _connect(self, *, fresh_key: bool) -> None:
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        from storage.db import async_url

        if self._engine is None:
            self._engine = create_async_engine(async_url(self.db.url), poolclass=NullPool, hide_parameters=True)
        conn = await self._engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in _SESSION_SETTINGS:
                try:
                    await conn.exec_driver_sql(statement)
                except DBAPIError:  # an older server without the setting: keep its default
                    pass
            for attempt in range(50):
                if (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})).scalar():
                    break
                if fresh_key or attempt >= 10:  # drawn by another process, or our old session lingers
                    log.warning("liveness key in use; drawing another one")
                    self.key = self._new_key()
                else:
                    await asyncio.sleep(0.2)
            else:  # pragma: no cover - 2^62 keys
                raise RuntimeError("no free liveness key")
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                assert self._conn is not None
                await self._conn.exec_driver_sql("SELECT 1")
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the session is gone: hold the lock again
                log.warning("liveness connection lost (%s); reconnecting", type(exc).__name__)
            await self._drop_connection()
            while not self._closed:
                try:
                    await self._connect(fresh_key=False)
                    log.info("liveness connection re-established")
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001
                    log.warning("liveness reconnect failed (%s)", type(exc).__name__)
                    await asyncio.sleep(RECONNECT_SECONDS)

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass

    @staticmethod
    def _key(owner: str) -> int | None:
        if not owner.startswith(PG_OWNER_PREFIX):
            return None
        try:
            return int(owner[len(PG_OWNER_PREFIX):])
        except ValueError:
            return None

    def judges(self, owner: str) -> bool:
        """Whether ``owner`` is of a kind this liveness can tell (a failed check is then retried)."""
        return self._key(owner) is not None

    async def alive(self, owner: str) -> bool | None:
        """True/False for an owner of this kind, None when it cannot be told (other kind, DB down)."""
        if owner == self.owner:
            return True
        key = self._key(owner)
        if key is None:
            return None
        now = time.monotonic()
        if now - self._dead.get(key, -DEAD_MEMORY_SECONDS) < DEAD_MEMORY_SECONDS:
            return False  # the retries after a crash all ask about the same few owners
        try:
            async with self.db.engine.connect() as conn:
                held = bool((await conn.execute(_HELD, {"key": key})).scalar())
        except Exception as exc:  # noqa: BLE001 - unknown, never "dead" by mistake
            log.warning("liveness check failed (%s)", type(exc).__name__)
            return None
        if not held:
            if len(self._dead) > 1000:
                self._dead = {k: t for k, t in self._dead.items() if now - t < DEAD_MEMORY_SECONDS}
            self._dead[key] = now
        return held

    async def close(self) -> None:
        """Release the lock (a clean shutdown): this process's claims count as abandoned from now."""
        self._closed = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            try:
                await self._heartbeat
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
            self._heartbeat = None
        await self._drop_connection()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


Liveness = LocalLiveness | PgLiveness


def liveness_for(db: "Database") -> Liveness:
    return LocalLiveness() if db.is_sqlite else PgLiveness(db)
