"""From extracted lines to clean report text, whatever produced the lines.

- **Crawler files** start with ``key: value`` lines (标题, 发布时间, 发布机构 …) and a separator;
  they are kept as hints for the metadata, not as report text. Site chrome (当前位置, 来源/时间,
  share buttons, 字号, 打印, 附件下载) is dropped.
- **PDF text layers** break every line at the page width, put page marks (``- 2 -``) between
  pages, space out labels (``电 话 ：``) and separate numbers from units (``2176 件``); lines are
  reflowed into paragraphs unless a line ends a sentence or the next starts a heading or item.
- **Crawler text** puts a whole report on one line: headings (一、… （一）…) are split off.
- **Markdown** from PDF converters: heading marks and emphasis are dropped (tables are read by
  ``knowledge.tables`` whatever their separators).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from knowledge.lexicon import SECTION_TITLES

CN_NUM = "一二三四五六七八九十"
HEADER_KEYS = ("标题", "题目", "发布时间", "发布日期", "成文日期", "公文生成日期", "时间", "文号", "发文字号",
               "备注/文号", "发布机构", "发文机关", "发布单位", "来源", "信息来源", "栏目", "原文链接", "本地目录",
               "索引号", "主题分类", "作者")
_HEADER_LINE = re.compile(r"^\s*([\u4e00-\u9fff/ ]{1,8}?)\s*[:：]\s*(.*)$")
_SEPARATOR = re.compile(r"^\s*[=＝\-—_*#]{4,}.*$")

_CHROME = [
    re.compile(r"当前位置\s*[:：].{0,120}?(?=(?:来源|发布机构|信息来源)\s*[:：])"),
    re.compile(r"(?:来源|信息来源)\s*[:：]\s*\S{2,30}\s*(?:发布)?时间\s*[:：]\s*[\d\-/ :年月日]{8,22}"),
    re.compile(r"(?:微信|微博|QQ空间|分享到)(?:\s*(?:微信|微博|QQ空间|朋友圈|qq))+"),
    re.compile(r"全真版\s*文字版\s*(?:文件下载)?"),
    re.compile(r"相关链接\s*[:：]\s*-*>?"),
    re.compile(r"【?\s*字[体号]\s*[:：]\s*[大中小\s]{3,9}】?"),
    re.compile(r"(?:打印本页|关闭窗口|打印\s*关闭|【打印】|【关闭】|收藏本页)"),
    re.compile(r"附件下载\s*[:：]?\s*$"),
    re.compile(r"-->"),
]
_PAGE_MARK = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
                        r"\d{1,3}\s*/\s*\d{1,3}|Page\s*\d+(?:\s*of\s*\d+)?)\s*$", re.I)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
# a label spaced out character by character (电 话 ：); a space between two words (事项 无其他) stays
_SPACED_HAN = re.compile(r"(?:(?<=^[\u4e00-\u9fff])|(?<=[^\u4e00-\u9fff][\u4e00-\u9fff])|(?<=[：:]))[ \u3000]+(?=[\u4e00-\u9fff：:（(])"
                         r"|(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff](?:[^\u4e00-\u9fff]|$)|[：:（(])")
_NUMBER_UNIT = re.compile(r"(?<=\d)[ \u3000]+(?=(?:人次|万元|件|条|次|个|人|篇|项|期|份|家|元|户|%|％)(?![\u4e00-\u9fff]{0,1}\d))")
_UNIT_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=\d)")
_BARE_HEADING = re.compile(rf"^([{CN_NUM}]{{1,3}})[ \u3000]+(?=\S)")
RE_L1 = re.compile(rf"^[{CN_NUM}]{{1,3}}[、.．]")
RE_L2 = re.compile(rf"^[（(][{CN_NUM}]{{1,3}}[）)]")
RE_L3 = re.compile(r"^\d{1,2}[.．、](?!\d)")
SENTENCE_END = "。！？；!?;"
_CLOSERS = "。！？；：:!?;”’」）)】"


@dataclass
class Prepared:
    lines: list[str]
    header: dict[str, str] = field(default_factory=dict)


def prepare(lines: list[str]) -> Prepared:
    header: dict[str, str] = {}
    body: list[str] = []
    i = 0
    n = len(lines)
    # crawler header: "# source: …" and key: value lines up to a separator
    while i < n and i < 20:
        raw = lines[i].strip()
        if not raw:
            i += 1
            continue
        if raw.startswith("# source:") or raw.lower().startswith("source:"):
            i += 1
            continue
        m = _HEADER_LINE.match(raw)
        key = re.sub(r"\s+", "", m.group(1)) if m else ""
        if m and key in HEADER_KEYS and len(m.group(2)) <= 200:
            header.setdefault(key, m.group(2).strip())
            i += 1
            continue
        if _SEPARATOR.match(raw) and header:
            i += 1
            break
        if raw.startswith("页面链接") and header:
            i += 1
            continue
        break
    for raw in lines[i:]:
        line = raw.replace("\r", "")
        stripped = line.strip()
        m = _HEADER_LINE.match(stripped)
        if m and re.sub(r"\s+", "", m.group(1)) in HEADER_KEYS and len(stripped) <= 80 and len(body) < 15:
            header.setdefault(re.sub(r"\s+", "", m.group(1)), m.group(2).strip())
        if _PAGE_MARK.match(stripped):
            continue
        for chrome in _CHROME:
            line = chrome.sub(" ", line)
        line = _MD_HEADING.sub("", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        body.append(line)
    return Prepared(body, header)


def tidy(line: str) -> str:
    """Spacing inside one narrative line: spaced-out labels joined (电 话 → 电话), numbers joined
    to their units (2176 件 → 2176件), a bare numeral heading given its mark (一 概述 → 一、概述)."""
    line = line.strip()
    line = _BARE_HEADING.sub(lambda m: m.group(1) + "、", line) if _looks_bare_heading(line) else line
    line = _SPACED_HAN.sub("", line)
    line = _NUMBER_UNIT.sub("", line)
    line = _UNIT_NUMBER.sub("", line)
    return re.sub(r"[ \t\u3000\u00a0]+", " ", line).strip()


def _looks_bare_heading(line: str) -> bool:
    m = _BARE_HEADING.match(line)
    if not m:
        return False
    rest = line[m.end():]
    return len(rest) <= 30 and "。" not in rest and not rest[:1].isdigit() and not rest.startswith(("、", ".", "．"))


def is_heading_start(line: str) -> bool:
    return bool(RE_L1.match(line) or RE_L2.match(line) or RE_L3.match(line) or line.startswith(("其中：", "其中:"))
                or _looks_bare_heading(line))


def reflow(lines: list[str]) -> list[str]:
    """Paragraphs from lines that may be broken at a page width (PDF) or mid-sentence (web)."""
    items = [tidy(x) for x in lines]
    lengths = [len(x) for x in items if len(x) >= 8]
    width = statistics.median(lengths) if lengths else 0
    wrapped = _looks_wrapped(items, width)
    out: list[str] = []
    for line in items:
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1] and _continues(out[-1], line, width, wrapped):
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
    return [x for x in out if x]


def _looks_wrapped(items: list[str], width: float) -> bool:
    """Lines of about one width that do not end sentences: a PDF text layer."""
    if width < 15:
        return False
    full = [x for x in items if x and abs(len(x) - width) <= max(3, 0.12 * width)]
    open_ended = [x for x in full if x[-1] not in _CLOSERS]
    return len(full) >= 5 and len(open_ended) >= 0.5 * len(full)


def _continues(prev: str, line: str, width: float, wrapped: bool) -> bool:
    if prev[-1] in SENTENCE_END or is_heading_start(line):
        return False
    if _is_title_or_heading(prev):
        return False
    if wrapped:
        return len(prev) >= 0.8 * width or prev[-1] in "，、,（(“"
    # web text: a line cut inside a sentence (no end mark, the next line goes on)
    return prev[-1] in "，、,（(“" or (len(prev) >= 4 and not prev[-1].isdigit() and line[0] not in "（(【《"
                                         and _han_ratio(prev) > 0.5 and not _short_label(prev))


def _short_label(text: str) -> bool:
    return len(text) <= 12 and (text.endswith(("：", ":")) or re.search(r"\d{4}[-年]", text) is not None)


def _is_title_or_heading(text: str) -> bool:
    if is_heading_start(text) and len(text) <= 40 and "。" not in text:
        return True
    return bool(re.search(r"(?:年度?报告|年报|统计表)$", text)) and len(text) <= 60


def _han_ratio(text: str) -> float:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") / max(1, len(text))


def _join(a: str, b: str) -> str:
    if a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


# --- inline headings in run-together text -----------------------------------------------------

_HEAD_END = r"(?:情况|概述|事项|措施|问题|方面|说明|附表|统计表)"
_BEFORE = r"(?:(?<=^)|(?<=[。！？!?）)”」\s]))"
# a heading's words hold no space: 六、其他需要报告的事项 无其他需要报告的事项 is a heading and its text
# … and may follow a table row's last figure and unit (…2895.90元三、收到和处理…)
_INLINE_L1 = re.compile(rf"(?:(?<=^)|(?<=[。！？!?）)”」\s\d元件条个项次%]))([{CN_NUM}]{{1,2}}、\s*[^。；;，,：:（()）\d\s]{{2,30}}{_HEAD_END})")
_INLINE_L2 = re.compile(rf"{_BEFORE}([（(][{CN_NUM}]{{1,2}}[）)]\s*(?:[^。；;，,：:（()）]{{2,30}}?(?=[。：:])|"
                        rf"[^。；;，,：:（()）\d]{{2,30}}{_HEAD_END}))")


def split_inline_headings(paragraph: str) -> list[str]:
    """``…联系。一、总体情况2021年，我区…`` → [``…联系。``, ``一、总体情况``, ``2021年，我区…``]."""
    if len(paragraph) < 60:
        return [paragraph]
    out: list[str] = []
    for piece in _cut(paragraph, _INLINE_L1, _official_title):
        out.extend(_cut(piece, _INLINE_L2))
    return out


_TITLE_AFTER_MARK = re.compile(rf"^([{CN_NUM}]{{1,2}}、\s*)({'|'.join(sorted(SECTION_TITLES, key=len, reverse=True))})")


def _official_title(heading: str) -> int:
    """Where a run-together heading ends: after its official title, if it starts with one."""
    m = _TITLE_AFTER_MARK.match(heading)
    return m.end() if m else len(heading)


def _cut(text: str, pattern: re.Pattern[str], heading_end=len) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        end = m.start(1) + heading_end(m.group(1))
        if m.start(1) == 0 and end == len(text):
            return [text]
        before = text[pos:m.start(1)].lstrip(" 。：:").strip()
        if before:
            out.append(before)
        out.append(text[m.start(1):end].strip())
        pos = end
    rest = text[pos:].lstrip(" 。：:").strip()
    if rest:
        out.append(rest)
    return out
