"""Which reports a question is about: explicit agency, place and year resolution.

A question that names a place or an agency is answered only from that agency's reports — never
from another district of the same city, another bureau of the same place, a neighbouring place
or a place one character off. Not loaded → no answer (with what is loaded for that place).

1. Places: every known place form (福州市/福州, 平潭综合实验区/平潭实验区/平潭), and unknown
   place-like words (长乐区, 平阳县); a province or a higher place before a known one is only a
   qualifier (陕西白河县, 常州武进湖塘镇).
2. Organs: the organ vocabulary, the loaded reports' organs and their rule-derived short forms, and
   any other word ending like an organ (体育运动局). An office inside an agency (信息公开办,
   审计局办公室) stands for that agency. An organ that only qualifies a noun (市政府网站) does
   not choose the agency when another organ is named.
3. A place alone means its government (人民政府 / 管理委员会 / 街道办事处); several agencies of one
   place are told apart by the organ, then by which holds the year asked about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from knowledge.agencies import (GOVERNMENT_ORGANS, AgencyName, is_abbreviation, organ_forms,
                                organ_matches, parse_agency, place_forms, place_stem)
from knowledge.lexicon import (INTERNAL_OFFICE_WORDS, NOT_PLACE_WORDS, NOT_PLACES, ORGANS, PLACE_SUFFIXES,
                               PLAN_INTENT, PROVINCES, ZONE_SUFFIXES)
from knowledge.text import Vocabulary, fold

RE_YEAR4 = re.compile(r"(?<!\d)(19\d{2}|20\d{2})\s*年")
RE_YEAR_BARE = re.compile(r"(?<![\d.])(20[0-3]\d)(?![\d.年月日号]|\s*[年月日])")
RE_YEAR2 = re.compile(r"(?<![\d.])(\d{2})\s*年(?![\d.]*[月日]|代)")
RELATIVE_YEARS = {"前年": -2, "去年": -1, "上一年": -1, "上一年度": -1, "今年": 0}
CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")
RE_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})年")

_SUFFIXES = "|".join(sorted(ZONE_SUFFIXES, key=len, reverse=True)) + "|" + "|".join(PLACE_SUFFIXES)
_PLACE_LIKE = re.compile(rf"([\u4e00-\u9fff]{{2,5}}?)(?:{_SUFFIXES})")
_GENERIC_ORGAN = re.compile(r"([\u4e00-\u9fff]{2,10}?(?:管理局|委员会|管委会|办公室|局)|[\u4e00-\u9fff]{1,4}委(?![员托屈婉]))")
# 政府办 in 政府办公时间 / 办理 / 办事 is not the 政府办
_WORD_GOES_ON = {"办": "公理事法好完结", "局": "面势限部", "委": "员托屈婉"}
# a word that an organ name only qualifies: 市政府网站, 县政府信息公开…
_MODIFIED = re.compile(r"^(?:门户)?(?:网站|网|门户|官网|信息公开网|信息公开平台|信息公开专栏|公报|信箱|热线|平台|公众号|微信|微博|大楼|"
                       r"大院|常务会议|文件)")
_OFFICE_AFTER = re.compile(r"^(?:办公室|办)(?!理|事|法|好|公时|公地|公场|公楼)")


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
    relative_year: str | None = None   # 去年 / 今年 … when the year came from such a word
    agencies: list[str] = field(default_factory=list)  # what the question was understood to name
    available_years: list[int] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # loaded agencies of the place named
    department_only: bool = False  # a place named alone whose government's report is not loaded


def question_years(text: str, today: date | None = None) -> tuple[list[int], str | None]:
    """Years written in the question, or the year a relative word (去年) stands for."""
    text = RE_CN_YEAR.sub(lambda m: m.group(1).translate(CN_DIGITS) + "年", text)
    years = [int(y) for y in RE_YEAR4.findall(text)]
    for m in RE_YEAR2.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isdigit():
            continue
        years.append(2000 + int(m.group(1)))
    if not years:
        years = [int(y) for y in RE_YEAR_BARE.findall(text) if _bare_year_context(text, y)]
    if years:
        return sorted(set(years)), None
    this_year = (today or date.today()).year
    for word, delta in RELATIVE_YEARS.items():
        if word in text:
            return [this_year + delta], word
    return [], None


def _bare_year_context(text: str, year: str) -> bool:
    """（2024） or 2024的: a year written without 年."""
    i = text.find(year)
    before, after = text[i - 1:i], text[i + 4:i + 5]
    return before in "（(，, " or after in "）)的，, "


@dataclass
class _Place:
    start: int
    end: int
    keys: frozenset[str]   # loaded places (full names) this mention may mean


class Gazetteer:
    """Place and organ names of the loaded reports, prepared once per knowledge base."""

    def __init__(self, refs: list[ReportRef]) -> None:
        self.refs = refs
        self.forms: dict[str, set[str]] = {}   # written form → full place names
        for ref in refs:
            for place in ref.name.places:
                for form in place_forms(place):
                    self.forms.setdefault(form, set()).add(place)
        self.stems = {place_stem(p) for ref in refs for p in ref.name.places}
        self.place_words = Vocabulary(self.forms)
        self.organs = frozenset(ref.name.organ for ref in refs if ref.name.organ)
        organ_words: dict[str, set[str]] = {}
        for full, shorts in ORGANS.items():
            for form in (full, *shorts):
                organ_words.setdefault(form, set()).add(full)
        for organ in self.organs:
            for form in organ_forms(organ):
                organ_words.setdefault(form, set()).add(organ)
        self.organ_words = sorted(organ_words.items(), key=lambda kv: -len(kv[0]))
        self._organ_words_by_char: dict[str, list[int]] = {}
        for n, (form, _) in enumerate(self.organ_words):
            self._organ_words_by_char.setdefault(form[0], []).append(n)
        self.wildcards: dict[str, set[str]] = {}
        for stem in self.stems:
            for i in range(len(stem)):
                self.wildcards.setdefault(stem[:i] + "?" + stem[i + 1:], set()).add(stem)
        # what resolution asks of all reports, answered once per knowledge base (not per question)
        self.at_last_place: dict[str, list[ReportRef]] = {}   # place → reports of agencies seated there
        self.agencies_at: dict[str, set[str]] = {}            # place → agencies naming it anywhere
        for ref in refs:
            if ref.name.places:
                self.at_last_place.setdefault(ref.name.places[-1], []).append(ref)
            for place in ref.name.places:
                self.agencies_at.setdefault(place, set()).add(ref.agency)
        self.all_agencies = sorted({r.agency for r in refs})
        self.all_years = sorted({r.year for r in refs})
        self.in_year: dict[int, list[ReportRef]] = {}
        for ref in refs:
            self.in_year.setdefault(ref.year, []).append(ref)
        self._fitting: dict[tuple[str, frozenset[str]], frozenset[int]] = {}
        self._home: dict[str, list[ReportRef]] = {}

    def organ_words_in(self, text: str) -> list[tuple[str, set[str]]]:
        """The organ words that may occur in ``text``, longest first (as ``organ_words``)."""
        picked = sorted({n for ch in set(text) for n in self._organ_words_by_char.get(ch, ())})
        return [self.organ_words[n] for n in picked]

    def fitting(self, organ: _Organ) -> frozenset[int]:
        """Ids of the reports whose organ the mention names (memoised per written form)."""
        key = (organ.form, organ.organs)
        hit = self._fitting.get(key)
        if hit is None:
            hit = self._fitting[key] = frozenset(r.id for r in self.refs if _organ_fits(r, organ))
        return hit

    def home(self, home_agency: str) -> list[ReportRef]:
        """Reports of the office's own agency (``GONGKAI_HOME_AGENCY``)."""
        hit = self._home.get(home_agency)
        if hit is None:
            hit = self._home[home_agency] = [r for r in self.refs
                                             if r.agency == home_agency or home_agency in r.agency]
        return hit

    def near_miss(self, candidate: str) -> set[str]:
        """Known stems one character off ``candidate`` (same length)."""
        if candidate in self.stems:
            return set()
        out: set[str] = set()
        for i in range(len(candidate)):
            out |= self.wildcards.get(candidate[:i] + "?" + candidate[i + 1:], set())
        return out

    def places(self, text: str) -> list[_Place]:
        """Known place mentions, longest first, not overlapping."""
        return [_Place(i, i + len(form), frozenset(self.forms[form])) for i, form in self.place_words.longest_first(text)]


