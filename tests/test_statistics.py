import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from disclosure.tables import (
    TABLE4_KEYS, AppRecord, Aggregates, CaseRecord, ReportInvariantError, build_tables, check_table3,
    compute_report, data_rows,
)
from storage.statistics import build_report, live_stats, year_aggregates
from tests import scripted_year as sy


def _expand(nonzero: dict, keys) -> dict:
    return {k: nonzero.get(k, sy.row() if isinstance(next(iter(nonzero.values())), dict) else 0) for k in keys}


def expected_2021():
    return _expand(sy.EXPECTED_2021_NONZERO, [r.key for r in data_rows("2021")])


def expected_2019():
    exp = _expand({k: v for k, v in sy.EXPECTED_2021_NONZERO.items() if not k.startswith("r_other_")},
                  [r.key for r in data_rows("2019")])
    exp["r_other"] = sy.row(1, 0, 0, 1)  # fee_unpaid (自然人) + no_correction (社会公益组织)
    return exp


def expected_legacy():
    from disclosure.tables import LEGACY_KEYS
    return {k: sy.EXPECTED_LEGACY_NONZERO.get(k, 0) for k in LEGACY_KEYS}


def expected_table4():
    return {k: sy.EXPECTED_TABLE4_NONZERO.get(k, 0) for k in TABLE4_KEYS}


@pytest.mark.parametrize("path", ["python", "sql"])
async def test_scripted_year_all_three_formats(db, path):
    if path == "sql":
        await sy.load(db)

        async def report(fmt):
            return await build_report(db, 2025, fmt)
    else:
        async def report(fmt):
            return compute_report(2025, fmt, sy.records(), sy.case_records())

    t21 = await report("2021")
    assert t21.table3 == expected_2021()
    assert t21.table4 == expected_table4()
    assert list(t21.to_json()) == ["year", "format", "table3", "table4"]
    assert len(t21.table3) == 25 and all(len(v) == 7 for v in t21.table3.values())

    t19 = await report("2019")
    assert t19.table3 == expected_2019()
    assert len(t19.table3) == 23
    assert t19.table4 == expected_table4()

    leg = await report("legacy")
    assert leg.rows == expected_legacy()
    assert leg.notes == sy.EXPECTED_LEGACY_NOTES
    assert leg.to_json() == {"year": 2025, "format": "legacy", "rows": expected_legacy(),
                             "notes": sy.EXPECTED_LEGACY_NOTES}
    assert "apps_closed.late" not in leg.rows  # only official rows; 逾期 is printed under the table
    assert leg.rows["apps_closed"] == leg.rows["apps_closed.on_time"] + leg.rows["apps_closed.extended"] + 1
    for parent in ("reviews", "lawsuits", "complaints"):  # §四–§六 totals add up
        assert leg.rows[parent] == sum(v for k, v in leg.rows.items() if k.startswith(parent + "."))

    assert t21.extras["timeliness"] == sy.EXPECTED_TIMELINESS_2025
    assert t21.extras["received_by_month_channel"]["online"][11] == 1  # N8, December
    earlier = t21.extras["cases_decided_from_earlier_years"]
    assert [(c["kind"], c["filed_date"], c["decided_date"], c["result"]) for c in earlier] == [
        ("review", "2024-11-01", "2025-01-10", "upheld")]
    if path == "sql":
        assert t21.extras["fees"] == {"applications": 0, "amount": "0.00"}  # N10 never paid


async def test_carry_over_next_year_equals_this_years_carried_out(db):
    await sy.load(db)
    t25 = await build_report(db, 2025, "2021")
    t26 = await build_report(db, 2026, "2021")
    assert t26.table3["carried_in"] == t25.table3["carried_out"] == sy.row(1, 1)
    # C2 (partial) closes in 2026 and is counted there, once
    assert t26.table3["r_partial"]["org_business"] == 1
    t24 = await build_report(db, 2024, "2021")
    assert t25.table3["carried_in"] == t24.table3["carried_out"]


def _random_records(seed: int, n: int) -> tuple[list[AppRecord], list[CaseRecord]]:
    rnd = random.Random(seed)
    codes, types, chans = list(OUTCOMES), list(APPLICANT_TYPES), list(CHANNELS)
    apps = []
    for _ in range(n):
        rec = date(2023, 1, 1) + timedelta(days=rnd.randrange(3 * 365))
        closed = rec + timedelta(days=rnd.randrange(0, 90)) if rnd.random() < 0.9 else None
        due = rec + timedelta(days=28)
        ext = rnd.random() < 0.2
        apps.append(AppRecord(rnd.choice(types), rnd.choice(chans), rec, closed,
                              rnd.choice(codes) if closed else None, due, due + timedelta(days=28 if ext else 0), ext))
    cases = [CaseRecord(rnd.choice(["review", "lit_direct", "lit_after_review", "complaint"]),
                        date(2024, 1, 1) + timedelta(days=rnd.randrange(700)),
                        date(2025, 6, 1) if rnd.random() < 0.5 else None,
                        rnd.choice(["upheld", "corrected", "other", None])) for _ in range(40)]
    return apps, cases


