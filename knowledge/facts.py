"""Narrative figures as facts: every number in a sentence with the clause that says what it counts.

``全年我区共公布政府信息2602条(其中机构职能类信息82条，…)，主要通过…公开。`` gives the fact
2602 条 governed by ``全年我区共公布政府信息2602条`` (a total), and 82 条 governed by
``机构职能类信息82条`` (a 其中 sub-item). Each fact records whether it is this year's figure, a
cumulative one (历年累计 / 累计 / 截至… when not the report year's end) or a sub-item, so an
answer can prefer the total over a sub-item and the year over the running total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.lexicon import CUMULATIVE_MARKS, UNITS

_UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
FIGURE = re.compile(rf"(?<![\d.\-/:：])(\d+(?:\.\d+)?\s*(?:万|亿)?)\s*(余|多)?\s*({_UNIT_ALT})(?![\d])")
PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
# 两个 / 十二项: small counts written in Chinese (never 一个, which is mostly an article)
CN_FIGURE = re.compile(r"(?<![第一二两三四五六七八九十百千万])([两二三四五六七八九十][十]?[一二三四五六七八九]?)(个部分|部分|个|项|条|件|次|名|家|期|篇|场|份|类|批)"
                       r"(?![\u4e00-\u9fff]{0,1}(?:是|方面|层次|环节))")
_CN_VALUE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(text: str) -> int | None:
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_VALUE.get(tens, 1) if tens else 1) * 10 + (_CN_VALUE.get(ones, 0) if ones else 0)
    return _CN_VALUE.get(text) if len(text) == 1 else None
_CLAUSE_BREAK = "，,；;：:。！？!?"
_MIN_SUBJECT = 4  # Han characters a clause needs to say what it counts on its own


@dataclass(frozen=True)
class Fact:
    phrase: str      # the governing clause (with the subject borrowed from before when short)
    value: str
    unit: str
    qualifier: str   # "" (this year), "累计" (cumulative), "其中" (a sub-item)


def clauses(sentence: str) -> list[tuple[int, int, int]]:
    """(start, end, bracket depth) of each clause; brackets are not broken."""
    out: list[tuple[int, int, int]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(sentence):
        if ch in "（(":
            if i > start:
                out.append((start, i, depth))
            depth += 1
            start = i + 1
        elif ch in "）)":
            if i > start:
                out.append((start, i, depth))
            depth = max(0, depth - 1)
            start = i + 1
        elif ch in _CLAUSE_BREAK or (ch == "、" and _item_break(sentence, i)):
            if i > start:
                out.append((start, i, depth))
            start = i + 1
    if start < len(sentence):
        out.append((start, len(sentence), depth))
    return out


def _item_break(sentence: str, i: int) -> bool:
    """、 separates items that carry their own figures (规范性文件2条、审计报告8条)."""
    before = sentence[max(0, i - 4):i]
    return bool(re.search(r"\d\s*\S?$", before)) and re.search(r"\d", sentence[i + 1:i + 20]) is not None


def _han(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def _is_year_end(text: str, year: int | None) -> bool:
    return bool(year and re.search(rf"{year}\s*年\s*(?:12\s*月\s*31\s*日|底|末|年底)", text))


def sentence_facts(sentence: str, year: int | None = None) -> list[Fact]:
    """The figures of one sentence with their governing clauses and qualifiers."""
    if not re.search(r"\d", sentence) and not CN_FIGURE.search(sentence):
        return []
    parts = clauses(sentence)
    facts: list[Fact] = []
    sub_from = None  # clauses after 其中 in the same sentence part are sub-items
    for k, (start, end, depth) in enumerate(parts):
        clause = sentence[start:end].strip()
        if re.match(r"^\s*其中", clause) or sentence[max(0, start - 3):start].strip().endswith("其中"):
            sub_from = k
        if start > 0 and sentence[start - 1] in "；;。":
            sub_from = None if not re.match(r"^\s*其中", clause) else k
        figures = [(m.group(1), m.group(3), m.start(), m.end()) for m in FIGURE.finditer(clause)]
        taken = {f[2] for f in figures}
        figures += [(m.group(1), "%", m.start(), m.end()) for m in PERCENT.finditer(clause) if m.start() not in taken]
        for m in CN_FIGURE.finditer(clause):
            value = cn_number(m.group(1))
            if value is not None:
                figures.append((str(value), m.group(2), m.start(), m.end()))
        if not figures:
            continue
        phrase = clause
        if _han(re.sub(r"\d+(?:\.\d+)?\s*\S?", "", clause)) < _MIN_SUBJECT and k > 0:
            prev = sentence[parts[k - 1][0]:parts[k - 1][1]].strip()
            phrase = f"{prev}，{clause}"
        cumulative_text = phrase if depth == 0 else clause
        cumulative = any(mark in cumulative_text for mark in CUMULATIVE_MARKS if mark not in ("截至", "截止")) or (
            re.search(r"截[至止]", cumulative_text) is not None and not _is_year_end(cumulative_text, year))
        for value, unit, fstart, _ in sorted(figures, key=lambda f: f[2]):
            if _is_date_or_code(clause, fstart, value, unit):
                continue
            qualifier = "累计" if cumulative else ("其中" if depth > 0 or (sub_from is not None and k >= sub_from) else "")
            facts.append(Fact(phrase, value, unit, qualifier))
    return facts


def _is_date_or_code(clause: str, start: int, value: str, unit: str) -> bool:
    before = clause[max(0, start - 1):start]
    if before in "第〔[" or (unit in ("日", "天") and re.search(r"月\s*$", clause[:start])):
        return True
    return unit == "日" and len(value) <= 2 and "月" in clause[max(0, start - 4):start]
