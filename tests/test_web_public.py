"""The public page over HTTP: questions through the chat's answer engine (logged as ``web``), the
online application with the chat form's rules and the art. 31 receipt, the status check with the
receipt's secret, CSRF tokens, rate limits, headers, and no personal data in URLs or logs."""

from __future__ import annotations

import logging
import re
import time

import pytest
from sqlmodel import select

from bot.qa import QAService, ingest_paths
from bot.texts import applications as TA
from bot.texts import questions as TQ
from bot.texts import web as T
from storage import handling as H
from storage.models import Application, QuestionLog
from storage.statistics import build_report
from storage.personal import _applicant, applicant_chat
from storage.web import WEB_KEY_PREFIX, receipt_secret, sign, signing_key
from tests.conftest import REPORTS_DIR
from tests.web_harness import HOME, PERSON_FORM, VALID_ID, file_application, open_client, text_of, web_settings

VALID_USCC = "91440300708461136T"
PERSON = PERSON_FORM


@pytest.fixture
async def public(db):
    await ingest_paths(db, [REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"])
    settings = web_settings(web_rate_limit_questions_per_minute=5, web_rate_limit_status_per_hour=4,
                            web_rate_limit_applications_per_day=3)
    qa = await QAService.load(db, settings.home_agency)
    web = await open_client(db, settings, qa)
    yield web, settings
    await web.client.close()


async def _apps(db) -> list[Application]:
    async with db.session() as s:
        return list((await s.execute(select(Application).order_by(Application.id))).scalars())


def _answer(page: str) -> str:
    found = re.search(r'id="answer">(.*?)</p>', page, re.S)
    return text_of(found.group(1)) if found else ""


# --- questions -------------------------------------------------------------------------------------------

async def test_a_question_is_answered_with_its_source_and_logged_as_web(public, db):
    web, _settings = public
    await web.get("/ask")
    await web.post("/ask", {"q": "青禾交通局23年网上申请的有多少件"})
    assert web.status == 200
    answer = _answer(web.page)
    assert "187" in answer and "青禾市交通运输局 2023年度报告" in answer
    await web.post("/ask", {"q": "青禾交通局2023年停车场收费标准是多少"})
    assert T.SUGGESTIONS_HEADING in web.page or _answer(web.page)  # an unanswered question offers what we have
    assert T.APPLY_ABOUT in web.page and 'name="prefill"' in web.page
    async with db.session() as s:
        rows = list((await s.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars())
    assert [(r.channel, r.user_id, r.answered) for r in rows] == [("web", None, True), ("web", None, False)]
    assert "187" not in web.response.url.query_string and "青禾" not in str(web.response.url)


async def test_questions_are_checked_like_in_chat(public, db):
    web, _settings = public
    await web.get("/ask")
    await web.post("/ask", {"q": "   "})
    assert _answer(web.page) == T.QUESTION_EMPTY
    await web.post("/ask", {"q": "问" * 501})
    assert _answer(web.page) == TQ.QUESTION_TOO_LONG.format(limit=500)
    await web.post("/ask", {"q": "asdf qwer zxcv"})
    assert _answer(web.page) == TQ.not_found("not_understood")
    async with db.session() as s:
        assert list((await s.execute(select(QuestionLog))).scalars()) == []  # nothing asked, nothing logged


async def test_the_embedded_question_page_may_be_framed_by_the_agency_site(db):
    settings = web_settings(web_embed_origins=["https://www.qinghe.gov.cn"])
    web = await open_client(db, settings, None)
    try:
        await web.get("/embed/ask")
        policy = web.response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self' https://www.qinghe.gov.cn" in policy and "X-Frame-Options" not in web.response.headers
        assert 'action="/embed/ask"' in web.page and 'class="top"' not in web.page
        await web.post("/embed/ask", {"q": "2023年收到多少件申请"})
        assert _answer(web.page) == TQ.SERVICE_UNAVAILABLE  # no QA service: said so, politely
        await web.get("/ask")
        assert "frame-ancestors 'none'" in web.response.headers["Content-Security-Policy"]
        assert web.response.headers["X-Frame-Options"] == "DENY"
        await web.get("/embed.js")
        assert web.response.content_type == "application/javascript" and '"http://127.0.0.1:8080/embed/ask"' in web.page
    finally:
        await web.client.close()


async def test_forms_need_a_fresh_token_from_this_site(public, db):
    web, _settings = public
    page = await web.get("/ask")
    await web.post("/ask", {"q": "2023年收到多少件申请"}, with_token=False)
    assert web.status == 403 and T.FORM_EXPIRED in web.page
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page) + "x")
    assert web.status == 403
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page), headers={"Origin": "https://evil.example"})
    assert web.status == 403
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page), headers={"Origin": "null"})
    assert web.status == 403
    key = await signing_key(db)
    stale = str(int(time.time()) - 13 * 3600)
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=f"{stale}.-.{sign(key, 'form', stale, '-')}")
    assert web.status == 403
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page), headers={"Origin": "http://127.0.0.1:8080"})
    assert web.status == 200


