"""Applicants' personal data (docs/personal-data.md): sealed at rest, looked up by keyed digest,
every full view logged, erased after its retention period without changing a single statistic.

The "no value in clear" checks search the raw bytes of the SQLite files (database, WAL, shared
memory) and of a plain-text ``pg_dump`` for every personal value the test stored; each search is
shown able to fail by finding the same values where they are in clear (a downgraded database).
"""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.texts import personal as TP
from bot.texts.errors import error_text
from storage import personal as P
from storage.applications import ApplicationDraft, create_application
from storage.config import OfficeConfig
from storage.crypto import DataKeys, Keyring, PersonalDataError, generate_key
from storage.db import downgrade, migrate, open_database
from storage.models import Application, ApplicationEvent, PersonalDataAccess
from storage.statistics import build_report
from tests import scripted_year as sy
from tests.bot_harness import VALID_ID, Chat, fill_person_form, opened
from tests.conftest import TEST_DATA_KEY, keys_for_tests
from tests.services import pg_url, redis_prefix  # noqa: F401 - fixtures

PERSON = dict(applicant_type="natural_person", name="欧阳明月", id_type="resident_id", id_number=VALID_ID,
              phone="13912345678", email="ouyang.mingyue@example.cn", address="山东省济宁市任城区共青团路88号",
              description="2025年本市道路改造项目的批复文件")
VALUES = ("欧阳明月", VALID_ID, "13912345678", "ouyang.mingyue@example.cn", "山东省济宁市任城区共青团路88号")


def noon(day: date) -> datetime:
    return sy.noon(day)


async def file(db, key: str = "k1", received: date | None = None, **fields) -> Application:
    draft = ApplicationDraft(**{**PERSON, **fields})
    at = noon(received) if received else datetime.now(timezone.utc)
    return (await create_application(db, draft, idempotency_key=key, received_at=at)).application


def sqlite_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def pg_dump(url: str) -> bytes:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(["pg_dump", "--no-owner", plain], capture_output=True, check=True)
    return done.stdout


def stored_bytes(url: str) -> bytes:
    """Everything the database holds as an attacker with the files (SQLite) or a dump (PostgreSQL) sees it."""
    return sqlite_bytes(url) if url.startswith("sqlite") else pg_dump(url)


def in_clear(raw: bytes, values) -> list[str]:
    return [v for v in values if str(v).encode("utf-8") in raw]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/pd.db"
    return request.getfixturevalue("pg_url")


# --- the cipher -------------------------------------------------------------------------------------

def test_tokens_are_authenticated_bound_to_their_field_and_name_their_key():
    ring = Keyring([generate_key()])
    token = ring.seal("application.phone", "13912345678")
    assert token.startswith(f"gk1:{ring.current.id}:") and "13912345678" not in token
    assert ring.seal("application.phone", "13912345678") != token  # a fresh nonce every time
    assert ring.open("application.phone", token) == "13912345678"
    with pytest.raises(PersonalDataError) as moved:  # the same token in another field does not open
        ring.open("application.email", token)
    assert moved.value.code == "tampered" and "电子邮箱" in error_text(moved.value)
    i = len(token) - 10  # one character of the ciphertext changed
    changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with pytest.raises(PersonalDataError) as tampered:
        ring.open("application.phone", changed)
    assert tampered.value.code == "tampered"
    other = Keyring([generate_key()])
    with pytest.raises(PersonalDataError) as wrong:
        other.open("application.phone", token)
    assert wrong.value.code == "unknown_key" and wrong.value.params["keys"] == ring.current.id
    assert "密钥" in error_text(wrong.value) and "未作任何改动" in error_text(wrong.value)


def test_keys_rotate_first_seals_all_open_and_digests_differ_per_key():
    old, new = generate_key(), generate_key()
    before = Keyring([old])
    token = before.seal("application.name", "欧阳明月")
    both = Keyring([new, old])
    assert both.current.id != before.current.id and both.ids == (both.current.id, before.current.id)
    assert both.open("application.name", token) == "欧阳明月"
    assert token_key(both.seal("application.name", "欧阳明月")) == both.current.id
    digests = both.digests("application.phone", "13912345678")
    assert len(set(digests)) == 2 and before.digest("application.phone", "13912345678") == digests[1]
    assert both.digest("application.phone", "13912345679") not in digests


def token_key(token: str) -> str:
    return token.split(":")[1]


