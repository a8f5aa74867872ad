"""The house rules, read from the source: imports point one way, ``disclosure/`` is pure, SQL lives
in ``storage/``, and every refusal a service raises as a code has its Chinese text.

    handlers/, web/  →  bot/  →  knowledge/, storage/  →  disclosure/

A package may import itself and the packages below it; ``knowledge/`` and ``storage/`` are siblings
and never import each other, nor do the two fronts ``handlers/`` (chat) and ``web/`` (browser). The
upward edges are the composition roots: ``bot/factory.py`` builds the dispatcher from the routers of
``handlers/``, ``bot/webhook.py`` the HTTP application with the pages of ``web/``.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RANK = {"disclosure": 0, "knowledge": 1, "storage": 1, "bot": 2, "handlers": 3, "web": 3}
# The composition roots: the dispatcher from the routers, the HTTP application from the web pages.
COMPOSITION_ROOT = {"bot/factory.py": {"handlers"}, "bot/webhook.py": {"web"}}

# disclosure/ may use only these (pure computation and data) besides itself
PURE_MODULES = {
    "__future__", "collections", "collections.abc", "dataclasses", "datetime", "decimal", "enum", "functools",
    "hashlib", "itertools", "math", "re", "statistics", "typing", "unicodedata", "csv",
    "importlib.resources",  # the package's own data files (the shipped holiday overrides), nothing else
    "chinese_calendar", "lunar_python",  # calendar data
}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter", "time_ns", "localtime", "gmtime"}
IO_CALLS = {"open", "print", "input", "write_text", "write_bytes", "save", "savefig", "mkdir", "unlink",
            "remove", "rename", "system", "urlopen"}
PACKAGE_DATA_READS = {"read_text", "read_bytes"}

# outside storage/: SQLAlchemy's exception types and URL parsing only, never a query
SQL_PACKAGES = {"sqlalchemy", "sqlmodel", "alembic", "asyncpg", "aiosqlite", "psycopg"}
SQL_OUTSIDE_STORAGE = {"sqlalchemy.exc", "sqlalchemy.engine"}


def modules() -> list[tuple[str, Path, ast.Module]]:
    out = []
    for package in RANK:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel:
                continue  # alembic revisions: generated schema steps
            out.append((rel, path, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


MODULES = modules()


def imported(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of every import, wherever it is (lazy imports inside functions count)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "importlib":  # ``from importlib import resources``: the submodule counts
                found += [(node.lineno, f"importlib.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def layer_violations(mods) -> list[str]:
    wrong = []
    for rel, _path, tree in mods:
        package = rel.split("/")[0]
        for line, name in imported(tree):
            target = name.split(".")[0]
            if target not in RANK or target == package or target in COMPOSITION_ROOT.get(rel, set()):
                continue
            if RANK[target] >= RANK[package]:
                kind = "a sibling" if RANK[target] == RANK[package] else "a higher layer"
                wrong.append(f"{rel}:{line} imports {name} ({kind})")
    return wrong


def _reads_package_data(call: ast.Call) -> bool:
    """``resources.files(__package__).joinpath(…).read_text()``: the chain starts at ``resources.files``."""
    node = call.func
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
        if isinstance(node, ast.Attribute) and node.attr == "files" and isinstance(node.value, ast.Name) \
                and node.value.id == "resources":
            return True
    return False


def purity_violations(mods) -> list[str]:
    wrong = []
    for rel, _path, tree in mods:
        if not rel.startswith("disclosure/"):
            continue
        for line, name in imported(tree):
            if name.split(".")[0] != "disclosure" and name not in PURE_MODULES:
                wrong.append(f"{rel}:{line} imports {name}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in CLOCK_CALLS:
                wrong.append(f"{rel}:{node.lineno} reads the clock ({called}); take the day as an argument")
            elif called in IO_CALLS:
                wrong.append(f"{rel}:{node.lineno} does I/O ({called})")
            elif called in PACKAGE_DATA_READS and not _reads_package_data(node):
                wrong.append(f"{rel}:{node.lineno} reads a file ({called}); only the package's own data may be read")
    return wrong


def sql_violations(mods) -> list[str]:
    wrong = []
    for rel, _path, tree in mods:
        if rel.startswith("storage/"):
            continue
        for line, name in imported(tree):
            if name.split(".")[0] in SQL_PACKAGES and not any(name == m or name.startswith(m + ".")
                                                              for m in SQL_OUTSIDE_STORAGE):
                wrong.append(f"{rel}:{line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "session" \
                    and not node.args and not node.keywords:
                wrong.append(f"{rel}:{node.lineno} opens a database session")
            if isinstance(node, ast.Attribute) and node.attr == "engine" and isinstance(node.ctx, ast.Load):
                wrong.append(f"{rel}:{node.lineno} uses the database engine")
    return wrong


def test_imports_point_one_way():
    wrong = layer_violations(MODULES)
    assert not wrong, "imports must point handlers → bot → (knowledge, storage) → disclosure:\n" + "\n".join(wrong)


@pytest.mark.parametrize("front", ["handlers", "web"])
def test_only_the_composition_root_imports_a_front(front):
    importers = {rel for rel, _p, tree in MODULES if rel.startswith("bot/")
                 and any(name.split(".")[0] == front for _l, name in imported(tree))}
    assert importers <= {rel for rel, fronts in COMPOSITION_ROOT.items() if front in fronts}


def test_disclosure_is_pure():
    wrong = purity_violations(MODULES)
    assert not wrong, "disclosure/ is pure rules (no I/O, no clock):\n" + "\n".join(wrong)


def test_sql_only_in_storage():
    wrong = sql_violations(MODULES)
    assert not wrong, "SQL lives in storage/ (add a repository function there):\n" + "\n".join(wrong)


PLANTED = {
    "storage/planted.py": "from bot.settings import get_settings\nfrom knowledge.answer import Answerer\n",
    "knowledge/planted.py": "def f():\n    from storage.db import Database\n",
    "disclosure/planted.py": ("import os\nfrom datetime import date\nfrom importlib import resources\n"
                              "def f(p):\n    open(p)\n    resources.files('x').joinpath('d.csv').read_text()\n"
                              "    p.read_text()\n    return date.today()\n"),
    "bot/planted.py": "from sqlalchemy import select\nfrom sqlalchemy.exc import SQLAlchemyError\n"
                      "async def f(db):\n    async with db.session() as s:\n        return db.engine\n",
    "handlers/planted.py": "from bot.texts import common\nfrom storage.db import Database\n",
}


def test_the_rules_catch_planted_violations():
    """Each rule is not blind: modules written to break it are caught, line by line, and only those lines."""
    mods = [(rel, None, ast.parse(text)) for rel, text in PLANTED.items()]
    assert layer_violations(mods) == ["storage/planted.py:1 imports bot.settings (a higher layer)",
                                      "storage/planted.py:2 imports knowledge.answer (a sibling)",
                                      "knowledge/planted.py:2 imports storage.db (a sibling)"]
    purity = purity_violations(mods)
    assert [w.split(" ")[0] for w in purity] == ["disclosure/planted.py:1", "disclosure/planted.py:5",
                                                 "disclosure/planted.py:7", "disclosure/planted.py:8"]
    assert sql_violations(mods) == ["bot/planted.py:1 imports sqlalchemy", "bot/planted.py:4 opens a database session",
                                    "bot/planted.py:5 uses the database engine"]


# --- every refusal has its words ------------------------------------------------------------------

def raised_codes() -> dict[str, set[str]]:
    """Error class name → the codes ``storage/`` raises it with (first argument, a string literal)."""
    classes = {"HandlingError", "ReasonRequired", "FieldError", "CaseError", "StaffError", "LedgerError",
               "LedgerProblem", "WebError", "PersonalDataError"}
    codes: dict[str, set[str]] = {c: set() for c in classes}
    for rel, _path, tree in MODULES:
        if not rel.startswith("storage/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                codes[node.func.id].add(node.args[0].value)
    return codes


def test_every_code_storage_raises_has_a_text():
    from bot.texts import errors as E

    catalogue = {"HandlingError": E.HANDLING, "ReasonRequired": E.HANDLING, "FieldError": E.FIELDS,
                 "CaseError": E.CASES, "StaffError": E.STAFF, "LedgerError": E.LEDGER, "LedgerProblem": E.LEDGER,
                 "WebError": E.WEB, "PersonalDataError": E.PERSONAL}
    codes = raised_codes()
    assert sum(len(c) for c in codes.values()) > 60  # the scan finds the raise sites
    missing = [f"{cls}({code!r})" for cls, found in codes.items() for code in sorted(found)
               if code not in catalogue[cls]]
    assert not missing, "add their texts to bot/texts/ and bot/texts/errors.py: " + ", ".join(missing)


def test_every_applicant_notice_has_a_text():
    from bot.notices import notice_text
    from storage.handling import Notice

    kinds = set()
    for rel, _path, tree in MODULES:
        if rel == "storage/handling.py":
            kinds = {n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Name) and n.func.id == "Notice" and n.args}
    assert len(kinds) == 7
    params = dict(number="2026-0001", what="", period_end="2026-12-01", due="2026-12-01", amount="10.00",
                  pay_by="2026-12-01", basis="", days=5, reason="理由", outcome="open")
    for kind in kinds:
        assert "2026-0001" in notice_text(Notice(kind, **params))
    with pytest.raises(KeyError):
        notice_text(Notice("no_such_notice", **params))


def test_bot_settings_satisfy_what_storage_reads(monkeypatch):
    """``bot.settings.Settings`` is passed wherever storage takes ``OfficeSettings``: same names, same defaults."""
    from bot.settings import Settings
    from storage.config import DEFAULTS, OfficeSettings

    fields = [f.name for f in dataclasses.fields(DEFAULTS)]
    for name in fields:
        monkeypatch.delenv(f"GONGKAI_{name.upper()}", raising=False)
    settings = Settings(_env_file=None)
    assert set(fields) == set(OfficeSettings.__annotations__)
    for name in fields:
        value = getattr(settings, name)
        assert (tuple(value) if isinstance(value, list) else value) == getattr(DEFAULTS, name), name
