"""Title, agency and year of a report without hand entry.

Evidence, strongest first: the title (in the text, a crawler ``标题:`` line or the page title);
the compiler named in the body (本报告由X编制); the publisher header (发布机构/来源); the contact
office (请与X联系, 可致电X) read together with how the report refers to itself (我局 / 我区 /
我办); the signature at the end. The year comes from the title, else the statistics period
(统计期限自2021年1月1日起), else the publication date. A place named alone means that place's
government (白河县 → 白河县人民政府; a zone → its 管理委员会), and a name is completed with the
higher places the report itself writes before it (晋安区人民政府 → 福州市晋安区人民政府).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from knowledge.agencies import ORGAN_END, ZONE_SUFFIXES, canonical_agency, parse_agency, place_government

_YEAR = r"(?:19|20)\d{2}"
_TITLE = re.compile(
    rf"([\u4e00-\u9fff（）()·]{{0,40}}?{_YEAR}\s*年\s*度?[\u4e00-\u9fff（）()·]{{0,40}}?"
    r"(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,8}?(?:年度报告|年报|工作报告|报告))")
_TITLE_NOISE = ("当前位置", "首页", "年报", "专栏", "栏目", "公开目录", "来源")
_PERIOD = re.compile(rf"(?:统计期限|统计时限|统计时间|统计区间|数据期限)[^。；]{{0,8}}?({_YEAR})\s*年")
_SPAN = re.compile(rf"({_YEAR})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*(?:\1\s*年\s*)?12\s*月\s*31\s*日")
_COMPILER = re.compile(r"(?:由|系)\s*([\u4e00-\u9fff（）()]{3,40}?)\s*(?:负责)?(?:编制|编写|制作|发布)"
                       r"|([\u4e00-\u9fff]{3,30}?(?:局|委员会|委|办公室|人民政府|管理委员会|中心|办事处))\s*(?:负责)?编制(?:了|完成了?)?本")
_CONTACT = re.compile(r"(?:请与|请联系|可联系|可致电|请致电|联系单位\s*[:：]|咨询单位\s*[:：])\s*([\u4e00-\u9fff（）()]{3,40}?)"
                      r"\s*(?:联系|[（(，,。：:；;]|电话|\d)")
_SELF = re.compile(r"我(局|委|办|厅|院|署|中心|室|区|县|市|镇|乡|州|省|旗|街道)")
_INTERNAL_OFFICE = re.compile(r"(?:政府)?(?:信息公开|政务公开|公开)(?:工作)?(?:领导小组)?办公室$|领导小组办公室$|"
                              r"(?:办公室|综合科|办公科|秘书科|综合股|办公股)$")


@dataclass
class ReportMeta:
    title: str
    agency: str
    year: int


class MetaError(ValueError):
    pass


def clean_name(name: str) -> str:
    name = re.sub(r"[\s#*`>《》“”\"'【】\[\]]", "", name)
    name = re.sub(r"^(?:关于|有关|本机关|本单位)", "", name)
    name = re.sub(r"(?:的|关于)$", "", name)
    return name.strip("：:，,。、")


def find_title(lines: list[str], header: dict[str, str]) -> str | None:
    for key in ("标题", "题目"):
        value = clean_name(header.get(key, ""))
        for m in _TITLE.finditer(value):
            if _plausible_title(value, m):
                return _strip_breadcrumb(m.group(1))
    head = "\n".join(lines[:40])[:6000]
    head_lines = [x for x in head.split("\n") if x.strip()]
    for k, line in enumerate(head_lines[:-1]):  # a title broken over two lines
        nxt = re.sub(r"\s+", "", head_lines[k + 1])
        this = re.sub(r"\s+", "", line)
        if nxt in ("年度报告", "报告", "工作年度报告") and re.search(_YEAR, line):
            head_lines[k] = this + nxt  # …工作 / 年 度 报 告
        elif _valid_agency(this) and parse_agency(this).places and re.match(rf"^{_YEAR}年", nxt) and _TITLE.search(nxt):
            head_lines[k] = this + nxt  # 鹭汀市生态环境局 / 2025 年政府信息公开工作年度报告
    for line in head_lines:
        compact = re.sub(r"[ \t\u3000]+(?=[\u4e00-\u9fff\d])", "", line.strip()) if len(line) <= 80 else line
        for m in _TITLE.finditer(compact):
            if _plausible_title(compact, m):
                return _strip_breadcrumb(m.group(1))
    return None


def _plausible_title(line: str, m: re.Match[str]) -> bool:
    """A title stands alone (not inside a sentence or 《…》) and names an agency, or nothing."""
    start, end = m.span(1)
    before = line[start - 1] if start > 0 else ""
    if before == "《" or "关于" in m.group(1) or "通知" in m.group(1):
        return False
    title = _strip_breadcrumb(m.group(1))
    name = agency_from_title(title)
    if name is None:
        return True  # 2021年度政府信息公开工作年度报告: the agency is elsewhere
    return _valid_agency(name)


def _strip_breadcrumb(title: str) -> str:
    year = re.search(_YEAR, title)
    cut = 0
    for noise in _TITLE_NOISE:
        k = title.rfind(noise, 0, year.start() if year else len(title))
        if k != -1:
            cut = max(cut, k + len(noise))
    return title[cut:]


def agency_from_title(title: str) -> str | None:
    m = re.search(rf"({_YEAR})\s*年", title)
    if not m:
        return None
    before = clean_name(title[: m.start()])
    if len(before) >= 2:
        return before
    after = re.match(r"^\s*度?\s*(.+?)(?:政府信息公开|政务公开|信息公开)", title[m.end():])
    name = clean_name(after.group(1)) if after else ""
    return name if len(name) >= 2 else None


def year_from(text: str, title: str | None, header: dict[str, str]) -> int | None:
    if title:
        m = re.search(rf"({_YEAR})\s*年", title)
        if m:
            return int(m.group(1))
    head = text[:6000]
    for pattern in (_PERIOD, _SPAN):
        m = pattern.search(head)
        if m:
            return int(m.group(1))
    counts = Counter(int(y) for y in re.findall(rf"({_YEAR})\s*年度", head))
    if counts:
        return counts.most_common(1)[0][0]
    counts = Counter(int(y) for y in re.findall(rf"(?<!\d)({_YEAR})\s*年(?!\d{{1,2}}月\d)", head[:3000]))
    if counts:
        return counts.most_common(1)[0][0]
    for key in ("发布时间", "发布日期", "成文日期", "公文生成日期", "时间"):
        m = re.search(rf"({_YEAR})\s*[-/年.]\s*(\d{{1,2}})", header.get(key, ""))
        if m:
            return int(m.group(1)) - 1 if int(m.group(2)) <= 6 else int(m.group(1))
    return None


def _valid_agency(name: str) -> bool:
    if not 3 <= len(name) <= 40:
        return False
    if re.search(r"\d|年度|报告|条例|本报告|工作", name):
        return False
    return bool(ORGAN_END.search(name) or place_government(name))


def _self_reference(text: str) -> str | None:
    """How the report refers to itself: 我局 / 我办 (an organ) or 我区 / 全区 (the whole place)."""
    counts = Counter(_SELF.findall(text))
    for m in re.finditer(r"全(区|县|市|镇|乡|州|省|旗)(?:共|各|全年|范围)", text):
        counts[m.group(1)] += 1
    return counts.most_common(1)[0][0] if counts else None


def resolve_office(name: str, self_ref: str | None) -> str:
    """An office named as compiler or contact → the agency whose report it is."""
    m = _INTERNAL_OFFICE.search(name)
    if not m:
        return name
    parent = name[: m.start()]
    if name.endswith("人民政府办公室") or name.endswith("政府办公室"):
        if self_ref in ("办", "室"):
            return name
        if self_ref and self_ref in "区县市镇乡州省旗街道" and parent:
            return parent
        return name
    if parent and ORGAN_END.search(parent):
        return parent
    if parent and place_government(parent):
        return place_government(parent) or name
    return name


_UNIT = re.compile(r"(?:局|委员会|委|人民政府|管理委员会|中心|办事处)(?=(?!办公室$|办公厅$)[\u4e00-\u9fff]{1,10}(?:科|股|处|室|组)$)")


def internal_unit_parent(name: str) -> str:
    """X局政务公开科 → X局: a section inside an agency stands for the agency."""
    m = None
    for m in _UNIT.finditer(name):
        pass
    return name[:m.end()] if m else name


def complete_places(name: str, text: str) -> str:
    """Prefix the higher places the report writes before the agency's first place."""
    parsed = parse_agency(name)
    if not parsed.places:
        return name
    first = parsed.places[0]
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)  # lines wrapped inside a name
    found = Counter()
    for m in re.finditer(rf"([\u4e00-\u9fff]{{2,12}}?(?:省|市|自治州|州|盟|地区|县|区))\s*{re.escape(first)}", text):
        prefix = re.sub(r"^.*[由与请电系在向对是的于和及经据按将从]", "", m.group(1))
        chain = parse_agency(prefix + "局").places if len(prefix) >= 2 else []
        # trim words before the first real place (请致电福宁市 → 福宁市): a place name is short
        while chain and len(chain[0]) > 6:
            head = chain[0]
            shorter = parse_agency(head[1:] + "局").places
            if not shorter:
                chain = []
                break
            chain = shorter + chain[1:]
        prefix = "".join(chain)
        if chain and all(len(p) <= 6 or p.endswith(ZONE_SUFFIXES) for p in chain):
            found[prefix] += 1
    if not found:
        return name
    prefix = max(found, key=lambda p: (found[p], len(p)))
    return prefix + name if not name.startswith(prefix) else name