@pytest.mark.parametrize("bad", ["", "short", "!" * 43, generate_key()[:-2]])
def test_malformed_keys_are_refused_in_chinese(bad):
    with pytest.raises(PersonalDataError) as refused:
        DataKeys([bad, generate_key()] if bad else [generate_key(), "x"]).keyring()
    assert refused.value.code == "key_format" and "base64url" in error_text(refused.value)


def test_default_key_file_is_made_on_first_use_only_once_owner_only(tmp_path):
    told = []
    keys = DataKeys(file=tmp_path / "data" / "gongkai.key", generate=True, on_generated=told.append)
    assert keys.keyring() is None and not keys.file.exists()  # reading needs no key yet
    ring = keys.keyring(create=True)
    assert keys.file.exists() and told == [keys.file]
    assert stat.S_IMODE(keys.file.stat().st_mode) == 0o600
    again = DataKeys(file=keys.file, generate=True, on_generated=told.append)
    assert again.keyring(create=True).ids == ring.ids and told == [keys.file]  # read, not made again
    with pytest.raises(PersonalDataError) as missing:  # a file the office named must exist
        DataKeys(file=tmp_path / "elsewhere.key").keyring()
    assert missing.value.code == "key_file_missing"


def test_a_changed_key_file_is_read_again(tmp_path):
    """A rotation by ``gongkai personal-data rotate-key`` is seen by a running bot without a restart."""
    writer = DataKeys(file=tmp_path / "k", generate=True)
    reader = DataKeys(file=tmp_path / "k", generate=True)
    first = writer.keyring(create=True).current.id
    assert reader.keyring().current.id == first
    added = writer.add_key()
    assert reader.keyring().ids == (added, first)
    assert writer.retire_old_keys() == [first] and reader.keyring().ids == (added,)


# --- nothing in clear at rest -------------------------------------------------------------------------

async def test_no_personal_value_in_clear_in_the_database_files_or_dump(url):
    db = await open_database(url, keys=keys_for_tests())
    try:
        app = await file(db)
        await file(db, "k2", applicant_type="org_research", name="济宁某研究所", id_type=None, id_number=None,
                   org_code="91440300708461136T")
        async with db.session() as s:
            row = await s.get(Application, app.id)
        assert all(getattr(row, f).startswith("gk1:") for f in P.PERSONAL_FIELDS)
        assert row.personal_key == keyring_id() and row.id_number_digest and row.phone_digest and row.email_digest
        assert in_clear(stored_bytes(url), VALUES) == []
        # an organisation's name and credit code are not personal data: stored as they are
        assert in_clear(stored_bytes(url), ["济宁某研究所", "91440300708461136T"]) == ["济宁某研究所",
                                                                                "91440300708461136T"]
        assert opened(db, row).phone == "13912345678"
    finally:
        await db.dispose()
    assert in_clear(stored_bytes(url), VALUES) == []


def keyring_id() -> str:
    return Keyring([TEST_DATA_KEY]).current.id


async def test_a_half_filled_form_is_sealed_too(db, db_url):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="email")  # name, ID and phone typed, not submitted
    assert in_clear(sqlite_bytes(db_url), ["张三", VALID_ID, "13812345678"]) == []
    await chat.press("跳过")
    await chat.press("跳过")
    assert "需要获取的政府信息" in chat.last()  # the form carries on from the sealed record


@pytest.mark.services
async def test_redis_form_storage_is_sealed(db, redis_prefix):  # noqa: F811
    import redis.asyncio as aioredis
    from aiogram.fsm.storage.base import StorageKey

    from bot.settings import Settings
    from bot.storage_select import make_fsm_storage
    from tests.services import REDIS_URL

    storage = make_fsm_storage(Settings(redis_url=REDIS_URL, redis_prefix=redis_prefix), db)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    client = aioredis.from_url(REDIS_URL)
    try:
        await storage.set_data(key, {"form": {"name": "欧阳明月", "id_number": VALID_ID}})
        raw = b"".join([await client.get(k) or b"" async for k in client.scan_iter(match=f"{redis_prefix}:*")])
        assert raw.startswith(b"gk1:") and in_clear(raw, ["欧阳明月", VALID_ID]) == []
        assert (await storage.get_data(key))["form"]["id_number"] == VALID_ID
    finally:
        await client.aclose()
        await storage.close()


# --- rows written before sealing: the migration ---------------------------------------------------------

