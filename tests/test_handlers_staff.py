"""Staff chat handlers through Dispatcher.feed_update with a mocked Bot API session."""

from __future__ import annotations

from datetime import date, datetime, timezone
from itertools import count

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Chat, Message, Update, User
from sqlmodel import select

from bot.settings import Settings
from bot.texts import common as C
from handlers.staff import (
    CardCb, CloseCb, ConsultCb, ConsultEndCb, ConsultPartyCb, CorrectionCb, CorrectionLapsedCb, CorrectionPeriodCb,
    CorrectionReceivedCb, ExtendCb, ExtendDaysCb, NoteCb, OutcomeCb, OutcomeConfirmCb, RevealCb, get_router,
)
from storage import handling as H
from storage.models import Application, ApplicationEvent, AuditLog
from storage.personal import access_log, keyring, seal_applicant
from storage.staff import add_staff

ADMIN = 9000001
APPROVER = 555
HANDLER = 444
CITIZEN = 31337
APPLICANT_CHAT = 777


class MockSession(BaseSession):
    def __init__(self):
        super().__init__()
        self.requests: list = []
        self._ids = count(1000)

    async def make_request(self, bot, method, timeout=None):
        self.requests.append(method)
        if isinstance(method, SendMessage):
            return Message(message_id=next(self._ids), date=datetime.now(timezone.utc),
                           chat=Chat(id=method.chat_id, type="private"), text=method.text)
        return True

    async def stream_content(self, *args, **kwargs):  # pragma: no cover - not used
        yield b""

    async def close(self):
        pass

    def sent(self, chat_id=None) -> list[SendMessage]:
        return [m for m in self.requests if isinstance(m, SendMessage) and (chat_id is None or m.chat_id == chat_id)]

    def alerts(self) -> list[AnswerCallbackQuery]:
        return [m for m in self.requests if isinstance(m, AnswerCallbackQuery)]


class Chatter:
    def __init__(self, db, settings):
        self.session = MockSession()
        self.bot = Bot(token="42:TEST", session=self.session)
        self.dp = Dispatcher()
        self.dp.include_router(get_router())
        self.dp["db"] = db
        self.dp["settings"] = settings
        self.ids = count(1)

    def _user(self, uid):
        return User(id=uid, is_bot=False, first_name="u")

    async def say(self, uid: int, text: str):
        n = next(self.ids)
        msg = Message(message_id=n, date=datetime.now(timezone.utc), chat=Chat(id=uid, type="private"),
                      from_user=self._user(uid), text=text)
        await self.dp.feed_update(self.bot, Update(update_id=n, message=msg))

    async def press(self, uid: int, data: str):
        n = next(self.ids)
        msg = Message(message_id=n, date=datetime.now(timezone.utc), chat=Chat(id=uid, type="private"),
                      from_user=User(id=42, is_bot=True, first_name="bot"), text="card")
        cq = CallbackQuery(id=str(n), from_user=self._user(uid), chat_instance="ci", data=data, message=msg)
        await self.dp.feed_update(self.bot, Update(update_id=n, callback_query=cq))

    def last_text(self, uid) -> str:
        return self.session.sent(uid)[-1].text

    def buttons(self) -> list[str]:
        out = []
        for m in self.session.sent():
            if m.reply_markup is not None:
                out += [b.callback_data for row in m.reply_markup.inline_keyboard for b in row]
        return out


@pytest.fixture
def settings() -> Settings:
    return Settings(staff_ids=[ADMIN])


@pytest.fixture
def today(monkeypatch):
    holder = {"d": date(2026, 11, 23)}
    monkeypatch.setattr(H, "local_today", lambda settings=None, now=None: holder["d"])
    return holder


@pytest.fixture
async def app(db):
    await add_staff(db, APPROVER, "approver", name="李处长")
    await add_staff(db, HANDLER, "handler", name="王科员")
    personal = seal_applicant({"applicant_type": "natural_person", "name": "张三丰", "id_number": "110101199003071234",
                               "phone": "13800138000"}, keyring(db))
    row = Application(year=2026, seq=1, number="2026-0001", **personal, id_type="身份证",
                      description="2025年科研项目经费清单", receipt_date=date(2026, 11, 23),
                      chat_id=APPLICANT_CHAT, telegram_user_id=APPLICANT_CHAT)
    async with db.session() as s:
        s.add(row)
        await s.commit()
        await s.refresh(row)
    return row


async def audits(db, allowed=False) -> list[AuditLog]:
    async with db.session() as s:
        return list((await s.execute(select(AuditLog).where(AuditLog.allowed == allowed))).scalars().all())


async def reload(db, app) -> Application:
    async with db.session() as s:
        return await s.get(Application, app.id)


async def test_citizen_commands_refused_and_audited(db, settings, app, today):
    chat = Chatter(db, settings)
    await chat.say(CITIZEN, "/queue")
    await chat.say(CITIZEN, "/app 2026-0001")
    texts = [m.text for m in chat.session.sent(CITIZEN)]
    assert len(texts) == 2 and all("仅限" in t for t in texts)
    assert not any("110101199003071234" in t for t in texts)
    assert [a.actor for a in await audits(db)] == [f"tg:{CITIZEN}", f"tg:{CITIZEN}"]


