"""Agency names: a chain of places followed by an organ, and the short forms derived by rule.

``福州市晋安区人民政府办公室`` = places 福州市 › 晋安区 + organ 人民政府办公室. People drop place
suffixes (晋安), shorten zones (平潭综合实验区 → 平潭实验区 → 平潭; 万盛经济技术开发区 → 万盛经开区)
and organs (人民政府 → 政府; 管理委员会 → 管委会; 委员会 → 委; 政务服务和大数据管理局 → 大数据局,
政数局; 城市管理和综合执法局 → 城管局). The irregular short forms are in ``knowledge.lexicon``;
the rest follow from the rules here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.lexicon import (NOT_PLACE_WORDS, ORGAN_END, ORGANS, PLACE_SUFFIXES, ZONE_SHORT,
                               ZONE_SUFFIXES)

__all__ = ["AgencyName", "ORGAN_END", "ZONE_SUFFIXES", "parse_agency", "split_places", "place_forms",
           "place_government", "organ_forms", "organ_matches", "is_abbreviation", "canonical_agency",
           "match_organ_prefix", "GOVERNMENT_ORGANS"]

GOVERNMENT_ORGANS = ("人民政府", "管理委员会", "街道办事处")
_SUFFIX_ALT = "|".join(sorted(ZONE_SUFFIXES, key=len, reverse=True)) + "|" + "|".join(PLACE_SUFFIXES)
_PLACE_AT_START = re.compile(rf"^([\u4e00-\u9fff]{{1,10}}?(?:{_SUFFIX_ALT}))")
_ORGAN_FORMS: list[tuple[str, str]] = sorted(
    [(full, full) for full in ORGANS] + [(short, full) for full, shorts in ORGANS.items() for short in shorts],
    key=lambda pair: -len(pair[0]),
)


@dataclass
class AgencyName:
    full: str
    places: list[str]                 # ["福州市", "晋安区"]
    place_stems: list[str]            # ["福州", "晋安"]
    organ: str                        # "人民政府办公室"
    organ_forms: list[str] = field(default_factory=list)

    @property
    def is_government(self) -> bool:
        return self.organ in GOVERNMENT_ORGANS


def match_organ_prefix(text: str) -> str | None:
    for form, full in _ORGAN_FORMS:
        if text.startswith(form):
            return full
    return None


def split_places(name: str) -> tuple[list[str], str]:
    """``常州市武进区湖塘镇人民政府`` → (["常州市", "武进区", "湖塘镇"], "人民政府")."""
    places: list[str] = []
    rest = name
    while rest:
        if places and match_organ_prefix(rest):
            break
        m = _PLACE_AT_START.match(rest)
        if not m or len(m.group(1)) < 2 or m.group(1) in NOT_PLACE_WORDS:
            break
        end = m.end()
        while end < len(rest) and rest[end] in "省市区县" and not match_organ_prefix(rest[end:]):
            end += 1  # 常州 + 市: 州 is part of the name, not the suffix
        place = rest[:end]
        if not places and match_organ_prefix(rest) and len(match_organ_prefix(rest) or "") >= len(place):
            break
        zone = next((z for z in sorted(ZONE_SUFFIXES, key=len, reverse=True) if rest[end:].startswith(z)), None)
        if zone and not is_zone(place):  # 翎州 + 高新技术产业开发区: one zone, not two places
            place += zone
            end += len(zone)
        places.append(place)
        rest = rest[end:]
    return places, rest


def place_stem(place: str) -> str:
    for suffix in sorted(ZONE_SUFFIXES, key=len, reverse=True) + list(PLACE_SUFFIXES):
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def place_forms(place: str) -> set[str]:
    """Every way of writing a place: 平潭综合实验区 → {平潭综合实验区, 平潭实验区, 平潭}."""
    stem = place_stem(place)
    forms = {place}
    if len(stem) >= 2:
        forms.add(stem)
    for suffix, shorts in ZONE_SHORT.items():
        if place.endswith(suffix):
            forms.update(stem + s for s in shorts)
    return forms


def is_zone(place: str) -> bool:
    return place.endswith(ZONE_SUFFIXES)


def place_government(name: str) -> str | None:
    """A place written alone means its government: 白河县 → 白河县人民政府, a zone → its 管理委员会."""
    places, rest = split_places(name)
    if rest or not places:
        return None
    last = places[-1]
    if is_zone(last):
        return name + "管理委员会"
    if last.endswith("街道"):
        return name + "办事处"
    return name + "人民政府"


def organ_of(rest: str) -> str:
    for form, full in _ORGAN_FORMS:
        if rest == form:
            return full
    stripped = re.sub(r"^[省市区县镇乡]", "", rest)
    for form, full in _ORGAN_FORMS:
        if stripped == form:
            return full
    return rest


@lru_cache(maxsize=4096)
def organ_forms(organ: str) -> tuple[str, ...]:
    """The forms that name ``organ``, longest first: listed ones plus the rule-derived ones."""
    forms = {organ, *ORGANS.get(organ, ())}
    forms |= {f.replace("与", "和") for f in forms} | {f.replace("和", "与") for f in forms}  # 与 and 和 join alike
    if organ.endswith("委员会") and organ != "管理委员会":
        forms.add(organ[:-3] + "委")
    if organ.startswith("人民"):
        forms.add(organ[2:])
    m = re.match(r"^(.+?)和(.+?)(?:管理)?(局|委员会|委)$", organ)
    if m:  # 政务服务和大数据管理局 → 大数据局, 政务服务局
        last = "委" if m.group(3) != "局" else "局"
        for part in (m.group(1), m.group(2)):
            if len(part) >= 2:
                forms.add(part + last)
                if part.startswith("大") and len(part) >= 3:
                    forms.add(part[1:] + last)
    return tuple(sorted((f for f in forms if len(f) >= 2), key=len, reverse=True))


def is_abbreviation(short: str, full: str) -> bool:
    """城管局 of 城市管理和综合执法局, 发改局 of 发展和改革局: the short form keeps the first and the
    last character and the rest in order; or it is a run of the name plus its last character
    (大数据局). 委员会 counts as 委."""
    full = re.sub(r"委员会$", "委", full) if full != "管理委员会" else full
    short = re.sub(r"委员会$", "委", short) if short != "管理委员会" else short
    if len(short) < 2 or len(short) >= len(full) or short[-1] != full[-1]:
        return False
    if short[0] == full[0]:
        rest = iter(full)
        return all(ch in rest for ch in short)
    return len(short) >= 3 and short[:-1] in full[:-1]


@lru_cache(maxsize=65536)
def organ_matches(report_organ: str, organ: str, form: str) -> bool:
    if report_organ == organ or form in organ_forms(report_organ):
        return True
    return is_abbreviation(form, report_organ) or is_abbreviation(organ, report_organ)


def parse_agency(name: str) -> AgencyName:
    places, rest = split_places(name)
    if rest == "办事处" and places and places[-1].endswith("街道"):
        rest = "街道办事处"  # 沐桥街道 + 办事处
    if rest:
        organ = organ_of(rest)
    elif places and is_zone(places[-1]):
        organ = "管理委员会"
    else:
        organ = places.pop() if len(places) > 1 else ""
    return AgencyName(
        full=name,
        places=places,
        place_stems=[place_stem(p) for p in places],
        organ=organ,
        organ_forms=list(organ_forms(organ)) if organ else [],
    )


def canonical_agency(raw: str, body: str = "") -> str:
    """The official long name when the body spells it out (济宁市科技局 → 济宁市科学技术局)."""
    raw = re.sub(r"\s+", "", raw)
    parsed = parse_agency(raw)
    if parsed.places and parsed.organ and body:
        prefix = "".join(parsed.places)
        best = raw
        for full_organ, shorts in ORGANS.items():
            if parsed.organ in shorts or parsed.organ == full_organ:
                candidate = prefix + full_organ
                if candidate != raw and candidate in body and len(candidate) > len(best):
                    best = candidate
        if best == raw:
            rest = raw[len(prefix):]
            for m in re.finditer(re.escape(prefix) + r"([\u4e00-\u9fff]{2,16}?(?:局|委员会|办公室|中心))", body):
                candidate_organ = m.group(1)
                if candidate_organ != rest and is_abbreviation(rest, candidate_organ):
                    best = prefix + candidate_organ
                    break
        return best
    return raw
