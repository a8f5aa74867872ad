"""The Chinese text of every refusal the services raise as a code (``storage.errors.ServiceError``).

The services say *what* is wrong (``HandlingError("ext_cap", cap=20, days=25)``); this module says it
to people, with the texts of the area modules. ``tests/test_layers.py`` checks that every code the
services raise has a text here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.texts import applications as TA
from bot.texts import personal as TP
from bot.texts import reports as TR
from bot.texts import staff as TS
from bot.texts import web as TW
from storage.applications import DraftError, FieldError
from storage.cases import CaseError
from storage.crypto import PersonalDataError
from storage.handling import HandlingError
from storage.ledger import LedgerError, LedgerProblem
from storage.staff import StaffError
from storage.web import WebError

Text = str | Callable[[Mapping[str, Any]], str]

# storage.handling.HandlingError (also in a ledger row: fee_amount)
HANDLING: dict[str, Text] = {
    "not_found": TS.ERR_NOT_FOUND,
    "closed": TS.ERR_CLOSED,
    "conflict": TS.ERR_CONFLICT,
    "before_receipt": TS.ERR_BEFORE_RECEIPT,
    "future": TS.ERR_FUTURE,
    "deadline_rule": TS.ERR_DEADLINE,
    "correction_period": TS.ERR_PERIOD,
    "lapse_no_request": TS.ERR_LAPSE_NO_REQUEST,
    "lapse_period": TS.ERR_LAPSE_PERIOD,
    "consultation_reason": TS.ERR_CONSULT_REASON,
    "consultation_party": TS.ERR_CONSULT_PARTY,
    "no_consultation": TS.ERR_NO_CONSULTATION,
    "fee_amount": TS.ERR_FEE_AMOUNT,
    "unknown_approver": TS.ERR_UNKNOWN_APPROVER,
    "not_approver": TS.ERR_NOT_APPROVER,
    "reason_missing": TS.ERR_EXT_REASON,
    "ext_days": TS.ERR_EXT_DAYS,
    "ext_twice": TS.ERR_EXT_TWICE,
    "ext_cap": TS.ERR_EXT_CAP,
    "ext_no_due": TS.ERR_EXT_NO_DUE,
    "ext_late": TS.ERR_EXT_LATE,
    "outcome": TS.ERR_OUTCOME,
    "close_no_correction": TS.ERR_CLOSE_NO_CORRECTION,
    "fee_no_notice": TS.ERR_FEE_NO_NOTICE,
    "fee_paid": TS.ERR_FEE_PAID,
    "fee_window": TS.ERR_FEE_WINDOW,
    "note_empty": TS.USAGE_NOTE,
}

# storage.staff.StaffError
STAFF: dict[str, Text] = {
    "staff_role": TS.ERR_ROLE,
    "staff_not_found": TS.ERR_STAFF_NOT_FOUND,
}

# storage.applications.FieldError: one rule of the application form, the same at every entry point
FIELDS: dict[str, Text] = {
    "applicant_type": TA.BAD_APPLICANT_TYPE,
    "name": TA.BAD_NAME,
    "org_code": TA.BAD_ORG_CODE,
    "id_type": TA.BAD_ID_TYPE,
    "id_type_missing": TA.BAD_ID_TYPE_MISSING,
    "resident_id": TA.BAD_RESIDENT_ID,
    "id_number": TA.BAD_ID_NUMBER,
    "phone": TA.BAD_PHONE,
    "email": TA.BAD_EMAIL_REQUIRED,
    "email_missing": TA.ASK_EMAIL_REQUIRED,
    "address": TA.BAD_ADDRESS,
    "address_missing": TA.ASK_ADDRESS_REQUIRED,
    "description": TA.BAD_DESCRIPTION,
    "doc_number": TA.BAD_DOC_NUMBER,
    "delivery_form": TA.BAD_DELIVERY_FORM,
    "delivery_channel": TA.BAD_DELIVERY_CHANNEL,
    "receipt_future": TA.BAD_RECEIPT_FUTURE,
    "receipt_old": TA.BAD_RECEIPT_OLD,
    "field": TA.BAD_FIELD,
    "required": lambda p: TA.REQUIRED.format(label=TA.FIELD_NAMES.get(p["field"], p["field"])),
}

# storage.web.WebError: desk sign-in links, the online applicant's status check
WEB: dict[str, Text] = {
    "link_invalid": TW.ERR_LINK_INVALID,
    "link_expired": TW.ERR_LINK_EXPIRED,
    "link_used": TW.ERR_LINK_USED,
    "link_not_staff": TW.ERR_LINK_NOT_STAFF,
    "status_mismatch": TW.ERR_STATUS_MISMATCH,
}

# storage.cases.CaseError
CASES: dict[str, Text] = {
    "case_application": TR.CASE_ERR_APP,
    "case_kind": TR.CASE_ERR_KIND,
    "case_result": TR.CASE_ERR_RESULT,
    "case_not_found": TR.CASE_ERR_NOT_FOUND,
    "case_closed": TR.CASE_ERR_CLOSED,
    "case_date": TR.CASE_ERR_DATE,
}


def _ledger_rows(params: Mapping[str, Any]) -> str:
    errors = params["errors"]
    details = "\n".join(TR.LEDGER_ROW_ERROR.format(row=row, message=error_text(problem)) for row, problem in errors)
    return TR.LEDGER_ROW_ERRORS.format(count=len(errors), details=details)


def _outcome_needs(params: Mapping[str, Any]) -> str:
    outcome = TR.LEDGER_OUTCOME_NAMES.get(params["outcome"], params["outcome"])
    return TR.ERR_OUTCOME_NEEDS.format(outcome=outcome, needs=params["needs"])


# storage.ledger.LedgerError (the whole file) and LedgerProblem (one row, or a warning)
LEDGER: dict[str, Text] = {
    "ledger_suffix": TR.LEDGER_BAD_SUFFIX,
    "ledger_unreadable": TR.LEDGER_READ_ERROR,
    "ledger_empty": TR.LEDGER_EMPTY,
    "ledger_missing_columns": TR.LEDGER_MISSING_COLUMNS,
    "ledger_unknown_columns": TR.LEDGER_UNKNOWN_COLUMNS,
    "ledger_rows": _ledger_rows,
    "required": TR.ERR_REQUIRED,
    "date": TR.ERR_DATE,
    "choice": TR.ERR_CHOICE,
    "outcome_choice": lambda p: TR.ERR_CHOICE.format(column=p["column"], value=p["value"],
                                                     known=TR.LEDGER_OUTCOME_KNOWN),
    "integer": TR.ERR_BAD_INT,
    "extension_days_missing": TR.ERR_EXTENSION_DAYS_MISSING,
    "closed_future": TR.ERR_CLOSED_FUTURE,
    "duplicate_number": TR.ERR_DUPLICATE_NUMBER,
    "closed_no_outcome": TR.ERR_CLOSED_NO_OUTCOME,
    "outcome_no_closed": TR.ERR_OUTCOME_NO_CLOSED,
    "closed_before_receipt": TR.ERR_CLOSED_BEFORE_RECEIPT,
    "due_before_receipt": TR.ERR_DUE_BEFORE_RECEIPT,
    "extended_due": TR.ERR_EXTENDED_DUE,
    "needs": TR.ERR_NEEDS,
    "outcome_needs": _outcome_needs,
    "deadline_rule": TR.ERR_DEADLINE,
    "due_mismatch": TR.ERR_DUE_MISMATCH,
}

# storage.crypto.PersonalDataError (keys, retention, erasure)
PERSONAL: dict[str, Text] = {
    "no_keys": TP.ERR_NO_KEYS,
    "key_missing": lambda p: TP.ERR_KEY_MISSING.format(
        where=p["where"], what=TP.KEY_MISSING_ROWS.format(rows=p["rows"]) if p.get("rows") else TP.KEY_MISSING_ANY),
    "unknown_key": TP.ERR_UNKNOWN_KEY,
    "tampered": lambda p: TP.ERR_TAMPERED.format(field=TP.SEALED_FIELDS.get(p["field"], p["field"])),
    "key_format": TP.ERR_KEY_FORMAT,
    "key_file_missing": TP.ERR_KEY_FILE_MISSING,
    "key_file_unreadable": TP.ERR_KEY_FILE_UNREADABLE,
    "key_file_empty": TP.ERR_KEY_FILE_EMPTY,
    "keys_not_editable": TP.ERR_KEYS_NOT_EDITABLE,
    "keys_in_use": TP.ERR_KEYS_IN_USE,
    "retention_years": TP.ERR_RETENTION_YEARS,
    "purge_within_retention": TP.ERR_PURGE_WITHIN,
    "erase_reason": TP.ERR_ERASE_REASON,
    "erase_open": TP.ERR_ERASE_OPEN,
    "erased_already": TP.ERR_ERASED_ALREADY,
}

CATALOGUES: dict[type, dict[str, Text]] = {
    HandlingError: HANDLING, StaffError: STAFF, FieldError: FIELDS, CaseError: CASES,
    LedgerError: LEDGER, LedgerProblem: LEDGER, WebError: WEB, PersonalDataError: PERSONAL,
}


def _value(value: Any) -> Any:
    """A parameter as people read it: a list of allowed values joined with 、, dates as YYYY-MM-DD."""
    if isinstance(value, (tuple, list, frozenset, set)) and all(isinstance(v, (str, int, date)) for v in value):
        return "、".join(str(v) for v in value)
    return value


def error_text(error: Exception) -> str:
    """The Chinese text of a service refusal (any ``storage.errors.ServiceError``; a ``DraftError``
    lists each broken rule)."""
    if isinstance(error, DraftError):
        return "；".join(error_text(e) for _field, e in error.errors)
    code = getattr(error, "code", None)
    for cls in type(error).__mro__:
        catalogue = CATALOGUES.get(cls)
        if catalogue is not None and code in catalogue:
            text = catalogue[code]
            params = getattr(error, "params", {})
            if callable(text):
                return text({**params, "errors": getattr(error, "errors", [])})
            return text.format(**{k: _value(v) for k, v in params.items()})
    raise KeyError(f"no text for {type(error).__name__} code {code!r}")
