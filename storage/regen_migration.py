"""Development helper: regenerate the initial migration from the current models.

Run ``python -m storage.regen_migration`` after changing ``storage/models.py`` while the project
is unreleased (one initial revision). Once released, add new revisions with alembic instead.
"""

from __future__ import annotations

import tempfile

from alembic import command
from alembic.config import Config

from storage.db import MIGRATIONS_DIR, sync_url

INITIAL = MIGRATIONS_DIR / "versions" / "0001_initial.py"


def main() -> None:
    INITIAL.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", sync_url(f"sqlite:///{tmp}/empty.db"))
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    produced = next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    if produced != INITIAL:
        produced.rename(INITIAL)
    print(f"wrote {INITIAL}")


if __name__ == "__main__":
    main()
