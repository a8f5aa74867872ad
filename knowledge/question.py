"""Which reports a question is about: explicit agency, place and year resolution.

A question that names an agency, a place or a year is answered only from matching reports. A
near-miss name (青河 for 青禾) or a year with no report means no answer — never another
agency's figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from knowledge.agencies import PLACE_SUFFIXES, AgencyName, find_organs, parse_agency
from knowledge.text import fold

RE_YEAR4 = re.compile(r"(?<!\d)(19\d{2}|20\d{2})\s*年")
RE_YEAR2 = re.compile(r"(?<![\d.])(\d{2})\s*年(?![\d.]*[月日])")
RELATIVE_YEARS = {"前年": -2, "去年": -1, "上一年": -1, "上年度": -1, "今年": 0, "本年度": 0}

# Words that may stand right before an organ name without being a place.
NOT_PLACES = {
    "去年", "今年", "前年", "那年", "本年", "全年", "当年", "我们", "你们", "他们", "请问", "这个", "那个",
    "一下", "当地", "本地", "我市", "我县", "我区", "本市", "本县", "本区", "该局", "贵局", "本局", "年度",
    "问下", "咨询", "想问", "知道", "告诉", "查询", "查下", "关于", "有关", "各级", "上级", "下级", "所属",
}


@dataclass
class ReportRef:
    id: int
    agency: str
    year: int
    title: str
    name: AgencyName = field(init=False)

    def __post_init__(self) -> None:
        self.name = parse_agency(self.agency)


@dataclass
class Resolution:
    reports: list[ReportRef]
    refused: str | None = None  # reason when nothing may answer
    named_agency: bool = False
    named_year: bool = False
    years: list[int] = field(default_factory=list)


CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
RE_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})年")


def question_years(text: str, today: date | None = None) -> list[int]:
    text = RE_CN_YEAR.sub(lambda m: m.group(1).translate(CN_DIGITS) + "年", text)
    years = [int(y) for y in RE_YEAR4.findall(text)]
    for m in RE_YEAR2.finditer(text):
        start = m.start()
        if start > 0 and text[start - 1].isdigit():
            continue
        years.append(2000 + int(m.group(1)))
    if not years:
        this_year = (today or date.today()).year
        for word, delta in RELATIVE_YEARS.items():
            if word in text:
                years.append(this_year + delta)
                break
    return sorted(set(years))


def _place_forms(refs: list[ReportRef]) -> dict[str, str]:
    """Every way of writing each known place → its stem (青禾市 / 青禾 → 青禾)."""
    forms: dict[str, str] = {}
    for ref in refs:
        for place, stem in zip(ref.name.places, ref.name.place_stems):
            forms[place] = stem
            if len(stem) >= 2:
                forms[stem] = stem
    return forms


def is_abbreviation(short: str, full: str) -> bool:
    """城管局 of 城市管理和综合执法局: the short form's characters in order, same final character."""
    if len(short) < 2 or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


def organ_matches(report_organ: str, organ: str, form: str) -> bool:
    return report_organ == organ or is_abbreviation(form, report_organ) or is_abbreviation(organ, report_organ)


class Gazetteer:
    """Place and organ names of the loaded reports, prepared once per knowledge base."""

    def __init__(self, refs: list[ReportRef]) -> None:
        self.refs = refs
        self.place_forms = _place_forms(refs)
        self.stems = set(self.place_forms.values())
        self.organs = frozenset(ref.name.organ for ref in refs if ref.name.organ)
        self.max_form = max((len(f) for f in self.place_forms), default=0)
        # one-character wildcards of every stem: 青禾 → {"?禾", "青?"}; a near miss shares one
        self.wildcards: dict[str, set[str]] = {}
        for stem in self.stems:
            for i in range(len(stem)):
                self.wildcards.setdefault(stem[:i] + "?" + stem[i + 1:], set()).add(stem)

    def places_in(self, text: str) -> set[str]:
        """Stems of every known place written anywhere in ``text``."""
        found: set[str] = set()
        for i in range(len(text)):
            for length in range(2, min(self.max_form, len(text) - i) + 1):
                stem = self.place_forms.get(text[i:i + length])
                if stem:
                    found.add(stem)
        return found

    def place_at_end(self, text: str) -> str | None:
        """The stem of the longest known place form ``text`` ends with."""
        for length in range(min(self.max_form, len(text)), 1, -1):
            stem = self.place_forms.get(text[-length:])
            if stem:
                return stem
        return None

    def near_miss(self, candidate: str) -> set[str]:
        """Known stems one character off ``candidate`` (same length)."""
        if candidate in self.stems:
            return set()
        out: set[str] = set()
        for i in range(len(candidate)):
            out |= self.wildcards.get(candidate[:i] + "?" + candidate[i + 1:], set())
        return out


