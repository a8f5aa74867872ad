"""The official statistics tables of an annual report, found in any text layout.

Tables 二, 三 and 四 of the 2019/2021 formats have fixed row labels nationwide (国办公开办函
〔2019〕60号, 〔2021〕30号), and the pre-2019 统计表 has a label + unit + value shape. So instead of
trusting whatever cell borders survived (HTML grid, TAB or ``|`` rows, one cell per line, PDF
rows with spaces, crawler text with no separator at all), the report text is read as a stream of
label text and value runs; each label is matched to its official row by a key phrase, and each
row's values are split into the table's columns under the table's own arithmetic
(``knowledge.digits``). A value that cannot be determined is not invented: the row stays
searchable text and only the cells every consistent split agrees on become facts.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from knowledge.digits import (Run, agreed, cumulative_not_less, groups_of_five_total, solutions,
                              to_number, total_is_sum)

TABLE2_NAME = "二、主动公开政府信息情况"
TABLE3_NAME = "三、收到和处理政府信息公开申请情况"
TABLE4_NAME = "四、政府信息公开行政复议、行政诉讼情况"
TABLE3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
TABLE4_GROUPS = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
TABLE4_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
TABLE4_COLUMNS = tuple(f"{g} · {r}" for g in TABLE4_GROUPS for r in TABLE4_RESULTS)

_RESULTS = "三、本年度办理结果"
_DENY = f"{_RESULTS} （三）不予公开"
_UNABLE = f"{_RESULTS} （四）无法提供"
_REJECT = f"{_RESULTS} （五）不予处理"
_OTHER = f"{_RESULTS} （六）其他处理"


@dataclass(frozen=True)
class RowSpec:
    label: str      # the official label, as answers show it
    key: str        # regex finding the row in any layout (matched on the NFKC-folded text)
    context: str = ""
    group_only_if_empty: bool = False  # a group label in one format, a data row in another


TABLE3_ROWS: tuple[RowSpec, ...] = (
    RowSpec("一、本年新收政府信息公开申请数量", r"本年新收"),
    RowSpec("二、上年结转政府信息公开申请数量", r"上年结转"),
    RowSpec("（一）予以公开", r"予以公开", _RESULTS),
    RowSpec("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", r"部分公开", _RESULTS),
    RowSpec("1.属于国家秘密", r"国家秘密", _DENY),
    RowSpec("2.其他法律行政法规禁止公开", r"禁止公开|其他法律行政法规", _DENY),
    RowSpec("3.危及“三安全一稳定”", r"三安全|危及", _DENY),
    RowSpec("4.保护第三方合法权益", r"第三方合法权益|保护第三方", _DENY),
    RowSpec("5.属于三类内部事务信息", r"内部事务|三类内部", _DENY),
    RowSpec("6.属于四类过程性信息", r"过程性信息|四类过程", _DENY),
    RowSpec("7.属于行政执法案卷", r"执法案卷|行政执法案", _DENY),
    RowSpec("8.属于行政查询事项", r"行政查询", _DENY),
    RowSpec("1.本机关不掌握相关政府信息", r"不掌握|本机关不掌", _UNABLE),
    RowSpec("2.没有现成信息需要另行制作", r"另行制作|没有现成|需要另行", _UNABLE),
    RowSpec("3.补正后申请内容仍不明确", r"仍不明确|补正后申请", _UNABLE),
    RowSpec("1.信访举报投诉类申请", r"信访举报|举报投诉类|信访", _REJECT),
    RowSpec("2.重复申请", r"重复申请", _REJECT),
    RowSpec("3.要求提供公开出版物", r"公开出版物|要求提供公开", _REJECT),
    RowSpec("4.无正当理由大量反复申请", r"大量反复|无正当理由大量", _REJECT),
    RowSpec("5.要求行政机关确认或重新出具已获取信息", r"重新出具|确认或重新|已获取信息", _REJECT),
    RowSpec("（六）其他处理", r"\(六\)\s*其他处理", _RESULTS, group_only_if_empty=True),
    RowSpec("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", r"逾期不补|不补正", _OTHER),
    RowSpec("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", r"缴纳费用|收费通知|逾期未按收费", _OTHER),
    RowSpec("3.其他", r"(?<![\u4e00-\u9fff])3\s*[.、]\s*其他(?!法律)", _OTHER),
    RowSpec("（七）总计", r"\(七\)\s*(?:总计|合计)", _RESULTS),
    RowSpec("四、结转下年度继续办理", r"结转下年"),
)
_T3_INDEX = {spec.label: i for i, spec in enumerate(TABLE3_ROWS)}
T3_NEW, T3_CARRIED_IN, T3_TOTAL, T3_CARRIED_OUT = 0, 1, _T3_INDEX["（七）总计"], len(TABLE3_ROWS) - 1
T3_RESULT_ROWS = tuple(range(2, T3_TOTAL))


@dataclass(frozen=True)
class Table2Block:
    caption: str                # 第二十条第（一）项
    key: str
    columns_2021: tuple[str, ...]
    columns_2019: tuple[str, ...]
    rows: tuple[tuple[str, str, bool], ...]  # (label, key, 2019 only)
    unit: str = "件"


TABLE2_BLOCKS: tuple[Table2Block, ...] = (
    Table2Block("第二十条第（一）项", r"第二十条第\(一\)项", ("本年制发件数", "本年废止件数", "现行有效件数"),
                ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
                (("规章", r"规章", False), ("行政规范性文件", r"规范性文件", False))),
    Table2Block("第二十条第（五）项", r"第二十条第\(五\)项", ("本年处理决定数量",),
                ("上一年项目数量", "本年增/减", "处理决定数量"),
                (("行政许可", r"行政许可", False), ("其他对外管理服务事项", r"其他对外管理服务", True))),
    Table2Block("第二十条第（六）项", r"第二十条第\(六\)项", ("本年处理决定数量",),
                ("上一年项目数量", "本年增/减", "处理决定数量"),
                (("行政处罚", r"行政处罚", False), ("行政强制", r"行政强制", False))),
    Table2Block("第二十条第（八）项", r"第二十条第\(八\)项", ("本年收费金额（单位：万元）",),
                ("上一年项目数量", "本年增/减"),
                (("行政事业性收费", r"行政事业性收费", False),), unit="万元"),
    Table2Block("第二十条第（九）项", r"第二十条第\(九\)项", (), ("采购项目数量", "采购总金额"),
                (("政府集中采购", r"政府集中采购", True),), unit=""),
)
TABLE2_2019_WORDS = re.compile(r"本年新制作|上一年项目数量|本年新公开|对外公开总数")

UNIT_WORDS = ("人次", "万元", "条", "件", "次", "篇", "个", "人", "元", "项", "期", "份", "场", "家", "%")
_UNIT_AT_START = re.compile(r"^\s*(" + "|".join(UNIT_WORDS) + r")")
_HEADING = re.compile(r"(?:^|[\s。；])[一二三四五六七八九十]{1,2}、")


@dataclass
class TableCell:
    table: str
    context: str
    row_label: str
    col_label: str | None
    value: str | None
    unit: str | None


@dataclass
class TableResult:
    cells: list[TableCell] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # consumed ranges of the text
    layout: str | None = None   # "2021" / "2019" / "legacy"
    notes: list[str] = field(default_factory=list)  # what could not be structured
    table3_rows: int = 0
    table4_cells: int = 0


def fold_table_text(text: str) -> str:
    """NFKC (full-width brackets, digits and separators → half-width), length-preserving."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# --- tokens: label text and value runs -------------------------------------------------------