async def _tables(db) -> dict:
    """Every annual table of every year the scripted year touches, in every layout and counting mode."""
    out = {}
    for year in (2024, 2025, 2026):
        for fmt in ("2021", "2019", "legacy"):
            for cases_by in ("filing", "decision"):
                t = await build_report(db, year, fmt, cases_by=cases_by)
                out[(year, fmt, cases_by)] = (t.to_json(), repr(t.extras))
    return out


async def test_migration_seals_existing_rows_and_the_downgrade_opens_them_again(url):
    db = await open_database(url, keys=keys_for_tests())
    await sy.load(db)
    before = await _tables(db)
    await db.dispose()
    values = sy.personal_values()

    await asyncio.to_thread(downgrade, url, "0011", keys=keys_for_tests())  # back to a database in clear
    raw = stored_bytes(url)
    assert sorted(in_clear(raw, values)) == sorted(values)  # the search finds values stored in clear

    db = await open_database(url, keys=keys_for_tests())  # 0015 again; the first open seals every row
    try:
        assert await P.key_usage(db) == {keyring_id(): len(sy.APPS)}
        assert in_clear(stored_bytes(url), values) == []
        assert await _tables(db) == before
        async with db.session() as s:
            apps = [opened(db, a) for a in (await s.execute(select(Application).order_by(Application.id))).scalars()]
        for app in apps:
            name = next(n for n, *_ in sy.APPS if app.description.endswith(f" {n} 的政府信息"))
            given = sy.personal(name, app.applicant_type)
            assert (app.name, app.phone, app.email, app.id_number) == (
                f"申请人{name}", given["phone"], given["email"], given.get("id_number"))
        assert await P.prepare(db) == 0  # nothing left in clear: opening again changes nothing
    finally:
        await db.dispose()


async def test_an_interrupted_sealing_leaves_every_row_whole_and_the_next_start_finishes(url, monkeypatch):
    db = await open_database(url, keys=keys_for_tests())
    await sy.load(db)
    await db.dispose()
    await asyncio.to_thread(downgrade, url, "0011", keys=keys_for_tests())
    monkeypatch.setattr(P, "BATCH", 5)
    real, calls = P.seal_applicant, []

    def failing(values, ring):
        calls.append(1)
        if len(calls) == 8:  # in the second batch
            raise OSError("disk full")
        return real(values, ring)

    monkeypatch.setattr(P, "seal_applicant", failing)
    with pytest.raises(OSError):
        await open_database(url, keys=keys_for_tests())
    monkeypatch.setattr(P, "seal_applicant", real)
    db = await open_database(url, keys=None)  # look without sealing: the first batch sealed, the rest in clear
    try:
        usage = await P.key_usage(db)
        assert usage == {keyring_id(): 5, None: len(sy.APPS) - 5}
        async with db.session() as s:
            for app in (await s.execute(select(Application))).scalars():
                sealed = [f for f in P.sealed_fields(app.applicant_type) if str(getattr(app, f) or "").startswith("gk1:")]
                assert app.personal_key is None and sealed == [] or app.personal_key and sealed
    finally:
        await db.dispose()
    db = await open_database(url, keys=keys_for_tests())
    try:
        assert await P.key_usage(db) == {keyring_id(): len(sy.APPS)}
        assert in_clear(stored_bytes(url), sy.personal_values()) == []
    finally:
        await db.dispose()


def test_a_repeated_upgrade_after_a_half_done_schema_step_succeeds(tmp_path):
    url = f"sqlite:///{tmp_path}/half.db"
    migrate(url, "0011")
    import sqlite3

    with sqlite3.connect(tmp_path / "half.db") as conn:  # as if an earlier run died after one DDL
        conn.execute("ALTER TABLE application ADD COLUMN personal_key VARCHAR")
    migrate(url)
    from tests.test_migrations import _diff

    assert _diff(url) == []


async def test_downgrade_without_the_keys_is_refused_and_changes_nothing(db, db_url):
    await file(db)
    await db.dispose()
    before = sqlite_bytes(db_url)
    with pytest.raises(RuntimeError, match="data keys"):
        await asyncio.to_thread(downgrade, db_url, "0011")
    check = await open_database(db_url, keys=keys_for_tests())
    try:
        [app] = [opened(check, a) for a in (await _apps(check))]
        assert app.name == "欧阳明月" and app.personal_key == keyring_id()
    finally:
        await check.dispose()
    assert len(sqlite_bytes(db_url)) > 0 and in_clear(before, VALUES) == []


