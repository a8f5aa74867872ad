"""The web pages on the scale-out path: served by the webhook's own application, and by several
processes on one PostgreSQL database and one Redis (sessions, single-use links, rate limits)."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.factory import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.texts import web as T
from bot.webhook import build_app
from storage.web import issue_staff_link
from tests.bot_harness import FakeQA
from tests.services import pg_db, pg_url, redis_prefix, redis_url  # noqa: F401 - fixtures
from tests.web_harness import APPROVER, HANDLER, PERSON_FORM, WebClient, open_client, staff, web_settings

SECRET = "s3cret-Token_for-tests"


async def test_the_webhook_application_serves_the_pages_too(db):
    settings = web_settings(bot_token="4242:TEST", webhook_secret=SECRET, webhook_url="https://bot.example.gov.cn")
    await staff(db)
    session = LocalSession()
    dp = create_dispatcher(db, FakeQA(), settings)
    client = TestClient(TestServer(build_app(dp, create_bot(settings, session=session), db, settings)))
    await client.start_server()
    try:
        web = WebClient(client)
        await web.get("/ask")
        assert web.status == 200 and T.ASK_TITLE in web.page
        await web.post("/ask", {"q": "2018年主动公开了多少条信息"})
        assert "2018年共主动公开政府信息123条" in web.page  # the dispatcher's QA service answers the web too
        assert dp["qa"].logged == [("2018年主动公开了多少条信息", "web", None)]
        await web.sign_in(db, settings, HANDLER)
        assert web.status == 200 and T.QUEUE_TITLE in web.page
        response = await client.post(settings.webhook_path, json={"update_id": 1}, headers={})
        assert response.status == 401  # the webhook still wants its secret …
        assert "Content-Security-Policy" not in response.headers  # … and the pages' middleware leaves it alone
        health = await client.get("/healthz")
        assert health.status == 200 and (await health.json())["database"] == "ok"
    finally:
        await client.close()


@pytest.mark.services
async def test_several_processes_share_sessions_links_and_limits(pg_db, redis_url):  # noqa: F811
    settings = web_settings(web_rate_limit_questions_per_minute=2)
    assert settings.redis_url  # the shared counter
    await staff(pg_db)
    one, two = await open_client(pg_db, settings), await open_client(pg_db, settings)
    try:
        # a link used in one process is used up in the other; the session opened there works here
        link = await issue_staff_link(pg_db, settings, APPROVER, minutes=10, issued_by="t")
        await one.get(f"/desk/signin?t={link.token}")
        await one.post("/desk/signin", {"t": link.token})
        assert one.status == 200 and T.QUEUE_TITLE in one.page
        await two.get(f"/desk/signin?t={link.token}")
        assert T.ERR_LINK_USED in two.page
        two.client.session.cookie_jar.update_cookies(
            {c.key: c.value for c in one.client.session.cookie_jar}, two.client.make_url("/desk"))
        await two.get("/desk")
        assert two.status == 200 and "李审批" in two.page

        # an application filed through one process is in the other's queue
        page = await one.get("/apply")
        await one.post("/apply", PERSON_FORM, token=one.token(page))
        number = re.search(r'id="receipt-number">([^<]+)<', one.page).group(1)
        await two.get("/desk")
        assert f"/desk/applications/{number}" in two.page

        # the question limit counts both processes (Redis)
        for web in (one, two):
            page = await web.get("/ask")
            await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page))
            assert web.status == 200
        page = await one.get("/ask")
        await one.post("/ask", {"q": "2023年收到多少件申请"}, token=one.token(page))
        assert one.status == 429
    finally:
        await one.client.close()
        await two.client.close()
