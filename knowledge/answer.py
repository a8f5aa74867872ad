"""Answering a citizen's question from the loaded reports, with the source named.

1. ``question.resolve`` picks the reports the question may be answered from (agency, place, year);
   nothing else is ever searched, so a figure is never borrowed from another agency.
2. ``frame.parse_frame`` reads what is asked (content words, concepts, number/unit, yes/no,
   contact details, table column or cell, cumulative or total).
3. BM25 over character bigrams and concept tokens finds candidates — table cells, narrative facts
   (a figure with the clause that governs it), sentences — in those reports only.
4. A rerank weighs what BM25 cannot: how much of the question's content the candidate covers,
   the concepts it shares, and whether it is the kind of thing asked (a figure in the unit asked,
   the column asked, the contact detail asked, the year's figure rather than the running total).
   A question whose content no candidate covers is not answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from knowledge.frame import (CONCEPT_TOKEN, Frame, analyse_content, concept_tokens, concepts_in, parse_frame,
                             units_agree)
from knowledge.index import BM25Index
from knowledge.facts import CN_FIGURE, FIGURE, PERCENT
from knowledge.lexicon import (ASKS_STRUCTURE, COLUMN_WORDS, CONTACT_SLOTS, ENUMERATION, INTERNAL_OFFICE_WORDS,
                               ITEM_MARK, ITEMS_INTENT, LIST_HEAD,
                               ORGANISATION_FIRST, ORGANISATION_WORDS,
                               OCCURRENCE, QUALIFIER_CONCEPTS, REPORT_STRUCTURE, SIGNATURE_INTENT,
                               PLAN_INTENT, PLAN_WORDS, PROVINCES, SECTION_INTENT, SECTION_NUMBER, TABLE3_ROW_WORDS,
                               TABLE4_WORDS, TOPIC_CONCEPTS)
from knowledge.question import Gazetteer, ReportRef, resolve
from knowledge.tables import TABLE2_BLOCKS, TABLE3_COLUMNS, TABLE3_ROWS

TABLE3_ROW_LABELS = tuple(r.label for r in TABLE3_ROWS)
TABLE2_ROW_LABELS = tuple(row[0] for b in TABLE2_BLOCKS for row in b.rows)
from knowledge.text import Vocabulary, bigrams, fold, to_simplified
from knowledge.types import Answer, Source, Suggestion

ANSWER_THRESHOLD = 0.53
MIN_COVERAGE = 0.25
CLEAR_MARGIN = 0.2     # an answer this far ahead of any other passage needs a lower score
UNKNOWN_WEIGHT = 0.5   # a question bigram no report uses
RARE_DF = 1.0          # a bigram in df passages weighs idf·df/(df+RARE_DF): seen once, half its rarity
CONCEPT_WEIGHT = 2.0   # the least a concept weighs
SUGGEST_THRESHOLD = 0.2
CANDIDATES = 30
RERANKED = 12
MIN_SENTENCES = 2  # ... of which at least this many narrative sentences, when the candidates have them
RELEVANCE_WEIGHT = 0.2  # of a passage's BM25 score (relative to the best) in its final score
SETTLED = 4  # the first places of a ranking whose scores are exact (see Answerer._settle)
QUOTE_LIMIT = 160
RE_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、]|其中[:：])")
RE_DIGIT = re.compile(r"\d")
ORG_COLUMNS = TABLE3_COLUMNS[1:6]
# Words of every Table 三 row label: they do not tell one row from another.
GENERIC_LABEL_GRAMS = frozenset(bigrams("政府信息公开申请数量情况") + bigrams("申请人情况"))
# Disclosure statistics every agency reports: asked of a place, they are the government's.
GENERIC_CONCEPTS = frozenset({"公开", "网站", "网上", "微信", "微博", "新媒体", "合计", "累计", "申请", "收到", "办结",
                              "结转", "复议", "诉讼", "投诉", "收费", "解读", "回应", "发布会", "访谈", "培训", "会议",
                              "规范性文件", "规章", "许可", "处罚", "强制", "事业性收费", "采购", "不公开", "予以公开",
                              "部分公开", "无法提供", "不予处理", "逾期", "按时", "延期", "电话", "传真", "地址", "邮箱",
                              "邮编", "网址", "办公时间", "人员", "经费", "年报", "比例"})


# The vocabulary of the statistics every report carries: the official table labels and headings.
GENERIC_GRAMS = frozenset(
    g for text in (*TABLE3_ROW_LABELS, *TABLE2_ROW_LABELS, "政府信息公开工作年度报告 主动公开政府信息情况 收到和处理政府信息公开"
                   "申请情况 行政复议 行政诉讼 存在的主要问题及改进情况 其他需要报告的事项 依申请公开 政务公开 信息公开 公开申请"
                   "新收 办结 结转 网上申请 网络申请 当面申请 信函申请 电话 地址 传真 邮箱 网站 联系 办公室 政府信息 条数 件数")
    for g in bigrams(text))


@dataclass
class Passage:
    id: int
    report_id: int
    kind: str  # sentence, fact, cell, outline, meta
    section: str
    context: str
    text: str
    table_name: str | None = None
    row_label: str | None = None
    col_label: str | None = None
    value: str | None = None
    unit: str | None = None
    quote: str | None = None  # facts: the sentence to quote
    terms: str | None = None  # concept tokens of the passage (computed at ingest)

    def own_text(self) -> str:
        """What the passage itself says (for coverage): a cell's labels, a fact's clause."""
        if self.kind == "cell":
            return _cell_own_text(self.row_label or "", self.context or "", self.col_label or "")
        return self.text

    def index_text(self) -> str:
        terms = self.terms if self.terms is not None else concept_tokens(self.own_text())
        if self.kind == "cell":
            row = RE_ENUM.sub("", self.row_label or "")
            return f"{self.table_name or ''} {self.own_text()} {row} {terms}"
        if self.kind == "fact":
            return f"{self.text} {self.text} {self.context} {terms}"
        return f"{self.section} {self.context} {self.text} {terms}"


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


class _Terms:
    """What a question asks, weighted (see ``Answerer._weighted_terms``), laid out for coverage:
    bigrams matched only as themselves, and bigrams inside a concept word (matched by any word of
    the concept)."""

    __slots__ = ("items", "plain", "conceptual", "total", "asked")

    def __init__(self, items: list[tuple[str, float, tuple[str, ...]]]) -> None:
        self.items = items
        self.plain = {g: w for g, w, c in items if not c}
        self.conceptual = [(g, w, c) for g, w, c in items if c]
        self.total = sum(w for _, w, _ in items)
        self.asked = frozenset(g for g, _, _ in items) | frozenset(t for _, _, cs in items for t in cs)


def _coverage(terms: _Terms, grams: frozenset[str]) -> float:
    """The weighted share of the question's bigrams a passage has."""
    if not terms.total:
        return 0.0
    plain = terms.plain
    covered = sum([plain[g] for g in grams.intersection(plain)])
    for gram, weight, concepts in terms.conceptual:
        if gram in grams or not grams.isdisjoint(concepts):
            covered += weight
    return covered / terms.total


