"""What is stored, in one read-only pass: for ``gongkai status`` (where the data lives and what is
loaded). Never creates or migrates a database: a missing SQLite file is reported as missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import MIGRATIONS_DIR, sync_url
from storage.models import Application, OfficialYear, Report


@dataclass
class Overview:
    url: str  # password hidden
    sqlite_path: Path | None  # the file of a SQLite database (None for a server database)
    exists: bool
    schema_revision: str | None = None
    schema_head: str | None = None
    reports: dict[str, list[int]] = field(default_factory=dict)  # agency -> years
    applications: dict[str, int] = field(default_factory=dict)  # status -> count
    imported_years: dict[int, str] = field(default_factory=dict)  # official year -> source file

    @property
    def report_count(self) -> int:
        return sum(len(years) for years in self.reports.values())

    @property
    def schema_current(self) -> bool:
        return self.schema_revision is not None and self.schema_revision == self.schema_head


def display_url(url: str) -> str:
    """The database URL with any password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def database_exists(url: str) -> bool:
    """False only for a SQLite file that is not there yet (a server database is assumed to exist)."""
    path = sqlite_file(url)
    return path is None or path.exists()


def _schema_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def read_overview(url: str) -> Overview:
    """Synchronous and read-only (SQLite is opened with ``mode=ro``). Errors connecting raise
    ``SQLAlchemyError``/``OSError`` for the caller to report."""
    path = sqlite_file(url)
    overview = Overview(url=display_url(url), sqlite_path=path, exists=database_exists(url),
                        schema_head=_schema_head())
    if not overview.exists:
        return overview
    if path is not None:
        engine = create_engine(f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true", poolclass=NullPool)
    else:
        engine = create_engine(sync_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" in tables:
                overview.schema_revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if "report" in tables:
                for agency, year in conn.execute(select(Report.agency, Report.year).order_by(Report.agency, Report.year)):
                    overview.reports.setdefault(agency, []).append(year)
            if "application" in tables:
                overview.applications = {status: n for status, n in conn.execute(
                    select(Application.status, func.count()).group_by(Application.status))}
            if "official_year" in tables:
                overview.imported_years = {year: source for year, source in conn.execute(
                    select(OfficialYear.year, OfficialYear.source).order_by(OfficialYear.year))}
    finally:
        engine.dispose()
    return overview
