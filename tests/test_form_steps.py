"""Dispatcher level: a form answer lands only in the field it was asked for, and a button of another
step shows the current step (with its keyboard) instead of stranding the citizen.

The crash is a process that dies after moving the form on and before the next prompt is out (the
Bot API call raises a ``BaseException``, which nothing in the bot catches, as ``kill -9`` would stop
it there); the retry of the same update goes to a new process. On SQLite another instance's
unfinished claim is taken over at once (one poller at a time)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.texts import applications as T
from bot.texts import common as C
from storage.fsm import SEALED, open_data
from storage.models import Application, FsmRecord
from storage.personal import _applicant
from tests.bot_harness import Chat, fill_person_form

ADDRESS = "山东省济宁市任城区共青团路12号"
DESCRIPTION = "2019年度科技计划项目立项名单"


class ProcessKilled(BaseException):
    pass


def die_on_next_send(chat: Chat) -> None:
    """The next sendMessage of this process never happens: the process is gone."""
    session = chat.session
    original = session.make_request

    async def make_request(bot, method, timeout=None):
        if method.__api_method__ == "sendMessage":
            raise ProcessKilled
        return await original(bot, method, timeout)

    session.make_request = make_request  # type: ignore[method-assign]


async def form_row(db) -> FsmRecord:
    """The stored form, its data opened (it is stored sealed: storage/fsm.py)."""
    async with db.session() as s:
        row = (await s.execute(select(FsmRecord))).scalar_one()
    assert set(row.data) == {SEALED}
    row.data = open_data(db, row.data)
    return row


async def applications(db) -> list[Application]:
    async with db.session() as s:
        return list((await s.execute(select(Application))).scalars())


async def test_retry_of_an_answer_whose_next_prompt_was_never_shown_is_not_filed_as_the_next_field(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="address")
    answer = chat.updates.text(7, ADDRESS)
    die_on_next_send(chat)
    with pytest.raises(ProcessKilled):
        await chat.feed(answer)
    row = await form_row(db)
    assert row.state == "ApplyForm:description" and row.data["form"]["address"] == ADDRESS  # moved on, unseen

    early = chat.updates.text(7, ADDRESS)  # the citizen sends it again before any reply arrives
    other = chat.updates.text(7, "请问什么时候能办好")  # and asks something, still before the prompt
    survivor = chat.restarted()
    replies = await survivor.feed(answer)  # the load balancer's retry of the same update
    assert [m.text for m in replies] == [T.ALREADY_RECORDED.format(label="通信地址") + "\n\n" + T.ASK_DESCRIPTION]
    replies = await survivor.feed(early)
    assert [m.text for m in replies] == [T.ALREADY_RECORDED.format(label="通信地址") + "\n\n" + T.ASK_DESCRIPTION]
    replies = await survivor.feed(other)
    assert [m.text for m in replies] == [T.NOT_FILED_HERE + "\n\n" + T.ASK_DESCRIPTION]
    assert "description" not in (await form_row(db)).data["form"]

    await survivor.say(DESCRIPTION)  # typed after the prompt: this one is the description
    await survivor.press(T.SKIP)
    await survivor.press(T.DELIVERY_FORMS["paper"])
    await survivor.press(T.DELIVERY_CHANNELS["post"])
    await survivor.press(T.CONFIRM)
    [app] = await applications(db)
    plain = _applicant(db, app)  # stored sealed; opened with the key
    assert (plain.address, app.description, plain.email) == (ADDRESS, DESCRIPTION, None)


async def test_answer_sent_twice_before_the_next_question_fills_only_its_own_field(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="address")
    first, second = chat.updates.text(7, ADDRESS), chat.updates.text(7, ADDRESS)  # a double send
    await chat.feed(first)
    assert chat.last() == T.ASK_DESCRIPTION
    await chat.feed(second)  # an address is long enough to pass as a description: not filed there
    assert chat.last() == T.ALREADY_RECORDED.format(label="通信地址") + "\n\n" + T.ASK_DESCRIPTION
    form = (await form_row(db)).data["form"]
    assert form["address"] == ADDRESS and "description" not in form


async def test_retried_button_press_and_the_old_button_show_the_current_step_with_its_keyboard(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="delivery_form")
    old_keyboard = chat.last_with_buttons()
    press = chat.updates.press(7, dict((t, d) for t, d in old_keyboard.buttons())[T.DELIVERY_FORMS["electronic"]],
                               old_keyboard)
    die_on_next_send(chat)
    with pytest.raises(ProcessKilled):
        await chat.feed(press)
    assert (await form_row(db)).state == "ApplyForm:delivery_channel"

    survivor = chat.restarted()
    channels = {T.DELIVERY_CHANNELS[c] for c in T.CHANNELS_FOR_FORM["electronic"]}
    for update in (press, survivor.updates.press(7, press.callback_query.data, old_keyboard)):  # retry, re-press
        replies = await survivor.feed(update)
        assert [m.text for m in replies] == [T.ASK_DELIVERY_CHANNEL]
        assert {label for label, _ in replies[0].buttons()} == channels
        assert survivor.alerts()[-1] == T.STEP_MOVED_ON  # the callback is answered, briefly
    await survivor.press(T.DELIVERY_CHANNELS["telegram"])
    await survivor.press(T.CONFIRM)  # finished without starting again
    [app] = await applications(db)
    assert (app.delivery_form, app.delivery_channel) == ("electronic", "telegram")
    assert survivor.texts(7).count(T.INTRO + "\n\n" + T.ASK_APPLICANT_TYPE) == 0


async def test_summary_never_shown_is_shown_instead_of_asking_to_press_a_button(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="delivery_channel")
    press = chat.updates.press(7, dict(chat.last_with_buttons().buttons())[T.DELIVERY_CHANNELS["telegram"]],
                               chat.last_with_buttons())
    die_on_next_send(chat)
    with pytest.raises(ProcessKilled):
        await chat.feed(press)
    survivor = chat.restarted()
    await survivor.say("好了吗")  # text while the summary, never shown, is the current step
    assert "请核对您的申请" in survivor.last() and T.CONFIRM in [t for t, _ in survivor.last_with_buttons().buttons()]
    await survivor.say("好了吗")  # now it was shown: a button is expected
    assert survivor.last() == T.BAD_CHOICE


async def test_confirm_on_an_earlier_summary_shows_the_current_one_instead_of_submitting(db):
    chat = Chat(db)
    await fill_person_form(chat)
    first_summary = chat.last_with_buttons()
    await chat.press(T.EDIT)
    await chat.press(T.EDIT_SECTIONS["contact"])
    await chat.say("13900001111")
    await chat.press(T.SKIP)
    await chat.press(T.SKIP)
    current = chat.last_with_buttons()
    assert "139****1111" in current.text
    ok = dict(first_summary.buttons())[T.CONFIRM]  # same draft, but it showed the old phone number
    await chat.feed(chat.updates.press(7, ok, first_summary))
    assert await applications(db) == [] and chat.alerts()[-1] == T.STEP_MOVED_ON
    assert chat.last() == current.text
    await chat.press(T.CONFIRM)
    [app] = await applications(db)
    assert _applicant(db, app).phone == "13900001111"


async def test_form_button_after_the_form_ended_says_so(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="email")
    skip = chat.last_with_buttons()
    await chat.say("/cancel")
    await chat.feed(chat.updates.press(7, dict(skip.buttons())[T.SKIP], skip))
    assert chat.alerts()[-1] == T.FORM_NOT_ACTIVE


async def test_callback_that_cannot_be_answered_again_still_shows_the_current_step(db):
    chat = Chat(db)
    await fill_person_form(chat, stop_before="phone")
    old = next(m for m in chat.session.sent if T.ASK_APPLICANT_TYPE in m.text)
    chat.session.fail("answerCallbackQuery", 400,
                      "Bad Request: query is too old and response timeout expired or query ID is invalid")
    await chat.feed(chat.updates.press(7, dict(old.buttons())[T.APPLICANT_PERSON], old))
    assert chat.last() == T.ASK_PHONE and C.DB_UNAVAILABLE not in chat.texts(7)