async def _apps(db) -> list[Application]:
    async with db.session() as s:
        return list((await s.execute(select(Application).order_by(Application.id))).scalars())


# --- a wrong or missing key -------------------------------------------------------------------------------

async def test_a_wrong_key_is_refused_before_anything_is_written(url):
    db = await open_database(url, keys=keys_for_tests())
    await file(db)
    await db.dispose()
    before = stored_bytes(url) if url.startswith("sqlite") else None
    wrong = DataKeys([generate_key()])
    with pytest.raises(PersonalDataError) as refused:
        await open_database(url, keys=wrong)
    assert refused.value.code == "unknown_key" and refused.value.params["rows"] == 1
    assert keyring_id() in error_text(refused.value)
    if before is not None:
        assert stored_bytes(url) == before  # not a byte changed
    db = await open_database(url, keys=keys_for_tests())
    try:
        [app] = await _apps(db)
        assert opened(db, app).name == "欧阳明月"
    finally:
        await db.dispose()


async def test_a_lost_default_key_file_is_not_silently_replaced(tmp_path):
    url = f"sqlite:///{tmp_path}/data/gongkai.db"
    key_file = tmp_path / "data" / "gongkai.key"
    db = await open_database(url, keys=DataKeys(file=key_file, generate=True))
    await file(db)
    await db.dispose()
    key_file.unlink()  # lost (or a copy of the database moved without it)
    with pytest.raises(PersonalDataError) as refused:
        await open_database(url, keys=DataKeys(file=key_file, generate=True))
    assert refused.value.code == "key_missing" and not key_file.exists()
    assert "找不到" in error_text(refused.value) and "1 件" in error_text(refused.value)


def test_cli_with_a_wrong_key_says_so_in_one_chinese_line_and_exits(monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli_app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                                   "--received", "2026-09-18", "--subject", "某项目的审批文件",
                                   "--name", "欧阳明月", "--phone", "13912345678"]).exit_code == 0
    monkeypatch.setenv("GONGKAI_DATA_KEY", generate_key())
    from bot.settings import get_settings

    get_settings.cache_clear()
    for args in (["applications", "list"], ["applications", "show", "2026-0001", "--full"], ["personal-data", "purge"]):
        r = runner.invoke(cli_app, args)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "密钥" in r.stderr, (args, r.stderr)


# --- rotation -------------------------------------------------------------------------------------------------

async def test_rotation_reseals_everything_and_lookups_work_throughout(db):
    first = await file(db)
    old_id = keyring_id()
    new = generate_key()
    db.keys = DataKeys([new, TEST_DATA_KEY])  # the office put a new key first, the old one after it
    second = await file(db, "k2")  # sealed with the new key
    assert {a.personal_key for a in await _apps(db)} == {old_id, Keyring([new]).current.id}
    found = await P.applications_with(db, id_number=VALID_ID.lower())  # digests under either key
    assert [a.id for a in found] == [first.id, second.id]
    done = await P.rotate(db)
    assert done.resealed == 1 and done.before == {old_id: 1, done.key_id: 1}
    db.keys = DataKeys([new])  # the old key removed: everything still opens
    assert all(opened(db, a).name == "欧阳明月" for a in await _apps(db))
    assert [a.id for a in await P.applications_with(db, phone="13912345678")] == [first.id, second.id]
    assert (await P.rotate(db)).resealed == 0


def test_rotate_key_with_the_key_file(monkeypatch, tmp_path):
    monkeypatch.delenv("GONGKAI_DATA_KEY")
    from bot.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    r = runner.invoke(cli_app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                                "--received", "2026-09-18", "--subject", "某项目的审批文件", "--name", "欧阳明月"])
    assert r.exit_code == 0 and r.stderr.count(TP.KEY_GENERATED.split("{")[0]) == 1  # said once …
    key_file = tmp_path / "data" / "gongkai.key"
    first = Keyring(key_file.read_text().split()).current.id
    r = runner.invoke(cli_app, ["personal-data", "status"])
    assert r.exit_code == 0 and first in r.stdout and TP.KEY_GENERATED.split("{")[0] not in r.stderr  # … not again
    r = runner.invoke(cli_app, ["personal-data", "rotate-key"])
    assert r.exit_code == 0, r.output
    keys = key_file.read_text().split()
    assert len(keys) == 2 and Keyring(keys[1:]).current.id == first
    new = Keyring(keys).current.id
    assert f"{new}" in r.stdout and "1 件" in r.stdout
    r = runner.invoke(cli_app, ["personal-data", "rotate-key", "--retire-old"])  # a new key, the old ones gone
    assert r.exit_code == 0 and first in r.stdout and new in r.stdout
    [last] = key_file.read_text().split()
    assert Keyring([last]).current.id not in (first, new)
    r = runner.invoke(cli_app, ["applications", "show", "2026-0001", "--full"])
    assert r.exit_code == 0 and "欧阳明月" in r.stdout


