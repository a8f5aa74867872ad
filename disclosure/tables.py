"""The official statistics tables of the annual report: layouts, labels, keys, counting rules,
invariants. Pure: plain records in, plain dicts out (no database, no Telegram).

Layouts (domain.md §3.4, §3.5, §4.1):
- ``"2021"`` — 国办公开办函〔2021〕30号: Table 三 25 data rows × 7 columns, Table 四 15 cells.
- ``"2019"`` — 〔2019〕60号 trial format: the same, but （六）其他处理 is one data row (23 rows).
- ``"legacy"`` — §三–§六 of the pre-2019 统计表 (the 济宁 2018 report), one column of counts.

Counting rules (docs/statistics.md explains each):
1. 本年新收 (``new_received``): legal receipt date in the year.
2. 上年结转 (``carried_in``): received before 1 Jan and not closed before 1 Jan.
3. 办理结果 (``r_*``): closing date in the year, one leaf row per application (its outcome code).
4. 结转下年度 (``carried_out``): received by 31 Dec and not closed by 31 Dec; equals next year's
   ``carried_in`` by construction.
5. One application = one count, in the column of its applicant type at receipt.
6. 按时/延期/逾期办结: derived from the application's events by the deadline engine
   (``disclosure.deadlines.Deadline.timeliness``) and passed in as ``AppRecord.timeliness``;
   逾期 is reported (under the legacy table, in ``extras``), never hidden.
7. Table 四 / legacy §四–六: cases filed in the year; a result counts only when decided by 31 Dec,
   otherwise 尚未审结. Cases of earlier years decided in the year are listed next to the table
   (``extras["cases_decided_from_earlier_years"]``), or counted under their result with
   ``cases_by="decision"``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from disclosure.outcomes import APPLICANT_TYPES, CHANNELS, OUTCOMES, outcome

FORMATS = ("2021", "2019", "legacy")

TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE3_TITLE = "三、收到和处理政府信息公开申请情况"
TABLE4_TITLE = "四、政府信息公开行政复议、行政诉讼情况"
LEGACY_TITLE = "政府信息公开情况统计表（依申请公开、行政复议、行政诉讼、举报投诉）"


@dataclass(frozen=True)
class Row:
    """A row of a table. ``data=False`` rows are group labels that carry no numbers."""

    key: str
    label: str
    level: int = 0
    data: bool = True
    unit: str = "件"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    parent: str | None = None


COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("org_business", "商业企业", "法人或其他组织"),
    Column("org_research", "科研机构", "法人或其他组织"),
    Column("org_public_welfare", "社会公益组织", "法人或其他组织"),
    Column("org_legal_service", "法律服务机构", "法人或其他组织"),
    Column("org_other", "其他", "法人或其他组织"),
    Column("total", "总计"),
)
APPLICANT_COLUMNS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.key != "total")
assert APPLICANT_COLUMNS == tuple(APPLICANT_TYPES)

_HEAD = (
    Row("new_received", "一、本年新收政府信息公开申请数量"),
    Row("carried_in", "二、上年结转政府信息公开申请数量"),
    Row("g_results", "三、本年度办理结果", 0, False),
    Row("r_open", "（一）予以公开", 1),
    Row("r_partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1),
    Row("g_deny", "（三）不予公开", 1, False),
    Row("r_deny_state_secret", "1.属于国家秘密", 2),
    Row("r_deny_law_prohibited", "2.其他法律行政法规禁止公开", 2),
    Row("r_deny_security_stability", "3.危及“三安全一稳定”", 2),
    Row("r_deny_third_party", "4.保护第三方合法权益", 2),
    Row("r_deny_internal_affairs", "5.属于三类内部事务信息", 2),
    Row("r_deny_process_info", "6.属于四类过程性信息", 2),
    Row("r_deny_enforcement_file", "7.属于行政执法案卷", 2),
    Row("r_deny_admin_query", "8.属于行政查询事项", 2),
    Row("g_unable", "（四）无法提供", 1, False),
    Row("r_unable_not_held", "1.本机关不掌握相关政府信息", 2),
    Row("r_unable_needs_creation", "2.没有现成信息需要另行制作", 2),
    Row("r_unable_still_unclear", "3.补正后申请内容仍不明确", 2),
    Row("g_reject", "（五）不予处理", 1, False),
    Row("r_reject_petition", "1.信访举报投诉类申请", 2),
    Row("r_reject_repeat", "2.重复申请", 2),
    Row("r_reject_publication", "3.要求提供公开出版物", 2),
    Row("r_reject_excessive", "4.无正当理由大量反复申请", 2),
    Row("r_reject_confirm_reissue", "5.要求行政机关确认或重新出具已获取信息", 2),
)
_TAIL = (
    Row("r_total", "（七）总计", 1),
    Row("carried_out", "四、结转下年度继续办理"),
)

ROWS_2021: tuple[Row, ...] = _HEAD + (
    Row("g_other", "（六）其他处理", 1, False),
    Row("r_other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 2),
    Row("r_other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2),
    Row("r_other_misc", "3.其他", 2),
) + _TAIL

ROWS_2019: tuple[Row, ...] = _HEAD + (Row("r_other", "（六）其他处理", 1),) + _TAIL


def table3_rows(fmt: str) -> tuple[Row, ...]:
    if fmt == "2021":
        return ROWS_2021
    if fmt == "2019":
        return ROWS_2019
    raise ValueError(f"format {fmt!r} has no Table 三; use one of 2021, 2019")


def data_rows(fmt: str) -> tuple[Row, ...]:
    return tuple(r for r in table3_rows(fmt) if r.data)


def result_rows(fmt: str) -> tuple[str, ...]:
    """Leaf result rows (summed by （七）总计)."""
    return tuple(r.key for r in data_rows(fmt) if r.key.startswith("r_") and r.key != "r_total")


# Table 四: (group label, sub-group label or None, key prefix)
TABLE4_GROUPS: tuple[tuple[str, str | None, str], ...] = (
    ("行政复议", None, "review"),
    ("行政诉讼", "未经复议直接起诉", "lit_direct"),
    ("行政诉讼", "复议后起诉", "lit_after_review"),
)
TABLE4_RESULTS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
TABLE4_KEYS: tuple[str, ...] = tuple(f"{p}_{r}" for _, _, p in TABLE4_GROUPS for r, _ in TABLE4_RESULTS)
CASE_KINDS: dict[str, str] = {
    "review": "行政复议",
    "lit_direct": "行政诉讼（未经复议直接起诉）",
    "lit_after_review": "行政诉讼（复议后起诉）",
    "complaint": "被举报投诉",
}
CASE_RESULTS: dict[str, str] = {"upheld": "维持", "corrected": "纠正", "other": "其他"}

LEGACY_ROWS: tuple[Row, ...] = (
    Row("g_apply", "三、依申请公开情况", 0, False),
    Row("apps_received", "（一）收到申请数", 1),
    Row("apps_received.in_person", "1.当面申请数", 2),
    Row("apps_received.fax", "2.传真申请数", 2),
    Row("apps_received.online", "3.网络申请数", 2),
    Row("apps_received.letter", "4.信函申请数", 2),
    Row("apps_received.other", "5.其他形式", 2),
    Row("apps_closed", "（二）申请办结数", 1),
    Row("apps_closed.on_time", "1.按时办结数", 2),
    Row("apps_closed.extended", "2.延期办结数", 2),
    Row("replies", "（三）申请答复数", 1),
    Row("replies.already_public", "1.属于已主动公开范围数", 2),
    Row("replies.granted", "2.同意公开答复数", 2),
    Row("replies.partial", "3.同意部分公开答复数", 2),
    Row("replies.refused", "4.不同意公开答复数", 2),
    Row("replies.refused.state_secret", "其中：涉及国家秘密", 3),
    Row("replies.refused.trade_secret", "涉及商业秘密", 3),
    Row("replies.refused.privacy", "涉及个人隐私", 3),
    Row("replies.refused.security_stability", "危及国家安全、公共安全、经济安全和社会稳定", 3),
    Row("replies.refused.not_gov_info", "不是《条例》所指政府信息", 3),
    Row("replies.refused.other_legal", "法律法规规定的其他情形", 3),
    Row("replies.not_this_agency", "5.不属于本行政机关公开数", 2),
    Row("replies.not_exist", "6.申请信息不存在数", 2),
    Row("replies.asked_to_amend", "7.告知作出更改补充数", 2),
    Row("replies.other_channel", "8.告知通过其他途径办理数", 2),
    Row("reviews", "四、行政复议数量", 0),
    Row("reviews.upheld", "（一）维持具体行政行为数", 1),
    Row("reviews.corrected", "（二）被依法纠错数", 1),
    Row("reviews.other", "（三）其他情形数", 1),
    Row("lawsuits", "五、行政诉讼数量", 0),
    Row("lawsuits.upheld_or_dismissed", "（一）维持具体行政行为或者驳回原告诉讼请求数", 1),
    Row("lawsuits.corrected", "（二）被依法纠错数", 1),
    Row("lawsuits.other", "（三）其他情形数", 1),
    Row("complaints", "六、被举报投诉数量", 0),
    Row("complaints.upheld", "（一）维持具体行政行为数", 1),
    Row("complaints.corrected", "（二）被纠错数", 1),
    Row("complaints.other", "（三）其他情形数", 1),
)
LEGACY_KEYS: tuple[str, ...] = tuple(r.key for r in LEGACY_ROWS if r.data)
# Supplementary figures printed under the legacy table (the official rows have no place for them).
LEGACY_NOTE_KEYS: tuple[str, ...] = ("apps_closed.late", "reviews.pending", "lawsuits.pending", "complaints.pending")
LEGACY_NOTES = {
    "apps_closed.late": "注：本年办结的申请中，逾期办结 {n} 件（按时办结、延期办结之外，原表无此栏）。",
    "reviews.pending": "注：本年行政复议尚未审结 {n} 件（不计入第四项）。",
    "lawsuits.pending": "注：本年行政诉讼尚未审结 {n} 件（不计入第五项）。",
    "complaints.pending": "注：本年被举报投诉尚未办结 {n} 件（不计入第六项）。",
}
EARLIER_CASES_NOTE = "注：以前年度立案、本年审结的案件（{mode}）："
EARLIER_CASES_MODE = {"filing": "按立案年度统计，未计入上表", "decision": "按审结年度统计，已计入上表"}
EARLIER_CASE_LINE = "{kind}（{filed} 立案，{decided} 审结）：{result}"
FEES_NOTE = "六、其他需要报告的事项（参考）：本年度收取信息处理费 {applications} 件，共计 {amount} 元。"


class ReportInvariantError(ValueError):
    """A report whose numbers do not add up. ``violations`` names every failing row/cell."""

    def __init__(self, year: int, fmt: str, violations: list[str]) -> None:
        self.year, self.format, self.violations = year, fmt, violations
        super().__init__(
            f"{year} report ({fmt}) fails {len(violations)} invariant check(s):\n  " + "\n  ".join(violations)
        )


# --- inputs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppRecord:
    """What the counting rules need about one application."""

    applicant_type: str
    channel: str
    receipt_date: date
    closed_date: date | None = None
    outcome: str | None = None
    original_due: date | None = None
    reply_due: date | None = None
    extended: bool = False  # an approved "extension" event exists
    timeliness: str | None = None  # derived from the events by the deadline engine (rule 6)


@dataclass(frozen=True)
class CaseRecord:
    kind: str
    filed_date: date
    decided_date: date | None = None
    result: str | None = None
    case_id: int | None = None


CASES_BY = ("filing", "decision")


def timeliness(rec: AppRecord) -> str:
    """'on_time', 'extended' or 'late' for a closed application (rule 6): the engine-derived value
    when given; otherwise from the stored due dates (a missing due date is never on time)."""
    if rec.closed_date is None:
        raise ValueError("timeliness of an open application")
    if rec.timeliness is not None:
        return rec.timeliness
    if rec.original_due is not None and rec.closed_date <= rec.original_due:
        return "on_time"
    if rec.extended and rec.reply_due is not None and rec.closed_date <= rec.reply_due:
        return "extended"
    return "late"


@dataclass
class Aggregates:
    """Counts for one year, as produced by SQL GROUP BY (storage.statistics) or by
    :func:`aggregate_records` (the reference implementation used by tests and the bench)."""

    year: int
    new_received: Counter = field(default_factory=Counter)  # (applicant_type, channel, month) -> n
    carried_in: Counter = field(default_factory=Counter)  # applicant_type -> n
    closed: Counter = field(default_factory=Counter)  # (applicant_type, outcome, timeliness, month) -> n
    carried_out: Counter = field(default_factory=Counter)  # applicant_type -> n
    cases: Counter = field(default_factory=Counter)  # (kind, result or 'pending') -> n
    # cases filed before the year and decided in it: (case id, kind, filed, decided, result)
    earlier_cases: list = field(default_factory=list)
    cases_by: str = "filing"
    fees: Counter = field(default_factory=Counter)  # "applications" -> n, "amount_fen" -> total in fen

    def add(self, other: Aggregates) -> None:
        for name in ("new_received", "carried_in", "closed", "carried_out", "cases", "fees"):
            getattr(self, name).update(getattr(other, name))
        self.earlier_cases.extend(other.earlier_cases)


def aggregate_records(year: int, apps: Iterable[AppRecord], cases: Iterable[CaseRecord] = (),
                      cases_by: str = "filing") -> Aggregates:
    """Reference implementation of counting rules 1–7 over plain records (a Python loop)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    agg = Aggregates(year, cases_by=cases_by)
    for a in apps:
        if start <= a.receipt_date <= end:
            agg.new_received[(a.applicant_type, a.channel, a.receipt_date.month)] += 1
        if a.receipt_date < start and (a.closed_date is None or a.closed_date >= start):
            agg.carried_in[a.applicant_type] += 1
        if a.closed_date is not None and start <= a.closed_date <= end:
            agg.closed[(a.applicant_type, a.outcome, timeliness(a), a.closed_date.month)] += 1
        if a.receipt_date <= end and (a.closed_date is None or a.closed_date > end):
            agg.carried_out[a.applicant_type] += 1
    for c in cases:
        if start <= c.filed_date <= end:
            decided = c.result is not None and c.decided_date is not None and c.decided_date <= end
            agg.cases[(c.kind, c.result if decided else "pending")] += 1
        elif c.filed_date < start and c.result is not None and c.decided_date is not None \
                and start <= c.decided_date <= end:
            agg.earlier_cases.append((c.case_id, c.kind, c.filed_date, c.decided_date, c.result))
            if cases_by == "decision":
                agg.cases[(c.kind, c.result)] += 1
    agg.earlier_cases.sort(key=lambda t: (t[3], t[2], t[0] or 0))
    return agg


