"""What a question asks, independent of which report answers it.

A question becomes a frame: its content words (names, years and filler removed), the concepts it
names (``knowledge.lexicon.CONCEPTS``: 挂/公布 → 公开, 网上 → 网上 …), and its intents — a number
(with the unit asked: 几条 → 条), yes/no, a list or a way of doing, contact details, a Table 三
column (企业 → 商业企业; 法人或其他组织 → the five organisation columns), a Table 四 cell,
cumulative (历年累计) or total (一共) figures. A question with several interrogatives
(收到几件，办结几件) has a frame per part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.lexicon import (AFTER_REVIEW_WORDS, CARRIED_IN_WORDS, CARRIED_OUT_WORDS, COLUMN_WORDS,
                               COLLOQUIAL, CONCEPTS, CONTACT_SLOTS, CUMULATIVE_MARKS, DIRECT_LAWSUIT,
                               DURATION_INTENT, LAWSUIT_WORDS, LIST_INTENT,
                               NUMBER_INTENT, ORGANISATION_FIRST, ORGANISATION_WORDS, QUALIFIER_CONCEPTS,
                               QUESTION_UNIT,
                               RESULT_WORDS,
                               REVIEW_WORDS, STOP_PHRASES, UNIT_CLASSES, YES_NO_INTENT)

CONCEPT_NAMES = list(CONCEPTS)
# each concept is one pseudo-character token (Unicode private use area) in the search index
CONCEPT_TOKEN = {name: chr(0xE000 + i) for i, name in enumerate(CONCEPT_NAMES)}
_FORM_TO_CONCEPT: dict[str, list[str]] = {}
for _name, _forms in CONCEPTS.items():
    for _form in _forms:
        _FORM_TO_CONCEPT.setdefault(_form.lower(), []).append(_name)
_CONCEPT_RE = re.compile("|".join(re.escape(f) for f in sorted(_FORM_TO_CONCEPT, key=len, reverse=True)))
_INTERROGATIVE = re.compile(r"几|多少|哪|什么|啥|吗|是否|有没有|怎么|如何|多大|多久|是谁|谁")
_PART_BREAK = re.compile(r"[，,；;？?]|、(?=[^、，,]{0,8}(?:几|多少|什么|哪))|(?<=[件条次个篇项期份])和(?=[^和]{0,8}(?:几|多少))")


def concepts_in(text: str) -> list[str]:
    """Concept names named in ``text`` (longest forms first, each form consumed once)."""
    out: list[str] = []
    for m in _CONCEPT_RE.finditer(text.lower()):
        for name in _FORM_TO_CONCEPT[m.group(0)]:
            if name not in out:
                out.append(name)
    return out


def concept_tokens(text: str) -> str:
    return " ".join(CONCEPT_TOKEN[c] for c in concepts_in(text))


def units_agree(asked: str | None, given: str | None) -> bool | None:
    """None when either is unknown; else whether the two units may stand for each other."""
    if not asked or not given:
        return None
    if asked == given:
        return True
    if "个" in (asked, given):
        return None  # 个 counts anything
    # a class holding both (批次 counts batches of things and times: it is in two classes, which
    # does not make 次 and 件 the same)
    return any(asked in cls and given in cls for cls in UNIT_CLASSES)


@dataclass
class Frame:
    text: str                      # the folded question (or part)
    content: str                   # content words: names, years and filler removed
    marks: tuple                   # per character of ``content``: the concepts of the form it is in, or ()
    concepts: list[str]
    wants_number: bool
    unit: str | None
    yes_no: bool
    wants_list: bool
    slots: list[str]
    column: str | None             # a Table 三 column, or "法人或其他组织"
    table4_group: str | None       # "行政复议" / "直接起诉" / "复议后起诉" / "诉讼" (either)
    table4_result: str | None
    cumulative: bool
    total: bool
    carried: str | None = None     # "in" (上年结转) / "out" (结转下年度)
    parts: list["Frame"] = field(default_factory=list)

    @property
    def table4(self) -> bool:
        return self.table4_group is not None


def _any_of(words) -> re.Pattern[str]:
    """A pattern that finds any of ``words`` (one scan instead of one ``in`` per word)."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) or r"(?!)")


_ORGANISATION_FIRST = _any_of(ORGANISATION_WORDS[:ORGANISATION_FIRST])
_ORGANISATION = _any_of(ORGANISATION_WORDS)
_COLUMNS = [(column, _any_of(forms)) for column, forms in COLUMN_WORDS.items()]
_REVIEW = _any_of(REVIEW_WORDS)
_LAWSUIT = _any_of(LAWSUIT_WORDS)
_AFTER_REVIEW = _any_of(AFTER_REVIEW_WORDS)
_RESULTS = [(result, _any_of(forms)) for result, forms in RESULT_WORDS.items()]
_CUMULATIVE = _any_of([m for m in CUMULATIVE_MARKS if m not in ("截至", "截止")] + ["加起来"])
_RATIO = re.compile(r"比例|占比|百分之|多大比重")
_TOTAL = re.compile(r"一共|总共|共计|合计|总数|总计|全部|全年")


def _column(text: str) -> str | None:
    if _ORGANISATION_FIRST.search(text):
        return "法人或其他组织"  # the header over the five organisation columns, before 其他组织
    for column, forms in _COLUMNS:
        if forms.search(text):
            return column
    if _ORGANISATION.search(text):
        return "法人或其他组织"
    return None


