"""Engine and session setup. Plain ``sqlite:///`` and ``postgresql://`` URLs get async drivers;
the schema is migrated to the latest alembic revision on first use."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Map a plain SQLAlchemy URL to its async driver (aiosqlite / asyncpg)."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend in ("postgresql", "postgres") and driver != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (used by alembic and bulk jobs)."""
    parsed = make_url(url)
    backend = parsed.drivername.partition("+")[0]
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    elif backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted and overwritten content is zeroed, so a value erased or sealed in place does not linger
    # in the file's free pages (storage/personal.py).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def create_engine_for(url: str) -> AsyncEngine:
    _ensure_sqlite_dir(url)
    aurl = async_url(url)
    if aurl.startswith("sqlite"):
        engine = create_async_engine(aurl, hide_parameters=True, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        # Per process. Keep processes × (pool size + overflow) below the server's max_connections.
        engine = create_async_engine(aurl, hide_parameters=True, pool_pre_ping=True,
                                     pool_size=int(os.environ.get("GONGKAI_DB_POOL_SIZE", "10")),
                                     max_overflow=int(os.environ.get("GONGKAI_DB_MAX_OVERFLOW", "20")))
    return engine


def _alembic_config(url: str, keys=None):
    from alembic.config import Config

    cfg = Config()
    cfg.attributes["data_keys"] = keys
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def _at_head(cfg, url: str) -> bool:
    """True when the database is already at the latest revision (the common start-up case)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    engine = create_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads()) == heads
    finally:
        engine.dispose()


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (synchronous; safe to call on every start)."""
    from alembic import command

    _ensure_sqlite_dir(url)
    cfg = _alembic_config(url)
    if revision == "head" and _at_head(cfg, url):
        return
    command.upgrade(cfg, revision)


def downgrade(url: str, revision: str, *, keys=None) -> None:
    """Take the schema back to ``revision``. Below 0015 the sealed personal data is opened again,
    which needs the data keys (``keys``: a ``storage.crypto.DataKeys``)."""
    from alembic import command

    command.downgrade(_alembic_config(url, keys), revision)


class Database:
    """One engine and one session factory per database URL.

    ``keys`` (``storage.crypto.DataKeys``): where the keys sealing applicants' personal data come
    from; without them the personal data can be neither written nor read (``storage/personal.py``)."""

    def __init__(self, url: str, *, run_migrations: bool = True, keys=None) -> None:
        self.url = url
        self.keys = keys
        if run_migrations:
            migrate(url)
        self.engine = create_engine_for(url)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self._liveness = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @property
    def liveness(self):
        """This process's liveness (``storage.liveness``): owner of its update claims and user locks."""
        if self._liveness is None:
            from storage.liveness import liveness_for

            self._liveness = liveness_for(self)
        return self._liveness

    async def ping(self) -> None:
        """One round trip to the server (health checks); raises when the database is unreachable."""
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("select 1"))

    async def dispose(self) -> None:
        if self._liveness is not None:
            liveness, self._liveness = self._liveness, None
            await liveness.close()
        await self.engine.dispose()


async def open_database(url: str, *, keys=None) -> Database:
    """Migrate (in a worker thread, alembic is synchronous) and open ``url``.

    With ``keys`` the personal data is made ready: the keys are checked against the values already
    sealed (a wrong or missing key is refused before anything is written) and values still in
    clear — rows written before migration 0015 — are sealed (``storage.personal.prepare``)."""
    await asyncio.to_thread(migrate, url)
    db = Database(url, run_migrations=False, keys=keys)
    if keys is not None:
        from storage.personal import prepare

        try:
            await prepare(db)
        except BaseException:
            await db.dispose()
            raise
    return db