async def test_questions_are_rate_limited_per_client(public, db):
    web, settings = public
    page = await web.get("/ask")
    for _ in range(settings.web_rate_limit_questions_per_minute):
        await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page))
        assert web.status == 200
    await web.post("/ask", {"q": "2023年收到多少件申请"}, token=web.token(page))
    assert web.status == 429 and T.RATE_LIMITED_QUESTIONS.format(limit=5) in web.page


# --- applications ---------------------------------------------------------------------------------------

async def test_an_online_application_gets_the_receipt_with_number_due_date_and_secret(public, db):
    web, settings = public
    page = await web.get("/apply")
    token = web.token(page)
    await web.post("/apply", PERSON, token=token)
    assert web.status == 200 and T.RECEIPT_TITLE in web.page
    number = re.search(r'id="receipt-number">([^<]+)<', web.page).group(1)
    secret = re.search(r'id="receipt-secret"[^>]*>([^<]+)<', web.page).group(1)
    (app,) = await _apps(db)
    dl = await H.deadline_for(db, app, settings=settings)
    assert number == app.number and TA.fmt_date(dl.due) in web.page and TA.fmt_date(app.receipt_date) in web.page
    assert T.RECEIPT_CHANNEL_ONLINE in web.page
    assert app.channel == "online" and app.idempotency_key.startswith(WEB_KEY_PREFIX)
    plain = _applicant(db, app)  # stored sealed; opened with the key
    assert applicant_chat(db, app) is None and plain.name == "欧阳修文" and plain.id_number == VALID_ID
    assert secret == await receipt_secret(db, app) and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", secret)
    # the same form sent again (a reload, a double click): the same application and receipt
    await web.post("/apply", PERSON, token=token)
    assert T.RECEIPT_AGAIN in web.page and number in web.page and secret in web.page
    assert len(await _apps(db)) == 1
    # counted as 网络申请 in the statistics
    tables = await build_report(db, app.receipt_date.year, "2021", settings=settings)
    assert tables.extras["received_by_month_channel"]["online"][app.receipt_date.month - 1] == 1


async def test_the_form_has_the_chat_forms_rules_and_says_every_problem(public, db):
    web, _settings = public
    page = await web.get("/apply")
    await web.post("/apply", {**PERSON, "id_number": "110105194912310021", "phone": "", "delivery_channel": "post",
                              "confirm": ""}, token=web.token(page))
    assert web.status == 400
    text = text_of(web.page)
    assert TA.BAD_RESIDENT_ID in text  # the chat form's own words
    assert TA.REQUIRED.format(label=TA.FIELD_NAMES["phone"]) in text
    assert T.APPLY_CONFIRM_MISSING in text
    assert 'value="欧阳修文"' in web.page  # what was typed stays in the form
    await web.post("/apply", {**PERSON, "delivery_form": "paper", "delivery_channel": "post"}, token=web.token())
    assert web.status == 400 and TA.ASK_ADDRESS_REQUIRED in text_of(web.page)  # 邮寄 needs an address, as in chat
    await web.post("/apply", {**PERSON, "delivery_channel": "telegram"}, token=web.token())
    assert web.status == 400 and "获取信息的方式不正确" in web.page  # a web applicant has no chat with the bot
    org = {**PERSON, "applicant_type": "org_business", "name": "青禾物流有限公司", "org_code": "", "id_type": "",
           "id_number": ""}
    await web.post("/apply", org, token=web.token())
    assert web.status == 400 and TA.REQUIRED.format(label=TA.FIELD_NAMES["org_code"]) in text_of(web.page)
    assert await _apps(db) == []
    await web.post("/apply", {**org, "org_code": VALID_USCC}, token=web.token())
    (app,) = await _apps(db)
    assert web.status == 200 and app.applicant_type == "org_business" and app.org_code == VALID_USCC


async def test_applications_are_rate_limited_per_client(public, db):
    web, settings = public
    for _ in range(settings.web_rate_limit_applications_per_day):
        page = await web.get("/apply")
        await web.post("/apply", PERSON, token=web.token(page))
        assert web.status == 200
    page = await web.get("/apply")
    await web.post("/apply", PERSON, token=web.token(page))
    assert web.status == 429 and T.RATE_LIMITED_APPLICATIONS.format(limit=3) in web.page
    assert len(await _apps(db)) == 3


