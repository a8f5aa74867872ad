"""The staff desk over HTTP: one-time sign-in links, sessions in the database, role checks on the
server, CSRF, the queue and every handling action through the shared services."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.texts import web as T
from storage import handling as H
from storage.models import AuditLog, DeskLink, DeskSession
from storage.staff import remove_staff
from storage.web import WebError, find_session, issue_link, issue_staff_link, open_session, redeem_link
from tests.web_harness import (
    ADMIN, APPROVER, HANDLER, VALID_ID, WebClient, file_application, open_client, staff, text_of, web_settings,
)


@pytest.fixture
async def desk(db):
    settings = web_settings()
    await staff(db)
    client = await open_client(db, settings)
    yield client, settings
    await client.client.close()


async def _rows(db, model, *where):
    async with db.session() as s:
        return list((await s.execute(select(model).where(*where))).scalars())


# --- sign-in ------------------------------------------------------------------------------------------

async def test_a_link_signs_in_once_and_only_when_the_button_is_pressed(desk, db):
    web, settings = desk
    link = await issue_staff_link(db, settings, HANDLER, minutes=10, issued_by="tg:444")
    path = f"/desk/signin?t={link.token}"
    for _ in range(2):  # link previews and scanners fetch the link: a GET never uses it
        page = await web.get(path)
        assert web.status == 200 and 'id="signin"' in page
    await web.post("/desk/signin", {"t": link.token}, follow=False)
    assert web.response.status == 303 and web.response.headers["Location"] == "/desk"
    cookie = web.response.headers["Set-Cookie"]
    assert "gongkai_desk=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/desk" in cookie
    assert "Secure" not in cookie  # plain http here (see the https test)
    page = await web.get("/desk")
    assert web.status == 200 and T.QUEUE_TITLE in page and "王办理" in page

    second = WebClient(web.client)  # the same link again (another browser)
    await second.get(path)
    assert T.ERR_LINK_USED in second.page and 'id="signin"' not in second.page
    used = await _rows(db, DeskLink)
    assert len(used) == 1 and used[0].used_at is not None
    sessions = await _rows(db, DeskSession)
    assert [s.staff_id for s in sessions] == [HANDLER] and sessions[0].token_hash not in cookie


async def test_expired_forged_and_foreign_links_are_refused(desk, db):
    web, settings = desk
    old = await issue_link(db, HANDLER, minutes=10, issued_by="t", now=datetime.now(timezone.utc) - timedelta(hours=1))
    await web.get(f"/desk/signin?t={old.token}")
    assert web.status == 400 and T.ERR_LINK_EXPIRED in web.page
    stamp, nonce, sig = (await issue_link(db, HANDLER, minutes=10, issued_by="t")).token.split(".")
    for forged in (f"{int(stamp) + 3600}.{nonce}.{sig}", f"{stamp}.{nonce}.{'A' * len(sig)}", "nonsense", ""):
        with pytest.raises(WebError) as caught:
            await redeem_link(db, forged)
        assert caught.value.code == "link_invalid"
    with pytest.raises(WebError) as caught:  # a citizen gets no link
        await issue_staff_link(db, settings, 31337, minutes=10, issued_by="t")
    assert caught.value.code == "link_not_staff"
    # the POST of an expired link opens nothing
    await web.post("/desk/signin", {"t": old.token}, token=web.token(await web.get("/")))
    assert web.status == 400 and T.ERR_LINK_EXPIRED in web.page
    assert await _rows(db, DeskSession) == []
    refusals = await _rows(db, AuditLog, AuditLog.action == "web.signin", AuditLog.allowed.is_(False))
    assert [r.detail for r in refusals] == ["link_expired"]


async def test_sessions_expire_when_idle_or_old_and_end_at_sign_out(desk, db):
    web, settings = desk
    opened = await open_session(db, HANDLER, hours=12)
    now = datetime.now(timezone.utc)
    assert await find_session(db, opened.token, idle_minutes=60, now=now + timedelta(minutes=59)) is not None
    assert await find_session(db, opened.token, idle_minutes=60, now=now + timedelta(minutes=59 + 61)) is None
    assert await find_session(db, opened.token, idle_minutes=60) is None  # removed, not merely hidden
    long = await open_session(db, HANDLER, hours=1)
    for minutes in (30, 55):  # in use all the time, still ends after the absolute lifetime
        assert await find_session(db, long.token, idle_minutes=60, now=now + timedelta(minutes=minutes)) is not None
    assert await find_session(db, long.token, idle_minutes=60, now=now + timedelta(minutes=61)) is None

    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk")
    await web.post("/desk/signout", {}, token=web.token(page))
    assert T.SIGNED_OUT in web.page and web.status == 200
    await web.get("/desk")
    assert web.status == 401 and T.SIGNIN_HOW in web.page and await _rows(db, DeskSession) == []


async def test_a_session_works_in_another_process_and_ends_when_the_member_is_removed(desk, db):
    web, settings = desk
    await web.sign_in(db, settings, HANDLER)
    other = await open_client(db, settings)  # a second application: another process on the same database
    try:
        other.client.session.cookie_jar.update_cookies(
            {c.key: c.value for c in web.client.session.cookie_jar}, web.client.make_url("/desk"))
        await other.get("/desk")
        assert other.status == 200 and T.QUEUE_TITLE in other.page
        await remove_staff(db, HANDLER)
        await other.get("/desk")
        assert other.status == 403 and T.NOT_STAFF in other.page
        await web.get("/desk")
        assert web.status == 401  # the session was closed
    finally:
        await other.client.close()


# --- queue -------------------------------------------------------------------------------------------------

async def test_the_queue_orders_by_due_date_filters_searches_and_masks_names(desk, db):
    web, settings = desk
    today = H.local_today(settings)
    overdue = await file_application(db, settings, (today - timedelta(days=60)).isoformat(), name="欧阳修文",
                                     description="2025年桥梁检测报告")
    fresh = await file_application(db, settings, today.isoformat(), name="李白", description="公交线路调整论证材料")
    waiting = await file_application(db, settings, (today - timedelta(days=3)).isoformat(), name="杜甫",
                                     description="出租车运价调整听证记录")
    await H.request_correction(db, waiting, today, today + timedelta(days=15), what="请说明年份", actor="t",
                               settings=settings)
    await web.sign_in(db, settings, HANDLER)
    page = await web.get("/desk")
    numbers = re.findall(r'/desk/applications/(\d{4}-\d{4})"', page)
    assert numbers[:2] == [overdue.number, fresh.number] and waiting.number in numbers  # stopped clock last
    text = text_of(page)
    assert "欧*修文" not in text and "欧**文" in text and "李*" in text and "欧阳修文" not in page
    assert VALID_ID not in page and "13912345678" not in page
    assert "left-overdue" in page and "已逾期" in text and "left-paused" in page
    assert 'class="badge provisional"' not in page

    # a due date in a year whose holidays nobody has published yet is shown as provisional
    from datetime import date
    await H.set_custom_deadline(db, fresh, date(today.year + 4, 6, 1), "申请数量明显超过合理范围", actor="t",
                                settings=settings)
    await web.get("/desk?f=provisional")
    assert re.findall(r'/desk/applications/(\d{4}-\d{4})"', web.page) == [fresh.number]
    assert f'class="badge provisional" title="{T.PROVISIONAL_TITLE}">{T.PROVISIONAL}<' in web.page

    await web.get("/desk?f=overdue")
    assert re.findall(r'/desk/applications/(\d{4}-\d{4})"', web.page) == [overdue.number]
    await web.get("/desk?f=correction")
    assert re.findall(r'/desk/applications/(\d{4}-\d{4})"', web.page) == [waiting.number]
    await web.get("/desk?q=" + "公交")
    assert re.findall(r'/desk/applications/(\d{4}-\d{4})"', web.page) == [fresh.number]
    await web.get(f"/desk?q={overdue.number}")
    assert re.findall(r'/desk/applications/(\d{4}-\d{4})"', web.page) == [overdue.number]
    await web.get("/desk?f=consultation")
    assert T.QUEUE_EMPTY in web.page


# --- the application page and its actions ------------------------------------------------------------------

async def test_the_application_page_shows_the_full_card_the_deadline_and_the_history(desk, db):
    web, settings = desk
    app = await file_application(db, settings, name="欧阳修文")
    await web.sign_in(db, settings, HANDLER)
    page = await web.get(f"/desk/applications/{app.number}")
    text = text_of(page)
    assert web.status == 200 and "欧阳修文" in text and VALID_ID in text and "13912345678" in text
    assert "收到申请日：" in text and "答复期限：" in text and ("跳过的非工作日" in text)
    assert "收到申请" in text  # the received event
    assert page.count('<optgroup label="') == 6 and "（三）不予公开" in page  # grouped like Table 三
    assert 'value="other_no_correction"' not in page  # recorded by its own action
    await web.get("/desk/applications/2026-9999")
    assert web.status == 404 and "未找到申请" in web.page


async def _application_at_the_desk(desk, db):
    """A fresh application and its page, open at the desk of a handler: (web, settings, app, path, page)."""
    web, settings = desk
    app = await file_application(db, settings)
    await web.sign_in(db, settings, HANDLER)
    path = f"/desk/applications/{app.number}"
    return web, settings, app, path, await web.get(path)


async def test_actions_use_the_shared_services_with_their_audit_and_refusals(desk, db):
    web, settings, app, path, page = await _application_at_the_desk(desk, db)
    today = H.local_today(settings)
    assert "<fieldset disabled>" in page  # the handler sees the extension but cannot use it

    # a handler's forged extension is refused on the server and audited
    await web.post(f"{path}/extend", {"days": "10", "reason": "需要调取档案"}, token=web.token(page))
    assert web.status == 403 and "审批（延期）" in web.page
    denied = await _rows(db, AuditLog, AuditLog.allowed.is_(False))
    assert [d.action for d in denied] == [f"denied:web:extend:{app.number}"]
    assert [e.kind for e in await H.events_of(db, app.id)] == ["received"]

    # no CSRF token, or a post from another site: refused, nothing written
    await web.post(f"{path}/note", {"text": "x"}, with_token=False)
    assert web.status == 403 and T.FORM_EXPIRED in web.page
    await web.post(f"{path}/note", {"text": "x"}, token=web.token(page), headers={"Origin": "https://evil.example"})
    assert web.status == 403
    assert [e.kind for e in await H.events_of(db, app.id)] == ["received"]

    # a consultation, then its end: the same service, the same event rows
    await web.post(f"{path}/consult", {"party_kind": "third_party", "party": "某公司", "on": today.isoformat()},
                   token=web.token(page))
    assert web.status == 200 and T.DONE.format(what=T.ACTION_LABELS["consult"]) in web.page
    assert (await H.find_application(db, app.id)).status == "consultation"
    page = await web.get(path)
    await web.post(f"{path}/consult_end", {"on": "2001-01-01"}, token=web.token(page))
    assert web.status == 400 and "早于" in web.page  # the service's refusal, in place, in Chinese
    await web.post(f"{path}/consult_end", {"on": "not a date"}, token=web.token(page))
    assert web.status == 400 and T.BAD_DATE.format(value="not a date") in text_of(web.page)
    await web.post(f"{path}/consult_end", {"on": today.isoformat()}, token=web.token(page))
    assert web.status == 200 and (await H.find_application(db, app.id)).status == "open"

    # the approver extends: the event names the approver, the audit names the web actor
    approver = WebClient(web.client)
    approver.client.session.cookie_jar.clear()
    await approver.sign_in(db, settings, APPROVER)
    page = await approver.get(path)
    assert "<fieldset disabled>" not in page
    await approver.post(f"{path}/extend", {"days": "25", "reason": "需要调取档案"}, token=approver.token(page))
    assert approver.status == 400 and "延期不得超过 20 个工作日" in approver.page
    before = (await H.deadline_for(db, app.id, settings=settings)).due
    await approver.post(f"{path}/extend", {"days": "10", "reason": "需要调取档案"}, token=approver.token(page))
    assert approver.status == 200 and T.DONE.format(what=T.ACTION_LABELS["extend"]) in approver.page
    assert T.DONE_NOT_NOTIFIED in approver.page  # filed by letter: the applicant is told in writing
    after = (await H.deadline_for(db, app.id, settings=settings)).due
    assert after > before
    extension = [e for e in await H.events_of(db, app.id) if e.kind == "extension"][0]
    assert extension.actor == f"web:tg:{APPROVER}" and extension.data["approver_id"] == APPROVER
    audit = await _rows(db, AuditLog, AuditLog.action == "application.extension")
    assert [a.actor for a in audit] == [f"web:tg:{APPROVER}"]

    # closing needs the confirmation box; the outcome must be a known code
    page = await approver.get(path)
    await approver.post(f"{path}/close", {"outcome": "partial", "on": today.isoformat()}, token=approver.token(page))
    assert approver.status == 400 and T.CLOSE_NOT_CONFIRMED in approver.page
    await approver.post(f"{path}/close", {"outcome": "bogus", "confirm": "yes"}, token=approver.token(page))
    assert approver.status == 400 and "未知的办理结果代码" in approver.page
    await approver.post(f"{path}/close", {"outcome": "partial", "confirm": "yes"}, token=approver.token(page))
    closed = await H.find_application(db, app.id)
    assert closed.status == "closed" and closed.outcome == "partial" and closed.closed_date == today
    assert T.APP_NO_ACTIONS in approver.page
    await approver.post(f"{path}/note", {"text": "已电话告知"}, token=approver.token())
    assert [e.reason for e in await H.events_of(db, app.id) if e.kind == "note"] == ["已电话告知"]
    await approver.post(f"{path}/fee_paid", {}, token=approver.token())
    assert approver.status == 400 and "已办结" in approver.page


async def test_correction_and_fee_actions(desk, db):
    web, settings, app, path, page = await _application_at_the_desk(desk, db)
    today = H.local_today(settings)
    await web.post(f"{path}/correction", {"what": "请写明年份", "period_end": (today + timedelta(days=15)).isoformat()},
                   token=web.token(page))
    assert (await H.find_application(db, app.id)).status == "correction"
    assert "告知补正" in text_of(web.page) and "请写明年份" in text_of(web.page)
    await web.post(f"{path}/correction_lapsed", {}, token=web.token())
    assert web.status == 400 and "尚未届满" in web.page
    await web.post(f"{path}/correction_received", {}, token=web.token())
    assert (await H.find_application(db, app.id)).status == "open"
    await web.post(f"{path}/fee_notice", {"amount": "-3"}, token=web.token())
    assert web.status == 400 and "收费金额不正确" in web.page
    await web.post(f"{path}/fee_notice", {"amount": "120.50", "basis": "按件计收"}, token=web.token())
    assert (await H.find_application(db, app.id)).status == "fee"
    await web.post(f"{path}/fee_paid", {}, token=web.token())
    assert (await H.find_application(db, app.id)).status == "open"
    page = await web.get(path)
    await web.post(f"{path}/custom_deadline", {"new_due": (today + timedelta(days=90)).isoformat(), "reason": ""},
                   token=web.token(page))
    assert web.status == 400 and "须填写理由" in web.page
    kinds = [e.kind for e in await H.events_of(db, app.id)]
    assert kinds == ["received", "correction_requested", "correction_received", "fee_notice", "fee_paid"]
    await web.post(f"{path}/no_such_action", {}, token=web.token(page))
    assert web.status == 404


async def test_pages_need_a_staff_session(desk, db):
    web, _settings = desk
    for path in ("/desk", "/desk/applications/2026-0001", "/desk/report", "/desk/knowledge", "/desk/calendar",
                 "/desk/report/2026/xlsx"):
        await web.get(path)
        assert web.status == 401 and T.SIGNIN_HOW in web.page, path
    await web.post("/desk/applications/2026-0001/note", {"text": "x", "_csrf": "x"}, with_token=False)
    assert web.status == 401


async def test_desk_pages_send_the_security_headers(desk, db):
    web, settings = desk
    await web.sign_in(db, settings, ADMIN)
    await web.get("/desk")
    headers = web.response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"


async def test_cookies_are_secure_behind_tls_and_pages_live_under_the_public_path(db):
    settings = web_settings(web_url="https://gongkai.example.gov.cn/qinghe")
    await staff(db)
    web = await open_client(db, settings)
    try:
        link = await issue_staff_link(db, settings, HANDLER, minutes=10, issued_by="t")
        page = await web.get(f"/desk/signin?t={link.token}")
        assert 'action="/qinghe/desk/signin"' in page and 'href="/qinghe/static/site.css"' in page
        await web.post("/desk/signin", {"t": link.token}, follow=False)
        cookie = web.response.headers["Set-Cookie"]
        assert "Secure" in cookie and "Path=/qinghe/desk" in cookie
        assert web.response.headers["Location"] == "/qinghe/desk"
        assert "max-age" in web.response.headers.get("Strict-Transport-Security", "")
    finally:
        await web.client.close()