def _char_coverage(f: Frame, text: str, tokens: set[str]) -> float:
    """Share of the question's content characters the passage has (a bigram across two words of
    the question — 网站上公开 → 站上 — is no reason to miss the passage)."""
    chars = _content_chars(f.content, f.marks)
    if not chars:
        return 0.0
    covered = sum(1 for ch, concept_tokens in chars
                  if ch in text or (concept_tokens and not tokens.isdisjoint(concept_tokens)))
    return covered / len(chars)


@lru_cache(maxsize=1024)
def _content_chars(content: str, marks: tuple) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The Han characters of a question's content, each with the tokens of the concepts it is in."""
    return tuple((ch, tuple(CONCEPT_TOKEN[c] for c in concepts)) for ch, concepts in zip(content, marks) if _is_han(ch))


def _year_scopes(res, groups: list[int] | None) -> list[list[int] | None]:
    """The reports each answer may come from: one scope, or — a question naming several years
    (2021年和2023年分别…) — one per year named, in order, so that every year gets its answer."""
    if groups is None or len(res.years) < 2 or not res.named_year:
        return [groups]
    scopes = [[r.id for r in res.reports if r.year == year] for year in sorted(res.years)]
    return [scope for scope in scopes if scope] or [groups]


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass
class _Cand:
    doc: int
    score: float
    coverage: float
    # a sentence answering a number question may score no better than its own best figure (its
    # facts) plus a little; the cap is applied lazily, to the candidates that reach the top
    # (``_settle``): this is the partial score the cap would apply to
    cap_from: float | None = None


