"""What every page of the web front shares: the per-application context, templates, URLs, the
security headers, CSRF tokens, client addresses and rate limits, the flash message after a POST.

Security, in one place:
- **CSRF**: a desk form carries its session's token; a public form carries a token signed with the
  deployment's key (no cookie needed, so the question page also works inside an ``<iframe>``). Every
  POST must also come from this site (``Origin``/``Referer`` when the browser sends them).
- **Cookies**: the desk session and the flash cookie are HttpOnly, SameSite=Lax, Secure behind TLS
  (``GONGKAI_WEB_URL`` https://… or an HTTPS request).
- **Headers**: a strict Content-Security-Policy (own scripts and styles only), no framing except the
  public ``/embed`` pages by ``GONGKAI_WEB_EMBED_ORIGINS``, nosniff, no referrer leaving the site;
  desk pages and receipts are never cached.
- **Rate limits** per client address on the public POSTs (shared by processes through Redis when
  ``GONGKAI_REDIS_URL`` is set: the same counter as the chat's).
- **Logs**: one line per request with the method, the route (never the query string) and the status.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.settings import Settings
from bot.texts import applications as TA
from bot.texts import calendar as TC
from bot.texts import staff as TS
from bot.texts import web as T
from storage.db import Database
from storage.web import sign, signing_key, verify

log = logging.getLogger("web")

SESSION_COOKIE = "gongkai_desk"
FLASH_COOKIE = "gongkai_flash"
FORM_TOKEN_HOURS = 12
CSRF_FIELD = "_csrf"


@dataclass
class Web:
    """The web front of one aiohttp application (``request.app[WEB]``)."""

    db: Database
    settings: Settings
    qa: Any  # bot.qa.QAService (or a test double with ``answer`` and ``log``)
    templates: jinja2.Environment
    counter: Any  # bot.ratelimit.WindowCounter
    notifier: Any = None  # storage.handling.Notifier, or None: applicants are told in writing
    base: str = ""  # path prefix of every page (``GONGKAI_WEB_URL``'s path, e.g. "/jining-kjj")
    closers: list = field(default_factory=list)
    resources: set = field(default_factory=set)  # the pages' routes (the webhook's are left alone)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    async def key(self) -> bytes:
        return await signing_key(self.db)


WEB = web.AppKey("gongkai_web", Web)


def _request_key(name: str):
    """A typed per-request key where aiohttp has them (3.12+), else the plain name."""
    maker = getattr(web, "RequestKey", None)
    return maker(name, object) if maker is not None else name


STAFF = _request_key("gongkai_staff")  # web.desk.Staff of a desk request
CSRF = _request_key("gongkai_csrf")  # the session's CSRF token
FLASH = _request_key("gongkai_flash")  # the message the last POST left
FORM = _request_key("gongkai_form")  # the posted form of a desk action


def web_of(request: web.Request) -> Web:
    return request.app[WEB]


# --- templates -------------------------------------------------------------------------------------------

def make_templates(timezone_name: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("web", "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals.update(T=T, TA=TA, TS=TS, TC=TC)
    office_tz = ZoneInfo(timezone_name)

    def local(moment: datetime | None) -> str:
        """An instant (aware, or naive UTC) in the office's time: 2026-09-28 14:05."""
        if moment is None:
            return T.NONE
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt_timezone.utc)
        return aware.astimezone(office_tz).strftime("%Y-%m-%d %H:%M")

    env.filters["local"] = local
    return env


def render(request: web.Request, template: str, *, status: int = 200, headers: dict | None = None,
           **context: Any) -> web.Response:
    w = web_of(request)
    context.setdefault("office", w.settings.home_agency or T.OFFICE_DEFAULT)
    context.setdefault("staff", request.get(STAFF))
    context.setdefault("flash", request.get(FLASH))
    context.setdefault("csrf", request.get(CSRF, ""))
    context.setdefault("embed", False)
    text = w.templates.get_template(template).render(url=w.url, request_path=request.path, **context)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=headers)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status, message=message)


