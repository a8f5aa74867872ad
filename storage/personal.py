"""Applicants' personal data: sealed at rest, every full view logged, erased when its time is up.

What 《个人信息保护法》 asks of a state organ, made concrete (docs/personal-data.md):

- art. 51 (security by encryption): a natural person's name and every applicant's ID number, phone,
  e-mail and address are stored only as sealed tokens (``storage/crypto.py``) under keys kept
  outside the database; equality lookups compare keyed digests (:func:`applications_with`).
- art. 51 (access control) and the audit trail: the full values leave this module through
  :func:`reveal_application` (staff: the chat card, ``gongkai applications show --full``, the web
  desk) and :func:`own_personal_data` (the applicant's ``/mydata``) only, each writing the access log
  entry — who, when, which application, which channel — before returning anything. Everything
  else gets :meth:`ApplicantData.masked` values (:func:`masked_applicant`).
- art. 19 / 47 (kept no longer than needed, then deleted): :func:`purge_expired` erases the personal
  fields of applications closed before the retention cutoff (:func:`retention_cutoff`), and
  :func:`erase_application` one application on a verified request. Subject, dates, channel,
  applicant type, outcome and events stay, so every statistics table keeps its figures.
- art. 45 (see and copy): :func:`own_personal_data`.

Keys: :func:`prepare` (run by ``storage.db.open_database``) refuses keys that cannot open what is
stored and seals values written in clear before migration 0015; :func:`rotate` re-seals everything
under the current key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, or_, text
from sqlmodel import col, select

from disclosure.validation import mask_address, mask_email, mask_id, mask_name, mask_phone
from storage.batching import write_lock
from storage.config import OfficeSettings, office
from storage.crypto import DataKeys, Keyring, PersonalDataError, is_sealed
from storage.db import Database
from storage.models import Application, PersonalDataAccess

PERSONAL_FIELDS = ("name", "id_number", "phone", "email", "address")
DIGESTS = {"id_number": "id_number_digest", "phone": "phone_digest", "email": "email_digest"}
# what sealing reads from a row: the personal fields, the applicant's Telegram account, the form's key
ROW_FIELDS = (*PERSONAL_FIELDS, "applicant_type", "telegram_user_id", "chat_id", "idempotency_key")
ACCOUNT = "telegram_account"  # the sealed "user id:chat id"
_LEGACY_FORM_KEY = re.compile(r"^tg:\d+:(.+)$")  # the confirm button's key once held the user id
CHANNELS = ("chat", "cli", "web", "scheduler")
ACTIONS = ("view", "self_view", "self_export", "erase", "purge")
BATCH = 200

__all__ = [
    "ApplicantData", "PersonalDataError", "PurgeResult", "Revealed", "access_log", "applications_with",
    "erase_application", "key_usage", "masked_applicant", "own_personal_data", "prepare", "purge_expired",
    "retention_cutoff", "reveal_application", "rotate", "same_applicant", "seal_applicant", "seal_plaintext",
]


def sealed_fields(applicant_type: str | None) -> tuple[str, ...]:
    """The fields that are personal data: an organisation's name is not."""
    return PERSONAL_FIELDS if applicant_type == "natural_person" else PERSONAL_FIELDS[1:]


def _purpose(field: str) -> str:
    return f"application.{field}"


def _canonical(field: str, value: str) -> str:
    value = str(value).strip()
    return value.lower() if field == "email" else value.upper() if field == "id_number" else value


# --- keys -------------------------------------------------------------------------------------------

def _keys(db: Database) -> DataKeys:
    keys = getattr(db, "keys", None)
    if keys is None:
        raise PersonalDataError("no_keys")
    return keys


def keyring(db: Database, *, create: bool = False) -> Keyring:
    """The database's keyring; ``create``: the embedded default may make its key file now."""
    keys = _keys(db)
    ring = keys.keyring(create=create)
    if ring is None:
        raise PersonalDataError("key_missing", where=keys.where, rows=0)
    return ring


