"""The web pages through aiohttp's test client: a small form-filling browser (cookies kept, the
CSRF token taken from the page like a browser submits it) and the office's usual data."""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient, TestServer

from bot.desk import signin_link
from bot.settings import Settings
from bot.webhook import build_web_app
from storage.applications import ApplicationDraft, create_application
from storage.staff import add_staff

HOME = "青禾市交通运输局"
ADMIN, APPROVER, HANDLER = 9000001, 555, 444
VALID_ID = "11010519491231002X"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CSRF_RE = re.compile(r'name="_csrf" value="([^"]+)"')
# the public application form, filled in by a person asking for information by e-mail
PERSON_FORM = {"applicant_type": "natural_person", "name": "欧阳修文", "id_type": "resident_id", "id_number": VALID_ID,
               "phone": "13912345678", "email": "ouyang@example.com", "address": "",
               "description": "2025年道路养护资金使用情况", "doc_number": "", "delivery_form": "electronic",
               "delivery_channel": "email", "confirm": "yes"}


def web_settings(**kw) -> Settings:
    base = dict(_env_file=None, home_agency=HOME, staff_ids=[ADMIN], web_url="http://127.0.0.1:8080")
    base.update(kw)
    return Settings(**base)


class WebClient:
    """One browser: its cookies, the last page, forms posted with the page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.page = ""
        self.status = 0
        self.response = None

    async def get(self, path: str, **kw) -> str:
        self.response = await self.client.get(path, allow_redirects=True, **kw)
        self.status, self.page = self.response.status, await self.response.text()
        return self.page

    def token(self, page: str | None = None) -> str:
        found = CSRF_RE.search(page if page is not None else self.page)
        assert found, "no CSRF token on the page"
        return html.unescape(found.group(1))

    async def post(self, path: str, data: dict, *, token: str | None = None, follow: bool = True,
                   headers: dict | None = None, with_token: bool = True) -> str:
        body = dict(data)
        if with_token:
            body.setdefault("_csrf", token if token is not None else self.token())
        self.response = await self.client.post(path, data=body, allow_redirects=follow, headers=headers)
        self.status, self.page = self.response.status, await self.response.text()
        return self.page

    async def sign_in(self, db, settings: Settings, staff_id: int) -> str:
        link = await signin_link(db, settings, staff_id, issued_by="test")
        path = link.url.split("8080", 1)[1] if "8080" in link.url else link.url
        await self.get(path)
        token = html.unescape(re.search(r'name="t" value="([^"]+)"', self.page).group(1))
        return await self.post("/desk/signin", {"t": token})


def text_of(page: str) -> str:
    """The page's visible text, roughly (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def open_client(db, settings: Settings, qa=None) -> WebClient:
    client = TestClient(TestServer(build_web_app(db, settings, qa)))
    await client.start_server()
    return WebClient(client)


async def staff(db) -> None:
    await add_staff(db, APPROVER, "approver", name="李审批")
    await add_staff(db, HANDLER, "handler", name="王办理")


def draft(**kw) -> ApplicationDraft:
    fields = dict(applicant_type="natural_person", name="张三丰", id_type="resident_id", id_number=VALID_ID,
                  phone="13912345678", description="2025年道路养护资金使用情况", delivery_form="electronic",
                  delivery_channel="email", email="zhang@example.com")
    fields.update(kw)
    return ApplicationDraft.build(**fields)


async def file_application(db, settings: Settings, received: str | None = None, *, channel: str = "letter",
                           key: str = "", **kw):
    """An application received on ``received`` (a Beijing date, noon) or now."""
    at = (datetime.combine(datetime.fromisoformat(received).date(), time(12), SHANGHAI).astimezone(timezone.utc)
          if received else None)
    created = await create_application(db, draft(**kw), idempotency_key=key or f"test:{received}:{sorted(kw.items())}",
                                       received_at=at, channel=channel, settings=settings)
    return created.application
