"""An update claimed by a process that died before finishing it is handled again, not lost; a
finished update is never handled twice; a repeat of an update a live process is still handling
waits for it and has no second effect.

SQLite (one process): another instance's owner cannot be judged, so polling takes it over at once
and webhook mode after the lease. PostgreSQL: owners are judged by their advisory lock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.settings import Settings
from storage.batching import UpdateClaims, UpdateInProgress
from storage.liveness import LocalLiveness, PgLiveness
from storage.models import ProcessedUpdate
from tests.bot_harness import Chat
from tests.services import pg_db, pg_url  # noqa: F401 - fixtures

BOT_ID = 4242  # the id in the harness token "4242:TEST"
QUESTION = "2018年主动公开了多少条"


async def _claim_and_die(db, update_id: int, *, age: timedelta = timedelta(0)) -> None:
    """What a process killed mid-update leaves behind: a claim that is never marked done."""
    dead = UpdateClaims(db, liveness=LocalLiveness())  # another process, whose liveness nobody can see
    assert await dead.claim(update_id, BOT_ID, datetime.now(timezone.utc) - age)
    await dead.drain()


async def _row(db, update_id: int) -> ProcessedUpdate:
    async with db.session() as s:
        return (await s.execute(select(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id))).scalar_one()


def _webhook_settings(**kw) -> Settings:
    return Settings(home_agency="济宁市科学技术局", bot_token="4242:TEST", webhook_url="https://bot.example/hook",
                    update_takeover_seconds=120, **kw)


async def test_polling_restart_handles_an_update_the_dead_process_left_unfinished(db):
    chat = Chat(db)
    update = chat.updates.text(7, QUESTION, update_id=501)
    await _claim_and_die(db, 501)
    replies = await chat.feed(update)
    assert replies and "123条" in replies[0].text
    assert (await _row(db, 501)).done is True
    # delivered once more (e.g. polling offset not yet confirmed): finished, so dropped
    assert await chat.restarted().feed(update) == []


async def test_duplicate_within_one_process_is_still_dropped(db):
    chat = Chat(db)
    update = chat.updates.text(7, QUESTION, update_id=502)
    assert await chat.feed(update)
    assert await chat.feed(update) == []


async def test_sqlite_webhook_keeps_the_lease_for_owners_it_cannot_judge(db):
    chat = Chat(db, settings=_webhook_settings())
    fresh = chat.updates.text(7, QUESTION, update_id=601)
    await _claim_and_die(db, 601)
    assert await chat.feed(fresh) == []  # another process may still be working on it

    stale = chat.updates.text(7, QUESTION, update_id=602)
    await _claim_and_die(db, 602, age=timedelta(seconds=121))
    replies = await chat.feed(stale)
    assert replies and "123条" in replies[0].text


async def test_a_handler_stopped_by_the_process_stopping_leaves_the_claim_open(db):
    chat = Chat(db)

    class Stopping(BaseException):  # what cancellation at shutdown looks like to the middleware
        pass

    def stop_mid_handler(*_args, **_kwargs):
        raise Stopping

    chat.qa.answer = stop_mid_handler  # type: ignore[method-assign]
    with pytest.raises(Stopping):
        await chat.feed(chat.updates.text(7, QUESTION, update_id=701))
    assert (await _row(db, 701)).done is False


# --- PostgreSQL: owners judged by their advisory lock -------------------------------------------

@pytest.mark.services
async def test_liveness_tells_live_dead_and_unknown_owners(pg_db):  # noqa: F811
    me, other = PgLiveness(pg_db), PgLiveness(pg_db)
    try:
        await me.start()
        await other.start()
        assert me.owner != other.owner
        assert await me.alive(me.owner) is True
        assert await me.alive(other.owner) is True
        await other.close()  # the process is gone: its session, and so its lock, with it
        assert await me.alive(other.owner) is False
        assert await me.alive("0123456789abcdef0123456789abcdef") is None  # a SQLite-style owner
        assert await me.alive("pg:not-a-number") is None
    finally:
        await me.close()
        await other.close()


@pytest.mark.services
async def test_webhook_takes_over_a_dead_owners_claim_at_once(pg_db):  # noqa: F811
    chat = Chat(pg_db, settings=_webhook_settings())
    dead = PgLiveness(pg_db)
    claims = UpdateClaims(pg_db, liveness=dead)
    assert await claims.claim(801, BOT_ID, datetime.now(timezone.utc))
    await claims.drain()
    await dead.close()  # kill -9: PostgreSQL ends the session and releases the lock
    replies = await chat.feed(chat.updates.text(7, QUESTION, update_id=801))  # no lease to wait for
    assert replies and "123条" in replies[0].text
    row = await _row(pg_db, 801)
    assert row.done is True and row.owner == pg_db.liveness.owner


@pytest.mark.services
async def test_concurrent_retries_of_a_dead_owners_claim_one_wins(pg_db):  # noqa: F811
    dead = PgLiveness(pg_db)
    first = UpdateClaims(pg_db, liveness=dead)
    assert await first.claim(802, BOT_ID, datetime.now(timezone.utc))
    await first.drain()
    await dead.close()
    survivors = [PgLiveness(pg_db) for _ in range(4)]
    try:
        results = await asyncio.gather(*(UpdateClaims(pg_db, liveness=lv, live_wait=1.0).claim(
            802, BOT_ID, datetime.now(timezone.utc)) for lv in survivors), return_exceptions=True)
        # one takes it over; the others then meet a live owner that never finishes here
        assert results.count(True) == 1
        assert all(isinstance(r, UpdateInProgress) for r in results if r is not True), results
    finally:
        for lv in survivors:
            await lv.close()


@pytest.mark.services
async def test_repeat_of_a_live_claim_waits_for_it_and_has_no_second_effect(pg_db):  # noqa: F811
    live = PgLiveness(pg_db)
    owner = UpdateClaims(pg_db, liveness=live)
    try:
        assert await owner.claim(803, BOT_ID, datetime.now(timezone.utc))
        await owner.drain()
        repeat = UpdateClaims(pg_db)  # another process
        waiting = asyncio.create_task(repeat.claim(803, BOT_ID, datetime.now(timezone.utc)))
        await asyncio.sleep(0.5)
        assert not waiting.done()  # the owner is alive: neither dropped nor taken over yet
        await owner.done(803, BOT_ID)
        assert await asyncio.wait_for(waiting, 5) is False  # finished by its owner: dropped

        assert await owner.claim(804, BOT_ID, datetime.now(timezone.utc))
        impatient = UpdateClaims(pg_db, live_wait=0.3)
        with pytest.raises(UpdateInProgress):  # the webhook answers 503: Telegram delivers it later
            await impatient.claim(804, BOT_ID, datetime.now(timezone.utc))

        waiting = asyncio.create_task(repeat.claim(804, BOT_ID, datetime.now(timezone.utc)))
        await asyncio.sleep(0.3)
        await live.close()  # the owner dies while the repeat waits: taken over
        assert await asyncio.wait_for(waiting, 5) is True
    finally:
        await live.close()


@pytest.mark.services
async def test_a_failed_liveness_check_never_drops_a_repeat(pg_db):  # noqa: F811
    """If PostgreSQL cannot answer whether the owner lives, the repeat waits and then asks for a
    later delivery (503) — it is not dropped, which would lose it if the owner were dead."""
    dead = PgLiveness(pg_db)
    first = UpdateClaims(pg_db, liveness=dead)
    assert await first.claim(805, BOT_ID, datetime.now(timezone.utc))
    await first.drain()
    await dead.close()
    repeat = UpdateClaims(pg_db, live_wait=0.3)

    async def cannot_tell(owner: str):
        return None

    repeat.liveness.alive = cannot_tell  # type: ignore[method-assign]
    try:
        with pytest.raises(UpdateInProgress):
            await repeat.claim(805, BOT_ID, datetime.now(timezone.utc))
    finally:
        del repeat.liveness.alive
    assert await repeat.claim(805, BOT_ID, datetime.now(timezone.utc)) is True  # answered again: taken over