def _open(db: Database, ring: Keyring, field: str, value: str | None) -> str | None:
    if value is None or not is_sealed(value):
        return value  # empty, an organisation's name, or erased
    try:
        return ring.open(_purpose(field), value)
    except PersonalDataError as exc:
        if exc.code != "unknown_key":
            raise
        fresh = keyring(db)  # the key file may have changed since it was read (a rotation)
        if fresh is ring:
            raise
        return fresh.open(_purpose(field), value)


# --- sealing ------------------------------------------------------------------------------------------

def account_digests(ring: Keyring, telegram_user_id: int) -> list[str]:
    """The digests of a Telegram user id under every key, the current key's first."""
    return ring.digests(_purpose("telegram_user_id"), str(int(telegram_user_id)))


def seal_applicant(values: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    """An application's column values with the personal fields sealed, their equality digests and the
    key id set. ``values`` holds the fields in clear (and ``applicant_type``); a Telegram user and
    chat id become the account's digest and its sealed ``user id:chat id``."""
    out = dict(values)
    for field in sealed_fields(values.get("applicant_type")):
        value = values.get(field)
        if value not in (None, "") and not is_sealed(value):
            out[field] = ring.seal(_purpose(field), value)
    for field, column in DIGESTS.items():
        value = values.get(field)
        out[column] = ring.digest(_purpose(field), _canonical(field, value)) if value else None
    user, chat = values.get("telegram_user_id"), values.get("chat_id")
    if user is not None or chat is not None:
        out["telegram_user_digest"] = account_digests(ring, user)[0] if user is not None else None
        out[ACCOUNT] = ring.seal(_purpose(ACCOUNT), f"{'' if user is None else user}:{'' if chat is None else chat}")
    if "telegram_user_id" in values or "chat_id" in values:
        out["telegram_user_id"] = out["chat_id"] = None
    legacy = _LEGACY_FORM_KEY.match(values.get("idempotency_key") or "")
    if legacy:
        out["idempotency_key"] = f"tg:{legacy.group(1)}"
    out["personal_key"] = ring.current.id
    return out


def _account(db: Database, ring: Keyring | None, app: Application) -> tuple[int | None, int | None]:
    """(Telegram user id, chat id) of the applicant: opened from the sealed account, or as written
    in clear before sealing."""
    if app.telegram_account:
        user, _, chat = _open(db, ring or keyring(db), ACCOUNT, app.telegram_account).partition(":")
        return (int(user) if user else None), (int(chat) if chat else None)
    return app.telegram_user_id, app.chat_id


def applicant_chat(db: Database, app: Application) -> int | None:
    """The chat the applicant's notices go to (None: the application did not come through the bot)."""
    user, chat = _account(db, None, app)
    return chat or user


def filed_by(db: Database, app: Application, telegram_user_id: int) -> bool:
    """Whether this Telegram account filed ``app`` (compared by digest)."""
    if app.telegram_user_digest:
        ring = keyring(db)
        return app.telegram_user_digest in account_digests(ring, telegram_user_id)
    return app.telegram_user_id == telegram_user_id


def account_condition(db: Database, telegram_user_id: int):
    """SQL condition: applications filed from this Telegram account (by digest under every key; rows
    not sealed yet by the id in clear)."""
    keys = getattr(db, "keys", None)
    ring = keys.keyring() if keys is not None else None
    legacy = col(Application.telegram_user_id) == int(telegram_user_id)
    if ring is None:
        return legacy
    return or_(col(Application.telegram_user_digest).in_(account_digests(ring, telegram_user_id)), legacy)


def _plain_values(db: Database, ring: Keyring, app: Application) -> dict[str, Any]:
    values = {field: _open(db, ring, field, getattr(app, field)) for field in PERSONAL_FIELDS}
    values["applicant_type"] = app.applicant_type
    values["telegram_user_id"], values["chat_id"] = _account(db, ring, app)
    return values


def _apply(app: Application, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key != "applicant_type":
            setattr(app, key, value)


async def key_usage(db: Database) -> dict[str | None, int]:
    """Applications (personal data not erased) by the key id they are sealed with; None: in clear."""
    async with db.session() as s:
        rows = await s.execute(select(Application.personal_key, func.count())
                               .where(col(Application.personal_erased_at).is_(None))
                               .group_by(Application.personal_key))
        return {key: int(n) for key, n in rows}


async def check_keys(db: Database) -> dict[str | None, int]:
    """Refuse keys that cannot open what is stored, before anything is written with them."""
    usage = await key_usage(db)
    sealed = {k: n for k, n in usage.items() if k is not None}
    if sealed:
        keys = _keys(db)
        ring = keys.keyring()
        if ring is None:
            raise PersonalDataError("key_missing", where=keys.where, rows=sum(sealed.values()))
        unknown = sorted(set(sealed) - set(ring.ids))
        if unknown:
            raise PersonalDataError("unknown_key", keys=", ".join(unknown), rows=sum(sealed[k] for k in unknown),
                                    where=keys.where)
    return usage


async def prepare(db: Database) -> int:
    """Check the keys against the database, then seal the values still in clear; how many rows were."""
    usage = await check_keys(db)
    if not usage.get(None):
        return 0
    return await seal_plaintext(db)


async def _batches(db: Database, *conditions) -> AsyncIterator[list[Application]]:
    """Applications matching ``conditions`` in batches; each batch is committed by the caller before
    the next is read, so a condition the change falsifies ends the loop."""
    while True:
        async with db.session() as s:
            rows = list((await s.execute(select(Application).where(*conditions)
                                         .order_by(col(Application.id)).limit(BATCH))).scalars())
        if not rows:
            return
        yield rows


async def seal_plaintext(db: Database) -> int:
    """Seal the personal values written in clear (before migration 0015), a batch per transaction:
    an interruption leaves each row either in clear or sealed, and the next run continues."""
    total = 0
    async for rows in _batches(db, col(Application.personal_key).is_(None),
                               col(Application.personal_erased_at).is_(None)):
        ring = keyring(db, create=True)
        async with write_lock(db), db.session() as s:
            for row in rows:
                app = await s.get(Application, row.id)
                if app is None or app.personal_key is not None:
                    continue
                _apply(app, seal_applicant({f: getattr(app, f) for f in ROW_FIELDS}, ring))
                total += 1
            await s.commit()
    if total:
        await compact(db)
    return total


async def compact(db: Database) -> None:
    """Rewrite the application table so values replaced in place leave no copy in free space or the
    write-ahead log (SQLite ``VACUUM`` + WAL truncation; PostgreSQL ``VACUUM FULL``)."""
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if db.is_sqlite:
            await conn.execute(text("VACUUM"))
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:
            await conn.execute(text("VACUUM FULL application"))


@dataclass(frozen=True)
class Rotation:
    key_id: str
    resealed: int
    before: dict[str | None, int]


async def rotate(db: Database) -> Rotation:
    """Re-seal every application sealed with an older key under the current (first) key, with fresh
    digests; a batch per transaction (an interruption is finished by running it again)."""
    before = await check_keys(db)
    ring = keyring(db, create=True)
    current = ring.current.id
    total = 0
    async for rows in _batches(db, col(Application.personal_key).is_not(None),
                               col(Application.personal_key) != current):
        async with write_lock(db), db.session() as s:
            for row in rows:
                app = await s.get(Application, row.id)
                if app is None or app.personal_key in (None, current):
                    continue
                plain = _plain_values(db, ring, app)
                _apply(app, seal_applicant(plain, ring))
                total += 1
            await s.commit()
    return Rotation(current, total, before)


async def retire_old_keys(db: Database) -> list[str]:
    """Remove every key but the current one from the key file, once no application needs them."""
    usage = await check_keys(db)
    ring = keyring(db)
    old = {k: n for k, n in usage.items() if k is not None and k != ring.current.id}
    if old:
        raise PersonalDataError("keys_in_use", keys=", ".join(sorted(old)), rows=sum(old.values()))
    return _keys(db).retire_old_keys()


def unseal_rows_sync(conn, keys: DataKeys) -> int:
    """Write every sealed value back in clear (migration 0015's downgrade; a synchronous connection)."""
    ring = keys.keyring()
    if ring is None:
        raise PersonalDataError("key_missing", where=keys.where, rows=0)
    rows = conn.execute(text("SELECT id, applicant_type, name, id_number, phone, email, address, telegram_account "
                             "FROM application WHERE personal_key IS NOT NULL")).mappings().all()
    for row in rows:
        values = {f: (ring.open(_purpose(f), row[f]) if is_sealed(row[f]) else row[f]) for f in PERSONAL_FIELDS}
        user, _, chat = (ring.open(_purpose(ACCOUNT), row[ACCOUNT]) if row[ACCOUNT] else ":").partition(":")
        values.update(telegram_user_id=int(user) if user else None, chat_id=int(chat) if chat else None)
        conn.execute(text("UPDATE application SET name=:name, id_number=:id_number, phone=:phone, email=:email, "
                          "address=:address, telegram_user_id=:telegram_user_id, chat_id=:chat_id, "
                          "personal_key=NULL WHERE id=:id"), {**values, "id": row["id"]})
    return len(rows)


# --- reading ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApplicantData:
    """Who applied, as one person is shown it: in full, or :meth:`masked`."""

    applicant_type: str
    name: str | None
    id_type: str | None
    id_number: str | None
    org_code: str | None
    phone: str | None
    email: str | None
    address: str | None
    erased_at: datetime | None = None
    masked: bool = False

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def masked_copy(self) -> "ApplicantData":
        if self.masked:
            return self
        def hide(mask, value):
            return mask(value) if value else value

        person = self.applicant_type == "natural_person"
        return replace(self, name=hide(mask_name, self.name) if person else self.name,
                       id_number=hide(mask_id, self.id_number), phone=hide(mask_phone, self.phone),
                       email=hide(mask_email, self.email), address=hide(mask_address, self.address), masked=True)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["erased_at"] = self.erased_at.isoformat() if self.erased_at else None
        return data


def _applicant(db: Database, app: Application) -> ApplicantData:
    erased = app.personal_erased_at
    needs_key = erased is None and any(is_sealed(getattr(app, f)) for f in PERSONAL_FIELDS)
    ring = keyring(db) if needs_key else None
    value = (lambda f: _open(db, ring, f, getattr(app, f))) if ring is not None else (lambda f: getattr(app, f))
    return ApplicantData(app.applicant_type, value("name") or None, app.id_type, value("id_number"), app.org_code,
                         value("phone"), value("email"), value("address"), erased_at=erased)


def masked_applicant(db: Database, app: Application) -> ApplicantData:
    """The applicant with every personal value masked (lists, the masked card): not logged."""
    return _applicant(db, app).masked_copy()


@dataclass(frozen=True)
class Revealed:
    application: Application
    applicant: ApplicantData  # in full (or erased)


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")


async def _log(s, actor: str, action: str, channel: str, app: Application | None, detail: str | None = None) -> None:
    s.add(PersonalDataAccess(actor=actor, action=action, channel=channel, application_id=app.id if app else None,
                             number=app.number if app else None, detail=detail))


async def reveal_application(db: Database, ref: "Application | int | str", *, actor: str,
                             channel: str) -> Revealed:
    """One application with its applicant's personal data in full, for the person ``actor`` who is
    shown it through ``channel`` (``chat``, ``cli``, ``web``).

    The access log entry (who, when, which application, channel) is committed before the data is
    returned; a key that cannot open the data raises :class:`PersonalDataError` and logs nothing (there
    was nothing shown). An application whose personal data was erased comes back with
    ``applicant.erased`` and is not logged. ``HandlingError("not_found")`` for an unknown ``ref``."""
    from storage.handling import find_application

    _check_channel(channel)
    if not str(actor or "").strip():
        raise ValueError("the access log needs the actor")
    app = await find_application(db, ref)
    applicant = _applicant(db, app)
    if not applicant.erased:
        async with db.session() as s:
            await _log(s, actor, "view", channel, app)
            await s.commit()
    return Revealed(app, applicant)


async def own_personal_data(db: Database, telegram_user_id: int, *, full: bool, actor: str, channel: str = "chat",
                            action: str = "self_view", limit: int = 50) -> list[tuple[Application, ApplicantData]]:
    """What is stored about the applicant of this Telegram account (art. 45): each of their
    applications with its personal data, masked unless ``full``; a full view or a copy
    (``action="self_export"``) is logged per application."""
    from storage.applications import list_for_user

    _check_channel(channel)
    if action not in ("self_view", "self_export"):
        raise ValueError(action)
    apps = await list_for_user(db, telegram_user_id, limit=limit)
    data = [(app, _applicant(db, app)) for app in apps]
    if not full:
        return [(app, d.masked_copy()) for app, d in data]
    async with db.session() as s:
        for app, d in data:
            if not d.erased:
                await _log(s, actor, action, channel, app)
        await s.commit()
    return data


async def applications_with(db: Database, *, id_number: str | None = None, phone: str | None = None,
                            email: str | None = None) -> list[Application]:
    """Applications whose applicant has this ID number, phone or e-mail (any of those given),
    compared by keyed digest under every configured key — no plain value is read or compared."""
    ring = keyring(db)
    conditions = []
    for field, value in (("id_number", id_number), ("phone", phone), ("email", email)):
        if value:
            column = getattr(Application, DIGESTS[field])
            conditions.append(col(column).in_(ring.digests(_purpose(field), _canonical(field, value))))
    if not conditions:
        return []
    async with db.session() as s:
        return list((await s.execute(select(Application).where(or_(*conditions))
                                     .order_by(col(Application.receipt_date), col(Application.id)))).scalars())


async def same_applicant(db: Database, app: Application) -> list[Application]:
    """Other applications of the same applicant (the same ID number, or else the same phone or
    e-mail): what staff check before answering a repeated application (重复申请, art. 36 (五))."""
    data = _applicant(db, app)
    if data.erased:
        return []
    if data.id_number:
        found = await applications_with(db, id_number=data.id_number)
    else:
        found = await applications_with(db, phone=data.phone, email=data.email)
    return [other for other in found if other.id != app.id]


# --- retention and erasure ------------------------------------------------------------------------------

def retention_cutoff(today: date, years: int) -> date:
    """Applications closed before this day are past their retention period on ``today``.

    The period runs ``years`` full years from 1 January after the year of closing (archive periods
    count from the year after the file was closed), so the personal data of an application closed in
    2026 is kept to the end of 2026 + ``years`` and erased from 1 January of the year after."""
    if years < 1:
        raise PersonalDataError("retention_years", years=years)
    return date(today.year - years, 1, 1)


def _erase(app: Application, now: datetime) -> None:
    """Blank the personal fields and what ties the row to a person (Telegram ids, the form's key);
    subject, dates, channel, applicant type, outcome, timeliness and events are kept."""
    if app.applicant_type == "natural_person":
        app.name = ""
    app.id_number = app.phone = app.email = app.address = None
    app.id_number_digest = app.phone_digest = app.email_digest = None
    app.personal_key = None
    app.telegram_user_id = app.chat_id = app.telegram_user_digest = app.telegram_account = None
    app.idempotency_key = None
    app.personal_erased_at = now
    app.updated_at = now


@dataclass(frozen=True)
class PurgeResult:
    cutoff: date  # applications closed before this day
    numbers: list[str]  # erased (or, with dry_run, to be erased)
    dry_run: bool


async def purge_expired(db: Database, *, today: date, settings: OfficeSettings | None = None,
                        closed_before: date | None = None, dry_run: bool = False, actor: str = "scheduler",
                        channel: str = "scheduler") -> PurgeResult:
    """Erase the personal data of every application closed before the retention cutoff (or before
    ``closed_before``, which may not reach into the retention period); one access-log entry per
    application. ``dry_run``: list them, change nothing."""
    settings = office(settings)
    _check_channel(channel)
    cutoff = retention_cutoff(today, settings.personal_data_retention_years)
    if closed_before is not None:
        if closed_before > cutoff:
            raise PersonalDataError("purge_within_retention", given=closed_before, cutoff=cutoff,
                                    years=settings.personal_data_retention_years)
        cutoff = closed_before
    expired = (col(Application.closed_date) < cutoff, col(Application.status) == "closed",
               col(Application.personal_erased_at).is_(None))
    if dry_run:
        async with db.session() as s:
            numbers = list((await s.execute(select(Application.number).where(*expired)
                                            .order_by(col(Application.closed_date), col(Application.id)))).scalars())
        return PurgeResult(cutoff, numbers, True)
    numbers: list[str] = []
    now = datetime.now(timezone.utc)
    async for rows in _batches(db, *expired):
        async with write_lock(db), db.session() as s:
            for row in rows:  # row lock: processes running the same purge erase and log each row once
                app = await s.get(Application, row.id, with_for_update=True)
                if app is None or app.personal_erased_at is not None:
                    continue
                _erase(app, now)
                await _log(s, actor, "purge", channel, app, detail=f"closed {app.closed_date}, before {cutoff}")
                numbers.append(app.number)
            await s.commit()
    return PurgeResult(cutoff, numbers, False)


async def erase_application(db: Database, ref: "Application | int | str", *, actor: str, channel: str,
                            reason: str) -> Application:
    """Erase one closed application's personal data on the applicant's verified request (art. 47);
    ``reason`` (how the request was verified) goes into the access log."""
    from storage.handling import find_application

    _check_channel(channel)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise PersonalDataError("erase_reason")
    app = await find_application(db, ref)
    if app.status != "closed":
        raise PersonalDataError("erase_open", number=app.number)
    if app.personal_erased_at is not None:
        raise PersonalDataError("erased_already", number=app.number, at=app.personal_erased_at.date())
    async with write_lock(db), db.session() as s:
        app = await s.get(Application, app.id, with_for_update=True)
        if app.personal_erased_at is not None:
            raise PersonalDataError("erased_already", number=app.number, at=app.personal_erased_at.date())
        _erase(app, datetime.now(timezone.utc))
        await _log(s, actor, "erase", channel, app, detail=reason[:500])
        await s.commit()
    return app


@dataclass(frozen=True)
class Overview:
    sealed: dict[str, int]  # key id → applications
    in_clear: int
    erased: int


async def overview(db: Database) -> Overview:
    usage = await key_usage(db)
    async with db.session() as s:
        erased = int((await s.execute(select(func.count()).select_from(Application)
                                      .where(col(Application.personal_erased_at).is_not(None)))).scalar_one())
    return Overview({k: n for k, n in usage.items() if k is not None}, usage.get(None, 0), erased)


# --- the access log ----------------------------------------------------------------------------------------

async def access_log(db: Database, *, application: "Application | int | str | None" = None,
                     limit: int | None = None) -> list[PersonalDataAccess]:
    """The access log, oldest first (the last ``limit`` entries); for one application if given."""
    stmt = select(PersonalDataAccess)
    if application is not None:
        from storage.handling import find_application

        app = await find_application(db, application)
        stmt = stmt.where(col(PersonalDataAccess.application_id) == app.id)
    stmt = stmt.order_by(col(PersonalDataAccess.at).desc(), col(PersonalDataAccess.id).desc())
    if limit:
        stmt = stmt.limit(limit)
    async with db.session() as s:
        rows = list((await s.execute(stmt)).scalars())
    return rows[::-1]

