"""Answering a citizen's question from the loaded reports, with the source named.

1. ``question.resolve`` picks the reports the question may be answered from (agency, place, year).
2. BM25 over character bigrams (query expanded with the domain synonym table) finds candidates
   in those reports only.
3. A rerank applies what BM25 cannot know: which table column the question asks for (自然人,
   商业企业 …, default 总计), whether a number is wanted, and rapidfuzz similarity of labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from knowledge.index import BM25Index
from knowledge.parse import TABLE3_COLUMNS
from knowledge.question import Gazetteer, ReportRef, resolve
from knowledge.synonyms import NUMBER_INTENT, document_expansion, expansion, strip_stop_phrases
from knowledge.text import bigrams, fold
from knowledge.types import Answer, Source, Suggestion

ANSWER_THRESHOLD = 0.34
SUGGEST_THRESHOLD = 0.12
RE_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、]|其中[:：])")
RE_DIGIT = re.compile(r"\d")
GENERIC_LABEL_GRAMS = frozenset(bigrams("政府信息公开申请人数量"))
# Contact details: (how a question asks for it, how a sentence holds it).
CONTACT_SLOTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "address": (re.compile(r"地址|在哪|哪里|位置"), re.compile(r"地址|[路街道]\d+号")),
    "phone": (re.compile(r"电话|号码|热线"), re.compile(r"电话[^；。]{0,8}\d{7,}|\d{3,4}-\d{7,8}")),
    "fax": (re.compile(r"传真"), re.compile(r"传真[^；。]{0,4}\d{7,}")),
    "email": (re.compile(r"邮箱|e-?mail|邮件"), re.compile(r"@")),
    "website": (re.compile(r"网址|网站|官网"), re.compile(r"https?://|www\.")),
    "hours": (re.compile(r"几点|办公时间|上班|工作时间"), re.compile(r"\d{1,2}[:：]\d{2}")),
}
OUTLINE_INTENT = re.compile(r"怎么|如何|哪些|措施|打算|计划|改进")
YES_NO = re.compile(r"吗[?？]?$|有没有|是否|是不是|还在")

COLUMN_INTENTS: dict[str, tuple[str, ...]] = {
    "自然人": ("自然人", "老百姓", "个人", "群众", "公民", "市民", "居民"),
    "商业企业": ("商业企业", "企业", "公司", "法人"),
    "科研机构": ("科研", "研究所", "研究院", "高校", "大学"),
    "社会公益组织": ("公益", "社会组织", "协会", "基金会"),
    "法律服务机构": ("法律服务", "律所", "律师"),
}
LITIGATION_WORDS = ("诉讼", "官司", "起诉", "被告", "法院", "告")
RESULT_INTENTS = {"结果维持": ("维持",), "结果纠正": ("纠正", "纠错"), "其他结果": ("其他结果",), "尚未审结": ("尚未审结", "未审结", "还没判", "没审完")}


@dataclass
class Passage:
    id: int
    report_id: int
    kind: str  # sentence, cell, outline, meta
    section: str
    context: str
    text: str
    table_name: str | None = None
    row_label: str | None = None
    col_label: str | None = None
    value: str | None = None
    unit: str | None = None

    def index_text(self) -> str:
        if self.kind == "cell":
            row = RE_ENUM.sub("", self.row_label or "")
            ctx = " ".join(RE_ENUM.sub("", part) for part in (self.context or "").split(" "))
            return f"{self.table_name or ''} {ctx} {row} {row} {self.col_label or ''}"
        return f"{self.section} {self.context} {self.text} {document_expansion(self.text)}"


def label_text(p: Passage) -> str:
    row = RE_ENUM.sub("", p.row_label or "").strip()
    col = p.col_label or ""
    if " · " in col:  # Table 四: the column path names the cell completely
        return col
    if len(row) <= 4 and p.context:  # 总计 / 其他: say which group they belong to
        group = RE_ENUM.sub("", p.context.split(" ")[-1]).strip()
        if group and group != row:
            row = f"{group} · {row}"
    if col and col not in ("统计数", "总计"):
        return f"{row}（{col}）" if row else col
    return row or col


def column_intent(q: str) -> str | None:
    for column, forms in COLUMN_INTENTS.items():
        if any(f in q for f in forms):
            return column
    return None


def _table4_fit(q: str, col: str) -> float:
    group, result = col.split(" · ", 1)
    litigation = any(w in q for w in LITIGATION_WORDS)
    review = "复议" in q
    score = 0.0
    if group == "行政复议":
        score += 0.1 if review and not litigation else -0.4
    elif "直接起诉" in group:
        score += 0.1 if ("直接" in q or "未经复议" in q) else -0.2
    else:
        score += 0.1 if "复议后" in q else -0.2
    wanted = next((k for k, forms in RESULT_INTENTS.items() if any(f in q for f in forms)), "总计")
    score += 0.1 if result == wanted else -0.4
    return score


@dataclass
class _Query:
    text: str                 # the folded question
    core: dict[str, float]    # its bigrams (names, years and filler words removed) → idf
    extra: dict[str, float]   # bigrams of the synonym expansion → idf

    def __post_init__(self) -> None:
        q = self.text
        self.wanted = set(self.core) | set(self.extra)
        self.wants_number = bool(NUMBER_INTENT.search(q))
        self.yes_no = bool(YES_NO.search(q))
        self.column = column_intent(q)
        self.wants_outline = bool(OUTLINE_INTENT.search(q))
        self._table4: dict[str, float] = {}

    def fit_table4(self, col: str) -> float:
        fit = self._table4.get(col)
        if fit is None:
            fit = self._table4[col] = _table4_fit(self.text, col)
        return fit


def _coverage(terms: dict[str, float], grams: set[str]) -> float:
    total = sum(terms.values())
    if not total:
        return 0.0
    return sum(w for g, w in terms.items() if g in grams) / total


class Answerer:
    def __init__(self, reports: list[ReportRef], passages: list[Passage], *, home_agency: str | None = None):
        self.reports = reports
        self.report_by_id = {r.id: r for r in reports}
        passages = sorted(passages, key=lambda p: (p.report_id, p.id))
        self.passages = passages
        self.home_agency = home_agency
        self.gazetteer = Gazetteer(reports)
        self._grams: dict[int, tuple[set[str], set[str]]] = {}
        self.index = BM25Index([p.index_text() for p in passages], [p.report_id for p in passages])
        self._name_forms = {
            f for r in reports for f in (r.agency, *r.name.places, *r.name.place_stems, *r.name.organ_forms) if f
        }
        self._longest_name = max((len(f) for f in self._name_forms), default=0)

    # -- public ------------------------------------------------------------------------------

    def answer(self, question: str, today: date | None = None) -> Answer:
        question = question.strip()
        if not question:
            return Answer(question, None, None, 0.0, note="empty")
        res = resolve(question, self.reports, home_agency=self.home_agency, today=today,
                      gazetteer=self.gazetteer)
        if res.refused:
            return Answer(question, None, None, 0.0, note=res.refused)
        if not res.reports:
            return Answer(question, None, None, 0.0, note="no_reports")
        q = fold(question)
        named_stripped = self._strip_names(q)
        core = strip_stop_phrases(named_stripped)
        extra = expansion(named_stripped)
        hits = self.index.top(f"{core} {extra}", k=30, groups=[r.id for r in res.reports])
        if not hits:
            return Answer(question, None, None, 0.0, note="no_match")
        top_bm25 = hits[0][1] or 1.0
        query = _Query(q, self._weighted_terms(core), self._weighted_terms(extra))
        ranked = sorted(
            ((self._rerank(query, doc, bm25 / top_bm25), doc) for doc, bm25 in hits),
            key=lambda sd: -sd[0],
        )
        best_score, best_doc = ranked[0]
        best = self.passages[best_doc]
        score = max(0.0, min(100.0, best_score * 100))
        suggestions = self._suggestions(ranked[1:], exclude=best_doc)
        if best_score < ANSWER_THRESHOLD:
            return Answer(question, None, None, score, suggestions=self._suggestions(ranked, None),
                          note="not_confident")
        text = self.render(best)
        for doc in self._other_contact_slots(q, best_doc, ranked):
            text += "\n" + self.render(self.passages[doc])
        return Answer(question, text, self.source(best), score, suggestions=suggestions,
                      report_id=best.report_id)

    def _other_contact_slots(self, q: str, best_doc: int, ranked: list[tuple[float, int]]) -> list[int]:
        """地址和电话: when a question asks for several contact details that one sentence does not
        hold, the best passage of the same report for each missing detail."""
        wanted = [slot for slot, (asked, _) in CONTACT_SLOTS.items() if asked.search(q)]
        if len(wanted) < 2:
            return []
        best = self.passages[best_doc]
        have = {slot for slot in wanted if CONTACT_SLOTS[slot][1].search(best.text)}
        extra: list[int] = []
        for slot in wanted:
            if slot in have:
                continue
            pattern = CONTACT_SLOTS[slot][1]
            doc = next((d for _, d in ranked if d != best_doc and d not in extra
                        and self.passages[d].report_id == best.report_id and self.passages[d].kind == "sentence"
                        and pattern.search(self.passages[d].text)), None)
            if doc is None:
                doc = self._find_in_report(best.report_id, pattern)
            if doc is not None and doc not in extra:
                extra.append(doc)
                have |= {s for s in wanted if CONTACT_SLOTS[s][1].search(self.passages[doc].text)}
        return extra

    def _find_in_report(self, report_id: int, pattern: re.Pattern[str]) -> int | None:
        start, end = self.index.ranges.get(report_id, (0, 0))
        return next((d for d in range(start, end)
                     if self.passages[d].kind == "sentence" and pattern.search(self.passages[d].text)), None)

    def source(self, p: Passage) -> Source:
        ref = self.report_by_id[p.report_id]
        section = p.table_name if p.kind == "cell" and p.table_name else p.section
        return Source(title=ref.title, agency=ref.agency, year=ref.year, section=section or "")

    def cite(self, p: Passage) -> str:
        ref = self.report_by_id[p.report_id]
        src = self.source(p)
        legacy = p.kind == "cell" and p.col_label == "统计数"
        doc = f"{ref.year}年度统计表" if legacy else f"{ref.year}年度报告"
        section = f" · {src.section}" if src.section else ""
        return f"{ref.agency} {doc}{section}"

    def render(self, p: Passage) -> str:
        if p.kind == "cell":
            value = f"{p.value}{p.unit or ''}" if p.value is not None else "未填报（表中为空）"
            return f"{label_text(p)}：{value}（{self.cite(p)}）"
        return f"{p.text}（{self.cite(p)}）"

    # -- internals ---------------------------------------------------------------------------

    def _strip_names(self, q: str) -> str:
        found = {q[i:i + n] for i in range(len(q)) for n in range(1, min(self._longest_name, len(q) - i) + 1)
                 if q[i:i + n] in self._name_forms}
        for form in sorted(found, key=len, reverse=True):
            q = q.replace(form, " ")
        q = re.sub(r"(19|20)?\d{2}\s*年度?", " ", q)
        return q

    def _weighted_terms(self, text: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for gram in bigrams(text):
            tid = self.index.term_ids.get(gram)
            if tid is not None:
                out[gram] = self.index.idf[tid]
        return out

    def _passage_grams(self, doc: int) -> tuple[set[str], set[str], list[str], list[str]]:
        cached = self._grams.get(doc)
        if cached is None:
            p = self.passages[doc]
            grams = set(bigrams(fold(p.index_text())))
            if p.kind == "cell":  # the table's own title is shared by all its cells: context only
                own = set(bigrams(fold(p.index_text().replace(p.table_name or "", " ", 1))))
                if p.col_label in TABLE3_COLUMNS:  # 申请/政府信息 are in every Table 三 row label
                    own -= GENERIC_LABEL_GRAMS
            else:
                own = set(bigrams(fold(f"{p.text} {document_expansion(p.text)}")))
            label_grams: list[str] = []
            if p.kind == "cell":
                label = re.sub(r"[（(][^）)]*[）)]", "", RE_ENUM.sub("", p.row_label or ""))
                label_grams = bigrams(fold(label))
            specific = [g for g in label_grams if g not in GENERIC_LABEL_GRAMS]
            cached = self._grams[doc] = (grams, own, label_grams, specific)
        return cached

    def _rerank(self, query: "_Query", doc: int, bm25_rel: float) -> float:
        p = self.passages[doc]
        grams, own, label_grams, specific = self._passage_grams(doc)
        score = (0.25 * bm25_rel + 0.35 * _coverage(query.core, own) + 0.15 * _coverage(query.core, grams)
                 + 0.15 * _coverage(query.extra, grams))
        if p.kind == "cell":
            col = p.col_label or ""
            if label_grams:
                wanted = query.wanted
                score += 0.25 * sum(1 for g in label_grams if g in wanted) / len(label_grams)
                if (col in TABLE3_COLUMNS and specific and not (p.row_label or "").startswith("一、")
                        and not any(g in wanted for g in specific)):
                    score -= 0.2  # a Table 三 row nothing in the question points to; 新收 is the default
            if col in TABLE3_COLUMNS:
                if query.column:
                    score += 0.2 if col == query.column else -0.5
                elif col != "总计":
                    score -= 0.5
            elif " · " in col:
                score += query.fit_table4(col)
            if p.value is None:
                score -= 0.2
            if query.yes_no:
                score -= 0.15
        elif query.wants_number and not RE_DIGIT.search(p.text):
            score -= 0.25
        if p.kind == "sentence" and p.text.count("情况") >= 3:
            score -= 0.25  # the report's table of contents ("报告内容包括……情况、……情况")
        if p.kind == "outline" and not query.wants_outline:
            score -= 0.3
        return score

    def _suggestions(self, ranked: list[tuple[float, int]], exclude: int | None) -> list[Suggestion]:
        out: list[Suggestion] = []
        seen: set[str] = set()
        for score, doc in ranked:
            if doc == exclude or score < SUGGEST_THRESHOLD:
                continue
            p = self.passages[doc]
            text = self.render(p)
            if text in seen:
                continue
            seen.add(text)
            out.append(Suggestion(text=text, source=self.source(p)))
            if len(out) == 3:
                break
        return out
