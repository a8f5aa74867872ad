"""An update claimed by a process that died before finishing it is handled again, not lost;
a finished update is never handled twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.settings import Settings
from storage.batching import UpdateClaims
from storage.models import ProcessedUpdate
from tests.bot_harness import Chat

BOT_ID = 4242  # the id in the harness token "4242:TEST"


async def _claim_and_die(db, update_id: int, *, age: timedelta = timedelta(0)) -> None:
    """What a process killed mid-update leaves behind: a claim that is never marked done."""
    dead = UpdateClaims(db)
    assert await dead.claim(update_id, BOT_ID, datetime.now(timezone.utc) - age)
    await dead.drain()


async def _row(db, update_id: int) -> ProcessedUpdate:
    async with db.session() as s:
        return (await s.execute(select(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))).scalar_one()


async def test_polling_restart_handles_an_update_the_dead_process_left_unfinished(db):
    chat = Chat(db)
    update = chat.updates.text(7, "2018年主动公开了多少条", update_id=501)
    await _claim_and_die(db, 501)
    replies = await chat.feed(update)
    assert replies and "123条" in replies[0].text
    assert (await _row(db, 501)).done is True
    # delivered once more (e.g. polling offset not yet confirmed): finished, so dropped
    assert await chat.restarted().feed(update) == []


async def test_duplicate_within_one_process_is_still_dropped(db):
    chat = Chat(db)
    update = chat.updates.text(7, "2018年主动公开了多少条", update_id=502)
    assert await chat.feed(update)
    assert await chat.feed(update) == []


async def test_webhook_processes_wait_for_the_lease_before_taking_over(db):
    settings = Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST",
                        webhook_url="https://bot.example/hook", update_takeover_seconds=120)
    chat = Chat(db, settings=settings)
    fresh = chat.updates.text(7, "2018年主动公开了多少条", update_id=601)
    await _claim_and_die(db, 601)
    assert await chat.feed(fresh) == []  # another process may still be working on it

    stale = chat.updates.text(7, "2018年主动公开了多少条", update_id=602)
    await _claim_and_die(db, 602, age=timedelta(seconds=121))
    replies = await chat.feed(stale)
    assert replies and "123条" in replies[0].text