# --- assembling the tables --------------------------------------------------------------------

@dataclass
class ReportTables:
    year: int
    format: str
    table3: dict[str, dict[str, int]] = field(default_factory=dict)
    table4: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)  # legacy: supplementary figures under the table
    # Not part of the official tables: per-month channel counts, outcome counts, timeliness.
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        if self.format == "legacy":
            return {"year": self.year, "format": self.format, "rows": dict(self.rows), "notes": dict(self.notes)}
        return {"year": self.year, "format": self.format, "table3": self.table3, "table4": dict(self.table4)}

    def footnotes(self) -> list[str]:
        """Lines printed under the tables: legacy supplementary figures, cases of earlier years
        decided this year, fees charged (for 六、其他需要报告的事项)."""
        lines = [LEGACY_NOTES[k].format(n=n) for k, n in self.notes.items() if n]
        earlier = self.extras.get("cases_decided_from_earlier_years") or []
        if earlier:
            lines.append(EARLIER_CASES_NOTE.format(mode=EARLIER_CASES_MODE[self.extras.get("cases_by", "filing")]))
            lines += ["\u3000" + EARLIER_CASE_LINE.format(kind=CASE_KINDS[c["kind"]], filed=c["filed_date"],
                                                          decided=c["decided_date"], result=CASE_RESULTS[c["result"]])
                      for c in earlier]
        fees = self.extras.get("fees") or {}
        if fees.get("applications"):
            lines.append(FEES_NOTE.format(**fees))
        return lines