def resolve(question: str, refs: list[ReportRef], *, home_agency: str | None = None,
            today: date | None = None, gazetteer: Gazetteer | None = None) -> Resolution:
    text = fold(question)
    years = question_years(text, today)
    gaz = gazetteer if gazetteer is not None and gazetteer.refs is refs else Gazetteer(refs)
    extra_organs = gaz.organs

    named_places = gaz.places_in(text)
    # A place written with its suffix that is one character off a known one: 青河市 vs 青禾市.
    suffixes = "|".join(PLACE_SUFFIXES)
    for m in re.finditer(rf"([\u4e00-\u9fff]{{2,4}}?)(?:{suffixes})", text):
        cand = m.group(1)
        if gaz.near_miss(cand) and not (gaz.near_miss(cand) & named_places):
            return Resolution([], refused="near_miss", named_agency=True, years=years)

    organs: list[tuple[str, str]] = []  # (canonical organ, the form written)
    for start, end, organ in find_organs(text, extra_organs):
        before = text[max(0, start - 6):start]
        if organ == "人民政府" and not (before[-1:] in ("省", "市", "区", "县", "镇", "乡", "州") or
                                     gaz.place_at_end(before)):
            continue  # 政府网站 / 政府信息: not an agency
        prefix = re.split(r"[^\u4e00-\u9fff]", before)[-1]
        known = gaz.place_at_end(prefix) if prefix else None
        if known:
            named_places.add(known)
        else:
            tail = prefix[-2:]
            bare = re.sub(rf"({suffixes})$", "", prefix)
            if tail and tail not in NOT_PLACES and (gaz.near_miss(tail) or gaz.near_miss(bare[-2:])):
                return Resolution([], refused="near_miss", named_agency=True, years=years)
            if prefix and prefix[-1] in "省市区县镇乡州" and len(bare) >= 2 and bare[-2:] not in NOT_PLACES:
                return Resolution([], refused="unknown_place", named_agency=True, years=years)
        organs.append((organ, text[start:end]))

    candidates = refs
    named_agency = bool(named_places or organs)
    if named_places:
        # The agency's most specific place must be named: 武进区 alone does not mean 湖塘镇人民政府.
        candidates = [r for r in candidates if r.name.place_stems and r.name.place_stems[-1] in named_places]
    if organs:
        candidates = [r for r in candidates if any(organ_matches(r.name.organ, o, form) for o, form in organs)]
    elif named_places:
        # A place alone (云岭县2023年…) means that place's own government when we hold its report.
        government = [r for r in candidates if r.name.organ == "人民政府"]
        candidates = government or candidates
    if named_agency and not candidates:
        return Resolution([], refused="unknown_agency", named_agency=True, years=years)
    if not named_agency and home_agency:
        home = [r for r in candidates if r.agency == home_agency or home_agency in r.agency]
        candidates = home or candidates
    if years:
        candidates = [r for r in candidates if r.year in years]
        if not candidates:
            return Resolution([], refused="year_not_covered", named_agency=named_agency, named_year=True,
                              years=years)
    else:
        latest: dict[str, int] = {}
        for r in candidates:
            latest[r.agency] = max(latest.get(r.agency, 0), r.year)
        candidates = [r for r in candidates if r.year == latest[r.agency]]
    return Resolution(candidates, named_agency=named_agency, named_year=bool(years), years=years)
