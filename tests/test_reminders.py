"""The reminder scan: exactly-once sends via the ledger, fresh reminders for changed deadlines."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from sqlmodel import select

from bot.settings import Settings
from storage import handling as H
from storage.db import open_database
from storage.models import Application, ReminderLedger, StaffMember
from bot.reminders import run_reminder_scan
from storage.reminders import plan_reminders
from storage.staff import add_staff
from tests.conftest import keys_for_tests

ADMIN = 9000001
HANDLER = 444
APPROVER = 555
SH = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH).astimezone(timezone.utc)


@pytest.fixture
def settings() -> Settings:
    return Settings(staff_ids=[ADMIN])


@pytest.fixture(autouse=True)
async def official_2027(request, db):
    """Most tests run in Oct–Dec 2026; mark 2027 official so the holiday-import reminder stays out of the way."""
    if "holiday_import" in request.node.name:
        return
    from storage.models import OfficialYear
    async with db.session() as s:
        s.add(OfficialYear(year=2027, source="test"))
        await s.commit()


class Sender:
    def __init__(self, blocked: set[int] = frozenset(), retry_once: bool = False):
        self.sent: list[tuple[int, str]] = []
        self.blocked = set(blocked)
        self.retry_once = retry_once

    async def __call__(self, chat_id: int, text: str):
        if chat_id in self.blocked:
            raise TelegramForbiddenError(method=SendMessage(chat_id=chat_id, text=text),
                                         message="Forbidden: bot was blocked by the user")
        if self.retry_once:
            self.retry_once = False
            raise TelegramRetryAfter(method=SendMessage(chat_id=chat_id, text=text), message="Too Many Requests",
                                     retry_after=3)
        self.sent.append((chat_id, text))

    def to(self, chat_id: int) -> list[str]:
        return [t for c, t in self.sent if c == chat_id]


async def no_sleep(_seconds):
    return None


async def scan(db, now, sender, settings):
    return await run_reminder_scan(db, now, sender, settings, sleep=no_sleep)


async def make_app(db, received: date, seq: int = 1) -> Application:
    app = Application(year=received.year, seq=seq, number=f"{received.year}-{seq:04d}",
                      applicant_type="natural_person", name="张三", description="科研项目经费", receipt_date=received)
    async with db.session() as s:
        s.add(app)
        await s.commit()
        await s.refresh(app)
    return app


async def ledger(db) -> list[ReminderLedger]:
    async with db.session() as s:
        return list((await s.execute(select(ReminderLedger).order_by(ReminderLedger.id))).scalars().all())


async def test_due_in_five_sent_once_and_not_after_restart(db, db_url, settings):
    await make_app(db, date(2026, 9, 18))  # due 2026-10-22
    sender = Sender()
    first = await scan(db, at("2026-10-16"), sender, settings)  # 4 working days left → the 5-day reminder
    assert first.sent == 2 and first.messages == 2  # digest + deadline message
    assert "剩余 4 个工作日" in sender.to(ADMIN)[1] and "2026-10-22" in sender.to(ADMIN)[1]
    again = await scan(db, at("2026-10-16", 15), sender, settings)
    assert again.sent == 0 and again.already == 2 and len(sender.sent) == 2
    # restart: a new process, a new engine on the same database
    await db.dispose()
    db2 = await open_database(db_url, keys=keys_for_tests())
    try:
        assert (await scan(db2, at("2026-10-16", 16), sender, settings)).sent == 0
        # the next working day: still within 5 days → no second 5-day reminder, but a new digest
        nxt = await scan(db2, at("2026-10-19"), sender, settings)
        assert [k.split(":")[0] for k in nxt.sent_keys] == ["digest"]
        # one working day left → the 1-day reminder
        d1 = await scan(db2, at("2026-10-21"), sender, settings)
        assert sorted(k.split(":")[0] for k in d1.sent_keys) == ["digest", "due_in_1"]
        today = await scan(db2, at("2026-10-22"), sender, settings)
        assert sorted(k.split(":")[0] for k in today.sent_keys) == ["digest", "due_today"]
    finally:
        await db2.dispose()


async def test_extension_gets_fresh_reminders(db, settings):
    app = await make_app(db, date(2026, 9, 18))
    await add_staff(db, APPROVER, "approver", name="李处长")
    sender = Sender()
    await scan(db, at("2026-10-21"), sender, settings)
    assert any("due_in_1" in k for k in (r.key for r in await ledger(db)))
    await H.extend(db, app, 4, APPROVER, "理由", date(2026, 10, 21), settings=settings)  # due → 2026-10-28
    sender.sent.clear()
    res = await scan(db, at("2026-10-21", 14), sender, settings)
    keys = [k for k in res.sent_keys if k.startswith("due_in")]
    assert sorted(keys) == sorted(f"due_in_5:{app.id}:2026-10-28:{r}" for r in (ADMIN, APPROVER))
    assert all("2026-10-28" in t for _, t in sender.sent if "剩余" in t)


async def test_blocked_staff_recorded_and_others_served(db, settings):
    await make_app(db, date(2026, 9, 18))
    await add_staff(db, HANDLER, "handler")
    sender = Sender(blocked={HANDLER})
    res = await scan(db, at("2026-10-16"), sender, settings)
    assert res.blocked == 2 and res.sent == 2 and len(sender.to(ADMIN)) == 2 and sender.to(HANDLER) == []
    async with db.session() as s:
        assert (await s.get(StaffMember, HANDLER)).blocked_bot is True
    statuses = {(r.recipient, r.status) for r in await ledger(db)}
    assert statuses == {(HANDLER, "blocked"), (ADMIN, "sent")}
    # unblocking: the next reminder reaches them and the flag is cleared
    sender.blocked.clear()
    await scan(db, at("2026-10-19"), sender, settings)
    assert sender.to(HANDLER)
    async with db.session() as s:
        assert (await s.get(StaffMember, HANDLER)).blocked_bot is False


async def test_overdue_daily(db, settings):
    await make_app(db, date(2026, 9, 18))  # due 2026-10-22
    sender = Sender()
    r1 = await scan(db, at("2026-10-23"), sender, settings)
    r1b = await scan(db, at("2026-10-23", 18), sender, settings)
    r2 = await scan(db, at("2026-10-26"), sender, settings)
    assert [k for k in r1.sent_keys if k.startswith("overdue")] == [f"overdue:1:2026-10-22:2026-10-23:{ADMIN}"]
    assert r1b.sent == 0
    assert [k for k in r2.sent_keys if k.startswith("overdue")] == [f"overdue:1:2026-10-22:2026-10-26:{ADMIN}"]
    assert "逾期 2 个工作日" in sender.sent[-1][1]


async def test_digest_only_on_working_days_after_digest_hour(db, settings):
    await make_app(db, date(2026, 11, 23))
    sender = Sender()
    assert (await scan(db, at("2026-11-25", 8), sender, settings)).planned == 0  # before 09:00
    assert (await scan(db, at("2026-11-28"), sender, settings)).planned == 0  # Saturday
    res = await scan(db, at("2026-11-25"), sender, settings)
    assert res.sent_keys == [f"digest:2026-11-25:{ADMIN}"]
    assert "未办结 1 件" in sender.sent[0][1] and "2026-0001" in sender.sent[0][1]
    assert (await scan(db, at("2026-11-25", 11), sender, settings)).sent == 0


async def test_no_digest_without_open_applications(db, settings):
    sender = Sender()
    assert (await scan(db, at("2026-11-25"), sender, settings)).planned == 0


async def test_correction_notice_reminder(db, settings):
    app = await make_app(db, date(2026, 9, 18))  # correction notice due 2026-09-29
    other = await make_app(db, date(2026, 9, 18), seq=2)
    await H.request_correction(db, other, date(2026, 9, 21), date(2026, 10, 12), settings=settings)
    sender = Sender()
    early = await scan(db, at("2026-09-24"), sender, settings)
    assert not [k for k in early.sent_keys if k.startswith("correction_notice")]
    res = await scan(db, at("2026-09-28"), sender, settings)
    assert [k for k in res.sent_keys if k.startswith("correction_notice")] == [
        f"correction_notice:{app.id}:2026-09-29:{ADMIN}"]
    assert (await scan(db, at("2026-09-29"), sender, settings)).sent_keys == [f"digest:2026-09-29:{ADMIN}"]


async def test_holiday_import_reminder_from_1_october(db, settings):
    await add_staff(db, HANDLER, "handler")
    sender = Sender()
    assert (await scan(db, at("2026-09-30"), sender, settings)).planned == 0
    res = await scan(db, at("2026-10-01"), sender, settings)  # a holiday, still reminded; admins only
    assert res.sent_keys == [f"holiday_import:2027:2026-10-01:{ADMIN}"]
    assert "2027" in sender.sent[0][1] and sender.to(HANDLER) == []
    assert (await scan(db, at("2026-10-01", 20), sender, settings)).sent == 0
    assert (await scan(db, at("2026-10-02"), sender, settings)).sent == 1
    # once 2027 is imported (official), the reminder stops
    from storage.models import OfficialYear
    async with db.session() as s:
        s.add(OfficialYear(year=2027, source="test"))
        await s.commit()
    assert (await scan(db, at("2026-10-03"), sender, settings)).planned == 0


async def test_retry_after_is_honoured(db, settings):
    await make_app(db, date(2026, 11, 23))
    sender = Sender(retry_once=True)
    slept = []

    async def record_sleep(seconds):
        slept.append(seconds)

    res = await run_reminder_scan(db, at("2026-11-25"), sender, settings, sleep=record_sleep)
    assert res.sent == 1 and 3 in slept


async def test_two_scans_racing_send_once(db, settings):
    import asyncio
    await make_app(db, date(2026, 9, 18))
    sender = Sender()
    a, b = await asyncio.gather(scan(db, at("2026-10-16"), sender, settings),
                                scan(db, at("2026-10-16"), sender, settings))
    assert a.sent + b.sent == 2 and len(sender.sent) == 2


async def test_plan_is_pure(db, settings):
    await make_app(db, date(2026, 9, 18))
    today, plan = await plan_reminders(db, at("2026-10-16"), settings)
    assert today == date(2026, 10, 16) and {r.kind for r in plan} == {"digest", "due_in_5"}
    assert await ledger(db) == []


# --- command line and scheduler --------------------------------------------------------------------

def test_reminders_run_cli(monkeypatch, tmp_path):
    import json

    from typer.testing import CliRunner

    import bot.cli_staff as cli_staff
    from bot.cli import app as cli_app
    from bot.settings import get_settings

    monkeypatch.setenv("GONGKAI_STAFF_IDS", str(ADMIN))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli_app, ["applications", "add", "--channel", "in_person", "--applicant", "natural_person",
                                   "--received", "2026-09-18", "--subject", "科研经费清单", "--name", "张三"]).exit_code == 0
    # no token: a clear error, nothing recorded
    r = runner.invoke(cli_app, ["reminders", "run", "--now", "2026-10-16T10:00"])
    assert r.exit_code == 1 and "GONGKAI_BOT_TOKEN" in r.stderr
    dry = runner.invoke(cli_app, ["reminders", "run", "--now", "2026-10-16T10:00", "--dry-run", "--json"])
    assert {p["kind"] for p in json.loads(dry.stdout)["planned"]} >= {"digest", "due_in_5"}

    sent: list[tuple[int, str]] = []

    async def send(chat_id, text):
        sent.append((chat_id, text))

    async def close():
        return None

    monkeypatch.setattr(cli_staff, "open_sender", lambda settings: (send, close))
    monkeypatch.setattr("bot.reminders.PER_CHAT_INTERVAL", 0)
    monkeypatch.setattr("bot.reminders.PACE", 0)
    first = json.loads(runner.invoke(cli_app, ["reminders", "run", "--now", "2026-10-16T10:00", "--json"]).stdout)
    second = json.loads(runner.invoke(cli_app, ["reminders", "run", "--now", "2026-10-16T11:00", "--json"]).stdout)
    assert first["sent"] >= 2 and second["sent"] == 0 and second["already"] == first["planned"]
    assert len(sent) == first["messages"]


class FakeBot:
    def __init__(self):
        self.sent = []

    async def send_message(self, chat_id, text, **kw):
        self.sent.append((chat_id, text))


async def test_scheduler_job_config_and_run(db, settings, monkeypatch):
    from bot.scheduler import JOB_ID, scan_job, start_scheduler

    await make_app(db, date(2026, 9, 18))
    monkeypatch.setattr("bot.reminders.PER_CHAT_INTERVAL", 0)
    bot = FakeBot()
    scheduler = start_scheduler(db, bot, settings, clock=lambda: at("2026-10-16"))
    try:
        job = scheduler.get_job(JOB_ID)
        assert job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval.total_seconds() == settings.reminder_interval_minutes * 60
        from bot.scheduler import RETENTION_JOB_ID

        assert {j.id for j in scheduler.get_jobs()} == {JOB_ID, RETENTION_JOB_ID}  # reminders + the monthly retention run
    finally:
        scheduler.shutdown(wait=False)
    result = await scan_job(db, bot, settings, clock=lambda: at("2026-10-16"))()
    again = await scan_job(db, bot, settings, clock=lambda: at("2026-10-16"))()
    assert len(bot.sent) >= 2 and again.sent == 0
    assert any("2026-10-22" in text for _, text in bot.sent)


async def test_many_reminders_split_into_messages_under_the_limit(db, settings):
    for seq in range(1, 151):
        await make_app(db, date(2026, 9, 18), seq=seq)
    sender = Sender()
    res = await scan(db, at("2026-10-23"), sender, settings)  # 150 overdue applications
    assert res.sent == 151 and res.messages >= 3
    assert all(len(text) <= 4096 for _, text in sender.sent)
    body = "\n".join(text for _, text in sender.sent)
    assert all(f"2026-{seq:04d}" in body for seq in range(1, 151))
