"""BM25 over character bigrams, with postings kept per term as sorted numpy arrays.

Documents are stored grouped by report (each report's passages form one contiguous range of
document ids), so a question restricted to one agency/year scores only that range: a binary
search per query term instead of a scan of the whole knowledge base.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from knowledge.text import bigrams, fold

K1 = 1.2
B = 0.75


class BM25Index:
    def __init__(self, texts: Sequence[str], groups: Sequence[int]) -> None:
        """``texts``: index text per document; ``groups``: its report id (documents must be
        ordered so that each report's documents are contiguous)."""
        n = len(texts)
        self.size = n
        self.ranges: dict[int, tuple[int, int]] = {}
        for doc, group in enumerate(groups):
            start, _ = self.ranges.get(group, (doc, doc))
            if group in self.ranges and self.ranges[group][1] != doc:
                raise ValueError("documents of one report must be contiguous")
            self.ranges[group] = (start, doc + 1)
        term_ids: dict[str, int] = {}
        post_docs: list[list[int]] = []
        post_tfs: list[list[int]] = []
        lengths = np.zeros(n, dtype=np.float32)
        for doc, text in enumerate(texts):
            grams = bigrams(fold(text))
            lengths[doc] = len(grams)
            for term, tf in Counter(grams).items():
                tid = term_ids.get(term)
                if tid is None:
                    tid = term_ids[term] = len(post_docs)
                    post_docs.append([])
                    post_tfs.append([])
                post_docs[tid].append(doc)
                post_tfs[tid].append(tf)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        self.term_ids = term_ids
        self.docs: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []
        self.idf: list[float] = []
        for docs, tfs in zip(post_docs, post_tfs):
            d = np.asarray(docs, dtype=np.int32)
            tf = np.asarray(tfs, dtype=np.float32)
            idf = math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5))
            self.docs.append(d)
            self.weights.append((idf * tf * (K1 + 1) / (tf + norm[d])).astype(np.float32))
            self.idf.append(idf)

    def query_terms(self, text: str) -> list[int]:
        seen: dict[int, None] = {}
        for gram in bigrams(fold(text)):
            tid = self.term_ids.get(gram)
            if tid is not None:
                seen.setdefault(tid, None)
        return list(seen)

    def top(self, text: str, k: int = 30, groups: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best documents for ``text`` (doc id, BM25 score), best first."""
        terms = self.query_terms(text)
        if not terms:
            return []
        spans = [(0, self.size)] if groups is None else [self.ranges[g] for g in groups if g in self.ranges]
        best: list[tuple[int, float]] = []
        for start, end in spans:
            acc = np.zeros(end - start, dtype=np.float32)
            for tid in terms:
                docs = self.docs[tid]
                lo, hi = np.searchsorted(docs, (start, end))
                if lo < hi:
                    acc[docs[lo:hi] - start] += self.weights[tid][lo:hi]
            if len(acc) > k:
                idx = np.argpartition(acc, -k)[-k:]
            else:
                idx = np.arange(len(acc))
            best.extend((start + int(i), float(acc[i])) for i in idx if acc[i] > 0)
        best.sort(key=lambda kv: -kv[1])
        return best[:k]

    def max_score(self, text: str) -> float:
        """The score a document containing every query term once would roughly get."""
        return sum(self.idf[t] for t in self.query_terms(text)) or 1.0
