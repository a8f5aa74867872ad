"""Text normalisation shared by parsing, indexing and question analysis."""

from __future__ import annotations

import re
import unicodedata

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
