"""A separate OS process for the scale-out tests: ``python -m tests.scaleout_worker <command> ...``.

Commands (the database is ``GONGKAI_DATABASE_URL``; every command waits for ``--go FILE`` to exist
before its critical part, so two workers really run at the same time):

- ``submit --tag A --n 60 --concurrency 20``: file ``n`` applications concurrently; prints JSON
  ``[[idempotency_key, number, created], ...]``.
- ``scan --now ISO --out FILE [--hang-after K] [--lease-seconds S]``: one reminder scan; every send
  is appended to ``FILE`` as a JSON line. With ``--hang-after K`` the K-th send announces itself
  (``{"hang": ...}``) and never completes — the test kills the process there. Prints the scan result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path


def _wait_for(go: str | None, timeout: float = 60.0) -> None:
    if not go:
        return
    deadline = time.monotonic() + timeout
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("go file never appeared")
        time.sleep(0.005)


async def submit(args) -> None:
    from bot.settings import get_settings
    from storage.applications import ApplicationDraft, create_application
    from storage.db import open_database

    settings = get_settings()
    db = await open_database(settings.resolved_database_url, keys=settings.data_keys())
    sem = asyncio.Semaphore(args.concurrency)

    async def one(i: int):
        draft = ApplicationDraft(applicant_type="natural_person", name=f"申请人{args.tag}{i}",
                                 description=f"进程{args.tag}第{i}件：某项目审批结果", phone="13812345678",
                                 telegram_user_id=100000 + i)
        key = f"proc:{args.tag}:{i}"
        async with sem:
            created = await create_application(db, draft, idempotency_key=key, settings=settings)
        return [key, created.application.number, created.created]

    _wait_for(args.go)
    try:
        results = await asyncio.gather(*(one(i) for i in range(args.n)))
        if args.repeat:  # the same keys again: all must come back as existing applications
            results += await asyncio.gather(*(one(i) for i in range(args.n)))
    finally:
        await db.dispose()
    print(json.dumps(results))


async def scan(args) -> None:
    import storage.reminders as R
    from bot.reminders import run_reminder_scan
    from bot.settings import get_settings
    from storage.db import open_database

    if args.lease_seconds is not None:
        R.CLAIM_LEASE = timedelta(seconds=args.lease_seconds)
    settings = get_settings()
    db = await open_database(settings.resolved_database_url, keys=settings.data_keys())
    out = Path(args.out)
    count = 0

    def record(payload: dict) -> None:
        with out.open("a", encoding="utf-8") as fh:  # one small O_APPEND write per line
            fh.write(json.dumps(payload, ensure_ascii=False) + "\n")

    async def sender(chat_id: int, text: str) -> None:
        nonlocal count
        count += 1
        if args.hang_after and count >= args.hang_after:
            record({"hang": chat_id, "pid": os.getpid()})
            await asyncio.Event().wait()  # killed here, mid-send
        if args.send_delay:
            await asyncio.sleep(args.send_delay)
        record({"chat": chat_id, "text": text, "pid": os.getpid()})

    now = datetime.fromisoformat(args.now)
    _wait_for(args.go)
    try:
        result = await run_reminder_scan(db, now, sender, settings, pace=0, per_chat_interval=0)
    finally:
        await db.dispose()
    print(json.dumps(result.to_json(), ensure_ascii=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scaleout_worker")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("submit")
    p.add_argument("--tag", required=True)
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--repeat", action="store_true")
    p.add_argument("--go")
    p = sub.add_parser("scan")
    p.add_argument("--now", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hang-after", type=int, default=0)
    p.add_argument("--send-delay", type=float, default=0.0)
    p.add_argument("--lease-seconds", type=float)
    p.add_argument("--go")
    args = parser.parse_args(argv)
    coro = submit(args) if args.command == "submit" else scan(args)
    asyncio.run(coro)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
