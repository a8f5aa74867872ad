"""Load benchmark: N simulated citizens against several real ``gongkai run --webhook`` processes.

Each simulated user asks a question and files a complete 依申请公开 application (14 updates, each
answered before the next one, as a person would), all users at once. Updates are spread over the
bot processes step by step (a user's consecutive updates land on different processes), so the FSM
state and the per-user locks must really be shared (Redis) and the numbering really concurrent
(PostgreSQL). The Bot API is the HTTP emulator in ``tests/bot_api_emulator.py``.

Checks (the test ``tests/test_load.py`` asserts them): no lost application, no duplicate number,
every user got a receipt whose number is theirs in the database. Prints throughput and latency.

    python -m bench.load_bench --users 200 --processes 2          # fresh PostgreSQL db, Redis db 15
    python -m bench.load_bench --users 1000 --processes 4 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.texts import applications as TA  # noqa: E402
from storage.crypto import generate_key  # noqa: E402
from tests.bot_api_emulator import TOKEN, BotApiEmulator, Message, Updates, post_update  # noqa: E402

NUMBER_RE = re.compile(r"\d{4}-\d{4,}")
DATA_KEY = generate_key()  # this run's data key, shared by every bot process (unless GONGKAI_DATA_KEY is set)
HOME_AGENCY = "济宁市科学技术局"
WEBHOOK_PATH = "/telegram/webhook"
QUESTIONS = ["2018年主动公开了多少条政府信息？", "去年收到多少件信息公开申请", "行政复议有几起", "网站访问量是多少",
             "信息公开的咨询电话是多少", "2018年科技局公开了哪些文件"]
FIRST_USER = 800_000_000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int) -> str:
    """A valid 18-digit resident ID (checksum per GB 11643) for simulated user ``n``."""
    body = f"370802198{(n // 1000) % 10}0{1 + n % 9}{10 + n % 19:02d}{n % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]
    return body + check


@dataclass
class BotProcess:
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class UserResult:
    user_id: int
    latencies: list[float] = field(default_factory=list)
    receipt_number: str | None = None
    error: str | None = None


@dataclass
class LoadReport:
    users: int
    processes: int
    updates: int
    seconds: float
    throughput: float  # updates handled per second, end to end
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    receipts: int
    applications: int
    distinct_numbers: int
    lost: int
    duplicates: int
    errors: list[str]
    machine: str

    def lines(self) -> list[str]:
        return [
            f"load: {self.users} users × 14 updates = {self.updates} updates, {self.processes} bot processes "
            f"(webhook, PostgreSQL + Redis), {self.machine}",
            f"  wall {self.seconds:.1f} s, throughput {self.throughput:.0f} updates/s",
            f"  reply latency p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, p99 {self.p99_ms:.0f} ms, "
            f"max {self.max_ms:.0f} ms",
            f"  receipts {self.receipts}/{self.users}, applications {self.applications}, "
            f"distinct numbers {self.distinct_numbers}, lost {self.lost}, duplicates {self.duplicates}, "
            f"errors {len(self.errors)}",
        ]


def machine() -> str:
    import platform

    return f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(*, db_url: str, api_url: str, port: int, secret: str, redis_url: str | None,
            redis_prefix: str | None, data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update({
        "GONGKAI_DATA_DIR": str(data_dir),
        # every process seals and opens personal data with the same key (docs/personal-data.md)
        "GONGKAI_DATA_KEY": os.environ.get("GONGKAI_DATA_KEY") or DATA_KEY,
        "GONGKAI_DATABASE_URL": db_url,
        "GONGKAI_BOT_TOKEN": TOKEN,
        "GONGKAI_TELEGRAM_API_URL": api_url,
        "GONGKAI_WEBHOOK_URL": "https://bot.example.gov.cn",
        "GONGKAI_WEBHOOK_PATH": WEBHOOK_PATH,
        "GONGKAI_WEBHOOK_SECRET": secret,
        "GONGKAI_WEBHOOK_HOST": "127.0.0.1",
        "GONGKAI_WEBHOOK_PORT": str(port),
        "GONGKAI_HOME_AGENCY": HOME_AGENCY,
        "GONGKAI_RATE_LIMIT_QUESTIONS_PER_MINUTE": "1000",
        "GONGKAI_RATE_LIMIT_APPLICATIONS_PER_DAY": "1000",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["GONGKAI_REDIS_URL"] = redis_url
        env["GONGKAI_REDIS_PREFIX"] = redis_prefix or "gongkai"
    env.update(extra or {})
    return env


def pool_for(processes: int, max_connections: int = 100, reserve: int = 16) -> dict[str, str]:
    """Database pool per process so that all processes together stay below ``max_connections``."""
    per_process = max(3, (max_connections - reserve) // max(processes, 1))
    size = min(10, max(1, per_process // 3))
    return {"GONGKAI_DB_POOL_SIZE": str(size), "GONGKAI_DB_MAX_OVERFLOW": str(min(20, per_process - size))}


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen:
    fh = log.open("ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--webhook"], cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
    finally:
        fh.close()


async def wait_healthy(bots: list[BotProcess], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        for bot in bots:
            while True:
                if bot.proc.poll() is not None:
                    raise RuntimeError(f"bot process exited ({bot.proc.returncode}):\n{bot.log.read_text()[-3000:]}")
                try:
                    async with http.get(bot.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            break
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bot on port {bot.port} not healthy:\n{bot.log.read_text()[-3000:]}")
                await asyncio.sleep(0.2)


def stop_bots(bots: list[BotProcess]) -> None:
    for bot in bots:
        if bot.proc.poll() is None:
            bot.proc.terminate()
    for bot in bots:
        try:
            bot.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.proc.kill()
            bot.proc.wait(timeout=5)


class Driver:
    """Sends one user's updates to the bot processes and waits for each reply."""

    def __init__(self, emulator: BotApiEmulator, bots: list[BotProcess], http: aiohttp.ClientSession,
                 secret: str, updates: Updates, reply_timeout: float = 60.0) -> None:
        self.emulator = emulator
        self.bots = bots
        self.http = http
        self.secret = secret
        self.updates = updates
        self.reply_timeout = reply_timeout

    async def send(self, result: UserResult, step: int, update: dict) -> Message:
        user = result.user_id
        before = len(self.emulator.sent(user))
        bot = self.bots[(user + step) % len(self.bots)]
        started = time.monotonic()
        status = await post_update(self.http, bot.url, WEBHOOK_PATH, self.secret, update)
        if status != 200:
            raise RuntimeError(f"webhook answered HTTP {status}")
        messages = await self.emulator.wait_for_messages(user, before + 1, timeout=self.reply_timeout)
        reply = messages[before]
        result.latencies.append(reply.at - started)
        return reply

    async def user(self, user_id: int, rng: random.Random) -> UserResult:
        result = UserResult(user_id)
        u = self.updates
        step = 0

        async def say(text: str) -> Message:
            nonlocal step
            step += 1
            return await self.send(result, step, u.text(user_id, text))

        async def press(msg: Message, label: str) -> Message:
            nonlocal step
            step += 1
            return await self.send(result, step, u.press(user_id, msg.button(label), msg))

        try:
            await say(rng.choice(QUESTIONS))
            msg = await say("/apply")
            msg = await press(msg, TA.APPLICANT_PERSON)
            msg = await say(f"测试用户{user_id % 100000}")
            msg = await press(msg, TA.ID_TYPES["resident_id"])
            msg = await say(resident_id(user_id))
            msg = await say(f"138{user_id % 100000000:08d}")
            msg = await press(msg, TA.SKIP)
            msg = await press(msg, TA.SKIP)
            msg = await say(f"请公开{2018 + user_id % 6}年度科技项目立项名单（编号{user_id}）")
            msg = await press(msg, TA.SKIP)
            msg = await press(msg, TA.DELIVERY_FORMS["electronic"])
            msg = await press(msg, TA.DELIVERY_CHANNELS["telegram"])
            receipt = await press(msg, TA.CONFIRM)
            found = NUMBER_RE.search(receipt.text)
            if found is None:
                raise RuntimeError(f"no application number in the reply {receipt.text[:80]!r}")
            result.receipt_number = found.group(0)
        except Exception as exc:  # noqa: BLE001 - recorded, counted as an error
            result.error = f"user {user_id} step {step}: {type(exc).__name__}: {exc}"
        return result


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def prepare_database(db_url: str) -> None:
    """Migrate and load the sample annual report (so questions get real answers)."""
    from bot.qa import ingest_paths
    from storage.db import open_database

    db = await open_database(db_url)
    try:
        samples = sorted(p for p in (ROOT / "knowledge" / "samples").glob("*") if p.is_file())
        if samples:
            await ingest_paths(db, samples)
    finally:
        await db.dispose()


