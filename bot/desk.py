"""Sign-in links of the web desk (办理台), issued in chat (``/desk``) and on the server
(``gongkai staff link ID``): one service, one link format (``storage.web`` keeps the links)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bot.settings import Settings
from storage.db import Database
from storage.web import issue_staff_link

SIGNIN_PATH = "/desk/signin"


@dataclass(frozen=True)
class SigninLink:
    url: str
    expires_at: datetime
    minutes: int


async def signin_link(db: Database, settings: Settings, staff_id: int, *, issued_by: str) -> SigninLink:
    """A one-time, short-lived sign-in link for a staff member (WebError when they are not staff)."""
    link = await issue_staff_link(db, settings, staff_id, minutes=settings.web_link_minutes, issued_by=issued_by)
    url = f"{settings.web_base_url}{SIGNIN_PATH}?t={quote(link.token, safe='')}"
    return SigninLink(url, link.expires_at, settings.web_link_minutes)
