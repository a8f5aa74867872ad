"""Conversation in chat: greetings, thanks, help, how to apply, where is my application, gibberish,
follow-ups that lean on the last question, and saying which agency answered when none was named —
through the real dispatcher and the real answer engine over the project's own fixture reports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.texts import questions as T
from knowledge.conversation import Intent, classify, follow_up, is_follow_up
from tests.bot_harness import Chat

HELDOUT = Path(__file__).parent / "fixtures" / "heldout" / "reports"


@pytest.mark.parametrize("text, intent", [
    ("你好", Intent.GREETING), ("您好！", Intent.GREETING), ("谢谢", Intent.THANKS), ("多谢了", Intent.THANKS),
    ("帮助", Intent.HELP), ("怎么申请信息公开", Intent.HOW_TO_APPLY), ("我要申请", Intent.HOW_TO_APPLY),
    ("我的申请到哪一步了", Intent.MY_APPLICATION), ("asdkjh", Intent.NOT_UNDERSTOOD), ("hello", Intent.NOT_UNDERSTOOD),
    ("123", Intent.NOT_UNDERSTOOD), ("？？", Intent.NOT_UNDERSTOOD),
    ("2023年收到多少件申请", Intent.QUESTION), ("申请了多少件", Intent.QUESTION),
])
def test_classify(text, intent):
    assert classify(text) is intent


def test_follow_up_rewrites():
    names = ["蓼川", "审计局"]
    assert is_follow_up("那2021年呢") and is_follow_up("电话呢") and not is_follow_up("蓼川县审计局2022年收到多少件申请")
    assert follow_up("蓼川审计局2022年收到几件申请", "那2021年呢", names) == "蓼川审计局2021年收到几件申请"
    assert follow_up("蓼川审计局2022年个人申请几件", "企业的呢", names) == "蓼川审计局2022年企业申请几件"
    assert follow_up("蓼川审计局2022年收到几件申请", "公司的呢", names) == "蓼川审计局2022年收到几件申请（公司）"
    assert follow_up("蓼川审计局2022年收到几件申请", "电话呢", names) == "蓼川审计局2022年电话"


@pytest.fixture
async def kb_chat(db):
    from bot.qa import ingest_paths
    from bot.qa import QAService
    from bot.settings import Settings

    await ingest_paths(db, sorted(HELDOUT.iterdir()))
    qa = await QAService.load(db)
    return Chat(db, qa=qa, settings=Settings(bot_token="4242:TEST"))


@pytest.mark.parametrize("text, reply", [
    ("你好", T.GREETING_REPLY), ("谢谢", T.THANKS_REPLY), ("怎么申请信息公开", T.HOW_TO_APPLY),
    ("我的申请到哪一步了", T.MY_APPLICATION_HINT), ("asdkjh", T.not_found("not_understood")),
    ("hello", T.not_found("not_understood")), ("123", T.not_found("not_understood")),
])
async def test_conversation_replies_never_a_statistic(kb_chat, text, reply):
    await kb_chat.say(text)
    assert kb_chat.last() == reply
    assert "来源：" not in kb_chat.last()


async def test_follow_ups_inherit_agency_year_and_column(kb_chat):
    chat = kb_chat
    await chat.say("蓼川审计局2022年收到几件信息公开申请")
    assert "12件" in chat.last() and "蓼川县审计局" in chat.last()
    await chat.say("电话呢")
    assert "6627205" in chat.last()
    await chat.say("那2021年呢")  # the same question for a year we hold no report of
    assert chat.last().startswith(T.NOT_FOUND["year_not_covered"].rstrip("。")) and "2022" in chat.last()


async def test_follow_up_after_the_window_is_a_new_question(kb_chat, monkeypatch):
    import handlers.questions as hq

    chat = kb_chat
    await chat.say("蓼川审计局2022年收到几件信息公开申请")
    monkeypatch.setattr(hq, "FOLLOW_UP_WINDOW", timedelta(seconds=-1))
    await chat.say("电话呢")
    assert "6627205" not in chat.last()


async def test_unnamed_agency_answer_says_whose_report(kb_chat):
    await kb_chat.say("收到多少件信息公开申请")
    reply = kb_chat.last()
    assert reply.startswith(T.UNNAMED_AGENCY.split("{")[0]) and "年度报告" in reply


async def test_place_with_only_department_reports_is_refused_with_what_is_loaded(kb_chat):
    await kb_chat.say("鹭汀市2025年全市主动公开了多少条政府信息")
    reply = kb_chat.last()
    assert "来源：" not in reply and "鹭汀市生态环境局" in reply



async def test_a_year_named_beside_a_covered_one_is_said_to_be_missing(kb_chat):
    await kb_chat.say("蓼川审计局2022年和2021年分别收到几件信息公开申请")
    reply = kb_chat.last()
    assert "12件" in reply and T.YEARS_MISSING.format(years="2021") in reply
