from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.texts import applications as T
from bot.texts import common as C
from storage.models import Application, ApplicationEvent, FsmRecord
from tests.bot_harness import VALID_ID, VALID_USCC, Chat, fill_person_form, opened


def today_sh():
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()


async def apps(db) -> list[Application]:
    """The stored applications, personal fields opened."""
    async with db.session() as s:
        return [opened(db, a) for a in (await s.execute(select(Application).order_by(Application.id))).scalars()]


async def fsm_rows(db) -> list[FsmRecord]:
    """The form records, their sealed data opened."""
    from storage.fsm import open_data

    async with db.session() as s:
        rows = list((await s.execute(select(FsmRecord))).scalars())
    return [r.model_copy(update={"data": open_data(db, r.data)}) for r in rows]


async def test_happy_path_natural_person(db):
    chat = Chat(db)
    await fill_person_form(chat)
    summary = chat.last()
    assert "请核对您的申请" in summary
    assert "1101**********002X" in summary and "138****5678" in summary
    await chat.press(T.CONFIRM)
    receipt = chat.last()
    year = today_sh().year
    assert f"申请编号：{year}-0001" in receipt
    assert f"收到申请日期：{today_sh().year}年{today_sh().month}月{today_sh().day}日" in receipt
    assert "答复期限：" in receipt and T.DUE_UNKNOWN not in receipt
    assert "/my" in receipt

    [app] = await apps(db)
    assert app.number == f"{year}-0001" and app.seq == 1 and app.agency == "济宁市科学技术局"
    assert app.applicant_type == "natural_person" and app.name == "张三"
    assert app.id_type == "resident_id" and app.id_number == VALID_ID
    assert app.phone == "13812345678" and app.email is None and app.address is None
    assert app.description == "2018年度科技项目立项名单及资金安排"
    assert app.delivery_form == "electronic" and app.delivery_channel == "telegram"
    assert app.channel == "online" and app.telegram_user_id == 7 and app.chat_id == 7
    assert app.confirmed_at is not None and app.confirmed_at.tzinfo is not None
    assert app.receipt_date == today_sh()
    assert app.reply_due is not None and app.reply_due > app.receipt_date
    assert f"{app.reply_due.month}月{app.reply_due.day}日" in receipt
    async with db.session() as s:
        events = list((await s.execute(select(ApplicationEvent))).scalars())
    assert [e.kind for e in events] == ["received"]
    # Full identifiers never go back to the chat; the form is gone from the FSM table.
    assert not any(VALID_ID in t or "13812345678" in t for t in chat.texts())
    assert await fsm_rows(db) == []


async def test_organisation_path_with_uscc_checksum(db):
    chat = Chat(db)
    await chat.say("/apply")
    await chat.press("法人或其他组织")
    assert chat.last() == T.ASK_ORG_KIND
    await chat.press("科研机构")
    await chat.say("济宁市某某研究院")
    await chat.say("91440300708461136U")
    assert chat.last().startswith(T.BAD_ORG_CODE)
    await chat.say(VALID_USCC.lower())
    assert chat.last() == T.ASK_PHONE  # no personal ID step for organisations
    await chat.say("0537-2345678")
    await chat.say("office@example.org.cn")
    await chat.press("跳过")
    await chat.say("2018年科研经费使用情况的公开文件")
    await chat.say("济科发〔2018〕12号")
    await chat.press("纸质")
    await chat.press("当面领取")
    assert "统一社会信用代码：91440300708461136T" in chat.last()
    await chat.press(T.CONFIRM)
    [app] = await apps(db)
    assert app.applicant_type == "org_research" and app.org_code == VALID_USCC
    assert app.id_type == "uscc" and app.id_number is None
    assert app.phone == "0537-2345678" and app.email == "office@example.org.cn"
    assert app.doc_number == "济科发〔2018〕12号" and app.delivery_form == "paper"


