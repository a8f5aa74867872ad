"""Import a 台账 (the office's Excel/CSV ledger of past applications), all or nothing.

Columns are found by their header text (see :data:`COLUMNS`, documented in docs/statistics.md);
``gongkai applications template`` writes an empty ledger with the headers and a 说明 sheet.
Every bad cell is reported with its spreadsheet row number and nothing is stored unless every row
is valid.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES, codes_for_legacy_row, codes_for_row_2021
from disclosure.tables import LEGACY_ROWS, ROWS_2021
from disclosure.validation import parse_date_text
from storage.applications import ApplicationDraft, DraftError, FieldError, check_receipt_date
from storage.config import OfficeSettings, office
from storage.db import Database
from storage.errors import ServiceError
from storage.models import Application, ApplicationEvent, AuditLog, NumberCounter
from storage.personal import keyring, seal_applicant


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()
    help: str = ""


COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn("number", "编号", False, ("申请编号", "受理编号", "number"), "留空则自动编号（如 2025-0001）"),
    LedgerColumn("receipt_date", "收到申请日期", True, ("收到申请之日", "受理日期", "申请日期", "receipt_date"),
                 "法定收到申请之日，YYYY-MM-DD"),
    LedgerColumn("applicant_type", "申请人类型", True, ("申请人情况", "applicant_type"),
                 "、".join(APPLICANT_TYPES.values())),
    LedgerColumn("name", "申请人姓名或名称", True, ("申请人", "申请人姓名", "申请人名称", "name"), ""),
    LedgerColumn("channel", "申请渠道", True, ("申请方式", "申请形式", "channel"), "、".join(CHANNELS.values())),
    LedgerColumn("description", "申请内容", False, ("申请公开的信息", "所需信息", "description"), "所需政府信息的名称或描述"),
    LedgerColumn("phone", "联系电话", False, ("电话", "phone"), ""),
    LedgerColumn("original_due", "答复期限", False, ("法定答复期限", "原答复期限", "original_due"),
                 "留空则按收到申请日期和工作日历自动计算；填写的须与计算结果一致"),
    LedgerColumn("extended", "是否延期", False, ("延期", "extended"), "是 / 否（经批准延长答复期限）"),
    LedgerColumn("extension_days", "延期工作日数", False, ("延期天数", "extension_days"),
                 "是否延期为“是”时必填（2019年5月15日起不超过20个工作日，之前不超过15个）"),
    LedgerColumn("reply_due", "延期后答复期限", False, ("延长后答复期限", "reply_due"),
                 "留空则自动计算；填写的须与计算结果一致"),
    LedgerColumn("correction_requested", "补正告知日期", False, ("告知补正日期", "correction_requested"),
                 "“逾期不补正”办结的必填"),
    LedgerColumn("correction_received", "收到补正日期", False, ("补正日期", "correction_received"),
                 "答复期限自收到补正之日起重新计算"),
    LedgerColumn("consultation_start", "征求意见开始日期", False, ("consultation_start",), "征求意见期间不计入答复期限"),
    LedgerColumn("consultation_end", "征求意见结束日期", False, ("consultation_end",), ""),
    LedgerColumn("fee_notice", "收费通知日期", False, ("fee_notice",), "“逾期未缴纳信息处理费”办结的必填"),
    LedgerColumn("fee_paid", "缴费日期", False, ("fee_paid",), "发出收费通知至缴费之日不计入答复期限"),
    LedgerColumn("fee_amount", "收费金额（元）", False, ("收费金额", "信息处理费", "fee_amount"), "已缴纳的信息处理费"),
    LedgerColumn("closed_date", "办结日期", False, ("答复日期", "办结时间", "closed_date"), "未办结则留空"),
    LedgerColumn("outcome", "办理结果", False, ("答复类型", "处理结果", "outcome"),
                 "见“办理结果”清单；已办结必填"),
)
def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


BY_HEADER: dict[str, LedgerColumn] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        BY_HEADER[_h.strip().lower()] = _c

_YES = {"是", "y", "yes", "true", "1", "已延期", "延期"}
_NO = {"否", "n", "no", "false", "0", "未延期", ""}
_APPLICANT_ALIASES = {"公民": "natural_person", "个人": "natural_person", "企业": "org_business"}
_CHANNEL_ALIASES = {
    "当面申请": "in_person", "现场": "in_person", "传真申请": "fax", "网络申请": "online", "互联网": "online",
    "网上": "online", "电子邮件": "online", "信函申请": "letter", "邮寄": "letter", "其他形式": "other",
}


class LedgerProblem(ServiceError):
    """One bad cell or row of a ledger (``code`` + ``params``, see ``storage.errors``); also a warning."""


RowProblems = list[tuple[int, ServiceError]]  # (spreadsheet row number, what is wrong with it)


class LedgerError(ServiceError, ValueError):
    """The whole ledger was refused: a file problem (``code`` + ``params``), or ``code == "ledger_rows"``
    with ``errors`` = [(row number, problem)] — every bad cell of every row."""

    def __init__(self, code: str, /, errors: RowProblems | None = None, **params) -> None:
        super().__init__(code, **params)
        self.errors = errors or []


@dataclass
class LedgerRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    numbers: list[str]
    warnings: list[LedgerProblem]

    @property
    def count(self) -> int:
        return len(self.numbers)


def _strip_numbering(label: str) -> str:
    return re.sub(r"^(（[一二三四五六七八九十]+）|\d+\.|其中：)", "", label).strip()


def outcome_lookup() -> dict[str, str]:
    """Accepted spellings of 办理结果 → outcome code (codes, staff labels, 2021 and legacy row labels)."""
    out: dict[str, str] = {}
    for r in ROWS_2021:
        codes = codes_for_row_2021(r.key)
        if r.data and codes:
            out.setdefault(_strip_numbering(r.label).split("（区分处理")[0], codes[0])
    for r in LEGACY_ROWS:
        codes = codes_for_legacy_row(r.key)
        if r.data and codes and r.key.startswith("replies."):
            label = _strip_numbering(r.label).removesuffix("数").removesuffix("答复")
            out.setdefault(label, codes[0])
    for o in OUTCOMES.values():
        out[o.label] = o.code
        out[o.code] = o.code
    return out


def _choice(value: str, table: dict[str, str], aliases: dict[str, str]) -> str | None:
    v = value.strip()
    if v in table:
        return v
    for key, label in table.items():
        if v == label:
            return key
    return aliases.get(v)


def parse_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial day number
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(str(value))
    text = str(value).strip()
    if not text:
        return None
    return parse_date_text(re.sub(r"\s+\d{1,2}:\d{2}(?::\d{2})?$", "", text))  # a time of day is ignored


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header cells and (row number, cells) of a .xlsx (first sheet) or .csv (UTF-8 or GBK)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
            ws = wb.worksheets[0]
            rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
            wb.close()
        elif suffix == ".csv":
            raw = path.read_bytes()
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    text = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ValueError("unknown text encoding (use UTF-8 or GBK)")
            rows = [(i, list(r)) for i, r in enumerate(csv.reader(io.StringIO(text)), 1)]
        else:
            raise LedgerError("ledger_suffix", path=path)
    except LedgerError:
        raise
    except Exception as exc:  # unreadable file: one clear message
        raise LedgerError("ledger_unreadable", path=path, error=exc) from exc
    rows = [(i, r) for i, r in rows if any(c is not None and str(c).strip() for c in r)]
    if not rows:
        raise LedgerError("ledger_empty", path=path)
    header_no, header = rows[0]
    return [str(h).strip() if h is not None else "" for h in header], rows[1:]


def parse_ledger(path: str | Path, today: date | None = None) -> tuple[list[LedgerRow], list[LedgerProblem]]:
    """Validate every row; LedgerError listing all bad cells (row numbers) if any."""
    parsed, warnings, errors = _parse(path, today)
    if errors:
        raise LedgerError("ledger_rows", errors)
    return parsed, warnings


def _parse(path: str | Path, today: date | None = None
           ) -> tuple[list[LedgerRow], list[LedgerProblem], RowProblems]:
    """Every row (valid or not), the warnings, and the (row, problem) errors."""
    if today is None:
        from storage.applications import _now, legal_date

        today = legal_date(_now())
    header, body = read_rows(path)
    mapping: dict[int, LedgerColumn] = {}
    unknown: list[str] = []
    for i, h in enumerate(header):
        colspec = BY_HEADER.get(h.strip().lower())
        if colspec is not None:
            mapping[i] = colspec
        elif h:
            unknown.append(h)
    found = {c.key for c in mapping.values()}
    missing = [c.header for c in COLUMNS if c.required and c.key not in found]
    if missing:
        raise LedgerError("ledger_missing_columns", columns=tuple(missing))
    warnings = [LedgerProblem("ledger_unknown_columns", columns=tuple(unknown))] if unknown else []
    if not body:
        raise LedgerError("ledger_empty", path=path)
    outcomes = outcome_lookup()
    errors: RowProblems = []
    parsed: list[LedgerRow] = []
    seen_numbers: dict[str, int] = {}
    for row_no, cells in body:
        raw = {spec.key: (cells[i] if i < len(cells) else None) for i, spec in mapping.items()}
        rec = LedgerRow(row_no)
        errs: list[ServiceError] = []

        def text(key: str) -> str:
            v = raw.get(key)
            return "" if v is None else str(v).strip()

        for spec in COLUMNS:
            if spec.required and spec.key in found and not text(spec.key):
                errs.append(LedgerProblem("required", column=spec.header))
        for key in ("receipt_date", "closed_date", "original_due", "reply_due", "correction_requested",
                    "correction_received", "consultation_start", "consultation_end", "fee_notice", "fee_paid"):
            try:
                rec.values[key] = parse_date(raw.get(key))
            except (ValueError, OverflowError):
                errs.append(LedgerProblem("date", column=_header(key), value=raw.get(key)))
                rec.values[key] = None
        if text("applicant_type"):
            v = _choice(text("applicant_type"), APPLICANT_TYPES, _APPLICANT_ALIASES)
            if v is None:
                errs.append(LedgerProblem("choice", column=_header("applicant_type"), value=text("applicant_type"),
                                          known=tuple(APPLICANT_TYPES.values())))
            rec.values["applicant_type"] = v
        if text("channel"):
            v = _choice(text("channel"), CHANNELS, _CHANNEL_ALIASES)
            if v is None:
                errs.append(LedgerProblem("choice", column=_header("channel"), value=text("channel"),
                                          known=tuple(CHANNELS.values())))
            rec.values["channel"] = v
        oc = text("outcome")
        rec.values["outcome"] = None
        if oc:
            code = outcomes.get(oc) or outcomes.get(_strip_numbering(oc))
            if code is None:
                errs.append(LedgerProblem("outcome_choice", column=_header("outcome"), value=oc))
            rec.values["outcome"] = code
        ext = text("extended").lower()
        if ext in _YES:
            rec.values["extended"] = True
        elif ext in _NO:
            rec.values["extended"] = False
        else:
            errs.append(LedgerProblem("choice", column=_header("extended"), value=ext, known=("是", "否")))
        days = text("extension_days")
        rec.values["extension_days"] = None
        if days:
            try:
                rec.values["extension_days"] = int(float(days))
            except ValueError:
                errs.append(LedgerProblem("integer", column=_header("extension_days"), value=days))
        elif rec.values.get("extended"):
            errs.append(LedgerProblem("extension_days_missing"))
        rec.values["fee_amount"] = text("fee_amount") or None
        rec.values["name"] = text("name")
        rec.values["description"] = text("description") or "（历史台账导入）"
        rec.values["phone"] = text("phone") or None
        # the same rules and messages as the chat form and `gongkai applications add`
        if rec.values.get("applicant_type") and rec.values["name"]:
            try:
                ApplicationDraft.build(applicant_type=rec.values["applicant_type"], name=rec.values["name"],
                                       description=rec.values["description"], phone=rec.values["phone"])
            except DraftError as exc:
                errs += [error for _f, error in exc.errors]
        if rec.values.get("receipt_date"):
            try:
                check_receipt_date(rec.values["receipt_date"], today)
            except FieldError as exc:
                errs.append(exc)
        closed_day = rec.values.get("closed_date")
        if closed_day and closed_day > today:
            errs.append(LedgerProblem("closed_future", closed=closed_day, today=today))
        number = text("number")
        if number.endswith(".0") and number[:-2].isdigit():
            number = number[:-2]
        rec.values["number"] = number or None
        if number:
            if number in seen_numbers:
                errs.append(LedgerProblem("duplicate_number", number=number, other=seen_numbers[number]))
            seen_numbers.setdefault(number, row_no)
        receipt, closed = rec.values.get("receipt_date"), rec.values.get("closed_date")
        if closed and not rec.values["outcome"] and not oc:
            errs.append(LedgerProblem("closed_no_outcome"))
        if oc and not closed and raw.get("closed_date") in (None, ""):
            errs.append(LedgerProblem("outcome_no_closed"))
        if receipt and closed and closed < receipt:
            errs.append(LedgerProblem("closed_before_receipt", closed=closed, receipt=receipt))
        od, rd = rec.values.get("original_due"), rec.values.get("reply_due")
        if receipt and od and od < receipt:
            errs.append(LedgerProblem("due_before_receipt", due=od, receipt=receipt))
        if od and rd and rd < od:
            errs.append(LedgerProblem("extended_due", due=rd, original=od))
        errors += [(row_no, e) for e in errs]
        parsed.append(rec)
    return parsed, warnings, errors


def _row_events(v: dict) -> list:
    """The clock events a ledger row records (extension added separately, on the original due date)."""
    from disclosure.deadlines import ClockEvent

    events = []
    if v.get("correction_requested"):
        events.append(ClockEvent("correction_requested", v["correction_requested"]))
        if v.get("correction_received"):
            events.append(ClockEvent("correction_received", v["correction_received"]))
    if v.get("consultation_start"):
        events.append(ClockEvent("consultation", v["consultation_start"], end=v.get("consultation_end")))
    if v.get("fee_notice"):
        events.append(ClockEvent("fee_notice", v["fee_notice"]))
        if v.get("fee_paid"):
            events.append(ClockEvent("fee_paid", v["fee_paid"]))
    return events


def _derive(rows: list[LedgerRow], calendar, settings) -> RowProblems:
    """Replay each row's events with the deadline engine (the same rules as the handling services):
    compute missing 答复期限 / 延期后答复期限, check typed ones, derive 按时/延期/逾期."""
    from disclosure.deadlines import ClockEvent, DeadlineError, compute_deadline

    errors: RowProblems = []
    for rec in rows:
        v = rec.values
        errs: list[ServiceError] = []
        events = _row_events(v)
        if v.get("correction_received") and not v.get("correction_requested"):
            errs.append(LedgerProblem("needs", column=_header("correction_received"),
                                      needs=_header("correction_requested")))
        if v.get("fee_paid") and not v.get("fee_notice"):
            errs.append(LedgerProblem("needs", column=_header("fee_paid"), needs=_header("fee_notice")))
        if v.get("consultation_end") and not v.get("consultation_start"):
            errs.append(LedgerProblem("needs", column=_header("consultation_end"),
                                      needs=_header("consultation_start")))
        if v["outcome"] == "other_no_correction" and not v.get("correction_requested"):
            errs.append(LedgerProblem("outcome_needs", outcome=v["outcome"], needs=_header("correction_requested")))
        if v["outcome"] == "other_fee_unpaid" and not v.get("fee_notice"):
            errs.append(LedgerProblem("outcome_needs", outcome=v["outcome"], needs=_header("fee_notice")))
        if v.get("fee_amount") and not v.get("fee_paid"):
            errs.append(LedgerProblem("needs", column=_header("fee_amount"), needs=_header("fee_paid")))
        if v.get("fee_amount"):
            from storage.handling import HandlingError, parse_fee

            try:
                v["fee_amount"] = str(parse_fee(v["fee_amount"]))
            except HandlingError as exc:
                errs.append(exc)
        if errs:
            errors += [(rec.row, e) for e in errs]
            continue

        def deadline(evs):
            return compute_deadline(v["receipt_date"], evs, calendar, roll_forward=settings.receipt_roll_forward,
                                    consultation_transit_days=settings.consultation_transit_days)

        try:
            base = deadline(events)
            if v["extended"]:
                events.append(ClockEvent("extension", base.due or v["receipt_date"], days=v["extension_days"]))
            extended = deadline(events)
            closing = []
            if v["closed_date"]:
                kind = "correction_lapsed" if v["outcome"] == "other_no_correction" else "closed"
                closing = [ClockEvent(kind, v["closed_date"])]
            final = deadline(events + closing)
        except DeadlineError as exc:
            errors.append((rec.row, LedgerProblem("deadline_rule", error=str(exc))))
            continue
        for key, computed in (("original_due", extended.original_due), ("reply_due", extended.due)):
            typed = v.get(key)
            if typed is not None and computed is not None and typed != computed:
                errors.append((rec.row, LedgerProblem("due_mismatch", column=_header(key), typed=typed,
                                                      computed=computed)))
            v[key] = computed if computed is not None else typed
        if v["reply_due"] is None:
            v["reply_due"] = v["original_due"]
        v["events"] = events + closing
        v["timeliness"] = final.timeliness
    return errors


async def import_ledger(db: Database, path: str | Path, *, agency: str | None = None,
                        actor: str = "cli", settings: OfficeSettings | None = None) -> ImportResult:
    """Validate, then insert every row in one transaction (nothing is stored on any error)."""
    from storage.handling import fingerprint

    settings = office(settings)
    rows, warnings, errors = _parse(path)
    if agency is None:
        agency = settings.home_agency or ""
    from storage.calendar import load_calendar

    calendar = await load_calendar(db)
    bad_rows = {r for r, _ in errors}
    errors = sorted(errors + _derive([r for r in rows if r.row not in bad_rows], calendar, settings),
                    key=lambda e: e[0])
    fp = fingerprint(calendar, settings)
    if errors:
        raise LedgerError("ledger_rows", errors)
    numbers: list[str] = []
    ring = keyring(db, create=True)
    async with db.session() as s:
        given = [r.values["number"] for r in rows if r.values["number"]]
        if given:
            existing = set((await s.execute(
                select(Application.number).where(col(Application.number).in_(given),
                                                 col(Application.agency) == agency))).scalars())
            clashes: RowProblems = [
                (r.row, LedgerProblem("duplicate_number", number=r.values["number"], other="-"))
                for r in rows if r.values["number"] in existing]
            if clashes:
                raise LedgerError("ledger_rows", clashes)
        counters: dict[int, NumberCounter] = {}
        for rec in rows:
            v = rec.values
            year = v["receipt_date"].year
            counter = counters.get(year)
            if counter is None:
                counter = await s.get(NumberCounter, (agency, year))
                if counter is None:
                    counter = NumberCounter(agency=agency, year=year, last_seq=0)
                    s.add(counter)
                counters[year] = counter
            counter.last_seq += 1
            seq = counter.last_seq
            number = v["number"] or f"{year}-{seq:04d}"
            applicant = seal_applicant({"applicant_type": v["applicant_type"], "name": v["name"], "phone": v["phone"]},
                                       ring)
            app = Application(
                agency=agency, year=year, seq=seq, number=number, **applicant,
                description=v["description"], channel=v["channel"],
                receipt_date=v["receipt_date"],
                status="closed" if v["closed_date"] else "open", outcome=v["outcome"],
                closed_date=v["closed_date"], original_due=v["original_due"], reply_due=v["reply_due"],
                timeliness=v["timeliness"] if v["closed_date"] else None,
                derived_with=fp if v["closed_date"] else None,
            )
            s.add(app)
            await s.flush()
            s.add(ApplicationEvent(application_id=app.id, kind="imported", on_date=v["receipt_date"], actor=actor,
                                   data={"source": Path(path).name, "row": rec.row}))
            for ev in v["events"]:
                data = {"outcome": v["outcome"]} if ev.kind in ("closed", "correction_lapsed") else {}
                if ev.kind == "fee_paid" and v.get("fee_amount"):
                    data["amount"] = v["fee_amount"]
                s.add(ApplicationEvent(application_id=app.id, kind=ev.kind, on_date=ev.on, end_date=ev.end,
                                       days=ev.days, actor=actor, reason="台账导入", data=data))
            numbers.append(number)
        s.add(AuditLog(actor=actor, action="applications.import",
                       detail=f"{len(numbers)} applications from {Path(path).name}"))
        await s.commit()
    return ImportResult(numbers, warnings)


def write_template(path: str | Path) -> Path:
    """An empty ledger (.xlsx with a 说明 sheet and drop-downs, or .csv with the header row)."""
    path = Path(path)
    headers = [c.header for c in COLUMNS]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow(headers)
        return path
    if path.suffix.lower() != ".xlsx":
        raise LedgerError("ledger_suffix", path=path)
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(headers)
    for i, c in enumerate(COLUMNS, 1):
        ws.cell(1, i).font = Font(bold=True, color="C00000" if c.required else "000000")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(c.header) * 2.4)
    ws.freeze_panes = "A2"
    info = wb.create_sheet("说明")
    info.append(["列名", "必填", "可识别的其他列名", "填写说明"])
    for c in COLUMNS:
        info.append([c.header, "是" if c.required else "否", "、".join(a for a in c.aliases if not a.isascii()),
                     c.help])
    info.append([])
    info.append(["办理结果清单（填写左列文字）", "对应表三行"])
    first = info.max_row + 1
    for o in OUTCOMES.values():
        info.append([o.label, o.row_2021])
    last = info.max_row
    for letter, w in zip("ABCD", (44, 8, 40, 60)):
        info.column_dimensions[letter].width = w
    idx = {c.key: i for i, c in enumerate(COLUMNS, 1)}
    for key, formula in (
        ("applicant_type", '"' + ",".join(APPLICANT_TYPES.values()) + '"'),
        ("channel", '"' + ",".join(CHANNELS.values()) + '"'),
        ("extended", '"是,否"'),
        ("outcome", f"'说明'!$A${first}:$A${last}"),
    ):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        letter = get_column_letter(idx[key])
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)
    wb.save(path)
    return path
