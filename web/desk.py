"""The staff desk (办理台): sign-in with a one-time link, the queue and the application page.

Every page and action checks the signed-in member's role on the server, from the staff table, on
every request (``desk_page``); a refusal is audited by ``storage.staff.require_role``. Every action
calls the same ``storage.handling`` service as the chat and ``gongkai applications …``, with the same
validation, audit entries and applicant notices. The annual report, knowledge and calendar pages are
in ``web/office.py``.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.texts import calendar as TC
from bot.texts import staff as TS
from bot.texts import web as T
from bot.texts.errors import error_text
from disclosure.choices import CONSULTATION_PARTIES, DELIVERY_CHANNELS, DELIVERY_FORMS, ID_TYPES
from disclosure.deadlines import Deadline
from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES
from disclosure.tables import outcome_groups
from disclosure.validation import parse_date_text
from storage import handling as H
from storage.calendar import load_calendar
from storage.models import Application, ApplicationEvent, DeskSession, StaffMember
from storage.personal import masked_applicant, reveal_application
from storage.staff import PermissionDenied, audit, effective_roles, get_staff, has_role, mask_name, require_role
from storage.web import WebError, close_session, find_session, link_state, open_session, redeem_link
from web.core import (
    CSRF, CSRF_FIELD, FLASH, FORM, SESSION_COOKIE, STAFF, check_form_token, cookie_args, error_page, form_token, redirect, render,
    same_site, set_flash, take_flash, web_of,
)

log = logging.getLogger(__name__)

OUTCOME_LABELS = {code: o.label for code, o in OUTCOMES.items()}
SOON = 5  # working days: "due soon" in the queue, amber in the days-left colour
SUBJECT_CHARS = 40


# --- who is signed in ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Staff:
    member: StaffMember
    session: DeskSession

    @property
    def id(self) -> int:
        return self.member.telegram_id

    @property
    def actor(self) -> str:
        return f"web:tg:{self.member.telegram_id}"

    @property
    def roles(self) -> frozenset[str]:
        return effective_roles(self.member)

    def can(self, role: str) -> bool:
        return has_role(self.member, role)

    @property
    def label(self) -> str:
        roles = T.LIST_SEP.join(T.ROLE_LABELS[r] for r in ("handler", "approver", "admin") if r in self.roles)
        return T.SIGNED_IN_AS.format(name=self.member.name or mask_name(str(self.member.telegram_id)), roles=roles)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def desk_page(role: str = "handler", *, action: str = "page", form: bool = True) -> Callable[[Handler], Handler]:
    """A desk page or action: a live session of a staff member holding ``role`` (checked on the server
    on every request, refusals audited); a POST must carry the session's CSRF token (``form=False``:
    the handler reads a multipart body and checks the token itself with :func:`check_csrf`)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            w = web_of(request)
            session = await find_session(w.db, request.cookies.get(SESSION_COOKIE),
                                         idle_minutes=w.settings.web_session_idle_minutes)
            if session is None:
                message = T.SESSION_ENDED if request.cookies.get(SESSION_COOKIE) else None
                response = render(request, "desk_signin.html", status=401, message=message, token=None)
                response.del_cookie(SESSION_COOKIE, path=w.url("/desk"))
                return response
            request[CSRF] = session.csrf
            try:
                member = await require_role(w.db, w.settings, session.staff_id, role, action=f"web:{action}")
            except PermissionDenied:
                member = await get_staff(w.db, w.settings, session.staff_id)
                if not has_role(member, "handler"):  # no longer staff: the session ends here
                    await close_session(w.db, request.cookies.get(SESSION_COOKIE))
                    return error_page(request, 403, T.NOT_STAFF)
                request[STAFF] = Staff(member, session)
                return error_page(request, 403, T.FORBIDDEN.format(role=T.ROLE_LABELS[role]))
            request[STAFF] = Staff(member, session)
            if request.method == "POST" and form:
                request[FORM] = await request.post()
                if not check_csrf(request, request[FORM].get(CSRF_FIELD)):
                    return error_page(request, 403, T.FORM_EXPIRED)
            return await handler(request)
        return inner
    return wrap


def check_csrf(request: web.Request, token: object) -> bool:
    session: DeskSession | None = request[STAFF].session if request.get(STAFF) else None
    return (session is not None and isinstance(token, str) and same_site(request)
            and hmac.compare_digest(token, session.csrf))