def _table4(text: str) -> tuple[str | None, str | None]:
    review = _REVIEW.search(text) is not None
    lawsuit = _LAWSUIT.search(text) is not None
    group = None
    if _AFTER_REVIEW.search(text) and lawsuit:
        group = "复议后起诉"
    elif DIRECT_LAWSUIT.search(text) and lawsuit:
        group = "直接起诉"
    elif lawsuit:
        group = "诉讼"
    elif review:
        group = "行政复议"
    result = next((k for k, forms in _RESULTS if forms.search(text)), None)
    return group, result


def parse_frame(text: str, strip_names) -> Frame:
    """``text``: the folded question; ``strip_names``: removes agency names and years."""
    for word, written in COLLOQUIAL.items():
        text = text.replace(word, written)
    frame = _frame(text, strip_names(text))
    parts = split_parts(text)
    if len(parts) > 1:
        frame.parts = []
        previous = ""
        previous_text = ""
        for part in parts:
            content = strip_names(part)
            sub = _frame(part, content)
            if previous and not _own_subject(sub):
                # 收了多少 / 占比多少: the subject of the part before
                sub = _frame(previous_text + part, previous + content)
                content, part = previous + content, previous_text + part
            frame.parts.append(sub)
            previous, previous_text = content, part
    return frame


@lru_cache(maxsize=4096)
def _stripped(content: str) -> str:
    out = content
    for phrase in sorted(STOP_PHRASES, key=len, reverse=True):
        out = out.replace(phrase, " ")
    return out


def analyse_content(content: str) -> tuple[str, tuple]:
    """Filler removed outside concept forms; each character marked with its form's concepts."""
    out: list[str] = []
    marks: list[tuple[str, ...]] = []
    pos = 0
    lowered = content.lower()

    def plain(piece: str) -> None:
        piece = _stripped(piece)
        out.append(piece)
        marks.extend(() for _ in piece)

    for m in _CONCEPT_RE.finditer(lowered):
        if m.start() > pos:
            plain(content[pos:m.start()])
        form = content[m.start():m.end()]
        out.append(form)
        marks.extend(tuple(_FORM_TO_CONCEPT[m.group(0)]) for _ in form)
        pos = m.end()
    if pos < len(content):
        plain(content[pos:])
    return "".join(out), tuple(marks)


def _frame(text: str, content: str) -> Frame:
    concepts = concepts_in(content)
    unit_m = QUESTION_UNIT.search(text)
    unit = unit_m.group(1) if unit_m else None
    if unit == "个人":
        unit = "人"
    if _RATIO.search(text):
        unit = "%"
    elif unit is None and DURATION_INTENT.search(text):
        unit = "工作日"
    group, result = _table4(text)
    core, marks = analyse_content(_strip_table_words(QUESTION_UNIT.sub(" ", content)))
    return Frame(
        text=text,
        content=core,
        marks=marks,
        concepts=concepts,
        wants_number=bool(NUMBER_INTENT.search(text)),
        unit=unit,
        yes_no=bool(YES_NO_INTENT.search(text)),
        wants_list=bool(LIST_INTENT.search(text)) and not NUMBER_INTENT.search(text),
        # 接了多少个咨询电话 counts calls: a question asking for a unit is not a contact question
        slots=[] if unit else [slot for slot, (asked, _) in CONTACT_SLOTS.items() if asked.search(text)],
        column=_column(text),
        table4_group=group,
        table4_result=result,
        cumulative=_CUMULATIVE.search(text) is not None,
        total=_TOTAL.search(text) is not None,
        carried=_carried(text),
    )


def _carried(text: str) -> str | None:
    if "结转" not in text and "转" not in text and "没办完" not in text and "未办结" not in text:
        return None
    if CARRIED_IN_WORDS.search(text):
        return "in"
    if CARRIED_OUT_WORDS.search(text):
        return "out"
    return None


_TABLE_WORDS = re.compile("|".join(re.escape(w) for w in sorted(
    {w for forms in COLUMN_WORDS.values() for w in forms} | set(ORGANISATION_WORDS) | set(AFTER_REVIEW_WORDS) | {w for forms in RESULT_WORDS.values() for w in forms}, key=len, reverse=True)))


_INSTITUTION = r"(?:事务所|机构|单位|公司|企业|组织)?"
_TABLE_WORDS_WITH_INSTITUTION = re.compile(f"(?:{_TABLE_WORDS.pattern}){_INSTITUTION}")


def _strip_table_words(text: str) -> str:
    """Column and Table 四 words are matched as intents, not as content (with the institution word
    they name: 律师 + 事务所)."""
    text = _TABLE_WORDS_WITH_INSTITUTION.sub(" ", text)
    return DIRECT_LAWSUIT.sub(" ", text)


def _own_subject(f: Frame) -> bool:
    """The part names what it asks about (not only a qualifier such as 占比 or 一共)."""
    own = [ch for ch, marks in zip(f.content, f.marks)
           if "\u4e00" <= ch <= "\u9fff" and not (marks and all(m in QUALIFIER_CONCEPTS for m in marks))]
    return len(own) >= 2


def split_parts(text: str) -> list[str]:
    """收到几件，办结几件 → two parts, each with its own interrogative."""
    pieces = [p for p in _PART_BREAK.split(text) if p and p.strip()]
    asking = [p for p in pieces if _INTERROGATIVE.search(p)]
    if len(asking) < 2:
        return [text]
    # a piece without an interrogative belongs to the next one (平潭2023年，收到几件)
    out: list[str] = []
    carry = ""
    for p in pieces:
        if _INTERROGATIVE.search(p):
            out.append(carry + p)
            carry = ""
        else:
            carry += p
    if carry and out:
        out[-1] += carry
    return out
