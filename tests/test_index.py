"""The search index returns exactly the best documents, whichever path a question takes."""

from __future__ import annotations

import random

import pytest

import knowledge.index as index_module
from knowledge.index import BLOCK, BM25Index
from knowledge.text import Vocabulary

WORDS = ["政府信息公开", "申请", "予以公开", "部分公开", "行政复议", "行政诉讼", "主动公开", "规范性文件", "收费",
         "不予公开", "本机关不掌握", "结转下年度", "政策解读", "新闻发布会", "网站", "政务新媒体"]


def _corpus(n_reports: int, per_report: int, seed: int) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts, groups = [], []
    for report in range(1, n_reports + 1):
        for _ in range(per_report):
            # few distinct texts: many equal scores, the case where a selection must not lose one
            texts.append("".join(rng.sample(WORDS, rng.randint(1, 3))))
            groups.append(report)
    return texts, groups


def _naive(index: BM25Index, text: str, k: int, groups: set[int] | None) -> list[float]:
    """Every document scored one by one (the reference)."""
    terms = index.query_terms(text)
    scores: dict[int, float] = {}
    for tid in terms:
        for doc, weight in zip(index.docs[tid].tolist(), index.weights[tid].tolist()):
            scores[doc] = scores.get(doc, 0.0) + weight
    allowed = [d for d in scores if groups is None or index.group_ids[index.doc_group[d]] in groups]
    return sorted((scores[d] for d in allowed), reverse=True)[:k]


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("groups", [None, "one", "adjacent", "near", "scattered", "many"])
def test_top_equals_a_full_scoring_on_every_path(groups, dense, monkeypatch):
    if not dense:  # every bigram scattered from its posting list, none added as a dense row
        monkeypatch.setattr(index_module, "DENSE_BUDGET", 0)
    texts, doc_groups = _corpus(n_reports=80, per_report=BLOCK, seed=7)  # BLOCK² documents: the bounded path
    index = BM25Index(texts, doc_groups)
    assert bool(index.dense) is dense
    chosen = {None: None, "one": {5}, "adjacent": {10, 11, 12}, "near": {20, 22, 25}, "scattered": {3, 40, 77},
              "many": set(range(1, 80, 3))}[groups]
    for question in ("予以公开和部分公开一共多少件", "行政复议几件", "政策解读", "网站上主动公开的规范性文件"):
        top = index.top(question, k=30, groups=chosen)
        assert [round(s, 4) for _, s in top] == [round(s, 4) for s in _naive(index, question, 30, chosen)]
        assert len({d for d, _ in top}) == len(top)
        if chosen is not None:
            assert {index.group_ids[index.doc_group[d]] for d, _ in top} <= chosen


def test_reports_laid_side_by_side_are_scanned_as_one_range(monkeypatch):
    texts, doc_groups = _corpus(n_reports=10, per_report=5, seed=1)
    index = BM25Index(texts, doc_groups)
    monkeypatch.setattr(index_module, "STRETCH_FACTOR", 4)
    scanned: list[tuple[int, int]] = []
    original = index._scan

    def spy(terms, start, end, k, allowed=None):
        scanned.append((start, end))
        return original(terms, start, end, k, allowed)

    index._scan = spy
    index.top("行政复议", groups=[3, 4, 5])
    assert scanned == [(10, 25)]
    scanned.clear()
    index.top("行政复议", groups=[2, 4])  # near each other: one stretch, report 3 masked out
    assert scanned == [(5, 20)]
    assert all(index.doc_group[d] != index.group_ids.index(3) for d, _ in index.top("行政复议", groups=[2, 4]))
    scanned.clear()
    index.top("行政复议", groups=[1, 10])  # far apart: each report's range alone
    assert scanned == [(0, 5), (45, 50)]


def test_vocabulary_finds_forms_longest_first_without_overlap():
    words = Vocabulary({"福州", "福州市", "市政府", "鼓楼区", "鼓楼"})
    assert words.longest_first("福州市政府和鼓楼区") == [(0, "福州市"), (6, "鼓楼区")]
    assert sorted(words.occurrences("福州市政府")) == [(0, "福州"), (0, "福州市"), (2, "市政府")]
    assert words.longest_first("没有地名") == []


def test_the_kth_best_survives_the_bound_when_scores_are_distinct():
    rng = random.Random(3)
    # BLOCK² documents whose scores for 行政复议 all differ (term frequency and length vary)
    texts = ["行政复议" * rng.randint(1, 9) + "申请" * rng.randint(0, 30) for _ in range(BLOCK * BLOCK)]
    index = BM25Index(texts, [1 + i // BLOCK for i in range(len(texts))])
    for k in (1, 10, 30):
        top = index.top("行政复议", k=k)
        assert [round(s, 5) for _, s in top] == [round(s, 5) for s in _naive(index, "行政复议", k, None)]
