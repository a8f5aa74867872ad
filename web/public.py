"""The public page: ask a question (the chat's answer engine, logged with channel ``web``), file an
application online (the chat form's rules: ``ApplicationDraft.build_online``; channel ``online``, the
art. 31 receipt with its number, due date and a secret), and check an application's status with the
number and that secret — never the number alone.

Every form works without JavaScript, carries a signed token (CSRF) and is rate-limited per client
address. Nothing typed here reaches a URL or the log.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.qa import MAX_QUESTION_CHARS
from bot.texts import applications as TA
from bot.texts import questions as TQ
from bot.texts import staff as TS
from bot.texts import web as T
from bot.texts.errors import error_text
from disclosure.choices import CHANNELS_FOR_FORM, DELIVERY_CHANNELS, DELIVERY_FORMS, ID_TYPES, ORG_ID_TYPE
from disclosure.outcomes import OUTCOMES
from knowledge.conversation import Intent, classify
from storage.applications import (
    MAX_DESCRIPTION, ApplicationDraft, DraftError, FieldError, create_application, current_deadline,
)
from storage.handling import events_of
from storage.web import WEB_KEY_PREFIX, WebError, application_for_status, receipt_secret
from web.core import (
    CSRF_FIELD, EMBED_PREFIX, check_form_token, error_page, form_token, new_form_id, over_limit, render, web_of,
)

log = logging.getLogger(__name__)

WEB_CHANNELS = tuple(c for c in DELIVERY_CHANNELS if c != "telegram")  # a web applicant has no chat with the bot
FORM_FIELDS = ("applicant_type", "name", "org_code", "id_type", "id_number", "phone", "email", "address",
               "description", "doc_number", "delivery_form", "delivery_channel")


def _limit(kind: str, settings) -> tuple[int, float, str]:
    return {
        "ask": (settings.web_rate_limit_questions_per_minute, 60.0, T.RATE_LIMITED_QUESTIONS),
        "apply": (settings.web_rate_limit_applications_per_day, 86400.0, T.RATE_LIMITED_APPLICATIONS),
        "status": (settings.web_rate_limit_status_per_hour, 3600.0, T.RATE_LIMITED_STATUS),
    }[kind]


async def _guard(request: web.Request, kind: str) -> tuple[web.Response | None, object]:
    """(refusal page, form): the POST's token checked, then the client's rate for ``kind`` counted."""
    form = await request.post()
    form_id = await check_form_token(request, form.get(CSRF_FIELD))
    if form_id is None:
        return error_page(request, 403, T.FORM_EXPIRED), form
    limit, window, text = _limit(kind, web_of(request).settings)
    if await over_limit(request, kind, limit, window):
        return error_page(request, 429, text.format(limit=limit)), form
    return None, form


async def home(request: web.Request) -> web.Response:
    return render(request, "public_home.html", token=await form_token(request))


# --- questions -------------------------------------------------------------------------------------

INTENT_TEXTS = {
    Intent.GREETING: T.ASK_HINT,
    Intent.THANKS: TQ.THANKS_REPLY,
    Intent.HELP: T.ASK_HINT,
    Intent.NOT_UNDERSTOOD: TQ.not_found("not_understood"),
}


async def ask(request: web.Request) -> web.Response:
    embed = request.path.endswith(EMBED_PREFIX + "/ask")
    template = "embed_ask.html" if embed else "public_ask.html"
    context = {"embed": embed, "question": "", "reply": None, "suggestions": [], "answered": False, "apply_link": False}
    if request.method == "POST":
        refused, form = await _guard(request, "ask")
        if refused is not None:
            return refused
        question = str(form.get("q", "")).strip()
        context.update(await _answer(request, question))
    return render(request, template, token=await form_token(request), **context)


async def _answer(request: web.Request, question: str) -> dict:
    w = web_of(request)
    out = {"question": question[:MAX_QUESTION_CHARS], "reply": None, "suggestions": [], "answered": False,
           "apply_link": False}
    if not question:
        out["reply"] = T.QUESTION_EMPTY
        return out
    if len(question) > MAX_QUESTION_CHARS:
        out["reply"] = TQ.QUESTION_TOO_LONG.format(limit=MAX_QUESTION_CHARS)
        return out
    intent = classify(question)
    if intent in (Intent.HOW_TO_APPLY, Intent.MY_APPLICATION):
        out["apply_link"] = True
        out["reply"] = T.HOME_INTRO
        return out
    if intent is not Intent.QUESTION:
        out["reply"] = INTENT_TEXTS.get(intent, T.ASK_HINT)
        return out
    if w.qa is None:
        out["reply"] = TQ.SERVICE_UNAVAILABLE
        return out
    if hasattr(w.qa, "refresh"):
        await w.qa.refresh(w.db)  # a report uploaded in another process
    answer = w.qa.answer(question)
    try:
        await w.qa.log(w.db, answer, channel="web")
    except SQLAlchemyError as exc:  # the visitor still gets the answer
        log.error("question log write failed (web): %s", type(exc).__name__)
    if answer.answer is not None:
        out["reply"], _ = TQ.render_answer(answer)
        out["answered"] = True
    else:
        out["reply"] = TQ.not_found(answer.note, answer.resolution)
        out["suggestions"] = [s.text for s in answer.suggestions[:3] if s.text]
        out["apply_link"] = True
    return out


EMBED_SCRIPT = """(function () {
  var script = document.currentScript;
  var frame = document.createElement("iframe");
  frame.src = %s;
  frame.title = %s;
  frame.style.width = "100%%";
  frame.style.minHeight = "420px";
  frame.style.border = "0";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script);
})();
"""


async def embed_script(request: web.Request) -> web.Response:
    """``<script src=".../embed.js"></script>`` puts the question page into the agency's own page."""
    w = web_of(request)
    base = w.settings.web_url or f"{request.scheme}://{request.host}{w.base}"
    body = EMBED_SCRIPT % (json.dumps(f"{base}{EMBED_PREFIX}/ask"), json.dumps(T.ASK_TITLE, ensure_ascii=False))
    return web.Response(text=body, content_type="application/javascript", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})


