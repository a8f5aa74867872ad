"""Agency names: full official names, the short forms people type, and the places in them.

An agency name is a chain of places (省/市/区/县/镇/乡/街道) followed by an organ
(交通运输局, 人民政府 …). People drop the place suffix (青禾交通局), shorten the organ
(科技局 for 科学技术局, 县政府 for 县人民政府) or name only the place (云岭县).
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

# Full organ names with the short forms people use. Order matters only for readability;
# matching always prefers the longest form found.
ORGANS: dict[str, tuple[str, ...]] = {
    "人民政府": ("政府",),
    "人民政府办公室": ("政府办公室", "政府办"),
    "科学技术局": ("科技局",),
    "交通运输局": ("交通局", "交运局"),
    "水务局": ("水利局",),
    "教育局": ("教体局",),
    "公安局": (),
    "财政局": (),
    "民政局": (),
    "司法局": (),
    "审计局": (),
    "统计局": (),
    "商务局": (),
    "税务局": (),
    "林业局": (),
    "体育局": (),
    "档案局": (),
    "信访局": (),
    "粮食局": (),
    "气象局": (),
    "地震局": (),
    "人力资源和社会保障局": ("人社局", "人力资源社会保障局"),
    "自然资源和规划局": ("自然资源局", "资规局"),
    "自然资源局": ("国土局",),
    "生态环境局": ("环保局", "环境局"),
    "住房和城乡建设局": ("住建局", "建设局"),
    "农业农村局": ("农业局", "农委"),
    "文化和旅游局": ("文旅局", "文化旅游局"),
    "卫生健康委员会": ("卫健委", "卫生局"),
    "发展和改革委员会": ("发改委", "发展改革委"),
    "工业和信息化局": ("工信局",),
    "市场监督管理局": ("市场监管局", "市监局", "工商局"),
    "应急管理局": ("应急局", "安监局"),
    "医疗保障局": ("医保局",),
    "退役军人事务局": ("退役军人局",),
    "城市管理局": ("城管局", "城市管理综合执法局"),
    "综合行政执法局": ("执法局",),
    "行政审批服务局": ("审批局", "行政审批局"),
    "政务服务管理局": ("政务服务局", "数据局"),
    "大数据局": (),
    "住房公积金管理中心": ("公积金中心",),
    "国有资产监督管理委员会": ("国资委",),
    "民族宗教事务局": ("民宗局",),
    "港航管理局": (),
    "园林局": (),
    "规划局": (),
    "物价局": (),
    "海关": (),
}

# Words ending like a place that are not one (城市管理局 is an organ, not the place 城市 + 管理局).
NOT_PLACE_WORDS = frozenset({"城市", "都市", "社区", "小区", "城区", "市区", "地区", "园区", "景区", "郊区", "山区",
                             "街区", "辖区", "片区", "农村", "城乡"})
PLACE_SUFFIXES = ("自治区", "自治州", "自治县", "街道", "省", "市", "区", "县", "镇", "乡", "州", "旗")

_ORGAN_FORMS: list[tuple[str, str]] = sorted(
    [(full, full) for full in ORGANS] + [(short, full) for full, shorts in ORGANS.items() for short in shorts],
    key=lambda pair: -len(pair[0]),
)
_GENERIC_ORGAN = re.compile(r"(局|委员会|委|办公室|中心|厅|院|署|办)$")


@dataclass
class AgencyName:
    full: str
    places: list[str]          # e.g. ["青禾市"]
    place_stems: list[str]     # e.g. ["青禾"]
    organ: str                 # canonical organ, e.g. "交通运输局"
    organ_forms: list[str] = field(default_factory=list)  # every form that names this organ

    @property
    def level(self) -> str:
        return self.places[-1][-1] if self.places else ""


def split_places(name: str) -> tuple[list[str], str]:
    """``常州市武进区湖塘镇人民政府`` → (["常州市", "武进区", "湖塘镇"], "人民政府")."""
    places: list[str] = []
    rest = name
    while rest:
        organ = match_organ_prefix(rest)
        if organ and places:
            break
        m = re.match(r"^([\u4e00-\u9fff]{1,8}?(?:" + "|".join(PLACE_SUFFIXES) + "))", rest)
        if not m or len(m.group(1)) < 2 or m.group(1) in NOT_PLACE_WORDS:
            break
        end = m.end()
        while end < len(rest) and rest[end] in "省市区县" and not match_organ_prefix(rest[end:]):
            end += 1  # 常州 + 市: 州 is part of the name, not the suffix
        places.append(rest[:end])
        rest = rest[end:]
    return places, rest


def match_organ_prefix(text: str) -> str | None:
    for form, full in _ORGAN_FORMS:
        if text.startswith(form):
            return full
    return None


def organ_of(rest: str) -> str:
    """The canonical organ for the tail of an agency name (科技局 → 科学技术局)."""
    for form, full in _ORGAN_FORMS:
        if rest == form:
            return full
    # 县政府 / 市政府 → 人民政府 ; 局机关 etc. keep as is
    stripped = re.sub(r"^[省市区县镇乡]", "", rest)
    for form, full in _ORGAN_FORMS:
        if stripped == form:
            return full
    return rest


def place_stem(place: str) -> str:
    for suffix in PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def parse_agency(name: str) -> AgencyName:
    places, rest = split_places(name)
    organ = organ_of(rest) if rest else (places.pop() if len(places) > 1 else "")
    forms = {organ, rest} | set(ORGANS.get(organ, ()))
    forms.discard("")
    return AgencyName(
        full=name,
        places=places,
        place_stems=[place_stem(p) for p in places],
        organ=organ,
        organ_forms=sorted(forms, key=len, reverse=True),
    )


def canonical_agency(raw: str, body: str = "") -> str:
    """The official long name when the body spells it out (济宁市科技局 → 济宁市科学技术局)."""
    raw = re.sub(r"\s+", "", raw)
    parsed = parse_agency(raw)
    if parsed.places and parsed.organ and parsed.organ != raw:
        full = "".join(parsed.places) + parsed.organ
        if full != raw and full in body:
            return full
    return raw


@lru_cache(maxsize=8)
def _organ_forms(extra: frozenset[str]) -> list[tuple[str, str]]:
    if not extra:
        return _ORGAN_FORMS
    return sorted(_ORGAN_FORMS + [(e, e) for e in extra if e not in ORGANS], key=lambda p: -len(p[0]))


def find_organs(text: str, extra: set[str] | frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Organ mentions in ``text`` as (start, end, canonical organ), longest match first.

    ``extra``: organ names of loaded reports that the built-in vocabulary does not know."""
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    for form, full in _organ_forms(frozenset(extra)):
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            if not any(taken[start:end]):
                found.append((start, end, full))
                for k in range(start, end):
                    taken[k] = True
            start = text.find(form, end)
    return sorted(found)
