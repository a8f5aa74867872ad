"""BM25 over character bigrams (plus concept tokens), with postings kept per term as numpy arrays.

Documents are stored grouped by report (each report's passages form one contiguous range of
document ids; the answerer lays reports out year by year, so the reports of one year form one
range). A question restricted to a few reports scores only their ranges (a binary search per
query term); a question over many reports is scored in one pass over the stretch from the first
of them to the last — the whole index for a question that names no agency — and the reports it
may not use are masked out afterwards. The most frequent bigrams are also kept as dense rows:
adding a row is several times faster than scattering a long posting list."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from knowledge.text import bigrams, fold

K1 = 1.2
B = 0.75
ONE_PASS_SHARE = 0.25  # above this share of all documents, one pass over the index is cheaper
MAX_SPANS = 6          # more reports than this: one pass and a mask, not a scan per report
STRETCH_FACTOR = 8     # ... or fewer, lying within a stretch at most this many times what they cover
COMMON_SHARE = 0.1     # a query bigram in more than this share of all passages is left out of the scan
PRUNE_ABOVE = 100_000  # ... of an index this large
BLOCK = 64             # documents per block when the k best of a large scan are bounded by block maxima
DENSE_SHARE = 1 / 16   # a bigram in more than this share of all passages is also kept as one dense row
DENSE_BUDGET = 32 * 2**20  # ... within this many bytes, the most frequent bigrams first


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
        self.group_ids = sorted(self.ranges)
        self._group_pos = {g: i for i, g in enumerate(self.group_ids)}
        self.doc_group = np.zeros(n, dtype=np.int32)
        for g, (start, end) in self.ranges.items():
            self.doc_group[start:end] = self._group_pos[g]
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
        self.max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0
        # adding a dense row is several times faster than scattering a long posting list into the
        # accumulator (政府/信息/公开 are in most passages); the rows cost 4 bytes per passage each
        self.dense: dict[int, np.ndarray] = {}
        frequent = sorted((t for t, d in enumerate(self.docs) if len(d) > DENSE_SHARE * n),
                          key=lambda t: -len(self.docs[t]))
        for tid in frequent[:DENSE_BUDGET // max(4 * n, 1)]:
            row = np.zeros(n, dtype=np.float32)
            row[self.docs[tid]] = self.weights[tid]
            self.dense[tid] = row

    def query_terms(self, text: str) -> list[int]:
        seen: dict[int, None] = {}
        for gram in bigrams(fold(text)):
            tid = self.term_ids.get(gram)
            if tid is not None:
                seen.setdefault(tid, None)
        return list(seen)

    def top(self, text: str, k: int = 30, groups: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best documents for ``text`` (doc id, BM25 score), best first, among the
        documents of ``groups`` (report ids; all reports when None)."""
        terms = self.query_terms(text)
        if not terms:
            return []
        if groups is None:
            return self._scan(self._prune(terms), 0, self.size, k)
        spans = _coalesce(self.ranges[g] for g in dict.fromkeys(groups) if g in self.ranges)
        if not spans:
            return []
        covered = sum(end - start for start, end in spans)
        first, last = spans[0][0], spans[-1][1]
        if len(spans) > 1 and (len(spans) > MAX_SPANS or last - first <= STRETCH_FACTOR * covered
                               or (covered > ONE_PASS_SHARE * self.size and len(spans) > 2)):
            # one pass over the stretch from the first report to the last (the reports of one
            # year lie side by side), the others masked out: one call per term, not one per report
            allowed = np.zeros(len(self.group_ids), dtype=bool)
            allowed[[self._group_pos[g] for g in groups if g in self._group_pos]] = True
            large = last - first > ONE_PASS_SHARE * self.size
            return self._scan(self._prune(terms) if large else terms, first, last, k, allowed)
        best: list[tuple[int, float]] = []
        for start, end in spans:
            best.extend(self._scan(terms, start, end, k))
        best.sort(key=lambda kv: -kv[1])
        return best[:k]

    def _prune(self, terms: list[int]) -> list[int]:
        """On a large index, a one-pass scan leaves out bigrams found in a tenth of all passages
        (政府, 信息): they cost the most and decide nothing."""
        if self.size < PRUNE_ABOVE or len(terms) <= 2:
            return terms
        rare = [t for t in terms if len(self.docs[t]) <= COMMON_SHARE * self.size]
        return rare if len(rare) >= 2 else sorted(terms, key=lambda t: len(self.docs[t]))[:2]

    def _scan(self, terms: list[int], start: int, end: int, k: int,
              allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        acc = np.zeros(end - start, dtype=np.float32)
        whole = start == 0 and end == self.size
        for tid in terms:
            row = self.dense.get(tid)
            if row is not None:
                acc += row if whole else row[start:end]
                continue
            docs = self.docs[tid]
            if whole:
                acc[docs] += self.weights[tid]
                continue
            lo, hi = np.searchsorted(docs, (start, end))
            if lo < hi:
                acc[docs[lo:hi] - start] += self.weights[tid][lo:hi]
        # only the documents hit are ranked (a selection over the whole, mostly empty, array is far
        # slower: numpy's selection degrades on many equal values)
        if allowed is None and len(acc) >= BLOCK * BLOCK and k <= len(acc) // BLOCK:
            hit = np.flatnonzero(acc >= max(_kth_block_max(acc, k), np.float32(1e-12)))
        else:
            hit = np.flatnonzero(acc > 0)
        if allowed is not None:
            hit = hit[allowed[self.doc_group[hit + start]]]
        if len(hit) > k:
            hit = hit[np.argpartition(-acc[hit], k - 1)[:k]]
        out = [(start + int(i), float(acc[i])) for i in hit]
        out.sort(key=lambda kv: -kv[1])
        return out

    def idf_of(self, gram: str) -> float:
        """idf of a bigram; a bigram the index has never seen weighs as the rarest."""
        tid = self.term_ids.get(gram)
        return self.idf[tid] if tid is not None else self.max_idf


def _coalesce(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Document ranges joined where one ends where the next begins (the reports of one year are
    stored side by side, so a question about a year scans one range)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _kth_block_max(acc: np.ndarray, k: int) -> np.float32:
    """A lower bound of the k-th best score: the k-th largest of the maxima of groups of ``BLOCK``
    documents (k groups each hold a score at least that high), so ``acc >= bound`` keeps every one
    of the k best and, in practice, few others. Any grouping bounds; documents ``j, j+G, j+2G …``
    make the maxima one element-wise pass over contiguous rows."""
    whole = len(acc) // BLOCK * BLOCK
    maxima = acc[:whole].reshape(BLOCK, -1).max(axis=0)
    if whole < len(acc):
        maxima = np.append(maxima, acc[whole:].max())
    positive = maxima[maxima > 0]  # a selection among many equal zeros is slow, and they bound nothing
    if len(positive) <= k:
        return np.float32(0)
    return np.partition(positive, len(positive) - k)[len(positive) - k]
