"""What applicants are told about the handling of their application, and the notifier that tells them.

``storage.handling`` decides *that* an applicant is notified and with which facts (a
``Notice``); the words are in ``bot/texts/staff.py``. The staff chat and the command line build
their notifier here, from whatever sends a message to a chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.texts import staff as T
from disclosure.outcomes import OUTCOMES
from storage.handling import Notice, Notifier


def notice_text(notice: Notice) -> str:
    p = notice.params
    if notice.kind == "correction":
        return T.NOTIFY_CORRECTION.format(number=p["number"], what=p["what"] or T.CORRECTION_WHAT_DEFAULT,
                                          period_end=p["period_end"])
    if notice.kind == "correction_received":
        return T.NOTIFY_CORRECTION_RECEIVED.format(number=p["number"], due=p["due"])
    if notice.kind == "lapsed":
        return T.NOTIFY_LAPSED.format(number=p["number"])
    if notice.kind == "fee":
        return T.NOTIFY_FEE.format(number=p["number"], amount=p["amount"], pay_by=p["pay_by"],
                                   basis=p["basis"] or T.FEE_BASIS_DEFAULT)
    if notice.kind == "extension":
        return T.NOTIFY_EXTENSION.format(number=p["number"], days=p["days"], due=p["due"], reason=p["reason"])
    if notice.kind == "custom_deadline":
        return T.NOTIFY_CUSTOM_DEADLINE.format(number=p["number"], due=p["due"], reason=p["reason"])
    if notice.kind == "closed":
        return T.NOTIFY_CLOSED.format(number=p["number"], outcome=OUTCOMES[p["outcome"]].label)
    raise KeyError(f"no text for notice {notice.kind!r}")


def applicant_notifier(send: Callable[[int, str], Awaitable[object]]) -> Notifier:
    """A notifier sending each notice, in words, to the applicant's chat with ``send(chat_id, text)``."""
    async def notify(chat_id: int, notice: Notice) -> bool:
        await send(chat_id, notice_text(notice))
        return True
    return notify