def redirect(request: web.Request, path: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(web_of(request).url(path))


# --- requests ------------------------------------------------------------------------------------------

def is_https(request: web.Request) -> bool:
    w = web_of(request)
    if (w.settings.web_url or "").startswith("https://") or request.scheme == "https":
        return True
    return w.settings.web_behind_proxy and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def client_address(request: web.Request) -> str:
    """The client's address: the proxy's last ``X-Forwarded-For`` hop when ``GONGKAI_WEB_BEHIND_PROXY``."""
    if web_of(request).settings.web_behind_proxy:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.remote or "unknown"


def same_site(request: web.Request) -> bool:
    """The POST comes from a page of this site (checked when the browser says where it comes from)."""
    w = web_of(request)
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # not a browser form (browsers send Origin with every POST)
    netloc = urlsplit(source).netloc
    allowed = {request.host}
    if w.settings.web_url:
        allowed.add(urlsplit(w.settings.web_url).netloc)
    return bool(netloc) and netloc in allowed


def cookie_args(request: web.Request, path: str) -> dict[str, Any]:
    return {"httponly": True, "samesite": "Lax", "secure": is_https(request), "path": web_of(request).url(path)}


# --- CSRF of the public forms: signed, time-limited, bound to a form id -------------------------------

async def form_token(request: web.Request, form_id: str = "-") -> str:
    stamp = str(int(time.time()))
    return f"{stamp}.{form_id}.{sign(await web_of(request).key(), 'form', stamp, form_id)}"


async def check_form_token(request: web.Request, token: str | None) -> str | None:
    """The form id of a valid token from this site, else None."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not same_site(request):
        return None
    if not 0 <= time.time() - int(parts[0]) <= FORM_TOKEN_HOURS * 3600:
        return None
    if not verify(await web_of(request).key(), parts[2], "form", parts[0], parts[1]):
        return None
    return parts[1]


def new_form_id() -> str:
    return secrets.token_urlsafe(12)


# --- rate limits -----------------------------------------------------------------------------------

async def over_limit(request: web.Request, kind: str, limit: int, window: float) -> bool:
    """Count one ``kind`` event of this client; True when it is beyond ``limit`` per ``window`` s."""
    if limit <= 0:
        return False
    who = hashlib.sha256(client_address(request).encode()).hexdigest()[:16]  # no address kept in clear
    return await web_of(request).counter.hit(f"web:{kind}:{who}", window) > limit


# --- flash: one message shown by the next page, in a signed cookie ------------------------------------

async def set_flash(request: web.Request, response: web.StreamResponse, kind: str, lines: list[str]) -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"k": kind, "l": lines}, ensure_ascii=False).encode()).decode()
    value = f"{payload}.{sign(await web_of(request).key(), 'flash', payload)}"
    response.set_cookie(FLASH_COOKIE, value, max_age=120, **cookie_args(request, "/"))


async def take_flash(request: web.Request, response: web.StreamResponse) -> dict | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    response.del_cookie(FLASH_COOKIE, path=web_of(request).url("/"))
    payload, _, signature = raw.rpartition(".")
    if not payload or not verify(await web_of(request).key(), signature, "flash", payload):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return {"kind": str(data["k"]), "lines": [str(x) for x in data["l"]]}
    except (ValueError, KeyError, TypeError):
        return None


# --- headers and the request log ------------------------------------------------------------------------

EMBED_PREFIX = "/embed"
MAX_UPLOAD_MB = 20
ERROR_TEXTS = {404: T.NOT_FOUND_PAGE, 405: T.BAD_REQUEST, 413: T.TOO_LARGE.format(limit=MAX_UPLOAD_MB)}


def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    w = web_of(request)
    path = request.path[len(w.base):] if w.base and request.path.startswith(w.base) else request.path
    embeddable = path.startswith(EMBED_PREFIX + "/")
    ancestors = " ".join(["'self'", *w.settings.web_embed_origins]) if embeddable else "'none'"
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                       f"form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin: the sign-in link's token never leaves the site in a Referer (and Origin stays set)
    headers.setdefault("Referrer-Policy", "same-origin")
    if not embeddable:
        headers.setdefault("X-Frame-Options", "DENY")
    if path.startswith("/desk") or request.method == "POST":
        headers.setdefault("Cache-Control", "no-store")
    if is_https(request):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


@web.middleware
async def web_middleware(request: web.Request, handler):
    """Headers on every page, errors as a Chinese page, one log line per request (no query string).
    Requests to the other routes of the application (the webhook, /healthz) pass untouched."""
    route = request.match_info.route
    if route.resource is not None and route.resource not in web_of(request).resources:
        return await handler(request)
    started = time.monotonic()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects
            security_headers(request, exc)
            log.info("%s %s %s", request.method, _route(request), exc.status)
            raise
        response = error_page(request, exc.status, ERROR_TEXTS.get(exc.status, T.BAD_REQUEST))
    except Exception:  # noqa: BLE001 - never a traceback page; the log has it (redacted)
        log.exception("error on %s %s", request.method, _route(request))
        response = error_page(request, 500, T.SERVER_ERROR)
    security_headers(request, response)
    log.info("%s %s %s %.0fms", request.method, _route(request), response.status,
             (time.monotonic() - started) * 1000)
    return response


def _route(request: web.Request) -> str:
    """The route's pattern (``/desk/applications/{number}``), so no data from the URL reaches the log."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "-"


