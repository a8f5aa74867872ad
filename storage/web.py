"""What the web front keeps in the database, so that every process of a deployment agrees on it:

- the **signing key** (``desk_key``): generated once, read by every process; it signs the desk's
  sign-in links, the public forms' tokens and the secret an online applicant gets with the receipt;
- the desk's **sign-in links** (``desk_link``): short-lived and single-use, issued by ``/desk`` in the
  bot or ``gongkai staff link``; only the SHA-256 of the link's nonce is stored;
- the desk's **sessions** (``desk_session``): the browser's cookie holds a random token, only its
  SHA-256 is stored, with an absolute and an idle expiry and the session's CSRF token;
- the **receipt secret** of an application filed on the web: derived from the signing key and the
  application's idempotency key (nothing more to store), and asked for with the number to see the
  application's status — never the number alone.

Refusals are :class:`WebError` codes (worded in ``bot/texts/web.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from storage.config import OfficeSettings
from storage.db import Database
from storage.errors import ServiceError
from storage.models import Application, AuditLog, DeskKey, DeskLink, DeskSession
from storage.staff import get_staff, has_role, mask_id

KEY_NAME = "web"
TOUCH_EVERY = timedelta(seconds=60)  # a session's last_seen_at is written at most this often
WEB_KEY_PREFIX = "web:"  # idempotency keys of applications filed on the public page
_keys: "weakref.WeakKeyDictionary[Database, bytes]" = weakref.WeakKeyDictionary()


class WebError(ServiceError):
    """A sign-in link or a status check that cannot be honoured (``code`` + ``params``)."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the signing key --------------------------------------------------------------------------------

async def signing_key(db: Database) -> bytes:
    """The deployment's signing key (created by the first process that needs it)."""
    key = _keys.get(db)
    if key is not None:
        return key
    insert = sqlite_insert if db.is_sqlite else pg_insert
    async with db.session() as s:
        await s.execute(insert(DeskKey).values(name=KEY_NAME, value=_b64(secrets.token_bytes(32)),
                                               created_at=utcnow()).on_conflict_do_nothing())
        await s.commit()
        value = (await s.execute(select(DeskKey.value).where(DeskKey.name == KEY_NAME))).scalar_one()
    key = _keys[db] = value.encode()
    return key


def sign(key: bytes, *parts: str, length: int = 32) -> str:
    """HMAC-SHA256 of the parts (joined with ``|``), URL-safe, cut to ``length`` characters."""
    return _b64(hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest())[:length]


def verify(key: bytes, signature: str, *parts: str, length: int = 32) -> bool:
    return hmac.compare_digest(sign(key, *parts, length=length), signature)


# --- sign-in links -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedLink:
    token: str
    expires_at: datetime


async def issue_link(db: Database, staff_id: int, *, minutes: int, issued_by: str,
                     now: datetime | None = None) -> IssuedLink:
    """A sign-in token for ``staff_id``, valid ``minutes`` and once. The caller checks the role."""
    now = now or utcnow()
    key = await signing_key(db)
    expires = now + timedelta(minutes=minutes)
    stamp = str(int(expires.timestamp()))
    nonce = secrets.token_urlsafe(24)
    token = f"{stamp}.{nonce}.{sign(key, 'desk-link', stamp, nonce)}"
    async with db.session() as s:
        s.add(DeskLink(nonce_hash=_digest(nonce), staff_id=staff_id, issued_by=issued_by, created_at=now,
                       expires_at=expires))
        s.add(AuditLog(at=now, actor=issued_by, action="web.link", detail=f"expires {expires.isoformat()}"))
        await s.commit()
    return IssuedLink(token, expires)


async def issue_staff_link(db: Database, settings: OfficeSettings, staff_id: int, *, minutes: int,
                           issued_by: str, now: datetime | None = None) -> IssuedLink:
    """A sign-in link for a staff member (any role); WebError("link_not_staff") for anyone else."""
    if not has_role(await get_staff(db, settings, staff_id), "handler"):
        raise WebError("link_not_staff", id=mask_id(staff_id))
    return await issue_link(db, staff_id, minutes=minutes, issued_by=issued_by, now=now)


def _parse_link(key: bytes, token: str) -> tuple[datetime, str]:
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12 or not verify(key, parts[2], "desk-link",
                                                                                        parts[0], parts[1]):
        raise WebError("link_invalid")
    return datetime.fromtimestamp(int(parts[0]), timezone.utc), parts[1]