def infer_meta(lines: list[str], header: dict[str, str], text: str, *, agency: str | None = None,
               year: int | None = None) -> ReportMeta:
    title = find_title(lines, header)
    found_year = year or year_from(text, title, header)
    if found_year is None:
        raise MetaError("无法确定报告年度（标题和统计期限中都没有年份），请用 --year 指定")
    name = agency
    if not name and title:
        name = agency_from_title(title)
    self_ref = _self_reference(text)
    if not name:
        name = _agency_from_body(text, header, self_ref)
    if not name:
        raise MetaError("无法确定发布机关（标题、编制单位、联系单位中都没有），请用 --agency 指定")
    name = clean_name(name)
    if not agency:
        name = place_government(name) or name
        name = complete_places(name, text)
        name = canonical_agency(name, text)
    if not title:
        title = f"{name}{found_year}年政府信息公开工作年度报告"
    return ReportMeta(title=title, agency=name, year=found_year)


def _agency_from_body(text: str, header: dict[str, str], self_ref: str | None) -> str | None:
    head = text[:3000]
    candidates: list[str] = []
    for m in _COMPILER.finditer(head):
        candidates.append(clean_name(m.group(1) or m.group(2)))
    for key in ("发布机构", "发文机关", "发布单位", "来源", "信息来源"):
        if header.get(key):
            candidates.append(clean_name(header[key]))
    for m in _CONTACT.finditer(text[:6000]):
        candidates.append(clean_name(m.group(1)))
    tail = [x.strip() for x in text[-400:].split("\n") if x.strip()]
    for line in reversed(tail[-4:]):
        compact = re.sub(r"\s+", "", line)
        compact = re.sub(rf"{_YEAR}年\d{{1,2}}月\d{{1,2}}日$|[二〇○零一二三四五六七八九十]{{4}}年.*日$", "", compact)
        if 3 <= len(compact) <= 30:
            candidates.append(compact)
    for candidate in candidates:
        candidate = internal_unit_parent(re.sub(r"^(?:本报告由|本报告|我)", "", candidate))
        if _valid_agency(candidate) and parse_agency(candidate).places:
            return resolve_office(candidate, self_ref)
    bare = _bare_level_organ(text)
    if bare:
        return bare
    m = _FIRST_NAME.search(text[:800])
    if m and _valid_agency(m.group(1)):
        return resolve_office(m.group(1), self_ref)
    return None


_FIRST_NAME = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:省|市|县|区|镇|乡)[\u4e00-\u9fff]{1,14}?"
                         r"(?:人民政府办公室|人民政府|管理委员会|委员会|局|办公室|中心))")


_BARE = re.compile(r"(?<![\u4e00-\u9fff])([县区市镇乡])([\u4e00-\u9fff]{1,10}?(?:局|委员会|委|办公室|中心))")


def _bare_level_organ(text: str) -> str | None:
    """县审计局 (the report names itself by level only) + the county the report names → 桃江县审计局."""
    head = text[:4000]
    organs = Counter((m.group(1), m.group(2)) for m in _BARE.finditer(head))
    if not organs:
        return None
    (level, organ), _ = organs.most_common(1)[0]
    places = Counter(m.group(1) for m in re.finditer(rf"([\u4e00-\u9fff]{{2,4}}?{level})", head)
                     if parse_agency(m.group(1) + "局").places == [m.group(1)] and m.group(1)[:-1] not in ("全", "本", "我", "各", "该"))
    if not places:
        return None
    return places.most_common(1)[0][0] + organ
