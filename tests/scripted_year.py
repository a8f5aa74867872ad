"""A scripted year (2025) with hand-computed expectations, shared by the statistics/export tests.

Every channel, every applicant type, several outcomes, extensions, a lapsed correction, a fee
notice left unpaid, a late closing, carry-in and carry-out. ``load`` drives the real services
(``create_application`` and the handling services), so the due dates and 按时/延期/逾期 come from the
deadline engine; the expected numbers below were computed by hand from this list and the 2024/2025
State Council schedules, not by the code:

- C1 2024-12-10 → due 2025-01-08 (元旦 skipped), closed 01-08: 按时
- N2 2025-03-03 → due 03-31, extended 20 WD on 03-31 → 04-28 (清明 04-04 skipped), closed 04-20: 延期
- N3 2025-04-01 → due 04-29, closed 05-15: 逾期
- N9 2025-09-01 → due 09-28 (a make-up Sunday counts), extended on 09-28 → 10-31, closed 09-30: 延期
- N10 fee notice 10-20, pay by 11-17 (20 WD), closed unpaid 11-30: 按时 (the clock stood, 办法 art. 7)
- N5 correction requested 06-03 (period to 06-04), lapsed 06-05: 按时 (no reply period was running)
- C2 2024-12-20 → extended due 2025-02-21, closed 2026-01-05: 逾期 (counted in 2026)
- everything else closes well inside 20 working days: 按时
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from disclosure.tables import AppRecord, CaseRecord

D = date.fromisoformat

# name, applicant_type, channel, receipt, closed, outcome, path, timeliness (hand-computed)
# path: "" (reply), "extend" (20-WD extension on the due date, then the reply), "lapse" (correction
# requested the next day with a one-day period, lapsed after it), "fee" (fee notice 10 days after
# receipt, never paid, closed after the payment window)
APPS = [
    ("C1", "natural_person", "online", "2024-12-10", "2025-01-08", "open", "", "on_time"),
    ("C2", "org_business", "letter", "2024-12-20", "2026-01-05", "partial", "extend", "late"),
    ("C3", "natural_person", "in_person", "2024-03-01", "2024-03-20", "open", "", "on_time"),
    ("N1", "natural_person", "in_person", "2025-02-10", "2025-02-10", "open", "", "on_time"),
    ("N2", "natural_person", "online", "2025-03-03", "2025-04-20", "deny_privacy", "extend", "extended"),
    ("N3", "org_business", "fax", "2025-04-01", "2025-05-15", "deny_trade_secret", "", "late"),
    ("N4", "org_research", "letter", "2025-05-05", "2025-05-20", "unable_not_this_agency", "", "on_time"),
    ("N5", "org_public_welfare", "other", "2025-06-02", "2025-06-05", "other_no_correction", "lapse", "on_time"),
    ("N6", "org_legal_service", "online", "2025-07-01", "2025-07-02", "already_public", "", "on_time"),
    ("N7", "org_other", "online", "2025-08-01", "2025-08-10", "reject_repeat", "", "on_time"),
    ("N8", "natural_person", "online", "2025-12-15", None, None, "", None),
    ("N9", "org_business", "online", "2025-09-01", "2025-09-30", "unable_not_exist", "extend", "extended"),
    ("N10", "natural_person", "letter", "2025-10-10", "2025-11-30", "other_fee_unpaid", "fee", "on_time"),
    ("N11", "natural_person", "online", "2025-11-03", "2025-11-04", "deny_state_secret", "", "on_time"),
]

# kind, filed, decided, result
CASES = [
    ("review", "2025-03-01", "2025-05-01", "upheld"),
    ("review", "2025-06-01", None, None),
    ("lit_direct", "2025-07-01", "2026-02-01", "corrected"),
    ("lit_after_review", "2025-02-01", "2025-09-01", "corrected"),
    ("complaint", "2025-04-01", "2025-04-20", "other"),
    ("review", "2024-11-01", "2025-01-10", "upheld"),  # an earlier year's case decided in 2025
]
FEE_AMOUNT = "300.00"

COLS = ("natural_person", "org_business", "org_research", "org_public_welfare", "org_legal_service", "org_other")


def row(np=0, bus=0, res=0, wel=0, leg=0, oth=0) -> dict[str, int]:
    vals = dict(zip(COLS, (np, bus, res, wel, leg, oth)))
    vals["total"] = sum(vals.values())
    return vals


EXPECTED_2021_NONZERO = {
    "new_received": row(5, 2, 1, 1, 1, 1),
    "carried_in": row(1, 1),
    "r_open": row(2, 0, 0, 0, 1),
    "r_deny_state_secret": row(1),
    "r_deny_third_party": row(1, 1),
    "r_unable_not_held": row(0, 1, 1),
    "r_reject_repeat": row(0, 0, 0, 0, 0, 1),
    "r_other_no_correction": row(0, 0, 0, 1),
    "r_other_fee_unpaid": row(1),
    "r_total": row(5, 2, 1, 1, 1, 1),
    "carried_out": row(1, 1),
}

EXPECTED_TABLE4_NONZERO = {
    "review_upheld": 1, "review_pending": 1, "review_total": 2,
    "lit_direct_pending": 1, "lit_direct_total": 1,
    "lit_after_review_corrected": 1, "lit_after_review_total": 1,
}

EXPECTED_LEGACY_NONZERO = {
    "apps_received": 11, "apps_received.in_person": 1, "apps_received.fax": 1, "apps_received.online": 6,
    "apps_received.letter": 2, "apps_received.other": 1,
    "apps_closed": 11, "apps_closed.on_time": 8, "apps_closed.extended": 2,
    "replies": 11, "replies.already_public": 1, "replies.granted": 2, "replies.refused": 3,
    "replies.refused.state_secret": 1, "replies.refused.trade_secret": 1, "replies.refused.privacy": 1,
    "replies.not_this_agency": 1, "replies.not_exist": 1, "replies.asked_to_amend": 1,
    "reviews": 1, "reviews.upheld": 1, "lawsuits": 1, "lawsuits.corrected": 1,
    "complaints": 1, "complaints.other": 1,
}
# printed under the legacy table: N3 closed late; the review and the direct lawsuit still pending
EXPECTED_LEGACY_NOTES = {"apps_closed.late": 1, "reviews.pending": 1, "lawsuits.pending": 1, "complaints.pending": 0}
EXPECTED_TIMELINESS_2025 = {"on_time": 8, "extended": 2, "late": 1}


def records() -> list[AppRecord]:
    return [AppRecord(t, ch, D(r), D(c) if c else None, oc, timeliness=tm) for _n, t, ch, r, c, oc, _p, tm in APPS]


def case_records() -> list[CaseRecord]:
    return [CaseRecord(k, D(f), D(d) if d else None, res, i) for i, (k, f, d, res) in enumerate(CASES, 1)]


APPROVER = 9_000_555


def personal(name: str, applicant_type: str) -> dict[str, str]:
    """The personal data each scripted applicant gives (unique values, so a search for one finds it)."""
    from disclosure.validation import resident_id_check_char

    i = [n for n, *_ in APPS].index(name) + 1
    data = {"phone": f"139{i:04d}{i:04d}", "email": f"shenqing{i}@example.cn",
            "address": f"山东省济宁市任城区脚本路{i}号院{i}单元"}
    if applicant_type == "natural_person":
        first17 = f"11010519800101{i:03d}"
        data.update(id_type="resident_id", id_number=first17 + resident_id_check_char(first17))
    return data


def personal_values() -> list[str]:
    """Every personal value the scripted year stores: names of the natural persons, IDs, phones, e-mails, addresses."""
    values = []
    for name, t, *_ in APPS:
        values += [v for k, v in personal(name, t).items() if k != "id_type"]
        if t == "natural_person":
            values.append(f"申请人{name}")
    return values


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


async def load(db) -> None:
    """The scripted year through the services staff use (no hand-made rows)."""
    from datetime import timedelta

    from bot.settings import Settings
    from storage import handling as H
    from storage.applications import ApplicationDraft, create_application
    from storage.cases import add_case, close_case
    from storage.staff import add_staff

    settings = Settings()
    await add_staff(db, APPROVER, "approver", name="审批人")
    for name, t, ch, r, c, oc, path, _tm in APPS:
        draft = ApplicationDraft(applicant_type=t, name=f"申请人{name}", description=f"脚本年度申请 {name} 的政府信息",
                                 **personal(name, t))
        app = (await create_application(db, draft, idempotency_key=f"scripted:{name}", received_at=noon(D(r)),
                                        channel=ch, settings=settings)).application
        if c is None:
            continue
        if path == "extend":
            due = (await H.deadline_for(db, app, settings=settings)).due
            await H.extend(db, app, 20, APPROVER, "需调取档案", due, settings=settings)
        elif path == "lapse":
            asked = D(r) + timedelta(days=1)
            await H.request_correction(db, app, asked, asked + timedelta(days=1), what="请写明所需信息名称",
                                       settings=settings)
            await H.correction_lapsed(db, app, D(c), settings=settings)
            continue
        elif path == "fee":
            await H.fee_notice(db, app, D(r) + timedelta(days=10), FEE_AMOUNT, settings=settings)
        await H.close(db, app, oc, D(c), settings=settings)
    for k, f, d, res in CASES:
        case = await add_case(db, k, D(f))
        if res is not None:
            await close_case(db, case.id, res, D(d))