# --- the application form ------------------------------------------------------------------------------

def _options() -> dict:
    return {
        "org_kinds": TA.ORG_KINDS, "id_types": ID_TYPES, "delivery_forms": DELIVERY_FORMS,
        "delivery_channels": {c: DELIVERY_CHANNELS[c] for c in WEB_CHANNELS},
        "channels_for_form": {f: [c for c in cs if c in WEB_CHANNELS] for f, cs in CHANNELS_FOR_FORM.items()},
        "max_description": MAX_DESCRIPTION,
    }


async def _form_page(request: web.Request, values: dict, errors: dict[str, str], *, status: int = 200,
                     form_id: str | None = None) -> web.Response:
    token = await form_token(request, form_id or new_form_id())
    return render(request, "public_apply.html", status=status, token=token, values=values, errors=errors,
                  **_options())


async def apply_form(request: web.Request) -> web.Response:
    return await _form_page(request, {}, {})


def _draft_fields(values: dict) -> dict:
    org = values.get("applicant_type", "").startswith("org_")
    return {
        "applicant_type": values.get("applicant_type", ""),
        "name": values.get("name", ""),
        "org_code": values.get("org_code") if org else None,
        "id_type": ORG_ID_TYPE if org else values.get("id_type"),
        "id_number": None if org else values.get("id_number"),
        "phone": values.get("phone"),
        "email": values.get("email"),
        "address": values.get("address"),
        "description": values.get("description", ""),
        "doc_number": values.get("doc_number"),
        "delivery_form": values.get("delivery_form"),
        "delivery_channel": values.get("delivery_channel"),
        "submitted_at": datetime.now(timezone.utc),
    }