def _check_known(agg: Aggregates) -> list[str]:
    problems = []
    types = {k[0] for k in agg.new_received} | set(agg.carried_in) | {k[0] for k in agg.closed} | set(agg.carried_out)
    for t in sorted(types - set(APPLICANT_TYPES), key=str):
        problems.append(f"unknown applicant_type {t!r} (known: {', '.join(APPLICANT_TYPES)})")
    for ch in sorted({k[1] for k in agg.new_received} - set(CHANNELS), key=str):
        problems.append(f"unknown channel {ch!r} (known: {', '.join(CHANNELS)})")
    bad: Counter = Counter()
    for (_t, oc, _tm, _m), n in agg.closed.items():
        if oc not in OUTCOMES:
            bad[oc] += n
    for oc, n in sorted(bad.items(), key=lambda kv: str(kv[0])):
        problems.append(f"{n} application(s) closed in {agg.year} with unknown outcome {oc!r}")
    for kind, res in agg.cases:
        if kind not in CASE_KINDS:
            problems.append(f"unknown case kind {kind!r}")
        if res != "pending" and res not in CASE_RESULTS:
            problems.append(f"unknown case result {res!r}")
    return problems


def build_table3(agg: Aggregates, fmt: str) -> dict[str, dict[str, int]]:
    rows = data_rows(fmt)
    table: dict[str, dict[str, int]] = {r.key: {c.key: 0 for c in COLUMNS} for r in rows}
    for (atype, _ch, _m), n in agg.new_received.items():
        table["new_received"][atype] += n
    for atype, n in agg.carried_in.items():
        table["carried_in"][atype] += n
    for atype, n in agg.carried_out.items():
        table["carried_out"][atype] += n
    for (atype, code, _t, _m), n in agg.closed.items():
        o = outcome(code)
        table[o.row_2021 if fmt == "2021" else o.row_2019][atype] += n
    leaves = result_rows(fmt)
    for col in APPLICANT_COLUMNS:
        table["r_total"][col] = sum(table[k][col] for k in leaves)
    for row in table.values():
        row["total"] = sum(row[c] for c in APPLICANT_COLUMNS)
    return table


