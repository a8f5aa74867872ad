"""Load benchmark: N simulated citizens against several real ``gongkai run --webhook`` processes.

Each simulated user asks a question and files a complete 依申请公开 application (14 updates, each
answered before the next one, as a person would), all users at once. Updates are spread over the
bot processes step by step (a user's consecutive updates land on different processes), so the FSM
state and the per-user locks must really be shared (Redis) and the numbering really concurrent
(PostgreSQL). The Bot API is the HTTP emulator in ``tests/bot_api_emulator.py``.

Checks (the test ``tests/test_load.py`` asserts them): no lost application, no duplicate number,
every user got a receipt whose number is theirs in the database. Prints throughput and latency.

``--chaos`` runs it the way a load balancer and a crash behave (issue 13): every update goes to a
random process, about 10 % are delivered twice (to two processes at once), every citizen also
sends one request with a wrong secret and presses one forged staff button, and midway (``--kill-at``,
a fraction of all updates) one process is ``kill -9``-ed and restarted on its port; a request the
dead process does not answer is retried on another one at once (nginx ``proxy_next_upstream``), and
an HTTP 503 is delivered again a second later (as Telegram would). A citizen who sees no reply
within ``--patience`` seconds sends the same again; one whose button is refused without a new
message, or whose form does not end in a receipt, starts ``/apply`` again. Counted: replies lost
(the citizen had to send again), answers stored in a field they were not given for, citizens made
to restart the form, forgeries refused, numbers gapless, and the reply latency of the updates
caught by the kill (recovery).

    python -m bench.load_bench --users 200 --processes 2          # fresh PostgreSQL db, Redis db 15
    python -m bench.load_bench --users 1000 --processes 4 --json out.json
    python -m bench.load_bench --users 200 --processes 2 --chaos  # kill -9 midway, duplicates, forgeries
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.texts import applications as TA  # noqa: E402
from bot.texts import staff as TS  # noqa: E402
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
    given: dict[str, Any] = field(default_factory=dict)  # what the citizen answered, field by field
    lost: int = 0  # updates after which the citizen saw no reply within the patience and sent again
    restarts: int = 0  # times the citizen had to start /apply again
    caught: list[float] = field(default_factory=list)  # updates in flight at the kill: kill → reply
    refused: int = 0  # deliveries to the process while it was down (sent on to another at once)
    forgeries: int = 0
    forgeries_refused: int = 0


@dataclass
class Chaos:
    """How the run misbehaves (see the module doc)."""

    kill_at: float | None = 0.4  # fraction of all updates after which process 0 is killed
    duplicates: float = 0.1
    forgeries: bool = True
    patience: float = 10.0


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
    chaos: bool = False
    gapless: bool = True
    replies_lost: int = 0
    restarts: int = 0
    wrong_fields: int = 0
    caught_by_kill: int = 0
    recovery_max_ms: float = 0.0
    refused_while_down: int = 0
    forgeries: int = 0
    forgeries_refused: int = 0
    duplicate_deliveries: int = 0

    def lines(self) -> list[str]:
        lines = [
            f"load: {self.users} users × 14 updates = {self.updates} updates, {self.processes} bot processes "
            f"(webhook, PostgreSQL + Redis), {self.machine}",
            f"  wall {self.seconds:.1f} s, throughput {self.throughput:.0f} updates/s",
            f"  reply latency p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, p99 {self.p99_ms:.0f} ms, "
            f"max {self.max_ms:.0f} ms",
            f"  receipts {self.receipts}/{self.users}, applications {self.applications}, "
            f"distinct numbers {self.distinct_numbers}, lost {self.lost}, duplicates {self.duplicates}, "
            f"errors {len(self.errors)}",
        ]
        if self.chaos:
            lines += [
                f"  chaos: {self.duplicate_deliveries} updates delivered twice, forgeries refused "
                f"{self.forgeries_refused}/{self.forgeries}, numbers gapless {self.gapless}",
                f"  kill -9: {self.caught_by_kill} updates in flight at the kill, answered at most "
                f"{self.recovery_max_ms:.0f} ms after it; {self.refused_while_down} deliveries refused while "
                f"the process was down (sent on at once)",
                f"  replies lost {self.replies_lost}, answers in a wrong field {self.wrong_fields}, "
                f"citizens made to restart the form {self.restarts}",
            ]
        return lines


def machine() -> str:
    import platform

    return f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_data_key() -> str:
    """The data key every bot process of this run seals with (GONGKAI_DATA_KEY if set, else this run's)."""
    return os.environ.get("GONGKAI_DATA_KEY") or DATA_KEY


def bot_env(*, db_url: str, api_url: str, port: int, secret: str, redis_url: str | None,
            redis_prefix: str | None, data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update({
        "GONGKAI_DATA_DIR": str(data_dir),
        # every process seals and opens personal data with the same key (docs/personal-data.md)
        "GONGKAI_DATA_KEY": run_data_key(),
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


class Restart(Exception):
    """The citizen is stranded (a refused button, no receipt) and starts the form again."""


class Driver:
    """Plays the citizens: sends each one's updates to the bot processes and waits for each reply."""

    def __init__(self, emulator: BotApiEmulator, bots: list[BotProcess], http: aiohttp.ClientSession,
                 secret: str, updates: Updates, reply_timeout: float = 60.0, chaos: Chaos | None = None,
                 rng: random.Random | None = None) -> None:
        self.emulator = emulator
        self.bots = bots  # process 0 may be replaced by its restarted self meanwhile
        self.http = http
        self.secret = secret
        self.updates = updates
        self.reply_timeout = reply_timeout
        self.chaos = chaos
        self.rng = rng or random.Random(0)
        self.duplicate_deliveries = 0
        self.killed: list[float] = []  # when the process was killed (set by the killer)
        self._background: set[asyncio.Task] = set()

    def _route(self, user: int, step: int) -> list[BotProcess]:
        """The processes in the order the load balancer tries them."""
        n = len(self.bots)
        first = self.rng.randrange(n) if self.chaos else (user + step) % n
        return [self.bots[(first + i) % n] for i in range(n)]

    async def _deliver(self, update: dict, order: list[BotProcess]) -> str | None:
        """POST to the first process that answers (nginx ``proxy_next_upstream error``); a 503 is
        delivered again a second later (Telegram). Returns how a dead process was met on the way:
        ``"in flight"`` (it had the request when it was killed), ``"refused"`` (it was down), or None."""
        met_dead = None
        for attempt in range(60):
            for bot in order:
                try:
                    status = await post_update(self.http, bot.url, WEBHOOK_PATH, self.secret, update)
                except aiohttp.ClientConnectorError:
                    met_dead = met_dead or "refused"
                    continue
                except aiohttp.ClientError:
                    met_dead = "in flight"
                    continue
                if status == 200:
                    return met_dead
                if status != 503:
                    raise RuntimeError(f"webhook answered HTTP {status}")
                break
            await asyncio.sleep(1.0)
            order = order[1:] + order[:1]
        raise RuntimeError("no process accepted the update")

    def _duplicate(self, update: dict, order: list[BotProcess]) -> None:
        async def again() -> None:
            try:
                await post_update(self.http, order[-1].url, WEBHOOK_PATH, self.secret, update)
            except aiohttp.ClientError:
                pass

        self.duplicate_deliveries += 1
        task = asyncio.create_task(again())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def exchange(self, result: UserResult, step: int, make_update) -> Message:
        """Send ``make_update()`` and return the reply; without one within the patience the citizen
        sends the same again (a new update). A press answered only with a notice strands them."""
        user = result.user_id
        started = time.monotonic()
        patience = self.chaos.patience if self.chaos else self.reply_timeout
        for attempt in range(2):
            update = make_update()
            before = len(self.emulator.sent(user))
            order = self._route(user, step)
            if self.chaos and self.rng.random() < self.chaos.duplicates:
                self._duplicate(update, order)
            sent_at = time.monotonic()
            met_dead = await self._deliver(update, order)
            callback = update.get("callback_query", {}).get("id")
            try:
                reply = await self.emulator.wait_for_reply(
                    user, before + 1, callback, timeout=patience if attempt == 0 else self.reply_timeout)
            except asyncio.TimeoutError:
                result.lost += 1
                continue
            if not isinstance(reply, Message):
                raise Restart(f"button refused: {reply.get('text')}")
            result.latencies.append(reply.at - started)
            if met_dead == "in flight":  # recovery: from the kill to the reply
                result.caught.append(reply.at - (self.killed[0] if self.killed else sent_at))
            elif met_dead:
                result.refused += 1
            return reply
        raise RuntimeError(f"no reply to step {step}")

    async def forgeries(self, result: UserResult) -> None:
        """A request with a wrong secret (refused with 401) and a forged staff button (refused)."""
        user = result.user_id
        result.forgeries += 2
        for bot in self._route(user, 0):
            try:
                status = await post_update(self.http, bot.url, WEBHOOK_PATH, "wrong-" + self.secret,
                                           self.updates.text(user, "/start"))
            except aiohttp.ClientError:
                continue
            result.forgeries_refused += status == 401
            break
        before = len(self.emulator.sent(user))
        press = self.updates.press(user, f"st:outok:{self.rng.randrange(1, 10**6)}:granted")
        await self._deliver(press, self._route(user, 0))
        try:
            answer = await self.emulator.wait_for_reply(user, before + 1, press["callback_query"]["id"],
                                                        timeout=self.reply_timeout)
        except asyncio.TimeoutError:
            return
        result.forgeries_refused += isinstance(answer, dict) and answer.get("text") == TS.REFUSED

    async def user(self, user_id: int, rng: random.Random) -> UserResult:
        result = UserResult(user_id)
        u = self.updates
        step = 0
        given = {"name": f"测试用户{user_id % 100000}", "id_number": resident_id(user_id),
                 "phone": f"138{user_id % 100000000:08d}",
                 "description": f"请公开{2018 + user_id % 6}年度科技项目立项名单（编号{user_id}）",
                 "email": None, "address": None, "doc_number": None,
                 "delivery_form": "electronic", "delivery_channel": "telegram"}
        result.given = given
        forge_at = rng.randrange(1, 13) if self.chaos and self.chaos.forgeries else None

        async def next_step() -> None:
            nonlocal step
            step += 1
            if step == forge_at:
                await self.forgeries(result)

        async def say(text: str) -> Message:
            await next_step()
            return await self.exchange(result, step, lambda: u.text(user_id, text))

        async def press(label: str) -> Message:
            """Press ``label`` on the latest message that offers it, as a person scrolling up would."""
            await next_step()
            msg = next((m for m in reversed(self.emulator.sent(user_id)) if label in [t for t, _ in m.buttons()]),
                       None)
            if msg is None:
                raise Restart(f"no button {label!r}")
            data = msg.button(label)
            return await self.exchange(result, step, lambda: u.press(user_id, data, msg))

        try:
            await say(rng.choice(QUESTIONS))
            for attempt in range(3):
                try:
                    await say("/apply")
                    await press(TA.APPLICANT_PERSON)
                    await say(given["name"])
                    await press(TA.ID_TYPES["resident_id"])
                    await say(given["id_number"])
                    await say(given["phone"])
                    await press(TA.SKIP)
                    await press(TA.SKIP)
                    await say(given["description"])
                    await press(TA.SKIP)
                    await press(TA.DELIVERY_FORMS["electronic"])
                    await press(TA.DELIVERY_CHANNELS["telegram"])
                    receipt = await press(TA.CONFIRM)
                    found = NUMBER_RE.search(receipt.text)
                    if found is None:
                        raise Restart(f"no application number in the reply {receipt.text[:80]!r}")
                    result.receipt_number = found.group(0)
                    break
                except Restart:
                    if not self.chaos or attempt == 2:
                        raise
                    result.restarts += 1
        except Exception as exc:  # noqa: BLE001 - recorded, counted as an error
            result.error = f"user {user_id} step {step}: {type(exc).__name__}: {exc}"
        return result

    async def drain(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


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


@dataclass
class DatabaseCheck:
    applications: int
    distinct_numbers: int
    lost: int  # users without an application
    mismatched: int  # receipts that don't match the user's stored application
    wrong_fields: int  # stored answers that differ from what the user gave for that field
    gapless: bool  # the sequence numbers are 1..N


async def check_database(db_url: str, results: list[UserResult]) -> DatabaseCheck:
    from sqlalchemy import select

    from storage.crypto import DataKeys
    from storage.db import open_database
    from storage.models import Application
    from storage.personal import _applicant, applicant_chat

    db = await open_database(db_url, keys=DataKeys([run_data_key()]))
    try:
        async with db.session() as s:  # a citizen's chat id is their user id; the account is stored sealed
            apps = list((await s.execute(select(Application))).scalars())
            owners = {app.id: applicant_chat(db, app) for app in apps}
            people = {app.id: _applicant(db, app) for app in apps}  # the stored values, opened with the key
    finally:
        await db.dispose()
    by_user: dict[int, list[Application]] = {}
    for app in apps:
        by_user.setdefault(owners[app.id], []).append(app)
    lost = sum(1 for r in results if len(by_user.get(r.user_id, [])) == 0)
    mismatched = sum(1 for r in results
                     if r.receipt_number and [a.number for a in by_user.get(r.user_id, [])] != [r.receipt_number])
    wrong = sum(1 for r in results for app in by_user.get(r.user_id, []) for name, value in r.given.items()
                if getattr(people[app.id] if hasattr(people[app.id], name) else app, name) != value)
    numbers = [a.number for a in apps]
    seqs = sorted(a.seq for a in apps)
    return DatabaseCheck(len(apps), len(set(numbers)), lost, mismatched, wrong, seqs == list(range(1, len(apps) + 1)))


async def _kill_and_restart(emulator: BotApiEmulator, bots: list[BotProcess], envs: list[dict[str, str]],
                            workdir: Path, after_replies: int, killed: list[float]) -> None:
    """``kill -9`` process 0 once the citizens got ``after_replies`` messages; restart it on its port."""
    while sum(len(v) for v in emulator.messages.values()) < after_replies:
        await asyncio.sleep(0.01)
    victim = bots[0]
    os.kill(victim.proc.pid, signal.SIGKILL)
    killed.append(time.monotonic())
    await asyncio.to_thread(victim.proc.wait, 10)
    log = workdir / "bot0-restarted.log"
    bots[0] = BotProcess(victim.port, start_bot(envs[0], log), log)
    await wait_healthy([bots[0]])


async def run_load(*, users: int, processes: int, db_url: str, redis_url: str | None, redis_prefix: str | None,
                   workdir: Path, seed: int = 1, chaos: Chaos | None = None) -> LoadReport:
    await prepare_database(db_url)
    secret = secrets.token_urlsafe(24)
    rng = random.Random(seed)
    async with BotApiEmulator() as emulator:
        bots: list[BotProcess] = []
        envs: list[dict[str, str]] = []
        try:
            pool = pool_for(processes)
            for i in range(processes):
                port = free_port()
                log = workdir / f"bot{i}.log"
                env = bot_env(db_url=db_url, api_url=emulator.url, port=port, secret=secret, redis_url=redis_url,
                              redis_prefix=redis_prefix, data_dir=workdir / f"data{i}", extra=pool)
                envs.append(env)
                bots.append(BotProcess(port, start_bot(env, log), log))
            await wait_healthy(bots)
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                driver = Driver(emulator, bots, http, secret, Updates(message_ids=emulator.message_ids),
                                chaos=chaos, rng=random.Random(seed))
                killer = None
                if chaos is not None and chaos.kill_at is not None:
                    killer = asyncio.create_task(_kill_and_restart(
                        emulator, bots, envs, workdir, int(chaos.kill_at * users * 14), driver.killed))
                started = time.monotonic()
                results = await asyncio.gather(*(driver.user(FIRST_USER + i, random.Random(rng.random()))
                                                 for i in range(users)))
                seconds = time.monotonic() - started
                await driver.drain()
                if killer is not None:
                    if not killer.done():
                        killer.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await killer
        finally:
            stop_bots(bots)
    check = await check_database(db_url, results)
    latencies = [x for r in results for x in r.latencies]
    caught = [x for r in results for x in r.caught]
    errors = [r.error for r in results if r.error]
    if check.mismatched:
        errors.append(f"{check.mismatched} receipts do not match the user's stored application")
    if chaos is not None and chaos.kill_at is not None and not driver.killed:
        errors.append("the process was never killed")
    updates = len(latencies)
    return LoadReport(
        users=users, processes=processes, updates=updates, seconds=seconds,
        throughput=updates / seconds if seconds else 0.0,
        p50_ms=percentile(latencies, 50) * 1000, p95_ms=percentile(latencies, 95) * 1000,
        p99_ms=percentile(latencies, 99) * 1000, max_ms=max(latencies, default=0.0) * 1000,
        receipts=sum(1 for r in results if r.receipt_number), applications=check.applications,
        distinct_numbers=check.distinct_numbers, lost=check.lost, duplicates=check.applications - check.distinct_numbers,
        errors=errors, machine=machine(), chaos=chaos is not None, gapless=check.gapless,
        replies_lost=sum(r.lost for r in results), restarts=sum(r.restarts for r in results),
        wrong_fields=check.wrong_fields, caught_by_kill=len(caught), recovery_max_ms=max(caught, default=0.0) * 1000,
        refused_while_down=sum(r.refused for r in results),
        forgeries=sum(r.forgeries for r in results), forgeries_refused=sum(r.forgeries_refused for r in results),
        duplicate_deliveries=driver.duplicate_deliveries,
    )


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--no-redis", action="store_true", help="SQL FSM storage, in-process locks (wrong for >1 process)")
    parser.add_argument("--chaos", action="store_true", help="random routing, duplicates, forgeries, kill -9 midway")
    parser.add_argument("--kill-at", type=float, default=0.4, help="with --chaos: fraction of updates before the kill")
    parser.add_argument("--patience", type=float, default=10.0, help="with --chaos: seconds before a citizen re-sends")
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
                                          workdir=workdir,
                                          chaos=Chaos(kill_at=args.kill_at, patience=args.patience)
                                          if args.chaos else None))
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
    bad = report.errors or report.lost or report.duplicates or report.replies_lost or report.wrong_fields or report.restarts
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