class Answerer:
    def __init__(self, reports: list[ReportRef], passages: list[Passage], *, home_agency: str | None = None):
        self.reports = reports
        self.report_by_id = {r.id: r for r in reports}
        year = {r.id: r.year for r in reports}
        # report by report, the reports of one year side by side: a question about a year scans one range
        passages = sorted(passages, key=lambda p: (year.get(p.report_id, 0), p.report_id, p.id))
        self.passages = passages
        self.home_agency = home_agency
        self.gazetteer = Gazetteer(reports)
        self._cache: dict[int, tuple[frozenset[str], frozenset[str], list[str], list[tuple[str, str, float]]]] = {}
        self._own_cache: dict[int, frozenset[str]] = {}
        self._said_total: dict[int, float] = {}
        self.index = BM25Index([p.index_text() for p in passages], [p.report_id for p in passages])
        from knowledge.agencies import place_forms
        name_forms = {f for r in reports for f in (r.agency, *r.name.places, *r.name.place_stems, *r.name.organ_forms) if f}
        name_forms |= {f for r in reports for p in r.name.places for f in place_forms(p)}
        self._name_forms = Vocabulary(name_forms)
        self._rows: dict[tuple[int, str, str], dict[str, Passage]] = {}
        for p in passages:
            if p.kind == "cell" and p.row_label:
                self._rows.setdefault((p.report_id, p.table_name or "", p.row_label), {})[p.col_label or ""] = p

    # -- public ------------------------------------------------------------------------------

    def answer(self, question: str, today: date | None = None) -> Answer:
        question = question.strip()
        if not question:
            return Answer(question, None, None, 0.0, note="empty")
        asked = to_simplified(question)  # the question as the reports would write it
        if not understood(asked):
            return Answer(question, None, None, 0.0, note="not_understood")
        res = resolve(asked, self.reports, home_agency=self.home_agency, today=today, gazetteer=self.gazetteer)
        if res.refused:
            return Answer(question, None, None, 0.0, note=res.refused, resolution=res)
        if not res.reports:
            return Answer(question, None, None, 0.0, note="no_reports", resolution=res)
        frame = parse_frame(fold(asked), self._strip_names)
        # every report may answer (a question naming no agency and no year): one pass, no mask
        groups = None if res.reports is self.reports else [r.id for r in res.reports]
        section = self._section_asked(frame, groups) if groups is not None else None
        if section is not None:
            docs = self._section_sentences(*section)
            first = self.passages[docs[0]]
            text = "\n".join(self.render(self.passages[d]) for d in docs)
            return Answer(question, text, self.source(first), 90.0, report_id=first.report_id, resolution=res)
        parts = frame.parts or [frame]
        chosen: list[tuple[_Cand, Frame, list[_Cand]]] = []
        suggestions: list[Suggestion] = []
        best_overall: _Cand | None = None
        first_ranked: list[_Cand] = []
        for part, scope in [(part, scope) for scope in _year_scopes(res, groups) for part in parts]:
            ranked = self._rank(part, scope)
            if not ranked:
                continue
            first_ranked = first_ranked or ranked
            top = ranked[0]
            if best_overall is None or top.score > best_overall.score:
                best_overall = top
            threshold, min_coverage = self._threshold(part, ranked)
            if top.score >= threshold and top.coverage >= min_coverage and self._fits(part, top):
                if not any(c.doc == top.doc for c, _, _ in chosen):
                    chosen.append((top, part, ranked))
            else:
                suggestions.extend(self._suggestions(ranked, None))
        if best_overall is None:
            return Answer(question, None, None, 0.0, note="no_match", resolution=res)
        score = max(0.0, min(100.0, best_overall.score * 100))
        if not chosen:
            return Answer(question, None, None, score, suggestions=_unique(suggestions)[:3], note="not_confident",
                          resolution=res)
        first = self.passages[chosen[0][0].doc]
        if res.department_only and not _specific(frame):
            return Answer(question, None, None, score, note="department_only", resolution=res)
        lines: list[str] = []
        for cand, part, ranked in chosen:
            p = self.passages[cand.doc]
            lines.append(self.render(p, part))
            lines.extend(self.render(self.passages[d]) for d in self._list_items(cand.doc))
            support = self._narrative_support(cand, ranked)
            if support is not None:
                lines.append(self.render(self.passages[support]))
        for doc in self._other_contact_slots(frame, chosen[0][0].doc):
            lines.append(self.render(self.passages[doc], frame))
        text = "\n".join(dict.fromkeys(lines))
        return Answer(question, text, self.source(first), score,
                      suggestions=self._suggestions(first_ranked[1:], chosen[0][0].doc),
                      report_id=first.report_id, resolution=res)

    # -- ranking -------------------------------------------------------------------------------

    def _rank(self, frame: Frame, groups: list[int] | None) -> list[_Cand]:
        query = f"{frame.content} {' '.join(CONCEPT_TOKEN[c] for c in frame.concepts)}"
        if frame.column and frame.column in COLUMN_WORDS:
            query += f" {frame.column}"
        hits = self.index.top(query, k=CANDIDATES, groups=groups)
        if not hits:
            return []
        top_bm25 = hits[0][1] or 1.0
        terms = self._weighted_terms(frame)
        self._fact_scores = {}
        # stage 1: relevance and what the passage itself says; stage 2: every intent, on the best few
        own_cov = {doc: _coverage(terms, self._own(doc)) for doc, _ in hits}
        first = sorted(hits, key=lambda h: -(0.2 * h[1] / top_bm25 + 0.5 * own_cov[h[0]]
                                             + _kind_prior(frame, self.passages[h[0]])))
        pool = first[:RERANKED]
        # the narrative gets a hearing: a table's cells, alike in their labels, may fill the first
        # places and push out the one sentence that tells what happened (那件复议怎么处理的)
        sentences = sum(1 for doc, _ in pool if self.passages[doc].kind == "sentence")
        if sentences < MIN_SENTENCES:
            pool = pool + [h for h in first[RERANKED:] if self.passages[h[0]].kind == "sentence"][:MIN_SENTENCES - sentences]
        ranked = []
        for doc, bm25 in pool:
            cand = self._score(frame, terms, doc, bm25 / top_bm25, own_cov[doc])
            if self.passages[doc].kind == "fact":  # its score without relevance, as _best_fact weighs it
                self._fact_scores[doc] = cand.score - RELEVANCE_WEIGHT * bm25 / top_bm25
            ranked.append(cand)
        self._settle(frame, terms, ranked)
        return ranked

    def _settle(self, f: Frame, terms: _Terms, ranked: list[_Cand]) -> None:
        """Sort ``ranked`` best first, applying the sentence-to-its-figures caps to every candidate
        that comes within the first ``SETTLED`` places (the answer, its support and the
        suggestions come from there); a cap only lowers a score, so those places are exact."""
        ranked.sort(key=lambda c: -c.score)
        i = 0
        while i < min(SETTLED, len(ranked)):
            cand = ranked[i]
            if cand.cap_from is not None:
                best_fact = self._best_fact(f, terms, cand.doc)
                excess = cand.cap_from - (best_fact + 0.05) if best_fact is not None else 0.0
                cand.cap_from = None
                if excess > 0:
                    cand.score -= excess
                    ranked.sort(key=lambda c: -c.score)
                    continue
            i += 1

    def _weighted_terms(self, f: Frame) -> _Terms:
        """What the question asks, weighted: its content bigrams by idf (a bigram the reports
        never use — question phrasing such as 帮忙/写信 — weighs little, and one they use once is
        weak evidence of a word: 有人向 → 人向 is rare because it is no word); a bigram inside a word
        of a concept (挂了, 公布) is also matched by any other word of that concept."""
        out: dict[str, tuple[float, tuple[str, ...]]] = {}
        text, marks = f.content, f.marks
        for i in range(len(text) - 1):
            gram = text[i:i + 2]
            if not (_is_han(gram[0]) and _is_han(gram[1])):
                continue
            concepts = marks[i] if marks[i] and marks[i] == marks[i + 1] else ()
            tid = self.index.term_ids.get(gram)
            if tid is None:
                weight = UNKNOWN_WEIGHT
            else:
                df = len(self.index.docs[tid])
                weight = max(UNKNOWN_WEIGHT, self.index.idf[tid] * df / (df + RARE_DF))
            if marks[i] and marks[i + 1] and marks[i] != marks[i + 1]:
                weight = min(weight, UNKNOWN_WEIGHT)  # between two concept words (公开|收费): no word of the question
            elif marks[i] != marks[i + 1]:
                weight *= 0.5  # across the edge of a concept word: half a word of the question
            if concepts:
                weight = max(weight, CONCEPT_WEIGHT)
            out[gram] = (weight, tuple(CONCEPT_TOKEN[c] for c in concepts if c not in QUALIFIER_CONCEPTS))
            if concepts and all(c in QUALIFIER_CONCEPTS for c in concepts):
                del out[gram]  # 一共/累计 qualify the figure; they are matched as intents
        return _Terms([(g, w, c) for g, (w, c) in out.items()])

    def _own(self, doc: int) -> frozenset[str]:
        """The tokens of what the passage itself says (all the first stage of ranking needs)."""
        own = self._own_cache.get(doc)
        if own is None:
            p = self.passages[doc]
            own = _tokens(p.own_text(), p.terms)
            if p.kind == "cell" and p.col_label in TABLE3_COLUMNS:
                own = own - GENERIC_LABEL_GRAMS
            self._own_cache[doc] = own
        return own

    def _grams(self, doc: int) -> tuple[frozenset[str], frozenset[str], list[str], list[tuple[str, str, float]]]:
        """Everything the second stage weighs, for the few passages that reach it."""
        cached = self._cache.get(doc)
        if cached is None:
            p = self.passages[doc]
            said = [(g, c, self.index.idf_of(g)) for g, c in _said(p.kind, p.own_text() if p.kind != "cell" else
                                                                     f"{p.row_label}\t{p.col_label or ''}")]
            own = self._own(doc)
            wide = own | _tokens(p.section) | _tokens(p.context) | _tokens(p.quote or "")
            label: list[str] = []
            if p.kind == "cell":
                label = list(_label_tokens(p.row_label or ""))
            cached = self._cache[doc] = (own, wide, label, said)
            self._said_total[doc] = sum(w for _, _, w in said)
        return cached

    def _score(self, f: Frame, terms: _Terms, doc: int, bm25_rel: float, cov_own: float | None = None) -> _Cand:
        p = self.passages[doc]
        cap_from = None
        asks_plan, asks_structure, asks_signature, asks_items = _asks(f.text)
        own, wide, label, said = self._grams(doc)
        cov_own = _coverage(terms, own) if cov_own is None else cov_own
        cov_wide = _coverage(terms, wide)
        cov_chars = _char_coverage(f, p.quote or p.own_text(), own)
        if p.kind == "cell" and _bare(f) and _addressed(f, p):
            cov_own = cov_chars = cov_wide = 1.0  # every word of the question named this cell's column
        score = RELEVANCE_WEIGHT * bm25_rel + 0.35 * cov_own + 0.15 * cov_chars + 0.15 * cov_wide
        if said and (p.kind in ("fact", "cell") or len(p.text) <= 60):
            # what the figure counts should be what was asked (a sub-area's count is not the year's total)
            asked = terms.asked
            total = self._said_total[doc]
            weight = 0.2 if p.kind != "sentence" else 0.1
            score += weight * (sum(w for g, c, w in said if g in asked or c in asked) / total - 0.5)
        has_figure = p.kind in ("cell", "fact") or _has_figure(p.text)
        if p.kind == "cell":
            score += self._cell_fit(f, p, label)
        if f.wants_number:
            if p.kind in ("cell", "fact"):
                score += 0.08
            elif not has_figure:
                score -= 0.3
            elif p.kind == "sentence" and not f.slots and not f.yes_no:
                score -= 0.15  # a figure is answered by its clause (a fact), not by any sentence holding one
                cap_from = score  # ... and no better than its best figure (applied in _settle)
            agree = units_agree(f.unit, p.unit) if p.kind != "sentence" else _sentence_units_agree(f.unit, p.text)
            if agree is True:
                score += 0.08
            elif agree is False and not _counted_as_cases(f, p):
                score -= 0.5 if p.kind == "cell" else 0.3  # a table cell in another unit is another figure
            qualifier = p.col_label if p.kind == "fact" else ("累计" if p.col_label and "累计" in p.col_label else "")
            if f.cumulative:
                score += 0.15 if qualifier == "累计" else -0.1
            elif qualifier == "累计":
                score -= 0.15
            if f.total and p.kind == "fact" and qualifier == "其中":
                score -= 0.06
        if f.yes_no and not f.wants_number:
            score += 0.05 if p.kind == "sentence" else (-0.4 if p.kind == "cell" else 0.0)
            if _says(p.quote or p.text)[0]:
                score += 0.1  # a yes/no question is answered by a statement that it did (not) happen
        if f.slots:
            holds = _slots_in(p.quote or p.text).intersection(f.slots)
            score += 0.1 + 0.2 * len(holds) / len(f.slots) if holds else -0.45
        if asks_items and not f.wants_number and p.kind == "sentence" and ENUMERATION.search(p.text):
            score += 0.06  # the items asked for, numbered
        if p.kind == "outline" and not (f.wants_list and (asks_items or asks_plan)):
            score -= 0.3  # sub-headings name the items (or the measures planned), not how something was done
        if p.kind == "cell" and f.wants_list and not f.wants_number and not f.yes_no:
            score -= 0.3  # 怎么/哪些 asks for a way or a list, not a figure
        if f.carried:
            score += _carry_fit(f.carried, p)
        if p.kind == "sentence" and len(p.text) <= 60 and f.yes_no:
            # a short statement about another subject does not answer whether something happened
            extra = [c for c in concepts_in(_EXAMPLES.sub("等", p.text)) if c in TOPIC_CONCEPTS and c not in f.concepts]
            score -= min(0.15, 0.06 * len(extra))
        if asks_plan and not f.wants_number:
            planned = _says(p.quote or p.text)[1] or _says(p.section)[1]
            score += 0.1 if planned else 0.0  # plans are in the 改进情况 part, written as 将/计划
        if f.column and p.kind == "fact":
            words = COLUMN_WORDS.get(f.column, ORGANISATION_WORDS[:ORGANISATION_FIRST])
            named = any(w in p.text for w in words)
            score += 0.1 if named else -0.15  # a figure that does not say whose is not the column asked
        if p.kind in ("sentence", "fact") and _says(p.quote or p.text)[2] and not asks_structure:
            score -= 0.4  # the report describing itself (its parts, its basis)
        if p.kind == "meta" and "落款" in p.text:
            score += 0.2 if asks_signature else -0.3
        if p.kind == "fact" and not f.wants_number and not f.slots:
            score -= 0.05  # a clause is a poorer answer than its sentence to a non-number question
        return _Cand(doc, score, cov_wide, cap_from)

    def _best_fact(self, f: Frame, terms: _Terms, doc: int) -> float | None:
        """The best score of the sentence's own figures (its facts follow it)."""
        scores = []
        for d in range(doc + 1, doc + 1 + len(self._facts_of(doc))):
            score = self._fact_scores.get(d)
            if score is None:
                score = self._fact_scores[d] = self._score(f, terms, d, 0.0).score
            scores.append(score)
        return max(scores) if scores else None

    def _cell_fit(self, f: Frame, p: Passage, label: list[str]) -> float:
        col = p.col_label or ""
        score = 0.0
        wanted = _wanted(f.content, tuple(f.concepts))
        if label:
            matched = sum(1 for g in label if g in wanted)
            score += 0.25 * matched / len(label)
        if col in TABLE3_COLUMNS:
            if label and not any(g in wanted for g in label) and not (p.row_label or "").startswith("一、"):
                score -= 0.2  # a row nothing in the question points to (新收 is the default)
            asked = f.column if f.column != "法人或其他组织" else "总计"
            if asked:
                score += 0.2 if col == asked else -0.5
            elif col != "总计":
                score -= 0.5
        elif " · " in col:
            score += _table4_fit(f, col)
        if p.value is None:
            score -= 0.2
        return score

    def _threshold(self, f: Frame, ranked: list[_Cand]) -> tuple[float, float]:
        """The score and the word coverage the best answer needs: less score when it stands clear
        of every other passage (the report says it once, in its own words); a contact question
        whose answer holds every detail asked needs less of the question's other words (对报告
        有意见 … 该找哪个科室)."""
        cand = ranked[0]
        p = self.passages[cand.doc]
        threshold, coverage = ANSWER_THRESHOLD, MIN_COVERAGE
        said = p.quote or p.text
        runner_up = next((c.score for c in ranked[1:] if (self.passages[c.doc].quote or self.passages[c.doc].text) != said),
                         None)
        if runner_up is None or cand.score - runner_up >= CLEAR_MARGIN:
            threshold -= 0.1
        if f.slots and _slots_in(said).issuperset(f.slots):
            return min(threshold, ANSWER_THRESHOLD - 0.1), coverage / 2
        return threshold, coverage

    def _fits(self, f: Frame, cand: _Cand) -> bool:
        """Hard requirements: a contact question gets the detail asked; a number question a figure,
        in the unit asked when the answer is a figure."""
        p = self.passages[cand.doc]
        if f.slots and _slots_in(p.quote or p.text).isdisjoint(f.slots):
            return False
        if (f.wants_number and not f.yes_no and not f.slots and p.kind not in ("cell", "fact", "meta")
                and not _has_figure(p.text)):
            return False
        if (f.wants_number and p.kind in ("cell", "fact") and units_agree(f.unit, p.unit) is False
                and not _counted_as_cases(f, p)):
            return False  # a figure in another unit counts something else (亿元 asked, 214条 found)
        return True

    # -- rendering -----------------------------------------------------------------------------

    def source(self, p: Passage) -> Source:
        ref = self.report_by_id[p.report_id]
        section = p.table_name if p.kind == "cell" and p.table_name else p.section
        return Source(title=ref.title, agency=ref.agency, year=ref.year, section=section or "")

    def cite(self, p: Passage) -> str:
        ref = self.report_by_id[p.report_id]
        src = self.source(p)
        legacy = p.kind == "cell" and (p.col_label == "统计数" or "统计表" in (p.table_name or ""))
        doc = f"{ref.year}年度统计表" if legacy else f"{ref.year}年度报告"
        section = f" · {src.section}" if src.section and src.section != doc else ""
        return f"{ref.agency} {doc}{section}"

    def render(self, p: Passage, f: Frame | None = None) -> str:
        if p.kind == "cell":
            if f is not None and f.column == "法人或其他组织" and p.col_label in TABLE3_COLUMNS:
                return self._organisations(p)
            if f is not None and f.table4_group == "诉讼" and " · " in (p.col_label or "") and "诉讼" in p.col_label:
                return self._lawsuits(p, f)
            value = f"{p.value}{p.unit or ''}" if p.value is not None else "未填报（表中为空）"
            return f"{label_text(p)}：{value}（{self.cite(p)}）"
        if p.kind == "fact":
            return f"{_quote(p.quote or p.text, p.text)}（{self.cite(p)}）"
        return f"{_quote(p.text, None)}（{self.cite(p)}）"

    def _lawsuits(self, p: Passage, f: Frame) -> str:
        """行政诉讼 asked without saying direct or after review: both groups, and their sum."""
        row = self._rows.get((p.report_id, p.table_name or "", p.row_label or ""), {})
        result = f.table4_result or "总计"
        direct = row.get(f"行政诉讼（未经复议直接起诉） · {result}")
        after = row.get(f"行政诉讼（复议后起诉） · {result}")
        if not (direct and after and direct.value is not None and after.value is not None):
            return f"{label_text(p)}：{p.value}{p.unit or ''}（{self.cite(p)}）"
        total = float(direct.value) + float(after.value)
        total_text = str(int(total)) if total == int(total) else f"{total:g}"
        what = "行政诉讼" if result == "总计" else f"行政诉讼{result}"
        return (f"{what}：{total_text}件（未经复议直接起诉{direct.value}件，复议后起诉{after.value}件）"
                f"（{self.cite(p)}）")

    def _organisations(self, p: Passage) -> str:
        """法人或其他组织: the header over five columns — their sum, with the parts."""
        row = self._rows.get((p.report_id, p.table_name or "", p.row_label or ""), {})
        parts = [(c, row[c].value) for c in ORG_COLUMNS if c in row and row[c].value is not None]
        if len(parts) < len(ORG_COLUMNS):
            return f"{label_text(p)}：{p.value}{p.unit or ''}（{self.cite(p)}）"
        total = sum(float(v) for _, v in parts)
        total_text = str(int(total)) if total == int(total) else f"{total:g}"
        detail = "，".join(f"{c}{v}" for c, v in parts)
        row_label = RE_ENUM.sub("", p.row_label or "")
        return f"{row_label}（法人或其他组织合计）：{total_text}件（{detail}）（{self.cite(p)}）"

    def _section_asked(self, f: Frame, groups: list[int]) -> tuple[int, str] | None:
        """(report id, section) when the question asks what a part of the report says."""
        if not SECTION_INTENT.search(f.text) or len(groups) != 1:
            return None
        start, end = self.index.ranges.get(groups[0], (0, 0))
        sections = list(dict.fromkeys(self.passages[d].section for d in range(start, end) if self.passages[d].section))
        number = SECTION_NUMBER.search(f.text)
        if number:
            mark = number.group(1)
            mark = "一二三四五六七八九十"[int(mark) - 1] if mark.isdigit() and 0 < int(mark) <= 10 else mark
            hit = next((s for s in sections if s.startswith(mark + "、")), None)
            if hit:
                return groups[0], hit
        asked = set(bigrams(f.content))
        best = max(sections, key=lambda s: len(set(bigrams(s)) & asked) / max(1, len(set(bigrams(s)))), default=None)
        if best and len(set(bigrams(best)) & asked) >= 0.7 * len(set(bigrams(re.sub(r"^[一二三四五六七八九十]+、", "", best)))):
            return groups[0], best
        return None

    def _section_sentences(self, report_id: int, section: str) -> list[int]:
        start, end = self.index.ranges.get(report_id, (0, 0))
        docs = [d for d in range(start, end) if self.passages[d].kind == "sentence" and self.passages[d].section == section]
        return docs[:4]

    def _narrative_support(self, cand: _Cand, ranked: list[_Cand]) -> int | None:
        """A table cell chosen: the narrative sentence stating the same figure, if the report has
        one (the sentence shows how the report itself words it)."""
        p = self.passages[cand.doc]
        if p.kind != "cell" or p.value is None:
            return None
        for other in ranked[:12]:
            q = self.passages[other.doc]
            if q.report_id != p.report_id or other.score < cand.score - 0.5:
                continue
            if q.kind == "fact" and q.value == p.value and q.col_label != "累计":
                return other.doc
            if q.kind == "sentence" and any(f.value == p.value and f.col_label != "累计" and units_agree(f.unit, p.unit)
                                            for f in self._facts_of(other.doc)):
                return other.doc  # the sentence ranked itself, with the figure among its own
        return None

    def _facts_of(self, doc: int) -> list[Passage]:
        """The facts of a sentence (they follow it)."""
        sentence = self.passages[doc].text
        out = []
        d = doc + 1
        while d < len(self.passages) and self.passages[d].kind == "fact" and self.passages[d].quote == sentence:
            out.append(self.passages[d])
            d += 1
        return out

    def _list_items(self, doc: int) -> list[int]:
        """A sentence that introduces a list (…以下几个方面：, or with its first item: …：（一）…；): the
    items that follow it."""
        p = self.passages[doc]
        text = (p.quote if p.kind == "fact" and p.quote else p.text).rstrip()
        numbered = LIST_HEAD.search(text) is not None  # …以下几点：（一）完善制度； the first item with its head
        if not (text.endswith(("：", ":")) or numbered):
            return []
        items: list[int] = []
        end = self.index.ranges.get(p.report_id, (0, 0))[1]
        d = doc + 1
        while d < end and len(items) < 5:
            q = self.passages[d]
            if q.kind == "sentence":
                if q.section != p.section or (numbered and not ITEM_MARK.match(q.text)):
                    break
                items.append(d)
            d += 1
        return items

    def _other_contact_slots(self, f: Frame, best_doc: int) -> list[int]:
        """Several contact details asked: the best passage of the same report for each detail the first lacks."""
        if len(f.slots) < 2:
            return []
        best = self.passages[best_doc]
        have = _slots_in(best.quote or best.text).intersection(f.slots)
        extra: list[int] = []
        start, end = self.index.ranges.get(best.report_id, (0, 0))
        for slot in f.slots:
            if slot in have:
                continue
            pattern = CONTACT_SLOTS[slot][1]
            doc = next((d for d in range(start, end) if self.passages[d].kind == "sentence"
                        and pattern.search(self.passages[d].text)), None)
            if doc is not None and doc not in extra:
                extra.append(doc)
                have |= _slots_in(self.passages[doc].text).intersection(f.slots)
        return extra

    def _suggestions(self, ranked: list[_Cand], exclude: int | None) -> list[Suggestion]:
        out: list[Suggestion] = []
        seen: set[str] = set()
        for cand in ranked:
            if cand.doc == exclude or cand.score < SUGGEST_THRESHOLD:
                continue
            p = self.passages[cand.doc]
            text = self.render(p)
            if text in seen:
                continue
            seen.add(text)
            out.append(Suggestion(text=text, source=self.source(p)))
            if len(out) == 3:
                break
        return out

    # -- names ---------------------------------------------------------------------------------

    def names_in(self, question: str) -> list[str]:
        """The agency and place words of ``question`` in order (for follow-up questions)."""
        return [form for _, form in self._name_forms.longest_first(fold(to_simplified(question)))]

    def _strip_names(self, q: str) -> str:
        found = {form for _, form in self._name_forms.occurrences(q)}
        for form in sorted(found, key=len, reverse=True):
            q = q.replace(form, " ")
        for word in (*INTERNAL_OFFICE_WORDS, "办公室"):
            q = q.replace(word, " ")
        q = _PROVINCE_WORD.sub(" ", q)
        q = _YEAR_WORD.sub(" ", q)
        q = _BRACKETED_YEAR.sub(" ", q)
        return _LONE_ORGAN_CHAR.sub(" ", q)  # 沐桥街道办 → the 办 left of a name


