"""PostgreSQL and Redis fixtures for the scale-out tests (``@pytest.mark.services``).

Import the fixtures you use into the test module (``from tests.services import pg_url, redis_url``).
When a service cannot be reached the test is skipped locally, but fails when
``GONGKAI_REQUIRE_SERVICES=1`` (set by ``.ci/run``): CI must never pass by skipping.

Every ``pg_url`` is a fresh database with a random name (created from the server in
``GONGKAI_TEST_PG_URL``, dropped afterwards); every ``redis_url`` comes with its own key prefix in
db 15, and only that prefix is deleted afterwards.
"""

from __future__ import annotations

import os
import secrets
import socket
from functools import lru_cache

import pytest
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GONGKAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    return os.environ.get("GONGKAI_REQUIRE_SERVICES", "").strip() not in ("", "0", "false", "no")


def unavailable(what: str, why: object) -> None:
    message = f"{what} is not reachable: {why}"
    if services_required():
        pytest.fail(message + " (GONGKAI_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


@lru_cache(maxsize=None)
def _pg_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(_plain(PG_URL), connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


@lru_cache(maxsize=None)
def _redis_problem() -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


def _plain(url: str) -> str:
    """libpq form of a SQLAlchemy URL (no +driver)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_pg_database(prefix: str = "gk_test") -> str:
    """A new empty database on the test server; returns its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(_plain(PG_URL), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    import psycopg

    name = make_url(url).database
    with psycopg.connect(_plain(PG_URL), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def require_pg() -> None:
    problem = _pg_problem()
    if problem:
        unavailable(f"PostgreSQL at {make_url(PG_URL).render_as_string(hide_password=True)}", problem)


def require_redis() -> None:
    problem = _redis_problem()
    if problem:
        unavailable(f"Redis at {REDIS_URL}", problem)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database (dropped after the test)."""
    require_pg()
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
async def pg_db(pg_url, monkeypatch):
    """A migrated ``Database`` on a fresh PostgreSQL database; also the configured database."""
    from bot.settings import get_settings
    from storage.db import open_database

    monkeypatch.setenv("GONGKAI_DATABASE_URL", pg_url)
    get_settings.cache_clear()
    from tests.conftest import keys_for_tests

    database = await open_database(pg_url, keys=keys_for_tests())
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def redis_prefix():
    """A unique key prefix in the test Redis db; its keys are deleted afterwards."""
    require_redis()
    import redis

    prefix = f"gktest{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_url(redis_prefix, monkeypatch) -> str:
    """The test Redis URL, configured (with the unique prefix) for this test."""
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("GONGKAI_REDIS_PREFIX", redis_prefix)
    get_settings.cache_clear()
    return REDIS_URL