@pytest.mark.parametrize("button", [
    lambda app_id: OutcomeConfirmCb(app=app_id, outcome="open").pack(),
    lambda app_id: CorrectionLapsedCb(app=app_id).pack(),
    lambda app_id: ConsultPartyCb(app=app_id, party="agency").pack(),
    lambda app_id: CardCb(app=app_id).pack(),
    lambda app_id: f"st:outok:{app_id}:open",  # the single-class format of earlier versions
])
async def test_forged_callback_from_citizen_changes_nothing(db, settings, app, today, button):
    chat = Chatter(db, settings)
    await chat.press(CITIZEN, button(app.id))
    alert = chat.session.alerts()[-1]
    assert alert.show_alert and "仅限" in alert.text
    assert chat.session.sent() == []  # not even the card
    fresh = await reload(db, app)
    assert fresh.status == "open" and fresh.outcome is None
    async with db.session() as s:
        assert (await s.execute(select(ApplicationEvent))).scalars().all() == []
    denied = await audits(db)
    assert len(denied) == 1 and denied[0].actor == f"tg:{CITIZEN}" and "button" in denied[0].action


async def test_malformed_staff_callback_refused(db, settings, app, today):
    chat = Chatter(db, settings)
    await chat.press(CITIZEN, "st:outok:notanumber")
    assert "仅限" in chat.session.alerts()[-1].text and len(await audits(db)) == 1


@pytest.mark.parametrize("data", [
    "st-outok:{id}:granted",  # no such outcome code
    "st-corp:{id}:0", "st-corp:{id}:36600", "st-extd:{id}:99",  # periods outside what the buttons offer
    "st-consp:{id}:court",  # no such consultation party
    "st-card:{id}:extra", "st-card:x", "st:card:{id}:",  # wrong shape, the old format
])
async def test_data_no_button_accepts_is_stale_for_staff_and_changes_nothing(db, settings, app, today, data):
    chat = Chatter(db, settings)
    await chat.press(APPROVER, data.format(id=app.id))
    alert = chat.session.alerts()[-1]
    assert alert.show_alert and alert.text == C.STALE_BUTTON
    assert chat.session.sent() == [] and (await reload(db, app)).status == "open"
    assert [a.action for a in await audits(db)] == ["button:malformed"]


async def test_every_staff_button_checks_the_role_it_declares(db, settings, app, today):
    """A citizen is refused by every button; a handler by the approver's buttons only."""
    from handlers.staff import BUTTONS

    for handler, button, role in BUTTONS:
        fields = {"app": app.id, "days": 5, "party": "agency", "outcome": "open"}
        data = button(**{k: v for k, v in fields.items() if k in button.model_fields}).pack()
        for user in (CITIZEN, HANDLER):
            chat = Chatter(db, settings)
            await chat.press(user, data)
            refused = [a for a in chat.session.alerts() if "仅限" in (a.text or "")]
            assert bool(refused) == (user == CITIZEN or role == "approver"), (button.__name__, user)


async def test_handler_cannot_extend(db, settings, app, today):
    chat = Chatter(db, settings)
    await chat.press(HANDLER, ExtendDaysCb(app=app.id, days=10).pack())
    assert "仅限" in chat.session.alerts()[-1].text
    await chat.say(HANDLER, "理由")  # no state was set: nothing happens
    assert (await reload(db, app)).reply_due is None
    assert len(await audits(db)) == 1