# a province before a place or agency (山西高平市 → 山西), or written with 省/自治区: where, not what
_PROVINCE_WORD = re.compile("(?:{0})(?:省|(?:壮族|回族|维吾尔)?自治区|特别行政区)|(?:^|(?<=\\s))(?:{0})(?=\\s)".format("|".join(PROVINCES)))
_YEAR_WORD = re.compile(r"(19|20)?\d{2}\s*年度?")
_BRACKETED_YEAR = re.compile(r"[（(]\s*(?:19|20)\d{2}\s*[）)]")
_LONE_ORGAN_CHAR = re.compile(r"(?<=\s)[办局委府](?=[\s\d\W]|$)")


def _quote(sentence: str, clause: str | None) -> str:
    """The sentence, or around the clause when the sentence is long (crawler text)."""
    if len(sentence) <= QUOTE_LIMIT:
        return sentence
    anchor = sentence.find(clause) if clause else -1
    if anchor == -1:
        return sentence[:QUOTE_LIMIT] + "……"
    start = max(0, anchor - 40)
    cut = max(sentence.rfind("，", 0, anchor), sentence.rfind("；", 0, anchor), sentence.rfind("。", 0, anchor))
    if cut != -1 and anchor - cut <= 60:
        start = cut + 1
    end = min(len(sentence), anchor + len(clause) + 60)
    stop = min((i for i in (sentence.find("；", anchor + len(clause)), sentence.find("。", anchor + len(clause)))
                if i != -1), default=-1)
    if stop != -1 and stop - anchor < 120:
        end = stop + 1
    return ("……" if start > 0 else "") + sentence[start:end] + ("……" if end < len(sentence) else "")