def build_table4(agg: Aggregates) -> dict[str, int]:
    cells = {k: 0 for k in TABLE4_KEYS}
    for (kind, res), n in agg.cases.items():
        if kind == "complaint":
            continue
        cells[f"{kind}_{res}"] += n
        cells[f"{kind}_total"] += n
    return cells


def build_legacy(agg: Aggregates) -> tuple[dict[str, int], dict[str, int]]:
    """The official rows of the pre-2019 table, and the supplementary figures printed under it
    (逾期办结; cases not yet decided — §四–§六 count decided cases, so each total is its three rows)."""
    rows = {k: 0 for k in LEGACY_KEYS}
    notes = {k: 0 for k in LEGACY_NOTE_KEYS}
    for (_t, ch, _m), n in agg.new_received.items():
        rows["apps_received"] += n
        rows[f"apps_received.{ch}"] += n
    for (_t, code, timely, _m), n in agg.closed.items():
        rows["apps_closed"] += n
        if timely == "late":
            notes["apps_closed.late"] += n
        else:
            rows[f"apps_closed.{timely}"] += n
        rows["replies"] += n
        leg = outcome(code).legacy_row
        if leg is not None:
            rows[leg] += n
            if leg.startswith("replies.refused."):
                rows["replies.refused"] += n
    for (kind, res), n in agg.cases.items():
        parent = {"review": "reviews", "lit_direct": "lawsuits", "lit_after_review": "lawsuits",
                  "complaint": "complaints"}[kind]
        if res == "pending":
            notes[f"{parent}.pending"] += n
            continue
        rows[parent] += n
        sub = "upheld_or_dismissed" if parent == "lawsuits" and res == "upheld" else res
        rows[f"{parent}.{sub}"] += n
    return rows, notes