async def test_whole_life_in_chat(db, settings, app, today):
    chat = Chatter(db, settings)
    await chat.say(HANDLER, "/queue")
    assert "2026-0001" in chat.last_text(HANDLER) and "剩余 20 个工作日" in chat.last_text(HANDLER)
    await chat.say(HANDLER, "/app 2026-0001")
    card = chat.last_text(HANDLER)  # personal data masked …
    assert "1101**********1234" in card and "138****8000" in card and "张*丰" in card and "2026-12-21" in card
    assert "110101199003071234" not in card and "13800138000" not in card
    await chat.press(HANDLER, RevealCb(app=app.id).pack())  # … in full on request, in the access log
    card = chat.last_text(HANDLER)
    assert "110101199003071234" in card and "13800138000" in card and "张三丰" in card
    assert RevealCb(app=app.id).pack() not in chat.buttons()[-4:]  # the full card offers no second reveal
    [seen] = await access_log(db, application=app.id)
    assert (seen.actor, seen.action, seen.channel, seen.number) == (f"tg:{HANDLER}", "view", "chat", "2026-0001")

    # 补正: period, then what to supply; the applicant is told exactly that
    await chat.press(HANDLER, CorrectionCb(app=app.id).pack())
    await chat.press(HANDLER, CorrectionPeriodCb(app=app.id, days=15).pack())
    await chat.say(HANDLER, "请提供项目名称和年度")
    assert (await reload(db, app)).status == "correction"
    notice = chat.session.sent(APPLICANT_CHAT)[-1].text
    assert "请提供项目名称和年度" in notice and "2026-12-08" in notice

    today["d"] = date(2026, 11, 25)
    await chat.press(HANDLER, CorrectionReceivedCb(app=app.id).pack())
    fresh = await reload(db, app)
    assert fresh.status == "open" and fresh.reply_due == date(2026, 12, 23)

    # 征求意见 2 working days
    await chat.press(HANDLER, ConsultCb(app=app.id).pack())
    await chat.press(HANDLER, ConsultPartyCb(app=app.id, party="third_party").pack())
    assert (await reload(db, app)).status == "consultation"
    today["d"] = date(2026, 11, 27)
    await chat.press(HANDLER, ConsultEndCb(app=app.id).pack())
    fresh = await reload(db, app)
    assert fresh.status == "open" and fresh.reply_due == date(2026, 12, 25)

    # 延期 by the approver, with a reason; the applicant gets the new date
    await chat.press(APPROVER, ExtendCb(app=app.id).pack())
    await chat.press(APPROVER, ExtendDaysCb(app=app.id, days=5).pack())
    await chat.say(APPROVER, "涉及多个部门")
    fresh = await reload(db, app)
    assert fresh.reply_due > date(2026, 12, 25)  # 5 working days later (2027 may still be provisional)
    assert "涉及多个部门" in chat.session.sent(APPLICANT_CHAT)[-1].text
    # a second extension is refused with a clear message, nothing stored
    due_after_ext = fresh.reply_due
    await chat.press(APPROVER, ExtendDaysCb(app=app.id, days=5).pack())
    await chat.say(APPROVER, "再延一次")
    assert "一次" in chat.last_text(APPROVER) and (await reload(db, app)).reply_due == due_after_ext

    # 办结 with the outcome picker and a confirmation
    await chat.press(HANDLER, CloseCb(app=app.id).pack())
    assert OutcomeCb(app=app.id, outcome="partial").pack() in chat.buttons()
    await chat.press(HANDLER, OutcomeCb(app=app.id, outcome="partial").pack())
    assert (await reload(db, app)).status == "open"  # not before the confirmation
    today["d"] = date(2026, 12, 10)
    await chat.press(HANDLER, OutcomeConfirmCb(app=app.id, outcome="partial").pack())
    fresh = await reload(db, app)
    assert (fresh.status, fresh.outcome, fresh.closed_date) == ("closed", "partial", date(2026, 12, 10))
    assert "部分公开" in chat.session.sent(APPLICANT_CHAT)[-1].text

    async with db.session() as s:
        kinds = [e.kind for e in (await s.execute(select(ApplicationEvent).order_by(ApplicationEvent.id))).scalars()]
    assert kinds == ["correction_requested", "correction_received", "consultation", "consultation_ended",
                     "extension", "closed"]
    assert all(len(d.encode()) <= 64 for d in chat.buttons())
    await chat.say(HANDLER, "/queue")
    assert "没有未办结" in chat.last_text(HANDLER)


async def test_note_and_due(db, settings, app, today):
    chat = Chatter(db, settings)
    await chat.say(HANDLER, "/note 2026-0001 已电话联系申请人")
    assert chat.last_text(HANDLER) == "备注已记录。"
    async with db.session() as s:
        note = (await s.execute(select(ApplicationEvent))).scalars().one()
    assert (note.kind, note.reason, note.actor) == ("note", "已电话联系申请人", f"tg:{HANDLER}")
    await chat.say(HANDLER, "/due")
    assert "没有未办结" in chat.last_text(HANDLER)  # 20 working days left: not due soon
    today["d"] = date(2026, 12, 18)
    await chat.say(HANDLER, "/due")
    assert "2026-0001" in chat.last_text(HANDLER)
    await chat.press(HANDLER, NoteCb(app=app.id).pack())
    await chat.say(HANDLER, "申请人来电询问进度")
    assert chat.last_text(HANDLER) == "备注已记录。"
    async with db.session() as s:
        notes = [e.reason for e in (await s.execute(select(ApplicationEvent))).scalars()]
    assert notes == ["已电话联系申请人", "申请人来电询问进度"]
    await chat.press(CITIZEN, NoteCb(app=app.id).pack())
    assert "仅限" in chat.session.alerts()[-1].text


async def test_staff_router_in_the_real_dispatcher(db, settings, app, today):
    """Through bot.factory.create_dispatcher: staff commands reach this router, citizens are refused."""
    from bot.factory import create_dispatcher

    chat = Chatter(db, settings)
    chat.dp = create_dispatcher(db, None, settings)
    await chat.say(HANDLER, "/queue")
    assert "2026-0001" in chat.last_text(HANDLER)
    await chat.press(HANDLER, CorrectionCb(app=app.id).pack())
    await chat.press(HANDLER, CorrectionPeriodCb(app=app.id, days=10).pack())
    await chat.say(HANDLER, "请补充文件名称")
    assert (await reload(db, app)).status == "correction"
    await chat.say(CITIZEN, "/app 2026-0001")
    assert "仅限" in chat.last_text(CITIZEN)
