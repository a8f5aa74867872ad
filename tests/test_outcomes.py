import pytest

from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES, codes_for_legacy_row, codes_for_row_2021, outcome
from disclosure.tables import LEGACY_ROWS, ROWS_2019, ROWS_2021

RESULT_ROWS_2021 = [r.key for r in ROWS_2021 if r.data and r.key.startswith("r_") and r.key != "r_total"]


def test_every_code_is_short_ascii_and_labelled():
    for code, o in OUTCOMES.items():
        assert o.code == code
        assert code.isascii() and code == code.lower()
        # callback data is 64 bytes; keep room for a prefix and an application id
        assert len(code) <= 22, code
        assert o.label and not o.label.isascii()


def test_every_2021_result_row_is_reachable_and_every_code_maps_to_a_real_row():
    rows = {o.row_2021 for o in OUTCOMES.values()}
    assert rows == set(RESULT_ROWS_2021)
    keys_2019 = {r.key for r in ROWS_2019}
    assert {o.row_2019 for o in OUTCOMES.values()} <= keys_2019
    legacy_keys = {r.key for r in LEGACY_ROWS}
    for o in OUTCOMES.values():
        assert o.legacy_row is None or o.legacy_row in legacy_keys, o


def test_finer_code_where_either_layout_is_finer():
    assert outcome("deny_trade_secret").row_2021 == outcome("deny_privacy").row_2021 == "r_deny_third_party"
    assert outcome("deny_trade_secret").legacy_row != outcome("deny_privacy").legacy_row
    assert outcome("already_public").row_2021 == outcome("open").row_2021 == "r_open"
    assert outcome("already_public").legacy_row == "replies.already_public"
    assert outcome("unable_not_this_agency").row_2021 == outcome("unable_not_exist").row_2021 == "r_unable_not_held"
    assert outcome("unable_not_this_agency").legacy_row == "replies.not_this_agency"
    assert outcome("other_no_correction").row_2019 == "r_other"
    assert outcome("other_no_correction").row_2021 == "r_other_no_correction"
    assert set(codes_for_row_2021("r_open")) == {"open", "already_public"}
    assert {"deny_trade_secret", "deny_privacy", "deny_state_secret"} <= set(codes_for_legacy_row("replies.refused"))


def test_unknown_code_raises_value_error_with_the_code():
    with pytest.raises(ValueError, match="nope"):
        outcome("nope")
    with pytest.raises(ValueError):
        outcome(None)  # type: ignore[arg-type]


def test_vocabularies():
    assert list(APPLICANT_TYPES) == [
        "natural_person", "org_business", "org_research", "org_public_welfare", "org_legal_service", "org_other"]
    assert APPLICANT_TYPES["org_public_welfare"] == "社会公益组织"
    assert CHANNELS == {"in_person": "当面", "fax": "传真", "online": "网络", "letter": "信函", "other": "其他"}


def test_docs_mapping_table_lists_every_code_with_its_rows():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "statistics.md").read_text(encoding="utf-8")
    for o in OUTCOMES.values():
        line = next((ln for ln in doc.splitlines() if ln.startswith(f"| `{o.code}` |")), None)
        assert line is not None, o.code
        assert f"`{o.row_2021}`" in line and f"`{o.row_2019}`" in line
        assert (f"`{o.legacy_row}`" in line) if o.legacy_row else ("—" in line)