async def link_state(db: Database, token: str, *, now: datetime | None = None) -> datetime:
    """The link's expiry if it can still be used (nothing is written); else WebError."""
    now = now or utcnow()
    expires, nonce = _parse_link(await signing_key(db), token)
    async with db.session() as s:
        row = await s.get(DeskLink, _digest(nonce))
    if row is None:
        raise WebError("link_invalid")
    if row.used_at is not None:
        raise WebError("link_used")
    if _aware(row.expires_at) <= now or expires <= now:
        raise WebError("link_expired")
    return expires


async def redeem_link(db: Database, token: str, *, now: datetime | None = None) -> int:
    """Use the link (atomically, once, across processes): the staff member's id; else WebError."""
    now = now or utcnow()
    expires, nonce = _parse_link(await signing_key(db), token)
    nonce_hash = _digest(nonce)
    async with db.session() as s:
        result = await s.execute(
            update(DeskLink)
            .where(col(DeskLink.nonce_hash) == nonce_hash, col(DeskLink.used_at).is_(None),
                   col(DeskLink.expires_at) > now)
            .values(used_at=now).execution_options(synchronize_session=False))
        if result.rowcount == 1 and expires > now:
            staff_id = (await s.execute(select(DeskLink.staff_id).where(DeskLink.nonce_hash == nonce_hash))).scalar_one()
            await s.commit()
            return int(staff_id)
        await s.rollback()
    await link_state(db, token, now=now)  # says why (used, expired, unknown)
    raise WebError("link_expired")


# --- sessions ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenedSession:
    token: str
    csrf: str
    expires_at: datetime


async def open_session(db: Database, staff_id: int, *, hours: float, now: datetime | None = None) -> OpenedSession:
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + timedelta(hours=hours)
    async with db.session() as s:
        # expired sessions and links are removed whenever someone signs in
        await s.execute(delete(DeskSession).where(col(DeskSession.expires_at) <= now))
        await s.execute(delete(DeskLink).where(col(DeskLink.expires_at) <= now - timedelta(days=1)))
        s.add(DeskSession(token_hash=_digest(token), staff_id=staff_id, csrf=csrf, created_at=now,
                          last_seen_at=now, expires_at=expires))
        await s.commit()
    return OpenedSession(token, csrf, expires)


async def find_session(db: Database, token: str | None, *, idle_minutes: float,
                       now: datetime | None = None) -> DeskSession | None:
    """The live session for the cookie's token (its last use recorded), or None when it is unknown,
    past its absolute expiry or idle for longer than ``idle_minutes`` (then it is removed)."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    token_hash = _digest(token)
    async with db.session() as s:
        row = await s.get(DeskSession, token_hash)
        if row is None:
            return None
        last_seen = _aware(row.last_seen_at)
        if _aware(row.expires_at) <= now or last_seen + timedelta(minutes=idle_minutes) <= now:
            await s.delete(row)
            await s.commit()
            return None
        if now - last_seen >= TOUCH_EVERY:
            row.last_seen_at = now
            s.add(row)
            await s.commit()
            await s.refresh(row)
        return row


async def close_session(db: Database, token: str | None) -> bool:
    if not token:
        return False
    async with db.session() as s:
        result = await s.execute(delete(DeskSession).where(col(DeskSession.token_hash) == _digest(token)))
        await s.commit()
    return bool(result.rowcount)


# --- the online applicant's receipt secret ---------------------------------------------------------

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by people


def _receipt_code(key: bytes, idempotency_key: str) -> str:
    digest = hmac.new(key, f"receipt|{idempotency_key}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(12):
        value, index = divmod(value, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[index])
    code = "".join(chars)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


async def receipt_secret(db: Database, app: Application) -> str | None:
    """The secret printed on the receipt of an application filed on the web (None for the others)."""
    if not (app.idempotency_key or "").startswith(WEB_KEY_PREFIX):
        return None
    return _receipt_code(await signing_key(db), app.idempotency_key)


def _normal_secret(text: str) -> str:
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}" if len(compact) == 12 else ""


async def application_for_status(db: Database, number: str, secret: str) -> Application:
    """The application with this number whose receipt secret matches; WebError("status_mismatch")
    otherwise — the same refusal whether the number exists or not."""
    number = (number or "").strip()[:20]
    given = _normal_secret(secret)
    async with db.session() as s:
        found = list((await s.execute(select(Application).where(Application.number == number)
                                      .order_by(col(Application.id)))).scalars()) if number else []
    key = await signing_key(db)
    match = None
    # compare even when there is nothing to compare with, so timing does not tell numbers apart
    for app in found or [None]:
        idem = app.idempotency_key or "" if app is not None else ""
        expected = _receipt_code(key, idem) if idem.startswith(WEB_KEY_PREFIX) else "+"
        if hmac.compare_digest(given or "-", expected) and app is not None:
            match = app
    if match is None:
        raise WebError("status_mismatch")
    return match
