"""Question-answering benchmark (a benchmark, not a test).

Builds knowledge bases of about 4k / 40k / 400k passages from look-alike reports generated from
../shared/reports (other agencies, places, years and numbers), then prints for each size: index
build time, resident memory added, p50/p99 latency per question on one core and top-1 accuracy
on the dev questions — and, in the same run, the same for a naive full scan with
``rapidfuzz.process.extractOne`` (ratio of the two). Finally it times the start-up of
``gongkai ask`` on the 40k knowledge base (one process, one question).

    python bench/qa_bench.py [--sizes 4000 40000 400000] [--naive-questions 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from knowledge.agencies import parse_agency  # noqa: E402
from knowledge.answer import Answerer, Passage  # noqa: E402
from knowledge.extract import extract_lines  # noqa: E402
from knowledge.ingest import passage_rows  # noqa: E402
from knowledge.lookalike import ORGANS, make_lookalike, random_place  # noqa: E402
from knowledge.parse import parse_report  # noqa: E402
from knowledge.question import ReportRef  # noqa: E402

SHARED = ROOT.parent / "shared"


def report_keys() -> dict[str, tuple[str, int]]:
    """(agency, year) of each shared report, as the parser reads it (tests check the parser)."""
    keys = {}
    for path in sorted((SHARED / "reports").iterdir()):
        parsed = parse_report(extract_lines(path))
        keys[path.name] = (parsed.agency, parsed.year)
    return keys


REPORT_KEYS = report_keys()


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_corpus(target: int, rng: random.Random):
    """Parsed reports: the five shared ones plus look-alikes until ``target`` passages."""
    bases = []
    for path in sorted((SHARED / "reports").iterdir()):
        lines = extract_lines(path)
        parsed = parse_report(lines)
        bases.append(("\n".join(lines), parsed))
    reports = [p for _, p in bases]
    count = sum(len(passage_rows(p, 0)) for p in reports)
    taken = {s for _, p in bases for s in parse_agency(p.agency).place_stems}
    while count < target:
        text, parsed = rng.choice(bases)
        place = random_place(rng, taken)
        year = rng.randint(2012, 2025)
        organ = rng.choice(ORGANS)
        new_text, agency = make_lookalike(text, parsed.agency, parsed.year, new_place=place, new_year=year,
                                          new_organ=organ, rng=rng)
        new = parse_report(new_text.split("\n"))
        reports.append(new)
        count += len(passage_rows(new, 0))
    return reports


def to_passages(reports):
    refs, passages = [], []
    pid = 0
    for rid, parsed in enumerate(reports, start=1):
        refs.append(ReportRef(id=rid, agency=parsed.agency, year=parsed.year, title=parsed.title))
        for row in passage_rows(parsed, rid):
            pid += 1
            passages.append(Passage(pid, rid, row["kind"], row["section"], row["context"], row["text"],
                                    row["table_name"], row["row_label"], row["col_label"], row["value"], row["unit"]))
    return refs, passages


def graded(item, answer, source) -> bool:
    if item["kind"] == "absent":
        return answer is None
    return (answer is not None and all(e in answer for e in item["expect"])
            and source is not None and (source[0], source[1]) == REPORT_KEYS[item["report"]])


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def bench_size(target: int, dev, naive_questions: int, rng: random.Random) -> dict:
    reports = build_corpus(target, rng)
    refs, passages = to_passages(reports)
    before = rss_mb()
    t0 = time.perf_counter()
    answerer = Answerer(refs, passages)
    build = time.perf_counter() - t0
    mem = rss_mb() - before
    lat, ok = [], 0
    for _ in range(3):  # warm-up and repeat for stable percentiles
        for item in dev:
            t = time.perf_counter()
            a = answerer.answer(item["q"])
            lat.append((time.perf_counter() - t) * 1000)
    for item in dev:
        a = answerer.answer(item["q"])
        ok += graded(item, a.answer, (a.source.agency, a.source.year) if a.source else None)
    texts = [p.text for p in passages]
    naive_lat, naive_ok = [], 0
    sample = dev[:naive_questions]
    for item in sample:
        t = time.perf_counter()
        best = process.extractOne(item["q"], texts, scorer=fuzz.ratio)
        naive_lat.append((time.perf_counter() - t) * 1000)
        p = passages[best[2]]
        ref = refs[p.report_id - 1]
        naive_ok += graded(item, p.text if best[1] >= 0 else None, (ref.agency, ref.year))
    return {
        "passages": len(passages), "reports": len(refs), "build_s": build, "mem_mb": mem,
        "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "acc": ok / len(dev),
        "naive_p50_ms": pct(naive_lat, 50), "naive_p99_ms": pct(naive_lat, 99),
        "naive_acc": naive_ok / len(sample), "reports_obj": reports,
    }


def startup_time(reports) -> float:
    """Wall time of `gongkai ask --json` with one question on a knowledge base of ``reports``."""
    from sqlalchemy import create_engine, insert

    from storage.db import migrate
    from storage.models import Passage as PassageRow
    from storage.models import Report

    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/kb.db"
    migrate(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for rid, parsed in enumerate(reports, start=1):
            conn.execute(insert(Report), [{"id": rid, "agency": parsed.agency, "year": parsed.year,
                                           "title": parsed.title, "layout": parsed.layout, "source_name": "bench",
                                           "content_hash": str(rid)}])
            conn.execute(insert(PassageRow), passage_rows(parsed, rid))
    env = dict(os.environ, GONGKAI_DATABASE_URL=url)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(["gongkai", "ask", "--json", "青禾交通局2023年网上申请的有多少件"], env=env, check=True,
                       capture_output=True)
        runs.append(time.perf_counter() - t)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 40000, 400000])
    parser.add_argument("--naive-questions", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    dev = [json.loads(line) for line in (SHARED / "qa" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rng = random.Random(args.seed)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, one core pinned")
    print("size\treports\tbuild s\tmem MB\tp50 ms\tp99 ms\ttop-1\t| naive p50 ms\tp99 ms\ttop-1\t| naive/ours p99")
    startup_reports = None
    for size in args.sizes:
        r = bench_size(size, dev, args.naive_questions, rng)
        print(f"{r['passages']}\t{r['reports']}\t{r['build_s']:.2f}\t{r['mem_mb']:.0f}\t{r['p50_ms']:.2f}\t"
              f"{r['p99_ms']:.2f}\t{r['acc']:.0%}\t| {r['naive_p50_ms']:.1f}\t{r['naive_p99_ms']:.1f}\t"
              f"{r['naive_acc']:.0%}\t| {r['naive_p99_ms'] / max(r['p99_ms'], 1e-9):.1f}", flush=True)
        if 30000 <= size <= 50000:
            startup_reports = r["reports_obj"]
    if startup_reports is not None:
        print(f"startup of `gongkai ask` (one question) on ~40k passages: {startup_time(startup_reports):.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