def _table4_fit(f: Frame, col: str) -> float:
    group, result = col.split(" · ", 1)
    score = 0.0
    if f.table4_group is None:
        return -0.3
    if group == "行政复议":
        score += 0.1 if f.table4_group == "行政复议" else -0.4
    elif "直接起诉" in group:
        score += 0.1 if f.table4_group in ("直接起诉",) else (-0.05 if f.table4_group == "诉讼" else -0.4)
    else:
        score += 0.1 if f.table4_group == "复议后起诉" else (-0.05 if f.table4_group == "诉讼" else -0.4)
    wanted = f.table4_result or "总计"
    score += 0.1 if result == wanted else -0.4
    return score


def _sentence_units_agree(asked: str | None, text: str) -> bool | None:
    """A sentence fits a unit asked when one of its figures is in that unit."""
    if not asked:
        return None
    units = _units_in(text)
    if not units:
        return None
    verdicts = [units_agree(asked, u) for u in units]
    return True if True in verdicts else (None if None in verdicts else False)


def _kind_prior(f: Frame, p: Passage) -> float:
    """A cheap first look at whether the passage is the kind of thing asked."""
    if f.wants_number and not f.slots:
        return 0.1 if p.kind in ("cell", "fact") else 0.0
    if f.slots:
        return 0.0 if _slots_in(p.quote or p.text).isdisjoint(f.slots) else 0.15
    return 0.05 if p.kind == "sentence" else 0.0