@dataclass
class _Organ:
    start: int
    end: int
    form: str
    organs: frozenset[str]   # canonical organs this form may name (empty: unknown organ)
    modifier: bool = False   # 市政府网站: qualifies a noun
    office: bool = False     # 审计局办公室: an office inside the organ


def _organs(text: str, gaz: Gazetteer, places: list[_Place]) -> list[_Organ]:
    taken = [False] * len(text)
    for p in places:
        for k in range(p.start, p.end):
            taken[k] = True
    for word in INTERNAL_OFFICE_WORDS:
        for m in re.finditer(re.escape(word), text):
            for k in range(m.start(), m.end()):
                taken[k] = True
    found: list[_Organ] = []
    for form, organs in gaz.organ_words_in(text):
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            if end < len(text) and text[end] in _WORD_GOES_ON.get(form[-1], ""):
                start = text.find(form, end)
                continue
            if not any(taken[start:end]):
                found.append(_Organ(start, end, form, frozenset(organs)))
                for k in range(start, end):
                    taken[k] = True
            start = text.find(form, end)
    for m in _GENERIC_ORGAN.finditer(text):
        start, end = m.span(1)
        while start < end and taken[start]:
            start += 1
        if end - start < (2 if text[end - 1] == "委" else 3) or any(taken[start:end]):
            continue
        word = text[start:end]
        if word.endswith("办公室") or word[:2] in NOT_PLACES or (end < len(text) and text[end] in _WORD_GOES_ON.get(word[-1], "")):
            continue
        found.append(_Organ(start, end, word, frozenset()))
    for organ in found:
        after = text[organ.end:organ.end + 6]
        organ.modifier = bool(_MODIFIED.match(after)) or (organ.form.endswith("政府") and after.startswith("信息"))
        if _OFFICE_AFTER.match(after) and not organ.form.endswith(("办公室", "办")):
            organ.office = True
    return sorted(found, key=lambda o: o.start)


