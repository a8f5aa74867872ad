"""deploy/backup.sh as documented: a backup of a live database restores to the same applications."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import gzip

import pytest
from sqlmodel import select

from storage.db import open_database
from storage.models import Application
from tests.conftest import ROOT, keys_for_tests
from tests.services import create_pg_database, drop_pg_database, pg_db, pg_url, unavailable  # noqa: F401

SCRIPT = ROOT / "deploy" / "backup.sh"


async def _seed(db, n: int = 3) -> list[str]:
    from storage.applications import ApplicationDraft, create_application

    numbers = []
    for i in range(n):
        draft = ApplicationDraft(applicant_type="natural_person", name=f"备份{i}", description="某文件的全文内容",
                                 phone=f"1380000100{i}")
        numbers.append((await create_application(db, draft, idempotency_key=f"bk:{i}")).application.number)
    return numbers


def _run(agency: str, url: str, out) -> None:
    env = {**os.environ, "GONGKAI_DATABASE_URL": url, "BACKUP_DIR": str(out)}
    result = subprocess.run([str(SCRIPT), agency], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


async def test_sqlite_online_backup_restores(db, tmp_path):
    if shutil.which("sqlite3") is None:
        unavailable("the sqlite3 command", "not installed")
    numbers = await _seed(db)
    _run("office", db.url, tmp_path / "b")
    [backup] = list((tmp_path / "b").glob("office-*.db.gz"))
    restored = tmp_path / "restored.db"
    restored.write_bytes(gzip.decompress(backup.read_bytes()))
    with sqlite3.connect(restored) as conn:
        assert sorted(r[0] for r in conn.execute("select number from application")) == numbers
    raw = restored.read_bytes()  # the backup holds ciphertext only …
    assert all(v.encode() not in raw for i in range(3) for v in (f"备份{i}", f"1380000100{i}"))
    assert await _names(f"sqlite:///{restored}") == ["备份0", "备份1", "备份2"]  # … which the key opens


async def _names(url: str) -> list[str]:
    from storage.personal import reveal_application

    db = await open_database(url, keys=keys_for_tests())
    try:
        async with db.session() as s:
            ids = sorted((await s.execute(select(Application.id))).scalars())
        return [(await reveal_application(db, i, actor="test", channel="cli")).applicant.name for i in ids]
    finally:
        await db.dispose()


@pytest.mark.services
async def test_postgresql_dump_restores(pg_db, tmp_path):  # noqa: F811
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump/pg_restore", "not installed")
    numbers = await _seed(pg_db)
    _run("agency", pg_db.url, tmp_path / "b")
    [dump] = list((tmp_path / "b").glob("agency-*.dump"))
    target = create_pg_database("gk_restore")
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", target.replace("+asyncpg", ""), str(dump)], check=True,
                       capture_output=True, timeout=120)
        restored = await open_database(target, keys=keys_for_tests())  # already at head: migrating is a no-op
        try:
            async with restored.session() as s:
                assert sorted((await s.execute(select(Application.number))).scalars()) == numbers
        finally:
            await restored.dispose()
        assert await _names(target) == ["备份0", "备份1", "备份2"]
    finally:
        drop_pg_database(target)