def test_rotate_key_with_keys_given_in_the_environment_explains_how(monkeypatch):
    runner = CliRunner()
    r = runner.invoke(cli_app, ["personal-data", "rotate-key"])
    assert r.exit_code == 0 and "GONGKAI_DATA_KEY 的最前面" in r.stdout
    key = runner.invoke(cli_app, ["personal-data", "new-key"]).stdout.strip()
    assert Keyring([key]).current.id


# --- equality lookups ------------------------------------------------------------------------------------

async def test_the_same_applicant_is_found_by_digest_not_by_value(db, db_url):
    first = await file(db, received=date(2025, 3, 3))
    again = await file(db, "k2", phone="13900000000", email=None, id_number=VALID_ID.lower())  # same ID, lower x
    other = await file(db, "k3", id_number=None, id_type=None, name="李四")
    by_phone = await file(db, "k4", id_number=None, id_type=None, name="王五", phone="13912345678")
    assert [a.number for a in await P.same_applicant(db, again)] == [first.number]
    assert [a.number for a in await P.same_applicant(db, by_phone)] == [first.number, other.number]
    assert await P.applications_with(db) == []
    raw = sqlite_bytes(db_url)
    assert in_clear(raw, [VALID_ID, "13912345678"]) == []


async def test_the_telegram_account_is_a_digest_and_a_sealed_chat(db, db_url):
    from storage import handling as H
    from storage.applications import count_filed_since, list_for_user

    app = await file(db, telegram_user_id=987654321, chat_id=987654321, received=date(2025, 3, 3))
    async with db.session() as s:
        row = await s.get(Application, app.id)
    assert row.telegram_user_id is None and row.chat_id is None
    assert row.telegram_user_digest and row.telegram_account.startswith("gk1:")
    assert in_clear(sqlite_bytes(db_url), ["987654321"]) == []
    assert [a.id for a in await list_for_user(db, 987654321)] == [app.id] and await list_for_user(db, 98765432) == []
    assert await count_filed_since(db, 987654321, noon(date(2025, 3, 1))) == 1
    assert P.filed_by(db, row, 987654321) and not P.filed_by(db, row, 123)
    sent = []

    async def notifier(chat_id, notice):
        sent.append((chat_id, notice.kind))
        return True

    result = await H.close(db, app, "open", date(2025, 3, 20), notifier=notifier)
    assert result.notified is True and sent == [(987654321, "closed")]  # the notice reaches the sealed chat


# --- every full view in the access log ----------------------------------------------------------------------

async def test_reveal_logs_who_when_which_and_how_before_showing(db):
    app = await file(db)
    masked = P.masked_applicant(db, app)
    assert (masked.name, masked.id_number, masked.phone) == ("欧**月", "1101**********002X", "139****5678")
    assert masked.email == "o***@example.cn" and masked.address.startswith("山东省济宁市") and "88" not in masked.address
    assert await P.access_log(db) == []  # masked views are not logged
    start = datetime.now(timezone.utc)
    shown = await P.reveal_application(db, app.number, actor="web:wang", channel="web")
    assert (shown.applicant.name, shown.applicant.id_number, shown.applicant.address) == (
        "欧阳明月", VALID_ID, "山东省济宁市任城区共青团路88号")
    [entry] = await P.access_log(db, application=app.number)
    assert (entry.actor, entry.action, entry.channel, entry.application_id, entry.number) == (
        "web:wang", "view", "web", app.id, app.number)
    assert start - timedelta(seconds=1) <= entry.at <= datetime.now(timezone.utc)
    with pytest.raises(ValueError):
        await P.reveal_application(db, app.id, actor="x", channel="email")
    db.keys = DataKeys([generate_key()])  # a key that cannot open it: nothing shown, nothing logged
    with pytest.raises(PersonalDataError):
        await P.reveal_application(db, app.id, actor="web:wang", channel="web")
    assert len(await P.access_log(db)) == 1


