"""Staff members and their roles; every staff action goes through ``require_role``.

Roles: ``handler`` (handles applications), ``approver`` (may also approve extensions, art. 33 —
the head of the 政府信息公开工作机构), ``admin`` (everything, incl. staff management and holiday
imports). The Telegram ids in ``GONGKAI_STAFF_IDS`` are admins implicitly, with or without a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from disclosure.validation import mask_name  # noqa: F401 - staff names are masked like applicants'
from storage.config import OfficeSettings
from storage.db import Database
from storage.errors import ServiceError
from storage.models import AuditLog, StaffMember

ROLES = ("handler", "approver", "admin")

# A role satisfies itself and every role listed here.
_IMPLIES: dict[str, frozenset[str]] = {
    "handler": frozenset({"handler"}),
    "approver": frozenset({"approver", "handler"}),
    "admin": frozenset(ROLES),
}


class PermissionDenied(Exception):
    """The caller lacks ``role``. The refusal has already been written to the audit log."""

    def __init__(self, user_id: int | None, role: str, action: str = "") -> None:
        super().__init__(f"user {user_id} lacks role {role!r} for {action or 'staff action'}")
        self.user_id = user_id
        self.role = role
        self.action = action


class StaffError(ServiceError, ValueError):
    """Invalid staff-management input (unknown role, unknown member): ``code`` + ``params``."""


def parse_roles(raw: str | None) -> set[str]:
    return {r.strip() for r in (raw or "").split(",") if r.strip()}


def effective_roles(member: StaffMember | None) -> frozenset[str]:
    if member is None:
        return frozenset()
    granted: set[str] = set()
    for role in parse_roles(member.roles):
        granted |= _IMPLIES.get(role, frozenset())
    return frozenset(granted)


def has_role(member: StaffMember | None, role: str) -> bool:
    return role in effective_roles(member)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise StaffError("staff_role", role=role, known=ROLES)
    return role


async def get_staff(db: Database, settings: OfficeSettings, user_id: int | None) -> StaffMember | None:
    """The staff member for ``user_id`` (env admins included), or None for a citizen."""
    if user_id is None:
        return None
    async with db.session() as s:
        member = await s.get(StaffMember, user_id)
    if user_id in settings.staff_ids:
        if member is None:
            return StaffMember(telegram_id=user_id, name="", roles="admin")
        roles = parse_roles(member.roles) | {"admin"}
        member.roles = ",".join(sorted(roles))
    return member


async def audit(db: Database, actor: str | None, action: str, *, allowed: bool = True,
                detail: str | None = None) -> None:
    async with db.session() as s:
        s.add(AuditLog(actor=actor, action=action, allowed=allowed, detail=detail))
        await s.commit()


async def require_role(db: Database, settings: OfficeSettings, user_id: int | None, role: str,
                       *, action: str = "") -> StaffMember:
    """The caller as a staff member holding ``role``; otherwise audit the refusal and raise."""
    _check_role(role)
    member = await get_staff(db, settings, user_id)
    if not has_role(member, role):
        await audit(db, f"tg:{user_id}", f"denied:{action or role}", allowed=False,
                    detail=f"required role {role}; has {sorted(effective_roles(member)) or 'none'}")
        raise PermissionDenied(user_id, role, action)
    return member  # type: ignore[return-value]


async def add_staff(db: Database, telegram_id: int, role: str, *, name: str | None = None,
                    actor: str = "cli") -> StaffMember:
    """Create the member or grant them one more role (roles accumulate)."""
    _check_role(role)
    async with db.session() as s:
        member = await s.get(StaffMember, telegram_id)
        before = member.roles if member else None
        if member is None:
            member = StaffMember(telegram_id=telegram_id, name=name or "", roles=role)
            s.add(member)
        else:
            member.roles = ",".join(sorted(parse_roles(member.roles) | {role}))
            if name is not None:
                member.name = name
        s.add(AuditLog(actor=actor, action="staff.add",
                       detail=f"{mask_id(telegram_id)} roles {before or '-'} -> {member.roles}"))
        await s.commit()
        await s.refresh(member)
        return member


async def remove_staff(db: Database, telegram_id: int, *, role: str | None = None,
                       actor: str = "cli") -> StaffMember | None:
    """Remove one role, or the whole member when ``role`` is None. Returns what is left."""
    if role is not None:
        _check_role(role)
    async with db.session() as s:
        member = await s.get(StaffMember, telegram_id)
        if member is None:
            raise StaffError("staff_not_found", id=mask_id(telegram_id))
        before = member.roles
        remaining = parse_roles(member.roles) - {role} if role else set()
        if remaining:
            member.roles = ",".join(sorted(remaining))
        else:
            await s.delete(member)
        s.add(AuditLog(actor=actor, action="staff.remove",
                       detail=f"{mask_id(telegram_id)} roles {before} -> {','.join(sorted(remaining)) or '-'}"))
        await s.commit()
        return member if remaining else None


@dataclass(frozen=True)
class StaffEntry:
    telegram_id: int
    name: str
    roles: tuple[str, ...]
    source: str  # "env", "db" or "env+db"
    blocked_bot: bool


async def list_staff(db: Database, settings: OfficeSettings) -> list[StaffEntry]:
    async with db.session() as s:
        rows = {m.telegram_id: m for m in (await s.execute(select(StaffMember))).scalars().all()}
    entries: list[StaffEntry] = []
    for tid in sorted(set(rows) | set(settings.staff_ids)):
        m = rows.get(tid)
        roles = parse_roles(m.roles) if m else set()
        if tid in settings.staff_ids:
            roles.add("admin")
        source = "env+db" if (m and tid in settings.staff_ids) else ("env" if m is None else "db")
        entries.append(StaffEntry(tid, m.name if m else "", tuple(r for r in ROLES if r in roles), source,
                                  bool(m and m.blocked_bot)))
    return entries


async def staff_recipients(db: Database, settings: OfficeSettings, role: str = "handler") -> list[int]:
    """Telegram ids of everyone who holds ``role`` (blocked members included: they may unblock)."""
    return [e.telegram_id for e in await list_staff(db, settings)
            if has_role(StaffMember(telegram_id=e.telegram_id, roles=",".join(e.roles)), role)]


async def mark_blocked(db: Database, telegram_id: int, blocked: bool) -> None:
    """Record that a staff member blocked (or unblocked) the bot; env admins get a row for it."""
    async with db.session() as s:
        member = await s.get(StaffMember, telegram_id)
        if member is None:
            if not blocked:
                return
            # No role in the row: an env admin's rights come from GONGKAI_STAFF_IDS only.
            member = StaffMember(telegram_id=telegram_id, roles="")
        if member.blocked_bot == blocked:
            return
        member.blocked_bot = blocked
        s.add(member)
        await s.commit()


def mask_id(telegram_id: int) -> str:
    text = str(telegram_id)
    if len(text) <= 4:
        return text[0] + "*" * (len(text) - 1)
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