@pytest.mark.parametrize(
    ("stop_before", "bad_input", "error"),
    [
        ("name", "张" * 51, T.BAD_NAME.format(limit=50)),
        ("id_number", "110105194912310021", T.BAD_RESIDENT_ID),
        ("phone", "12345", T.BAD_PHONE),
        ("email", "not-an-email", T.BAD_EMAIL),
        ("description", "短", T.BAD_DESCRIPTION.format(low=5, limit=2000)),
        ("doc_number", "号" * 51, T.BAD_DOC_NUMBER.format(limit=50)),
        ("applicant_type", "外星人", T.BAD_CHOICE),
        ("id_type", "驾驶证", T.BAD_CHOICE),
        ("delivery_form", "传真", T.BAD_CHOICE),
        ("delivery_channel", "邮寄", T.BAD_CHOICE),  # not offered for electronic delivery
    ],
)
async def test_each_validation_error_reasks_and_stores_nothing(db, stop_before, bad_input, error):
    chat = Chat(db)
    await fill_person_form(chat, stop_before=stop_before)
    state_before = (await fsm_rows(db))[0].state
    await chat.say(bad_input)
    assert chat.last() == error
    rows = await fsm_rows(db)
    assert rows[0].state == state_before
    assert bad_input not in str(rows[0].data)
    assert await apps(db) == []


async def test_other_id_document_and_landline(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="id_type")
    await chat.press("护照")
    await chat.say("E1")
    assert chat.last() == T.BAD_ID_NUMBER
    await chat.say("e12345678")
    assert "E123****5678" not in chat.last()  # masked echo: first four and last four only
    assert "E123*5678" in chat.last()


async def test_non_text_and_oversized_input_in_form(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="description")
    await chat.feed(chat.updates.sticker_like(7))
    assert chat.last() == T.TEXT_EXPECTED
    await chat.say("长" * 5000)
    assert chat.last() == C.MESSAGE_TOO_LONG.format(limit=2000)
    await chat.say("长" * 2001)
    assert chat.last() == T.BAD_DESCRIPTION.format(low=5, limit=2000)


STEPS = ["name", "id_type", "id_number", "phone", "email", "address", "description", "doc_number",
         "delivery_form", "delivery_channel", None]


@pytest.mark.parametrize("stop_before", STEPS)
async def test_cancel_at_every_step(db, stop_before):
    chat = Chat(db)
    await fill_person_form(chat, stop_before=stop_before)
    await chat.say("/cancel")
    assert "已取消" in chat.last()
    assert await fsm_rows(db) == []
    await chat.say("13812345678")  # now just a question again, not a form answer
    assert await apps(db) == []


async def test_cancel_button_on_summary(db):
    chat = Chat(db)
    await fill_person_form(chat)
    await chat.press(T.CANCEL)
    assert chat.last() == T.FORM_CANCELLED
    assert await fsm_rows(db) == [] and await apps(db) == []


async def test_restart_mid_form_resumes_with_a_new_dispatcher(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="description")
    chat2 = chat.restarted()  # the old process is gone: new routers, new session, same DB
    await chat2.say("2018年度科技项目立项名单及资金安排")
    assert chat2.last() == T.ASK_DOC_NUMBER
    await chat2.say("跳过")
    await chat2.say("电子")
    await chat2.say("通过本机器人")
    assert "请核对您的申请" in chat2.last() and "张三" in chat2.last()
    chat3 = chat2.restarted()
    summary = chat2.last_with_buttons()
    ok = next(data for text, data in summary.buttons() if text == T.CONFIRM)
    await chat3.feed(chat3.updates.press(7, ok, summary))  # a button drawn before the restart
    [app] = await apps(db)
    assert app.name == "张三" and "申请编号" in chat3.last()


async def test_double_tap_confirm_creates_one_application(db):
    chat = Chat(db)
    await fill_person_form(chat)
    summary = chat.last_with_buttons()
    ok = next(data for text, data in summary.buttons() if text == T.CONFIRM)
    await chat.feed(chat.updates.press(7, ok, summary))
    await chat.feed(chat.updates.press(7, ok, summary))
    assert len(await apps(db)) == 1
    assert chat.last().startswith("该申请已经提交")
    assert (await apps(db))[0].number in chat.last()