def test_cli_show_masks_by_default_and_logs_the_full_view():
    runner = CliRunner()
    r = runner.invoke(cli_app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                                "--received", "2026-09-18", "--subject", "某项目的审批文件", "--name", "欧阳明月",
                                "--phone", "13912345678"])
    assert r.exit_code == 0, r.output
    masked = runner.invoke(cli_app, ["applications", "show", "2026-0001", "--json"])
    data = json.loads(masked.stdout)
    assert data["applicant"]["name"] == "欧**月" and data["applicant"]["masked"] is True
    assert "13912345678" not in masked.stdout and "欧阳明月" not in masked.stdout
    assert "欧阳明月" not in runner.invoke(cli_app, ["applications", "list"]).stdout
    assert runner.invoke(cli_app, ["personal-data", "access-log"]).stdout.strip() == TP.ACCESS_EMPTY
    full = runner.invoke(cli_app, ["applications", "show", "2026-0001", "--full", "--json"])
    assert json.loads(full.stdout)["applicant"]["phone"] == "13912345678"
    log = json.loads(runner.invoke(cli_app, ["personal-data", "access-log", "--json"]).stdout)
    assert [(e["action"], e["channel"], e["number"]) for e in log] == [("view", "cli", "2026-0001")]
    assert log[0]["actor"].startswith("cli")
    r = runner.invoke(cli_app, ["personal-data", "access-log", "--application", "2099-0001"])
    assert r.exit_code == 1 and "2099-0001" in r.stderr


# --- retention and erasure ------------------------------------------------------------------------------------

def test_retention_cutoff_counts_full_years_after_the_year_of_closing():
    assert P.retention_cutoff(date(2037, 1, 1), 10) == date(2027, 1, 1)  # closed in 2026: erased from 2037
    assert P.retention_cutoff(date(2036, 12, 31), 10) == date(2026, 1, 1)  # … not yet at the end of 2036
    with pytest.raises(PersonalDataError):
        P.retention_cutoff(date(2030, 1, 1), 0)


async def test_purge_of_a_scripted_year_changes_no_figure_of_any_table(db, db_url):
    await sy.load(db)
    before = await _tables(db)
    async with db.session() as s:
        events_before = [(e.application_id, e.kind, e.on_date, e.end_date, e.days)
                         for e in (await s.execute(select(ApplicationEvent).order_by(ApplicationEvent.id))).scalars()]
    settings = OfficeConfig(personal_data_retention_years=1)
    today = date(2027, 3, 1)  # retention 1 year: everything closed before 2026-01-01 is due
    with pytest.raises(PersonalDataError) as within:
        await P.purge_expired(db, today=today, settings=settings, closed_before=date(2026, 6, 1))
    assert within.value.code == "purge_within_retention" and "2026-01-01" in error_text(within.value)
    dry = await P.purge_expired(db, today=today, settings=settings, dry_run=True)
    closed_2025 = [name for name, _t, _ch, _r, closed, *_ in sy.APPS if closed and closed < "2026-01-01"]
    assert len(dry.numbers) == len(closed_2025) == 12 and await P.access_log(db) == []
    done = await P.purge_expired(db, today=today, settings=settings, actor="cli:test", channel="cli")
    assert sorted(done.numbers) == sorted(dry.numbers) and done.cutoff == date(2026, 1, 1)
    assert await _tables(db) == before  # every table of every year, every layout: the same figures
    async with db.session() as s:
        events_after = [(e.application_id, e.kind, e.on_date, e.end_date, e.days)
                        for e in (await s.execute(select(ApplicationEvent).order_by(ApplicationEvent.id))).scalars()]
        apps = list((await s.execute(select(Application))).scalars())
    assert events_after == events_before
    erased = [a for a in apps if a.personal_erased_at is not None]
    kept = [a for a in apps if a.personal_erased_at is None]
    assert sorted(a.number for a in erased) == sorted(done.numbers)
    assert {a.outcome for a in kept} == {"partial", None}  # C2 (closed 2026) and N8 (open) keep their data
    for a in erased:
        assert a.id_number is a.phone is a.email is a.address is a.personal_key is None
        assert a.telegram_user_id is a.telegram_user_digest is a.telegram_account is a.idempotency_key is None
        assert a.name == ("" if a.applicant_type == "natural_person" else a.name) and a.description
        assert a.receipt_date and a.closed_date and a.channel and a.applicant_type and a.outcome
    log = await P.access_log(db)
    assert len(log) == 12 and {(e.action, e.channel, e.actor) for e in log} == {("purge", "cli", "cli:test")}
    again = await P.purge_expired(db, today=today, settings=settings)
    assert again.numbers == [] and len(await P.access_log(db)) == 12
    card = P.masked_applicant(db, erased[0])
    assert card.erased and card.phone is None