def check_table3(table: Mapping[str, Mapping[str, int]], fmt: str) -> list[str]:
    """Violations of the Table 三 invariants, each naming its row and column."""
    out: list[str] = []
    labels = {r.key: r.label for r in data_rows(fmt)}
    col_labels = {c.key: c.label for c in COLUMNS}
    missing = [k for k in labels if k not in table]
    if missing:
        return [f"missing rows: {', '.join(missing)}"]
    for c in COLUMNS:
        left = table["new_received"][c.key] + table["carried_in"][c.key]
        right = table["r_total"][c.key] + table["carried_out"][c.key]
        if left != right:
            out.append(
                f"column {c.key} ({c.label}): new_received + carried_in = {left} but "
                f"r_total + carried_out = {right} (一+二 ≠ 三(七)+四)")
        leaves = sum(table[k][c.key] for k in result_rows(fmt))
        if leaves != table["r_total"][c.key]:
            out.append(f"row r_total ({labels['r_total']}), column {c.key} ({c.label}): "
                       f"{table['r_total'][c.key]} ≠ sum of the result rows {leaves}")
    for key, row in table.items():
        s = sum(row[c] for c in APPLICANT_COLUMNS)
        if s != row["total"]:
            out.append(f"row {key} ({labels.get(key, '?')}): total column {row['total']} ≠ sum of the six "
                       f"applicant columns {s}")
        for col, n in row.items():
            if n < 0:
                out.append(f"row {key}, column {col} ({col_labels.get(col, '?')}): negative count {n}")
    return out


