"""A citizen talking to the real dispatcher through the in-process Bot API (for the handler tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram import Bot

from bot.factory import create_bot, create_dispatcher
from bot.local_session import LocalSession, SentMessage, UpdateFactory
from bot.settings import Settings
from knowledge.types import Answer, Source, Suggestion
from storage.liveness import LocalLiveness

VALID_ID = "11010519491231002X"
VALID_USCC = "91440300708461136T"
SOURCE = Source(title="济宁市科学技术局2018年政府信息公开工作年度报告", agency="济宁市科学技术局", year=2018,
                section="二、主动公开政府信息情况")


def opened(db, app):
    """A copy of the stored application with its personal fields opened (the tests read back what
    was stored; the services show them only through storage.personal)."""
    from storage.personal import _account, _applicant

    data = _applicant(db, app)
    user, chat = _account(db, None, app)
    return app.model_copy(update={"name": data.name or "", "id_number": data.id_number, "phone": data.phone,
                                  "email": data.email, "address": data.address, "telegram_user_id": user,
                                  "chat_id": chat})


@dataclass
class FakeQA:
    """Answers questions containing '2018' confidently, everything else with suggestions."""

    logged: list[tuple[str, str, int | None]] = field(default_factory=list)
    long_answer: bool = False

    def answer(self, text: str) -> Answer:
        if "2018" in text or text.startswith("建议"):
            body = "2018年共主动公开政府信息123条。" * (400 if self.long_answer else 1)
            return Answer(text, body, SOURCE, 92.0)
        return Answer(text, None, None, 12.0, [
            Suggestion("建议：2018年主动公开政府信息数量" + "很长" * 40, SOURCE),
            Suggestion("建议：2018年收到政府信息公开申请数量", SOURCE),
            Suggestion("建议：2018年行政复议情况", SOURCE),
            Suggestion("建议：第四条不应出现", SOURCE),
        ])

    async def log(self, db, answer: Answer, *, channel: str, user_id: int | None = None) -> None:
        self.logged.append((answer.question, channel, user_id))


class Chat:
    def __init__(self, db, *, qa=None, settings: Settings | None = None, session: LocalSession | None = None,
                 updates: UpdateFactory | None = None) -> None:
        """A bot process talking to citizens. On SQLite each Chat is a process of its own (its own
        liveness owner, as after a restart); on PostgreSQL the Chats of one ``Database`` share it."""
        self.db = db
        self.qa = qa if qa is not None else FakeQA()
        self.settings = settings or Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST")
        self.updates = updates or UpdateFactory()
        # one message numbering for the citizen's and the bot's messages, as in a Telegram chat
        self.session = session or LocalSession(ids=self.updates.message_ids)
        self.bot: Bot = create_bot(self.settings, session=self.session)
        self.dp = create_dispatcher(db, self.qa, self.settings, liveness=LocalLiveness() if db.is_sqlite else None)

    def restarted(self) -> "Chat":
        """A new process: new dispatcher, new session, same database (update ids keep counting)."""
        return Chat(self.db, qa=self.qa, settings=self.settings, updates=self.updates)

    async def feed(self, update) -> list[SentMessage]:
        before = len(self.session.sent)
        await self.dp.feed_update(self.bot, update)
        return self.session.sent[before:]

    async def say(self, text: str, user: int = 7) -> list[SentMessage]:
        return await self.feed(self.updates.text(user, text))

    def last_with_buttons(self, user: int = 7) -> SentMessage:
        for msg in reversed(self.session.sent):
            if msg.chat_id == user and msg.buttons():
                return msg
        raise AssertionError("no message with buttons")

    async def press(self, label: str, user: int = 7) -> list[SentMessage]:
        msg = self.last_with_buttons(user)
        for text, data in msg.buttons():
            if text == label:
                return await self.feed(self.updates.press(user, data, msg))
        raise AssertionError(f"no button {label!r} in {msg.buttons()}")

    async def press_data(self, data: str, user: int = 7) -> list[SentMessage]:
        """A button press with arbitrary (possibly forged) data, on the user's latest keyboard."""
        keyboards = [m for m in self.session.sent if m.chat_id == user and m.buttons()]
        return await self.feed(self.updates.press(user, data, keyboards[-1] if keyboards else None))

    def texts(self, user: int | None = None) -> list[str]:
        return [m.text for m in self.session.sent if user is None or m.chat_id == user]

    def last(self, user: int = 7) -> str:
        return self.texts(user)[-1]

    def alerts(self) -> list[str]:
        return [p.get("text", "") for name, p in self.session.requests if name == "answerCallbackQuery"]


async def fill_person_form(chat: Chat, user: int = 7, *, stop_before: str | None = None) -> None:
    """Walk the natural-person form up to the summary (or until ``stop_before`` is being asked)."""
    steps = [
        ("applicant_type", lambda: chat.press("自然人", user)),
        ("name", lambda: chat.say("张三", user)),
        ("id_type", lambda: chat.press("居民身份证", user)),
        ("id_number", lambda: chat.say(VALID_ID, user)),
        ("phone", lambda: chat.say("13812345678", user)),
        ("email", lambda: chat.press("跳过", user)),
        ("address", lambda: chat.press("跳过", user)),
        ("description", lambda: chat.say("2018年度科技项目立项名单及资金安排", user)),
        ("doc_number", lambda: chat.press("跳过", user)),
        ("delivery_form", lambda: chat.press("电子", user)),
        ("delivery_channel", lambda: chat.press("通过本机器人", user)),
    ]
    await chat.say("/apply", user)
    for name, action in steps:
        if name == stop_before:
            return
        await action()