async def test_erasure_on_request_is_audited_refused_while_open_and_keeps_the_tables(db):
    from storage import handling as H

    app = await file(db, received=date(2025, 3, 3))
    with pytest.raises(PersonalDataError) as still_open:
        await P.erase_application(db, app.number, actor="cli:li", channel="cli", reason="申请人书面请求")
    assert still_open.value.code == "erase_open" and app.number in error_text(still_open.value)
    await H.close(db, app, "open", date(2025, 3, 20))
    before = await _tables(db)
    with pytest.raises(PersonalDataError) as no_reason:
        await P.erase_application(db, app.number, actor="cli:li", channel="cli", reason="  ")
    assert no_reason.value.code == "erase_reason"
    await P.erase_application(db, app.number, actor="cli:li", channel="cli", reason="申请人书面请求，已核验身份证")
    assert await _tables(db) == before
    [entry] = await P.access_log(db, application=app.id)
    assert (entry.action, entry.detail) == ("erase", "申请人书面请求，已核验身份证")
    with pytest.raises(PersonalDataError) as twice:
        await P.erase_application(db, app.number, actor="cli:li", channel="cli", reason="再次")
    assert twice.value.code == "erased_already"
    shown = await P.reveal_application(db, app.id, actor="cli:li", channel="cli")
    assert shown.applicant.erased and shown.applicant.name is None
    assert len(await P.access_log(db)) == 1  # nothing left to see: no view logged