async def test_concurrent_double_tap_is_serialised(db):
    chat = Chat(db)
    await fill_person_form(chat)
    summary = chat.last_with_buttons()
    ok = next(data for text, data in summary.buttons() if text == T.CONFIRM)
    await asyncio.gather(*(chat.feed(chat.updates.press(7, ok, summary)) for _ in range(3)))
    assert len(await apps(db)) == 1
    receipts = [t for t in chat.texts() if "申请编号" in t]
    assert len(receipts) == 3 and len({t.split("申请编号：")[1][:9] for t in receipts}) == 1


async def test_duplicate_update_delivery_is_dropped(db):
    chat = Chat(db)
    await fill_person_form(chat)
    summary = chat.last_with_buttons()
    ok = next(data for text, data in summary.buttons() if text == T.CONFIRM)
    update = chat.updates.press(7, ok, summary)
    await chat.feed(update)
    sent = len(chat.session.sent)
    again = await chat.restarted().feed(update)  # redelivered after a restart, same update_id
    assert again == [] and len(chat.session.sent) == sent
    assert len(await apps(db)) == 1


async def test_forged_and_stale_buttons(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="phone")
    shown = len(chat.texts(7))
    # Buttons of other steps (an earlier one, a later one, a summary never shown): the current step again.
    for data in ("f:applicant_type:natural_person", "f:delivery_form:electronic", "f:ok:0000000000000000"):
        await chat.press_data(data)
        assert chat.alerts()[-1] == T.STEP_MOVED_ON and chat.last() == T.ASK_PHONE
    # Forged: a value the current step never offers, and data that is no button of ours.
    await chat.feed(chat.updates.press(7, "f:phone:teleport", chat.session.sent[-1]))  # on the phone prompt
    await chat.press_data("garbage-\u0000-data")
    assert chat.alerts()[-2:] == [C.STALE_BUTTON] * 2
    assert len(chat.texts(7)) == shown + 3
    assert (await fsm_rows(db))[0].state == "ApplyForm:phone"
    assert await apps(db) == []


async def test_someone_elses_draft_id_gives_nothing(db):
    chat = Chat(db)
    await fill_person_form(chat, user=7)
    ok = next(data for text, data in chat.last_with_buttons(7).buttons() if text == T.CONFIRM)
    await chat.press_data(ok, user=7)
    await chat.press_data(ok, user=8)  # forged by another user
    assert chat.alerts()[-1] == C.STALE_BUTTON and chat.texts(8) == []
    assert len(await apps(db)) == 1


async def test_edit_section_from_summary(db):
    chat = Chat(db)
    await fill_person_form(chat)
    await chat.press(T.EDIT)
    await chat.press(T.EDIT_SECTIONS["contact"])
    assert chat.last() == T.ASK_PHONE
    await chat.say("13900001111")
    await chat.say("a@example.com")
    await chat.press("跳过")
    assert "139****1111" in chat.last() and "a@example.com" in chat.last()
    await chat.press(T.CONFIRM)
    [app] = await apps(db)
    assert app.phone == "13900001111" and app.email == "a@example.com" and app.name == "张三"


async def test_postal_delivery_requires_an_address_and_email_delivery_an_email(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="delivery_form")
    await chat.press("纸质")
    await chat.press("邮寄")
    assert chat.last() == T.ASK_ADDRESS_REQUIRED
    assert not chat.last_with_buttons().text == T.ASK_ADDRESS_REQUIRED  # no skip button
    await chat.say("跳过")
    assert chat.last() == T.BAD_ADDRESS.format(limit=200)
    await chat.say("山东省济宁市任城区某某路1号")
    assert "山东省济宁市任城区某某路1号" in chat.last()
    await chat.press(T.EDIT)
    await chat.press(T.EDIT_SECTIONS["delivery"])
    await chat.press("电子")
    await chat.press("电子邮件")
    assert chat.last() == T.ASK_EMAIL_REQUIRED
    await chat.say("x@example.com")
    await chat.press(T.CONFIRM)
    [app] = await apps(db)
    assert app.delivery_channel == "email" and app.email == "x@example.com"


async def test_two_fast_messages_do_not_race(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="name")
    await asyncio.gather(chat.say("张三"), chat.say("李四"))
    state = (await fsm_rows(db))[0]
    assert state.data["form"]["name"] == "张三"
    assert state.state == "ApplyForm:id_type"
    # 李四 was sent before the next question appeared: not read as an answer to it, the question again
    assert chat.last() == T.NOT_FILED_HERE + "\n\n" + T.ASK_ID_TYPE and "李四" not in str(state.data)