@lru_cache(maxsize=200_000)
def _has_figure(text: str) -> bool:
    return bool(FIGURE.search(text) or PERCENT.search(text) or CN_FIGURE.search(text))


@lru_cache(maxsize=200_000)
def _slots_in(text: str) -> frozenset[str]:
    """The contact details (CONTACT_SLOTS) a text gives."""
    return frozenset(slot for slot, (_, given) in CONTACT_SLOTS.items() if given.search(text))


@lru_cache(maxsize=200_000)
def _units_in(text: str) -> frozenset[str]:
    return frozenset({m.group(3) for m in FIGURE.finditer(text)} | ({"%"} if PERCENT.search(text) else set()))


@lru_cache(maxsize=200_000)
def _says(text: str) -> tuple[bool, bool, bool]:
    """Whether a passage states an occurrence (or its absence), a plan, the report's own structure."""
    return bool(OCCURRENCE.search(text)), bool(PLAN_WORDS.search(text)), bool(REPORT_STRUCTURE.search(text))


@lru_cache(maxsize=4096)
def _asks(text: str) -> tuple[bool, bool, bool, bool]:
    """Whether a question asks for plans, for the report's structure, for its signature date, for
    the items of a list."""
    return (bool(PLAN_INTENT.search(text)), bool(ASKS_STRUCTURE.search(text)), bool(SIGNATURE_INTENT.search(text)),
            bool(ITEMS_INTENT.search(text)))