def test_cli_purge_and_erase(monkeypatch):
    runner = CliRunner()

    def add(received: str):
        r = runner.invoke(cli_app, ["applications", "add", "--channel", "letter", "--applicant", "natural_person",
                                    "--received", received, "--subject", "某项目的审批文件", "--name", "欧阳明月",
                                    "--phone", "13912345678", "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)["number"]

    old, recent = add("2013-03-04"), add("2026-03-02")
    assert runner.invoke(cli_app, ["applications", "close", old, "--outcome", "open", "--on", "2013-03-20"]).exit_code == 0
    assert runner.invoke(cli_app, ["applications", "close", recent, "--outcome", "open",
                                   "--on", "2026-03-20"]).exit_code == 0
    r = runner.invoke(cli_app, ["personal-data", "purge", "--dry-run"])
    assert r.exit_code == 0 and old in r.stdout and recent not in r.stdout
    r = runner.invoke(cli_app, ["personal-data", "purge", "--closed-before", "2099-01-01"])
    assert r.exit_code == 1 and "保存期限" in r.stderr
    r = runner.invoke(cli_app, ["personal-data", "purge"])
    assert r.exit_code == 0 and old in r.stdout and "统计数据不变" in r.stdout
    assert "个人信息已于" in runner.invoke(cli_app, ["applications", "show", old]).stdout
    r = runner.invoke(cli_app, ["personal-data", "erase", recent])
    assert r.exit_code == 2  # --reason is required
    r = runner.invoke(cli_app, ["personal-data", "erase", recent, "--reason", "申请人书面请求，已核验身份"])
    assert r.exit_code == 0 and recent in r.stdout
    log = runner.invoke(cli_app, ["personal-data", "access-log"]).stdout
    assert "期满删除" in log and "依申请删除" in log
    status = runner.invoke(cli_app, ["personal-data", "status"]).stdout
    assert "已删除个人信息：2 件申请" in status


# --- the monthly job ---------------------------------------------------------------------------------------------

async def test_gongkai_run_schedules_the_retention_run_monthly(db):
    from apscheduler.triggers.cron import CronTrigger

    from bot.scheduler import RETENTION_JOB_ID, retention_job, start_scheduler
    from bot.settings import Settings
    from storage import handling as H
    from storage.fsm import SqlStorage
    from storage.models import FsmRecord

    settings = Settings(personal_data_retention_years=1)
    scheduler = start_scheduler(db, bot=None, settings=settings)  # type: ignore[arg-type]
    try:
        job = scheduler.get_job(RETENTION_JOB_ID)
        assert isinstance(job.trigger, CronTrigger)
        fire = job.trigger.get_next_fire_time(None, datetime(2027, 1, 15, tzinfo=timezone.utc))
        assert (fire.month, fire.day) == (2, 1)
    finally:
        scheduler.shutdown(wait=False)
    app = await file(db, received=date(2025, 3, 3))
    await H.close(db, app, "open", date(2025, 3, 20))
    from aiogram.fsm.storage.base import StorageKey

    await SqlStorage(db).set_data(StorageKey(bot_id=1, chat_id=9, user_id=9), {"form": {"name": "赵六"}})
    async with db.session() as s:
        (await s.execute(select(FsmRecord))).scalars().one().updated_at = datetime.now(timezone.utc) - timedelta(days=40)
        await s.commit()
    result = await retention_job(db, settings, clock=lambda: datetime(2027, 2, 1, 3, tzinfo=timezone.utc))()
    assert result.purge.numbers == [app.number] and result.forms_deleted == 1
    [entry] = await P.access_log(db)
    assert (entry.actor, entry.channel, entry.action) == ("scheduler", "scheduler", "purge")


# --- the applicant's own data (/mydata) ------------------------------------------------------------------------------

async def test_mydata_shows_masked_then_full_and_exports_a_copy_all_logged(db):
    from handlers.my import MyDataCb

    chat = Chat(db)
    await fill_person_form(chat, user=7)
    await chat.press("确认提交", 7)
    await fill_person_form(chat, user=8)  # someone else
    await chat.press("确认提交", 8)
    await chat.say("/my", 7)
    assert "/mydata" in chat.last(7)
    await chat.say("/mydata", 7)
    masked = chat.last(7)
    assert "张*" in masked and "1101**********002X" in masked and "138****5678" in masked and VALID_ID not in masked
    assert masked.count("申请 ") == 1 and "10 年" in masked  # only their own; the retention period is stated
    assert await P.access_log(db) == []
    await chat.press(TP.BTN_MYDATA_FULL, 7)
    full = chat.last(7)
    assert VALID_ID in full and "13812345678" in full and "张三" in full
    sent_documents = []
    send_document = chat.bot.send_document

    async def capture(**kwargs):
        sent_documents.append(kwargs)
        return await send_document(**kwargs)

    chat.bot.send_document = capture
    await chat.press_data(MyDataCb(action="export").pack(), 7)
    [doc] = sent_documents
    assert doc["chat_id"] == 7 and doc["document"].filename == TP.MYDATA_EXPORT_NAME
    content = json.loads(doc["document"].data)
    assert content[0]["证件号码"] == VALID_ID and content[0]["姓名/名称"] == "张三"
    assert content[0]["申请人类型"] == "自然人" and content[0]["证件类型"] == "居民身份证"
    log = await P.access_log(db)
    assert [(e.actor, e.action, e.channel) for e in log] == [("tg:7", "self_view", "chat"),
                                                            ("tg:7", "self_export", "chat")]
    await chat.say("/mydata", 9)
    assert chat.last(9) == TP.MYDATA_EMPTY


async def test_mydata_is_private_chats_only(db):
    from aiogram.types import Update

    from bot.local_session import SentMessage
    from handlers.my import MyDataCb
    from tests.bot_api_emulator import Updates

    chat = Chat(db)
    await fill_person_form(chat, user=7)
    await chat.press("确认提交", 7)
    group = Updates(start=500_000)
    sent = await chat.feed(Update.model_validate(group.text(7, "/mydata", chat_id=-100500, chat_type="supergroup")))
    assert [m.text for m in sent] == [TP.MYDATA_PRIVATE_ONLY]
    await chat.feed(chat.updates.press(7, MyDataCb(action="full").pack(), SentMessage(-100500, 1, "")))
    assert chat.alerts()[-1] == TP.MYDATA_PRIVATE_ONLY and await P.access_log(db) == []
    await chat.press_data("my-data:everything", 7)  # forged
    assert await P.access_log(db) == []


# --- the access-log table itself ----------------------------------------------------------------------------

async def test_the_access_log_holds_no_personal_value(db, db_url):
    app = await file(db)
    await P.reveal_application(db, app.id, actor="tg:444", channel="chat")
    async with db.session() as s:
        [row] = (await s.execute(select(PersonalDataAccess))).scalars().all()
    assert not any(v in json.dumps(row.model_dump(mode="json"), ensure_ascii=False) for v in VALUES)
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from personal_data_access"))).scalar_one() == 1
    assert in_clear(sqlite_bytes(db_url), VALUES) == []
