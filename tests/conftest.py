from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The project's own test material: four fictional annual reports written for the tests and the
# bundled 济宁 report (also in knowledge/samples/). See tests/fixtures/README.md.
FIXTURES_DIR = ROOT / "tests" / "fixtures"
REPORTS_DIR = FIXTURES_DIR / "reports"
SAMPLES_DIR = ROOT / "knowledge" / "samples"
# Material beside the repository in CI only (the shared QA sets). Tests that need it call
# ``require_shared``: skipped with a reason in a plain clone, required in CI.
SHARED = ROOT.parent / "shared"


def required_in_ci() -> bool:
    """True in CI (``CI=true``, or ``GONGKAI_REQUIRE_SERVICES=1`` as set by ``.ci/run``), where a
    test must run instead of skipping."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
               for name in ("CI", "GONGKAI_REQUIRE_SERVICES"))


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason`` locally; fail with it in CI (CI must never pass by skipping)."""
    if required_in_ci():
        pytest.fail(reason + " (required in CI)", pytrace=False)
    pytest.skip(reason)


def require_shared(*parts: str) -> Path:
    """``../shared/<parts>``, or skip (fail in CI) when it is not beside the repository."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_or_fail(f"{path} not found: the shared QA material lies beside the repository only in CI")
    return path


@pytest.fixture
def shared_dir() -> Path:
    """The ``../shared`` folder (skipped locally when absent, required in CI)."""
    return require_shared()


# The data key every test uses (GONGKAI_DATA_KEY), so a test's CLI, bot and fixtures read each
# other's sealed personal data. Tests of the key file (generated on first use) unset it.
TEST_DATA_KEY = "wslXuQ3hdgl72YLmtscBZ8hmQjjc2G_UASSlyy-d-Mk"


def keys_for_tests():
    """The test data key as the storage layer takes it (``open_database(url, keys=keys_for_tests())``)."""
    from storage.crypto import DataKeys

    return DataKeys([TEST_DATA_KEY])


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own data dir and database unless it sets one itself."""
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", f"sqlite:///{tmp_path}/data/gongkai.db")
    monkeypatch.setenv("GONGKAI_DATA_KEY", TEST_DATA_KEY)
    for name in ("GONGKAI_HOME_AGENCY", "GONGKAI_BOT_TOKEN", "GONGKAI_STAFF_IDS", "GONGKAI_REDIS_URL",
                 "GONGKAI_DATA_KEY_FILE", "GONGKAI_PERSONAL_DATA_RETENTION_YEARS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/data/gongkai.db"


@pytest.fixture
async def db(db_url):
    from storage.db import open_database

    database = await open_database(db_url, keys=keys_for_tests())
    yield database
    await database.dispose()


PG_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GONGKAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
