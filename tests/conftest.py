from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REPORTS_DIR = SHARED / "reports"
SAMPLES_DIR = ROOT / "knowledge" / "samples"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own data dir and database unless it sets one itself."""
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", f"sqlite:///{tmp_path}/data/gongkai.db")
    for name in ("GONGKAI_HOME_AGENCY", "GONGKAI_BOT_TOKEN", "GONGKAI_STAFF_IDS", "GONGKAI_REDIS_URL"):
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

    database = await open_database(db_url)
    yield database
    await database.dispose()


PG_URL = os.environ.get("GONGKAI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GONGKAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