async def apply_submit(request: web.Request) -> web.Response:
    w = web_of(request)
    form = await request.post()
    values = {name: str(form.get(name, "") or "").strip()[:MAX_DESCRIPTION + 10] for name in FORM_FIELDS}
    form_id = await check_form_token(request, form.get(CSRF_FIELD))
    if form_id is None:
        return error_page(request, 403, T.FORM_EXPIRED)
    if form.get("prefill"):  # "apply for this information" from an unanswered question
        return await _form_page(request, {"description": str(form.get("about", ""))[:MAX_DESCRIPTION]}, {})
    errors: dict[str, str] = {}
    try:
        draft = ApplicationDraft.build_online(**_draft_fields(values))
    except DraftError as exc:
        for name, error in exc.errors:
            errors.setdefault(name, error_text(error))
        draft = None
    if values["delivery_channel"] and values["delivery_channel"] not in WEB_CHANNELS:
        errors["delivery_channel"] = error_text(FieldError("delivery_channel", known=tuple(
            DELIVERY_CHANNELS[c] for c in WEB_CHANNELS)))
    if form.get("confirm") != "yes":
        errors["confirm"] = T.APPLY_CONFIRM_MISSING
    if errors or draft is None:
        return await _form_page(request, values, errors, status=400, form_id=form_id)
    limit, window, text = _limit("apply", w.settings)
    if await over_limit(request, "apply", limit, window):
        return error_page(request, 429, text.format(limit=limit))
    try:
        created = await create_application(w.db, draft, idempotency_key=f"{WEB_KEY_PREFIX}{form_id}",
                                           received_at=datetime.now(timezone.utc), channel="online",
                                           settings=w.settings)
    except DraftError as exc:
        return await _form_page(request, values, {"description": error_text(exc)}, status=400, form_id=form_id)
    app = created.application
    log.info("application %s received on the web", app.number)
    deadline = await current_deadline(w.db, app, settings=w.settings)
    return render(request, "public_receipt.html", app=app, again=not created.created,
                  secret=await receipt_secret(w.db, app), receipt_date=TA.fmt_date(app.receipt_date),
                  due=TA.fmt_date(deadline.due), provisional=deadline.provisional and deadline.due is not None)


# --- status ---------------------------------------------------------------------------------------------

async def status_form(request: web.Request) -> web.Response:
    return render(request, "public_status.html", token=await form_token(request), number="", error=None, app=None)


async def status_check(request: web.Request) -> web.Response:
    w = web_of(request)
    refused, form = await _guard(request, "status")
    if refused is not None:
        return refused
    number = str(form.get("number", "")).strip()[:20]
    token = await form_token(request)
    try:
        app = await application_for_status(w.db, number, str(form.get("secret", ""))[:40])
    except WebError as exc:
        return render(request, "public_status.html", status=400, token=token, number=number, error=error_text(exc),
                      app=None)
    deadline = await current_deadline(w.db, app, settings=w.settings)
    history = [(e.on_date or e.created_at.date(), T.STATUS_PUBLIC_EVENTS[e.kind]) for e in await events_of(w.db, app.id)
               if e.kind in T.STATUS_PUBLIC_EVENTS]
    return render(request, "public_status.html", token=token, number=number, error=None, app=app,
                  state=TS.STATUS_LABELS.get(app.status, app.status), history=history,
                  received=TA.fmt_date(app.receipt_date), due=TA.fmt_date(deadline.due),
                  provisional=deadline.provisional and deadline.due is not None,
                  outcome=OUTCOMES[app.outcome].label if app.outcome in OUTCOMES else None,
                  closed=TA.fmt_date(app.closed_date) if app.closed_date else None)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", home),
        web.get("/ask", ask),
        web.post("/ask", ask),
        web.get(EMBED_PREFIX + "/ask", ask),
        web.post(EMBED_PREFIX + "/ask", ask),
        web.get("/embed.js", embed_script),
        web.get("/apply", apply_form),
        web.post("/apply", apply_submit),
        web.get("/status", status_form),
        web.post("/status", status_check),
    ]
