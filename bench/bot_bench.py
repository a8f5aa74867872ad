"""Bot throughput benchmark (a benchmark, not a test).

Feeds pre-built Telegram updates through the real dispatcher (``bot.factory.create_dispatcher``:
SQL FSM storage, event isolation, update dedup, rate limits, the question handler) with an in-process
Bot API session (no network), one core pinned. Questions are answered over a knowledge base of about
40k passages and every question is written to the SQLite question log. In the same run it measures
the bare framework rate: an echo bot on a plain aiogram Dispatcher with the same stub network.

    python bench/bot_bench.py [--passages 40000] [--updates 3000] [--users 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.types import Message  # noqa: E402

from bot.factory import create_dispatcher  # noqa: E402
from bot.local_session import LocalSession, UpdateFactory  # noqa: E402
from bot.settings import Settings  # noqa: E402

QUESTIONS = [
    "2018年主动公开了多少条信息",
    "济宁科技局2018年收到多少件依申请公开",
    "2018年政府信息公开行政复议有几件",
    "主动公开政府信息数是多少",
    "网站发布了多少条信息",
    "政府信息公开申请怎么提交",
    "2018年有没有收费",
    "今年食堂伙食怎么样",  # unanswerable: suggestions + FSM write
]


def pin_one_core() -> bool:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return True
    except (AttributeError, OSError):
        return False


def build_answerer(target: int, seed: int):
    from knowledge.answer import Answerer
    from qa_bench import build_corpus, to_passages

    reports = build_corpus(target, random.Random(seed))
    refs, passages = to_passages(reports)
    return Answerer(refs, passages, home_agency="济宁市科学技术局"), len(passages)


def make_updates(n: int, users: int, start_id: int) -> list:
    factory = UpdateFactory(start_id=start_id)
    return [factory.text(100_000 + i % users, QUESTIONS[i % len(QUESTIONS)]) for i in range(n)]


async def drive(dp: Dispatcher, bot: Bot, updates: list, concurrency: int) -> tuple[float, float]:
    """(updates per wall second, updates per CPU second of this process — all its threads), feeding
    ``concurrency`` updates at a time (polling runs one task per update of a getUpdates batch)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(updates), concurrency):
        await asyncio.gather(*(dp.feed_update(bot, u) for u in updates[i:i + concurrency]))
    return len(updates) / (time.perf_counter() - t0), len(updates) / (time.process_time() - c0)


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp.include_router(router)
    return dp


async def main_async(args) -> None:
    from bot.qa import QAService
    from storage.db import open_database
    from sqlalchemy import func, select
    from storage.models import QuestionLog

    t = time.perf_counter()
    answerer, n_passages = build_answerer(args.passages, args.seed)
    print(f"knowledge base: {n_passages} passages, {len(answerer.reports)} reports "
          f"(built in {time.perf_counter() - t:.1f} s)")
    qa = QAService(answerer)
    t, c = time.perf_counter(), time.process_time()
    for q in QUESTIONS * 50:
        qa.answer(q)
    qa_rate = len(QUESTIONS) * 50 / (time.perf_counter() - t)
    qa_cpu_rate = len(QUESTIONS) * 50 / (time.process_time() - c)

    tmp = tempfile.mkdtemp(prefix="gongkai-bench-")
    db = await open_database(f"sqlite:///{tmp}/bench.db")
    settings = Settings(home_agency="济宁市科学技术局", bot_token="4242:BENCH",
                        rate_limit_questions_per_minute=10**9)
    session = LocalSession(record=False)
    bot = Bot("4242:BENCH", session=session)

    echo_rates, bot_rates = [], []
    update_id = 1
    for _ in range(args.rounds):
        echo = echo_dispatcher()
        ups = make_updates(args.updates, args.users, update_id)
        update_id += len(ups)
        echo_rates.append(await drive(echo, bot, ups, args.concurrency))

        dp = create_dispatcher(db, qa, settings)
        ups = make_updates(args.updates, args.users, update_id)
        update_id += len(ups)
        bot_rates.append(await drive(dp, bot, ups, args.concurrency))

    async with db.session() as s:
        logged = (await s.execute(select(func.count()).select_from(QuestionLog))).scalar_one()
    await db.dispose()
    def show(rates):
        wall = statistics.median(r[0] for r in rates)
        cpu = statistics.median(r[1] for r in rates)
        rounds = ", ".join(f"{w:.0f}/{c:.0f}" for w, c in rates)
        return f"{wall:.0f} updates/s wall, {cpu:.0f} updates per CPU-second (rounds wall/cpu: {rounds})"

    print(f"questions answered by the QA service alone: {qa_rate:.0f} /s wall, {qa_cpu_rate:.0f} per CPU-second")
    print(f"echo-only aiogram dispatcher, stub network: {show(echo_rates)}")
    print(f"gongkai dispatcher, questions over {n_passages} passages + SQLite question log: {show(bot_rates)}")
    print(f"question log rows written: {logged} (expected {args.updates * args.rounds})")
    print(f"sent messages: {len(session.sent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=40000)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pinned = pin_one_core()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"{'one core pinned' if pinned else 'not pinned'}")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
