"""Staff chat commands of the statistics area: /report [YEAR] and /stats.

``/report 2026`` sends the year's Table 三 (in the layout of that year: the pre-2019 table before 2019,
the 2019 trial format for 2019–2020, the 2021 format after) as a readable message, then the .xlsx and
.docx tables and a PNG chart (built by :func:`bot.exports.report_bundle`). ``/stats`` sends
the live summary of :func:`storage.statistics.live_stats`. Both need the ``handler`` role, checked on
the server on every call (refusals are audited by ``require_role``). The dispatcher's workflow data
must hold ``db`` and may hold ``settings`` (defaults to get_settings()).
"""

from __future__ import annotations

import logging
import tempfile

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.exports import report_bundle
from bot.settings import Settings, get_settings
from bot.texts import common as C
from bot.texts import reports as T
from disclosure.tables import ReportInvariantError
from storage import handling as H
from storage.db import Database
from storage.staff import PermissionDenied, StaffMember, audit, require_role
from storage.statistics import live_stats

log = logging.getLogger(__name__)

FIRST_YEAR = 2008  # the 政府信息公开条例 took effect on 2008-05-01
MESSAGE_LIMIT = 4096
FILE_KINDS = {".xlsx": "Excel", ".docx": "Word"}


def _actor(user_id: int | None) -> str:
    return f"tg:{user_id}"


async def _guard(db: Database, settings: Settings, message: Message, action: str) -> StaffMember | None:
    user = message.from_user
    try:
        return await require_role(db, settings, user.id if user else None, "handler", action=action)
    except PermissionDenied:
        await message.answer(C.NOT_STAFF)
        return None


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single overlong line: hard cut
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def parse_year(arg: str | None, current_year: int) -> tuple[int | None, str | None]:
    """(year, None) or (None, polite error text). No argument means the current year."""
    raw = (arg or "").strip()
    if not raw:
        return current_year, None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        return None, T.REPORT_BAD_YEAR
    year = int(raw)
    if not FIRST_YEAR <= year <= current_year:
        return None, T.REPORT_YEAR_RANGE.format(first=FIRST_YEAR, last=current_year)
    return year, None


async def cmd_report(message: Message, command: CommandObject, bot: Bot, db: Database,
                     settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    if await _guard(db, settings, message, "report") is None:
        return
    year, error = parse_year(command.args, H.local_today(settings).year)
    if error is not None:
        await message.answer(error)
        return
    chat_id = message.chat.id
    with tempfile.TemporaryDirectory(prefix="gongkai-report-") as tmp:
        try:
            bundle = await report_bundle(db, year, tmp, settings=settings)
        except ReportInvariantError as exc:
            log.error("report %s fails its checks: %s", year, exc.violations)
            await message.answer(split_message(T.REPORT_CHAT_INVARIANT.format(
                details="\n".join(exc.violations)))[0])
            return
        files = [(p.name, p.suffix, p.read_bytes()) for p in bundle.files]
    await audit(db, _actor(message.from_user.id if message.from_user else None), "report",
                detail=f"year {year} format {bundle.tables.format}")
    for chunk in split_message(bundle.text):
        await bot.send_message(chat_id=chat_id, text=chunk)
    for name, suffix, data in files:
        upload = BufferedInputFile(data, filename=name)
        if suffix == ".png":
            await bot.send_photo(chat_id=chat_id, photo=upload, caption=T.REPORT_CHART_CAPTION.format(year=year))
        else:
            await bot.send_document(chat_id=chat_id, document=upload, caption=T.REPORT_FILES_CAPTION.format(
                year=year, kind=FILE_KINDS.get(suffix, suffix.lstrip("."))))


async def cmd_stats(message: Message, db: Database, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    if await _guard(db, settings, message, "stats") is None:
        return
    stats = await live_stats(db, H.local_today(settings), settings=settings)
    await message.answer(split_message(T.format_stats(stats))[0])


def get_router() -> Router:
    """A fresh router (a router can be attached to one dispatcher only)."""
    router = Router(name="reports")
    router.message.register(cmd_report, Command("report"))
    router.message.register(cmd_stats, Command("stats"))
    return router
