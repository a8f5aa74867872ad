from __future__ import annotations

from datetime import datetime

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlmodel import select

from storage.db import open_database
from storage.fsm import SqlStorage, open_data
from storage.models import FsmRecord
from tests.conftest import keys_for_tests


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=42, chat_id=1001, user_id=1001)
OTHER = StorageKey(bot_id=42, chat_id=2002, user_id=2002)


async def _rows(db):
    async with db.session() as s:
        return list((await s.execute(select(FsmRecord))).scalars())


async def test_state_and_data_roundtrip_and_isolation(db):
    st = SqlStorage(db)
    assert await st.get_state(KEY) is None
    assert await st.get_data(KEY) == {}
    await st.set_state(KEY, Form.name)
    await st.set_data(KEY, {"name": "张三", "n": 1, "nested": {"a": [1, 2]}})
    assert await st.get_state(KEY) == "Form:name"
    assert await st.get_data(KEY) == {"name": "张三", "n": 1, "nested": {"a": [1, 2]}}
    assert await st.update_data(KEY, {"n": 2}) == {"name": "张三", "n": 2, "nested": {"a": [1, 2]}}
    assert await st.get_state(OTHER) is None
    assert await st.get_data(OTHER) == {}


async def test_survives_a_new_storage_and_a_new_engine(db_url):
    db1 = await open_database(db_url, keys=keys_for_tests())
    await SqlStorage(db1).set_state(KEY, "Form:name")
    await SqlStorage(db1).set_data(KEY, {"draft": "x"})
    await db1.dispose()

    db2 = await open_database(db_url, keys=keys_for_tests())
    st = SqlStorage(db2)
    assert await st.get_state(KEY) == "Form:name"
    assert await st.get_data(KEY) == {"draft": "x"}
    await db2.dispose()


async def test_clearing_deletes_the_row(db):
    st = SqlStorage(db)
    await st.set_state(KEY, "Form:name")
    await st.set_data(KEY, {"a": 1})
    await st.set_state(KEY, None)
    assert len(await _rows(db)) == 1  # data still there
    await st.set_data(KEY, {})
    assert await _rows(db) == []
    assert await st.get_state(KEY) is None


async def test_data_is_json_never_pickle(db):
    st = SqlStorage(db)
    with pytest.raises(TypeError):
        await st.set_data(KEY, {"when": datetime(2026, 1, 1)})
    with pytest.raises(TypeError):
        await st.set_data(KEY, ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert await _rows(db) == []
    await st.set_data(KEY, {"ok": True})
    rows = await _rows(db)
    assert isinstance(rows[0].data, dict) and set(rows[0].data) == {"sealed"}  # a form holds personal data
    assert rows[0].data["sealed"].startswith("gk1:") and open_data(db, rows[0].data) == {"ok": True}


async def test_uncached_storage_sees_the_same_rows(db):
    cached, plain = SqlStorage(db), SqlStorage(db, cache=False)
    await cached.set_state(KEY, "Form:name")
    await cached.set_data(KEY, {"x": [1]})
    assert await plain.get_state(KEY) == "Form:name" and await plain.get_data(KEY) == {"x": [1]}
    data = await cached.get_data(KEY)
    data["x"].append(2)  # a caller mutating what it got must not change the stored form
    assert await cached.get_data(KEY) == {"x": [1]}
