"""Conversation, not only lookup: what a chat message is, and follow-ups that lean on the last question.

``classify`` tells greetings, thanks, help, "how do I apply", "where is my application",
gibberish (no Chinese: English words, bare numbers) and questions apart. ``follow_up`` turns a
short follow-up (「那2019年呢」, 「企业的呢」, 「电话呢」) into a whole question using the previous one:
a new year replaces the year, a new applicant column replaces the column, anything else is asked
of the same agency and year. Pure functions: the bot keeps the previous question and its time.
"""

from __future__ import annotations

import re
from enum import Enum

from knowledge.lexicon import (COLUMN_WORDS, GREETING, HELP, HOW_TO_APPLY, MY_APPLICATION,
                               ORGANISATION_WORDS, THANKS)
from knowledge.question import RE_CN_YEAR, RE_YEAR2, RE_YEAR4, RELATIVE_YEARS
from knowledge.text import to_simplified

FOLLOW_UP_MAX_CHARS = 16
_LEAD = re.compile(r"^(?:那么|那|还有|再问一下|再问|另外|然后)\s*")
_TAIL = re.compile(r"(?:的)?(?:情况|数据|数字|是多少|多少|怎么样|如何)?\s*(?:呢|嘞|咧)?\s*[?？。!！]*$")
_YEAR_WORD = re.compile(rf"(?:{RE_YEAR4.pattern}|{RE_YEAR2.pattern}|{RE_CN_YEAR.pattern}|"
                        rf"{'|'.join(RELATIVE_YEARS)})\s*度?")
_COLUMN_FORMS = sorted({w for forms in COLUMN_WORDS.values() for w in forms} | set(ORGANISATION_WORDS),
                       key=len, reverse=True)


class Intent(str, Enum):
    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    HOW_TO_APPLY = "how_to_apply"
    MY_APPLICATION = "my_application"
    NOT_UNDERSTOOD = "not_understood"
    QUESTION = "question"


def classify(text: str) -> Intent:
    text = to_simplified(text.strip())
    if GREETING.match(text):
        return Intent.GREETING
    if THANKS.match(text):
        return Intent.THANKS
    if HELP.match(text):
        return Intent.HELP
    if MY_APPLICATION.search(text):
        return Intent.MY_APPLICATION
    if HOW_TO_APPLY.search(text) and not re.search(r"\d|多少|几", text):
        return Intent.HOW_TO_APPLY
    if sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < 2:
        return Intent.NOT_UNDERSTOOD
    return Intent.QUESTION


def is_follow_up(text: str) -> bool:
    """A short message that only makes sense after the previous question (那2019年呢, 电话呢)."""
    text = text.strip()
    if len(text) > FOLLOW_UP_MAX_CHARS:
        return False
    return bool(re.search(r"呢[?？。!！]*$", text) or _LEAD.match(text) and len(text) <= 8)


def follow_up(previous: str, text: str, names: list[str]) -> str:
    """The whole question a follow-up stands for. ``names``: the agency and place words of the
    previous question (as the answer engine found them)."""
    core = _TAIL.sub("", _LEAD.sub("", text.strip())).strip()
    if not core:
        return previous
    year = _YEAR_WORD.search(core)
    rest = _YEAR_WORD.sub("", core).strip(" 的")
    if year and not rest:  # 那2019年呢: the same question for another year
        if _YEAR_WORD.search(previous):
            return _YEAR_WORD.sub(year.group(0), previous, count=1)
        return f"{year.group(0)}{previous}"
    column = next((w for w in _COLUMN_FORMS if w in rest), None)
    if column and len(rest) <= len(column) + 1:  # 企业的呢: the same figure for another applicant column
        old = next((w for w in _COLUMN_FORMS if w in previous), None)
        return previous.replace(old, column, 1) if old else f"{previous}（{column}）"
    # 电话呢: something else about the same agency and year
    prefix = "".join(names)
    years = year.group(0) if year else "".join(m.group(0) for m in _YEAR_WORD.finditer(previous))[:6]
    return f"{prefix}{years}{rest}"
