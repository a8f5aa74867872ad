"""A scripted year (2025) with hand-computed expectations, shared by the statistics/export tests.

Every channel, every applicant type, several outcomes, an extension, late closings, carry-in and
carry-out. Expected numbers below were computed by hand from this list, not by the code.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from disclosure.tables import AppRecord, CaseRecord

D = date.fromisoformat

# name, applicant_type, channel, receipt, closed, outcome, original_due, reply_due, extension
APPS = [
    ("C1", "natural_person", "online", "2024-12-10", "2025-01-08", "open", "2025-01-09", "2025-01-09", False),
    ("C2", "org_business", "letter", "2024-12-20", "2026-01-05", "partial", "2025-01-20", "2025-02-20", True),
    ("C3", "natural_person", "in_person", "2024-03-01", "2024-03-20", "open", "2024-03-29", "2024-03-29", False),
    ("N1", "natural_person", "in_person", "2025-02-10", "2025-02-10", "open", "2025-03-10", "2025-03-10", False),
    ("N2", "natural_person", "online", "2025-03-03", "2025-04-20", "deny_privacy", "2025-03-31", "2025-04-28", True),
    ("N3", "org_business", "fax", "2025-04-01", "2025-05-15", "deny_trade_secret", "2025-04-29", "2025-04-29", False),
    ("N4", "org_research", "letter", "2025-05-05", "2025-05-20", "unable_not_this_agency", "2025-06-03", "2025-06-03", False),
    ("N5", "org_public_welfare", "other", "2025-06-02", "2025-06-05", "other_no_correction", "2025-06-30", "2025-06-30", False),
    ("N6", "org_legal_service", "online", "2025-07-01", "2025-07-02", "already_public", "2025-07-29", "2025-07-29", False),
    ("N7", "org_other", "online", "2025-08-01", "2025-08-10", "reject_repeat", "2025-08-29", "2025-08-29", False),
    ("N8", "natural_person", "online", "2025-12-15", None, None, "2026-01-14", "2026-01-14", False),
    ("N9", "org_business", "online", "2025-09-01", "2025-09-30", "unable_not_exist", "2025-09-29", "2025-10-27", True),
    ("N10", "natural_person", "letter", "2025-10-10", "2025-11-30", "other_fee_unpaid", "2025-11-07", "2025-11-28", True),
    ("N11", "natural_person", "online", "2025-11-03", "2025-11-04", "deny_state_secret", "2025-12-01", "2025-12-01", False),
]

# kind, filed, decided, result
CASES = [
    ("review", "2025-03-01", "2025-05-01", "upheld"),
    ("review", "2025-06-01", None, None),
    ("lit_direct", "2025-07-01", "2026-02-01", "corrected"),
    ("lit_after_review", "2025-02-01", "2025-09-01", "corrected"),
    ("complaint", "2025-04-01", "2025-04-20", "other"),
    ("review", "2024-11-01", "2025-01-10", "upheld"),
]

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
    "apps_closed": 11, "apps_closed.on_time": 7, "apps_closed.extended": 2, "apps_closed.late": 2,
    "replies": 11, "replies.already_public": 1, "replies.granted": 2, "replies.refused": 3,
    "replies.refused.state_secret": 1, "replies.refused.trade_secret": 1, "replies.refused.privacy": 1,
    "replies.not_this_agency": 1, "replies.not_exist": 1, "replies.asked_to_amend": 1,
    "reviews": 2, "reviews.upheld": 1, "lawsuits": 2, "lawsuits.corrected": 1,
    "complaints": 1, "complaints.other": 1,
}


def records() -> list[AppRecord]:
    return [
        AppRecord(t, ch, D(r), D(c) if c else None, oc, D(od), D(rd), ext)
        for _n, t, ch, r, c, oc, od, rd, ext in APPS
    ]


def case_records() -> list[CaseRecord]:
    return [CaseRecord(k, D(f), D(d) if d else None, res) for k, f, d, res in CASES]


async def load(db) -> None:
    from storage.models import Application, ApplicationEvent, Case

    async with db.session() as s:
        for i, (name, t, ch, r, c, oc, od, rd, ext) in enumerate(APPS, 1):
            rec = D(r)
            app = Application(
                year=rec.year, seq=i, number=f"{rec.year}-{i:04d}", applicant_type=t, name=name,
                description=f"scripted {name}", channel=ch, receipt_date=rec,
                submitted_at=datetime(rec.year, rec.month, rec.day, 2, tzinfo=timezone.utc),
                status="closed" if c else "open", outcome=oc, closed_date=D(c) if c else None,
                original_due=D(od), reply_due=D(rd),
            )
            s.add(app)
            await s.flush()
            s.add(ApplicationEvent(application_id=app.id, kind="received", on_date=rec))
            if ext:
                s.add(ApplicationEvent(application_id=app.id, kind="extension", on_date=D(od), days=20))
        for k, f, d, res in CASES:
            s.add(Case(kind=k, filed_date=D(f), decided_date=D(d) if d else None, result=res))
        await s.commit()
