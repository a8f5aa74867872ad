"""The wiring around the handlers: flood control, blocked users, errors, the CLI and the console."""

from __future__ import annotations

import subprocess
import sys

from aiogram import Bot
from sqlmodel import select
from typer.testing import CliRunner

from bot.factory import RetryAfterMiddleware
from bot.local_session import LocalSession
from bot.runner import bot_commands, run_console
from bot.settings import Settings
from bot.texts import applications as TA
from bot.texts import common as C
from storage.models import Application, StaffMember
from tests.bot_harness import VALID_ID, Chat


async def test_retry_after_is_waited_out_and_bounded():
    session = LocalSession()
    slept: list[float] = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    session.middleware(RetryAfterMiddleware(max_retries=2, sleep=fake_sleep))
    bot = Bot("4242:TEST", session=session)
    session.fail("sendMessage", 429, "Too Many Requests: retry after 3", {"retry_after": 3}, times=2)
    msg = await bot.send_message(1, "你好")
    assert msg.text == "你好" and slept == [3, 3]
    session.fail("sendMessage", 429, "Too Many Requests", {"retry_after": 1}, times=5)
    try:
        await bot.send_message(1, "你好")
    except Exception as exc:
        assert type(exc).__name__ == "TelegramRetryAfter"
    else:
        raise AssertionError("should give up after max_retries")


async def test_user_who_blocked_the_bot_is_recorded_not_fatal(db):
    async with db.session() as s:
        s.add(StaffMember(telegram_id=7, name="王", roles="handler"))
        await s.commit()
    chat = Chat(db)
    chat.session.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await chat.say("/help")  # raises inside the handler; the error handler records it
    async with db.session() as s:
        staff = await s.get(StaffMember, 7)
    assert staff.blocked_bot is True
    await chat.say("/help")
    assert "/apply" in chat.last()


async def test_a_blocked_bot_is_recorded_for_staff_only(db):
    """The same record as the reminder scan (storage.staff.mark_blocked): an admin named only in
    GONGKAI_STAFF_IDS gets a row for it; a citizen who blocks the bot leaves nothing behind."""
    chat = Chat(db, settings=Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST", staff_ids=[9]))
    chat.session.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=2)
    await chat.say("/help", user=9)
    await chat.say("/help", user=8)
    async with db.session() as s:
        admin, citizen = await s.get(StaffMember, 9), await s.get(StaffMember, 8)
    assert admin is not None and admin.blocked_bot is True and admin.roles == ""
    assert citizen is None


async def test_database_failure_gives_a_polite_answer_and_keeps_the_form(db, monkeypatch):
    chat = Chat(db)
    await chat.say("/apply")
    for label in ("自然人",):
        await chat.press(label)
    for text in ("张三",):
        await chat.say(text)
    await chat.press("居民身份证")
    await chat.say(VALID_ID)
    await chat.say("13812345678")
    for _ in range(2):
        await chat.press("跳过")
    await chat.say("2018年度科技项目立项名单")
    await chat.press("跳过")
    await chat.press("电子")
    await chat.press("通过本机器人")

    import handlers.apply as apply

    async def broken(*args, **kwargs):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(apply, "create_application", broken)
    await chat.press(TA.CONFIRM)
    assert chat.last() == TA.SUBMIT_FAILED
    monkeypatch.undo()
    await chat.press(TA.CONFIRM)  # the same summary still works once the database is back
    async with db.session() as s:
        assert len(list((await s.execute(select(Application))).scalars())) == 1


async def test_unexpected_error_answers_politely(db, monkeypatch):
    chat = Chat(db)

    def boom(text):
        raise RuntimeError("index corrupted")

    monkeypatch.setattr(chat.qa, "answer", boom)
    await chat.say("任何问题")
    assert chat.last() == C.DB_UNAVAILABLE


def test_bot_commands_cover_the_issue_list():
    assert [c.command for c in bot_commands()] == ["start", "help", "ask", "apply", "my", "mydata", "cancel"]


def test_run_without_or_with_a_bad_token_is_one_error_line(tmp_path):
    from bot.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["run"])
    assert result.exit_code != 0
    assert "GONGKAI_BOT_TOKEN" in result.output and len(result.output.strip().splitlines()) == 1
    from bot.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["run"], env={"GONGKAI_BOT_TOKEN": "not a token"})
    assert result.exit_code != 0 and "格式不正确" in result.output


def test_run_with_an_unreachable_api_fails_cleanly(tmp_path):
    env = {"GONGKAI_BOT_TOKEN": "123456:ABCDEF", "GONGKAI_TELEGRAM_API_URL": "http://127.0.0.1:9",
           "GONGKAI_DATA_DIR": str(tmp_path), "GONGKAI_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith("错误：无法连接 Bot API")


async def test_console_conversation_with_numbered_buttons(db):
    lines = iter(["2018年主动公开了多少条信息", "/apply", "1", "张三", "1", VALID_ID, "13812345678", "1", "1",
                  "2018年度科技项目立项名单及资金安排", "1", "2", "2", "1", "/my"])
    out: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    await run_console(db, Settings(home_agency="济宁市科学技术局"), read=read, write=out.append)
    text = "\n".join(out)
    assert "[1] 自然人" in text and "[2] 法人或其他组织" in text
    assert "请核对您的申请" in text and "申请编号：" in text
    assert "办理中" in out[-1]


async def test_update_claims_group_commit_and_duplicates_in_one_batch(db):
    import asyncio
    from datetime import datetime, timezone

    from storage.batching import UpdateClaims
    from storage.models import ProcessedUpdate

    claims = UpdateClaims(db)
    now = datetime.now(timezone.utc)
    ids = [1, 2, 3, 2, 1, 4] * 5
    results = await asyncio.gather(*(claims.claim(i, 42, now) for i in ids))
    assert sum(results) == 4  # each update id wins exactly once, even inside one batch
    assert [i for i, ok in zip(ids, results) if ok] == [1, 2, 3, 4]
    assert await claims.claim(3, 42, now) is False
    assert await claims.claim(3, 43, now) is True  # another bot's update 3
    async with db.session() as s:
        assert len(list((await s.execute(select(ProcessedUpdate))).scalars())) == 5


async def test_question_log_writer_batches_concurrent_rows(db):
    import asyncio

    from bot.qa import log_row
    from knowledge.types import Answer
    from storage.batching import QuestionLogWriter
    from storage.models import QuestionLog

    writer = QuestionLogWriter(db)
    await asyncio.gather(*(writer.add(log_row(Answer(f"问题{i}", None, None, 0.0), "telegram", i)) for i in range(50)))
    async with db.session() as s:
        rows = list((await s.execute(select(QuestionLog))).scalars())
    assert sorted(r.user_id for r in rows) == list(range(50)) and {r.channel for r in rows} == {"telegram"}
