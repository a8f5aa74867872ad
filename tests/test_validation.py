from __future__ import annotations

from datetime import date

from hypothesis import given, strategies as st

from disclosure.validation import (
    mask_email,
    mask_id,
    mask_phone,
    normalize_email,
    normalize_phone,
    normalize_resident_id,
    normalize_uscc,
    resident_id_check_char,
    uscc_check_char,
)

# Published examples: GB 11643 sample number and a real USCC (国家市场监督管理总局 sample / Huawei).
VALID_ID = "11010519491231002X"
VALID_USCC = "91440300708461136T"
TODAY = date(2026, 11, 23)


def test_resident_id_checksum():
    assert normalize_resident_id(VALID_ID, today=TODAY) == VALID_ID
    assert normalize_resident_id(VALID_ID.lower(), today=TODAY) == VALID_ID
    assert normalize_resident_id(" 110105 19491231 002x ", today=TODAY) == VALID_ID
    assert normalize_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == VALID_ID
    assert normalize_resident_id("110105194912310021", today=TODAY) is None  # wrong check character
    assert normalize_resident_id("11010519491331002X", today=TODAY) is None  # month 13
    assert normalize_resident_id("1101051949123100", today=TODAY) is None
    assert normalize_resident_id("", today=TODAY) is None
    assert normalize_resident_id("abcdefghijklmnopqr", today=TODAY) is None


def test_resident_id_birth_date_is_judged_against_the_given_day():
    """The rule reads no clock: the caller's legal date decides whether a birth date lies in the future."""
    first17 = "11010520261124001"  # born 2026-11-24
    number = first17 + resident_id_check_char(first17)
    assert normalize_resident_id(number, today=date(2026, 11, 23)) is None
    assert normalize_resident_id(number, today=date(2026, 11, 24)) == number


def test_uscc_checksum():
    assert normalize_uscc(VALID_USCC) == VALID_USCC
    assert normalize_uscc(VALID_USCC.lower()) == VALID_USCC
    assert normalize_uscc("91440300708461136U") is None
    assert normalize_uscc("91440300708461136") is None
    assert normalize_uscc("9144030070846113IT") is None  # I is not in the charset


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_id_with_its_check_char_passes_checksum(first17):
    full = first17 + resident_id_check_char(first17)
    # Only the birth-date part may still reject it.
    result = normalize_resident_id(full, today=TODAY)
    assert result in (full, None)
    wrong = first17 + ("0" if full[-1] != "0" else "1")
    assert normalize_resident_id(wrong, today=TODAY) is None


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_any_uscc_with_its_check_char_passes(first17):
    full = first17 + uscc_check_char(first17)
    assert normalize_uscc(full) == full
    other = next(c for c in "0123456789" if c != full[-1])
    assert normalize_uscc(first17 + other) is None


def test_phones():
    assert normalize_phone("13812345678") == "13812345678"
    assert normalize_phone("+86 138 1234 5678") == "13812345678"
    assert normalize_phone("138-1234-5678") == "13812345678"
    assert normalize_phone("0537-2345678") == "0537-2345678"
    assert normalize_phone("010-62345678") == "010-62345678"
    assert normalize_phone("01062345678") == "010-62345678"
    assert normalize_phone("05372345678") == "0537-2345678"
    assert normalize_phone("12812345678") is None
    assert normalize_phone("1381234567") is None
    assert normalize_phone("hello") is None
    assert normalize_phone("") is None


def test_email():
    assert normalize_email("a.b@example.gov.cn") == "a.b@example.gov.cn"
    assert normalize_email("ａ@example.com") == "a@example.com"
    assert normalize_email("no-at-sign") is None
    assert normalize_email("a@b") is None


def test_masks():
    assert mask_id("110101199003071234") == "1101**********1234"
    assert mask_id(VALID_ID) == "1101**********002X"
    assert mask_id(None) == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0537-2345678") == "0537-***5678"
    assert "2345678" not in mask_phone("0537-2345678")
    assert mask_email("zhang@example.com") == "z***@example.com"


def test_form_vocabularies_match_the_statistics_keys():
    from bot.texts import applications as T
    from disclosure.outcomes import APPLICANT_TYPES

    assert set(T.APPLICANT_TYPE_LABELS) == set(APPLICANT_TYPES)
    assert {k: v for k, v in APPLICANT_TYPES.items() if k != "natural_person"} == T.ORG_KINDS
    assert all(set(channels) <= set(T.DELIVERY_CHANNELS) for channels in T.CHANNELS_FOR_FORM.values())