@dataclass
class Token:
    kind: str   # "text" or "value"
    text: str
    start: int
    end: int


_VALUE_CHARS = set("0123456789.-+%, \t|\u3000\u00a0\n\r")
_ENUM_AFTER = re.compile(r"[.、]")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Label text and value runs of ``text[start:end]`` (``text`` already folded).

    A list number glued to the values before it (``00000002.其他法律…``) belongs to the next
    label: a run ending in digits + '.'/'、' right before a Han character gives those digits
    (one, or two when they continue the list being read) back to the label."""
    end = len(text) if end is None else end
    tokens: list[Token] = []
    i = start
    last_enum = 0
    while i < end:
        ch = text[i]
        starts_value = ch.isdigit() or (ch in "-+" and i + 1 < end and text[i + 1].isdigit())
        if not starts_value:
            j = i
            while j < end and not (text[j].isdigit() or (text[j] in "-+" and j + 1 < end and text[j + 1].isdigit())):
                j += 1
            _add_text(tokens, text, i, j)
            i = j
            continue
        j = i
        while j < end and text[j] in _VALUE_CHARS and not (text[j] == "\n" and text[j + 1:j + 2] == "\n"):
            j += 1  # a blank line ends a run of values
        value_end = j
        # trailing separators are not part of the run
        while value_end > i and text[value_end - 1] in " \t|\u3000\u00a0\n\r,":
            value_end -= 1
        run = text[i:value_end]
        enum_len = 0
        if run and run[-1] in ".、" and j < end and _is_han(text[j]) and len(run) >= 2 and run[-2].isdigit():
            digits = re.search(r"\d+$", run[:-1]).group(0)
            nxt = str(last_enum + 1)
            if len(digits) >= 2 and digits.endswith(nxt) and len(nxt) == 2:
                enum_len = 2
            else:
                enum_len = 1
            last_enum = int(digits[-enum_len:])
            enum_len += 1  # the '.'
        elif run and re.fullmatch(r"\d{1,2}[.、]", run) and j < end:
            enum_len = len(run)
        value_part = run[: len(run) - enum_len] if enum_len else run
        if value_part.strip(" -.,%"):
            tokens.append(Token("value", value_part, i, i + len(value_part)))
        if enum_len:
            enum_start = i + len(run) - enum_len
            _add_text(tokens, text, enum_start, j)
        elif value_end < j:
            pass
        i = j
    return tokens


def _add_text(tokens: list[Token], text: str, i: int, j: int) -> None:
    if i >= j:
        return
    if tokens and tokens[-1].kind == "text" and tokens[-1].end == i:
        tokens[-1] = Token("text", tokens[-1].text + text[i:j], tokens[-1].start, j)
    else:
        tokens.append(Token("text", text[i:j], i, j))


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "“\"("


def _unit_prefix(token: Token) -> str | None:
    m = _UNIT_AT_START.match(token.text)
    return m.group(1) if m else None


# --- Table 三 ---------------------------------------------------------------------------------

_T3_KEYS = [re.compile(spec.key) for spec in TABLE3_ROWS]
_T3_STOP = re.compile(r"行政复议|行政诉讼|结果维持|第二十条|存在的主要问题|其他需要报告")


def _rightmost_key(text: str, keys: list[re.Pattern[str]], first: int) -> tuple[int, int] | None:
    """(row index, position) of the row key found furthest right in ``text`` among rows ≥ first
    (spaces inside a label — 总 计 — do not hide it)."""
    text = re.sub(r"(?<=[\u4e00-\u9fff])[ \u3000\r\n]+(?=[\u4e00-\u9fff])", "", text)  # 总 计, 部\n分公开
    best: tuple[int, int] | None = None
    for idx in range(first, len(keys)):
        for m in keys[idx].finditer(text):
            if best is None or m.start() > best[1]:
                best = (idx, m.start())
    return best


def _table3(text: str, tokens: list[Token], result: TableResult) -> int:
    """Parse Table 三 starting at the first label holding 本年新收; returns the end position."""
    start_idx = next((k for k, t in enumerate(tokens) if t.kind == "text" and _T3_KEYS[0].search(t.text)
                      and ("申请" in t.text or "数量" in t.text)), None)
    if start_idx is None:
        return -1
    runs: dict[int, Run] = {}
    spans: dict[int, tuple[int, int]] = {}
    current: int | None = None
    next_row = 0
    first = tokens[start_idx]
    key = _T3_KEYS[0].search(first.text)
    table_start = first.start + (key.start() if key else 0)
    table_start = max(first.start, table_start - 2) if text[max(first.start, table_start - 2):table_start] == "一、" else table_start
    # the header (勾稽关系 note, 申请人情况 …) sits just before the first row: it is part of the table
    header = -1
    for word in ("(本列数据", "（本列数据", "勾稽关系", "申请人情况"):
        header = text.rfind(word, max(first.start, table_start - 400), table_start)
        if header != -1:
            break
    span_start = header if header != -1 else table_start
    end_pos = table_start
    for tok in tokens[start_idx:]:
        if tok.kind == "text":
            hit = _rightmost_key(tok.text, _T3_KEYS, next_row)
            if hit is not None:
                current = hit[0]
                next_row = current + 1
                end_pos = tok.end
                continue
            if _T3_STOP.search(tok.text) or len(re.sub(r"[^\u4e00-\u9fff]", "", tok.text)) > 24 \
                    or _HEADING.search(tok.text):
                break
            continue
        if current is None:
            continue
        run = Run.parse(tok.text)
        runs[current] = runs[current].concat(run) if current in runs else run
        spans[current] = (spans.get(current, (tok.start, tok.end))[0], tok.end)
        end_pos = tok.end
        if current == T3_CARRIED_OUT:
            counted = len(runs[current].atoms)
            if counted >= 7 or len(runs[current].chars) >= 7:
                break
    if not runs:
        return -1
    candidates: dict[int, list[list[str]]] = {}
    for idx, run in runs.items():
        sols = solutions(run, len(TABLE3_COLUMNS), total_is_sum)
        if not sols:
            sols = solutions(run, len(TABLE3_COLUMNS))  # the row does not add up: take the atoms if 7
            sols = sols if len(sols) == 1 else []
        candidates[idx] = sols
    chosen = _balance(candidates)
    rows_found = 0
    for idx, values in sorted(chosen.items()):
        spec = TABLE3_ROWS[idx]
        if spec.group_only_if_empty and not any(values):
            continue
        if any(v is not None for v in values):
            rows_found += 1
        for col, value in zip(TABLE3_COLUMNS, values):
            if value is not None:
                result.cells.append(TableCell(TABLE3_NAME, spec.context, spec.label, col, value, "件"))
    unresolved = [TABLE3_ROWS[i].label for i, v in chosen.items() if any(x is None for x in v)]
    if unresolved:
        result.notes.append(f"表三有 {len(unresolved)} 行数字无法唯一拆分，已按原文保留")
    result.table3_rows = rows_found
    result.spans.append((span_start, end_pos))
    return end_pos


def _balance(candidates: dict[int, list[list[str]]]) -> dict[int, list[str | None]]:
    """Choose among a row's possible splits with the column equations of Table 三:
    新收 + 上年结转 = （七）总计 + 结转下年度, and （七）总计 = the sum of the result rows."""
    fixed = {i: c[0] for i, c in candidates.items() if len(c) == 1}
    open_rows = [i for i, c in candidates.items() if len(c) > 1]
    out: dict[int, list[str | None]] = {i: list(v) for i, v in fixed.items()}
    for i, c in candidates.items():
        if not c:
            out[i] = [None] * len(TABLE3_COLUMNS)
    if not open_rows:
        return out
    combos = 1
    for i in open_rows:
        combos *= len(candidates[i])
    if combos > 20000:
        for i in open_rows:
            out[i] = agreed(candidates[i])
        return out

    def score(assign: dict[int, list[str]]) -> int:
        rows = {**fixed, **assign}
        num = {i: [to_number(v) for v in vals] for i, vals in rows.items()}
        ok = 0
        for col in range(len(TABLE3_COLUMNS)):
            if all(i in num for i in (T3_NEW, T3_CARRIED_IN, T3_TOTAL, T3_CARRIED_OUT)):
                ok += num[T3_NEW][col] + num[T3_CARRIED_IN][col] == num[T3_TOTAL][col] + num[T3_CARRIED_OUT][col]
            results = [num[i][col] for i in T3_RESULT_ROWS if i in num]
            if T3_TOTAL in num and results:
                ok += abs(sum(results) - num[T3_TOTAL][col]) < 1e-6
        return ok

    scored = []
    for combo in itertools.product(*(candidates[i] for i in open_rows)):
        assign = dict(zip(open_rows, combo))
        scored.append((score(assign), assign))
    top = max(s for s, _ in scored)
    best = [a for s, a in scored if s == top]
    for i in open_rows:
        out[i] = agreed([a[i] for a in best])
    return out


# --- Table 四 ---------------------------------------------------------------------------------

_T4_HEADER = re.compile(r"行政复议")
_T4_HEADER_RESULT = re.compile(r"结果维持|维持")


def _table4(text: str, tokens: list[Token], result: TableResult, after: int) -> int:
    idx = None
    for k, tok in enumerate(tokens):
        if tok.kind == "text" and tok.start >= after and _T4_HEADER.search(tok.text):
            window = "".join(t.text for t in tokens[k:k + 3] if t.kind == "text")
            if _T4_HEADER_RESULT.search(window):
                idx = k
                break
    if idx is None:
        return -1
    run = Run("", ())
    head = tokens[idx].text
    heading = None
    for heading in re.finditer(r"[一二三四五六七八九十]{1,2}、[^\n。]*?(?:情况|诉讼)", head):
        pass
    offset = heading.end() if heading else 0
    first_review = head.find("行政复议", offset)
    start = tokens[idx].start + (first_review if first_review != -1 else offset)
    end = start
    for tok in tokens[idx + 1:]:
        if tok.kind == "text":
            han = re.sub(r"[^\u4e00-\u9fff]", "", tok.text)
            if run.chars and (len(han) > 12 or _HEADING.search(tok.text)):
                break
            if not run.chars and _HEADING.search(tok.text) and len(han) > 40:
                return -1
            continue
        run = run.concat(Run.parse(tok.text))
        end = tok.end
        if len(run.atoms) >= 15:
            break
    if not run.chars:
        return -1
    if len(run.atoms) > len(TABLE4_COLUMNS):  # the row's cells are separated: the first fifteen
        run = Run.parse("\t".join(run.atoms[:len(TABLE4_COLUMNS)]))
    sols = solutions(run, len(TABLE4_COLUMNS), groups_of_five_total)
    atoms = run.atoms
    while not sols and len(atoms) > 1:  # a figure of the next paragraph glued on (…000 2024年)
        atoms = atoms[:-1]
        sols = solutions(Run.parse(" ".join(atoms)), len(TABLE4_COLUMNS), groups_of_five_total)
    values = agreed(sols) if sols else []
    if not values:
        result.notes.append("表四的数字无法唯一拆分，已按原文保留")
        return -1
    for col, value in zip(TABLE4_COLUMNS, values):
        if value is not None:
            result.cells.append(TableCell(TABLE4_NAME, "", "行政复议、行政诉讼情况", col, value, "件"))
            result.table4_cells += 1
    result.spans.append((start, end))
    return end


# --- Table 二 ---------------------------------------------------------------------------------

_T2_CAPTIONS = [re.compile(b.key) for b in TABLE2_BLOCKS]
_T2_STOP = re.compile(r"收到和处理|申请人情况|本年新收|勾稽关系")


def _table2(text: str, tokens: list[Token], result: TableResult) -> tuple[int, str | None]:
    """Table 二 block by block (caption, column header, rows). Returns (end position, format)."""
    first = None
    for k, tok in enumerate(tokens):
        if tok.kind == "text" and any(c.search(tok.text) for c in _T2_CAPTIONS):
            first = k
            break
    if first is None:
        return -1, None
    region_text = re.sub(r"\s+", "", "".join(t.text for t in tokens[first:first + 80] if t.kind == "text"))
    fmt = "2019" if TABLE2_2019_WORDS.search(region_text) else "2021"
    block: Table2Block | None = None
    row: tuple[str, str, bool] | None = None
    row_runs: list[tuple[Table2Block, str, Run, str | None]] = []
    first_caption = next(c.search(tokens[first].text) for c in _T2_CAPTIONS if c.search(tokens[first].text))
    start = tokens[first].start + first_caption.start()
    end = start
    pending: Run | None = None
    for tok in tokens[first:]:
        if tok.kind == "text":
            unit = _unit_prefix(tok)
            if pending is not None and block is not None and row is not None:
                row_runs.append((block, row[0], pending, unit))
                pending = None
            caption = next((b for b, c in zip(TABLE2_BLOCKS, _T2_CAPTIONS) if c.search(tok.text)), None)
            if caption is not None:
                block, row = caption, None
                tail = tok.text[_T2_CAPTIONS[TABLE2_BLOCKS.index(caption)].search(tok.text).end():]
                hit = _row_in(block, tail, fmt)
                if hit:
                    row = hit
                end = tok.end
                continue
            if _T2_STOP.search(tok.text) or (_HEADING.search(tok.text) and block is not None and row is not None
                                             and "二十条" not in tok.text):
                break
            if block is not None:
                hit = _row_in(block, tok.text, fmt)
                if hit:
                    row = hit
                    end = tok.end
            continue
        if block is None or row is None:
            continue
        run = Run.parse(tok.text)
        pending = pending.concat(run) if pending is not None else run
        end = tok.end
    if pending is not None and block is not None and row is not None:
        row_runs.append((block, row[0], pending, None))
    merged: dict[tuple[str, str], tuple[Table2Block, Run, str | None]] = {}
    for blk, label, run, unit in row_runs:
        key = (blk.caption, label)
        if key in merged:
            merged[key] = (blk, merged[key][1].concat(run), merged[key][2] or unit)
        else:
            merged[key] = (blk, run, unit)
    found = 0
    for (caption, label), (blk, run, unit) in merged.items():
        columns = blk.columns_2019 if fmt == "2019" else blk.columns_2021
        if not columns:
            continue
        sols = solutions(run, len(columns))
        values = agreed(sols) if sols else [None] * len(columns)
        if any(v is None for v in values):
            result.notes.append(f"表二“{label}”的数字无法唯一拆分，已按原文保留")
        for col, value in zip(columns, values):
            if value is None:
                continue
            cell_unit = blk.unit or unit
            if "金额" in col and fmt == "2019" and blk.caption.endswith("（九）项"):
                cell_unit = unit or "万元"
            if "金额" not in col and blk.unit == "万元" and fmt == "2019":
                cell_unit = "项"
            result.cells.append(TableCell(TABLE2_NAME, caption, label, col, value, cell_unit))
            found += 1
    if not found:
        return -1, None
    result.spans.append((start, end))
    return end, fmt


def _row_in(block: Table2Block, text: str, fmt: str) -> tuple[str, str, bool] | None:
    best = None
    for row in block.rows:
        if row[2] and fmt != "2019":
            continue
        for m in re.finditer(row[1], text):
            if best is None or m.start() > best[0]:
                best = (m.start(), row)
    return best[1] if best else None


# --- pre-2019 统计表, flattened ----------------------------------------------------------------

_LEGACY_HEADER = re.compile(r"(?:指标名称|统计指标|指标)\s*(?:计量)?单位\s*((?:(?:\d{4}\s*年度?|本年度?|历年累计|累计|统计数|数量)\s*)+)")
_LEGACY_UNIT_END = re.compile(r"(" + "|".join(u for u in UNIT_WORDS if u != "%") + r")\s*$")


def _legacy_flat(text: str, tokens: list[Token], result: TableResult, narrative_numbers: set[str]) -> int:
    """A pre-2019 统计表 whose rows run together: 主动公开信息数条4251516 (2011年度 425, 累计 1516)."""
    m = _LEGACY_HEADER.search(text)
    if not m:
        return -1
    columns = re.findall(r"\d{4}\s*年度?|本年度?|历年累计|累计|统计数|数量", m.group(1))
    columns = [re.sub(r"\s+", "", c) for c in columns]
    if not columns:
        return -1
    table_name = _legacy_title(text, m.start())
    rows: list[tuple[str, str, str, Run]] = []  # (context, label, unit, run)
    parent = ""
    label: str | None = None
    unit = ""
    end = m.end()
    for tok in tokens:
        if tok.end <= m.end():
            continue
        if tok.kind == "text":
            raw = tok.text[max(0, m.end() - tok.start):].strip()
            um = _LEGACY_UNIT_END.search(raw)
            if not um:
                if label is None and len(raw) > 30:
                    break
                label = None
                continue
            label = re.sub(r"\s+", "", raw[: um.start()])
            unit = um.group(1)
            if label.startswith("其中"):
                label = label[2:].lstrip(":：")
            if not re.match(r"^\d{1,2}[.、]", label):
                parent = label
            continue
        if label is None:
            continue
        context = parent if parent != label else ""
        rows.append((context, label, unit, Run.parse(tok.text)))
        end = tok.end
        label = None
    if not rows:
        return -1
    check = cumulative_not_less if len(columns) == 2 else None
    parents: dict[str, list[float]] = {}
    for context, label, unit, run in rows:
        sols = solutions(run, len(columns), check)
        if len(sols) > 1 and context in parents:  # a sub-item cannot exceed its parent row
            limit = parents[context]
            sols = [s for s in sols if all(to_number(v) <= lim for v, lim in zip(s, limit))] or sols
        if len(sols) > 1 and narrative_numbers:  # the narrative states this year's figure
            backed = [s for s in sols if s[0] in narrative_numbers]
            sols = backed or sols
        values = agreed(sols) if sols else [None] * len(columns)
        if not context and all(v is not None for v in values):
            parents[label] = [to_number(v) for v in values]
        for col, value in zip(columns, values):
            if value is not None:
                result.cells.append(TableCell(table_name, context, label, col, value, unit))
        if any(v is None for v in values):
            result.notes.append(f"统计表“{label}”的数字无法唯一拆分，已按原文保留")
    result.spans.append((m.start(), end))
    return end


def _legacy_title(text: str, pos: int) -> str:
    before = text[max(0, pos - 60):pos]
    m = re.search(r"([^\s。：:]{0,40}统计表)\s*$", before)
    return m.group(1) if m else "政府信息公开情况统计表"


# --- entry point ------------------------------------------------------------------------------

def extract_tables(text: str, narrative_numbers: set[str] | None = None) -> TableResult:
    """The official tables found anywhere in ``text`` (the report as one string)."""
    folded = fold_table_text(text)
    tokens = tokenize(folded)
    result = TableResult()
    end2, fmt2 = _table2(folded, tokens, result)
    end3 = _table3(folded, tokens, result)
    end4 = _table4(folded, tokens, result, max(end3, 0)) if end3 != -1 or re.search(r"直接起诉|复议后起诉", folded) else -1
    if end3 != -1 or end4 != -1 or end2 != -1:
        if fmt2 == "2019":
            result.layout = "2019"
        elif fmt2 == "2021":
            result.layout = "2021"
        else:
            result.layout = "2019" if any(c.row_label == "（六）其他处理" for c in result.cells) else "2021"
        return result
    if _legacy_flat(folded, tokens, result, narrative_numbers or set()) != -1:
        result.layout = "legacy"
    return result
