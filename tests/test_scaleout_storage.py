"""Several OS processes on one PostgreSQL database: application numbers stay unique and gapless,
the reminder scan sends each reminder once, and a process killed in the middle of a scan loses
no reminder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from storage.models import Application, ReminderLedger
from tests.conftest import ROOT
from tests.services import pg_db, pg_url  # noqa: F401 - fixtures

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SH).astimezone(timezone.utc)  # a Friday, a working day
HANDLERS = [7001, 7002, 7003]
ADMIN = 7000


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "GONGKAI_DATABASE_URL": url, "GONGKAI_STAFF_IDS": str(ADMIN), **extra}
    env.pop("GONGKAI_REDIS_URL", None)
    return env


def _spawn(args: list[str], url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.scaleout_worker", *args], cwd=ROOT, env=_env(url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, timeout: float = 120) -> object:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _go(tmp_path: Path, procs: list[subprocess.Popen]) -> None:
    """Give the workers time to import and connect, then release them together."""
    time.sleep(2.5)
    (tmp_path / "go").touch()


# --- numbering -----------------------------------------------------------------------------------

@pytest.mark.services
async def test_two_processes_many_concurrent_submissions_get_unique_gapless_numbers(pg_db, tmp_path):
    n = 60
    go = str(tmp_path / "go")
    procs = [_spawn(["submit", "--tag", tag, "--n", str(n), "--concurrency", "20", "--repeat", "--go", go], pg_db.url)
             for tag in ("A", "B")]
    _go(tmp_path, procs)
    results = [_finish(p) for p in procs]

    first = [r for res in results for r in res[:n]]
    again = [r for res in results for r in res[n:]]
    assert all(created for _, _, created in first)
    assert not any(created for _, _, created in again)  # idempotent: the same key, the same application
    assert {k: num for k, num, _ in again} == {k: num for k, num, _ in first}

    async with pg_db.session() as s:
        apps = list((await s.execute(select(Application))).scalars())
    assert len(apps) == 2 * n  # nothing lost, nothing doubled
    numbers = [a.number for a in apps]
    assert len(set(numbers)) == len(numbers)
    year = apps[0].year
    assert sorted(a.seq for a in apps) == list(range(1, 2 * n + 1))  # no gaps either
    assert sorted(numbers) == [f"{year}-{i:04d}" for i in range(1, 2 * n + 1)]


# --- reminders -----------------------------------------------------------------------------------

async def _seed_reminders(db) -> None:
    from storage.models import OfficialYear
    from storage.staff import add_staff

    for tid in HANDLERS:
        await add_staff(db, tid, "handler", actor="test")
    start = date(2026, 10, 8)
    async with db.session() as s:
        s.add(OfficialYear(year=2027, source="test"))
        for i in range(36):  # receipts over six weeks: overdue, due today, due in 1 and in 5 working days
            received = start + timedelta(days=i)
            s.add(Application(year=received.year, seq=i + 1, number=f"{received.year}-{i + 1:04d}",
                              applicant_type="natural_person", name="张三", description=f"第{i}件申请的信息",
                              receipt_date=received))
        await s.commit()


def _sends(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def _ledger(db) -> list[ReminderLedger]:
    async with db.session() as s:
        return list((await s.execute(select(ReminderLedger))).scalars())


async def _planned_keys(db) -> set[str]:
    from bot.settings import get_settings
    from storage.reminders import plan_reminders

    _, plan = await plan_reminders(db, NOW, get_settings())
    return {r.key for r in plan}


@pytest.mark.services
async def test_two_processes_scanning_at_once_send_each_reminder_once(pg_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_STAFF_IDS", str(ADMIN))
    from bot.settings import get_settings
    get_settings.cache_clear()
    await _seed_reminders(pg_db)
    planned = await _planned_keys(pg_db)
    kinds = {k.split(":")[0] for k in planned}
    assert {"digest", "overdue", "due_today"} <= kinds and any(k.startswith("due_in_") for k in kinds)

    out, go = tmp_path / "sends.jsonl", str(tmp_path / "go")
    procs = [_spawn(["scan", "--now", NOW.isoformat(), "--out", str(out), "--send-delay", "0.002", "--go", go],
                    pg_db.url) for _ in range(2)]
    _go(tmp_path, procs)
    results = [_finish(p) for p in procs]

    keys = [k for r in results for k in r["sent_keys"]]
    assert len(keys) == len(set(keys))  # no reminder sent by both
    assert set(keys) == planned  # and none lost
    assert all(r["sent"] > 0 for r in results) or sum(r["already"] for r in results) >= len(planned)
    sends = _sends(out)
    assert len(sends) == sum(r["messages"] for r in results)
    assert len({(s["chat"], s["text"]) for s in sends}) == len(sends)  # no message delivered twice
    ledger = await _ledger(pg_db)
    assert {row.key for row in ledger} == planned and {row.status for row in ledger} == {"sent"}

    # A third scan later the same day finds everything in the ledger.
    third = _spawn(["scan", "--now", (NOW + timedelta(minutes=15)).isoformat(), "--out", str(out)], pg_db.url)
    assert _finish(third)["sent"] == 0
    assert len(_sends(out)) == len(sends)


@pytest.mark.services
async def test_process_killed_mid_scan_loses_and_repeats_no_reminder(pg_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_STAFF_IDS", str(ADMIN))
    from bot.settings import get_settings
    get_settings.cache_clear()
    await _seed_reminders(pg_db)
    planned = await _planned_keys(pg_db)
    out = tmp_path / "sends.jsonl"

    victim = _spawn(["scan", "--now", NOW.isoformat(), "--out", str(out), "--hang-after", "3"], pg_db.url)
    deadline = time.monotonic() + 60
    while not any("hang" in s for s in _sends(out)):
        assert victim.poll() is None, victim.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the scan never reached its third send"
        time.sleep(0.05)
    victim.kill()  # SIGKILL in the middle of the third send
    victim.wait(timeout=10)
    delivered_before = [s for s in _sends(out) if "chat" in s]
    assert len(delivered_before) == 2

    ledger = await _ledger(pg_db)
    assert {r.key for r in ledger} == planned  # everything was claimed before the crash...
    assert any(r.status == "pending" for r in ledger)  # ...and part of it was never sent

    # Within the lease another process leaves the dead process's claims alone (it might still be sending)...
    early = _spawn(["scan", "--now", NOW.isoformat(), "--out", str(out)], pg_db.url)
    assert _finish(early)["sent"] == 0
    # ...after it, the next scan takes the stale claims over and sends exactly what was missing.
    later = _spawn(["scan", "--now", (NOW + timedelta(minutes=15)).isoformat(), "--out", str(out),
                    "--lease-seconds", "0"], pg_db.url)
    result = _finish(later)
    sends = [s for s in _sends(out) if "chat" in s]
    assert len({(s["chat"], s["text"]) for s in sends}) == len(sends)  # nothing delivered twice
    ledger = await _ledger(pg_db)
    assert {r.status for r in ledger} == {"sent"} and {r.key for r in ledger} == planned
    sent_before = planned - set(result["sent_keys"])
    assert result["sent_keys"] and len(sent_before) >= 2  # the two delivered messages' reminders were not repeated