def _government_mention(text: str, organ: _Organ, places: list[_Place]) -> bool:
    """政府 names an agency only after a place (云岭县政府) or a level (县政府)."""
    if "人民政府" not in organ.organs and organ.form not in ("政府",):
        return True
    if any(p.end == organ.start for p in places):
        return True
    return organ.start > 0 and text[organ.start - 1] in "省市区县镇乡州旗"


def resolve(question: str, refs: list[ReportRef], *, home_agency: str | None = None,
            today: date | None = None, gazetteer: Gazetteer | None = None) -> Resolution:
    text = fold(question)
    years, relative = question_years(text, today)
    gaz = gazetteer if gazetteer is not None and gazetteer.refs is refs else Gazetteer(refs)

    places = gaz.places(text)
    refusal = _unknown_places(text, gaz, places)
    if refusal:
        return Resolution([], refused=refusal, named_agency=True, years=years, relative_year=relative)
    organs = [o for o in _organs(text, gaz, places) if _government_mention(text, o, places)]
    named_agency = bool(places or organs)
    candidates = refs
    suggestions: list[str] = []
    if places:
        named = set().union(*(p.keys for p in places))
        at_place = {r.id for place in named for r in gaz.at_last_place.get(place, ())}
        suggestions = sorted(set().union(*(gaz.agencies_at.get(place, set()) for place in named)))
        candidates = [r for r in candidates if r.id in at_place]
    # an organ that only qualifies a noun (区政府网站) chooses nothing when a place is named
    chosen = [o for o in organs if not o.modifier] or ([] if places else organs)
    if chosen:
        by_organ = _by_organ(candidates, chosen, gaz)
        if not by_organ:
            return Resolution([], refused="unknown_agency", named_agency=True, years=years, relative_year=relative,
                              suggestions=suggestions)
        candidates = by_organ
    department_only = False
    if not chosen and places:
        government = [r for r in candidates if r.name.is_government]
        if government:
            candidates = government
        else:
            # only departments of the place are loaded: they may answer what is specific to
            # them (河长 of a water bureau), never the place's own disclosure statistics
            department_only = bool(candidates)
    if named_agency and not candidates:
        return Resolution([], refused="unknown_agency", named_agency=True, years=years, relative_year=relative,
                          suggestions=suggestions)
    if not named_agency and home_agency:
        candidates = gaz.home(home_agency) or candidates
    every = candidates is refs  # nothing chose among the reports: the answers prepared for all of them
    agencies = gaz.all_agencies if every else sorted({r.agency for r in candidates})
    available = gaz.all_years if every else sorted({r.year for r in candidates})
    if years:
        if every:
            in_year = [r for y in sorted(set(years)) for r in gaz.in_year.get(y, ())]
        else:
            in_year = [r for r in candidates if r.year in years]
        if not in_year and PLAN_INTENT.search(text):
            # 2024年打算…: next year's plans are written in this year's report (改进情况)
            in_year = [r for r in candidates if r.year + 1 in years]
        if not in_year:
            return Resolution([], refused="year_not_covered", named_agency=named_agency, named_year=True,
                              years=years, relative_year=relative, agencies=agencies, available_years=available)
        candidates = in_year
    elif named_agency or home_agency:
        latest: dict[str, int] = {}
        for r in candidates:
            latest[r.agency] = max(latest.get(r.agency, 0), r.year)
        candidates = [r for r in candidates if r.year == latest[r.agency]]
    # several agencies of one place, the question naming only the place: the government holding
    # the year asked about was kept; if still several, the most specific place wins
    return Resolution(candidates, named_agency=named_agency, named_year=bool(years), years=years,
                      relative_year=relative, agencies=agencies, available_years=available,
                      suggestions=suggestions, department_only=department_only)