def check_table4(cells: Mapping[str, int]) -> list[str]:
    out = []
    for _, sub, prefix in TABLE4_GROUPS:
        parts = sum(cells[f"{prefix}_{r}"] for r in ("upheld", "corrected", "other", "pending"))
        if parts != cells[f"{prefix}_total"]:
            out.append(f"cell {prefix}_total ({sub or '行政复议'} 总计): {cells[f'{prefix}_total']} ≠ "
                       f"sum of its four cells {parts}")
    return out


def check_legacy(rows: Mapping[str, int], notes: Mapping[str, int] | None = None) -> list[str]:
    out = []
    notes = notes or {}

    def expect(parent: str, children: list[str], extra: int = 0) -> None:
        s = sum(rows[c] for c in children) + extra
        if s != rows[parent]:
            out.append(f"row {parent}: {rows[parent]} ≠ sum of {', '.join(children)}"
                       f"{' + ' + str(extra) + ' (note)' if extra else ''} = {s}")

    expect("apps_received", [f"apps_received.{c}" for c in CHANNELS])
    expect("apps_closed", ["apps_closed.on_time", "apps_closed.extended"], notes.get("apps_closed.late", 0))
    expect("replies.refused", [k for k in LEGACY_KEYS if k.startswith("replies.refused.")])
    if rows["replies"] != rows["apps_closed"]:
        out.append(f"row replies: {rows['replies']} ≠ apps_closed {rows['apps_closed']}")
    for parent in ("reviews", "lawsuits", "complaints"):
        expect(parent, [k for k in LEGACY_KEYS if k.startswith(parent + ".")])
    return out


