from __future__ import annotations

import re

from sqlmodel import select

from bot.texts import common as C
from bot.texts import questions as T
from storage.models import FsmRecord, QuestionLog
from tests.bot_harness import Chat, FakeQA
from tests.conftest import REPORTS_DIR


async def test_start_help_and_unknown_command(db):
    chat = Chat(db)
    await chat.say("/start")
    assert "济宁市科学技术局" in chat.last()
    await chat.say("/help")
    for command in ("/start", "/help", "/ask", "/apply", "/my", "/cancel"):
        assert command in chat.last()
    await chat.say("/frobnicate")
    assert chat.last() == T.UNKNOWN_COMMAND
    await chat.say("/cancel")
    assert chat.last() == T.NOTHING_TO_CANCEL


async def test_confident_answer_has_source_and_is_logged(db):
    qa = FakeQA()
    chat = Chat(db, qa=qa)
    await chat.say("2018年主动公开了多少条信息")
    reply = chat.session.sent[-1]
    assert reply.text.startswith("2018年共主动公开政府信息123条。")
    assert "来源：济宁市科学技术局2018年政府信息公开工作年度报告 · 二、主动公开政府信息情况" in reply.text
    assert reply.buttons() == []
    assert qa.logged == [("2018年主动公开了多少条信息", "telegram", 7)]


async def test_ask_command_with_and_without_text(db):
    qa = FakeQA()
    chat = Chat(db, qa=qa)
    await chat.say("/ask")
    assert chat.last() == T.ASK_PROMPT
    await chat.say("/ask 2018年主动公开了多少条信息")
    assert "来源：" in chat.last()
    assert [q for q, _, _ in qa.logged] == ["2018年主动公开了多少条信息"]


async def test_unconfident_answer_offers_three_suggestions_and_apply(db):
    chat = Chat(db)
    await chat.say("你们单位的食堂好吃吗")
    msg = chat.session.sent[-1]
    assert msg.text.startswith(T.NOT_CONFIDENT)
    buttons = msg.buttons()
    assert len(buttons) == 4 and buttons[-1][0] == T.APPLY_BUTTON
    assert all(len(data.encode()) <= 64 for _, data in buttons)
    assert all(len(text) <= 60 for text, _ in buttons)
    assert "第四条不应出现" not in msg.text
    await chat.press(buttons[1][0])
    assert chat.last().startswith("2018年共主动公开政府信息123条。")


async def test_forged_and_stale_question_buttons(db):
    chat = Chat(db)
    await chat.press_data("q:deadbeef:s:0")
    await chat.press_data("q:deadbeef:a:0")
    await chat.say("你们单位的食堂好吃吗")
    token = chat.session.sent[-1].buttons()[0][1].split(":")[1]
    await chat.press_data(f"q:{token}:s:9")
    await chat.press_data(f"q:{token}:s:notanumber")
    assert chat.alerts() == [C.STALE_BUTTON] * 4
    async with db.session() as s:
        rows = list((await s.execute(select(FsmRecord))).scalars())
    assert len(rows) == 1 and rows[0].state is None  # only the pending suggestions


async def test_pending_suggestions_are_bounded(db):
    chat = Chat(db)
    for i in range(8):
        await chat.say(f"无关的问题{i}")
    async with db.session() as s:
        [row] = list((await s.execute(select(FsmRecord))).scalars())
    from storage.fsm import open_data

    assert len(open_data(db, row.data)["pending_questions"]) == 5


async def test_too_long_empty_and_non_text(db):
    qa = FakeQA()
    chat = Chat(db, qa=qa)
    await chat.say("问" * 501)
    assert chat.last() == T.QUESTION_TOO_LONG.format(limit=500)
    await chat.say("   ")
    assert chat.last() == T.ASK_PROMPT
    await chat.feed(chat.updates.sticker_like(7))
    assert chat.last() == T.NON_TEXT
    assert qa.logged == []


async def test_long_answers_fit_in_one_message(db):
    chat = Chat(db, qa=FakeQA(long_answer=True))
    await chat.say("2018年主动公开了多少条信息")
    assert len(chat.last()) <= 4096 and chat.last().endswith(T.TRUNCATED)


async def test_no_qa_service_is_polite(db):
    chat = Chat(db)
    chat.dp.workflow_data["qa"] = None
    await chat.say("2018年主动公开了多少条信息")
    assert chat.last() == T.SERVICE_UNAVAILABLE


async def test_real_qa_service_answers_and_logs_channel_telegram(db):
    report = REPORTS_DIR / "jining-kejiju-2018.txt"
    from bot.qa import ingest_paths
    from bot.qa import QAService

    await ingest_paths(db, [report])
    qa = await QAService.load(db, home_agency="济宁市科学技术局")
    chat = Chat(db, qa=qa)
    await chat.say("2018年主动公开了多少条信息")
    reply = chat.last()
    # the engine's answer cites its report inline: no second "来源：" line, no citation repeated
    citations = re.findall(r"（(济宁市科学技术局 2018年度[^）]*)）", reply)
    assert citations and len(citations) == len(set(citations)) and "来源：" not in reply
    async with db.session() as s:
        [row] = list((await s.execute(select(QuestionLog))).scalars())
    assert row.channel == "telegram" and row.user_id == 7 and row.answered


async def test_question_log_failure_still_answers(db):
    from sqlalchemy.exc import OperationalError

    class BrokenLog(FakeQA):
        async def log(self, db, answer, *, channel, user_id=None):
            raise OperationalError("INSERT", {}, Exception("database is locked"))

    chat = Chat(db, qa=BrokenLog())
    await chat.say("2018年主动公开了多少条信息")
    assert "来源：" in chat.last()
