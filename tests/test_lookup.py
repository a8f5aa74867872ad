"""One application lookup (number, id, object) shared by handling and dispute cases."""

from __future__ import annotations

from datetime import date

import pytest

from storage.applications import lookup_application
from storage.cases import CaseError, add_case
from storage.models import Application


async def _app(db) -> Application:
    async with db.session() as s:
        app = Application(year=2026, seq=7, number="2026-0007", applicant_type="natural_person", name="张三",
                          description="道路工程审批文件", receipt_date=date(2026, 11, 2))
        s.add(app)
        await s.commit()
        return app


async def test_lookup_by_number_id_and_object(db):
    app = await _app(db)
    async with db.session() as s:
        assert (await lookup_application(s, "2026-0007")).id == app.id
        assert (await lookup_application(s, str(app.id))).id == app.id
        assert (await lookup_application(s, app.id)).number == "2026-0007"
        assert (await lookup_application(s, app)).number == "2026-0007"
        for ref in ("2026-9999", "", None, 0, -1, 2**64, "9" * 30, True):
            assert await lookup_application(s, ref) is None


async def test_case_with_out_of_range_application_is_a_clear_error(db):
    await _app(db)
    with pytest.raises(CaseError):
        await add_case(db, "review", date(2026, 11, 20), application="9" * 30)
    case = await add_case(db, "review", date(2026, 11, 20), application="2026-0007")
    assert case.application_id is not None
