"""aiogram FSM storage over the ``fsm_record`` table: half-filled forms survive a restart.

State and data are stored as plain strings and JSON (never pickle), so a record can be read, audited
and deleted with SQL. A key whose state is cleared and whose data is empty is deleted. The data of a
half-filled application form holds personal data: when the database has its data keys it is stored
sealed as one token (``{"sealed": "gk1:…"}``, ``storage/crypto.py``); records written in clear
before are still read. :func:`forget_stale` deletes records left untouched longer than a form is kept.

The SQL storage is the one-process deployment (several processes use Redis, see
``bot/storage_select.py``), so this process is the only writer: reads are served from a bounded
write-through cache, and every change is committed before it is acknowledged.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete, select
from sqlmodel import col
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.batching import write_lock
from storage.crypto import sealed_json
from storage.db import Database
from storage.models import FsmRecord, utcnow

CACHE_SIZE = 50_000
SEALED = "sealed"
PURPOSE = "fsm.data"


def storage_key_str(key: StorageKey) -> str:
    parts = [
        str(key.bot_id),
        str(key.chat_id),
        str(key.user_id),
        str(key.thread_id or ""),
        key.business_connection_id or "",
        key.destiny,
    ]
    return ":".join(parts)


def seal_data(db: Database, data: dict[str, Any]) -> dict[str, Any]:
    """The record's data as stored: one sealed token when the database has its data keys."""
    keys = getattr(db, "keys", None)
    if keys is None or not data:
        return data
    return {SEALED: sealed_json(keys, PURPOSE)[0](data)}


def open_data(db: Database, data: dict[str, Any]) -> dict[str, Any]:
    """The record's data as the form uses it (a record written in clear is read as it is; one that
    cannot be opened — its key is gone — is an empty form)."""
    if set(data) != {SEALED}:
        return data
    keys = getattr(db, "keys", None)
    return sealed_json(keys, PURPOSE)[1](data[SEALED]) if keys is not None else {}


def _json_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Reject anything JSON cannot hold now, not at commit time (TypeError)."""
    return json.loads(json.dumps(dict(data), ensure_ascii=False))


class SqlStorage(BaseStorage):
    def __init__(self, db: Database, *, cache: bool = True, cache_size: int = CACHE_SIZE) -> None:
        self.db = db
        self._insert = sqlite_insert if db.is_sqlite else pg_insert
        self._cache: OrderedDict[str, tuple[str | None, dict[str, Any]]] | None = OrderedDict() if cache else None
        self._cache_size = cache_size

    def _remember(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if self._cache is None:
            return
        self._cache[key] = (state, data)
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _load(self, key: str) -> tuple[str | None, dict[str, Any]]:
        if self._cache is not None and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        async with self.db.session() as s:
            row = (await s.execute(select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key))).first()
        value = (row.state, open_data(self.db, dict(row.data or {}))) if row is not None else (None, {})
        self._remember(key, *value)
        return value


    async def _write(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        now = utcnow()
        async with write_lock(self.db):
            async with self.db.session() as s:
                if state is None and not data:
                    await s.execute(delete(FsmRecord).where(FsmRecord.key == key))
                else:
                    values = {"state": state, "data": seal_data(self.db, data), "updated_at": now}
                    stmt = self._insert(FsmRecord).values(key=key, **values)
                    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_=values)
                    await s.execute(stmt)
                await s.commit()
        self._remember(key, state, data)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        k = storage_key_str(key)
        _, data = await self._load(k)
        await self._write(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(storage_key_str(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"FSM data must be a mapping, not {type(data).__name__}")
        payload = _json_copy(data)
        k = storage_key_str(key)
        state, _ = await self._load(k)
        await self._write(k, state, payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return copy.deepcopy((await self._load(storage_key_str(key)))[1])

    async def close(self) -> None:
        if self._cache is not None:
            self._cache.clear()


async def forget_stale(db: Database, before: datetime) -> int:
    """Delete the records untouched since ``before`` (abandoned half-filled forms: the Redis storage
    lets them expire after the same time); how many."""
    async with write_lock(db), db.session() as s:
        result = await s.execute(delete(FsmRecord).where(col(FsmRecord.updated_at) < before))
        await s.commit()
    return int(result.rowcount or 0)