async def test_sql_aggregation_equals_reference_loop_on_random_data(db):
    from storage.models import Application, ApplicationEvent, Case

    from bot.settings import get_settings
    from disclosure.tables import timeliness
    from storage.calendar import load_calendar
    from storage.handling import fingerprint

    # rows inserted directly (a bulk-load path), stamped as derived with the current calendar
    fp = fingerprint(await load_calendar(db), get_settings())
    apps, cases = _random_records(7, 600)
    async with db.session() as s:
        for i, a in enumerate(apps, 1):
            row = Application(year=a.receipt_date.year, seq=i, number=f"X-{i}", applicant_type=a.applicant_type,
                              name="n", description="d", channel=a.channel, receipt_date=a.receipt_date,
                              closed_date=a.closed_date, outcome=a.outcome, original_due=a.original_due,
                              reply_due=a.reply_due, status="closed" if a.closed_date else "open",
                              timeliness=timeliness(a) if a.closed_date else None, derived_with=fp)
            s.add(row)
            await s.flush()
            if a.extended:
                s.add(ApplicationEvent(application_id=row.id, kind="extension", on_date=a.original_due, days=20))
                s.add(ApplicationEvent(application_id=row.id, kind="extension_notice", on_date=a.original_due))
        for c in cases:
            s.add(Case(kind=c.kind, filed_date=c.filed_date, decided_date=c.decided_date, result=c.result))
        await s.commit()
    for year in (2023, 2024, 2025):
        from disclosure.tables import aggregate_records
        ref = aggregate_records(year, apps, cases)
        got = await year_aggregates(db, year)
        for name in ("new_received", "carried_in", "closed", "carried_out", "cases"):
            assert +getattr(got, name) == +getattr(ref, name), (year, name)
        for fmt in ("2021", "2019", "legacy"):
            assert (await build_report(db, year, fmt)).to_json() == build_tables(ref, fmt).to_json()


def test_invariant_violation_names_rows_and_columns():
    agg = Aggregates(2025)
    agg.new_received[("natural_person", "online", 3)] = 2
    agg.closed[("natural_person", "open", "on_time", 4)] = 1
    # one application vanished: received, neither closed nor carried out
    with pytest.raises(ReportInvariantError) as err:
        build_tables(agg, "2021")
    msg = str(err.value)
    assert "column natural_person (自然人)" in msg and "column total (总计)" in msg
    assert "new_received + carried_in = 2" in msg and "r_total + carried_out = 1" in msg
    with pytest.raises(ReportInvariantError, match="column total"):
        build_tables(agg, "legacy")


def test_check_table3_detects_bad_total_column_and_bad_r_total():
    table = compute_report(2025, "2021", sy.records()).table3
    assert check_table3(table, "2021") == []
    table["r_open"]["total"] += 1
    table["r_total"]["org_research"] += 1
    problems = check_table3(table, "2021")
    assert any(p.startswith("row r_open (（一）予以公开): total column") for p in problems)
    assert any("row r_total" in p and "org_research" in p for p in problems)


def test_unknown_outcome_and_prior_carry_mismatch_are_loud():
    agg = Aggregates(2025)
    agg.new_received[("natural_person", "online", 3)] = 1
    agg.closed[("natural_person", "bogus", "late", 4)] = 1
    with pytest.raises(ReportInvariantError, match="unknown outcome 'bogus'"):
        build_tables(agg, "2021")
    agg2 = Aggregates(2025)
    agg2.carried_in["org_business"] = 1
    agg2.carried_out["org_business"] = 1
    with pytest.raises(ReportInvariantError, match="row carried_in, column org_business"):
        build_tables(agg2, "2021", prior_carried_out={"org_business": 2})
    build_tables(agg2, "2021", prior_carried_out=Counter({"org_business": 1}))