_EXAMPLES = re.compile(r"[^，,、；;。：:]{1,14}(?:、[^，,、；;。：:]{1,14})+等")


@lru_cache(maxsize=200_000)
def _tokens(text: str, terms: str | None = None) -> frozenset[str]:
    """Bigrams and concept tokens of a text (cached: sections, labels and clauses repeat)."""
    if not text:
        return frozenset()
    concept = terms if terms is not None else concept_tokens(text)
    return frozenset(bigrams(fold(text))) | frozenset(bigrams(concept))


@lru_cache(maxsize=4096)
def _label_tokens(row_label: str) -> tuple[str, ...]:
    """A Table 三 row label's own bigrams (generic ones left out) and its everyday words."""
    row = re.sub(r"[（(][^）)]*[）)]", "", RE_ENUM.sub("", row_label))
    label = [g for g in bigrams(fold(row)) if g not in GENERIC_LABEL_GRAMS]
    everyday = TABLE3_ROW_WORDS.get(row_label, "")
    label += [g for g in bigrams(fold(everyday)) + bigrams(concept_tokens(everyday)) if g not in label]
    return tuple(label)


@lru_cache(maxsize=200_000)
def _said(kind: str, text: str) -> tuple[tuple[str, str], ...]:
    """What a figure counts, as (bigram, concept token of the word it is in): a fact's clause or a
    cell's row label (``row\tcolumn``), without numbers, units, list marks and bracketed notes."""
    if kind == "cell":
        row_label, _, col_label = text.partition("\t")
        row = re.sub(r"[（(][^）)]*[）)]", "", RE_ENUM.sub("", row_label))
        col = col_label if col_label and col_label not in TABLE3_COLUMNS and " · " not in col_label else ""
        text = f"{row} {col}"
    elif kind not in ("fact", "sentence"):
        return ()
    text = _EXAMPLES.sub("等", re.sub(r"\d+(?:\.\d+)?\s*\S?", " ", fold(text)))  # examples listed (A、B等) are not what is counted
    content, marks = analyse_content(text)
    out: list[tuple[str, str]] = []
    for i in range(len(content) - 1):
        gram = content[i:i + 2]
        if _is_han(gram[0]) and _is_han(gram[1]) and gram not in GENERIC_LABEL_GRAMS:
            concepts = marks[i] if marks[i] and marks[i] == marks[i + 1] else ()
            token = next((CONCEPT_TOKEN[c] for c in concepts), "")
            out.append((gram, token))
    return tuple(out)