async def test_apply_about_an_unanswered_question_prefills_the_description(public, db):
    web, _settings = public
    page = await web.get("/ask")
    await web.post("/apply", {"prefill": "1", "about": "2019年公交补贴发放名单"}, token=web.token(page))
    assert web.status == 200 and ">2019年公交补贴发放名单</textarea>" in web.page
    assert await _apps(db) == []


# --- status --------------------------------------------------------------------------------------------

async def _file_online(web) -> tuple[str, str]:
    """Apply on the public page: (number, secret) from the receipt."""
    page = await web.get("/apply")
    await web.post("/apply", PERSON, token=web.token(page))
    number = re.search(r'id="receipt-number">([^<]+)<', web.page).group(1)
    return number, re.search(r'id="receipt-secret"[^>]*>([^<]+)<', web.page).group(1)


async def test_status_needs_the_number_and_the_receipts_secret(public, db):
    web, settings = public
    number, secret = await _file_online(web)
    chat_app = await file_application(db, settings, name="李白")  # filed offline: has no secret
    page = await web.get("/status")
    for number_, secret_ in ((number, ""), (number, "AAAA-BBBB-CCCC"), ("2099-0001", secret), (chat_app.number, secret)):
        await web.post("/status", {"number": number_, "secret": secret_}, token=web.token(page))
        assert web.status == 400 and T.ERR_STATUS_MISMATCH in web.page
    # four tries an hour in this test's settings: the fifth is refused even with the right secret
    await web.post("/status", {"number": number, "secret": secret}, token=web.token(page))
    assert web.status == 429 and T.RATE_LIMITED_STATUS.format(limit=settings.web_rate_limit_status_per_hour) in web.page


async def test_status_shows_the_state_the_due_date_and_the_history(public, db):
    web, settings = public
    number, secret = await _file_online(web)
    app = (await _apps(db))[0]
    await H.close(db, app, "partial", H.local_today(settings), "t", settings=settings)
    page = await web.get("/status")
    await web.post("/status", {"number": number, "secret": secret.lower().replace("-", "")}, token=web.token(page))
    assert web.status == 200
    text = text_of(web.page)
    assert "已办结" in text and "部分公开（区分处理）" in text and T.STATUS_PUBLIC_EVENTS["closed"] in text
    assert "欧阳修文" not in text and VALID_ID not in text  # the status page shows no personal data


async def test_no_personal_data_reaches_the_log(public, db, caplog):
    web, settings = public
    caplog.set_level(logging.DEBUG)
    page = await web.get("/apply")
    await web.post("/apply", PERSON, token=web.token(page))
    assert web.status == 200
    assert all(word not in web.response.url.human_repr() for word in ("欧阳", VALID_ID, "13912345678"))
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("aiosqlite", "sqlalchemy")))
    assert "POST /apply 200" in logged
    for word in ("欧阳修文", VALID_ID, "13912345678", "ouyang@example.com", "道路养护"):
        assert word not in logged, word


async def test_public_pages_render_for_a_phone_and_without_script(public, db):
    web, _settings = public
    for path in ("/", "/ask", "/apply", "/status"):
        page = await web.get(path)
        assert web.status == 200 and '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert '<html lang="zh-CN">' in page and 'href="#main"' in page
        for field in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{field}"' in page, (path, field)  # every field has its label
    assert HOME in page


async def test_a_report_loaded_by_another_process_is_answered(db):
    qa = await QAService.load(db, HOME)
    qa.REFRESH_EVERY = 0  # look at the knowledge base's version on every question
    web = await open_client(db, web_settings(), qa)
    try:
        page = await web.get("/ask")
        await web.post("/ask", {"q": "青禾交通局23年网上申请的有多少件"}, token=web.token(page))
        assert "187" not in _answer(web.page)
        await ingest_paths(db, [REPORTS_DIR / "qinghe-shi-jiaotongju-2023.txt"])  # e.g. `gongkai ingest`
        await web.post("/ask", {"q": "青禾交通局23年网上申请的有多少件"}, token=web.token(page))
        assert "187" in _answer(web.page) and qa.report_count == 1
    finally:
        await web.client.close()


@pytest.mark.parametrize("applicant_type", ["natural_person", "org_business"])
def test_the_chat_form_and_the_web_form_require_the_same_fields(applicant_type):
    from handlers.apply import OPTIONAL, next_step
    from storage.applications import online_required

    form, asked = {"applicant_type": applicant_type}, []
    while (step := next_step(form)[0]) != "confirm":
        asked.append(step)
        form[step] = "collect" if step == "delivery_channel" else "x"
    required = set(asked) - set(OPTIONAL) - {"name", "description"}
    assert required == set(online_required(applicant_type.startswith("org_")))
