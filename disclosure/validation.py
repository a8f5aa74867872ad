"""Validation and masking of an applicant's identifiers (pure; no I/O).

- resident identity card number: GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check character)
- unified social credit code (统一社会信用代码): GB 32100-2015 (18 characters, MOD 31 check character)
- mainland mobile and landline numbers, e-mail addresses

Each ``normalize_*`` returns the canonical form or ``None`` when the input is invalid.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{_USCC_CHARSET}]{{18}}$")

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$")
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－＋＠．",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-+@.",
)


def _clean(value: str) -> str:
    return value.translate(_FULLWIDTH).strip().replace(" ", "").replace("\u3000", "")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalize_resident_id(value: str, *, today: date) -> str | None:
    """The 18-character resident ID number with an upper-case X, or None (bad format, check character,
    or a birth date before 1900 or after ``today`` — the caller's legal date; rules read no clock)."""
    s = _clean(value).upper()
    if not _ID_RE.match(s):
        return None
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None
    if born.year < 1900 or born > today:
        return None
    if resident_id_check_char(s[:17]) != s[17]:
        return None
    return s


def is_valid_resident_id(value: str, *, today: date) -> bool:
    return normalize_resident_id(value, today=today) is not None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str | None:
    """The 18-character unified social credit code (upper case), or None."""
    s = _clean(value).upper()
    if not _USCC_RE.match(s):
        return None
    if uscc_check_char(s[:17]) != s[17]:
        return None
    return s


def is_valid_uscc(value: str) -> bool:
    return normalize_uscc(value) is not None


def normalize_phone(value: str) -> str | None:
    """A mainland mobile (11 digits, optional +86/86) or a landline with area code, or None."""
    s = _clean(value).replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    if s.startswith("+86"):
        s = s[3:].lstrip("-")
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    digits = s.replace("-", "")
    if _MOBILE_RE.match(digits):
        return digits
    if "-" in s and _LANDLINE_RE.match(s):
        return s
    if digits.isdigit() and digits.startswith("0") and 10 <= len(digits) <= 12:
        # area code glued to the number: 3-digit codes start with 01/02, the rest have 4 digits
        code_len = 3 if digits[1] in "12" else 4
        candidate = f"{digits[:code_len]}-{digits[code_len:]}"
        if _LANDLINE_RE.match(candidate):
            return candidate
    return None


def normalize_email(value: str) -> str | None:
    s = _clean(value)
    if len(s) > 254 or not _EMAIL_RE.match(s):
        return None
    return s


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date_text(value: str) -> date:
    """A date typed by staff: ``2026-09-28``, ``2026/09/28``, ``2026.9.28`` or ``2026年9月28日``
    (full-width digits too). Raises ValueError for anything else or an impossible date."""
    text = str(value).translate(_FULLWIDTH).strip()
    m = _DATE_RE.fullmatch(text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def mask_id(value: str | None) -> str:
    """``110101199003071234`` → ``1101**********1234`` (first and last four kept)."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; ``0531-12345678`` → ``0531-****5678``."""
    if not value:
        return ""
    s = str(value)
    if len(s) == 11 and s.isdigit():
        return s[:3] + "****" + s[-4:]
    if "-" in s:
        head, rest = s.split("-", 1)
        return head + "-" + "*" * max(len(rest) - 4, 0) + rest[-4:]
    if len(s) <= 4:
        return "*" * len(s)
    return s[:3] + "*" * max(len(s) - 7, 1) + s[-4:]


def mask_email(value: str | None) -> str:
    if not value or "@" not in value:
        return value or ""
    local, domain = value.split("@", 1)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(value: str | None) -> str:
    """A person's name: ``王小明`` → ``王*明``, ``李四`` → ``李*``."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 1:
        return s
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]


def mask_address(value: str | None) -> str:
    """An address: the first half (at most six characters: the province and city) kept, the rest hidden."""
    if not value:
        return ""
    s = str(value)
    keep = min(6, len(s) // 2)
    return s[:keep] + "*" * min(len(s) - keep, 8)
