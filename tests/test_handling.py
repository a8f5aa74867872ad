"""Handling services: events are validated by the deadline engine before anything is stored."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.notices import notice_text
from bot.settings import Settings
from storage import handling as H
from storage.models import Application, ApplicationEvent, AuditLog
from storage.staff import add_staff
from tests.refusals import refused

ADMIN = 9000001
APPROVER = 555
HANDLER = 444


@pytest.fixture
def settings() -> Settings:
    return Settings(staff_ids=[ADMIN])


async def make_app(db, received: date, *, seq: int = 1, chat_id: int | None = None, **kw) -> Application:
    app = Application(year=received.year, seq=seq, number=f"{received.year}-{seq:04d}", applicant_type="natural_person",
                      name="张三", description="2025年科研项目经费清单", receipt_date=received,
                      chat_id=chat_id, telegram_user_id=chat_id, **kw)
    async with db.session() as s:
        s.add(app)
        await s.commit()
        await s.refresh(app)
    return app


async def event_rows(db, app_id) -> list[ApplicationEvent]:
    async with db.session() as s:
        return list((await s.execute(select(ApplicationEvent).where(ApplicationEvent.application_id == app_id)
                                     .order_by(ApplicationEvent.id))).scalars().all())


@pytest.fixture
async def staff(db):
    await add_staff(db, APPROVER, "approver", name="李处长")
    await add_staff(db, HANDLER, "handler", name="王科员")


class Outbox:
    def __init__(self):
        self.sent: list[tuple[int, str]] = []

    async def __call__(self, chat_id: int, notice: H.Notice) -> bool:
        self.sent.append((chat_id, notice_text(notice)))
        return True


async def test_deadline_for_fresh_application(db, settings):
    app = await make_app(db, date(2026, 9, 18))
    dl = await H.deadline_for(db, app.number, settings=settings)
    assert dl.due == date(2026, 10, 22) and dl.correction_notice_due == date(2026, 9, 29)


async def test_extension_with_approver_notifies_and_caches(db, settings, staff):
    app = await make_app(db, date(2026, 9, 18), chat_id=777)
    out = Outbox()
    res = await H.extend(db, app.number, 20, APPROVER, "需调取档案", date(2026, 10, 20), notifier=out, settings=settings)
    assert res.deadline.due == date(2026, 11, 19)
    assert res.application.reply_due == date(2026, 11, 19) and res.application.original_due == date(2026, 10, 22)
    assert res.notified is True and out.sent[0][0] == 777 and "2026-11-19" in out.sent[0][1]
    rows = await event_rows(db, app.id)
    assert [(r.kind, r.days, r.reason, r.data["approver"]) for r in rows] == [("extension", 20, "需调取档案", "李处长")]
    async with db.session() as s:
        audit = (await s.execute(select(AuditLog).where(AuditLog.action == "application.extension"))).scalars().one()
    detail = json.loads(audit.detail)
    assert detail["before"]["reply_due"] is None and detail["after"]["reply_due"] == "2026-11-19"


@pytest.mark.parametrize("approver", [HANDLER, 12345, "王科员"])
async def test_extension_requires_approver_role(db, settings, staff, approver):
    app = await make_app(db, date(2026, 9, 18))
    with pytest.raises(H.HandlingError):
        await H.extend(db, app, 10, approver, "理由", date(2026, 10, 1), settings=settings)
    assert await event_rows(db, app.id) == []


async def test_extension_by_name_and_env_admin(db, settings, staff):
    a1 = await make_app(db, date(2026, 9, 18), seq=1)
    a2 = await make_app(db, date(2026, 9, 18), seq=2)
    assert (await H.extend(db, a1, 5, "李处长", "理由", date(2026, 10, 9), settings=settings)).deadline.extended_days == 5
    assert (await H.extend(db, a2, 5, ADMIN, "理由", date(2026, 10, 9), settings=settings)).deadline.extended_days == 5


async def test_extension_cap_once_and_before_due(db, settings, staff):
    app = await make_app(db, date(2026, 9, 18))
    with refused(H.HandlingError, "20"):
        await H.extend(db, app, 21, APPROVER, "理由", date(2026, 10, 9), settings=settings)
    with refused(H.HandlingError, "2026-10-22"):
        await H.extend(db, app, 10, APPROVER, "理由", date(2026, 10, 23), settings=settings)
    with pytest.raises(H.HandlingError):
        await H.extend(db, app, 10, APPROVER, "  ", date(2026, 10, 9), settings=settings)
    assert await event_rows(db, app.id) == []
    await H.extend(db, app, 10, APPROVER, "理由", date(2026, 10, 22), settings=settings)  # on the due day: allowed
    with refused(H.HandlingError, "一次"):
        await H.extend(db, app, 5, APPROVER, "理由", date(2026, 10, 23), settings=settings)
    assert len(await event_rows(db, app.id)) == 1


async def test_pre_2019_cap_is_15(db, settings, staff):
    app = await make_app(db, date(2018, 9, 28))
    with refused(H.HandlingError, "15"):
        await H.extend(db, app, 16, APPROVER, "理由", date(2018, 10, 10), settings=settings)
    res = await H.extend(db, app, 15, APPROVER, "理由", date(2018, 10, 10), settings=settings)
    assert res.deadline.due == date(2018, 11, 14)


async def test_correction_then_received_restarts_clock(db, settings):
    app = await make_app(db, date(2026, 9, 18), chat_id=777)
    out = Outbox()
    res = await H.request_correction(db, app, date(2026, 9, 24), date(2026, 10, 15), what="请写明文件名称",
                                     notifier=out, settings=settings)
    assert res.application.status == "correction" and res.application.reply_due is None
    assert "请写明文件名称" in out.sent[0][1] and "2026-10-15" in out.sent[0][1]
    res = await H.receive_correction(db, app, date(2026, 11, 23), notifier=out, settings=settings)
    assert res.application.status == "open" and res.application.reply_due == date(2026, 12, 21)


async def test_correction_after_seven_working_days_is_recorded_and_flagged(db, settings):
    app = await make_app(db, date(2026, 9, 18))
    with pytest.raises(H.HandlingError):
        await H.receive_correction(db, app, date(2026, 9, 25), settings=settings)
    assert await event_rows(db, app.id) == []
    res = await H.request_correction(db, app, date(2026, 9, 30), date(2026, 10, 20), settings=settings)
    assert res.application.status == "correction"
    assert len(res.warnings) == 1 and "7个工作日" in res.warnings[0] and "2026-09-29" in res.warnings[0]
    [row] = await event_rows(db, app.id)
    assert row.kind == "correction_requested" and row.data["warnings"] == res.warnings


async def test_correction_lapsed_closes_with_outcome(db, settings):
    app = await make_app(db, date(2026, 9, 18))
    await H.request_correction(db, app, date(2026, 9, 21), date(2026, 10, 12), settings=settings)
    with pytest.raises(H.HandlingError):
        await H.correction_lapsed(db, app, date(2026, 10, 9), settings=settings)
    res = await H.correction_lapsed(db, app, date(2026, 10, 13), settings=settings)
    assert res.application.status == "closed" and res.application.outcome == "other_no_correction"
    assert res.application.closed_date == date(2026, 10, 13)
    with refused(H.HandlingError, "已办结"):
        await H.close(db, app, "open", date(2026, 10, 14), settings=settings)


async def test_consultation_pause(db, settings):
    app = await make_app(db, date(2026, 11, 2))
    base = (await H.deadline_for(db, app, settings=settings)).due
    res = await H.start_consultation(db, app, "third_party", date(2026, 11, 5), party="某公司", settings=settings)
    assert res.application.status == "consultation" and res.deadline.consultation_open
    with pytest.raises(H.HandlingError):
        await H.start_consultation(db, app, "neighbour", date(2026, 11, 5), settings=settings)
    res = await H.end_consultation(db, app, date(2026, 11, 12), settings=settings)  # 5 working days paused
    assert res.application.status == "open"
    assert res.deadline.paused_days == 5 and res.application.reply_due > base
    with pytest.raises(H.HandlingError):
        await H.end_consultation(db, app, date(2026, 11, 13), settings=settings)


async def test_close_requires_known_outcome(db, settings):
    app = await make_app(db, date(2026, 9, 18), chat_id=777)
    with pytest.raises(H.HandlingError):
        await H.close(db, app, "nonsense", date(2026, 10, 1), settings=settings)
    with pytest.raises(H.HandlingError):
        await H.close(db, app, "open", date(2026, 9, 1), settings=settings)  # before receipt
    out = Outbox()
    res = await H.close(db, app, "partial", date(2026, 10, 1), actor="tg:1", notifier=out, settings=settings)
    assert (res.application.status, res.application.outcome, res.application.closed_date) == (
        "closed", "partial", date(2026, 10, 1))
    assert "部分公开" in out.sent[0][1]


async def test_custom_deadline(db, settings):
    app = await make_app(db, date(2026, 9, 18))
    res = await H.set_custom_deadline(db, app, date(2026, 12, 30), "申请数量明显超过合理范围", on=date(2026, 10, 9),
                                      settings=settings)
    assert res.application.reply_due == date(2026, 12, 30)


async def test_notifier_failure_does_not_undo(db, settings):
    app = await make_app(db, date(2026, 9, 18), chat_id=777)

    async def broken(app, text):
        raise RuntimeError("network down")

    res = await H.close(db, app, "open", date(2026, 10, 1), notifier=broken, settings=settings)
    assert res.notified is False and res.application.status == "closed"
    offline = await make_app(db, date(2026, 9, 18), seq=2)
    assert (await H.close(db, offline, "open", date(2026, 10, 1), settings=settings)).notified is None


async def test_concurrent_change_is_refused(db, settings, staff, monkeypatch):
    """Another staff member writes between our read and our write: ours is refused, nothing half-stored."""
    app = await make_app(db, date(2026, 9, 18))
    original = H._events
    raced = False

    async def racing(s, app_id):
        nonlocal raced
        rows = await original(s, app_id)
        if not raced:
            raced = True
            await H.start_consultation(db, app_id, "agency", date(2026, 9, 21), settings=settings)
        return rows

    monkeypatch.setattr(H, "_events", racing)
    with refused(H.HandlingError, "刚被他人修改"):
        await H.extend(db, app, 10, APPROVER, "理由", date(2026, 9, 22), settings=settings)
    assert [r.kind for r in await event_rows(db, app.id)] == ["consultation"]


async def test_recompute_open_deadlines_reports_changes(db, settings):
    a = await make_app(db, date(2026, 9, 18), seq=1)
    b = await make_app(db, date(2026, 9, 18), seq=2, reply_due=date(2026, 10, 22), original_due=date(2026, 10, 22))
    changed = await H.recompute_open_deadlines(db, settings=settings)
    assert changed == [(a.number, None, date(2026, 10, 22))]
    assert await H.recompute_open_deadlines(db, settings=settings) == []
    assert b.number not in [c[0] for c in changed]


async def test_open_queue_sorted_with_days_left(db, settings):
    await make_app(db, date(2026, 11, 23), seq=1)
    await make_app(db, date(2026, 9, 18), seq=2)
    c = await make_app(db, date(2026, 9, 18), seq=3)
    await H.request_correction(db, c, date(2026, 9, 21), date(2026, 10, 12), settings=settings)
    items = await H.open_queue(db, date(2026, 10, 20), settings=settings)
    assert [i.application.seq for i in items] == [2, 1, 3]
    assert items[0].days_left == 2 and items[2].days_left is None


# --- the same services through the command line ---------------------------------------------------

def cli(*args: str):
    from typer.testing import CliRunner

    from bot.cli import app as cli_app
    return CliRunner().invoke(cli_app, list(args))


def test_whole_life_via_cli():
    r = cli("staff", "add", "555", "--role", "approver", "--name", "李处长")
    assert r.exit_code == 0, r.output
    r = cli("applications", "add", "--channel", "letter", "--applicant", "org_research", "--received", "2026-09-18",
            "--subject", "2025年科研项目经费清单", "--name", "某研究所", "--phone", "0537-2345678", "--json")
    assert r.exit_code == 0, r.output
    created = json.loads(r.stdout)
    assert created["receipt_date"] == "2026-09-18" and created["due"] == "2026-10-22"
    number = created["number"]

    r = cli("applications", "correction", number, "--on", "2026-09-21", "--until", "2026-10-12", "--what", "请写明年度")
    assert r.exit_code == 0 and "待补正" in r.stdout and "书面" in r.stdout
    r = cli("applications", "correction-received", number, "--on", "2026-10-09")
    assert r.exit_code == 0 and "2026-11-05" in r.stdout, r.output  # 10-10 is a make-up working Saturday
    r = cli("applications", "consult", number, "--from", "2026-10-12", "--to", "2026-10-14", "--party", "某公司")
    assert r.exit_code == 0 and "2026-11-09" in r.stdout, r.output  # 2 working days not counted
    r = cli("applications", "extend", number, "--days", "21", "--approver", "555", "--reason", "x", "--on", "2026-10-20")
    assert r.exit_code != 0 and "20" in r.stderr
    r = cli("applications", "extend", number, "--days", "10", "--approver", "999", "--reason", "x", "--on", "2026-10-20")
    assert r.exit_code != 0
    r = cli("applications", "extend", number, "--days", "10", "--approver", "李处长", "--reason", "需协调",
            "--on", "2026-10-20")
    assert r.exit_code == 0 and "2026-11-23" in r.stdout, r.output
    r = cli("applications", "list", "--open", "--json")
    assert [a["due"] for a in json.loads(r.stdout)] == ["2026-11-23"]
    r = cli("applications", "close", number, "--outcome", "bogus")
    assert r.exit_code != 0 and "--outcome" in r.stderr
    r = cli("applications", "close", number, "--outcome", "open", "--on", "2026-11-20")
    assert r.exit_code == 0 and "予以公开" in r.stdout
    r = cli("applications", "close", number, "--outcome", "open", "--on", "2026-11-21")
    assert r.exit_code != 0 and "已办结" in r.stderr

    r = cli("applications", "show", number)  # personal data masked by default
    assert r.exit_code == 0 and "0537-***5678" in r.stdout and "李处长" in r.stdout and "请写明年度" in r.stdout
    assert "0537-2345678" not in r.stdout
    r = cli("applications", "show", number, "--full")  # in full, and the view is in the access log
    assert r.exit_code == 0 and "0537-2345678" in r.stdout
    log = cli("personal-data", "access-log", "--application", number).stdout
    assert number in log and "查看完整信息" in log and "命令行" in log
    shown = json.loads(cli("applications", "show", number, "--json").stdout)
    assert [e["kind"] for e in shown["events"]] == [
        "received", "correction_requested", "correction_received", "consultation", "extension", "closed"]
    assert shown["deadline"]["due"] == "2026-11-23" and shown["status"] == "closed"
    assert json.loads(cli("applications", "list", "--open", "--json").stdout) == []
    assert cli("applications", "list").stdout.count(number) == 1


def test_cli_errors_are_clean():
    r = cli("applications", "close", "2026-0099", "--outcome", "open", "--on", "2026-10-01")
    assert r.exit_code == 1 and "未找到" in r.stderr
    r = cli("applications", "correction", "2026-0099", "--on", "2026-13-01", "--until", "2026-10-01")
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.stderr
    r = cli("applications", "add", "--channel", "pigeon", "--applicant", "natural_person", "--received", "2026-09-18",
            "--subject", "x")
    assert r.exit_code != 0 and "--channel" in r.stderr


def test_cli_list_overdue_and_idempotent_add():
    args = ["applications", "add", "--channel", "fax", "--applicant", "natural_person", "--received",
            "2026-09-18T16:30", "--subject", "旧申请的文件", "--name", "赵六", "--key", "fax-001", "--json"]
    first, again = json.loads(cli(*args).stdout), json.loads(cli(*args).stdout)
    assert first == again  # the same key creates nothing new
    r = cli("applications", "add", "--channel", "in_person", "--applicant", "natural_person", "--received",
            date.today().isoformat(), "--subject", "新申请的信息", "--name", "钱七")
    assert r.exit_code == 0, r.output
    overdue = json.loads(cli("applications", "list", "--overdue", "--json").stdout)
    assert [a["number"] for a in overdue] == [first["number"]] and overdue[0]["days_left"] < 0
    assert len(json.loads(cli("applications", "list", "--open", "--json").stdout)) == 2
