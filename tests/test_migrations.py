"""The single migration chain and the models agree, and migrations go up, down and up again,
on the embedded SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers the tables
from storage.db import downgrade, migrate, sync_url
from tests.services import pg_url  # noqa: F401 - fixture

TABLES = set(SQLModel.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str, metadata=SQLModel.metadata) -> list:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def _up_down_up(url: str) -> None:
    migrate(url)
    assert _tables(url) == TABLES
    assert _diff(url) == []
    downgrade(url, "base")
    assert _tables(url) == set()
    migrate(url)
    assert _tables(url) == TABLES
    assert _diff(url) == []
    migrate(url)  # idempotent: already at head


def test_sqlite_up_down_up_and_models_match(tmp_path):
    _up_down_up(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.services
def test_postgresql_up_down_up_and_models_match(pg_url):  # noqa: F811
    _up_down_up(pg_url)


def test_diff_detects_a_model_change(tmp_path):
    """The comparison is not vacuous: a column the migration lacks shows up as a difference."""
    from sqlalchemy import Column, Integer, MetaData

    url = f"sqlite:///{tmp_path}/m.db"
    migrate(url)
    changed = MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["audit_log"].append_column(Column("not_in_migration", Integer))
    diff = _diff(url, changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "audit_log", "not_in_migration")], diff


@pytest.mark.services
def test_several_processes_starting_at_once_on_a_fresh_postgresql_database(pg_url, tmp_path):  # noqa: F811
    """Every bot process migrates on start; an advisory lock makes simultaneous starts safe."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    go = tmp_path / "go"
    code = ("import pathlib, time\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
            f"from storage.db import migrate\nmigrate({pg_url!r})\nprint('ok')\n")
    procs = [subprocess.Popen([sys.executable, "-c", "from storage.db import migrate\n" + code], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    import time

    time.sleep(1.5)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "ok", err[-2000:]
    assert _tables(pg_url) == TABLES and _diff(pg_url) == []