async def test_closed_before_receipt_is_detected_from_the_database(db):
    from storage.models import Application
    async with db.session() as s:
        s.add(Application(year=2025, seq=1, number="2025-0001", applicant_type="natural_person", name="x",
                          description="d", receipt_date=date(2025, 3, 1), closed_date=date(2024, 12, 30),
                          outcome="open", status="closed"))
        await s.commit()
    with pytest.raises(ReportInvariantError, match="natural_person"):
        await build_report(db, 2025, "2021")


async def test_live_stats(db):
    from storage.models import QuestionLog
    await sy.load(db)
    today = date(2025, 11, 5)  # a Wednesday; week ends Sunday 11-09
    async with db.session() as s:
        s.add(QuestionLog(text="q1", answered=False, asked_at=datetime(2025, 11, 3, 1, tzinfo=timezone.utc)))
        s.add(QuestionLog(text="q2", answered=True, asked_at=datetime(2025, 11, 3, 1, tzinfo=timezone.utc)))
        # 2025-10-31 17:00 UTC is 11-01 01:00 in Shanghai: this month
        s.add(QuestionLog(text="q3", answered=False, asked_at=datetime(2025, 10, 31, 17, tzinfo=timezone.utc)))
        s.add(QuestionLog(text="q4", answered=False, asked_at=datetime(2025, 10, 31, 15, tzinfo=timezone.utc)))
        await s.commit()
    stats = await live_stats(db, today)
    # open on 11-05: C2 (closes 2026, due 2025-02-20: overdue) and N10 (due 11-28); N8 not yet received
    assert stats["open"] == 2
    assert stats["overdue"] == 1 and stats["due_this_week"] == 0
    # closed 2025-01-01..11-05: C1 N1 N2 N3 N4 N5 N6 N7 N9 N11 -> 10; late: N3
    assert stats["closed_this_year"] == 10
    assert (stats["on_time"], stats["extended"], stats["late"]) == (7, 2, 1)
    assert stats["on_time_rate"] == pytest.approx(9 / 10)
    assert stats["unanswered_questions_this_month"] == 2


def test_report_bench_smoke_run():
    """Tiny run of bench/report_bench.py (SQLite only): SQL report equals the Python-loop baseline."""
    from bench.report_bench import main

    (res,) = main(["--rows", "3000", "--no-pg", "--repeat", "1", "--cases", "50"])
    assert res["backend"] == "sqlite" and res["rows"] == 3000
    assert res["new_received"] > 0 and res["r_total"] > 0


async def test_report_bundle_for_the_chat(db, tmp_path):
    from bot.exports import report_bundle

    await sy.load(db)
    bundle = await report_bundle(db, 2025, tmp_path / "out")
    assert [p.suffix for p in bundle.files] == [".xlsx", ".docx", ".png"]
    assert all(p.stat().st_size > 1000 for p in bundle.files)
    assert "（七）总计：11" in bundle.text and len(bundle.text) < 4096
    assert bundle.tables.table3 == expected_2021()


def test_stats_text():
    from bot.texts.reports import format_stats

    text = format_stats({"today": "2025-11-05", "open": 2, "due_this_week": 0, "overdue": 1, "closed_this_year": 10,
                         "on_time": 7, "extended": 2, "late": 1, "on_time_rate": 0.9,
                         "unanswered_questions_this_month": 2})
    assert "在办申请：2 件" in text and "90.0%" in text and "已逾期未办结：1 件" in text
    assert "暂无办结" in format_stats({"today": "x", "open": 0, "due_this_week": 0, "overdue": 0,
                                   "closed_this_year": 0, "on_time": 0, "extended": 0, "late": 0,
                                   "on_time_rate": None, "unanswered_questions_this_month": 0})


async def test_live_stats_due_this_week(db):
    await sy.load(db)
    # Monday 11-24: N10's clock stands (fee notice unpaid: no due date), C2 long overdue
    stats = await live_stats(db, date(2025, 11, 24))
    assert (stats["open"], stats["due_this_week"], stats["overdue"]) == (2, 0, 1)
    stats = await live_stats(db, date(2025, 11, 3))  # N11 received today, due 12-01; N10 stopped
    assert (stats["open"], stats["due_this_week"], stats["overdue"]) == (3, 0, 1)
    stats = await live_stats(db, date(2025, 11, 29))  # Saturday: N10 awaits payment, so it is never overdue
    assert (stats["due_this_week"], stats["overdue"]) == (0, 1)


def test_chat_message_2019_layout_has_single_other_row():
    from bot.texts.reports import format_table3_message

    text = format_table3_message(compute_report(2025, "2019", sy.records(), sy.case_records()))
    assert "　（六）其他处理：2（自然人 1，公益组织 1）" in text
    assert "逾期不补正" not in text