def _by_organ(candidates: list[ReportRef], organs: list[_Organ], gaz: Gazetteer) -> list[ReportRef]:
    out: list[ReportRef] = []
    seen: set[int] = set()
    for organ in organs:
        fit = gaz.fitting(organ)
        hits = [r for r in candidates if r.id in fit] if fit else []
        if not hits and organ.form.endswith(("办公室", "办")):
            # 管委会办公室 / 县政府办公室 that publishes no report of its own: its agency's report
            parent = re.sub(r"(?:办公室|办)$", "", organ.form)
            hits = [r for r in candidates if parent and any(parent == f or is_abbreviation(parent, r.name.organ)
                                                            for f in r.name.organ_forms)]
        if not hits:
            return []
        out.extend(h for h in hits if h.id not in seen)
        seen.update(h.id for h in hits)
    return out


def _organ_fits(ref: ReportRef, organ: _Organ) -> bool:
    report_organ = ref.name.organ
    if not report_organ:
        return False
    if organ.organs:
        return any(organ_matches(report_organ, o, organ.form) for o in organ.organs)
    return organ_matches(report_organ, organ.form, organ.form)


_FUNCTION_CHARS = set("的在年了是有个那这我你他她它们吗呢么几多少哪啥什怎请问想要去来到从向对给被把将让就都也还再和与或及等")
_LEAD_INS = ("请问", "问下", "问一下", "想问", "我想问", "咨询", "查询", "查下", "关于")


def _unknown_places(text: str, gaz: Gazetteer, places: list[_Place]) -> str | None:
    """A place word we hold no report of: near miss (青河 for 青禾) or unknown (长乐区). A province,
    or any place written before a known place (a higher level), only qualifies it."""
    known_spans = [(p.start, p.end) for p in places]
    first_known = min((p.start for p in places), default=len(text) + 1)
    for m in _PLACE_LIKE.finditer(text):
        start, end = m.span()
        if any(s < end and start < e for s, e in known_spans):
            continue
        stem = m.group(1)
        while len(stem) > 2 and (stem[0] in _FUNCTION_CHARS or not _starts_word(text, start, known_spans)):
            stem, start = stem[1:], start + 1
        word = text[start:end]
        if not _starts_word(text, start, known_spans) or any(ch in _FUNCTION_CHARS for ch in stem):
            continue
        if _is_common_word(word) or stem in NOT_PLACES:
            continue
        province = any(stem.startswith(p) for p in PROVINCES) and len(stem) <= 3
        if places and (province or start < first_known):
            continue  # 陕西白河县, 常州武进湖塘镇: a higher place before a known one
        if gaz.near_miss(stem) or (len(stem) > 2 and gaz.near_miss(stem[-2:])):
            return "near_miss"
        return "unknown_place"
    # a bare stem one character off a known one at the start (青河交通局)
    m = re.match(r"([\u4e00-\u9fff]{2})", text)
    if m and not places and gaz.near_miss(m.group(1)) and m.group(1) not in NOT_PLACES \
            and m.group(1) not in PROVINCES:
        return "near_miss"
    if not places:
        for prov in PROVINCES:
            if text.startswith(prov):
                return "unknown_place"
    return None


def _starts_word(text: str, start: int, known_spans: list[tuple[int, int]]) -> bool:
    """A place word begins the question, follows punctuation, a known place or a lead-in."""
    if start == 0 or not ("\u4e00" <= text[start - 1] <= "\u9fff"):
        return True
    if any(e == start for _, e in known_spans):
        return True
    return any(text[:start].endswith(w) for w in _LEAD_INS) or any(text[:start].endswith(p) for p in PROVINCES)


_AREA_WORDS = frozenset({"社区", "小区", "城区", "市区", "地区", "园区", "景区", "郊区", "山区", "街区", "辖区", "片区", "校区"})


def _is_common_word(word: str) -> bool:
    """Words ending in a place suffix that are not places (社区, 辖区, 全区 …)."""
    return word in NOT_PLACE_WORDS or word[-2:] in _AREA_WORDS
