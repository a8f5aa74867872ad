"""Sign-in links to the web desk from the chat (``/desk``, dispatcher level) and the server
(``gongkai staff link ID``), and that such a link opens the desk exactly once."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest

from tests.conftest import keys_for_tests
from aiogram.types import Chat, Message, Update
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.texts import common as C
from bot.texts import staff as TS
from bot.texts import web as T
from storage.models import AuditLog, DeskLink
from storage.web import redeem_link
from tests.test_handlers_staff import Chatter
from tests.web_harness import ADMIN, APPROVER, open_client, staff, web_settings


class Staffer(Chatter):
    """The staff router with a mocked Bot API; ``say`` returns the messages sent in reply."""

    async def say(self, uid: int, text: str, chat_id: int | None = None) -> list:
        n = next(self.ids)
        chat = Chat(id=chat_id or uid, type="private" if (chat_id or uid) > 0 else "group")
        msg = Message(message_id=n, date=datetime.now(timezone.utc), chat=chat, from_user=self._user(uid), text=text)
        before = len(self.session.sent())
        await self.dp.feed_update(self.bot, Update(update_id=n, message=msg))
        return self.session.sent()[before:]


async def test_desk_in_chat_sends_a_one_time_link_to_staff_only(db):
    settings = web_settings(web_url="https://gongkai.example.gov.cn")
    await staff(db)
    chat = Staffer(db, settings)
    (reply,) = await chat.say(APPROVER, "/desk")
    url = re.search(r"https://gongkai\.example\.gov\.cn/desk/signin\?t=(\S+)", reply.text)
    assert url and T.DESK_LINK.split("（")[0] in reply.text
    assert reply.link_preview_options is not None and reply.link_preview_options.is_disabled
    assert await redeem_link(db, unquote(url.group(1))) == APPROVER
    async with db.session() as s:
        audit = list((await s.execute(select(AuditLog).where(AuditLog.action == "web.link"))).scalars())
    assert [a.actor for a in audit] == [f"tg:{APPROVER}"]

    (refused,) = await chat.say(31337, "/desk")  # a citizen
    assert refused.text == C.NOT_STAFF
    (group,) = await chat.say(APPROVER, "/desk", chat_id=-100123)  # a credential is never sent to a group
    assert group.text == TS.CARD_PRIVATE_ONLY_DESK
    async with db.session() as s:
        assert len(list((await s.execute(select(DeskLink))).scalars())) == 1


async def test_desk_in_chat_without_a_configured_address(db):
    settings = web_settings(web_url=None)
    await staff(db)
    (reply,) = await Staffer(db, settings).say(ADMIN, "/desk")
    assert reply.text == T.DESK_NOT_CONFIGURED


def test_staff_link_on_the_server_prints_a_link_that_signs_in_once(db_url, monkeypatch):
    import asyncio

    from storage.db import open_database
    from storage.staff import add_staff

    monkeypatch.setenv("GONGKAI_WEB_URL", "https://gongkai.example.gov.cn/qinghe")

    async def prepare():
        database = await open_database(db_url, keys=keys_for_tests())
        await add_staff(database, 777, "handler", name="赵办理")
        await database.dispose()

    asyncio.run(prepare())
    runner = CliRunner()
    result = runner.invoke(app, ["staff", "link", "777"])
    assert result.exit_code == 0, result.output
    token = re.search(r"^https://gongkai\.example\.gov\.cn/qinghe/desk/signin\?t=(\S+)$", result.stdout, re.M)
    assert token and "10 分钟内有效" in result.stdout

    async def use_twice():
        database = await open_database(db_url, keys=keys_for_tests())
        try:
            assert await redeem_link(database, unquote(token.group(1))) == 777
            with pytest.raises(Exception) as second:
                await redeem_link(database, unquote(token.group(1)))
            return second.value.code
        finally:
            await database.dispose()

    assert asyncio.run(use_twice()) == "link_used"
    result = runner.invoke(app, ["staff", "link", "31337"])
    assert result.exit_code == 1 and result.stderr.strip() == "错误：" + T.ERR_LINK_NOT_STAFF.format(id="31*37")


async def test_a_link_from_the_chat_opens_the_desk_in_the_browser(db):
    settings = web_settings()
    await staff(db)
    (reply,) = await Staffer(db, settings).say(APPROVER, "/desk")
    path = reply.text.split("8080", 1)[1].split()[0]
    web = await open_client(db, settings)
    try:
        await web.get(path)
        token = re.search(r'name="t" value="([^"]+)"', web.page).group(1)
        await web.post("/desk/signin", {"t": token})
        assert web.status == 200 and T.QUEUE_TITLE in web.page and "李审批" in web.page
    finally:
        await web.client.close()
