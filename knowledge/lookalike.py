"""Look-alike reports: the same text under another agency, place and year, with other numbers.

Used by the benchmarks (knowledge bases of any size) and by tests that check answers come from
the right agency and year when many similar reports are loaded.
"""

from __future__ import annotations

import random
import re

from knowledge.agencies import parse_agency
from knowledge.lexicon import ORGANS as LEXICON_ORGANS

PLACE_CHARS = "东南西北安平宁和兴华新永长青金银云河山川湖江海泉林松柏桂兰梅竹星月明阳春秋文武德仁"
# organs of the look-alike agencies: common full organ names of the vocabulary
ORGANS = tuple(name for name in LEXICON_ORGANS if name.endswith(("局", "委员会", "人民政府")))[:16]


def random_place(rng: random.Random, taken: set[str]) -> str:
    """A new two-character place stem, three characters once most pairs are used."""
    length = 2 if len(taken) < len(PLACE_CHARS) ** 2 // 2 else 3
    while True:
        stem = "".join(rng.choice(PLACE_CHARS) for _ in range(length))
        if len(set(stem)) == length and stem not in taken:
            taken.add(stem)
            return stem


def make_lookalike(text: str, agency: str, year: int, *, new_place: str, new_year: int,
                   new_organ: str | None = None, rng: random.Random | None = None,
                   vary_numbers: bool = True) -> tuple[str, str]:
    """Rewrite ``text`` (a report of ``agency`` for ``year``); returns (text, new agency name)."""
    name = parse_agency(agency)
    out = text
    for place, stem in zip(name.places, name.place_stems):
        suffix = place[len(stem):]
        out = out.replace(place, new_place + suffix)
        out = out.replace(stem, new_place)
    if new_organ and name.organ:
        for form in name.organ_forms:
            out = out.replace(form, new_organ)
    shift = new_year - year
    out = re.sub(r"(?<!\d)(19\d{2}|20\d{2})(?=\s*年|[-./]\d)", lambda m: str(int(m.group(1)) + shift), out)
    if vary_numbers and rng is not None:
        def vary(m: re.Match[str]) -> str:
            value = m.group(0)
            if len(value) >= 4 or value in ("0", "1", "2"):
                return value
            return str(max(0, int(value) + rng.randint(-3, 9)))
        out = re.sub(r"(?<![\d.年])\d{1,3}(?![\d.%年月日号])", vary, out)
    places = "".join(p.replace(s, new_place) for p, s in zip(name.places, name.place_stems))
    new_agency = places + (new_organ or name.organ)
    return out, new_agency