async def with_flash(request: web.Request, build: Callable[[], web.Response | Awaitable[web.Response]]
                     ) -> web.Response:
    """Render a GET page, showing (and clearing) the message the last POST left."""
    carrier = web.Response()
    request[FLASH] = await take_flash(request, carrier)
    response = build()
    if inspect.isawaitable(response):
        response = await response
    for name, morsel in carrier.cookies.items():
        response.cookies[name] = morsel
    return response


async def done(request: web.Request, path: str, kind: str, lines: list[str]) -> web.HTTPSeeOther:
    """The redirect after a POST (so a reload does not repeat it), with a message for the next page;
    the handler raises it."""
    response = redirect(request, path)
    await set_flash(request, response, kind, lines)
    return response


# --- sign-in and sign-out ----------------------------------------------------------------------------

async def signin_page(request: web.Request) -> web.Response:
    """GET /desk/signin?t=…: shows a button; the link is used only when it is pressed (link previews
    and virus scanners fetch links: a GET never signs anyone in)."""
    w = web_of(request)
    token = request.query.get("t", "")
    if not token:
        if await find_session(w.db, request.cookies.get(SESSION_COOKIE),
                              idle_minutes=w.settings.web_session_idle_minutes) is not None:
            raise redirect(request, "/desk")
        return await with_flash(request, lambda: render(request, "desk_signin.html", message=None, token=None))
    try:
        expires = await link_state(w.db, token)
    except WebError as exc:
        return render(request, "desk_signin.html", status=400, message=error_text(exc), token=None)
    local = expires.astimezone(_tz(w)).strftime("%Y-%m-%d %H:%M")
    return render(request, "desk_signin.html", message=T.SIGNIN_READY.format(expires=local), token=token,
                  form_token=await form_token(request))


async def signin(request: web.Request) -> web.StreamResponse:
    """POST /desk/signin: use the link once, open a session in the database (valid in every process)."""
    w = web_of(request)
    form = await request.post()
    if await check_form_token(request, form.get(CSRF_FIELD)) is None:
        return error_page(request, 403, T.FORM_EXPIRED)
    try:
        staff_id = await redeem_link(w.db, str(form.get("t", "")))
    except WebError as exc:
        await audit(w.db, "web", "web.signin", allowed=False, detail=exc.code)
        return render(request, "desk_signin.html", status=400, message=error_text(exc), token=None)
    member = await get_staff(w.db, w.settings, staff_id)
    if not has_role(member, "handler"):
        await audit(w.db, f"web:tg:{staff_id}", "web.signin", allowed=False, detail="not staff")
        return error_page(request, 403, T.NOT_STAFF)
    opened = await open_session(w.db, staff_id, hours=w.settings.web_session_hours)
    await audit(w.db, f"web:tg:{staff_id}", "web.signin")
    response = redirect(request, "/desk")
    response.set_cookie(SESSION_COOKIE, opened.token, max_age=int(w.settings.web_session_hours * 3600),
                        **cookie_args(request, "/desk"))
    raise response


@desk_page(action="signout")
async def signout(request: web.Request) -> web.StreamResponse:
    w = web_of(request)
    await close_session(w.db, request.cookies.get(SESSION_COOKIE))
    await audit(w.db, request[STAFF].actor, "web.signout")
    response = await done(request, "/desk/signin", "info", [T.SIGNED_OUT])
    response.del_cookie(SESSION_COOKIE, path=w.url("/desk"))
    raise response


def _tz(w) -> ZoneInfo:
    return ZoneInfo(w.settings.timezone)


# --- the queue ---------------------------------------------------------------------------------------

def left_class(days_left: int | None, status: str) -> str:
    """The colour of "days left": grey while the clock stands, red overdue or due today, amber soon."""
    if days_left is None or status in ("correction", "fee"):
        return "paused"
    if days_left <= 0:
        return "overdue" if days_left < 0 else "today"
    return "soon" if days_left <= SOON else "ok"


FILTERS: dict[str, Callable[[H.QueueItem], bool]] = {
    "overdue": lambda i: i.days_left is not None and i.days_left < 0,
    "due_soon": lambda i: i.days_left is not None and 0 <= i.days_left <= SOON,
    "correction": lambda i: i.application.status == "correction",
    "consultation": lambda i: i.application.status == "consultation" or i.deadline.consultation_open,
    "extended": lambda i: i.deadline.extended_days > 0,
    "fee": lambda i: i.application.status == "fee",
    "provisional": lambda i: i.deadline.provisional,
}