def build_tables(agg: Aggregates, fmt: str, *, prior_carried_out: Mapping[str, int] | None = None) -> ReportTables:
    """Assemble and check one report; :class:`ReportInvariantError` if anything does not add up.

    ``prior_carried_out`` (previous year's 结转下年度 by applicant type), when given, is checked
    against this year's 上年结转.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    problems = _check_known(agg)
    if problems:
        raise ReportInvariantError(agg.year, fmt, problems)
    tables = ReportTables(agg.year, fmt)
    tables.extras = extras(agg)
    if fmt == "legacy":
        tables.rows, tables.notes = build_legacy(agg)
        problems = check_legacy(tables.rows, tables.notes)
        # the same conservation law as Table 三, over all applicants
        t3 = build_table3(agg, "2021")
        problems += [p for p in check_table3(t3, "2021") if p.startswith("column total")]
    else:
        tables.table3 = build_table3(agg, fmt)
        tables.table4 = build_table4(agg)
        problems = check_table3(tables.table3, fmt) + check_table4(tables.table4)
        t3 = tables.table3
    if prior_carried_out is not None:
        for col in APPLICANT_COLUMNS:
            if prior_carried_out.get(col, 0) != t3["carried_in"][col]:
                problems.append(
                    f"row carried_in, column {col}: {t3['carried_in'][col]} ≠ {agg.year - 1} carried_out "
                    f"{prior_carried_out.get(col, 0)}")
    if problems:
        raise ReportInvariantError(agg.year, fmt, problems)
    return tables


def extras(agg: Aggregates) -> dict[str, Any]:
    by_month = {ch: [0] * 12 for ch in CHANNELS}
    for (_t, ch, m), n in agg.new_received.items():
        by_month[ch][m - 1] += n
    outcomes: Counter = Counter()
    timely: Counter = Counter({"on_time": 0, "extended": 0, "late": 0})
    for (_t, code, tm, _m), n in agg.closed.items():
        outcomes[code] += n
        timely[tm] += n
    fen = agg.fees.get("amount_fen", 0)
    return {
        "received_by_month_channel": by_month,
        "closed_by_outcome": {c: outcomes[c] for c in OUTCOMES if outcomes[c]},
        "timeliness": dict(timely),
        "new_received": sum(agg.new_received.values()),
        "closed": sum(agg.closed.values()),
        "cases_by": agg.cases_by,
        "cases_decided_from_earlier_years": [
            {"id": cid, "kind": kind, "filed_date": filed.isoformat(), "decided_date": decided.isoformat(),
             "result": result} for cid, kind, filed, decided, result in agg.earlier_cases],
        "fees": {"applications": agg.fees.get("applications", 0), "amount": f"{fen // 100}.{fen % 100:02d}"},
    }


def layout_for_year(year: int) -> str:
    """The statistics layout of a report year: the pre-2019 table before 2019, the 2019 trial format
    for the 2019 and 2020 reports, the 2021 format from the 2021 report on."""
    if year < 2019:
        return "legacy"
    return "2019" if year <= 2020 else "2021"


def compute_report(year: int, fmt: str, apps: Iterable[AppRecord], cases: Iterable[CaseRecord] = (),
                   cases_by: str = "filing") -> ReportTables:
    """Whole pipeline over plain records (reference path; the database path is storage.statistics)."""
    return build_tables(aggregate_records(year, list(apps), cases, cases_by), fmt)


def outcome_groups(fmt: str = "2021") -> list[tuple[str, list[str]]]:
    """The outcome codes under Table 三's result groups （一）…（六）, in the table's order: the groups an
    outcome picker shows (one code may be the only one of its group, e.g. （二）部分公开)."""
    groups: list[tuple[str, list[str]]] = []
    by_row: dict[str, list[str]] = {}
    for code, o in OUTCOMES.items():
        by_row.setdefault(o.row_2021 if fmt == "2021" else o.row_2019, []).append(code)
    for row in table3_rows(fmt):
        if row.level == 1 and row.key != "r_total":
            groups.append((row.label, list(by_row.get(row.key, []))))
        elif row.level == 2 and groups:
            groups[-1][1].extend(by_row.get(row.key, []))
    return [(label, codes) for label, codes in groups if codes]