async def test_numbers_are_sequential_per_agency_and_my_is_private(db):
    chat = Chat(db)
    for user in (7, 8):
        await fill_person_form(chat, user=user)
        await chat.press(T.CONFIRM, user=user)
    numbers = [a.number for a in await apps(db)]
    year = today_sh().year
    assert numbers == [f"{year}-0001", f"{year}-0002"]
    await chat.say("/my", user=7)
    mine = chat.last(7)
    assert f"{year}-0001" in mine and f"{year}-0002" not in mine and "办理中" in mine
    await chat.say("/my", user=9)
    assert chat.last(9) == T.MY_EMPTY


async def test_apply_about_an_unanswered_question_prefills_description(db):
    chat = Chat(db)
    await chat.say("某某项目的环评报告在哪里看")
    await chat.press("申请公开此信息")
    await chat.press("自然人")
    await chat.say("张三")
    await chat.press("居民身份证")
    await chat.say(VALID_ID)
    await chat.say("13812345678")
    await chat.press("跳过")
    await chat.press("跳过")
    assert chat.last() == T.ASK_DOC_NUMBER  # description already known
    await chat.press("跳过")
    await chat.press("当场查阅、抄录")
    await chat.press("当面领取")
    assert "某某项目的环评报告在哪里看" in chat.last()


async def test_create_application_numbers_under_concurrency_and_idempotency(db):
    from storage.applications import ApplicationDraft, create_application, list_for_user

    draft = ApplicationDraft(applicant_type="natural_person", name="张三", description="某文件的全文", telegram_user_id=5)
    late_evening = datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc)  # 01:30 on the 24th in Shanghai
    results = await asyncio.gather(*(
        create_application(db, draft, idempotency_key=f"k{i % 20}", received_at=late_evening, agency="甲局")
        for i in range(40)
    ))
    numbers = sorted({r.application.number for r in results})
    assert numbers == [f"2026-{i:04d}" for i in range(1, 21)]  # unique, no gaps
    assert sum(r.created for r in results) == 20
    other = await create_application(db, draft, idempotency_key="other-agency", received_at=late_evening,
                                     agency="乙局")
    assert other.application.number == "2026-0001"  # numbering is per agency
    app = results[0].application
    assert app.receipt_date.isoformat() == "2026-11-24" and app.confirmed_at == late_evening
    assert app.reply_due.isoformat() == "2026-12-22"  # 20 working days after the receipt date
    assert len(await list_for_user(db, 5, limit=100)) == 21 and await list_for_user(db, 6) == []
    with pytest.raises(ValueError):
        await create_application(db, draft, idempotency_key="naive", received_at=datetime(2026, 11, 23, 9, 0))


async def test_receipt_marks_a_provisional_due_date(db, monkeypatch):
    from handlers.apply import receipt_text
    from storage import applications
    from storage.applications import ApplicationDraft, create_application

    monkeypatch.setattr(applications, "_now", lambda: datetime(2026, 12, 20, 3, 0, tzinfo=timezone.utc))
    draft = ApplicationDraft(applicant_type="natural_person", name="张三", description="某文件的全文")
    created = await create_application(db, draft, idempotency_key="late",
                                       received_at=datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc), agency="甲局")
    text = await receipt_text(db, created.application)
    assert "2027年" in text and T.DUE_PROVISIONAL in text  # 2027's holiday schedule is not official yet
    created = await create_application(db, draft, idempotency_key="early",
                                       received_at=datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc), agency="甲局")
    assert T.DUE_PROVISIONAL not in await receipt_text(db, created.application)


async def test_a_question_in_the_middle_of_the_form_keeps_the_form(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="phone")
    await chat.say("/ask 2018年主动公开了多少条信息")
    assert "来源：" in chat.last()
    await chat.say("13812345678")
    assert chat.last() == T.ASK_EMAIL
    assert (await fsm_rows(db))[0].data["form"]["phone"] == "13812345678"
