"""Command menus: everyone sees the public commands; staff also see theirs, in their own chat."""

from __future__ import annotations

from bot.factory import create_bot
from bot.local_session import LocalSession
from bot.runner import bot_commands, register_commands, staff_bot_commands
from bot.settings import Settings
from storage.staff import add_staff
from tests.bot_harness import Chat


async def test_public_menu_and_staff_menus(db):
    await add_staff(db, 501, "handler", actor="test")
    settings = Settings(bot_token="4242:TEST", staff_ids=[900])
    session = LocalSession()
    await register_commands(create_bot(settings, session=session), db, settings)
    calls = [params for name, params in session.requests if name == "setMyCommands"]
    public = [c for c in calls if "scope" not in c or c["scope"].get("type") == "default"]
    scoped = {c["scope"]["chat_id"]: c for c in calls if c.get("scope", {}).get("type") == "chat"}
    assert [c["command"] for c in public[0]["commands"]] == ["start", "help", "ask", "apply", "my", "mydata", "cancel"]
    assert set(scoped) == {501, 900}
    staff_menu = {c["command"] for c in scoped[501]["commands"]}
    assert {"queue", "due", "app", "note", "report", "stats"} <= staff_menu


class BlockedStaffSession(LocalSession):
    """setMyCommands for staff member 501's chat fails (they never started the bot)."""

    def _result(self, bot, name, params):
        if name == "setMyCommands" and params.get("scope", {}).get("chat_id") == 501:
            raise RuntimeError("chat not found")
        return super()._result(bot, name, params)


async def test_a_failing_staff_menu_does_not_stop_the_others(db):
    await add_staff(db, 501, "handler", actor="test")
    await add_staff(db, 502, "handler", actor="test")
    settings = Settings(bot_token="4242:TEST")
    session = BlockedStaffSession()
    await register_commands(create_bot(settings, session=session), db, settings)
    scoped = [p["scope"]["chat_id"] for name, p in session.requests
              if name == "setMyCommands" and p.get("scope", {}).get("type") == "chat"]
    assert scoped == [501, 502]


async def test_public_menu_failure_is_not_fatal(db):
    settings = Settings(bot_token="4242:TEST", staff_ids=[900])
    session = LocalSession()
    session.fail("setMyCommands", 400, "Bad Request: method not supported")
    await register_commands(create_bot(settings, session=session), db, settings)  # no exception


async def test_every_menu_command_is_answered(db):
    await add_staff(db, 501, "handler", actor="test")
    chat = Chat(db)
    for command in staff_bot_commands():
        replies = await chat.say(f"/{command.command}", 501)
        assert replies, command.command
        assert "未识别的命令" not in replies[-1].text, command.command
    assert len(bot_commands()) == 7