async def check_database(db_url: str, results: list[UserResult]) -> tuple[int, int, int, int]:
    """(applications, distinct numbers, lost, receipts that don't match the user's stored number)."""
    from sqlalchemy import select

    from storage.crypto import DataKeys
    from storage.db import open_database
    from storage.models import Application
    from storage.personal import applicant_chat

    db = await open_database(db_url, keys=DataKeys([os.environ.get("GONGKAI_DATA_KEY") or DATA_KEY]))
    try:
        async with db.session() as s:  # a citizen's chat id is their user id; the account is stored sealed
            rows = [(applicant_chat(db, app), app.number) for app in (await s.execute(select(Application))).scalars()]
    finally:
        await db.dispose()
    by_user: dict[int, list[str]] = {}
    for uid, number in rows:
        by_user.setdefault(uid, []).append(number)
    lost = sum(1 for r in results if len(by_user.get(r.user_id, [])) == 0)
    mismatched = sum(1 for r in results if r.receipt_number and by_user.get(r.user_id) != [r.receipt_number])
    numbers = [n for _, n in rows]
    return len(rows), len(set(numbers)), lost, mismatched


async def run_load(*, users: int, processes: int, db_url: str, redis_url: str | None, redis_prefix: str | None,
                   workdir: Path, seed: int = 1) -> LoadReport:
    await prepare_database(db_url)
    secret = secrets.token_urlsafe(24)
    rng = random.Random(seed)
    async with BotApiEmulator() as emulator:
        bots: list[BotProcess] = []
        try:
            pool = pool_for(processes)
            for i in range(processes):
                port = free_port()
                log = workdir / f"bot{i}.log"
                env = bot_env(db_url=db_url, api_url=emulator.url, port=port, secret=secret, redis_url=redis_url,
                              redis_prefix=redis_prefix, data_dir=workdir / f"data{i}", extra=pool)
                bots.append(BotProcess(port, start_bot(env, log), log))
            await wait_healthy(bots)
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                driver = Driver(emulator, bots, http, secret, Updates())
                started = time.monotonic()
                results = await asyncio.gather(*(driver.user(FIRST_USER + i, random.Random(rng.random()))
                                                 for i in range(users)))
                seconds = time.monotonic() - started
        finally:
            stop_bots(bots)
    applications, distinct, lost, mismatched = await check_database(db_url, results)
    latencies = [x for r in results for x in r.latencies]
    errors = [r.error for r in results if r.error]
    if mismatched:
        errors.append(f"{mismatched} receipts do not match the user's stored application")
    updates = len(latencies)
    return LoadReport(
        users=users, processes=processes, updates=updates, seconds=seconds,
        throughput=updates / seconds if seconds else 0.0,
        p50_ms=percentile(latencies, 50) * 1000, p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000, max_ms=max(latencies, default=0.0) * 1000,
        receipts=sum(1 for r in results if r.receipt_number), applications=applications,
        distinct_numbers=distinct, lost=lost, duplicates=applications - distinct, errors=errors, machine=machine(),
    )


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--no-redis", action="store_true", help="SQL FSM storage, in-process locks (wrong for >1 process)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON")
    parser.add_argument("--logs", type=Path, help="keep the bot processes' logs in this directory")
    args = parser.parse_args()

    from tests.services import REDIS_URL, create_pg_database, drop_pg_database

    db_url = create_pg_database("gk_bench")
    prefix = f"gkbench{secrets.token_hex(4)}"
    try:
        with tempfile.TemporaryDirectory(prefix="gongkai-load-") as tmp:
            workdir = args.logs or Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            report = asyncio.run(run_load(users=args.users, processes=args.processes, db_url=db_url,
                                          redis_url=None if args.no_redis else REDIS_URL, redis_prefix=prefix,
                                          workdir=workdir))
    finally:
        drop_pg_database(db_url)
        if not args.no_redis:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            if keys:
                client.delete(*keys)
    print("\n".join(report.lines()))
    for error in report.errors[:10]:
        print("  error:", error)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
    sys.exit(1 if report.errors or report.lost or report.duplicates else 0)


if __name__ == "__main__":
    main()