def _bare(f: Frame) -> bool:
    """Nothing of the question is left once its intents are read (未经复议直接起诉的有多少件)."""
    return _bare_content(f.content)


@lru_cache(maxsize=4096)
def _wanted(content: str, concepts: tuple[str, ...]) -> frozenset[str]:
    """A question's bigrams and concept tokens."""
    return frozenset(bigrams(content)) | frozenset(CONCEPT_TOKEN[c] for c in concepts)


@lru_cache(maxsize=4096)
def _bare_content(content: str) -> bool:
    return len(re.sub(r"[^\u4e00-\u9fff]|[有是在都被个]", "", content)) < 2


@lru_cache(maxsize=65536)
def _cell_own_text(row_label: str, context: str, col_label: str) -> str:
    """A table cell's labels, as its own words (row, the groups above it, column, everyday names)."""
    row = RE_ENUM.sub("", row_label)
    ctx = " ".join(RE_ENUM.sub("", part) for part in context.split(" "))
    col = col_label.replace("/", "")
    everyday = TABLE4_WORDS if " · " in col else TABLE3_ROW_WORDS.get(row_label, "")
    return f"{ctx} {row} {col} {everyday}"


def _addressed(f: Frame, p: Passage) -> bool:
    """The question's intents name this cell: its Table 三 column, or its Table 四 group."""
    col = p.col_label or ""
    if " · " in col:
        return f.table4_group is not None and _table4_fit(f, col) > 0
    return f.column is not None and col == (f.column if f.column != "法人或其他组织" else "总计")


def _counted_as_cases(f: Frame, p: Passage) -> bool:
    """Applicants asked for (几个人, 几家) are counted as applications (件); times asked for
    (起诉过几次) are counted as the cases of the statistics tables (件)."""
    asks_applicants = "申请" in f.concepts or "收到" in f.concepts or f.column is not None
    if f.unit in ("人", "名", "个", "家", "位") and p.unit in ("件", "条") and asks_applicants:
        return True
    return f.unit == "次" and p.kind == "cell" and p.unit == "件"


def _carry_fit(direction: str, p: Passage) -> float:
    text = p.row_label or "" if p.kind == "cell" else p.text
    out_row = "结转下年度" in text or re.search(r"结转[至到]|转入下", text) is not None
    in_row = "上年结转" in text or "上一年" in text
    if direction == "out":
        return 0.2 if out_row else (-0.3 if in_row else 0.0)
    return 0.2 if in_row else (-0.3 if out_row else 0.0)


def _specific(frame: Frame) -> bool:
    """The question asks about something beyond the statistics every agency reports (河长 of a
    water bureau, not its 主动公开 count)."""
    if any(c not in GENERIC_CONCEPTS and c not in QUALIFIER_CONCEPTS for c in frame.concepts):
        return True
    text, marks = frame.content, frame.marks
    for i in range(len(text) - 1):
        gram = text[i:i + 2]
        if _is_han(gram[0]) and _is_han(gram[1]) and not (marks[i] and marks[i + 1]) and gram not in GENERIC_GRAMS:
            return True
    return False


def _unique(items: list[Suggestion]) -> list[Suggestion]:
    seen: set[str] = set()
    out = []
    for s in items:
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def understood(question: str) -> bool:
    """Gibberish, English words and bare numbers are not questions this bot can answer."""
    han = sum(1 for ch in question if "\u4e00" <= ch <= "\u9fff")
    return han >= 2
