"""Roles: env admins, roles stored in the database, refusals written to the audit log."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.settings import Settings
from storage.models import AuditLog, StaffMember
from storage.staff import (
    PermissionDenied, StaffError, add_staff, get_staff, has_role, list_staff, mark_blocked, mask_id,
    mask_name, remove_staff, require_role, staff_recipients,
)

ADMIN = 9000001


def settings(**kw) -> Settings:
    return Settings(staff_ids=[ADMIN], **kw)


async def audit_rows(db) -> list[AuditLog]:
    async with db.session() as s:
        return list((await s.execute(select(AuditLog).order_by(AuditLog.id))).scalars().all())


async def test_env_staff_is_admin_without_a_row(db):
    member = await require_role(db, settings(), ADMIN, "approver")
    assert has_role(member, "admin") and has_role(member, "handler")
    assert await audit_rows(db) == []


async def test_citizen_refused_and_audited(db):
    with pytest.raises(PermissionDenied):
        await require_role(db, settings(), 42, "handler", action="queue")
    rows = await audit_rows(db)
    assert len(rows) == 1
    assert rows[0].allowed is False and rows[0].actor == "tg:42" and "queue" in rows[0].action


async def test_role_hierarchy(db):
    await add_staff(db, 101, "handler", name="张三")
    await add_staff(db, 102, "approver", name="李四")
    s = settings()
    assert (await require_role(db, s, 101, "handler")).name == "张三"
    with pytest.raises(PermissionDenied):
        await require_role(db, s, 101, "approver")
    await require_role(db, s, 102, "handler")
    await require_role(db, s, 102, "approver")
    with pytest.raises(PermissionDenied):
        await require_role(db, s, 102, "admin")
    assert len([r for r in await audit_rows(db) if not r.allowed]) == 2


async def test_roles_accumulate_and_remove(db):
    await add_staff(db, 101, "handler", name="张三")
    member = await add_staff(db, 101, "approver")
    assert set(member.roles.split(",")) == {"handler", "approver"} and member.name == "张三"
    left = await remove_staff(db, 101, role="approver")
    assert left is not None and left.roles == "handler"
    assert await remove_staff(db, 101) is None
    assert await get_staff(db, settings(), 101) is None
    with pytest.raises(StaffError):
        await remove_staff(db, 101)
    with pytest.raises(StaffError):
        await add_staff(db, 5, "boss")


async def test_list_masks_and_recipients(db):
    await add_staff(db, 12345678, "handler", name="王小明")
    entries = await list_staff(db, settings())
    assert [(e.telegram_id, e.roles, e.source) for e in entries] == [
        (ADMIN, ("admin",), "env"), (12345678, ("handler",), "db")]
    assert mask_id(12345678) == "12****78" and mask_name("王小明") == "王*明" and mask_name("李四") == "李*"
    assert await staff_recipients(db, settings(), "handler") == [ADMIN, 12345678]
    assert await staff_recipients(db, settings(), "admin") == [ADMIN]


async def test_blocked_env_admin_gets_a_row_without_roles(db):
    await mark_blocked(db, ADMIN, True)
    async with db.session() as s:
        row = await s.get(StaffMember, ADMIN)
    assert row.blocked_bot and row.roles == ""
    # Leaving GONGKAI_STAFF_IDS takes the rights away: the row grants nothing.
    assert await get_staff(db, Settings(staff_ids=[]), ADMIN) is not None
    with pytest.raises(PermissionDenied):
        await require_role(db, Settings(staff_ids=[]), ADMIN, "handler")
    await require_role(db, settings(), ADMIN, "admin")


def cli(*args: str):
    from typer.testing import CliRunner

    from bot.cli import app
    return CliRunner().invoke(app, list(args))


def test_staff_cli_add_list_remove(monkeypatch):
    import json

    monkeypatch.setenv("GONGKAI_STAFF_IDS", "9000001")
    from bot.settings import get_settings
    get_settings.cache_clear()
    assert cli("staff", "add", "12345678", "--role", "handler", "--name", "王小明").exit_code == 0
    assert cli("staff", "add", "12345678", "--role", "approver").exit_code == 0
    r = cli("staff", "list")
    assert r.exit_code == 0 and "12****78" in r.stdout and "王*明" in r.stdout and "12345678" not in r.stdout
    data = json.loads(cli("staff", "list", "--json").stdout)
    assert data == [
        {"id": "90***01", "name": "", "roles": ["admin"], "source": "env", "blocked_bot": False},
        {"id": "12****78", "name": "王*明", "roles": ["handler", "approver"], "source": "db", "blocked_bot": False},
    ]
    r = cli("staff", "add", "1", "--role", "boss")
    assert r.exit_code == 1 and "boss" in r.stderr
    assert "handler" in cli("staff", "remove", "12345678", "--role", "approver").stdout
    assert cli("staff", "remove", "12345678").exit_code == 0
    assert cli("staff", "remove", "12345678").exit_code == 1