def _subject(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_CHARS else text[:SUBJECT_CHARS - 1] + "…"


@desk_page(action="queue")
async def queue(request: web.Request) -> web.Response:
    w = web_of(request)
    chosen = request.query.get("f", "")
    chosen = chosen if chosen in FILTERS else ""
    search = request.query.get("q", "").strip()[:100]
    items = await H.open_queue(w.db, H.local_today(w.settings), settings=w.settings)
    if chosen:
        items = [i for i in items if FILTERS[chosen](i)]
    if search:
        needle = search.lower()
        items = [i for i in items if needle in i.application.number.lower() or needle in i.application.description.lower()]
    rows = [{
        "number": i.application.number,
        "status": TS.STATUS_LABELS.get(i.application.status, i.application.status),
        "received": i.application.receipt_date,
        "due": i.deadline.due,
        "left": TS.left_label(i.days_left),
        "left_class": left_class(i.days_left, i.application.status),
        "provisional": i.deadline.provisional and i.deadline.due is not None,
        "applicant": masked_applicant(w.db, i.application).name,  # lists never show personal data in full
        "subject": _subject(i.application.description),
        "channel": CHANNELS.get(i.application.channel, i.application.channel),
    } for i in items]
    return await with_flash(request, lambda: render(request, "desk_queue.html", rows=rows, chosen=chosen,
                                                    search=search, filters=T.QUEUE_FILTERS))


# --- the application page ------------------------------------------------------------------------------

@dataclass
class Card:
    application: Application
    deadline: Deadline
    events: list[ApplicationEvent]
    days_left: int | None
    fields: list[tuple[str, str]]  # (label, value): the full card, personal data included


def _v(value: object) -> str:
    return T.NONE if value in (None, "") else str(value)


async def application_card(w, ref: str | int, *, actor: str) -> Card:
    """The full card of one application — the ONE place the desk reads an applicant's personal data,
    through the audited full view (who, when, which application: the access log). HandlingError
    ("not_found") when absent."""
    revealed = await reveal_application(w.db, ref, actor=actor, channel="web")
    app, person = revealed.application, revealed.applicant
    calendar = await load_calendar(w.db)
    dl = await H.deadline_for(w.db, app, calendar=calendar, settings=w.settings)
    events = await H.events_of(w.db, app.id)
    left = H.working_days_left(calendar, H.local_today(w.settings), dl.due) if dl.due else None
    org = app.applicant_type.startswith("org_")
    fields = [
        (T.CARD_FIELDS["status"], TS.STATUS_LABELS.get(app.status, app.status)),
        (T.CARD_FIELDS["applicant_type"], APPLICANT_TYPES.get(app.applicant_type, app.applicant_type)),
        (T.CARD_FIELDS["name"], _v(person.name)),
        (T.CARD_FIELDS["org_code"], _v(app.org_code)) if org else
        (T.CARD_FIELDS["id"], f"{ID_TYPES.get(app.id_type or '', _v(app.id_type))} {_v(person.id_number)}"),
        (T.CARD_FIELDS["phone"], _v(person.phone)),
        (T.CARD_FIELDS["email"], _v(person.email)),
        (T.CARD_FIELDS["address"], _v(person.address)),
        (T.CARD_FIELDS["channel"], CHANNELS.get(app.channel, app.channel)),
        (T.CARD_FIELDS["receipt_date"], str(app.receipt_date)),
        (T.CARD_FIELDS["description"], app.description),
        (T.CARD_FIELDS["doc_number"], _v(app.doc_number)),
        (T.CARD_FIELDS["delivery"], f"{DELIVERY_FORMS.get(app.delivery_form or '', _v(app.delivery_form))} / "
                                    f"{DELIVERY_CHANNELS.get(app.delivery_channel or '', _v(app.delivery_channel))}"),
    ]
    if app.outcome:
        fields.append((T.CARD_FIELDS["outcome"], T.WITH_DATE.format(what=OUTCOME_LABELS.get(app.outcome, app.outcome),
                                                                    date=_v(app.closed_date))))
    return Card(app, dl, events, left, fields)


ACTIONS_BY_STATUS = {
    "open": ("correction", "consult", "extend", "custom_deadline", "fee_notice", "close", "note"),
    "correction": ("correction_received", "correction_lapsed", "close", "note"),
    "consultation": ("consult_end", "extend", "custom_deadline", "close", "note"),
    "fee": ("fee_paid", "close", "note"),
    "closed": ("note",),
}


def _outcome_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The outcomes grouped as Table 三 groups them; 逾期不补正 is recorded by its own action."""
    return [(label, [(code, OUTCOME_LABELS[code]) for code in codes if code != H.LAPSED_OUTCOME])
            for label, codes in outcome_groups("2021")]


async def _application_page(request: web.Request, number: str, *, status: int = 200,
                            failed: str | None = None, error: str | None = None,
                            values: dict | None = None) -> web.Response:
    w = web_of(request)
    try:
        card = await application_card(w, number, actor=request[STAFF].actor)
    except H.HandlingError as exc:
        return error_page(request, 404, error_text(exc))
    app = card.application
    history = [TS.event_line(e.kind, e.on_date, e.end_date, e.days, e.reason, e.data, e.actor, OUTCOME_LABELS)
               .removeprefix("· ") for e in card.events]
    return render(
        request, "desk_application.html", status=status, card=card, app=app, history=history,
        deadline_lines=TC.deadline_lines(card.deadline), left=TS.left_label(card.days_left),
        left_class=left_class(card.days_left, app.status), actions=ACTIONS_BY_STATUS.get(app.status, ("note",)),
        outcomes=_outcome_choices(), parties=CONSULTATION_PARTIES, failed=failed, error=error, values=values or {},
        today=H.local_today(w.settings).isoformat(), ext_cap=card.deadline.extension_cap,
        approver=request[STAFF].can("approver"),
    )


@desk_page(action="application")
async def application_page(request: web.Request) -> web.Response:
    return await with_flash(request, lambda: _application_page(request, request.match_info["number"]))


class BadInput(Exception):
    """A form value that is not even of the right shape (a date that is not a date …)."""


def _date(form, name: str, *, default_today: date | None = None) -> date | None:
    raw = str(form.get(name, "") or "").strip()
    if not raw:
        return default_today
    try:
        return parse_date_text(raw)
    except (ValueError, AttributeError):
        raise BadInput(T.BAD_DATE.format(value=raw[:20])) from None


def _text(form, name: str, limit: int = 2000) -> str:
    return str(form.get(name, "") or "").strip()[:limit]


Action = Callable[[Any, Any, Application, Staff, date], Awaitable[H.HandlingResult | ApplicationEvent]]


async def _correction(w, form, app, staff, today):
    period_end = _date(form, "period_end")
    if period_end is None:
        raise BadInput(T.BAD_DATE.format(value=T.FIELD_PERIOD_END))
    return await H.request_correction(w.db, app, _date(form, "on", default_today=today), period_end,
                                      what=_text(form, "what"), actor=staff.actor, notifier=w.notifier,
                                      settings=w.settings)


async def _correction_received(w, form, app, staff, today):
    return await H.receive_correction(w.db, app, _date(form, "on", default_today=today), actor=staff.actor,
                                      notifier=w.notifier, settings=w.settings)


async def _correction_lapsed(w, form, app, staff, today):
    return await H.correction_lapsed(w.db, app, _date(form, "on", default_today=today), actor=staff.actor,
                                     notifier=w.notifier, settings=w.settings)


async def _consult(w, form, app, staff, today):
    return await H.start_consultation(w.db, app, _text(form, "party_kind", 40), _date(form, "on", default_today=today),
                                      party=_text(form, "party", 200) or None, actor=staff.actor,
                                      settings=w.settings)


async def _consult_end(w, form, app, staff, today):
    return await H.end_consultation(w.db, app, _date(form, "on", default_today=today),
                                    reason=_text(form, "reason") or None, actor=staff.actor, settings=w.settings)


async def _extend(w, form, app, staff, today):
    raw = _text(form, "days", 4)
    if not raw.isdigit():
        raise BadInput(T.BAD_DAYS)
    return await H.extend(w.db, app, int(raw), staff.member, _text(form, "reason"),
                          _date(form, "on", default_today=today), actor=staff.actor, notifier=w.notifier,
                          settings=w.settings)


async def _custom_deadline(w, form, app, staff, today):
    new_due = _date(form, "new_due")
    if new_due is None:
        raise BadInput(T.BAD_DATE.format(value=T.FIELD_NEW_DUE))
    return await H.set_custom_deadline(w.db, app, new_due, _text(form, "reason"),
                                       on=_date(form, "on", default_today=today), actor=staff.actor,
                                       notifier=w.notifier, settings=w.settings)


async def _fee_notice(w, form, app, staff, today):
    return await H.fee_notice(w.db, app, _date(form, "on", default_today=today), _text(form, "amount", 40),
                              pay_by=_date(form, "pay_by"), basis=_text(form, "basis", 500), actor=staff.actor,
                              notifier=w.notifier, settings=w.settings)


async def _fee_paid(w, form, app, staff, today):
    return await H.fee_paid(w.db, app, _date(form, "on", default_today=today), actor=staff.actor, settings=w.settings)


async def _close(w, form, app, staff, today):
    outcome = _text(form, "outcome", 40)
    if not outcome:
        raise BadInput(T.OUTCOME_MISSING)
    if form.get("confirm") != "yes":
        raise BadInput(T.CLOSE_NOT_CONFIRMED)
    return await H.close(w.db, app, outcome, _date(form, "on", default_today=today), staff.actor,
                         notifier=w.notifier, settings=w.settings)


async def _note(w, form, app, staff, today):
    return await H.add_note(w.db, app, _text(form, "text"), actor=staff.actor)


# action → (service call, role it needs): an extension is approved by an approver (art. 33)
ACTIONS: dict[str, tuple[Action, str]] = {
    "correction": (_correction, "handler"),
    "correction_received": (_correction_received, "handler"),
    "correction_lapsed": (_correction_lapsed, "handler"),
    "consult": (_consult, "handler"),
    "consult_end": (_consult_end, "handler"),
    "extend": (_extend, "approver"),
    "custom_deadline": (_custom_deadline, "handler"),
    "fee_notice": (_fee_notice, "handler"),
    "fee_paid": (_fee_paid, "handler"),
    "close": (_close, "handler"),
    "note": (_note, "handler"),
}


def _summary(result: H.HandlingResult | ApplicationEvent, what: str) -> list[str]:
    lines = [T.DONE.format(what=what)]
    if isinstance(result, ApplicationEvent):
        return lines
    if result.application.status != "closed":
        due = T.NONE if result.deadline.due is None else str(result.deadline.due)
        lines.append(T.DONE_DUE.format(due=due) + (T.PROVISIONAL_SUFFIX if result.deadline.provisional else ""))
    lines += [T.DONE_WARNING.format(text=warning.split(" / ")[0]) for warning in result.warnings]
    if result.notified is True:
        lines.append(T.DONE_NOTIFIED)
    elif result.notified is False:
        lines.append(T.DONE_NOTIFY_FAILED)
    elif result.event.kind in ("correction_requested", "extension", "closed", "correction_lapsed",
                               "custom_deadline", "fee_notice"):
        lines.append(T.DONE_NOT_NOTIFIED)
    return lines


@desk_page(action="act")
async def act(request: web.Request) -> web.StreamResponse:
    """POST /desk/applications/{number}/{action}: one handling service, its refusal shown in place."""
    w = web_of(request)
    number, name = request.match_info["number"], request.match_info["action"]
    if name not in ACTIONS:
        raise web.HTTPNotFound()
    call, role = ACTIONS[name]
    staff: Staff = request[STAFF]
    form = request[FORM]
    values = {k: str(v)[:2000] for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}
    if role != "handler":
        try:
            await require_role(w.db, w.settings, staff.id, role, action=f"web:{name}:{number}")
        except PermissionDenied:
            return await _application_page(request, number, status=403, failed=name, values=values,
                                           error=T.FORBIDDEN.format(role=T.ROLE_LABELS[role]))
    try:
        app = await H.find_application(w.db, number)
        result = await call(w, form, app, staff, H.local_today(w.settings))
    except (H.HandlingError, BadInput) as exc:
        message = error_text(exc) if isinstance(exc, H.HandlingError) else str(exc)
        return await _application_page(request, number, status=400, failed=name, error=message, values=values)
    raise await done(request, f"/desk/applications/{app.number}", "ok", _summary(result, T.ACTION_LABELS[name]))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/desk/signin", signin_page),
        web.post("/desk/signin", signin),
        web.post("/desk/signout", signout),
        web.get("/desk", queue),
        web.get("/desk/applications/{number}", application_page),
        web.post("/desk/applications/{number}/{action}", act),
    ]

