"""aiogram FSM storage over the ``fsm_record`` table: half-filled forms survive a restart.

State and data are stored as plain strings and JSON (never pickle), so a record can be read, audited
and deleted with SQL. A key whose state is cleared and whose data is empty is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import FsmRecord, utcnow


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


def _json_copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Reject anything JSON cannot hold now, not at commit time (TypeError)."""
    return json.loads(json.dumps(dict(data), ensure_ascii=False))


class SqlStorage(BaseStorage):
    def __init__(self, db: Database) -> None:
        self.db = db
        self._insert = sqlite_insert if db.is_sqlite else pg_insert

    async def _upsert(self, key: str, values: dict[str, Any], *, maybe_empty: bool) -> None:
        now = utcnow()
        stmt = self._insert(FsmRecord).values(key=key, updated_at=now, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={**values, "updated_at": now})
        async with self.db.session() as s:
            await s.execute(stmt)
            if maybe_empty:
                row = (await s.execute(select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == key))).first()
                if row is not None and row.state is None and not row.data:
                    await s.execute(delete(FsmRecord).where(FsmRecord.key == key))
            await s.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(storage_key_str(key), {"state": value}, maybe_empty=value is None)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.db.session() as s:
            result = await s.execute(select(FsmRecord.state).where(FsmRecord.key == storage_key_str(key)))
            return result.scalar_one_or_none()

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"FSM data must be a mapping, not {type(data).__name__}")
        payload = _json_copy(data)
        await self._upsert(storage_key_str(key), {"data": payload}, maybe_empty=not payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.db.session() as s:
            result = await s.execute(select(FsmRecord.data).where(FsmRecord.key == storage_key_str(key)))
            data = result.scalar_one_or_none()
        return dict(data) if data else {}

    async def close(self) -> None:
        return None
