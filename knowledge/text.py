"""Text normalisation shared by parsing, indexing and question analysis."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u200b\ufeff]+")
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)*%?$")


def clean_line(text: str) -> str:
    """Strip all kinds of white space at both ends and fold inner runs to one space."""
    return _WS.sub(" ", text).strip()


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def fold(text: str) -> str:
    """Matching form: NFKC (full-width → half-width), lower case, no white space."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _WS.sub("", text)


def to_simplified(text: str) -> str:
    """A question written in traditional characters (平潭實驗區…主動公開) in simplified ones, as the
    reports are written; text with no traditional-only character is returned as it is (the
    conversion costs a tenth of a millisecond, the check a few microseconds)."""
    if _traditional_only().isdisjoint(text):
        return text
    return _converter().convert(text)


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_only() -> frozenset[str]:
    """Characters that OpenCC maps to another simplified character and that are not themselves
    simplified (乾/著 stay: they are written in simplified text too)."""
    from pathlib import Path

    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    def mapping(name: str) -> dict[str, str]:
        out = {}
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if len(key) == 1 and values:
                out[key] = values.split()[0]
        return out

    t2s, s2t = mapping("TSCharacters.txt"), mapping("STCharacters.txt")
    return frozenset(ch for ch, simple in t2s.items() if simple != ch and ch not in s2t)


# punctuation and spaces break runs; private-use characters are concept tokens (knowledge.frame)
_PUNCT = re.compile(r"[^\w\ue000-\uf8ff]+|_", re.UNICODE)


def strip_punct(text: str) -> str:
    return _PUNCT.sub("", text)


_CONCEPT_CHAR = re.compile(r"[\ue000-\uf8ff]")


def bigrams(text: str) -> list[str]:
    """Character bigrams of each run of letters/digits/Han (punctuation breaks runs); each
    private-use character (a concept token) is a term of its own."""
    out: list[str] = []
    if _CONCEPT_CHAR.search(text):
        out.extend(_CONCEPT_CHAR.findall(text))
        text = _CONCEPT_CHAR.sub(" ", text)
    for run in _PUNCT.split(text):
        if not run:
            continue
        if len(run) == 1:
            out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class Vocabulary:
    """A set of written forms, found in a text without trying every substring: each position is
    tried only with the lengths of the forms that begin with its character."""

    def __init__(self, forms) -> None:
        self.forms = frozenset(forms)
        lengths: dict[str, set[int]] = {}
        for form in self.forms:
            if form:
                lengths.setdefault(form[0], set()).add(len(form))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}

    def occurrences(self, text: str, min_length: int = 1) -> list[tuple[int, str]]:
        """Every (position, form) found, overlapping ones included."""
        out: list[tuple[int, str]] = []
        for i, ch in enumerate(text):
            for n in self._lengths.get(ch, ()):
                if n >= min_length and text[i:i + n] in self.forms:
                    out.append((i, text[i:i + n]))
        return out

    def longest_first(self, text: str, min_length: int = 2) -> list[tuple[int, str]]:
        """Forms found longest first, none overlapping one already taken; in text order."""
        taken = [False] * len(text)
        found: list[tuple[int, str]] = []
        for i, form in sorted(self.occurrences(text, min_length), key=lambda m: (-len(m[1]), m[0])):
            if not any(taken[i:i + len(form)]):
                found.append((i, form))
                for k in range(i, i + len(form)):
                    taken[k] = True
        return sorted(found)
